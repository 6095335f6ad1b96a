"""AutoAL's differentiable strategy search (tests of skactive/strategies/_autoal.py)."""

import pickle

import numpy as np
import pytest
import torch
from conftest import FAST

from skactive import ActiveINASClassifier
from skactive.experiment import run_experiment
from skactive.strategies import (
    DEFAULT_CANDIDATES,
    AutoAL,
    AutoStrategy,
    batch_scores,
    fit_searchnet,
    heldout_losses,
    resolve_strategy,
    searchnet_weights,
    uses_loss_prediction,
)

CANDIDATES = ("random", "margin", "coreset")


def test_batch_scores_grade_a_batch_by_its_order():
    np.testing.assert_allclose(batch_scores([3, 1, 0], 5), [1 / 3, 2 / 3, 0, 1, 0])


def test_searchnet_weights_move_to_the_candidate_that_marks_the_hard_samples():
    # 200 held-out samples; candidate 1 picks exactly the quarter of highest loss, in order of
    # loss, the others a random quarter each: SearchNet must learn to follow candidate 1.
    rng = np.random.default_rng(0)
    losses = rng.exponential(size=200)
    hardest = np.argsort(-losses)[:50]
    scores = [batch_scores(rng.permutation(200)[:50], 200) for _ in range(3)]
    scores[1] = batch_scores(hardest, 200)
    inputs = np.column_stack([*scores, np.zeros(200)])
    targets = np.argsort(np.argsort(losses)) / 199
    coef, intercept, objective = fit_searchnet(inputs, targets, np.zeros((3, 4)), np.zeros(3))
    weights = searchnet_weights(
        torch.as_tensor(coef), torch.as_tensor(intercept), torch.as_tensor(inputs)
    ).numpy()
    assert weights.mean(axis=0).argmax() == 1 and weights.mean(axis=0)[1] > 0.5
    assert objective["end"] > objective["start"] + 0.2
    # The mixture's top scores are now the hardest samples.
    mixed = (weights * inputs[:, :3]).sum(axis=1)
    assert set(np.argsort(-mixed)[:20]) <= set(hardest.tolist())


def test_heldout_losses_are_highest_where_the_fitting_part_disagrees():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    features = rng.normal(size=(60, 3)) + 3 * y[:, None]
    y_held_out = np.array([0, 1, 1])  # the last one sits in class 0's cluster
    held_out = np.array([[0.0, 0, 0], [3, 3, 3], [0, 0, 0]])
    losses = heldout_losses(features, y, held_out, y_held_out, n_classes=2)
    assert losses.argmax() == 2 and losses[:2].max() < 0.5 < losses[2]


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
