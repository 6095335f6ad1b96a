"""CDALBench's greedy oracle (tests of skactive/strategies/_oracle.py)."""

import numpy as np
import pytest
import torch
from conftest import FAST
from sklearn.base import BaseEstimator

from skactive import ActiveINASClassifier
from skactive.strategies import ORACLE, greedy_oracle, resolve_strategy


class _Module(torch.nn.Module):
    def __init__(self, weight, bias):
        super().__init__()
        self.head = torch.nn.Sequential(torch.nn.Linear(2, len(bias)))
        with torch.no_grad():
            self.head[0].weight.copy_(torch.tensor(weight))
            self.head[0].bias.copy_(torch.tensor(bias))


class _Net:
    def __init__(self, weight, bias):
        self.module_ = _Module(weight, bias)


class _Fitted(BaseEstimator):
    """A fitted estimator whose features are its inputs: the head alone decides."""

    def fit(self, X, y, weight, bias):
        self.net_ = _Net(weight, bias)
        self.classes_ = np.arange(len(bias))
        self.X_training_ = np.asarray(X, dtype=np.float32)
        self.y_training_ = np.asarray(y)
        return self

    def embed(self, X):
        return np.asarray(X, dtype=np.float32)


def _points(*x1):
    return np.array([[x, 0.0] for x in x1], dtype=np.float32)


# Truth: class 1 where x1 > 0. The head puts its boundary at x1 = 0.5 (logits -x1 + 0.5 and
# x1 - 0.5), so the test points at 0.1 to 0.4 are wrong; the labeled points are far away.
WEIGHT, BIAS = [[-1.0, 0.0], [1.0, 0.0]], [0.5, -0.5]
LABELED = _points(-2.0, 2.0), [0, 1]


def _fitted():
    return _Fitted().fit(*LABELED, WEIGHT, BIAS)


def test_picks_the_candidate_whose_label_raises_test_accuracy():
    X_test = _points(-2.0, -1.0, 0.1, 0.2, 0.3, 0.4, 1.0, 2.0)
    y_test = (X_test[:, 0] > 0).astype(int)
    # Only the candidate at 0.3, on the wrong side, moves the boundary; the others are far
    # and sure of their class.
    X_pool, y_pool = _points(-3.0, 3.0, 0.3, -2.5, 2.5), np.array([0, 1, 1, 0, 1])
    indices, samples, utilities = greedy_oracle(
        _fitted(), X_pool, 1, y_pool=y_pool, X_test=X_test, y_test=y_test, n_candidates=5,
        lr=1.0, random_state=0, return_utilities=True,
    )  # fmt: skip
    assert indices.tolist() == [2]
    np.testing.assert_array_equal(samples, X_pool[[2]])
    assert utilities[2] >= 2 / 8  # at least two of the four wrong test points fixed
    np.testing.assert_array_equal(np.delete(utilities, 2), 0.0)


def test_falls_back_to_the_smallest_margin_when_no_candidate_helps():
    # Far test points that no step can flip: every gain is zero.
    X_test, y_test = _points(-2.0, 2.0), np.array([0, 1])
    X_pool, y_pool = _points(-3.0, 0.6, 3.0), np.array([0, 1, 1])
    indices, _, utilities = greedy_oracle(
        _fitted(), X_pool, 1, y_pool=y_pool, X_test=X_test, y_test=y_test, random_state=0,
        return_utilities=True,
    )  # fmt: skip
    assert indices.tolist() == [1]  # the one nearest the boundary
    np.testing.assert_array_equal(utilities, 0.0)


def test_a_class_the_network_has_no_output_for_comes_first():
    X_test, y_test = _points(-2.0, 2.0), np.array([0, 1])
    X_pool, y_pool = _points(-3.0, 0.6, 3.0), np.array([0, 7, 1])
    indices, _, utilities = greedy_oracle(
        _fitted(), X_pool, 2, y_pool=y_pool, X_test=X_test, y_test=y_test, random_state=0,
        return_utilities=True,
    )  # fmt: skip
    assert indices[0] == 1 and utilities[1] == np.inf
    assert len(set(indices.tolist())) == 2


@pytest.fixture(scope="module")
def fitted(digits):
    X_train, X_test, y_train, y_test = digits
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), inas_iterations=0, **FAST)
    clf.fit(X_train[:60], y_train[:60])
    return clf, X_train[60:200], y_train[60:200], X_test[:100], y_test[:100]


def test_utilities_cover_the_pool_and_a_seed_repeats_the_picks(fitted):
    clf, X_pool, y_pool, X_test, y_test = fitted
    labels = {"y_pool": y_pool, "X_test": X_test, "y_test": y_test, "n_candidates": 5}
    indices, samples, utilities = greedy_oracle(
        clf, X_pool, 4, random_state=3, return_utilities=True, **labels
    )
    assert indices.shape == (4,) and len(set(indices.tolist())) == 4
    np.testing.assert_array_equal(samples, X_pool[indices])
    assert utilities.shape == (len(X_pool),)
    assert np.isfinite(utilities).sum() <= 4 * 5 and not np.isnan(utilities[indices]).any()
    again = greedy_oracle(clf, X_pool, 4, random_state=3, **labels)
    assert len(again) == 2
    np.testing.assert_array_equal(again[0], indices)


@pytest.mark.parametrize(
    "change, match",
    [
        ({"y_pool": None}, "y_pool"),
        ({"y_pool": np.zeros(3)}, "y_pool"),
        ({"X_test": None}, "X_test"),
        ({"y_test": np.zeros(3)}, "y_test"),
        ({"n_candidates": 0}, "n_candidates"),
        ({"n_steps": 0}, "n_steps"),
        ({"lr": 0.0}, "lr"),
    ],
)
def test_bad_input_is_refused_naming_the_parameter(fitted, change, match):
    clf, X_pool, y_pool, X_test, y_test = fitted
    n_labeled = len(clf.y_training_)
    kwargs = {"y_pool": y_pool, "X_test": X_test, "y_test": y_test, **change}
    with pytest.raises(ValueError, match=match):
        greedy_oracle(clf, X_pool, 2, **kwargs)
    assert len(clf.y_training_) == n_labeled


def test_an_estimator_refuses_the_oracle_it_cannot_feed(fitted, small_digits):
    X, y, _, _ = small_digits
    with pytest.raises(ValueError, match="only available in simulated experiments"):
        ActiveINASClassifier(query_strategy=ORACLE, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="only available in simulated experiments"):
        resolve_strategy("oracle")
    clf, X_pool, *_ = fitted
    clf.set_params(query_strategy=ORACLE)
    try:
        with pytest.raises(ValueError, match="run_experiment"):
            clf.query(X_pool, 1)
    finally:
        clf.set_params(query_strategy="softmax_response")
