"""Greedy sampling for regression, GSx, GSy and iGS (tests of strategies/_greedy_sampling.py)."""

import numpy as np
import pytest
from conftest import FAST
from sklearn.datasets import make_friedman1
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression

from skactive import ActiveINASRegressor
from skactive.strategies import (
    REGRESSION_STRATEGIES,
    greedy_sampling_select,
    greedy_sampling_x,
    greedy_sampling_y,
    improved_greedy_sampling,
    kcenter_greedy,
    resolve_strategy,
)

STRATEGIES = {"gsx": greedy_sampling_x, "gsy": greedy_sampling_y, "igs": improved_greedy_sampling}
SPACES = {"gsx": "x", "gsy": "y", "igs": "xy"}


def _reference(X_pool, X_labeled, n_instances, y_pool=None, y_labeled=None, space="x"):
    """The paper's rule written plainly: every distance recomputed at every pick."""
    inputs = np.vstack([X_labeled, X_pool])
    outputs = None
    if "y" in space:
        outputs = np.vstack([np.reshape(y_labeled, (len(X_labeled), -1)), y_pool.reshape(-1, 1)])
    chosen, picks = list(range(len(X_labeled))), []
    for _ in range(n_instances):
        best, best_utility = None, -np.inf
        for n in range(len(X_pool)):
            if n in picks:
                continue
            row = len(X_labeled) + n
            distances = np.ones(len(chosen))
            if "x" in space:
                distances *= np.linalg.norm(inputs[chosen] - inputs[row], axis=1)
            if "y" in space:
                distances *= np.linalg.norm(outputs[chosen] - outputs[row], axis=1)
            if distances.min() > best_utility:
                best, best_utility = n, distances.min()
        picks.append(best)
        chosen.append(len(X_labeled) + best)
    return picks


@pytest.fixture(scope="module")
def linear_case():
    """A pool, a labeled set and a linear model's predictions, where no two distances tie."""
    rng = np.random.RandomState(0)
    X = rng.rand(300, 4)
    y = X @ rng.randn(4) + 0.1 * rng.randn(300)
    model = LinearRegression().fit(X[:20], y[:20])
    return X[20:], X[:20], model.predict(X[20:]), y[:20]


@pytest.fixture(scope="module")
def regressor():
    X, y = make_friedman1(n_samples=160, noise=0.1, random_state=0)
    X = X.astype(np.float32)
    return ActiveINASRegressor(inas_iterations=0, **FAST).fit(X[:60], y[:60]), X[60:]


def test_gsx_picks_the_farthest_point_then_the_farthest_from_it_too():
    pool = np.array([[1.0], [4.0], [9.0], [10.0]])
    # 10 is farthest from 0; then 4 (4 from 0, 6 from 10); then 1 and 9 tie at 1: the lower.
    indices, utilities = greedy_sampling_select(pool, np.array([[0.0]]), 3)
    assert indices.tolist() == [3, 1, 0]
    np.testing.assert_allclose(utilities, [1.0, 4.0, 9.0, 10.0])


def test_with_nothing_labeled_gsx_starts_at_the_pool_centroid():
    pool = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [10.0, 0.0]])
    indices, _, utilities = greedy_sampling_x(None, pool, 3, return_utilities=True)
    # Centroid 3.2: sample 3 first, then 10 (farthest from 3), then 0 (3 from 3, 10 from 10).
    assert indices.tolist() == [3, 4, 0]
    np.testing.assert_allclose(utilities, -np.abs(pool[:, 0] - 3.2))


def test_a_batch_never_repeats_a_pick_even_when_the_pool_runs_out():
    pool = np.array([[0.0], [0.0], [1.0], [1.0], [5.0]])
    indices = greedy_sampling_select(pool, np.array([[0.0], [1.0]]), len(pool))[0]
    assert sorted(indices.tolist()) == list(range(len(pool)))
    assert indices[0] == 4


def test_gsy_compares_predictions_with_targets_in_their_units():
    # Labeled targets 0 and 100; predictions 10, 60 and 95: 60 is 40 from the nearest.
    y_pool = np.array([10.0, 60.0, 95.0])
    indices, utilities = greedy_sampling_select(
        np.zeros((3, 1)), np.zeros((2, 1)), 2, y_pool=y_pool, y_labeled=[0.0, 100.0], space="y"
    )
    np.testing.assert_allclose(utilities, [10.0, 40.0, 5.0])
    assert indices.tolist() == [1, 0]  # then 10 (10 from 0, 50 from 60) beats 95 (5)


