"""LADA with InfoMixup (tests of skactive/strategies/_lada.py)."""

import numpy as np
import pytest
from conftest import FAST
from modAL.models import ActiveLearner

from skactive import ActiveINASClassifier
from skactive.checkpoint import CheckpointReader
from skactive.strategies import (
    STRATEGIES,
    AutoStrategy,
    lada,
    lada_scores,
    random_pairs,
    resolve_strategy,
)

PARAMS = dict(FAST, inas_iterations=0, input_shape=(1, 8, 8))


@pytest.fixture(scope="module")
def fitted(digits):
    X_train, _, y_train, _ = digits
    clf = ActiveINASClassifier(**PARAMS).fit(X_train[:120], y_train[:120])
    return clf, X_train[120:220], y_train[120:220]


def _entropy(proba):
    return -(proba * np.log(proba)).sum(axis=1)


@pytest.mark.parametrize("acquisition", ["entropy", "least_confidence"])
def test_a_pairs_score_is_both_members_and_their_mix_at_the_ratio(fitted, acquisition):
    clf, X_pool, _ = fitted
    a, b = X_pool[:6], X_pool[6:12]
    scores, ratios = lada_scores(clf, a, b, acquisition=acquisition, mixup_ratio=0.3, n_steps=0)
    if acquisition == "entropy":
        u = _entropy
    else:
        u = lambda proba: 1 - proba.max(axis=1)  # noqa: E731
    mix = clf.predict_proba(0.3 * a + 0.7 * b)
    expected = u(clf.predict_proba(a)) + u(clf.predict_proba(b)) + u(mix)
    np.testing.assert_allclose(scores, expected, rtol=1e-5)
    np.testing.assert_array_equal(ratios, np.full(6, 0.3, dtype=np.float32))
    # The mix is r * a + (1 - r) * b, not the other way round.
    other = (
        u(clf.predict_proba(a)) + u(clf.predict_proba(b)) + u(clf.predict_proba(0.7 * a + 0.3 * b))
    )
    assert not np.allclose(scores, other, rtol=1e-5)


def test_the_optimised_ratio_scores_at_least_the_ratio_it_starts_from(fitted):
    clf, X_pool, _ = fitted
    a, b = X_pool[:40], X_pool[40:80]
    for start in (0.2, 0.5, 0.9):
        fixed, _ = lada_scores(clf, a, b, mixup_ratio=start, n_steps=0)
        scores, ratios = lada_scores(clf, a, b, mixup_ratio=start, n_steps=10, step_size=0.5)
        assert np.all(scores >= fixed - 1e-6)
        assert np.mean(scores > fixed) > 0.5
        assert np.all((ratios > 0) & (ratios < 1))
        # The ratio returned is the one that gives the score.
        mix = clf.predict_proba(ratios[:, None] * a + (1 - ratios[:, None]) * b)
        own = _entropy(clf.predict_proba(a)) + _entropy(clf.predict_proba(b))
        np.testing.assert_allclose(scores, own + _entropy(mix), rtol=1e-4)


def test_random_pairs_cover_every_sample_once():
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 10):
        first, second = random_pairs(n, rng)
        assert len(first) == len(second) == (n + 1) // 2
        members = np.concatenate([first, second[: n // 2]])
        assert sorted(members.tolist()) == list(range(n))


def test_utilities_are_the_scores_of_pairs_and_the_best_pairs_come_whole(fitted):
    clf, X_pool, _ = fitted
    indices, samples, utility = lada(clf, X_pool, 6, random_state=0, return_utilities=True)
    values, counts = np.unique(utility, return_counts=True)
    assert np.all(counts == 2) and len(values) == 50
    for value in values[-3:]:
        i, j = np.flatnonzero(utility == value)
        assert {i, j} <= set(indices.tolist())
        score, _ = lada_scores(clf, X_pool[[i]], X_pool[[j]])
        np.testing.assert_allclose(score, value, rtol=1e-4)
    np.testing.assert_array_equal(samples, X_pool[indices])
    again = lada(clf, X_pool, 6, random_state=0)[0]
    np.testing.assert_array_equal(again, indices)
    assert not np.array_equal(lada(clf, X_pool, 6, random_state=1)[0], indices)


@pytest.mark.parametrize("ratio", [0, 1, 1.5, -0.2])
def test_a_ratio_outside_the_unit_interval_is_an_error_naming_it(fitted, ratio):
    clf, X_pool, _ = fitted
    with pytest.raises(ValueError, match="mixup_ratio"):
        lada(clf, X_pool, 2, mixup_ratio=ratio)
    with pytest.raises(ValueError, match="mixup_ratio"):
        lada_scores(clf, X_pool[:2], X_pool[2:4], mixup_ratio=ratio)
    X, y = clf.X_training_.copy(), clf.y_training_.copy()
    clf.set_params(query_strategy="lada")
    try:
        with pytest.raises(ValueError, match="mixup_ratio"):
            clf.query(X_pool, 2, mixup_ratio=ratio)
    finally:
        clf.set_params(query_strategy=PARAMS.get("query_strategy", "softmax_response"))
    np.testing.assert_array_equal(clf.X_training_, X)
    np.testing.assert_array_equal(clf.y_training_, y)


def test_works_by_name_through_modal_and_as_an_auto_candidate(fitted):
    clf, X_pool, _ = fitted
    assert STRATEGIES["lada"] is lada and resolve_strategy("lada") is lada
    learner = ActiveLearner(estimator=clf, query_strategy=lada)
    indices, _ = learner.query(X_pool, n_instances=3, random_state=0)
    np.testing.assert_array_equal(indices, lada(clf, X_pool, 3, random_state=0)[0])
    auto = AutoStrategy(candidates=("lada", "random"))
    indices, _ = auto(clf, X_pool, 4, random_state=0)
    assert len(set(indices.tolist())) == 4 and len(auto.rounds_) == 1


def test_a_checkpointed_lada_run_with_mixup_restores_the_same_next_query(digits, tmp_path):
    X_train, _, y_train, _ = digits
    X, y, X_pool, y_pool = X_train[:60], y_train[:60], X_train[60:200], y_train[60:200]
    clf = ActiveINASClassifier(
        **PARAMS, query_strategy="lada", mixup=2.0, checkpoint_dir=tmp_path
    ).fit(X, y)
    indices, samples = clf.query(X_pool, 5)
    clf.teach(samples, y_pool[indices])
    restored = ActiveINASClassifier.from_checkpoint(tmp_path)
    assert restored.get_params()["mixup"] == 2.0 and restored.query_strategy == "lada"
    rest = np.delete(np.arange(len(X_pool)), indices)
    np.testing.assert_array_equal(
        restored.query(X_pool[rest], 5)[0], clf.query(X_pool[rest], 5)[0]
    )
    X_stored, y_stored = CheckpointReader(tmp_path).read_labels()
    np.testing.assert_array_equal(X_stored, np.concatenate([X, X_pool[indices]]))
    np.testing.assert_array_equal(y_stored, np.concatenate([y, y_pool[indices]]))
    np.testing.assert_array_equal(restored.X_training_, X_stored)
