"""Turning an Architecture and labeled data into a trained skorch network, fast on CUDA.

Every network of the search, candidate or final, is trained by :func:`train_net`: one
:class:`TrainingConfig`, one skorch :class:`DeviceNeuralNetClassifier`, and all randomness drawn
from the seed it is given, so a seed gives the same network without touching the caller's global
torch state, even when several networks train at once in threads.

The default recipe
------------------
Candidates and the final network are trained from scratch with the same recipe, so the
validation error that picks an architecture measures the training the winner then gets:

- AdamW, peak learning rate ``lr=1e-2``, decoupled weight decay ``weight_decay=5e-4`` (the
  fused CUDA kernel on a GPU); ``optimizer="sgd"`` gives Nesterov momentum 0.9 instead;
- a budget that fits the training set (:func:`training_budget`): with ``max_epochs="auto"``
  and ``batch_size="auto"``, batches of an eighth of the set within [16, 128] and enough epochs
  for ``min_steps=800`` optimizer steps, at least 30. A budget counted in epochs alone gives a
  small set too few steps to learn anything (30 steps for 100 labels at 30 epochs of 128);
  from about 3,500 samples on the rule is 30 epochs of 128;
- the learning rate decays along a cosine over those epochs (skorch's ``LRScheduler``
  callback), cross-entropy loss, dropout before the linear head;
- no early stopping. The final network has no held-out data (it trains on every label), so a
  stopping epoch found on the iNAS validation split V' would be a candidate-only recipe, and
  candidates compared after different numbers of epochs would no longer predict how the final
  network trains. Stopping also cuts the low-learning-rate end of the cosine, where most of
  the accuracy is gained, and costs a pass over V' per epoch. A fixed number of epochs keeps
  every search step's cost known in advance.
- optional image augmentation (``augment=True``): random crops with zero padding of one eighth
  of the image side (4 pixels on 32x32) and random horizontal flips, drawn per sample. It is
  off by default because flips change the meaning of digits and text; it applies to the
  ``resnet`` block on images (N, C, H, W) only and is ignored for other blocks.

The engine
----------
The fast path is a few rungs of skorch's training ladder, not a loop of its own:

- :meth:`DeviceNeuralNetClassifier.get_dataset` wraps the labeled data in a
  :class:`DeviceDataset`, which moves it to the training device once per fit;
- ``iterator_train`` and ``iterator_valid`` are :class:`DeviceBatchIterator`: each epoch it
  draws a permutation on the device from its own seeded :class:`torch.Generator`, slices
  batches there and augments them as whole batches (:func:`random_crop`, :func:`random_hflip`);
- :meth:`DeviceNeuralNetClassifier.infer` runs the module under bf16 autocast
  (``precision``) with images in channels_last layout on CUDA;
- :meth:`DeviceNeuralNetClassifier.run_single_epoch` keeps each batch's loss on the device
  and reads them back once per epoch, so training never waits for the GPU between batches
  (skorch calls ``loss.item()`` after every batch); ``net.history`` has the usual per-batch
  losses;
- ``DeviceNeuralNetClassifier._set_training`` switches train/eval mode only when it
  changes, where skorch walks every submodule before every batch;
- :meth:`DeviceNeuralNetClassifier.torch_compile` compiles the module in place
  (``compile=True``), keeping its class and parameter names;
- ``torch.backends.cudnn.benchmark`` is switched on for CUDA training.

Pool inference (:func:`forward_batches`, hence :func:`predict_proba` and :func:`embed`) runs
batch by batch on the device under the same autocast and layout, copying each batch from
pinned memory without blocking and reading the results back once.

Candidates of one iNAS step are independent. On CUDA, when neither ``n_jobs`` nor a
``joblib.parallel_config`` says otherwise, :func:`candidate_parallel_config` makes joblib train
them in threads, each on its own CUDA stream, so small networks share one GPU; with several
GPUs, candidates go to the devices in turn (:func:`candidate_device`). Results do not depend on
the threading: initialisation runs under a lock from the seeded global generator, and
shuffling, augmentation and dropout draw from generators owned by each network.

Parameters of :class:`~skactive.ActiveINASClassifier` that drive the engine:
``precision`` (``"auto"``: bf16 autocast on CUDA where the GPU supports it, fp32 on the CPU;
``"bf16"``; ``"fp32"``), ``augment`` (False), ``compile`` (False: ``torch.compile`` costs tens
of seconds per architecture, worth it only for long trainings; a compiled network's candidates
train one after the other), ``device`` and ``n_jobs``.

Benchmark
---------
``python benchmarks/bench_training.py`` measures, side by side in one process, images per
second of this engine, of plain skorch over NumPy arrays (batch 128 and 512) and of a
hand-written GPU-resident bf16 loop for A(resnet, 1, 1), (1, 2), (2, 4) and (4, 4) on
CIFAR-shaped random data, and the wall time of one iNAS round (three candidates and the final
network) at 2,000 and 10,000 labels, and prints the ratios. Without a GPU it runs a reduced
size (``--small`` forces it): 1,000 images of 3x16x16, one epoch.

Measured so far only on the CPU (``--small --threads 1 --repeats 3``, one thread of a shared
2-core machine), where the arithmetic bounds all three loops: skactive ran at 0.94-1.03 x the
hand-written loop and 0.93-1.06 x plain skorch at batch 512 over the four architectures, and
an iNAS round's candidates took 1.01-1.02 x the hand loop's. The GPU targets (on one
H100: >= 0.9 x the hand loop and >= 5 x plain skorch at batch 512 for ResNet-18, >= 0.8 x the
hand loop for A(resnet, 1, 1), a step's candidates within 1.1 x the concurrent hand loop) are
still to be measured with this script.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import inspect
import itertools
import math
import threading
import warnings
from dataclasses import dataclass, replace

import joblib
import numpy as np
import torch
import torch.nn.functional as F
from joblib.parallel import BACKENDS, DEFAULT_BACKEND
from skorch import NeuralNetClassifier
from skorch.callbacks import LRScheduler
from skorch.utils import is_dataset
from torch import nn
from torch.optim.lr_scheduler import CosineAnnealingLR

from .search_space import Architecture, HomogeneousNet

OPTIMIZERS = {"adamw": torch.optim.AdamW, "adam": torch.optim.Adam, "sgd": torch.optim.SGD}
"""Optimizers accepted by name in ``ActiveINASClassifier(optimizer=...)``."""

PRECISIONS = ("auto", "bf16", "fp32")
"""Values of ``ActiveINASClassifier(precision=...)``."""


def resolve_device(device: str) -> str:
    """Turn ``"auto"`` into ``"cuda"`` when a GPU is visible, else ``"cpu"``.

    Parameters
    ----------
    device : str
        ``"auto"`` or any torch device string such as ``"cpu"``, ``"cuda"`` or ``"cuda:1"``.

    Returns
    -------
    str
        A torch device string.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def resolve_precision(precision: str, device: str) -> str:
    """Turn ``"auto"`` into ``"bf16"`` on a CUDA device that supports it, else ``"fp32"``.

    Parameters
    ----------
    precision : {"auto", "bf16", "fp32"}
        The requested precision.
    device : str
        The torch device the network runs on.

    Returns
    -------
    {"bf16", "fp32"}
        ``"bf16"`` means bfloat16 autocast of the forward pass; weights and optimizer state
        stay in float32 either way.

    Examples
    --------
    >>> from skactive.training import resolve_precision
    >>> resolve_precision("auto", "cpu")
    'fp32'
    >>> resolve_precision("bf16", "cpu")
    'bf16'
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}.")
    if precision != "auto":
        return precision
    return "bf16" if _native_bf16(str(device)) else "fp32"


@functools.lru_cache
def _native_bf16(device: str) -> bool:
    """Whether ``device`` runs bf16 natively; cached because autocast asks at every batch."""
    # Compute capability 8 (Ampere) and later; older GPUs only emulate bf16, slowly.
    device = torch.device(device)
    if device.type != "cuda" or not torch.cuda.is_available():
        return False
    return torch.cuda.get_device_capability(device)[0] >= 8


AUTO_MIN_EPOCHS = 30
"""Fewest epochs of ``max_epochs="auto"``: what a labeled set of thousands gets."""

AUTO_BATCHES_PER_EPOCH = 8
"""``batch_size="auto"`` cuts small labeled sets into about this many batches."""

AUTO_BATCH_SIZE_RANGE = (16, 128)
"""Smallest and largest batch size of ``batch_size="auto"``."""

MIN_STEPS = 800
"""Default optimizer steps that ``max_epochs="auto"`` guarantees each training."""


def training_budget(
    n_samples: int, max_epochs="auto", batch_size="auto", min_steps: int = MIN_STEPS
) -> tuple[int, int]:
    """Return the epochs and batch size of one training on ``n_samples`` samples.

    An explicit integer is returned unchanged; ``"auto"`` fits the budget to the training
    set, so that a few hundred labels get as many optimizer steps as a few thousand:

    - ``batch_size="auto"``: ``n_samples // 8`` clipped to [16, 128], about 8 batches per epoch
      up to 1,024 samples, then batches of 128;
    - ``max_epochs="auto"``: enough epochs for ``min_steps`` optimizer steps at that batch
      size, and never fewer than 30.

    So 100 samples train for 115 epochs of 16 (805 steps), 1,000 samples for 100 epochs of
    125, and from about 3,500 samples on the rule gives 30 epochs of 128, at least
    ``min_steps`` steps.

    Parameters
    ----------
    n_samples : int
        Size of the training set.
    max_epochs : int or "auto", default="auto"
        Passes over the training set.
    batch_size : int or "auto", default="auto"
        Samples per optimizer step.
    min_steps : int, default=800
        Optimizer steps that ``max_epochs="auto"`` guarantees.

    Returns
    -------
    max_epochs, batch_size : int
        The resolved budget.

    Examples
    --------
    >>> from skactive.training import training_budget
    >>> training_budget(100), training_budget(1000), training_budget(5000)
    ((115, 16), (100, 125), (30, 128))
    >>> training_budget(100, max_epochs=8, batch_size=32)
    (8, 32)
    """
    if batch_size == "auto":
        low, high = AUTO_BATCH_SIZE_RANGE
        batch_size = min(max(n_samples // AUTO_BATCHES_PER_EPOCH, low), high)
    if max_epochs == "auto":
        steps_per_epoch = max(1, math.ceil(n_samples / batch_size))
        max_epochs = max(AUTO_MIN_EPOCHS, math.ceil(min_steps / steps_per_epoch))
    return int(max_epochs), int(batch_size)


@dataclass(frozen=True)
class TrainingConfig:
    """How candidate and final networks are built and trained.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample as the network sees it.
    n_classes : int
        Number of outputs.
    base_width : int, default=16
        Width of the first stack.
    dropout : float, default=0.25
        Dropout before the linear head.
    max_epochs : int or "auto", default="auto"
        Passes over the training data; ``"auto"`` follows :func:`training_budget`.
    batch_size : int or "auto", default="auto"
        Samples per optimisation step; ``"auto"`` follows :func:`training_budget`.
    min_steps : int, default=800
        Optimizer steps that ``max_epochs="auto"`` guarantees.
    pooling : {"pyramid", "global"}, default="pyramid"
        Pooling of the last stack, see :class:`~skactive.search_space.HomogeneousNet`.
    lr : float, default=1e-2
        Peak learning rate, decayed to zero along a cosine.
    optimizer : {"adamw", "adam", "sgd"}, default="adamw"
        Optimizer; SGD uses Nesterov momentum 0.9.
    weight_decay : float, default=5e-4
        L2 penalty (decoupled for AdamW).
    device : str, default="cpu"
        Torch device to train on.
    precision : {"auto", "bf16", "fp32"}, default="auto"
        Autocast of the forward pass, see :func:`resolve_precision`.
    augment : bool, default=False
        Random crops and horizontal flips of image batches (``resnet`` block only).
    compile : bool, default=False
        Compile the module with :func:`torch.compile`.
    """

    input_shape: tuple[int, ...]
    n_classes: int
    base_width: int = 16
    dropout: float = 0.25
    max_epochs: int | str = "auto"
    batch_size: int | str = "auto"
    min_steps: int = MIN_STEPS
    pooling: str = "pyramid"
    lr: float = 1e-2
    optimizer: str = "adamw"
    weight_decay: float = 5e-4
    device: str = "cpu"
    precision: str = "auto"
    augment: bool = False
    compile: bool = False

    def for_samples(self, n_samples: int) -> TrainingConfig:
        """Return this recipe with its budget resolved for ``n_samples`` training samples.

        Parameters
        ----------
        n_samples : int
            Size of the training set.

        Returns
        -------
        TrainingConfig
            A copy whose ``max_epochs`` and ``batch_size`` are integers
            (:func:`training_budget`).
        """
        epochs, batch_size = training_budget(
            n_samples, self.max_epochs, self.batch_size, self.min_steps
        )
        return replace(self, max_epochs=epochs, batch_size=batch_size)


# ---------------------------------------------------------------------- batched augmentation


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


# ---------------------------------------------------------------------- data path


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
    augment : bool, default=False
        Apply :func:`random_crop` and :func:`random_hflip` to batches of images (4-D data).
    seed : int, default=0
        Seed of the order and the augmentation.

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
        augment: bool = False,
        seed: int = 0,
    ) -> None:
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.augment = augment and dataset.X.ndim == 4
        self.generator = torch.Generator(device=dataset.X.device).manual_seed(int(seed))

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
            if self.augment:
                batch = random_crop(batch, crop_padding(batch.shape[2]), self.generator)
                batch = random_hflip(batch, self.generator)
            yield batch, None if y is None else y[index]


# ---------------------------------------------------------------------- the skorch net


class DeviceNeuralNetClassifier(NeuralNetClassifier):
    """skorch's classifier with the data path, precision and layout of a fast GPU loop.

    The training loop is skorch's own; only the rungs below differ. On the CPU with
    ``precision="fp32"`` it computes what a plain ``NeuralNetClassifier`` with a shuffled
    batch iterator computes.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        As for :class:`skorch.NeuralNetClassifier`.
    *args
        Passed to :class:`skorch.NeuralNetClassifier`.
    precision : {"auto", "bf16", "fp32"}, default="auto"
        Autocast of the forward pass, resolved against the device at each use, so a network
        trained on a GPU and unpickled on a CPU-only machine predicts in float32.
    **kwargs
        Passed to :class:`skorch.NeuralNetClassifier`; set ``iterator_train`` and
        ``iterator_valid`` to :class:`DeviceBatchIterator`.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skactive.training import DeviceBatchIterator, DeviceNeuralNetClassifier
    >>> net = DeviceNeuralNetClassifier(
    ...     torch.nn.Linear, module__in_features=2, module__out_features=2,
    ...     criterion=torch.nn.CrossEntropyLoss, max_epochs=2, verbose=0,
    ...     iterator_train=DeviceBatchIterator, iterator_valid=DeviceBatchIterator,
    ...     train_split=None)
    >>> net = net.fit(np.zeros((8, 2), dtype=np.float32), np.array([0, 1] * 4))
    >>> len(net.history[-1, "batches"])
    1
    """

    def __init__(self, module, *args, precision="auto", **kwargs):
        super().__init__(module, *args, **kwargs)
        self.precision = precision

    def _on_cuda(self) -> bool:
        return torch.device(self.device).type == "cuda"

    def autocast(self):
        """Autocast context of the forward pass: bf16 when ``precision`` resolves to it.

        Returns
        -------
        torch.autocast
            A context manager, disabled for fp32.
        """
        device_type = torch.device(self.device).type
        enabled = resolve_precision(self.precision, self.device) == "bf16"
        return torch.autocast(device_type, dtype=torch.bfloat16, enabled=enabled)

    def as_input(self, x):
        """Put a batch of images in channels_last layout on CUDA, where convolutions like it.

        Parameters
        ----------
        x : torch.Tensor or other batch
            A batch on the net's device.

        Returns
        -------
        torch.Tensor or other batch
            The same values; only the memory layout of 4-D tensors on CUDA changes.
        """
        if isinstance(x, torch.Tensor) and x.ndim == 4 and self._on_cuda():
            return x.contiguous(memory_format=torch.channels_last)
        return x

    def initialize_module(self):
        """Build the module as skorch does, in channels_last layout for CUDA.

        Returns
        -------
        self : DeviceNeuralNetClassifier
        """
        super().initialize_module()
        if self._on_cuda():
            self.module_ = self.module_.to(memory_format=torch.channels_last)
        return self

    def torch_compile(self, module, name):
        """Compile ``module_`` in place when ``compile=True``.

        ``nn.Module.compile`` keeps the module's class, its ``features`` and ``head`` and its
        parameter names, unlike skorch's default wrapper.

        Parameters
        ----------
        module : torch.nn.Module
            The module or criterion.
        name : str
            Its name in the net; only ``"module"`` is compiled.

        Returns
        -------
        torch.nn.Module
            The same module.
        """
        if self.compile and name == "module":
            module.compile(**self.get_params_for("compile"))
        return module

    def _set_training(self, training=True):
        # skorch sets the mode before every batch, and nn.Module.train walks every submodule
        # through nn.Module.__setattr__: on a GPU that host time per step is comparable to a
        # small network's whole step, so switch only when the mode changes.
        if self.module_.training != training:
            super()._set_training(training)

    def get_dataset(self, X, y=None):
        """Wrap ``(X, y)`` in a :class:`DeviceDataset` on the net's device.

        Parameters
        ----------
        X : array-like, torch.Tensor or Dataset
            Samples; a Dataset is returned unchanged.
        y : array-like, torch.Tensor or None, default=None
            Labels.

        Returns
        -------
        torch.utils.data.Dataset
            The data, moved to the device once (images in channels_last layout on CUDA).
        """
        if is_dataset(X):
            return X
        dataset = DeviceDataset(X, y, device=self.device)
        # Row slices of a channels_last tensor stay channels_last: no layout change per batch.
        dataset.X = self.as_input(dataset.X)
        return dataset

    def infer(self, x, **fit_params):
        """Forward a batch under autocast and return float32 scores.

        Parameters
        ----------
        x : torch.Tensor
            A batch on the net's device.
        **fit_params : dict
            Passed to the module.

        Returns
        -------
        torch.Tensor
            The module's output in float32, so the loss is computed in full precision.
        """
        with self.autocast():
            return super().infer(self.as_input(x), **fit_params).float()

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """One pass over ``iterator`` that reads the losses back once, at its end.

        skorch's version calls ``loss.item()`` after every batch, which makes the host wait
        for the GPU; here each batch records its loss as a device tensor, and the epoch's
        losses are copied to the host in one transfer before the epoch's callbacks run.

        Parameters
        ----------
        iterator : iterable or None
            Batches; None skips the pass.
        training : bool
            Whether this is a training pass.
        prefix : str
            ``"train"`` or ``"valid"``, prefix of the history keys.
        step_fn : callable
            ``step_fn(batch, **fit_params)`` returns a dict with the batch ``"loss"``.
        **fit_params : dict
            Passed to ``step_fn``.
        """
        if iterator is None:
            return
        losses = []
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses.append(step["loss"].detach())
            self.history.record_batch(prefix + "_loss", losses[-1])
            self.history.record_batch(prefix + "_batch_size", len(batch[0]))
            self.notify("on_batch_end", batch=batch, training=training, **step)
        if losses:
            records = self.history[-1]["batches"][-len(losses) :]
            for record, loss in zip(records, torch.stack(losses).tolist()):
                record[prefix + "_loss"] = loss
        self.history.record(prefix + "_batch_count", len(losses))


def build_net(
    architecture: Architecture, config: TrainingConfig, seed: int = 0
) -> DeviceNeuralNetClassifier:
    """Return an untrained skorch classifier for ``architecture``.

    Parameters
    ----------
    architecture : Architecture
        The network to build.
    config : TrainingConfig
        The training recipe.
    seed : int, default=0
        Seed of the batch order and the augmentation.

    Returns
    -------
    DeviceNeuralNetClassifier
        Not yet initialised; :func:`train_net` initialises and fits it.
    """
    optimizer = OPTIMIZERS[config.optimizer]
    optimizer_kwargs = {"optimizer__weight_decay": config.weight_decay}
    if config.optimizer == "sgd":
        optimizer_kwargs.update(optimizer__momentum=0.9, optimizer__nesterov=True)
    on_cuda = torch.device(config.device).type == "cuda"
    if on_cuda and "fused" in inspect.signature(optimizer).parameters:
        optimizer_kwargs["optimizer__fused"] = True
    return DeviceNeuralNetClassifier(
        HomogeneousNet,
        module__architecture=architecture,
        module__input_shape=config.input_shape,
        module__n_classes=config.n_classes,
        module__base_width=config.base_width,
        module__dropout=config.dropout,
        module__pooling=config.pooling,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=optimizer,
        lr=config.lr,
        max_epochs=config.max_epochs,
        batch_size=config.batch_size,
        iterator_train=DeviceBatchIterator,
        iterator_train__shuffle=True,
        iterator_train__augment=config.augment and architecture.block == "resnet",
        iterator_train__seed=seed,
        iterator_valid=DeviceBatchIterator,
        train_split=None,
        classes=np.arange(config.n_classes),
        callbacks=[("lr_scheduler", LRScheduler(CosineAnnealingLR, T_max=config.max_epochs))],
        device=config.device,
        precision=config.precision,
        compile=config.compile,
        verbose=0,
        **optimizer_kwargs,
    )


_INIT_LOCK = threading.Lock()
"""Serialises the only use of torch's global generator, so threads initialise reproducibly."""


