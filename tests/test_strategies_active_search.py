"""Active search on a regressor: UCB, expected improvement and Thompson sampling."""

import numpy as np
import pytest
from conftest import FAST
from sklearn.datasets import make_friedman1
from sklearn.utils._param_validation import InvalidParameterError

from skactive import ActiveINASRegressor
from skactive.modal import ActiveLearner
from skactive.strategies import (
    REGRESSION_STRATEGIES,
    expected_improvement,
    expected_improvement_utility,
    predictive_samples,
    thompson_sampling,
    ucb_utility,
    upper_confidence_bound,
)

STRATEGIES = [upper_confidence_bound, expected_improvement, thompson_sampling]


@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=300, noise=0.1, random_state=0)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def fitted(friedman):
    X, y = friedman
    return ActiveINASRegressor(**dict(FAST, max_epochs=10)).fit(X[:100], y[:100])


def _signed_samples(reg, pool, sign, **kwargs):
    """The samples a strategy seeded with 0 draws, signed so that larger is better."""
    return sign * predictive_samples(reg, pool, random_state=np.random.RandomState(0), **kwargs)


@pytest.mark.parametrize("maximize", [True, False])
def test_ucb_scores_the_signed_mean_plus_kappa_std(friedman, fitted, maximize):
    X, _ = friedman
    pool = X[100:]
    indices, samples, utilities = upper_confidence_bound(
        fitted, pool, 1, kappa=1.5, maximize=maximize, random_state=0, return_utilities=True
    )
    signed = _signed_samples(fitted, pool, 1 if maximize else -1)[:, :, 0]
    np.testing.assert_allclose(utilities, ucb_utility(signed, 1.5))
    assert indices[0] == np.argmax(utilities)
    np.testing.assert_array_equal(samples, pool[indices])


@pytest.mark.parametrize("maximize", [True, False])
def test_ei_improves_on_the_best_labeled_target(friedman, fitted, maximize):
    X, _ = friedman
    pool = X[100:]
    indices, _, utilities = expected_improvement(
        fitted, pool, 4, maximize=maximize, random_state=0, return_utilities=True
    )
    sign = 1 if maximize else -1
    best = (sign * fitted.y_training_).max()
    signed = _signed_samples(fitted, pool, sign)[:, :, 0]
    np.testing.assert_allclose(utilities, expected_improvement_utility(signed, best))
    assert indices[0] == np.argmax(utilities) and len(set(indices.tolist())) == 4


def test_thompson_takes_the_best_of_a_draw_per_slot(friedman, fitted):
    X, _ = friedman
    pool = X[100:]
    indices, _, utilities = thompson_sampling(
        fitted, pool, 6, random_state=0, return_utilities=True
    )
    assert len(set(indices.tolist())) == 6
    assert indices[0] == np.argmax(utilities)
    low = thompson_sampling(fitted, pool, 1, maximize=False, random_state=0, return_utilities=True)
    assert low[0][0] == np.argmax(low[2])
    # Searching for the smallest, the draw's value is negated: a low prediction scores high.
    assert low[2][low[0][0]] == low[2].max()


def test_thompson_over_a_committee_smaller_than_the_batch(friedman, fitted):
    X, _ = friedman
    pool = X[100:]
    n_candidates = len(fitted.committee("candidates"))
    indices, _ = thompson_sampling(
        fitted, pool, n_candidates + 3, source="candidates", random_state=0
    )
    assert len(set(indices.tolist())) == n_candidates + 3


def _peak_pool(fitted, pool, strategy):
    """Ten near-duplicates of the pool sample of highest utility, then the pool: the copies'
    indices and the new pool."""
    _, _, utility = strategy(fitted, pool, 1, random_state=0, return_utilities=True)
    peak = int(np.argmax(utility))
    noise = 1e-5 * np.random.RandomState(0).randn(10, pool.shape[1]).astype(np.float32)
    return {*range(10), 10 + peak}, np.concatenate([pool[peak] + noise, pool])