def test_igs_takes_the_product_to_each_labeled_sample_before_the_minimum():
    # Pool sample 0 is close to labeled sample A in inputs but far in outputs, and the other
    # way round for B: the smaller product, to B, is 9 * 1 = 9, where min d_x * min d_y would
    # be only 1 * 1.
    X_labeled, y_labeled = np.array([[0.0], [10.0]]), np.array([0.0, 11.0])
    X_pool, y_pool = np.array([[1.0], [5.0]]), np.array([10.0, 5.5])
    _, utilities = greedy_sampling_select(
        X_pool, X_labeled, 1, y_pool=y_pool, y_labeled=y_labeled, space="xy"
    )
    np.testing.assert_allclose(utilities, [min(1 * 10, 9 * 1), min(5 * 5.5, 5 * 5.5)])


@pytest.mark.parametrize("space", ["x", "y", "xy"])
def test_picks_are_the_plain_rule_s(linear_case, space):
    X_pool, X_labeled, y_pool, y_labeled = linear_case
    picks = greedy_sampling_select(
        X_pool, X_labeled, 12, y_pool=y_pool, y_labeled=y_labeled, space=space, chunk_size=7
    )[0]
    assert picks.tolist() == _reference(X_pool, X_labeled, 12, y_pool, y_labeled, space)


def test_gsx_is_k_center_greedy_on_the_inputs(linear_case):
    X_pool, X_labeled, _, _ = linear_case
    ours = greedy_sampling_select(X_pool, X_labeled, 15)[0]
    assert ours.tolist() == kcenter_greedy(X_pool, X_labeled, 15).tolist()


def test_several_outputs_are_compared_by_euclidean_distance():
    y_pool = np.array([[3.0, 4.0], [1.0, 1.0]])
    _, utilities = greedy_sampling_select(
        np.zeros((2, 1)), np.zeros((1, 1)), 1, y_pool=y_pool, y_labeled=[[0.0, 0.0]], space="y"
    )
    np.testing.assert_allclose(utilities, [5.0, np.sqrt(2.0)])


@pytest.mark.parametrize("name", ["gsx", "gsy", "igs"])
def test_strategies_through_a_modal_learner_follow_its_convention(linear_case, name):
    from skactive.modal import ActiveLearner

    X_pool, X_labeled, _, y_labeled = linear_case
    learner = ActiveLearner(
        LinearRegression(),
        query_strategy=STRATEGIES[name],
        X_training=X_labeled.copy(),
        y_training=y_labeled.copy(),
    )
    indices, samples = learner.query(X_pool, n_instances=5)
    np.testing.assert_array_equal(samples, X_pool[indices])
    expected = _reference(
        X_pool, X_labeled, 5, learner.predict(X_pool), y_labeled, space=SPACES[name]
    )
    assert indices.tolist() == expected
    learner.teach(samples, learner.predict(samples))
    assert len(learner.X_training) == len(X_labeled) + 5


@pytest.mark.parametrize("name", ["gsx", "gsy", "igs"])
def test_the_regressor_queries_by_name_and_its_labeled_set_is_unchanged(regressor, name):
    reg, X_pool = regressor
    X_before, y_before = reg.X_training_.copy(), reg.y_training_.copy()
    strategy = resolve_strategy(name)
    assert strategy is REGRESSION_STRATEGIES[name] is STRATEGIES[name]
    indices, samples, utilities = strategy(reg, X_pool, 6, random_state=0, return_utilities=True)
    assert len(set(indices.tolist())) == 6 and utilities.shape == (len(X_pool),)
    np.testing.assert_array_equal(samples, X_pool[indices])
    y_pool = reg.predict(X_pool) if name != "gsx" else None
    expected = greedy_sampling_select(
        X_pool, reg.X_training_, 6, y_pool=y_pool, y_labeled=reg.y_training_, space=SPACES[name]
    )[0]
    assert indices.tolist() == expected.tolist()
    np.testing.assert_array_equal(reg.X_training_, X_before)
    np.testing.assert_array_equal(reg.y_training_, y_before)


def test_an_estimator_named_with_igs_queries_with_it(regressor):
    reg, X_pool = regressor
    X, y = make_friedman1(n_samples=160, noise=0.1, random_state=0)
    igs = ActiveINASRegressor(query_strategy="igs", inas_iterations=0, **FAST)
    igs.fit(X[:60].astype(np.float32), y[:60])
    assert igs.query(X_pool, 4)[0].tolist() == improved_greedy_sampling(igs, X_pool, 4)[0].tolist()


