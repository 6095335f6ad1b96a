"""A regressor's predictive samples (MC-dropout, deep ensemble, free committee) and the
variance query over each."""

import numpy as np
import pytest
from conftest import FAST
from sklearn.datasets import make_friedman1
from sklearn.utils._param_validation import InvalidParameterError

from skactive import ActiveINASClassifier, ActiveINASRegressor
from skactive.strategies import (
    REGRESSION_STRATEGIES,
    mc_dropout_std,
    predictive_samples,
    variance_sampling,
)


@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=300, noise=0.1, random_state=0)
    return X.astype(np.float32), 100 * y + 1000


@pytest.fixture(scope="module")
def fitted(friedman):
    """Targets around 1000 with a spread of about 500: samples must come back in those units."""
    X, y = friedman
    return ActiveINASRegressor(**dict(FAST, max_epochs=10)).fit(X[:120], y[:120])


def test_mc_dropout_samples_are_thinned_networks_in_the_targets_units(friedman, fitted):
    X, _ = friedman
    pool = X[200:260]
    samples = predictive_samples(fitted, pool, n_samples=4000, random_state=0)
    assert samples.shape == (4000, 60, 1) and samples.dtype == np.float64
    # Inverted dropout on a linear head: the thinned networks average to the network itself.
    spread = samples.std(axis=0)[:, 0]
    np.testing.assert_allclose(
        samples.mean(axis=0)[:, 0], fitted.predict(pool), atol=0.1 * spread.max()
    )
    assert fitted.y_std_ > 100 and spread.max() > 1  # in the targets' units, not standardised
    # The spread is MC-dropout's, scaled back: the same masks rule, another draw.
    std = mc_dropout_std(fitted, pool, n_passes=2000, random_state=1)[:, 0] * fitted.y_std_
    np.testing.assert_allclose(samples.std(axis=0, ddof=1)[:, 0], std, rtol=0.15)


def test_a_sample_is_one_function_whatever_the_batch(friedman, fitted):
    X, _ = friedman
    pool = X[200:260]
    whole = predictive_samples(fitted, pool, n_samples=5, random_state=3)
    part = predictive_samples(fitted, pool[17:23], n_samples=5, random_state=3)
    # One mask per sample shared by every row: the rows of a sample do not depend on their
    # neighbours in the batch.
    np.testing.assert_allclose(part, whole[:, 17:23], rtol=1e-5)
    again = predictive_samples(fitted, pool, n_samples=5, random_state=3)
    np.testing.assert_array_equal(whole, again)
    other = predictive_samples(fitted, pool, n_samples=5, random_state=4)
    assert not np.allclose(whole, other)


def test_members_are_a_deep_ensemble_whose_first_is_the_network(friedman):
    X, y = friedman
    reg = ActiveINASRegressor(**dict(FAST, inas_iterations=0)).fit(X[:80], y[:80])
    pool = X[200:230]
    samples = predictive_samples(reg, pool, source="members", n_members=3)
    assert samples.shape == (3, 30, 1)
    np.testing.assert_allclose(samples[0, :, 0], reg.predict(pool), rtol=1e-6)
    assert not np.allclose(samples[1], samples[0]) and not np.allclose(samples[2], samples[1])
    members = reg.committee("members", n_members=3)
    assert len(members) == 3 and members[0] is reg.net_
    assert reg.history_[-1]["ensemble_steps"] > 0
    # Trained once for a labeled set: asking again reuses them.
    np.testing.assert_array_equal(
        predictive_samples(reg, pool, source="members", n_members=3), samples
    )


def test_candidates_are_the_last_search_steps_networks(friedman, fitted):
    X, _ = friedman
    pool = X[200:230]
    samples = predictive_samples(fitted, pool, source="candidates")
    networks = fitted.committee("candidates")
    assert len(networks) >= 2 and samples.shape == (len(networks), 30, 1)
    assert not np.allclose(samples[0], samples[-1])


def test_multi_output_samples_are_scaled_per_output(friedman):
    X, y = friedman
    Y = np.column_stack([y, -y / 1000])
    reg = ActiveINASRegressor(**dict(FAST, inas_iterations=0)).fit(X[:80], Y[:80])
    samples = predictive_samples(reg, X[200:210], source="members", n_members=2)
    assert samples.shape == (2, 10, 2)
    np.testing.assert_allclose(samples[0], reg.predict(X[200:210]), rtol=1e-5, atol=1e-6)
    # Each output on its own scale: about 2,400 and about -2.4.
    assert samples[:, :, 0].mean() > 1000 and -10 < samples[:, :, 1].mean() < -1


def test_sources_that_cannot_sample_say_why(friedman):
    X, y = friedman
    reg = ActiveINASRegressor(**dict(FAST, dropout=0.0, inas_iterations=0)).fit(X[:60], y[:60])
    with pytest.raises(ValueError, match="dropout"):
        predictive_samples(reg, X[:5])
    with pytest.raises(ValueError, match="candidates"):
        predictive_samples(reg, X[:5], source="candidates")
    assert predictive_samples(reg, X[:5], source="members", n_members=2).shape == (2, 5, 1)
    with pytest.raises(InvalidParameterError, match="source"):
        predictive_samples(reg, X[:5], source="bootstrap")
    labels = (y[:60] > np.median(y[:60])).astype(int)
    clf = ActiveINASClassifier(**dict(FAST, inas_iterations=0)).fit(X[:60], labels)
    with pytest.raises(TypeError, match="ActiveINASRegressor"):
        predictive_samples(clf, X[:5])


def test_variance_sampling_by_default_is_mc_dropouts(friedman, fitted):
    X, _ = friedman
    pool = X[200:]
    default = variance_sampling(fitted, pool, 5, random_state=0, return_utilities=True)
    explicit = variance_sampling(
        fitted, pool, 5, source="mc_dropout", random_state=0, return_utilities=True
    )
    np.testing.assert_array_equal(default[0], explicit[0])
    np.testing.assert_array_equal(default[2], explicit[2])
    std = mc_dropout_std(fitted, pool, 20, random_state=0).astype(np.float64)
    np.testing.assert_allclose(default[2], (std**2).sum(axis=1))


@pytest.mark.parametrize("source", ["members", "candidates"])
def test_variance_sampling_over_a_committee_is_query_by_committee(friedman, fitted, source):
    X, _ = friedman
    pool = X[200:]
    indices, samples, utilities = variance_sampling(
        fitted, pool, 6, source=source, n_members=3, return_utilities=True
    )
    committee = predictive_samples(fitted, pool, source=source, n_members=3) / fitted.y_std_
    np.testing.assert_allclose(utilities, committee.var(axis=0, ddof=1)[:, 0])
    np.testing.assert_array_equal(indices, np.argsort(-utilities, kind="stable")[:6])
    np.testing.assert_array_equal(samples, pool[indices])
    mc = variance_sampling(fitted, pool, 6, random_state=0, return_utilities=True)[2]
    assert not np.allclose(utilities, mc)


def test_the_regressors_strategies_by_name():
    assert {"random", "variance", "ucb", "ei", "thompson"} <= set(REGRESSION_STRATEGIES)
