"""The bandit's bookkeeping (tests of skactive/strategies/_bandit_state.py)."""

import numpy as np
import pytest

from skactive.strategies._bandit_state import (
    reweight_gains,
    reweight_slots,
    row_keys,
    taught_labels,
)


def test_row_keys_name_a_sample_by_its_values_whatever_its_float_type():
    X = np.array([[0.0, 1.0], [2.0, 3.0], [0.0, 1.0]])
    keys = row_keys(X, 0)
    assert keys.dtype == np.dtype("S16") and keys.shape == (3,)
    assert keys[0] == keys[2] and keys[0] != keys[1]
    np.testing.assert_array_equal(row_keys(X.astype(np.float32).reshape(3, 1, 2), 5), keys)


class Learner:
    """A modAL-style learner holding its labeled set as ``X_training``/``y_training``."""

    X_training = np.array([[0.0, 1.0], [2.0, 3.0]])
    y_training = np.array([7, 8])


def test_taught_labels_are_found_by_digest_and_a_learner_without_labels_is_refused():
    labels = taught_labels(Learner())
    keys = row_keys(Learner.X_training, 0).tolist()
    assert labels == {keys[0]: 7, keys[1]: 8}

    class Wrapper:
        estimator = Learner()

    assert taught_labels(Wrapper()) == labels
    with pytest.raises(TypeError, match="needs a classifier holding its labeled set"):
        taught_labels(object())

    class Unlabeled:
        X_training = y_training = None

    with pytest.raises(TypeError, match="needs a classifier holding its labeled set"):
        taught_labels(Unlabeled())


def test_reweight_slots_rewards_the_mistakes_of_labeled_slots_only():
    keys = row_keys(np.arange(8.0).reshape(4, 2), 0)
    labels = {keys[0]: 1, keys[1]: 1, keys[2]: 0}  # the fourth sample is not taught yet
    probabilities = np.array([0.25, 0.75])
    slots = [
        (keys[:0], np.array([], int), np.array([], int), probabilities),  # nothing labeled
        (keys, np.array([0, 1, 1, 0]), np.array([0, 1, 0, 5]), probabilities),
    ]
    start = np.array([1.0, 2.0])
    log_weights, rewards = reweight_slots(slots, labels, start, 2.0, ["random", "margin"], 3)
    # Three labeled slots; arm 0's one is a mistake: 1 / (3 * 0.25), arm 1's are right.
    np.testing.assert_allclose(log_weights, [1.0 + 2.0 * 4 / 3, 2.0])
    assert start.tolist() == [1.0, 2.0]
    assert rewards == [
        {"round": 4, "strategy": "random", "reward": 1.0, "n_samples": 1},
        {"round": 4, "strategy": "margin", "reward": 0.0, "n_samples": 2},
    ]


def test_reweight_gains_credits_the_arm_whose_labels_raised_accuracy_on_a_later_batch():
    keys = np.sort(row_keys(np.arange(8.0).reshape(4, 2), 0))
    before, after = np.array([0, 0, 0, 0]), np.array([1, 1, 0, 0])
    models = [(keys, before), (keys, after)]
    batch = keys[[0, 2]]
    inclusion = np.array([0.5, 0.5])
    batches = [(keys[[1, 3]], inclusion, 4), (batch, inclusion, 4)]
    draws = [("margin", 0.5), ("random", 0.5)]
    labels = {key: 1 for key in keys.tolist()}
    start = np.zeros(2)
    log_weights, gains = reweight_gains(
        models, batches, draws, labels, start, 1.0, ["random", "margin"]
    )
    # The second batch: sample 0 now right, sample 2 still wrong; (1 / 0.5) / 4 = 0.5.
    assert gains == [{"strategy": "margin", "gain": 0.5, "n_batches": 1}]
    np.testing.assert_allclose(log_weights, [0.0, 0.5 / 0.5])
    assert start.tolist() == [0.0, 0.0]
    # Until the second batch is taught in full, it measures nothing.
    del labels[keys[2]]
    assert (
        reweight_gains(models, batches, draws, labels, start, 1.0, ["random", "margin"])[1] == []
    )
