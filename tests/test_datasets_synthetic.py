"""CDALBench's synthetic tasks: their shape, and that each fools the family it is built for."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression

from skactive.datasets import (
    DATASETS,
    SYNTHETIC_DATASETS,
    load_dataset,
    make_diverging_sine,
    make_honeypot,
)
from skactive.strategies import kcenter_greedy


def _honeypot(X, y):
    """Mask of the honeypot: of the three groups k-means finds, the one of mixed labels."""
    groups = KMeans(3, n_init=10, random_state=0).fit_predict(X)
    impurity = [-abs(y[groups == k].mean() - 0.5) for k in range(3)]
    return groups == int(np.argmax(impurity))


@pytest.mark.parametrize(
    "name, make, n_train, n_test",
    [("honeypot", make_honeypot, 480, 120), ("diverging_sine", make_diverging_sine, 160, 40)],
)
def test_default_sizes_are_cdalbenchs_as_float32_pairs_of_two_balanced_classes(
    name, make, n_train, n_test
):
    data = load_dataset(name)
    assert name in DATASETS and SYNTHETIC_DATASETS[name] is make and data.name == name
    assert data.X_train.shape == (n_train, 2) and data.X_test.shape == (n_test, 2)
    assert data.X_train.dtype == data.X_test.dtype == np.float32
    assert data.y_train.dtype == data.y_test.dtype == np.int64
    assert np.bincount(data.y_train).tolist() == [n_train // 2] * 2
    assert np.bincount(data.y_test).tolist() == [n_test // 2] * 2
    np.testing.assert_array_equal(make().X_test, data.X_test)


@pytest.mark.parametrize("make", [make_honeypot, make_diverging_sine])
def test_features_are_standardised_with_the_training_splits_statistics(make):
    data = make(random_state=1)
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(data.X_train.std(axis=0), 1, atol=1e-5)
    # Scaled with its own statistics, the test split would be centred as well.
    assert np.abs(data.X_test.mean(axis=0)).max() > 1e-3


@pytest.mark.parametrize("make", [make_honeypot, make_diverging_sine])
def test_the_same_seed_repeats_the_data_and_another_seed_changes_it(make):
    first, again, other = make(random_state=7), make(random_state=7), make(random_state=8)
    np.testing.assert_array_equal(first.X_train, again.X_train)
    np.testing.assert_array_equal(first.y_test, again.y_test)
    assert not np.array_equal(first.X_train, other.X_train)


@pytest.mark.parametrize("make", [make_honeypot, make_diverging_sine])
def test_any_number_of_samples_is_kept_whole(make):
    data = make(101, test_size=0.25)
    assert len(data.y_train) + len(data.y_test) == 101
    assert abs(len(data.y_test) - 25) <= 1


def test_the_honeypot_is_half_the_samples_of_both_classes_beside_two_pure_clusters():
    data = make_honeypot(random_state=2)
    X, y = data.X_train, data.y_train
    groups = KMeans(3, n_init=10, random_state=0).fit_predict(X)
    shares = sorted(y[groups == k].mean() for k in range(3))
    assert shares[0] < 0.03 and shares[2] > 0.97 and 0.4 < shares[1] < 0.6
    assert 0.45 < _honeypot(X, y).mean() < 0.55


def _horizontal_line_error(height, labels):
    """Error of the best horizontal line ``height > t`` as the rule for class 1."""
    return min(((height > t) != (labels == 1)).mean() for t in np.append(height, -np.inf))


def test_the_sine_arms_part_with_x_so_only_small_x_needs_the_sine():
    data = make_diverging_sine(random_state=0)
    X, y = np.vstack([data.X_train, data.X_test]), np.concatenate([data.y_train, data.y_test])
    near = X[:, 0] < np.quantile(X[:, 0], 0.2)  # x < 1 / divergence
    # Beyond it a horizontal line separates the classes up to the noise; near the origin not.
    assert _horizontal_line_error(X[~near, 1], y[~near]) < 0.02
    assert _horizontal_line_error(X[near, 1], y[near]) > 0.15


@pytest.mark.parametrize(
    "make, kwargs, match",
    [
        (make_honeypot, dict(n_samples=5), "'n_samples' parameter of make_honeypot"),
        (make_honeypot, dict(cluster_std=0.0), "'cluster_std' parameter of make_honeypot"),
        (make_honeypot, dict(test_size=1.0), "'test_size' parameter of make_honeypot"),
        (make_diverging_sine, dict(n_samples=10), "'n_samples' parameter of make_diverging"),
        (make_diverging_sine, dict(divergence=0.0), "'divergence' parameter of make_diverging"),
        (make_diverging_sine, dict(frequency=-1.0), "'frequency' parameter of make_diverging"),
        (make_diverging_sine, dict(noise=-0.1), "'noise' parameter of make_diverging"),
        (make_diverging_sine, dict(random_state="a"), "'random_state' parameter of make_div"),
    ],
)
def test_bad_parameters_are_value_errors_naming_the_parameter(make, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_honeypot_draws_uncertainty_sampling_and_teaches_nothing(seed):
    data = make_honeypot(random_state=seed)
    X, y = data.X_train, data.y_train
    honeypot = _honeypot(X, y)
    labeled = np.random.RandomState(seed).choice(len(y), 20, replace=False)
    model = LogisticRegression().fit(X[labeled], y[labeled])
    confidence = model.predict_proba(X).max(axis=1)
    confidence[labeled] = np.inf
    most_uncertain = np.argsort(confidence)[:30]
    assert honeypot.mean() < 0.55 and honeypot[most_uncertain].mean() >= 0.85
    # Every label of the pool still leaves the honeypot at chance and the rest near perfect.
    full = LogisticRegression().fit(X, y)
    in_test = _honeypot(data.X_test, data.y_test)
    right = full.predict(data.X_test) == data.y_test
    assert right[in_test].mean() < 0.7 and right[~in_test].mean() > 0.95


def _uncertainty_loop(X, y, labeled, n_rounds):
    """Label the pool sample closest to a logistic regression's boundary, round after round."""
    labeled, picks = list(labeled), []
    for _ in range(n_rounds):
        distance = np.abs(LogisticRegression().fit(X[labeled], y[labeled]).decision_function(X))
        distance[labeled] = np.inf
        picks.append(int(np.argmin(distance)))
        labeled.append(picks[-1])
    return np.array(picks)


def test_space_filling_misses_the_sines_informative_region_where_uncertainty_goes():
    shares = []
    for seed in range(3):
        data = make_diverging_sine(random_state=seed)
        X, y = data.X_train, data.y_train
        informative = X[:, 0] < np.quantile(X[:, 0], 0.2)  # x < 1 / divergence
        rng = np.random.RandomState(seed)
        starts = [rng.choice(np.flatnonzero(y == c), 2, replace=False) for c in (0, 1)]
        labeled = np.concatenate(starts)
        uncertain = _uncertainty_loop(X, y, labeled, 30)
        spread = kcenter_greedy(X, X[labeled], 30, random_state=seed)
        shares.append(
            (informative.mean(), informative[uncertain].mean(), informative[spread].mean())
        )
    pool, uncertainty, kcenter = np.mean(shares, axis=0)
    assert kcenter <= pool and uncertainty >= 2 * pool
