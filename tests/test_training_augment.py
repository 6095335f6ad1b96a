"""Batched crops, flips and mixup (tests of skactive/training/augment.py)."""

import numpy as np
import torch

from skactive.training import (
    draw_mixup,
    mixup_batch,
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


def test_mixup_batch_mixes_samples_and_labels_with_the_partner_at_the_ratio():
    x = torch.tensor([[1.0, 0.0], [0.0, 2.0], [4.0, 4.0]])
    y = torch.tensor([0, 2, 1])
    partner, lam = torch.tensor([2, 0, 1]), torch.tensor([0.25, 1.0, 0.5])
    xv, yv = mixup_batch(x, y, partner, lam, n_classes=3)
    assert torch.allclose(xv, torch.tensor([[3.25, 3.0], [0.0, 2.0], [2.0, 3.0]]))
    expected = torch.tensor([[0.25, 0.75, 0.0], [0.0, 0.0, 1.0], [0.0, 0.5, 0.5]])
    assert torch.allclose(yv, expected)


def test_cross_entropy_of_the_soft_label_is_the_mixed_loss():
    torch.manual_seed(0)
    logits = torch.randn(4, 5)
    y = torch.tensor([0, 3, 3, 1])
    partner, lam = torch.tensor([1, 0, 3, 2]), torch.tensor([0.2, 0.5, 0.9, 0.7])
    _, soft = mixup_batch(torch.zeros(4, 1), y, partner, lam, n_classes=5)
    loss = torch.nn.CrossEntropyLoss()(logits, soft)
    ce = torch.nn.functional.cross_entropy
    per_sample = lam * ce(logits, y, reduction="none")
    per_sample += (1 - lam) * ce(logits, y[partner], reduction="none")
    assert torch.allclose(loss, per_sample.mean())
    # A wrong weighting (the ratio on the partner's label) gives another loss.
    swapped = (1 - lam) * ce(logits, y, reduction="none") + lam * ce(
        logits, y[partner], reduction="none"
    )
    assert not torch.allclose(loss, swapped.mean())


def test_draw_mixup_is_reproducible_from_its_sources_and_follows_the_beta():
    def draw(seed):
        return draw_mixup(
            2000, 2.0, torch.Generator().manual_seed(seed), np.random.default_rng(seed)
        )

    partner, lam = draw(0)
    assert sorted(partner.tolist()) == list(range(2000))
    assert torch.equal(partner, draw(0)[0]) and torch.equal(lam, draw(0)[1])
    assert not torch.equal(lam, draw(1)[1])
    # Beta(2, 2): mean 1/2, variance 1/20.
    assert abs(float(lam.mean()) - 0.5) < 0.02
    assert abs(float(lam.var()) - 0.05) < 0.01
