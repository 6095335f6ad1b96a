"""Deep-ensemble queries (tests of skactive/strategies/_ensemble.py and skactive/_committee.py)."""

import numpy as np
import pytest
from conftest import FAST

from skactive import ActiveINASClassifier
from skactive.strategies import (
    AutoStrategy,
    ensemble,
    ensemble_utility,
    predictive_entropy,
    resolve_strategy,
    variation_ratio,
)
from skactive.training import network_proba, optimizer_steps

LOG2 = np.log(2.0)
SETTINGS = dict(FAST, max_epochs=1, input_shape=(1, 8, 8))


def _fit(X, y, **params):
    return ActiveINASClassifier(**{**SETTINGS, "inas_iterations": 0, **params}).fit(X, y)


def _proba(clf, networks, X):
    X = clf.network_input(X)
    return [network_proba(net, X) for net in networks]


# ---------------------------------------------------------------------- the scores


def test_scores_of_hand_checked_committees():
    sure = np.array([1.0, 0.0])
    flat = np.array([0.5, 0.5])
    # Samples: members identical and sure; identical and flat; sure of different classes.
    probs = np.array([[sure, flat, sure], [sure, flat, sure[::-1]]])
    np.testing.assert_allclose(ensemble_utility(probs, "bald"), [0, 0, LOG2], atol=1e-12)
    np.testing.assert_allclose(ensemble_utility(probs, "entropy"), [0, LOG2, LOG2], atol=1e-12)
    np.testing.assert_allclose(variation_ratio(probs), [0, 0, 0.5])
    np.testing.assert_allclose(predictive_entropy(probs), [0, LOG2, LOG2], atol=1e-12)


def test_scores_of_soft_and_outvoted_members():
    probs = np.array([[[0.9, 0.1]], [[0.1, 0.9]], [[0.8, 0.2]]])
    mean = np.array([0.6, 0.4])
    h = lambda p: -np.sum(p * np.log(p))  # noqa: E731
    expected_bald = h(mean) - np.mean([h(p) for p in probs[:, 0]])
    assert ensemble_utility(probs, "bald")[0] == pytest.approx(expected_bald, abs=1e-12)
    assert ensemble_utility(probs, "variation_ratio")[0] == pytest.approx(1 / 3)
    assert ensemble_utility(probs, "entropy")[0] == pytest.approx(h(mean), abs=1e-12)


def test_utility_refuses_bad_input():
    with pytest.raises(ValueError, match="n_members, n_samples, n_classes"):
        ensemble_utility(np.ones((3, 2)) / 2)
    with pytest.raises(ValueError, match="method"):
        ensemble_utility(np.ones((2, 3, 2)) / 2, "mutual_information")


# ---------------------------------------------------------------------- members


def test_members_differ_and_come_back_with_the_seed(small_digits):
    X, y, X_pool, _ = small_digits
    clf = _fit(X, y)
    members = clf.committee("members", n_members=3)
    assert len(members) == 3 and members[0] is clf.net_
    probs = _proba(clf, members, X_pool)
    assert all(not np.allclose(probs[i], probs[j]) for i in range(3) for j in range(i))
    again = _fit(X, y)
    np.testing.assert_array_equal(probs, _proba(again, again.committee("members", 3), X_pool))
    other = _fit(X, y, random_state=1)
    assert not np.allclose(probs[1], _proba(other, other.committee("members", 2), X_pool)[1])


def test_members_cost_is_in_history_and_paid_once_per_labeled_set(small_digits):
    X, y, X_pool, y_pool = small_digits
    clf = _fit(X, y)
    assert "ensemble_steps" not in clf.history_[-1]
    members = clf.committee("members", n_members=3)
    entry = clf.history_[-1]
    assert entry["ensemble_steps"] == sum(optimizer_steps(m) for m in members[1:]) > 0
    assert entry["ensemble_seconds"] > 0
    # Asked again, the same members at no cost; a larger committee trains only the new one.
    assert clf.committee("members", n_members=3) == members
    assert clf.history_[-1] == entry
    larger = clf.committee("members", n_members=4)
    assert larger[:3] == members
    assert clf.history_[-1]["ensemble_steps"] == entry["ensemble_steps"] + optimizer_steps(
        larger[3]
    )
    # New labels: new members, charged to the new round.
    clf.teach(X_pool[:10], y_pool[:10])
    assert not hasattr(clf, "ensemble_members_")
    assert "ensemble_steps" not in clf.history_[-1]
    assert all(m is not old for m in clf.committee("members", 3)[1:] for old in members)
    assert clf.history_[-1]["ensemble_steps"] > 0
    assert clf.history_[-2]["ensemble_steps"] == sum(optimizer_steps(m) for m in larger[1:])


