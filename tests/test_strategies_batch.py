"""Stochastic batch acquisition (tests of skactive/strategies/_batch.py)."""

import numpy as np
import pytest
from conftest import FAST
from sklearn.datasets import make_friedman1

from skactive import ActiveINASClassifier, ActiveINASRegressor
from skactive.strategies import (
    BATCH_MODES,
    REGRESSION_STRATEGIES,
    STRATEGY_NAMES,
    pool_result,
    resolve_strategy,
    select_batch,
    select_top,
    softmax_response,
    stochastic_batch,
    variance_sampling,
)

UTILITY = np.array([1.0, 2.0, 3.0, 4.0])
EXPECTED = {
    "power": UTILITY / UTILITY.sum(),
    "softmax": np.exp(UTILITY) / np.exp(UTILITY).sum(),
    "softrank": (1 / np.array([4, 3, 2, 1])) / (1 / np.array([4, 3, 2, 1])).sum(),
}


def test_top_is_select_top():
    utility = np.random.RandomState(0).rand(50)
    assert select_batch(utility, 7).tolist() == select_top(utility, 7).tolist()


@pytest.mark.parametrize("mode", ["power", "softmax", "softrank"])
def test_a_single_pick_follows_the_mode_s_probabilities(mode):
    rng = np.random.RandomState(0)
    picks = [select_batch(UTILITY, 1, mode, random_state=rng)[0] for _ in range(4000)]
    frequency = np.bincount(picks, minlength=4) / len(picks)
    # 4,000 draws: each frequency is within about 0.024 of its probability at 3 sigma.
    np.testing.assert_allclose(frequency, EXPECTED[mode], atol=0.03)


@pytest.mark.parametrize("mode", ["power", "softmax", "softrank"])
def test_stochastic_batches_are_distinct_seeded_and_not_always_the_top(mode):
    utility = np.random.RandomState(1).rand(200)
    batches = [select_batch(utility, 20, mode, random_state=seed) for seed in range(5)]
    assert all(len(set(batch.tolist())) == 20 for batch in batches)
    assert select_batch(utility, 20, mode, random_state=3).tolist() == batches[3].tolist()
    assert any(set(batch) != set(select_top(utility, 20)) for batch in batches)


def test_beta_zero_draws_uniformly_and_a_large_beta_takes_the_top():
    rng = np.random.RandomState(0)
    picks = [select_batch(UTILITY, 1, "softmax", beta=0, random_state=rng)[0] for _ in range(4000)]
    np.testing.assert_allclose(np.bincount(picks) / 4000, 0.25, atol=0.03)
    utility = np.random.RandomState(2).rand(100)
    assert set(select_batch(utility, 5, "power", beta=1e4, random_state=0)) == set(
        select_top(utility, 5)
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(mode="power", utility=np.array([-0.5, 0.2])), "utilities >= 0"),
        (dict(mode="greedy"), "'mode' parameter of select_batch must be a str among"),
        (dict(mode="softmax", beta=-1.0), "'beta' parameter of select_batch must be a float"),
    ],
)
def test_bad_settings_fail_clearly(kwargs, match):
    utility = kwargs.pop("utility", UTILITY)
    with pytest.raises(ValueError, match=match):
        select_batch(utility, 1, **kwargs)


def test_modes_are_reachable_by_name():
    assert set(BATCH_MODES) == {"top", "power", "softmax", "softrank"}
    assert "mc_dropout:power" in STRATEGY_NAMES and "margin:power" not in STRATEGY_NAMES
    strategy = resolve_strategy("softmax_response:softrank")
    assert strategy.func is softmax_response and strategy.keywords == {"batch_mode": "softrank"}
    assert strategy.__name__ == "softmax_response:softrank"
    with pytest.raises(ValueError, match="Unknown query strategy 'margin:power'"):
        resolve_strategy("margin:power")


def test_estimator_queries_a_seeded_stochastic_batch(small_digits):
    X, y, X_pool, _ = small_digits
    kwargs = dict(input_shape=(1, 8, 8), inas_iterations=0, **FAST)
    top = ActiveINASClassifier(query_strategy="softmax_response", **kwargs).fit(X, y)
    power = ActiveINASClassifier(query_strategy="softmax_response:power", **kwargs).fit(X, y)
    picks = power.query(X_pool, 10)[0]
    assert picks.tolist() == power.query(X_pool, 10)[0].tolist()  # seeded by random_state
    assert len(set(picks.tolist())) == 10
    assert set(picks) != set(top.query(X_pool, 10)[0])


