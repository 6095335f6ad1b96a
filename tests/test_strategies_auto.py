"""The bandit over query strategies (tests of skactive/strategies/_auto.py)."""

import itertools
import pickle

import numpy as np
import pytest
from conftest import FAST

from skactive import ActiveINASClassifier
from skactive.strategies import (
    AutoStrategy,
    importance_weighted_gain,
    inclusion_probabilities,
    mix_batches,
    resolve_strategy,
    slot_reward_estimates,
)


def test_inclusion_probabilities_add_the_arms_that_hold_a_sample_and_randoms_share():
    inclusion = inclusion_probabilities([None, [0, 1], [1, 2]], [0.2, 0.5, 0.3], 4, 2)
    np.testing.assert_allclose(inclusion, [0.5 + 0.1, 0.8 + 0.1, 0.3 + 0.1, 0.1])


def test_importance_weighted_gain_is_unbiased_over_the_bandits_draws():
    # Four pool samples, batches of two: the random arm draws any pair, the others fixed ones.
    difference = np.array([1, 0, -1, 1])  # newer model right minus older model right
    batches, probabilities = [None, [0, 1], [1, 2]], [0.2, 0.5, 0.3]
    inclusion = inclusion_probabilities(batches, probabilities, 4, 2)

    def estimate(batch):
        batch = list(batch)
        after, before = difference[batch] > 0, difference[batch] < 0
        return importance_weighted_gain(after, before, inclusion[batch], n_pool=4)

    pairs = list(itertools.combinations(range(4), 2))
    expected = 0.2 * np.mean([estimate(pair) for pair in pairs])
    expected += 0.5 * estimate([0, 1]) + 0.3 * estimate([1, 2])
    assert expected == pytest.approx(difference.mean())  # the true gain over the pool: 1/4


def test_slot_reward_estimates_are_unbiased_over_the_slots_draws():
    # Two slots, two arms drawn with 0.25 and 0.75: arm 0's picks are mistakes (reward 1),
    # arm 1's are not. Over the four ways the slots can draw, each arm's estimate averages
    # to its own reward, including arm 0's when no slot drew it.
    probabilities, reward_of_arm = np.array([0.25, 0.75]), np.array([1.0, 0.0])
    expected = np.zeros(2)
    for arms in itertools.product(range(2), repeat=2):
        weight = np.prod(probabilities[list(arms)])
        expected += weight * slot_reward_estimates(reward_of_arm[list(arms)], arms, probabilities)
    np.testing.assert_allclose(expected, reward_of_arm)
    assert slot_reward_estimates([], [], probabilities).tolist() == [0.0, 0.0]


def test_mix_batches_takes_each_arms_best_pick_left_and_keeps_the_size():
    batches = [[0, 1, 2], [1, 3, 4], [1, 0, 5]]
    assert mix_batches(batches, [1, 0, 2, 1]).tolist() == [1, 0, 5, 3]
    # Arm 2's batch is used up by the first two slots: the third takes the next arm's pick.
    assert mix_batches([[0, 1], [2, 3], [0, 1]], [2, 2, 2]).tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="at least 3 distinct"):
        mix_batches([[0, 1], [1, 0]], [0, 1, 0])


def test_candidates_must_be_known_distinct_and_include_random():
    X = np.zeros((5, 2))
    for candidates in (("margin", "coreset"), ("random", "nope"), ("random", "random")):
        with pytest.raises(ValueError, match="candidates must be"):
            AutoStrategy(candidates=candidates)(None, X, 1)
    with pytest.raises(ValueError, match="exploration"):
        AutoStrategy(exploration=2.0)(None, X, 1)
    with pytest.raises(ValueError, match="method"):
        AutoStrategy(method="best")(None, X, 1)
    assert resolve_strategy("auto").method == "mix"
    assert resolve_strategy("auto:albl").method == "albl"
    with pytest.raises(ValueError, match="Unknown query strategy"):
        resolve_strategy("auto:best")