def test_ensemble_queries_the_members_disagreement(small_digits):
    X, y, X_pool, _ = small_digits
    clf = _fit(X, y, query_strategy="ensemble")
    indices, samples, utility = clf.query(X_pool, n_instances=5, return_utilities=True)
    probs = np.stack(_proba(clf, clf.committee("members", 5), X_pool))
    np.testing.assert_allclose(utility, ensemble_utility(probs, "bald"), rtol=1e-6)
    np.testing.assert_array_equal(indices, np.argsort(-utility, kind="stable")[:5])
    np.testing.assert_array_equal(samples, X_pool[indices])
    for method in ("variation_ratio", "entropy"):
        *_, scores = ensemble(clf, X_pool, 5, method=method, return_utilities=True)
        np.testing.assert_allclose(scores, ensemble_utility(probs, method), rtol=1e-6)


def test_memmap_pool_scores_as_in_memory(small_digits, tmp_path):
    X, y, X_pool, _ = small_digits
    clf = _fit(X, y)
    path = tmp_path / "pool.npy"
    np.save(path, X_pool)
    *_, in_memory = ensemble(clf, X_pool, 3, n_members=2, return_utilities=True)
    *_, lazy = ensemble(clf, np.load(path, mmap_mode="r"), 3, n_members=2, return_utilities=True)
    np.testing.assert_array_equal(lazy, in_memory)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"committee": "bootstrap"}, "committee"),
        ({"n_members": 1}, "n_members"),
        ({"method": "margin"}, "method"),
    ],
)
def test_bad_input_names_the_parameter_and_changes_nothing(small_digits, kwargs, parameter):
    X, y, X_pool, _ = small_digits
    clf = _fit(X, y)
    history = [dict(entry) for entry in clf.history_]
    with pytest.raises(ValueError, match=parameter):
        ensemble(clf, X_pool, 2, **kwargs)
    if parameter != "method":
        with pytest.raises(ValueError, match=parameter):
            clf.committee(kwargs.get("committee", "members"), kwargs.get("n_members", 3))
    assert len(clf.y_training_) == len(y) and clf.history_ == history
    assert not hasattr(clf, "ensemble_members_")


def test_by_name_with_batch_modes_and_in_auto_strategy(small_digits):
    X, y, X_pool, _ = small_digits
    clf = _fit(X, y, query_strategy="ensemble:power")
    indices, _ = clf.query(X_pool, n_instances=4)
    assert len(set(indices.tolist())) == 4
    assert resolve_strategy("ensemble_candidates").keywords == {"committee": "candidates"}
    auto = AutoStrategy(candidates=("random", "ensemble"))
    indices, _ = auto(clf, X_pool, 4, random_state=0)
    assert len(set(indices.tolist())) == 4 and "ensemble_steps" in clf.history_[-1]


# ---------------------------------------------------------------------- candidates


@pytest.fixture(scope="module")
def searched(digits):
    """An estimator whose search trained three candidates, the winner going on in place."""
    X_train, _, y_train, _ = digits
    clf = ActiveINASClassifier(**SETTINGS, inas_iterations=1, reuse_winner=True)
    return clf.fit(X_train[:120], y_train[:120]), X_train[120:320]