def generator_dropout(
    x: torch.Tensor, p: float, generator: torch.Generator, mask_shape=None
) -> torch.Tensor:
    """Inverted dropout whose mask is drawn from ``generator``, not torch's global one.

    Training and MC-dropout both use it, so their masks are drawn the same way: uniform
    numbers in float32 whatever the dtype of ``x`` (a bf16 draw would quantise the keep rate).

    Parameters
    ----------
    x : torch.Tensor
        Input of the dropout layer.
    p : float
        Probability of dropping an element, in [0, 1].
    generator : torch.Generator
        Source of the mask, on ``x``'s device.
    mask_shape : tuple of int or None, default=None
        Shape of the mask, broadcast over ``x``; ``None`` drops elements independently,
        ``(N, C, 1, ...)`` drops whole channels.

    Returns
    -------
    torch.Tensor
        ``x`` with dropped entries zeroed and the kept ones scaled by ``1 / (1 - p)``.
    """
    if p == 1:
        return torch.zeros_like(x)
    shape = x.shape if mask_shape is None else mask_shape
    keep = torch.rand(shape, generator=generator, device=x.device) >= p
    return x * keep / (1 - p)


class _GeneratorDropout(nn.Module):
    """Dropout drawing its masks from a given generator instead of torch's global one."""

    def __init__(self, p: float, generator: torch.Generator) -> None:
        super().__init__()
        self.p = p
        self.generator = generator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        return generator_dropout(x, self.p, self.generator)


