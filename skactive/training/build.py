"""The recipe as a skorch net: the network of an Architecture, its loss and its optimizer."""

from __future__ import annotations

import numpy as np
import torch
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR

from ..networks import HomogeneousNet
from ..search_space import Architecture
from .config import OPTIMIZERS, TrainingConfig, resolve_precision, resolve_weight_decay
from .data import DeviceBatchIterator
from .net import DeviceNeuralNet, DeviceNeuralNetClassifier, DeviceNeuralNetRegressor

REGRESSION_LOSSES = {"squared_error": torch.nn.MSELoss, "huber": torch.nn.HuberLoss}
"""Losses of a regression network by name (``TrainingConfig(loss=...)``). Targets are
standardised first, so Huber's threshold of 1 is one standard deviation of the labeled
targets."""


def build_net(
    architecture: Architecture, config: TrainingConfig, seed: int = 0
) -> DeviceNeuralNet:
    """Return an untrained skorch net for ``architecture``.

    A classifier under cross-entropy when ``config.loss`` is ``"cross_entropy"``; otherwise a
    regressor under that loss of :data:`REGRESSION_LOSSES`, with ``config.n_classes`` outputs.

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
    DeviceNeuralNetClassifier or DeviceNeuralNetRegressor
        Not yet initialised; :func:`train_net` initialises and fits it.

    Examples
    --------
    >>> from skactive import Architecture
    >>> from skactive.training import TrainingConfig, build_net
    >>> config = TrainingConfig(input_shape=(4,), n_classes=2, loss="huber")
    >>> type(build_net(Architecture("mlp", 1, 1), config)).__name__
    'DeviceNeuralNetRegressor'
    """
    # An impossible precision fails here, before anything trains.
    resolve_precision(config.precision, config.device)
    optimizer = OPTIMIZERS[config.optimizer]
    weight_decay = resolve_weight_decay(config.weight_decay, config.optimizer, config.loss)
    optimizer_kwargs = {"optimizer__weight_decay": weight_decay}
    if config.optimizer == "sgd":
        optimizer_kwargs.update(optimizer__momentum=0.9, optimizer__nesterov=True)
    # One fused kernel per step instead of a loop over parameters, on every device (torch's
    # fused AdamW and SGD run on the CPU too).
    optimizer_kwargs["optimizer__fused"] = True
    if config.classifies:
        task = {
            "criterion": torch.nn.CrossEntropyLoss,
            "classes": np.arange(config.n_classes),
            "iterator_train__mixup": config.mixup,
            "iterator_train__n_classes": config.n_classes,
        }
        net_class = DeviceNeuralNetClassifier
    else:
        task = {"criterion": REGRESSION_LOSSES[config.loss]}
        net_class = DeviceNeuralNetRegressor
    return net_class(
        HomogeneousNet,
        module__architecture=architecture,
        module__input_shape=config.input_shape,
        module__n_classes=config.n_classes,
        module__base_width=config.base_width,
        module__dropout=config.dropout,
        module__pooling=config.pooling,
        module__loss_prediction=config.loss_prediction,
        optimizer=optimizer,
        lr=config.lr,
        max_epochs=config.max_epochs,
        batch_size=config.batch_size,
        iterator_train=DeviceBatchIterator,
        iterator_train__shuffle=True,
        iterator_train__augment=config.augment if architecture.block == "resnet" else False,
        iterator_train__seed=seed,
        iterator_valid=DeviceBatchIterator,
        train_split=None,
        # last_epoch=-1: every fit runs one whole cosine, so a network trained further
        # restarts it (skorch would go on from the number of epochs in its history).
        callbacks=[
            (
                "lr_scheduler",
                LRScheduler(CosineAnnealingLR, T_max=config.max_epochs, last_epoch=-1),
            )
        ],
        device=config.device,
        precision=config.precision,
        compile=config.compile,
        verbose=0,
        **task,
        **optimizer_kwargs,
    )
