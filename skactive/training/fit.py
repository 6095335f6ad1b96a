"""Training one network from its seed, and again with a smaller batch when memory runs out."""

from __future__ import annotations

import contextlib
import gc
import math
import threading
import warnings
from dataclasses import replace

import numpy as np
import torch
from skorch import NeuralNetClassifier

from ..search_space import Architecture
from ..utils import derive_seed
from .build import build_net
from .config import TrainingConfig, full_fp32
from .inference import forward_batches
from .net import DeviceNeuralNetClassifier

_INIT_LOCK = threading.Lock()
"""Serialises the only use of torch's global generator, so threads initialise reproducibly."""


def _fit_epochs(net, config: TrainingConfig, X, y, dropout_seed: int):
    """Run ``net.max_epochs`` epochs of ``partial_fit``, dropout drawn from its own generator."""
    generator = torch.Generator(device=net.device).manual_seed(dropout_seed)
    with net.module_.dropout_generator(generator), full_fp32(config.precision, config.device):
        net.partial_fit(X, y)
    return net


def train_net(
    architecture: Architecture, config: TrainingConfig, X: np.ndarray, y: np.ndarray, seed: int
) -> DeviceNeuralNetClassifier:
    """Build and train the network of ``architecture`` on ``(X, y)``.

    Initialisation draws from torch's global generator, seeded inside
    :func:`torch.random.fork_rng` under a lock; batch order, augmentation and dropout draw from
    generators of this network. So a seed gives the same network whether networks train one
    after the other or at once in threads, and the caller's global torch state is untouched.

    A regression network that ends predicting a constant (:func:`constant_output`) trains
    again from the same seed at half the learning rate, up to :data:`CONSTANT_RETRIES` times;
    ``net.lr`` is the rate it trained at.

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
    net = _train_new(architecture, config, X, y, seed)
    if config.classifies:
        return net
    for _ in range(CONSTANT_RETRIES):
        if not constant_output(net, X, y):
            break
        config = replace(config, lr=config.lr / 2)
        net = _train_new(architecture, config, X, y, seed)
    return net


def _train_new(architecture: Architecture, config: TrainingConfig, X, y, seed: int):
    order_seed, dropout_seed = derive_seed(seed, size=2)
    net = build_net(architecture, config.for_samples(len(X)), seed=order_seed)
    # Modules are built on the CPU, so only the CPU generator is seeded (torch.manual_seed would
    # reseed every GPU's generator too).
    with _INIT_LOCK, torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(seed)
        net.initialize()
    return _fit_epochs(net, config, X, y, dropout_seed)


CONSTANT_RETRIES = 3
"""Times :func:`train_net` trains a regression network again, at half the learning rate each
time, while it ends predicting a constant.

The first steps at the peak learning rate can push every unit of a deep residual MLP below zero
at once; its ReLUs then pass no gradient and the network predicts the mean target whatever its
input, with any weight decay, none included. With the regressor's defaults, A(mlp, 2, 4) ended
so on 100 rows of Friedman-1 for 6 of 8 seeds, and on 100 rows of diabetes for 5; trained again
at half the rate, all learned (mean test R² 0.70 and 0.19; A(mlp, 1, 1) reaches 0.34 on
diabetes). A network too small to die, such as A(mlp, 1, 2), trains once as before."""


def constant_output(net: NeuralNetClassifier, X, y) -> bool:
    """Whether a trained regression network predicts a constant over its training samples.

    Parameters
    ----------
    net : DeviceNeuralNetRegressor
        A trained regression network.
    X : ndarray or torch.Tensor of shape (n_samples,) + input_shape, float32
        Its training samples.
    y : ndarray or torch.Tensor of shape (n_samples,) or (n_samples, n_outputs)
        Its training targets.

    Returns
    -------
    bool
        True when, for every output, the predictions spread less than a thousandth of the
        targets' standard deviation, and the targets do vary.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive import Architecture
    >>> from skactive.training import TrainingConfig, constant_output, train_net
    >>> X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    >>> y = X[:, :1].copy()
    >>> config = TrainingConfig(input_shape=(3,), n_classes=1, loss="squared_error")
    >>> constant_output(train_net(Architecture("mlp", 1, 1), config, X, y, seed=0), X, y)
    False
    """
    outputs = forward_batches(net, X, lambda module, x: module(x))
    predicted = outputs.reshape(len(outputs), -1).std(0)
    spread = torch.as_tensor(y).float().cpu().numpy().reshape(len(outputs), -1).std(0)
    return bool(np.any(spread > 0)) and bool(np.all(predicted <= 1e-3 * spread))


def optimizer_steps(net: NeuralNetClassifier) -> int:
    """The optimizer steps a network has taken: its training batches over all epochs.

    Parameters
    ----------
    net : skorch.NeuralNetClassifier
        A trained network.

    Returns
    -------
    int
        Number of batches in ``net.history``.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive import Architecture
    >>> from skactive.training import TrainingConfig, optimizer_steps, train_net
    >>> config = TrainingConfig(input_shape=(4,), n_classes=2, max_epochs=3, batch_size=8)
    >>> X, y = np.zeros((20, 4), dtype=np.float32), np.arange(20) % 2
    >>> optimizer_steps(train_net(Architecture("mlp", 1, 1), config, X, y, seed=0))
    9
    """
    return sum(len(epoch["batches"]) for epoch in net.history)


MIN_CONTINUED_SHARE = 0.25
"""Shortest share of its budget that :func:`continue_training` gives a network.

