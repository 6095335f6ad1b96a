"""AutoAL's differentiable strategy search (tests of skactive/strategies/_autoal.py)."""

import pickle

import numpy as np
import pytest
from conftest import FAST

from skactive import ActiveINASClassifier
from skactive.experiment import run_experiment
from skactive.strategies import (
    DEFAULT_CANDIDATES,
    AutoAL,
    AutoStrategy,
    resolve_strategy,
    uses_loss_prediction,
)

CANDIDATES = ("random", "margin", "coreset")


def test_bad_candidates_and_too_small_a_labeled_set_are_refused(small_digits):
    X, y, X_pool, _ = small_digits
    for candidates in (("margin",), ("margin", "nope"), ("margin", "margin"), ("auto", "margin")):
        with pytest.raises(ValueError, match="two or more distinct"):
            AutoAL(candidates=candidates)(None, X_pool, 1)
        with pytest.raises(ValueError, match="two or more distinct"):
            AutoStrategy(candidates=candidates, method="autoal")(None, X_pool, 1)
    clf = ActiveINASClassifier(
        input_shape=(1, 8, 8), query_strategy="auto:autoal", inas_iterations=0, **FAST
    ).fit(X[:3], y[:3])
    with pytest.raises(ValueError, match="3 labeled samples are too few"):
        clf.query(X_pool, n_instances=2)
    np.testing.assert_array_equal(clf.X_training_, X[:3])
    assert clf.query_strategy_.rounds_ == []
    with pytest.raises(ValueError, match="held_out"):
        AutoAL(candidates=CANDIDATES, held_out=1.0)(clf, X_pool, 1)


def test_auto_autoal_names_the_strategy_and_turns_the_loss_head_on():
    strategy = resolve_strategy("auto:autoal")
    assert isinstance(strategy, AutoStrategy) and strategy.method == "autoal"
    assert strategy.candidates == DEFAULT_CANDIDATES
    assert uses_loss_prediction("auto:autoal") and uses_loss_prediction(strategy)
    assert uses_loss_prediction(AutoAL(candidates=CANDIDATES))
    assert not uses_loss_prediction("auto:albl") and not uses_loss_prediction(AutoStrategy())


@pytest.fixture
def autoal_learner(small_digits, tmp_path):
    X, y, X_pool, y_pool = small_digits
    params = dict(FAST, inas_iterations=0, checkpoint_dir=str(tmp_path / "run"))
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), query_strategy="auto:autoal", **params)
    clf.fit(X, y)
    pool = np.arange(len(X_pool))
    for _ in range(2):
        indices, samples = clf.query(X_pool[pool], n_instances=10)
        clf.teach(samples, y_pool[pool][indices])
        pool = np.delete(pool, indices)
    return clf


def test_autoal_queries_teaches_and_files_searchnet_in_the_history(autoal_learner):
    clf = autoal_learner
    assert clf.net_.module_.loss_head is not None  # FitNet's loss module
    rounds = clf.query_strategy_.rounds_
    assert len(rounds) == 2 and [entry["query"] for entry in clf.history_[1:]] == rounds
    names = list(DEFAULT_CANDIDATES)
    for record in rounds:
        assert record["strategy"] in names and sum(record["shares"].values()) == 10
        assert sum(record["weights"].values()) == pytest.approx(1.0)
        assert np.shape(record["searchnet"]["coef"]) == (len(names), len(names) + 1)
        assert record["n_held_out"] > 0 and record["cpu_seconds"] > 0 and record["seconds"] > 0
    assert len(clf.y_training_) == 140
    # The second round warm-starts SearchNet from the first.
    assert rounds[1]["searchnet"] != rounds[0]["searchnet"]
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(
        restored.query_strategy_.autoal_.coef_, clf.query_strategy_.autoal_.coef_
    )


def test_a_restored_autoal_makes_the_same_next_query(autoal_learner, small_digits):
    clf = autoal_learner
    restored = ActiveINASClassifier.from_checkpoint(clf.checkpoint_dir)
    assert restored.query_strategy_.rounds_ == clf.query_strategy_.rounds_
    np.testing.assert_array_equal(
        restored.query_strategy_.autoal_.coef_, clf.query_strategy_.autoal_.coef_
    )
    X_pool = small_digits[2][20:]
    picks = [learner.query(X_pool, n_instances=10)[0] for learner in (clf, restored)]
    np.testing.assert_array_equal(*picks)
    last = [learner.query_strategy_.rounds_[-1] for learner in (clf, restored)]
    assert last[0]["searchnet"] == last[1]["searchnet"]


def test_auto_autoal_runs_in_run_experiment(digits):
    X_train, X_test, y_train, y_test = digits
    fast = {k: v for k, v in FAST.items() if k != "random_state"}
    template = ActiveINASClassifier(input_shape=(1, 8, 8), inas_iterations=0, **fast)
    result = run_experiment(
        X_train[:200],
        y_train[:200],
        X_test[:100],
        y_test[:100],
        estimator=template,
        strategies=["auto:autoal"],
        initial_size=40,
        query_size=20,
        budget=80,
        n_repeats=1,
        progress=False,
    )
    assert result.strategies == ["auto:autoal"]
    assert [row["n_labeled"] for row in result.rows] == [40, 60, 80]
    assert all(row["queried_by"] in DEFAULT_CANDIDATES for row in result.rows[1:])
    assert all(sum(row["query_shares"].values()) == 20 for row in result.rows[1:])