def test_a_ucb_batch_is_not_spent_on_the_near_duplicates_of_one_peak(friedman, fitted):
    # UCB is positive everywhere, so the penalty moves its batch away from the peak's copies.
    # Expected improvement is zero far below the best label: where only the peak's copies
    # improve on it, they stay its best picks (said in its docstring), which is what finds
    # the neighbours of a peak in an active search.
    strategy = upper_confidence_bound
    X, _ = friedman
    copies, pool = _peak_pool(fitted, X[100:], strategy)
    top, _ = strategy(fitted, pool, 5, penalize=False, random_state=0)
    # Without the penalty the top utilities are the peak's copies ...
    assert set(top.tolist()) <= copies
    indices, _, utilities = strategy(fitted, pool, 5, random_state=0, return_utilities=True)
    # ... with it, the batch starts at the peak and leaves its copies.
    assert indices[0] == np.argmax(utilities) and indices[0] in copies
    assert not copies & set(indices[1:].tolist())
    assert len(set(indices.tolist())) == 5


def test_multi_output_targets_need_an_output(friedman):
    X, y = friedman
    Y = np.column_stack([y, -y])
    reg = ActiveINASRegressor(**dict(FAST, inas_iterations=0)).fit(X[:80], Y[:80])
    pool = X[100:160]
    for strategy in STRATEGIES:
        with pytest.raises(ValueError, match="2 outputs; pass output="):
            strategy(reg, pool, 2, random_state=0)
        with pytest.raises(ValueError, match="out of range"):
            strategy(reg, pool, 2, output=2, random_state=0)
    _, _, second = upper_confidence_bound(
        reg, pool, 1, output=1, maximize=False, random_state=0, return_utilities=True
    )
    signed = _signed_samples(reg, pool, -1)[:, :, 1]
    np.testing.assert_allclose(second, ucb_utility(signed, 1.96))


def test_bad_parameters_are_refused(friedman, fitted):
    X, _ = friedman
    with pytest.raises(InvalidParameterError, match="kappa"):
        upper_confidence_bound(fitted, X[100:], 2, kappa=-1.0)
    with pytest.raises(InvalidParameterError, match="source"):
        expected_improvement(fitted, X[100:], 2, source="dropout")
    with pytest.raises(ValueError, match="n_instances"):
        thompson_sampling(fitted, X[100:110], 11)


@pytest.mark.parametrize("name", ["ucb", "ei", "thompson"])
def test_by_name_in_the_regressor_and_through_modal(friedman, name):
    X, y = friedman
    reg = ActiveINASRegressor(**dict(FAST, inas_iterations=0, query_strategy=name))
    reg.fit(X[:60], y[:60])
    indices, samples = reg.query(X[100:], n_instances=3)
    assert len(set(indices.tolist())) == 3
    learner = ActiveLearner(
        estimator=ActiveINASRegressor(**dict(FAST, inas_iterations=0, warm_start=True)),
        query_strategy=REGRESSION_STRATEGIES[name],
        X_training=X[:60],
        y_training=y[:60],
    )
    indices, samples = learner.query(X[100:], n_instances=3, random_state=0)
    np.testing.assert_array_equal(samples, X[100:][indices])
    learner.teach(samples, y[100:][indices])
    assert len(learner.estimator.y_training_) == 63


@pytest.mark.cuda
def test_on_cuda_the_samples_and_the_penalised_batch(friedman):
    X, y = friedman
    reg = ActiveINASRegressor(**dict(FAST, device="cuda", inas_iterations=0)).fit(X[:80], y[:80])
    samples = predictive_samples(reg, X[100:], n_samples=500, random_state=0)
    assert samples.shape == (500, 200, 1)
    np.testing.assert_allclose(samples.mean(axis=0)[:, 0], reg.predict(X[100:]), atol=0.2)
    for strategy in STRATEGIES:
        indices, _ = strategy(reg, X[100:], 5, random_state=0)
        assert len(set(indices.tolist())) == 5
