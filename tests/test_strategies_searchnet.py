"""AutoAL's two levels as functions (tests of skactive/strategies/_searchnet.py)."""

import numpy as np
import torch

from skactive.strategies import batch_scores, fit_searchnet, heldout_losses, searchnet_weights


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
