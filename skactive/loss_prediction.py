"""The loss-prediction module of Yoo & Kweon (CVPR 2019) and the ranking loss it learns from.

"Learning Loss for Active Learning": a small head reads the features of several levels of the
target network and predicts each sample's loss, and active learning queries the pool samples
with the highest predicted loss. Each level's feature map is averaged over its positions and
goes through a fully connected layer and a ReLU; the levels are concatenated and a last fully
connected layer gives one number per sample. The head learns from a ranking loss on pairs of a
batch, not from the loss values, whose scale falls as the network trains. Learned from the
paper and from public reimplementations (github.com/Mephisto405/Learning-Loss-for-Active-
Learning, ``models/lossnet.py`` and ``LossPredLoss`` in ``main.py``; the loss module of
github.com/haizailache999/AutoAL, ``AL_model.py``, where it serves as AutoAL's FitNet).

Here the levels are the stacks of a :class:`~skactive.networks.HomogeneousNet`, which builds
the head when made with ``loss_prediction=True``; training adds :func:`ranking_loss` to the
cross-entropy (:class:`~skactive.training.DeviceNeuralNetClassifier`) and
:func:`skactive.strategies.loss_prediction` queries by the head's output.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

LOSS_HEAD_WIDTH = 128
"""Units of each level's fully connected layer: the paper's 128."""

RANKING_MARGIN = 1.0
"""The margin ξ of :func:`ranking_loss`, the paper's 1."""

LOSS_WEIGHT = 1.0
"""λ, the weight of the ranking loss beside the mean cross-entropy: the paper's 1."""

STOP_GRADIENT_FRACTION = 0.6
"""Share of a training's epochs after which the ranking loss no longer trains the network's
body, only the head: the paper stops that gradient after epoch 120 of 200, for the network's
features not to bend to the loss prediction once it has learned them."""


class LossPredictionHead(nn.Module):
    """Predicts each sample's loss from the outputs of several levels of a network.

    Each level's output is averaged over its positions (global average pooling; a flat
    ``(n, width)`` output is taken as it is), mapped by a fully connected layer of ``width``
    units and a ReLU; the levels are concatenated and a last fully connected layer gives one
    number per sample (Yoo & Kweon, 2019).

    Parameters
    ----------
    in_widths : sequence of int
        Channels (or units) of each level's output, in order.
    width : int, default=128
        Units of each level's fully connected layer.

    Examples
    --------
    >>> import torch
    >>> from skactive.loss_prediction import LossPredictionHead
    >>> head = LossPredictionHead([4, 8])
    >>> head([torch.zeros(5, 4, 6, 6), torch.zeros(5, 8, 3, 3)]).shape
    torch.Size([5])
    """

    def __init__(self, in_widths: Sequence[int], width: int = LOSS_HEAD_WIDTH) -> None:
        super().__init__()
        in_widths = [int(w) for w in in_widths]
        if not in_widths or min(in_widths) < 1:
            raise ValueError(f"in_widths must be one or more positive widths, got {in_widths}.")
        self.levels = nn.ModuleList(nn.Linear(w, width) for w in in_widths)
        self.out = nn.Linear(width * len(in_widths), 1)

    def forward(self, outputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Return the predicted loss of every sample.

        Parameters
        ----------
        outputs : sequence of torch.Tensor
            One output per level, of shape ``(n_samples, in_widths[k], ...)``.

        Returns
        -------
        torch.Tensor of shape (n_samples,)
            The predicted losses, unscaled: only their order is learned.
        """
        if len(outputs) != len(self.levels):
            raise ValueError(f"expected {len(self.levels)} levels, got {len(outputs)}.")
        pooled = [x.mean(dim=tuple(range(2, x.ndim))) if x.ndim > 2 else x for x in outputs]
        hidden = [torch.relu(level(x)) for level, x in zip(self.levels, pooled)]
        return self.out(torch.cat(hidden, dim=1)).squeeze(1)


def ranking_loss(
    predicted: torch.Tensor, true: torch.Tensor, margin: float = RANKING_MARGIN
) -> torch.Tensor:
    """The margin ranking loss of the predicted losses of a batch (Yoo & Kweon, 2019, eq. 2).

    The batch of ``n`` samples is split into ``n // 2`` pairs, sample ``i`` with sample
    ``n - 1 - i`` (the first half against the second half reversed; with ``n`` odd the middle
    sample is left out), and each pair ``(i, j)`` costs

        ``max(0, -sign(l_i - l_j) * (p_i - p_j) + margin)``

    with ``sign = +1`` when ``l_i > l_j`` and ``-1`` otherwise, ``l`` the true losses and
    ``p`` the predicted ones: the predictions must order each pair as the true losses do,
    at least ``margin`` apart. The loss is the mean over the pairs. The true losses are
    detached: the ranking loss trains the prediction, never the losses it predicts.

    Parameters
    ----------
    predicted : torch.Tensor of shape (n_samples,)
        Predicted losses.
    true : torch.Tensor of shape (n_samples,)
        True per-sample losses.
    margin : float, default=1.0
        The margin ξ.

    Returns
    -------
    torch.Tensor
        A scalar; 0 for a batch of fewer than two samples.

    Examples
    --------
    >>> import torch
    >>> from skactive.loss_prediction import ranking_loss
    >>> # Pairs (0, 3) and (1, 2): the first is ordered by more than the margin, the second
    >>> # wrongly by 0.5: (0 + (0.5 + 1)) / 2.
    >>> ranking_loss(torch.tensor([3.0, 0.0, 0.5, 1.0]), torch.tensor([2.0, 1.0, 0.0, 0.0]))
    tensor(0.7500)
    """
    if predicted.shape != true.shape or predicted.ndim != 1:
        raise ValueError(
            f"predicted and true must be 1-D of one shape, got {tuple(predicted.shape)} and "
            f"{tuple(true.shape)}."
        )
    half = len(predicted) // 2
    if half == 0:
        return predicted.sum() * 0.0
    true = true.detach()
    first, second = slice(None, half), slice(-half, None)
    difference = predicted[first] - predicted[second].flip(0)
    sign = torch.where(true[first] > true[second].flip(0), 1.0, -1.0).to(difference.dtype)
    return torch.relu(margin - sign * difference).mean()
