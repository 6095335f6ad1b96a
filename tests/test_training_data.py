"""The data on the device and its batches (tests of skactive/training/data.py)."""

import numpy as np
import torch
from conftest import ARCH, train_config

from skactive import Architecture
from skactive.training import (
    DeviceBatchIterator,
    DeviceDataset,
    build_net,
)


def test_iterator_yields_every_sample_once_per_epoch():
    X = np.arange(10, dtype=np.float32)[:, None]
    data = DeviceDataset(X, np.arange(10) * 2)
    iterator = DeviceBatchIterator(data, batch_size=3, shuffle=True, seed=0)
    epochs = []
    for _ in range(3):
        batches = list(iterator)
        assert [len(Xb) for Xb, _ in batches] == [3, 3, 3, 1] == [3] * (len(iterator) - 1) + [1]
        Xe = torch.cat([Xb for Xb, _ in batches])[:, 0]
        ye = torch.cat([yb for _, yb in batches])
        assert sorted(Xe.tolist()) == list(range(10))
        assert torch.equal(ye, Xe.long() * 2)
        epochs.append(Xe)
    assert not torch.equal(epochs[0], epochs[1])
    again = torch.cat([Xb for Xb, _ in DeviceBatchIterator(data, 3, shuffle=True, seed=0)])
    assert torch.equal(again[:, 0], epochs[0])
    in_order = torch.cat([Xb for Xb, _ in DeviceBatchIterator(data, 4)])
    assert torch.equal(in_order, data.X)


def test_augmentation_only_in_training_and_only_on_images():
    images = DeviceDataset(torch.rand(40, 1, 8, 8), torch.zeros(40))
    batch, _ = next(iter(DeviceBatchIterator(images, 40, augment=True)))
    assert batch.shape == images.X.shape
    assert not torch.equal(batch, images.X)
    batch, _ = next(iter(DeviceBatchIterator(images, 40)))
    assert torch.equal(batch, images.X)
    sequences = DeviceDataset(torch.rand(40, 1, 8), torch.zeros(40))
    batch, _ = next(iter(DeviceBatchIterator(sequences, 40, augment=True)))
    assert torch.equal(batch, sequences.X)
    net = build_net(Architecture("resnet1d", 1, 1), train_config(input_shape=(1, 8), augment=True))
    assert net.iterator_train__augment is False
    assert build_net(ARCH, train_config(augment=True)).iterator_train__augment is True
    assert build_net(ARCH, train_config(augment="crop")).iterator_train__augment == "crop"


def test_crop_mode_shifts_without_mirroring_and_true_also_mirrors():
    # One bright pixel per image: a crop moves it by at most one pixel (padding 1 at side 8);
    # a mirror moves it from column 1 to about column 6.
    X = torch.zeros(200, 1, 8, 8)
    X[:, 0, 4, 1] = 1.0
    images = DeviceDataset(X, torch.zeros(200))

    def columns(augment):
        batch, _ = next(iter(DeviceBatchIterator(images, 200, augment=augment, seed=0)))
        return batch.sum(dim=(1, 2)).argmax(dim=1)  # the column of the pixel, or 0 if lost

    cropped = columns("crop")
    assert set(cropped.tolist()) <= {0, 1, 2} and len(set(cropped.tolist())) > 1
    assert (columns(True) >= 5).any()


def test_augmented_batches_keep_the_datasets_channels_last_layout():
    X = torch.randn(6, 3, 8, 8).contiguous(memory_format=torch.channels_last)
    data = DeviceDataset(X, np.arange(6))
    data.X = X  # as get_dataset lays images out on CUDA
    batches = DeviceBatchIterator(data, batch_size=4, shuffle=True, augment=True, seed=0)
    assert all(b.is_contiguous(memory_format=torch.channels_last) for b, _ in batches)
    plain = DeviceBatchIterator(DeviceDataset(np.zeros((6, 3, 8, 8))), 4, augment=True)
    assert all(b.is_contiguous() for b, _ in plain)


def _mixup_epoch(data, seed, augment=False):
    iterator = DeviceBatchIterator(
        data, 8, shuffle=True, augment=augment, seed=seed, mixup=2.0, n_classes=3
    )
    return list(iterator)


def test_mixup_batches_hold_the_batch_then_as_many_virtual_samples_from_the_seed():
    X = torch.arange(20.0).reshape(10, 2)
    data = DeviceDataset(X, torch.arange(10) % 3)
    batches = _mixup_epoch(data, seed=0)
    assert [len(Xb) for Xb, _ in batches] == [16, 4]
    real = torch.cat([Xb[: len(Xb) // 2] for Xb, _ in batches])
    assert sorted(real[:, 0].tolist()) == X[:, 0].tolist()
    for Xb, yb in batches:
        n = len(Xb) // 2
        onehot = torch.nn.functional.one_hot(data.y[(Xb[:n, 0] / 2).long()], 3).float()
        assert torch.equal(yb[:n], onehot)
        assert torch.allclose(yb.sum(dim=1), torch.ones(2 * n))
        # Each virtual sample lies on the segment between two samples of its batch: its label
        # weights recover them.
        for virtual in Xb[n:]:
            assert X[:, 0].min() <= virtual[0] <= X[:, 0].max()
            assert torch.allclose(virtual[1] - virtual[0], torch.tensor(1.0))
    again = _mixup_epoch(data, seed=0)
    for (Xa, ya), (Xb, yb) in zip(batches, again):
        assert torch.equal(Xa, Xb) and torch.equal(ya, yb)
    other = _mixup_epoch(data, seed=1)
    assert not torch.equal(
        torch.cat([Xb for Xb, _ in batches]), torch.cat([Xb for Xb, _ in other])
    )


def test_mixup_mixes_the_cropped_images_and_is_reproducible():
    images = DeviceDataset(torch.rand(12, 1, 8, 8), torch.arange(12) % 3)
    first, second = (
        _mixup_epoch(images, 0, augment="crop"),
        _mixup_epoch(images, 0, augment="crop"),
    )
    for (Xa, ya), (Xb, yb) in zip(first, second):
        assert Xa.shape[1:] == (1, 8, 8) and torch.equal(Xa, Xb) and torch.equal(ya, yb)
    net = build_net(ARCH, train_config(mixup=2.0))
    assert net.iterator_train__mixup == 2.0
    assert build_net(ARCH, train_config()).iterator_train__mixup is None
    # Only training mixes: the batches a net predicts on are the samples as they are.
    net.initialize()
    batches = list(net.get_iterator(net.get_dataset(images.X, images.y), training=False))
    assert torch.equal(torch.cat([Xb for Xb, _ in batches]), images.X)