The learning rate restarts at its peak and the cosine steps once per epoch, so a continuation
of one epoch would train a whole epoch at the peak rate and stop there, undoing the first
training: a winner that had its whole budget as a candidate (``candidate_budget=1.0``) lost
up to 30 points of test accuracy on 200 digits that way."""


def continue_training(
    net: DeviceNeuralNetClassifier,
    config: TrainingConfig,
    X: np.ndarray,
    y: np.ndarray,
    seed: int,
) -> DeviceNeuralNetClassifier:
    """Train a trained network further on ``(X, y)``, to the budget of a network trained anew.

    The search's winner has trained for a short budget on S'; it goes on training on all of
    S for the epochs still missing from the budget that ``config`` gives ``len(X)`` samples,
    and at least :data:`MIN_CONTINUED_SHARE` of that budget, with a fresh cosine schedule from
    the peak learning rate, a warm restart (Loshchilov & Hutter, ICLR 2017), and its
    optimizer's state. Its total number of optimizer steps is about that of a network trained
    from scratch on ``(X, y)`` unless the first budget was over three quarters of it.

    Parameters
    ----------
    net : DeviceNeuralNetClassifier
        A network trained by :func:`train_net`; it is changed in place.
    config : TrainingConfig
        The training recipe of the final network.
    X : ndarray or torch.Tensor of shape (n_samples,) + config.input_shape, float32
        Training samples.
    y : ndarray or torch.Tensor of shape (n_samples,), int64
        Encoded labels in ``[0, config.n_classes)``.
    seed : int
        Seeds shuffling, augmentation and dropout of the further epochs.

    Returns
    -------
    DeviceNeuralNetClassifier
        ``net``, trained further; ``net.history`` holds every epoch, the first ones included,
        and ``net.max_epochs`` their number.
    """
    config = config.for_samples(len(X))
    shortest = math.ceil(MIN_CONTINUED_SHARE * config.max_epochs)
    epochs = max(shortest, config.max_epochs - len(net.history))
    order_seed, dropout_seed = derive_seed(seed, size=2)
    net.set_params(
        max_epochs=epochs,
        batch_size=config.batch_size,
        callbacks__lr_scheduler__T_max=epochs,
    )
    # An iterator's parameters are read when an epoch starts; set_params would rebuild the
    # module for them, as skorch does for any parameter of a component it does not know.
    net.iterator_train__seed = order_seed
    # The cosine starts from the optimizer's current rate, 0 where the last one ended.
    for group in net.optimizer_.param_groups:
        group["lr"] = net.lr
    _fit_epochs(net, config, X, y, dropout_seed)
    # As for a network trained at once, max_epochs is then the number of epochs it trained.
    return net.set_params(max_epochs=len(net.history))


OOM_MIN_BATCH_SIZE = 8
"""Smallest batch size :func:`train_net_with_oom_retry` halves down to before giving up."""


def _release_cuda_memory() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _out_of_memory(error: RuntimeError) -> bool:
    # cuBLAS and cuDNN report a full GPU as plain RuntimeErrors, not as OutOfMemoryError.
    text = str(error)
    return isinstance(error, torch.cuda.OutOfMemoryError) or any(
        sign in text for sign in ("out of memory", "CUBLAS_STATUS_ALLOC_FAILED")
    )


class _TrainingGate:
    """Trainings run side by side; a retry after running out of memory beside others, alone."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._running = 0
        self._alone = False

    @contextlib.contextmanager
    def enter(self, alone: bool):
        with self._condition:
            self._condition.wait_for(lambda: not self._alone)
            if alone:
                self._alone = True
                self._condition.wait_for(lambda: self._running == 0)
            self._running += 1
        try:
            yield
        finally:
            with self._condition:
                self._running -= 1
                if alone:
                    self._alone = False
                self._condition.notify_all()

    def crowded(self) -> bool:
        with self._condition:
            return self._running > 1