def test_mc_dropout_samples_its_batch_with_power_weights(small_digits):
    X, y, X_pool, _ = small_digits
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), inas_iterations=0, **FAST).fit(X, y)
    strategy = resolve_strategy("mc_dropout:power")
    picks = strategy(clf, X_pool, 15, random_state=0)[0]
    assert picks.tolist() == strategy(clf, X_pool, 15, random_state=0)[0].tolist()
    assert len(set(picks.tolist())) == 15
    top = resolve_strategy("mc_dropout")(clf, X_pool, 15, random_state=0)[0]
    assert set(picks) != set(top)


def _scored(utility, seeds):
    """A score-based strategy over fixed utilities that records the seeds it is given."""

    def strategy(estimator, X_pool, n_instances=1, *, random_state=None, return_utilities=False):
        seeds.append(random_state)
        indices = select_top(utility, n_instances)
        return pool_result(X_pool, indices, utility if return_utilities else None)

    return strategy


def test_stochastic_batch_draws_from_the_strategy_s_utilities():
    utility, seeds = np.random.RandomState(0).rand(60), []
    X_pool = np.arange(120).reshape(60, 2)
    scored = _scored(utility, seeds)
    top = stochastic_batch(None, X_pool, 8, strategy=scored, batch_mode="top")[0]
    assert top.tolist() == select_top(utility, 8).tolist()
    batches = [
        stochastic_batch(None, X_pool, 8, strategy=scored, random_state=s) for s in range(5)
    ]
    assert all(len(set(indices.tolist())) == 8 for indices, _ in batches)
    assert any(set(indices) != set(top) for indices, _ in batches)
    np.testing.assert_array_equal(batches[2][1], X_pool[batches[2][0]])
    again = stochastic_batch(None, X_pool, 8, strategy=scored, random_state=2)[0]
    assert again.tolist() == batches[2][0].tolist()
    # The strategy is seeded from random_state too, with a seed of its own.
    assert seeds[-1] == seeds[-4] != seeds[-5]  # random_state 2, 2 and 1
    *_, utilities = stochastic_batch(None, X_pool, 3, strategy=scored, return_utilities=True)
    np.testing.assert_array_equal(utilities, utility)


def test_stochastic_batch_refuses_bad_settings():
    scored, X_pool = _scored(np.array([0.5, -1.0]), []), np.zeros((2, 1))
    with pytest.raises(ValueError, match="utilities >= 0"):
        stochastic_batch(None, X_pool, 1, strategy=scored)
    with pytest.raises(ValueError, match="between 1 and the pool size 2, got 3"):
        stochastic_batch(None, X_pool, 3, strategy=scored, batch_mode="softmax")
    with pytest.raises(ValueError, match="'batch_mode' parameter of stochastic_batch"):
        stochastic_batch(None, X_pool, 1, strategy=scored, batch_mode="greedy")


def test_the_regressor_queries_a_seeded_stochastic_variance_batch():
    X, y = make_friedman1(n_samples=200, noise=0.1, random_state=0)
    X, X_pool = X[:60].astype(np.float32), X[60:].astype(np.float32)
    names = {"variance:power", "variance:softmax", "variance:softrank"}
    assert names <= set(REGRESSION_STRATEGIES)
    strategy = resolve_strategy("variance:power")
    assert strategy.func is stochastic_batch and strategy.__name__ == "variance:power"
    assert strategy.keywords == {"strategy": variance_sampling, "batch_mode": "power"}
    kwargs = dict(inas_iterations=0, **FAST)
    power = ActiveINASRegressor(query_strategy="variance:power", **kwargs).fit(X, y[:60])
    picks = power.query(X_pool, 10)[0]
    assert picks.tolist() == power.query(X_pool, 10)[0].tolist()  # seeded by random_state
    assert len(set(picks.tolist())) == 10
    top = variance_sampling(power, X_pool, 10, random_state=0)[0]
    assert set(picks) != set(top)
    with pytest.raises(ValueError, match="'random' takes no batch mode"):
        resolve_strategy("random:power")