def test_candidates_are_the_last_steps_networks_as_they_trained(searched):
    clf, _ = searched
    entry = clf.history_[-1]
    committee = clf.committee("candidates", n_members=2)
    assert len(committee) == len(entry["candidates"]) == 3
    for net, candidate in zip(committee, entry["candidates"]):
        assert net.module__architecture == candidate["architecture"]
        assert optimizer_steps(net) == candidate["steps"]
    # The winner went on training as net_; the committee holds its candidate as it was.
    assert entry["continued"] and all(net is not clf.net_ for net in committee)
    assert optimizer_steps(clf.net_) > optimizer_steps(committee[0])


def test_ensemble_candidates_queries_their_disagreement(searched):
    clf, X_pool = searched
    strategy = resolve_strategy("ensemble_candidates")
    indices, _, utility = strategy(clf, X_pool, 4, method="entropy", return_utilities=True)
    probs = np.stack(_proba(clf, clf.search_networks_, X_pool))
    np.testing.assert_allclose(utility, ensemble_utility(probs, "entropy"), rtol=1e-6)
    assert not hasattr(clf, "ensemble_members_")


def test_candidates_need_a_search(small_digits):
    X, y, X_pool, _ = small_digits
    clf = _fit(X, y)
    assert clf.search_networks_ == []
    with pytest.raises(ValueError, match="candidates"):
        ensemble(clf, X_pool, 2, committee="candidates")


# ---------------------------------------------------------------------- checkpoints


@pytest.mark.parametrize("strategy", ["ensemble", "ensemble_candidates"])
def test_restored_checkpoint_makes_the_same_query(small_digits, tmp_path, strategy):
    X, y, X_pool, y_pool = small_digits
    clf = ActiveINASClassifier(
        **SETTINGS, inas_iterations=1, query_strategy=strategy, checkpoint_dir=tmp_path
    )
    clf.fit(X[:80], y[:80]).teach(X[80:], y[80:])
    expected, _, utility = clf.query(X_pool, n_instances=5, return_utilities=True)
    restored = ActiveINASClassifier.from_checkpoint(tmp_path)
    indices, _, restored_utility = restored.query(X_pool, n_instances=5, return_utilities=True)
    np.testing.assert_array_equal(indices, expected)
    np.testing.assert_array_equal(restored_utility, utility)


def test_needs_the_network_and_unwraps_a_modal_learner(small_digits):
    from modAL.models import ActiveLearner
    from sklearn.linear_model import LogisticRegression

    X, y, X_pool, _ = small_digits
    with pytest.raises(TypeError, match="ActiveINASClassifier"):
        ensemble(LogisticRegression().fit(X, y), X_pool, 2)
    clf = _fit(X, y)
    learner = ActiveLearner(estimator=clf, X_training=X, y_training=y)
    wrapped, _ = ensemble(learner, X_pool, 4, n_members=2)
    np.testing.assert_array_equal(wrapped, ensemble(learner.estimator, X_pool, 4, n_members=2)[0])


def test_checkpoint_keeps_the_last_rounds_candidates_only(small_digits, tmp_path):
    X, y, X_pool, _ = small_digits
    clf = ActiveINASClassifier(**SETTINGS, inas_iterations=1, checkpoint_dir=tmp_path)
    clf.fit(X[:80], y[:80]).teach(X[80:], y[80:])
    files = sorted(p.name for p in tmp_path.glob("committee-*.pt"))
    assert files == [f"committee-000002-{k:02d}.pt" for k in range(3)]
    restored = ActiveINASClassifier.from_checkpoint(tmp_path)
    for net, kept in zip(restored.search_networks_, clf.search_networks_, strict=True):
        assert net.module__architecture == kept.module__architecture
        np.testing.assert_array_equal(*_proba(clf, [net, kept], X_pool))
    # A damaged committee is refused; a missing one leaves only the members' committee.
    (tmp_path / files[0]).write_bytes(b"not weights")
    with pytest.raises(ValueError, match="committee-000002-00.pt"):
        ActiveINASClassifier.from_checkpoint(tmp_path)
    (tmp_path / "committee.json").unlink()
    restored = ActiveINASClassifier.from_checkpoint(tmp_path)
    with pytest.raises(ValueError, match="candidates"):
        ensemble(restored, X_pool, 2, committee="candidates")
    assert len(ensemble(restored, X_pool, 2, n_members=2)[0]) == 2
