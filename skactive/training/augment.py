"""Batched image augmentation on the batch's device: random crops and horizontal flips."""

from __future__ import annotations

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
