"""Batched crops and flips (tests of skactive/training/augment.py)."""

import torch

from skactive.training import (
    random_crop,
    random_hflip,
)


def _shifted(image, dy, dx, padding):
    """``image`` zero-padded by ``padding`` and cropped at offset (dy, dx) of the padded one."""
    padded = torch.nn.functional.pad(image, (padding,) * 4)
    return padded[:, dy : dy + image.shape[1], dx : dx + image.shape[2]]


def test_random_crop_is_a_zero_padded_shift():
    image = torch.arange(1.0, 17.0).reshape(1, 4, 4)
    x = image.expand(64, 1, 4, 4)
    out = random_crop(x, 1, torch.Generator().manual_seed(0))
    shifts = [(dy, dx) for dy in range(3) for dx in range(3)]
    used = set()
    for crop in out:
        matches = [s for s in shifts if torch.equal(crop, _shifted(image, *s, padding=1))]
        assert len(matches) == 1
        used.add(matches[0])
    assert len(used) == 9
    assert torch.equal(out, random_crop(x, 1, torch.Generator().manual_seed(0)))
    assert not torch.equal(out, random_crop(x, 1, torch.Generator().manual_seed(1)))


def test_random_hflip_mirrors_about_half_of_the_images():
    x = torch.arange(64 * 2 * 3 * 3, dtype=torch.float32).reshape(64, 2, 3, 3)
    out = random_hflip(x, torch.Generator().manual_seed(0))
    flipped = torch.tensor([torch.equal(o, i.flip(2)) for o, i in zip(out, x)])
    kept = torch.tensor([torch.equal(o, i) for o, i in zip(out, x)])
    assert torch.all(flipped ^ kept)
    assert 16 < int(flipped.sum()) < 48
