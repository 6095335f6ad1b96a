"""The loss-prediction head and its ranking loss (tests of skactive/loss_prediction.py)."""

import pytest
import torch

from skactive import Architecture
from skactive.loss_prediction import LossPredictionHead, ranking_loss
from skactive.networks import HomogeneousNet


def test_ranking_loss_by_hand():
    # Six samples, pairs (0, 5), (1, 4), (2, 3); margin 1:
    # (0, 5): l0 = 3 > l5 = 1, so sign +1; p0 - p5 = 0.5 - 0.0 = 0.5: max(0, 1 - 0.5) = 0.5
    # (1, 4): l1 = 0 < l4 = 2, so sign -1; p1 - p4 = 2.0 - 0.0 = 2.0: max(0, 1 + 2.0) = 3.0
    # (2, 3): l2 = 5 > l3 = 4, so sign +1; p2 - p3 = 4.0 - 1.0 = 3.0: max(0, 1 - 3.0) = 0.0
    # mean over the 3 pairs: 3.5 / 3.
    predicted = torch.tensor([0.5, 2.0, 4.0, 1.0, 0.0, 0.0])
    true = torch.tensor([3.0, 0.0, 5.0, 4.0, 2.0, 1.0])
    torch.testing.assert_close(ranking_loss(predicted, true), torch.tensor(3.5 / 3))
    # The margin enters once per pair: 0.25 - 0.5 < 0, 0.25 + 2, 0.25 - 3 < 0.
    torch.testing.assert_close(ranking_loss(predicted, true, margin=0.25), torch.tensor(2.25 / 3))


def test_ties_count_as_the_second_sample_ranked_higher_and_the_middle_one_is_left_out():
    # Odd batch: sample 1 pairs with nothing. Pair (0, 2) has equal true losses, sign -1:
    # max(0, 1 + (p0 - p2)) = 1 + 0.5.
    predicted = torch.tensor([1.0, 100.0, 0.5])
    true = torch.tensor([2.0, -100.0, 2.0])
    torch.testing.assert_close(ranking_loss(predicted, true), torch.tensor(1.5))


def test_the_true_losses_get_no_gradient_and_the_predictions_do():
    predicted = torch.tensor([0.0, 0.0], requires_grad=True)
    true = torch.tensor([2.0, 1.0], requires_grad=True)
    ranking_loss(predicted, true).backward()
    assert true.grad is None
    # d/dp0 max(0, 1 - (p0 - p1)) = -1 at p = 0, and +1 for p1.
    torch.testing.assert_close(predicted.grad, torch.tensor([-1.0, 1.0]))


def test_a_batch_of_one_costs_nothing_but_keeps_the_graph():
    predicted = torch.tensor([3.0], requires_grad=True)
    loss = ranking_loss(predicted, torch.tensor([1.0]))
    assert loss.item() == 0.0
    loss.backward()
    assert predicted.grad is not None


@pytest.mark.parametrize("shape", [(4,), (3, 1)])
def test_ranking_loss_refuses_other_shapes(shape):
    with pytest.raises(ValueError, match="1-D"):
        ranking_loss(torch.zeros(shape), torch.zeros(3))


def test_head_pools_each_level_and_predicts_one_number_per_sample():
    head = LossPredictionHead([2, 3], width=4)
    levels = [torch.randn(5, 2, 6, 6), torch.randn(5, 3, 7)]
    expected = head.out(
        torch.cat(
            [
                torch.relu(head.levels[0](levels[0].mean(dim=(2, 3)))),
                torch.relu(head.levels[1](levels[1].mean(dim=2))),
            ],
            dim=1,
        )
    ).squeeze(1)
    torch.testing.assert_close(head(levels), expected)
    with pytest.raises(ValueError, match="2 levels"):
        head(levels[:1])
    with pytest.raises(ValueError, match="in_widths"):
        LossPredictionHead([])


@pytest.mark.parametrize(
    "block,shape", [("resnet", (1, 8, 8)), ("resnet1d", (1, 40)), ("mlp", (13,))]
)
@pytest.mark.parametrize("n_stacks", [1, 2, 3])
def test_a_network_head_reads_every_stack(block, shape, n_stacks):
    net = HomogeneousNet(
        Architecture(block, 2, n_stacks), shape, n_classes=3, base_width=4, loss_prediction=True
    ).eval()
    x = torch.randn(5, *shape)
    outputs = net.stack_outputs(x)
    assert len(outputs) == len(net.loss_head.levels) == n_stacks
    assert [o.shape[1] for o in outputs] == [4 * 2**s for s in range(n_stacks)]
    torch.testing.assert_close(outputs[-1], net.body(net.stem(x)))
    logits, predicted = net.forward_with_loss(x)
    torch.testing.assert_close(logits, net(x))
    assert predicted.shape == (5,)
    assert any(key.startswith("loss_head.") for key in net.state_dict())


def test_without_the_option_the_network_and_its_state_are_unchanged():
    args = (Architecture("resnet1d", 1, 2), (1, 40), 3)
    plain, with_head = HomogeneousNet(*args), HomogeneousNet(*args, loss_prediction=True)
    assert plain.loss_head is None
    assert set(with_head.state_dict()) - set(plain.state_dict()) == {
        k for k in with_head.state_dict() if k.startswith("loss_head.")
    }
    with pytest.raises(ValueError, match="loss_prediction=True"):
        plain.forward_with_loss(torch.zeros(2, 1, 40))


def test_detached_inputs_train_the_head_only():
    net = HomogeneousNet(Architecture("mlp", 1, 2), (6,), n_classes=3, loss_prediction=True)
    x = torch.randn(4, 6)
    for detach, body_gets_gradient in ((False, True), (True, False)):
        net.zero_grad(set_to_none=True)
        net.forward_with_loss(x, detach=detach)[1].sum().backward()
        assert (net.body[0].body[0].weight.grad is not None) is body_gets_gradient
        assert net.loss_head.out.weight.grad is not None
