"""The labeled data on the training device, and the batches skorch iterates over."""

from __future__ import annotations

import math

import numpy as np
import torch

from .augment import crop_padding, draw_mixup, mixup_batch, random_crop, random_hflip


class DeviceDataset(torch.utils.data.Dataset):
    """Samples and labels held as tensors on one device, moved there once.

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (n_samples, ...)
        Samples; floating point data becomes float32.
    y : array-like, torch.Tensor or None
        Labels, or None for inference.
    device : str, default="cpu"
        Torch device to keep the data on.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.training import DeviceDataset
    >>> data = DeviceDataset(np.zeros((4, 2)), np.array([0, 1, 0, 1]))
    >>> len(data), data.X.dtype
    (4, torch.float32)
    """

    def __init__(self, X, y=None, device: str = "cpu") -> None:
        X = torch.as_tensor(X)
        if X.is_floating_point():
            X = X.float()
        self.X = X.to(device)
        self.y = None if y is None else torch.as_tensor(y).to(device)

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, index):
        return self.X[index], None if self.y is None else self.y[index]


class DeviceBatchIterator:
    """Batches of a :class:`DeviceDataset` sliced on its device: skorch's iterator rung.

    Each pass (epoch) yields every sample exactly once, in a fresh order drawn on the data's
    device from a generator seeded once, so no sample crosses the host-device boundary during
    training.

    Parameters
    ----------
    dataset : DeviceDataset
        The data, already on its device.
    batch_size : int
        Samples per batch; the last batch of a pass may be smaller.
    shuffle : bool, default=False
        Draw a new order at each pass; otherwise keep the data's order.
    augment : bool or "crop", default=False
        Augment batches of images (4-D data): ``"crop"`` applies :func:`random_crop`, True
        also :func:`random_hflip`; other data are never augmented.
    seed : int, default=0
        Seed of the order, the augmentation and the virtual samples.
    mixup : float or None, default=None
        With a float ``alpha``, every batch of ``n`` labeled samples is followed, in the same
        batch, by ``n`` virtual samples (:func:`~skactive.training.mixup_batch`): each
        sample, after its crop and flip, mixed with a partner of the batch at a ratio drawn
        from ``Beta(alpha, alpha)`` (:func:`~skactive.training.draw_mixup`). The labels are
        then soft, of shape ``(2 n, n_classes)``, one-hot for the labeled samples. The
        virtual samples are drawn anew at every pass from ``seed``, never stored.
    n_classes : int or None, default=None
        Number of classes, needed with ``mixup``.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.training import DeviceBatchIterator, DeviceDataset
    >>> data = DeviceDataset(np.arange(5.0)[:, None], np.arange(5))
    >>> [len(X) for X, y in DeviceBatchIterator(data, batch_size=2, shuffle=True)]
    [2, 2, 1]
    """

    def __init__(
        self,
        dataset: DeviceDataset,
        batch_size: int,
        shuffle: bool = False,
        augment: bool | str = False,
        seed: int = 0,
        mixup: float | None = None,
        n_classes: int | None = None,
    ) -> None:
        if mixup is not None and (n_classes is None or dataset.y is None):
            raise ValueError("mixup needs labels and n_classes.")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.crop = bool(augment) and dataset.X.ndim == 4
        self.flip = self.crop and augment != "crop"
        # Crops gather into a fresh contiguous tensor; a channels_last dataset (images) gets
        # its layout back once per batch here rather than in every convolution.
        self.channels_last = self.crop and dataset.X.is_contiguous(
            memory_format=torch.channels_last
        )
        self.generator = torch.Generator(device=dataset.X.device).manual_seed(int(seed))
        self.mixup = mixup
        self.n_classes = n_classes
        # The mixing ratios are drawn on the host (see draw_mixup), from the same seed.
        self.rng = np.random.default_rng(int(seed))

    def __len__(self) -> int:
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        X, y = self.dataset.X, self.dataset.y
        n = len(X)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator, device=X.device)
        else:
            order = torch.arange(n, device=X.device)
        for begin in range(0, n, self.batch_size):
            index = order[begin : begin + self.batch_size]
            batch = X[index]
            if self.crop:
                batch = random_crop(batch, crop_padding(batch.shape[2]), self.generator)
                if self.flip:
                    batch = random_hflip(batch, self.generator)
                if self.channels_last:
                    batch = batch.contiguous(memory_format=torch.channels_last)
            if self.mixup is None:
                yield batch, None if y is None else y[index]
                continue
            labels = y[index]
            partner, lam = draw_mixup(len(batch), self.mixup, self.generator, self.rng)
            virtual, soft = mixup_batch(batch, labels, partner, lam, self.n_classes)
            onehot = torch.nn.functional.one_hot(labels.long(), self.n_classes).float()
            yield torch.cat([batch, virtual]), torch.cat([onehot, soft])
