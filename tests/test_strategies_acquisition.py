"""Active search's scores and batch selectors, on given samples: exact, no network."""

import math

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skactive.strategies import (
    expected_improvement_utility,
    local_penalization,
    predictive_mean_std,
    select_top,
    thompson_select,
    ucb_utility,
)


def _samples(mean, std):
    """Two samples per pool sample with exactly this mean and standard deviation (ddof=1)."""
    mean, std = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    return np.stack([mean + std / math.sqrt(2), mean - std / math.sqrt(2)])


def _normal_ei(mean, std, best):
    z = (mean - best) / std
    cdf = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    pdf = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    return (mean - best) * cdf + std * pdf


MEAN = [0.0, 1.0, 2.5, -3.0, 1.0]
STD = [1.0, 0.5, 2.0, 0.1, 3.0]


def test_mean_and_std_of_the_samples():
    mean, std = predictive_mean_std(_samples(MEAN, STD))
    np.testing.assert_allclose(mean, MEAN, atol=1e-12)
    np.testing.assert_allclose(std, STD)
    with pytest.raises(ValueError, match="at least 2 samples"):
        predictive_mean_std(np.ones((1, 4)))


@pytest.mark.parametrize("kappa", [0.0, 1.0, 1.96])
def test_ucb_is_the_mean_plus_kappa_standard_deviations(kappa):
    expected = np.array(MEAN) + kappa * np.array(STD)
    np.testing.assert_allclose(ucb_utility(_samples(MEAN, STD), kappa), expected)


@pytest.mark.parametrize("best", [-1.0, 0.0, 1.0, 4.0])
def test_expected_improvement_matches_its_closed_form(best):
    expected = [_normal_ei(m, s, best) for m, s in zip(MEAN, STD, strict=True)]
    utility = expected_improvement_utility(_samples(MEAN, STD), best)
    np.testing.assert_allclose(utility, expected, rtol=1e-7, atol=1e-12)
    # xi asks for that much more: the same as a best target xi higher.
    shifted = expected_improvement_utility(_samples(MEAN, STD), best - 0.5, xi=0.5)
    np.testing.assert_allclose(shifted, utility, rtol=1e-7, atol=1e-12)


def test_expected_improvement_of_a_certain_prediction_is_its_gain():
    samples = np.array([[3.0, 0.5, 1.0], [3.0, 0.5, 1.0]])
    np.testing.assert_array_equal(expected_improvement_utility(samples, 1.0), [2.0, 0.0, 0.0])
    # At the same mean, more doubt is more expected improvement.
    wider = expected_improvement_utility(_samples([0.5, 0.5], [0.1, 1.0]), 1.0)
    assert 0 < wider[0] < wider[1]


def _peak_pool():
    """A sharp peak (sample 0), ten near-duplicates of it, and ten distinct modest samples."""
    rng = np.random.RandomState(0)
    features = np.concatenate([np.zeros((1, 3)), 1e-3 * rng.randn(10, 3), 2.0 + rng.randn(10, 3)])
    mean = np.concatenate([[10.0], np.full(10, 9.99), 4.0 + 0.1 * np.arange(10)])
    std = np.full(21, 0.5)
    return features, mean, std


def test_local_penalization_spreads_a_batch_off_the_peak():
    features, mean, std = _peak_pool()
    utility = mean + std
    # The top utilities are all the peak's near-duplicates ...
    assert set(select_top(utility, 5).tolist()) <= set(range(11))
    indices = local_penalization(utility, features, mean, std, 5, lipschitz=1.0, maximum=10.0)
    # ... the penalised batch takes the peak first, then leaves its duplicates.
    assert indices[0] == 0
    assert len(set(indices.tolist())) == 5
    assert sum(i <= 10 for i in indices) == 1
    # The second pick is the best of the rest.
    assert indices[1] == 20


def test_a_pick_is_never_picked_again_even_without_a_ball():
    features = np.array([[0.0], [0.0], [5.0]])
    mean, std = np.array([2.0, 2.0, 1.0]), np.zeros(3)
    indices = local_penalization(mean, features, mean, std, 2, lipschitz=1.0, maximum=2.0)
    np.testing.assert_array_equal(indices, [0, 2])


def test_the_batch_goes_on_by_utility_once_nothing_is_left_unpenalised():
    features = np.zeros((4, 2))
    utility = np.array([0.0, 3.0, 0.0, 1.0])
    indices = local_penalization(
        utility, features, np.ones(4), np.ones(4), 4, lipschitz=1.0, maximum=1.0
    )
    np.testing.assert_array_equal(indices, [1, 3, 0, 2])


def test_local_penalization_refuses_bad_input():
    features, mean, std = _peak_pool()
    with pytest.raises(ValueError, match=">= 0"):
        local_penalization(mean - 5, features, mean, std, 2, lipschitz=1.0, maximum=10.0)
    with pytest.raises(ValueError, match="one entry per row"):
        local_penalization(mean[:5], features, mean, std, 2, lipschitz=1.0, maximum=10.0)
    with pytest.raises(InvalidParameterError, match="lipschitz"):
        local_penalization(mean, features, mean, std, 2, lipschitz=0.0, maximum=10.0)


def test_thompson_takes_one_draw_per_slot_and_never_a_pick_twice():
    samples = np.array([[5.0, 4.0, 0.0, 1.0], [5.0, 0.0, 3.0, 1.0], [0.0, 0.0, 0.0, 9.0]])
    np.testing.assert_array_equal(thompson_select(samples, 3), [0, 2, 3])
    # A batch larger than the draws uses them again, in turn.
    np.testing.assert_array_equal(thompson_select(samples[:2], 4), [0, 2, 1, 3])
    with pytest.raises(ValueError, match="n_instances"):
        thompson_select(samples, 5)
