"""Batched augmentation on the batch's device: random crops, horizontal flips and mixup."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def crop_padding(height: int) -> int:
    """Zero padding of :func:`random_crop` for images of side ``height``: about one eighth.

    Parameters
    ----------
    height : int
        Image side in pixels.

    Returns
    -------
    int
        4 for 32x32 images (the usual CIFAR setting), 1 for 8x8, never below 1.

    Examples
    --------
    >>> from skactive.training import crop_padding
    >>> crop_padding(32), crop_padding(28), crop_padding(8)
    (4, 4, 1)
    """
    return max(1, round(height / 8))


def random_crop(x: torch.Tensor, padding: int, generator: torch.Generator) -> torch.Tensor:
    """Crop each image of a batch at a random offset after zero-padding it.

    Equivalent to padding every image by ``padding`` zeros on each side and cutting out a
    window of the original size at an offset drawn uniformly per image, done for the whole
    batch with two gathers on the batch's device.

    Parameters
    ----------
    x : torch.Tensor of shape (n_samples, channels, height, width)
        A batch of images.
    padding : int
        Largest shift in pixels, in each direction.
    generator : torch.Generator
        Source of the offsets, on the device of ``x``.

    Returns
    -------
    torch.Tensor of the shape of ``x``
        The cropped batch.

    Examples
    --------
    >>> import torch
    >>> from skactive.training import random_crop
    >>> x = torch.ones(5, 3, 8, 8)
    >>> random_crop(x, 2, torch.Generator().manual_seed(0)).shape
    torch.Size([5, 3, 8, 8])
    """
    n, channels, height, width = x.shape
    shifts = torch.randint(0, 2 * padding + 1, (2, n), generator=generator, device=x.device)
    padded = F.pad(x, (padding, padding, padding, padding))
    rows = shifts[0, :, None] + torch.arange(height, device=x.device)
    cols = shifts[1, :, None] + torch.arange(width, device=x.device)
    rows = rows[:, None, :, None].expand(n, channels, height, width + 2 * padding)
    out = padded.gather(2, rows)
    return out.gather(3, cols[:, None, None, :].expand(n, channels, height, width))


def random_hflip(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Mirror each image of a batch left to right with probability 1/2.

    Parameters
    ----------
    x : torch.Tensor of shape (n_samples, channels, height, width)
        A batch of images.
    generator : torch.Generator
        Source of the coin flips, on the device of ``x``.

    Returns
    -------
    torch.Tensor of the shape of ``x``
        The batch, some images flipped.

    Examples
    --------
    >>> import torch
    >>> from skactive.training import random_hflip
    >>> x = torch.arange(4.0).reshape(1, 1, 2, 2).repeat(3, 1, 1, 1)
    >>> random_hflip(x, torch.Generator().manual_seed(0)).shape
    torch.Size([3, 1, 2, 2])
    """
    flip = torch.rand(len(x), generator=generator, device=x.device) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def mixup_batch(
    x: torch.Tensor, y: torch.Tensor, partner: torch.Tensor, lam: torch.Tensor, n_classes: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Virtual samples of a batch: each sample mixed with a partner of the batch (mixup).

    Mixup (Zhang et al., ICLR 2018) trains on ``lam * x_i + (1 - lam) * x_j`` with the soft
    label ``lam * e_{y_i} + (1 - lam) * e_{y_j}``. Cross-entropy is linear in its target, so
    the cross-entropy of a virtual sample against its soft label is
    ``lam * CE(y_i) + (1 - lam) * CE(y_j)``, the mixed loss of mixup, and
    :class:`torch.nn.CrossEntropyLoss` computes it from the soft label as it is.

    Parameters
    ----------
    x : torch.Tensor of shape (n_samples, ...)
        A batch of samples, images, sequences or feature rows.
    y : torch.Tensor of shape (n_samples,), int
        Their labels in ``[0, n_classes)``.
    partner : torch.Tensor of shape (n_samples,), int
        Index in the batch of each sample's partner.
    lam : torch.Tensor of shape (n_samples,)
        Each sample's share in its virtual sample, in [0, 1].
    n_classes : int
        Number of classes.

    Returns
    -------
    x_virtual : torch.Tensor of the shape of ``x``
        The mixed samples.
    y_virtual : torch.Tensor of shape (n_samples, n_classes), float32
        Their soft labels.

    Examples
    --------
    >>> import torch
    >>> from skactive.training import mixup_batch
    >>> x, y = torch.tensor([[0.0], [4.0]]), torch.tensor([0, 1])
    >>> xv, yv = mixup_batch(x, y, torch.tensor([1, 0]), torch.tensor([0.75, 0.5]), 2)
    >>> xv.flatten().tolist(), yv.tolist()
    ([1.0, 2.0], [[0.75, 0.25], [0.5, 0.5]])
    """
    lam = lam.to(device=x.device, dtype=torch.float32)
    share = lam.reshape(-1, *[1] * (x.ndim - 1)).to(x.dtype)
    x_virtual = share * x + (1 - share) * x[partner]
    onehot = F.one_hot(y.long(), n_classes).float()
    y_virtual = lam[:, None] * onehot + (1 - lam[:, None]) * onehot[partner]
    return x_virtual, y_virtual


def draw_mixup(
    n_samples: int, alpha: float, generator: torch.Generator, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Partners and mixing ratios of :func:`mixup_batch` for a batch of ``n_samples``.

    Partners are a random permutation of the batch, drawn on the generator's device; the
    ratios ``lam ~ Beta(alpha, alpha)``, one per sample, are drawn on the host, because
    torch samples a Beta distribution only from its global generator.

    Parameters
    ----------
    n_samples : int
        Size of the batch.
    alpha : float
        Both parameters of the Beta distribution: 1 draws ``lam`` uniformly, large values
        keep it near 1/2, small ones near 0 or 1.
    generator : torch.Generator
        Source of the partners, on the batch's device.
    rng : numpy.random.Generator
        Source of the ratios.

    Returns
    -------
    partner : torch.Tensor of shape (n_samples,), int64
        On the generator's device.
    lam : torch.Tensor of shape (n_samples,), float32
        On the host.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skactive.training import draw_mixup
    >>> partner, lam = draw_mixup(4, 2.0, torch.Generator().manual_seed(0),
    ...                           np.random.default_rng(0))
    >>> sorted(partner.tolist()), bool(((lam > 0) & (lam < 1)).all())
    ([0, 1, 2, 3], True)
    """
    partner = torch.randperm(n_samples, generator=generator, device=generator.device)
    lam = torch.from_numpy(rng.beta(alpha, alpha, size=n_samples).astype(np.float32))
    return partner, lam