_GATE = _TrainingGate()


def train_net_with_oom_retry(
    architecture: Architecture,
    config: TrainingConfig,
    X: np.ndarray,
    y: np.ndarray,
    seed: int,
    *,
    warm_start: DeviceNeuralNetClassifier | None = None,
) -> NeuralNetClassifier:
    """:func:`train_net`, retried with half the batch size when the GPU runs out of memory.

    A candidate of the search can be much larger than the networks before it, so a batch size
    that fitted in GPU memory may stop fitting. On :class:`torch.cuda.OutOfMemoryError`, or a
    ``RuntimeError`` of cuBLAS or cuDNN saying the same ("out of memory",
    "CUBLAS_STATUS_ALLOC_FAILED"), the training starts again from scratch with the same seed.
    When other trainings (sibling candidates in threads) were running at that moment, it is
    first retried alone at the same batch size, once they are done, so that the batch size,
    and with it the network and the search's choice, does not depend on timing. Otherwise, or
    when that fails too, it is retried with half the batch size, down to
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
    warm_start : DeviceNeuralNetClassifier or None, default=None
        A trained network of ``architecture`` to go on training
        (:func:`continue_training`) instead of a new one. If that runs out of memory, a new
        network trains as above, with a ``RuntimeWarning``; if it ends a regression network
        predicting a constant (:func:`constant_output`), a new network trains too.

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
    if warm_start is not None:
        net = None
        try:
            net = continue_training(warm_start, config, X, y, seed)
        except RuntimeError as err:
            if not _out_of_memory(err):
                raise
        if net is None:
            _release_cuda_memory()
            warnings.warn(
                f"Out of memory on {config.device} going on training {architecture} with "
                f"batch_size={config.batch_size}; training a new network instead.",
                RuntimeWarning,
                stacklevel=2,
            )
        elif config.classifies or not constant_output(net, X, y):
            return net
        # A regression network that ended constant going on trains anew, with train_net's
        # retries.
    batch_size, alone = config.batch_size, False
    while True:
        crowded = False
        try:
            with _GATE.enter(alone):
                try:
                    return train_net(
                        architecture, replace(config, batch_size=batch_size), X, y, seed
                    )
                except RuntimeError as err:
                    crowded = _out_of_memory(err) and _GATE.crowded()
                    raise
        except RuntimeError as err:
            if not _out_of_memory(err):
                raise
            retry_alone = crowded and not alone
            if not retry_alone and batch_size <= OOM_MIN_BATCH_SIZE:
                raise torch.cuda.OutOfMemoryError(
                    f"Out of memory on {config.device} training {architecture} with "
                    f"batch_size={batch_size}, even after halving batch_size from "
                    f"{config.batch_size}; use a smaller max_blocks/max_stacks or base_width, "
                    f"or another device. ({err})"
                ) from err
        # Outside the except block the failed attempt's traceback, and with it the network
        # and batch it holds on the GPU, can be freed before the next attempt.
        _release_cuda_memory()
        if retry_alone:
            # Other trainings held memory too: the same batch may fit once they are done, and
            # then the result does not depend on what ran beside it.
            alone = True
            warnings.warn(
                f"Out of memory on {config.device} training {architecture} with "
                f"batch_size={batch_size} beside other trainings; retrying alone.",
                RuntimeWarning,
                stacklevel=2,
            )
            continue
        smaller = max(OOM_MIN_BATCH_SIZE, batch_size // 2)
        warnings.warn(
            f"Out of memory on {config.device} training {architecture} with "
            f"batch_size={batch_size}; retrying with batch_size={smaller}.",
            RuntimeWarning,
            stacklevel=2,
        )
        batch_size = smaller
