"""scikit-learn's tables: flat float32 rows, split stratified, scaled by the training split."""

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_wine
from sklearn.model_selection import train_test_split

from skactive.datasets import (
    DATASETS,
    TABULAR_DATASETS,
    load_dataset,
    load_digits_images,
    load_tabular,
)
from skactive.search_space import resolve_block

SIZES = {
    "wine": (13, 3, 124, 54),
    "breast_cancer": (30, 2, 398, 171),
    "iris": (4, 3, 105, 45),
    "digits_flat": (64, 10, 1257, 540),
}


@pytest.mark.parametrize("name", sorted(TABULAR_DATASETS))
def test_rows_are_flat_float32_split_stratified_and_picked_up_as_mlp(name):
    n_features, n_classes, n_train, n_test = SIZES[name]
    data = load_dataset(name)
    assert name in DATASETS and data.name == name
    assert data.X_train.shape == (n_train, n_features)
    assert data.X_test.shape == (n_test, n_features)
    assert data.X_train.dtype == data.X_test.dtype == np.float32
    assert data.y_train.dtype == data.y_test.dtype == np.int64
    assert data.n_classes == n_classes
    assert set(data.y_train) == set(data.y_test) == set(range(n_classes))
    train_share = np.bincount(data.y_train) / len(data.y_train)
    test_share = np.bincount(data.y_test) / len(data.y_test)
    np.testing.assert_allclose(train_share, test_share, atol=0.02)
    assert resolve_block("auto", data.sample_shape) == "mlp"


def test_both_splits_are_scaled_with_the_training_splits_statistics():
    data = load_tabular("wine", random_state=3)
    X, y = load_wine(return_X_y=True)
    X_train, X_test, _, _ = train_test_split(X, y, test_size=0.3, stratify=y, random_state=3)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    np.testing.assert_allclose(data.X_train, (X_train - mean) / std, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(data.X_test, (X_test - mean) / std, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(data.X_train.std(axis=0), 1, atol=1e-5)
    # Scaled with the test split's own statistics, its mean would be 0 too.
    assert np.abs(data.X_test.mean(axis=0)).max() > 0.05


def test_a_pixel_blank_in_every_training_digit_is_centred_not_divided_by_zero():
    data = load_tabular("digits_flat")
    X = load_digits().data
    assert (X[:, 0] == 0).all()
    assert np.isfinite(data.X_train).all() and np.isfinite(data.X_test).all()
    assert (data.X_train[:, 0] == 0).all() and (data.X_test[:, 0] == 0).all()


def test_flat_digits_are_the_digit_images_in_the_same_split():
    flat, images = load_tabular("digits_flat"), load_digits_images()
    np.testing.assert_array_equal(flat.y_train, images.y_train)
    np.testing.assert_array_equal(flat.y_test, images.y_test)
    pixels = images.X_train.reshape(len(images.X_train), 64).astype(np.float64)
    varying = pixels.std(axis=0) > 0
    scaled = (pixels - pixels.mean(axis=0))[:, varying] / pixels.std(axis=0)[varying]
    np.testing.assert_allclose(flat.X_train[:, varying], scaled, atol=1e-4)


def test_the_same_seed_gives_the_same_split_and_another_seed_another():
    first, again, other = (load_tabular("iris", random_state=s) for s in (5, 5, 6))
    np.testing.assert_array_equal(first.X_train, again.X_train)
    np.testing.assert_array_equal(first.y_test, again.y_test)
    assert not np.array_equal(first.X_train, other.X_train)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(name="titanic"), "'name' parameter of load_tabular"),
        (dict(name="wine", test_size=1.5), "'test_size' parameter of load_tabular"),
        (dict(name="wine", test_size=0), "'test_size' parameter of load_tabular"),
        (dict(name="wine", random_state="seed"), "'random_state' parameter of load_tabular"),
    ],
)
def test_bad_arguments_are_value_errors_naming_the_parameter(kwargs, match):
    name = kwargs.pop("name")
    with pytest.raises(ValueError, match=match):
        load_tabular(name, **kwargs)
