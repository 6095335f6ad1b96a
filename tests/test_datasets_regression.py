"""scikit-learn's regression tasks: flat float32 rows, float64 targets in their own units."""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import InvalidParameterError

from skactive.datasets import (
    DATASET_TASKS,
    DATASETS,
    REGRESSION_DATASETS,
    load_dataset,
    load_regression,
)
from skactive.search_space import resolve_block

SIZES = {"diabetes": (10, 309, 133), "friedman1": (10, 1400, 600), "friedman3": (4, 1400, 600)}


@pytest.mark.parametrize("name", sorted(REGRESSION_DATASETS))
def test_rows_are_flat_float32_targets_float64_and_the_task_is_regression(name):
    n_features, n_train, n_test = SIZES[name]
    data = load_dataset(name)
    assert name in DATASETS and DATASET_TASKS[name] == "regression"
    assert (data.name, data.task, data.top_fraction) == (name, "regression", None)
    assert data.X_train.shape == (n_train, n_features)
    assert data.X_test.shape == (n_test, n_features)
    assert data.X_train.dtype == data.X_test.dtype == np.float32
    assert data.y_train.dtype == data.y_test.dtype == np.float64
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(data.X_train.std(axis=0), 1, atol=1e-4)
    assert resolve_block("auto", data.sample_shape) == "mlp"
    again = load_dataset(name)
    np.testing.assert_array_equal(again.y_test, data.y_test)


def test_diabetes_keeps_its_targets_in_their_units_and_splits_at_random():
    data = load_regression("diabetes", random_state=3)
    X, y = load_diabetes(return_X_y=True)
    X_train, _, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=3)
    np.testing.assert_array_equal(data.y_train, y_train)
    np.testing.assert_array_equal(data.y_test, y_test)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    np.testing.assert_allclose(data.X_train, (X_train - mean) / std, rtol=1e-5, atol=1e-5)
    assert 25 <= data.y_train.min() and data.y_train.max() <= 346


def test_friedman1_is_drawn_at_its_documented_size_noise_and_seed():
    _, y = make_friedman1(n_samples=2000, noise=1.0, random_state=0)
    data = load_dataset("friedman1")
    np.testing.assert_allclose(np.sort(np.r_[data.y_train, data.y_test]), np.sort(y))


def test_unknown_names_and_bad_splits_are_refused():
    with pytest.raises(InvalidParameterError, match="'name' parameter of load_regression"):
        load_regression("boston")
    with pytest.raises(InvalidParameterError, match="'test_size' parameter"):
        load_regression("diabetes", test_size=1.5)