def test_the_prior_sets_the_first_draws_and_is_checked():
    default = AutoStrategy().probabilities()
    names = list(AutoStrategy().candidates)
    low = [names.index("random"), names.index("coreset")]
    high = [i for i in range(len(names)) if i not in low]
    # A tenth of the weight, then 20% spread evenly: 0.8 * 0.1 / 4.2 + 0.2 / 6 each.
    np.testing.assert_allclose(default[low], 0.8 * 0.1 / 4.2 + 0.2 / 6)
    np.testing.assert_allclose(default[high], 0.8 / 4.2 + 0.2 / 6)
    np.testing.assert_allclose(AutoStrategy(prior={}).probabilities(), 1 / 6)
    bandit = AutoStrategy(candidates=("random", "margin"), prior={"margin": 3.0})
    np.testing.assert_allclose(bandit.restore([]).log_weights_, [0.0, np.log(3.0)])
    for prior in ({"nope": 1.0}, {"margin": 0.0}, {"margin": np.inf}):
        with pytest.raises(ValueError, match="prior must map"):
            AutoStrategy(candidates=("random", "margin"), prior=prior).probabilities()


class ClusterMemory:
    """A stand-in learner that knows the label of every cluster it has seen one sample of.

    Pool rows are ``(cluster, index)``; it predicts a sample's cluster when that cluster has
    a labeled sample, and -1 (always wrong) otherwise. Cheap, so a bandit can run many rounds.
    """

    def __init__(self):
        self.X_training, self.y_training = np.zeros((0, 2)), np.zeros(0, dtype=int)

    def teach(self, X, y):
        self.X_training = np.concatenate([self.X_training, X])
        self.y_training = np.concatenate([self.y_training, y])

    def predict(self, X):
        known = set(self.y_training.tolist())
        clusters = np.asarray(X)[:, 0].astype(int)
        return np.where(np.isin(clusters, list(known)), clusters, -1)


def new_clusters(classifier, X_pool, n_instances=1):
    """The arm worth drawing: one sample from each of the first clusters not seen yet."""
    seen = set(classifier.y_training.tolist())
    picked = {}
    for i, c in enumerate(X_pool[:, 0].astype(int)):
        if c not in seen:
            picked.setdefault(c, i)
    chosen = list(picked.values())[:n_instances]
    rest = [i for i in range(len(X_pool)) if i not in chosen]
    indices = np.array((chosen + rest)[:n_instances])
    return indices, X_pool[indices]


def known_cluster(classifier, X_pool, n_instances=1):
    """A useless arm: samples of cluster 0, whose label is known from the start."""
    order = np.argsort(X_pool[:, 0] != 0, kind="stable")[:n_instances]
    return order, X_pool[order]


def run_cluster_bandit(method, n_rounds):
    """A bandit over random, new_clusters and known_cluster after ``n_rounds`` of 5 labels.

    The pool: 200 samples of cluster 0, whose label is known, and 40 clusters of 10. Labels
    from new clusters show mistakes and raise the accuracy, labels from cluster 0 never do,
    random ones now and then.
    """
    clusters = np.concatenate([np.zeros(200), np.repeat(np.arange(1, 41), 10)])
    X = np.column_stack([clusters, np.arange(len(clusters))]).astype(np.float32)
    learner = ClusterMemory()
    learner.teach(X[:1], clusters[:1].astype(int))
    pool = np.arange(1, len(X))
    candidates = ("random", new_clusters, known_cluster)
    bandit = AutoStrategy(candidates=candidates, method=method, prior={})
    rng = np.random.RandomState(0)
    for _ in range(n_rounds):
        indices, samples = bandit(learner, X[pool], n_instances=5, random_state=rng)
        learner.teach(samples, samples[:, 0].astype(int))
        pool = np.delete(pool, indices)
    return bandit


def estimates_by_arm(record, kind, value):
    """A bandit record's estimates of one kind ("gains", "rewards"), listed by arm."""
    by_arm = {}
    for estimate in record[kind]:
        by_arm.setdefault(estimate["strategy"], []).append(estimate[value])
    return by_arm


def test_albl_weights_move_to_the_arm_whose_labels_raise_accuracy():
    # Gains show only when a batch drawn at random holds a sibling of a newly taught sample,
    # so the signal is sparse, and every later batch is used to estimate it. Over seeds 0-19
    # the weights had moved to new_clusters after 30 rounds on 17, and to no other arm on any.
    bandit = run_cluster_bandit("albl", 30)
    probabilities = bandit.probabilities()
    assert probabilities.argmax() == 1 and probabilities[1] > 0.5
    gains = estimates_by_arm(bandit.rounds_[-1], "gains", "gain")
    assert np.mean(gains["new_clusters"]) > 0
    assert max(gains["known_cluster"]) == 0.0