@contextlib.contextmanager
def _generator_dropout(module: nn.Module, generator: torch.Generator):
    """Swap every ``nn.Dropout`` of ``module`` for a generator-driven one, and back after."""
    swapped = []
    for name, child in list(module.named_modules()):
        if type(child) is nn.Dropout:
            parent_name, _, attribute = name.rpartition(".")
            parent = module.get_submodule(parent_name)
            setattr(parent, attribute, _GeneratorDropout(child.p, generator))
            swapped.append((parent, attribute, child))
    try:
        yield
    finally:
        for parent, attribute, child in swapped:
            setattr(parent, attribute, child)


def train_net(
    architecture: Architecture, config: TrainingConfig, X: np.ndarray, y: np.ndarray, seed: int
) -> DeviceNeuralNetClassifier:
    """Build and train the network of ``architecture`` on ``(X, y)``.

    Initialisation draws from torch's global generator, seeded inside
    :func:`torch.random.fork_rng` under a lock; batch order, augmentation and dropout draw from
    generators of this network. So a seed gives the same network whether networks train one
    after the other or at once in threads, and the caller's global torch state is untouched.

    Parameters
    ----------
    architecture : Architecture
        The network to train.
    config : TrainingConfig
        The training recipe.
    X : ndarray or torch.Tensor of shape (n_samples,) + config.input_shape, float32
        Training samples; a tensor may already be on ``config.device``.
    y : ndarray or torch.Tensor of shape (n_samples,), int64
        Encoded labels in ``[0, config.n_classes)``.
    seed : int
        Seeds initialisation, shuffling, augmentation and dropout.

    Returns
    -------
    DeviceNeuralNetClassifier
        The trained network.
    """
    if torch.device(config.device).type == "cuda":
        torch.backends.cudnn.benchmark = True
    order_seed, dropout_seed = np.random.SeedSequence(seed).generate_state(2)
    net = build_net(architecture, config.for_samples(len(X)), seed=int(order_seed))
    # Modules are built on the CPU, so only the CPU generator is seeded (torch.manual_seed would
    # reseed every GPU's generator too).
    with _INIT_LOCK, torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(seed)
        net.initialize()
    generator = torch.Generator(device=net.device).manual_seed(int(dropout_seed))
    with _generator_dropout(net.module_, generator):
        net.partial_fit(X, y)
    return net


