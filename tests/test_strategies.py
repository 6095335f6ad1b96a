import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skactive.strategies import (
    entropy,
    least_confidence,
    margin,
    random_sampling,
    resolve_strategy,
    select_top,
    softmax_response,
)

PROBA = np.array([[0.7, 0.2, 0.1], [0.4, 0.4, 0.2], [1.0, 0.0, 0.0], [0.5, 0.3, 0.2]])


def test_scores_match_hand_computation():
    np.testing.assert_allclose(least_confidence(PROBA), [0.3, 0.6, 0.0, 0.5])
    np.testing.assert_allclose(margin(PROBA), [-0.5, 0.0, -1.0, -0.2])
    expected = [
        -(0.7 * np.log(0.7) + 0.2 * np.log(0.2) + 0.1 * np.log(0.1)),
        -(2 * 0.4 * np.log(0.4) + 0.2 * np.log(0.2)),
        0.0,
        -(0.5 * np.log(0.5) + 0.3 * np.log(0.3) + 0.2 * np.log(0.2)),
    ]
    np.testing.assert_allclose(entropy(PROBA), expected)


def test_select_top_orders_best_first_with_stable_ties():
    assert select_top(np.array([0.2, 0.9, 0.9, 0.1]), 3).tolist() == [1, 2, 0]


class _FixedProba:
    def predict_proba(self, X):
        return PROBA[: len(X)]


def test_softmax_response_queries_least_confident():
    X_pool = np.arange(8).reshape(4, 2)
    indices, samples = softmax_response(_FixedProba(), X_pool, n_instances=2)
    assert indices.tolist() == [1, 3]
    np.testing.assert_array_equal(samples, X_pool[[1, 3]])


def test_uncertainty_works_on_any_sklearn_classifier():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    y = (X[:, 0] > 0).astype(int)
    clf = LogisticRegression().fit(X, y)
    indices, _ = softmax_response(clf, X, n_instances=5)
    assert set(indices) <= set(range(60)) and len(set(indices)) == 5
    p = clf.predict_proba(X)[:, 1]
    assert np.abs(p[indices] - 0.5).max() <= np.sort(np.abs(p - 0.5))[4] + 1e-12


def test_random_sampling_is_reproducible_and_without_replacement():
    X_pool = np.arange(100).reshape(50, 2)
    a, _ = random_sampling(None, X_pool, 10, random_state=0)
    b, _ = random_sampling(None, X_pool, 10, random_state=0)
    assert a.tolist() == b.tolist() and len(set(a)) == 10


@pytest.mark.parametrize("n", [0, -1, 5])
def test_bad_n_instances(n):
    with pytest.raises(ValueError, match="n_instances"):
        random_sampling(None, np.zeros((4, 2)), n)
    with pytest.raises(ValueError, match="n_instances"):
        softmax_response(_FixedProba(), np.zeros((4, 2)), n)


def test_non_integer_n_instances():
    with pytest.raises(TypeError, match="n_instances"):
        random_sampling(None, np.zeros((4, 2)), 1.5)


def test_resolve_strategy():
    assert resolve_strategy("softmax_response") is softmax_response
    assert resolve_strategy(random_sampling) is random_sampling
    with pytest.raises(ValueError, match="Unknown query strategy"):
        resolve_strategy("nope")