@pytest.mark.parametrize("name", ["gsx", "gsy", "igs"])
def test_bad_input_fails_clearly(regressor, name):
    reg, X_pool = regressor
    strategy = STRATEGIES[name]
    with pytest.raises(ValueError, match="between 1 and the pool size 100, got 101"):
        strategy(reg, X_pool, len(X_pool) + 1)
    with pytest.raises(NotFittedError, match="not fitted"):
        strategy(ActiveINASRegressor(), X_pool, 2)
    with pytest.raises(TypeError, match="needs the labeled set"):
        strategy(LinearRegression().fit(X_pool, X_pool[:, 0]), X_pool, 2)
    with pytest.raises(ValueError, match="'return_utilities' parameter"):
        strategy(reg, X_pool, 2, return_utilities="yes")
    with pytest.raises(ValueError, match=f"'{name}' takes no batch mode"):
        resolve_strategy(f"{name}:power")


def test_gsy_and_igs_need_a_model_but_gsx_does_not():
    X_pool = np.random.RandomState(0).rand(10, 2)
    assert len(greedy_sampling_x(None, X_pool, 3)[0]) == 3
    for strategy in (greedy_sampling_y, improved_greedy_sampling):
        with pytest.raises(TypeError, match="needs a fitted regressor"):
            strategy(None, X_pool, 3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(space="y"), "give y_pool"),
        (dict(space="xy", y_pool=np.zeros(4)), "give y_pool"),
        (dict(space="y", y_pool=np.zeros(3), y_labeled=np.zeros(2)), "3 rows for a pool of 4"),
        (dict(space="y", y_pool=np.zeros(4), y_labeled=np.zeros(3)), "expected \\(2, 1\\)"),
        (dict(X_labeled=np.zeros((2, 3))), "3 values per sample, but X_pool has 2"),
        (dict(space="z"), "'space' parameter of greedy_sampling_select"),
    ],
)
def test_the_selection_refuses_inconsistent_arrays(kwargs, match):
    kwargs = {"X_labeled": np.zeros((2, 2)), **kwargs}
    with pytest.raises(ValueError, match=match):
        greedy_sampling_select(np.ones((4, 2)), n_instances=1, **kwargs)


class TestParityWithScikitActiveML:
    """Same labeled set, same pool, same predictions: scikit-activeml 1.0.1 picks the same."""

    @staticmethod
    def _data(linear_case):
        X_pool, X_labeled, y_pool, y_labeled = linear_case
        X = np.vstack([X_labeled, X_pool])
        y = np.concatenate([y_labeled, np.full(len(X_pool), np.nan)])
        return X, y, len(X_labeled)

    def test_gsx_matches_greedy_sampling_x(self, linear_case):
        pool = pytest.importorskip("skactiveml.pool")
        X, y, n_labeled = self._data(linear_case)
        theirs, utilities = pool.GreedySamplingX(random_state=0).query(
            X, y, batch_size=10, return_utilities=True
        )
        ours, our_utilities = greedy_sampling_select(X[n_labeled:], X[:n_labeled], 10)
        assert (theirs - n_labeled).tolist() == ours.tolist()
        np.testing.assert_allclose(utilities[0, n_labeled:], our_utilities)

    @pytest.mark.parametrize("method, space", [("GSy", "y"), ("GSi", "xy")])
    def test_gsy_and_igs_match_greedy_sampling_target(self, linear_case, method, space):
        pool = pytest.importorskip("skactiveml.pool")
        from skactiveml.regressor import SklearnRegressor

        X, y, n_labeled = self._data(linear_case)
        reg = SklearnRegressor(LinearRegression()).fit(X[:n_labeled], y[:n_labeled])
        theirs, utilities = pool.GreedySamplingTarget(method=method, random_state=0).query(
            X, y, reg=reg, fit_reg=False, batch_size=10, return_utilities=True
        )
        ours, our_utilities = greedy_sampling_select(
            X[n_labeled:],
            X[:n_labeled],
            10,
            y_pool=reg.predict(X[n_labeled:]),
            y_labeled=y[:n_labeled],
            space=space,
        )
        assert (theirs - n_labeled).tolist() == ours.tolist()
        np.testing.assert_allclose(utilities[0, n_labeled:], our_utilities)
