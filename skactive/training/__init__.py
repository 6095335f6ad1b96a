"""Turning an Architecture and labeled data into a trained skorch network.

Every network of the search, candidate or final, is trained by :func:`train_net` with one
:class:`TrainingConfig`; all its randomness comes from the seed it is given. The modules, one
concern each: :mod:`~skactive.training.config` (the recipe and the budget rule),
:mod:`~skactive.training.augment`, :mod:`~skactive.training.data` (the data on the device),
:mod:`~skactive.training.net` (the skorch subclasses), :mod:`~skactive.training.build`
(the recipe as a net), :mod:`~skactive.training.fit` (training, and the retries when memory
runs out or a regression network ends constant), :mod:`~skactive.training.inference` and
:mod:`~skactive.training.candidates` (the candidates of a search step). How it works and what
it costs: the engine page of the documentation.
"""

from .augment import crop_padding, draw_mixup, mixup_batch, random_crop, random_hflip
from .build import REGRESSION_LOSSES, build_net
from .candidates import (
    CandidateTrainer,
    candidate_device,
    candidate_parallel_config,
    train_and_score,
    validation_error,
)
from .config import (
    AUTO_BATCH_SIZE_RANGE,
    AUTO_BATCHES_PER_EPOCH,
    AUTO_MIN_EPOCHS,
    MIN_STEPS,
    OPTIMIZERS,
    PRECISIONS,
    REGRESSION_MIN_STEPS,
    REGRESSION_WEIGHT_DECAYS,
    WEIGHT_DECAYS,
    TrainingConfig,
    candidate_devices,
    device_type,
    full_fp32,
    resolve_device,
    resolve_precision,
    resolve_weight_decay,
    training_budget,
)
from .data import DeviceBatchIterator, DeviceDataset
from .fit import (
    CONSTANT_RETRIES,
    MIN_CONTINUED_SHARE,
    OOM_MIN_BATCH_SIZE,
    constant_output,
    continue_training,
    optimizer_steps,
    train_net,
    train_net_with_oom_retry,
)
from .inference import (
    INFERENCE_BATCH_SIZE,
    forward_batches,
    network_features,
    network_proba,
)
from .net import DeviceNeuralNet, DeviceNeuralNetClassifier, DeviceNeuralNetRegressor

__all__ = [
    "AUTO_BATCHES_PER_EPOCH",
    "AUTO_BATCH_SIZE_RANGE",
    "AUTO_MIN_EPOCHS",
    "CONSTANT_RETRIES",
    "CandidateTrainer",
    "DeviceBatchIterator",
    "DeviceDataset",
    "DeviceNeuralNet",
    "DeviceNeuralNetClassifier",
    "DeviceNeuralNetRegressor",
    "INFERENCE_BATCH_SIZE",
    "MIN_CONTINUED_SHARE",
    "MIN_STEPS",
    "OOM_MIN_BATCH_SIZE",
    "OPTIMIZERS",
    "PRECISIONS",
    "REGRESSION_LOSSES",
    "REGRESSION_MIN_STEPS",
    "REGRESSION_WEIGHT_DECAYS",
    "TrainingConfig",
    "WEIGHT_DECAYS",
    "build_net",
    "candidate_device",
    "candidate_devices",
    "candidate_parallel_config",
    "constant_output",
    "continue_training",
    "crop_padding",
    "device_type",
    "draw_mixup",
    "network_features",
    "optimizer_steps",
    "forward_batches",
    "full_fp32",
    "mixup_batch",
    "network_proba",
    "random_crop",
    "random_hflip",
    "resolve_device",
    "resolve_precision",
    "resolve_weight_decay",
    "train_net",
    "train_net_with_oom_retry",
    "training_budget",
    "train_and_score",
    "validation_error",
]