def test_mixed_weights_move_to_the_arm_whose_labels_show_mistakes_within_a_few_rounds():
    # Every slot is rewarded at the next query: over seeds 0-19 the weights had moved to
    # new_clusters after 5 rounds of 5 on 14 (albl: on 2 after 5 rounds, 17 after 30).
    bandit = run_cluster_bandit("mix", 5)
    probabilities = bandit.probabilities()
    assert probabilities.argmax() == 1 and probabilities[1] > 0.6
    rewards = estimates_by_arm(bandit.rounds_[-1], "rewards", "reward")
    assert min(rewards["new_clusters"]) == 1.0 and max(rewards["known_cluster"]) == 0.0
    assert [r["round"] for r in bandit.rounds_[-1]["rewards"]] == sorted(
        r["round"] for r in bandit.rounds_[-1]["rewards"]
    )
    assert sum(bandit.rounds_[0]["shares"].values()) == 5


@pytest.fixture(params=["auto:mix", "auto:albl"])
def auto_learner(small_digits, tmp_path, request):
    X, y, X_pool, y_pool = small_digits
    params = dict(FAST, inas_iterations=0, checkpoint_dir=str(tmp_path / "run"))
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), query_strategy=request.param, **params)
    clf.fit(X, y)
    pool = np.arange(len(X_pool))
    for _ in range(3):
        indices, samples = clf.query(X_pool[pool], n_instances=10)
        clf.teach(samples, y_pool[pool][indices])
        pool = np.delete(pool, indices)
    return clf


def test_auto_keeps_its_bandit_and_files_every_choice_in_the_history(auto_learner):
    clf = auto_learner
    rounds = clf.query_strategy_.rounds_
    assert len(rounds) == 3
    assert [entry["query"] for entry in clf.history_[1:]] == rounds
    assert "query" not in clf.history_[0]
    assert all(r["strategy"] in clf.query_strategy_.candidates for r in rounds)
    if clf.query_strategy_.method == "albl":
        assert rounds[0]["gains"] == [] and rounds[1]["gains"] == []
        # In the third round, the second round's batch measures what the first one's labels did.
        assert [(g["strategy"], g["n_batches"]) for g in rounds[2]["gains"]] == [
            (rounds[0]["strategy"], 1)
        ]
    else:
        # Every round's labels are rewarded at the next query, slot by slot.
        assert rounds[0]["rewards"] == []
        for t in (1, 2):
            slots = {
                r["strategy"]: r["n_samples"] for r in rounds[t]["rewards"] if r["round"] == 0
            }
            assert slots == {arm: n for arm, n in rounds[0]["shares"].items() if n}
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(
        restored.query_strategy_.log_weights_, clf.query_strategy_.log_weights_
    )


def test_auto_bandit_comes_back_from_a_checkpoint(auto_learner, small_digits):
    clf = auto_learner
    restored = ActiveINASClassifier.from_checkpoint(clf.checkpoint_dir)
    bandit = restored.query_strategy_
    assert bandit.rounds_ == clf.query_strategy_.rounds_
    np.testing.assert_allclose(
        bandit.log_weights_,
        [clf.query_strategy_.rounds_[-1]["log_weights"][n] for n in bandit.candidates],
    )
    if bandit.method == "mix":
        # The records replay every slot's reward, the last round's too, so the restored
        # bandit's next query is the one the bandit that wrote them makes.
        X_pool = small_digits[2]
        picks = [learner.query(X_pool, n_instances=10)[0] for learner in (clf, restored)]
        np.testing.assert_array_equal(*picks)
        last = bandit.rounds_[-1]
        assert last == clf.query_strategy_.rounds_[-1]
        assert {r["round"] for r in last["rewards"]} == {0, 1, 2}


def test_a_new_fit_starts_a_new_bandit(auto_learner, small_digits):
    X, y, _, _ = small_digits
    old = auto_learner.query_strategy_
    auto_learner.set_params(checkpoint_dir=None).fit(X, y)
    assert auto_learner.query_strategy_ is not old
    assert not hasattr(auto_learner.query_strategy_, "rounds_")
    auto_learner.set_params(query_strategy="margin").fit(X, y)
    assert not hasattr(auto_learner, "query_strategy_")
