"""Turning an Architecture and labeled data into a trained skorch network.

Every network of the search, candidate or final, is trained by :func:`train_net` with one
recipe (:class:`TrainingConfig`): AdamW with cosine learning-rate decay over ``max_epochs``,
cross-entropy loss, and all randomness (initialisation, shuffling, dropout) drawn from a seed
inside :func:`torch.random.fork_rng`, so a seed gives the same network without touching the
caller's global torch state.
"""

from __future__ import annotations

import gc
import warnings
from dataclasses import dataclass, replace

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR

from .search_space import Architecture, HomogeneousNet

OPTIMIZERS = {"adamw": torch.optim.AdamW, "adam": torch.optim.Adam, "sgd": torch.optim.SGD}
"""Optimizers accepted by name in ``ActiveINASClassifier(optimizer=...)``."""


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
    dropout : float, default=0.2
        Dropout before the linear head.
    max_epochs : int, default=30
        Passes over the training data.
    batch_size : int, default=128
        Samples per optimisation step.
    lr : float, default=1e-3
        Peak learning rate, decayed to zero along a cosine.
    optimizer : {"adamw", "adam", "sgd"}, default="adamw"
        Optimizer; SGD uses Nesterov momentum 0.9.
    weight_decay : float, default=5e-4
        L2 penalty (decoupled for AdamW).
    device : str, default="cpu"
        Torch device to train on.
    """

    input_shape: tuple[int, ...]
    n_classes: int
    base_width: int = 16
    dropout: float = 0.2
    max_epochs: int = 30
    batch_size: int = 128
    lr: float = 1e-3
    optimizer: str = "adamw"
    weight_decay: float = 5e-4
    device: str = "cpu"


def build_net(architecture: Architecture, config: TrainingConfig) -> NeuralNetClassifier:
    """Return an untrained skorch classifier for ``architecture``.

    Parameters
    ----------
    architecture : Architecture
        The network to build.
    config : TrainingConfig
        The training recipe.

    Returns
    -------
    skorch.NeuralNetClassifier
        Not yet initialised; :func:`train_net` initialises and fits it.
    """
    optimizer_kwargs = {"optimizer__weight_decay": config.weight_decay}
    if config.optimizer == "sgd":
        optimizer_kwargs.update(optimizer__momentum=0.9, optimizer__nesterov=True)
    return NeuralNetClassifier(
        HomogeneousNet,
        module__architecture=architecture,
        module__input_shape=config.input_shape,
        module__n_classes=config.n_classes,
        module__base_width=config.base_width,
        module__dropout=config.dropout,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=OPTIMIZERS[config.optimizer],
        lr=config.lr,
        max_epochs=config.max_epochs,
        batch_size=config.batch_size,
        iterator_train__shuffle=True,
        train_split=None,
        classes=np.arange(config.n_classes),
        callbacks=[("lr_scheduler", LRScheduler(CosineAnnealingLR, T_max=config.max_epochs))],
        device=config.device,
        verbose=0,
        **optimizer_kwargs,
    )


def _forked_rng(device: str):
    devices = []
    if str(device).startswith("cuda") and torch.cuda.is_available():
        devices = [torch.device(device).index or 0]
    return torch.random.fork_rng(devices=devices)


def train_net(
    architecture: Architecture, config: TrainingConfig, X: np.ndarray, y: np.ndarray, seed: int
) -> NeuralNetClassifier:
    """Build and train the network of ``architecture`` on ``(X, y)``.

    Parameters
    ----------
    architecture : Architecture
        The network to train.
    config : TrainingConfig
        The training recipe.
    X : ndarray of shape (n_samples, *config.input_shape), float32
        Training samples.
    y : ndarray of shape (n_samples,), int64
        Encoded labels in ``[0, config.n_classes)``.
    seed : int
        Seeds initialisation, shuffling and dropout.

    Returns
    -------
    skorch.NeuralNetClassifier
        The trained network.
    """
    with _forked_rng(config.device):
        torch.manual_seed(seed)
        net = build_net(architecture, config)
        net.fit(torch.as_tensor(X), torch.as_tensor(y))
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
        The training recipe; its ``batch_size`` is the first one tried.
    X : ndarray of shape (n_samples, *config.input_shape), float32
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
    :func:`torch.inference_mode`; only one batch of ``X`` is on the device at a time.

    Parameters
    ----------
    net : skorch.NeuralNetClassifier
        A trained network; ``net.module_`` is a :class:`~skactive.search_space.HomogeneousNet`.
    X : ndarray of shape (n_samples, *input_shape), float32
        Samples.
    fn : callable
        ``fn(module, batch) -> torch.Tensor`` with one row per sample.

    Returns
    -------
    ndarray of shape (n_samples, ...)
        The rows of ``fn`` for every sample, on the CPU.
    """
    module = net.module_
    module.eval()
    device = torch.device(net.device)
    outputs = []
    with torch.inference_mode():
        for begin in range(0, len(X), INFERENCE_BATCH_SIZE):
            batch = torch.as_tensor(X[begin : begin + INFERENCE_BATCH_SIZE]).to(device)
            outputs.append(fn(module, batch).float().cpu())
    return torch.cat(outputs).numpy()


def predict_proba(net: NeuralNetClassifier, X: np.ndarray) -> np.ndarray:
    """Softmax probabilities of a trained network.

    Parameters
    ----------
    net : skorch.NeuralNetClassifier
        A trained network.
    X : ndarray of shape (n_samples, *input_shape), float32
        Samples.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        Class probabilities.
    """
    return forward_batches(net, X, lambda module, x: torch.softmax(module(x), dim=1))


def embed(net: NeuralNetClassifier, X: np.ndarray) -> np.ndarray:
    """Penultimate features of a trained network.

    Parameters
    ----------
    net : skorch.NeuralNetClassifier
        A trained network.
    X : ndarray of shape (n_samples, *input_shape), float32
        Samples.

    Returns
    -------
    ndarray of shape (n_samples, n_features_out)
        The output of ``module.features``.
    """
    return forward_batches(net, X, lambda module, x: module.features(x))


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

    This is the scoring callable that :func:`skactive.inas.inas` calls for each candidate.

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
    net = train_net_with_oom_retry(architecture, config, X_train, y_train, seed)
    return float(np.mean(predict_proba(net, X_val).argmax(axis=1) != y_val))