OOM_MIN_BATCH_SIZE = 8
"""Smallest batch size :func:`train_net_with_oom_retry` halves down to before giving up."""


def _release_cuda_memory() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def train_net_with_oom_retry(
    architecture: Architecture, config: TrainingConfig, X: np.ndarray, y: np.ndarray, seed: int
) -> NeuralNetClassifier:
    """:func:`train_net`, retried with half the batch size when the GPU runs out of memory.

    A candidate of the search can be much larger than the networks before it, so a batch size
    that fitted in GPU memory may stop fitting. On :class:`torch.cuda.OutOfMemoryError` the
    training starts again from scratch, with the same seed and half the batch size, down to
    :data:`OOM_MIN_BATCH_SIZE`, with a ``RuntimeWarning`` each time. A smaller batch means more
    optimisation steps per epoch, so the network differs from one trained at the requested size.

    Parameters
    ----------
    architecture : Architecture
        The network to train.
    config : TrainingConfig
        The training recipe; its ``batch_size``, resolved for ``len(X)`` samples, is the
        first one tried.
    X : ndarray of shape (n_samples,) + config.input_shape, float32
        Training samples.
    y : ndarray of shape (n_samples,), int64
        Encoded labels in ``[0, config.n_classes)``.
    seed : int
        Seeds initialisation, shuffling and dropout.

    Returns
    -------
    skorch.NeuralNetClassifier
        The trained network; ``net.batch_size`` is the batch size that fitted.

    Raises
    ------
    torch.cuda.OutOfMemoryError
        If even a batch of :data:`OOM_MIN_BATCH_SIZE` samples (or the requested size, when
        smaller) does not fit; the message names the architecture and the batch size.
    """
    # Resolve an "auto" budget once, so a retry halves the batch and keeps the epochs.
    config = config.for_samples(len(X))
    batch_size = config.batch_size
    while True:
        try:
            return train_net(architecture, replace(config, batch_size=batch_size), X, y, seed)
        except torch.cuda.OutOfMemoryError as err:
            if batch_size <= OOM_MIN_BATCH_SIZE:
                raise torch.cuda.OutOfMemoryError(
                    f"Out of memory on {config.device} training {architecture} with "
                    f"batch_size={batch_size}, even after halving batch_size from "
                    f"{config.batch_size}; use a smaller max_blocks/max_stacks or base_width, "
                    f"or another device. ({err})"
                ) from err
            smaller = max(OOM_MIN_BATCH_SIZE, batch_size // 2)
        # Outside the except block the failed attempt's traceback, and with it the network
        # and batch it holds on the GPU, can be freed before the next attempt.
        _release_cuda_memory()
        warnings.warn(
            f"Out of memory on {config.device} training {architecture} with "
            f"batch_size={batch_size}; retrying with batch_size={smaller}.",
            RuntimeWarning,
            stacklevel=2,
        )
        batch_size = smaller


INFERENCE_BATCH_SIZE = 1024
"""Samples per forward pass when scoring a pool; only memory, not results, depends on it."""


def forward_batches(net: NeuralNetClassifier, X: np.ndarray, fn) -> np.ndarray:
    """Apply ``fn(module, batch)`` to ``X`` batch by batch on the network's device.

    The module runs in eval mode (batch norm uses running statistics, dropout is off) under
    :func:`torch.inference_mode` and the net's autocast, images in channels_last layout on CUDA.
    Only one batch of ``X`` is on the device at a time; on CUDA it is copied from pinned memory
    without blocking, and the results come back to the host in one synchronisation at the end.

    Parameters
    ----------
    net : DeviceNeuralNetClassifier
        A trained network; ``net.module_`` is a :class:`~skactive.search_space.HomogeneousNet`.
    X : ndarray of shape (n_samples,) + input_shape, float32
        Samples.
    fn : callable
        ``fn(module, batch) -> torch.Tensor`` with one row per sample.

    Returns
    -------
    ndarray of shape (n_samples, ...)
        The rows of ``fn`` for every sample as float32, on the CPU.
    """
    module = net.module_
    module.eval()
    device = torch.device(net.device)
    on_cuda = device.type == "cuda"
    outputs = []
    with torch.inference_mode(), net.autocast():
        for begin in range(0, len(X), INFERENCE_BATCH_SIZE):
            batch = torch.as_tensor(X[begin : begin + INFERENCE_BATCH_SIZE], dtype=torch.float32)
            if on_cuda and batch.device.type == "cpu":
                batch = batch.pin_memory()
            batch = net.as_input(batch.to(device, non_blocking=True))
            outputs.append(fn(module, batch).float().to("cpu", non_blocking=True))
    if on_cuda:
        torch.cuda.current_stream(device).synchronize()
    return torch.cat(outputs).numpy()


def predict_proba(net: NeuralNetClassifier, X: np.ndarray) -> np.ndarray:
    """Softmax probabilities of a trained network.

    Parameters
    ----------
    net : DeviceNeuralNetClassifier
        A trained network.
    X : ndarray of shape (n_samples,) + input_shape, float32
        Samples.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        Class probabilities.
    """
    return forward_batches(net, X, lambda module, x: torch.softmax(module(x).float(), dim=1))


def embed(net: NeuralNetClassifier, X: np.ndarray) -> np.ndarray:
    """Penultimate features of a trained network.

    Parameters
    ----------
    net : DeviceNeuralNetClassifier
        A trained network.
    X : ndarray of shape (n_samples,) + input_shape, float32
        Samples.

    Returns
    -------
    ndarray of shape (n_samples, n_features_out)
        The output of ``module.features``.
    """
    return forward_batches(net, X, lambda module, x: module.features(x))


# ---------------------------------------------------------------------- candidates of a step

_next_candidate = itertools.count()
"""Turn counter of :func:`candidate_device`; ``next`` on it is atomic under the GIL."""


def candidate_device(device: str, n_devices: int | None = None) -> str:
    """The device of the next candidate: GPUs in turn for a bare ``"cuda"``.

    Parameters
    ----------
    device : str
        The configured device. Only ``"cuda"`` (no index) is spread over the GPUs; any other
        device, ``"cuda:1"`` included, is returned unchanged.
    n_devices : int or None, default=None
        Number of GPUs; None counts the visible ones.

    Returns
    -------
    str
        ``"cuda:k"`` for the next ``k`` in turn when there are several GPUs, else ``device``.

    Examples
    --------
    >>> from skactive.training import candidate_device
    >>> candidate_device("cpu")
    'cpu'
    >>> candidate_device("cuda:1", n_devices=4)
    'cuda:1'
    """
    if device != "cuda":
        return device
    if n_devices is None:
        n_devices = torch.cuda.device_count()
    if n_devices < 2:
        return device
    return f"cuda:{next(_next_candidate) % n_devices}"


def candidate_parallel_config(config: TrainingConfig, n_jobs: int | None):
    """The joblib context in which iNAS should train the candidates of a step.

    On CUDA, candidates train concurrently in threads (each on its own CUDA stream, see
    :func:`validation_error`), so several small networks keep one GPU busy and several GPUs
    each get one. That happens only when the user chose nothing: ``n_jobs`` is None, no
    ``joblib.parallel_config`` is active (a dask backend, say, is left alone), and
    ``config.compile`` is off (compilation is not meant to run in several threads at once).

    Parameters
    ----------
    config : TrainingConfig
        The training recipe; its ``device`` and ``compile`` decide.
    n_jobs : int or None
        The estimator's ``n_jobs``.

    Returns
    -------
    context manager
        ``joblib.parallel_config(backend="threading", n_jobs=-1)`` or a no-op context.

    Examples
    --------
    >>> from skactive.training import TrainingConfig, candidate_parallel_config
    >>> config = TrainingConfig(input_shape=(4,), n_classes=2, device="cpu")
    >>> with candidate_parallel_config(config, n_jobs=None):
    ...     pass
    """
    backend, active_n_jobs = joblib.parallel.get_active_backend()
    chosen = n_jobs is not None or active_n_jobs is not None
    chosen = chosen or not isinstance(backend, BACKENDS[DEFAULT_BACKEND])
    on_cuda = torch.device(config.device).type == "cuda"
    if on_cuda and not chosen and not config.compile:
        return joblib.parallel_config(backend="threading", n_jobs=-1)
    return contextlib.nullcontext()


def _candidate_stream(device: str):
    """A CUDA stream of its own for a candidate on a GPU; a no-op context on the CPU."""
    if torch.device(device).type != "cuda":
        return contextlib.nullcontext()
    return torch.cuda.stream(torch.cuda.Stream(device=device))


def validation_error(
    architecture: Architecture,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    seed: int,
    *,
    config: TrainingConfig,
) -> float:
    """Train ``architecture`` on S' and return its error rate on V'.

    This is the scoring callable that :func:`skactive.inas.search` calls for each candidate. On
    CUDA the candidate trains on a stream of its own (so candidates in threads overlap on one
    GPU), on the next GPU in turn when there are several (:func:`candidate_device`); the error
    is read back before returning, so nothing of the candidate outlives its stream.

    Parameters
    ----------
    architecture : Architecture
        The candidate.
    X_train, y_train : ndarray
        S', encoded labels.
    X_val, y_val : ndarray
        V', encoded labels.
    seed : int
        Seed of the candidate's training.
    config : TrainingConfig
        The training recipe.

    Returns
    -------
    float
        Fraction of V' misclassified.
    """
    config = replace(config, device=candidate_device(config.device))
    with _candidate_stream(config.device):
        net = train_net_with_oom_retry(architecture, config, X_train, y_train, seed)
        predicted = predict_proba(net, X_val).argmax(axis=1)
    return float(np.mean(predicted != y_val))
