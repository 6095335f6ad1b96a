"""The training recipe: its configuration, device and precision, and the budget rule."""

from __future__ import annotations

import contextlib
import functools
import math
from dataclasses import dataclass, replace
from numbers import Integral

import torch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..networks import DEFAULT_BASE_WIDTH, DEFAULT_DROPOUT, DEFAULT_POOLING

OPTIMIZERS = {"adamw": torch.optim.AdamW, "adam": torch.optim.Adam, "sgd": torch.optim.SGD}
"""Optimizers accepted by name in ``ActiveINASClassifier(optimizer=...)``."""

WEIGHT_DECAYS = {"adamw": 0.05, "adam": 5e-4, "sgd": 5e-4}
"""Weight decay of ``weight_decay="auto"``, by optimizer. AdamW's decay is decoupled: each step
shrinks the weights by ``lr * weight_decay``, 5e-4 at the default learning rate of 0.01 (a
decay of 5e-4 would shrink them by 5e-6, nothing); Adam and SGD add ``weight_decay * w`` to the
gradient, where 5e-4 is the usual setting and 0.05 would swamp it."""

REGRESSION_WEIGHT_DECAYS = {**WEIGHT_DECAYS, "adamw": 2.0}
"""Weight decay of ``weight_decay="auto"`` under a regression loss, by optimizer. Noisy targets
on a few hundred rows, with no augmentation to hold a network back, are fitted to their noise
by AdamW's classification decay: on 100 rows of scikit-learn's diabetes data the default
regressor reached a test R² of 0.07 where ridge regression reaches 0.34. A decay of 2.0 (each
step shrinks the weights by 2% at the peak learning rate), with
:data:`REGRESSION_MIN_STEPS`, lifts it to 0.32 and keeps the network ahead of ridge on
nonlinear targets (friedman1, 200 rows: 0.82 against 0.71; mean of 3 seeds), though below the
old recipe there (0.85 at 200 rows; 0.76 against 0.70 at 100, 0.90 against 0.88 at 500). Adam
and SGD keep their classification decay, unmeasured for regression."""

PRECISIONS = ("auto", "bf16", "fp32")
"""Values of ``ActiveINASClassifier(precision=...)``."""


def resolve_device(device: str) -> str:
    """A concrete torch device: ``"auto"`` and a bare ``"cuda"`` become ``"cuda:k"``.

    ``k`` is the current CUDA device of the calling thread (``torch.cuda.set_device``), read
    once here, so that work later done in other threads (candidates) lands on the same GPU
    rather than on each thread's own current device, GPU 0.

    Parameters
    ----------
    device : str
        ``"auto"`` (CUDA when a GPU is visible, else the CPU) or any torch device string such
        as ``"cpu"``, ``"cuda"`` or ``"cuda:1"``.

    Returns
    -------
    str
        ``"cpu"``, ``"cuda:k"`` or ``device`` unchanged when it names an index or another type.
    """
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        return f"cuda:{torch.cuda.current_device()}"
    return device


def resolve_weight_decay(
    weight_decay: float | str, optimizer: str, loss: str = "cross_entropy"
) -> float:
    """The weight decay of a recipe: ``"auto"`` is :data:`WEIGHT_DECAYS` of the optimizer.

    Under a regression loss, ``"auto"`` is :data:`REGRESSION_WEIGHT_DECAYS` of the optimizer.

    Parameters
    ----------
    weight_decay : float or "auto"
        The recipe's setting; a number is returned as given.
    optimizer : {"adamw", "adam", "sgd"}
        The recipe's optimizer.
    loss : str, default="cross_entropy"
        The recipe's loss: ``"cross_entropy"`` or a regression loss.

    Returns
    -------
    float
        The weight decay the optimizer is built with.

    Examples
    --------
    >>> from skactive.training import resolve_weight_decay
    >>> resolve_weight_decay("auto", "adamw"), resolve_weight_decay("auto", "sgd")
    (0.05, 0.0005)
    >>> resolve_weight_decay("auto", "adamw", loss="squared_error")
    2.0
    >>> resolve_weight_decay(0.0, "adamw")
    0.0
    """
    if weight_decay != "auto":
        return float(weight_decay)
    decays = WEIGHT_DECAYS if loss == "cross_entropy" else REGRESSION_WEIGHT_DECAYS
    return decays[optimizer]


def device_type(device: str) -> str:
    """``"cuda"`` or ``"cpu"`` (or another torch device type) for a ``device`` parameter.

    Unlike :func:`resolve_device` it touches no GPU, so it answers on any machine.

    Parameters
    ----------
    device : str
        ``"auto"`` or a torch device string.

    Returns
    -------
    str
        The device type.

    Examples
    --------
    >>> from skactive.training import device_type
    >>> device_type("cuda:1"), device_type("cpu")
    ('cuda', 'cpu')
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device).type


def candidate_devices(device: str) -> tuple[str, ...]:
    """The GPUs the candidates of a search step go to in turn, for the estimator's ``device``.

    With ``"auto"`` or a bare ``"cuda"`` and several visible GPUs, every one of them; with any
    other device (``"cuda:1"`` included), none: candidates then train on the resolved device.

    Parameters
    ----------
    device : str
        The estimator's ``device`` parameter, before :func:`resolve_device`.

    Returns
    -------
    tuple of str
        ``("cuda:0", "cuda:1", ...)`` or ``()``.

    Examples
    --------
    >>> from skactive.training import candidate_devices
    >>> candidate_devices("cpu"), candidate_devices("cuda:1")
    ((), ())
    """
    if device not in ("auto", "cuda") or not torch.cuda.is_available():
        return ()
    count = torch.cuda.device_count()
    return tuple(f"cuda:{k}" for k in range(count)) if count > 1 else ()


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

    Raises
    ------
    ValueError
        For ``"bf16"`` on a CUDA device without native bfloat16 (before Ampere).

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
    native = _native_bf16(str(device))
    if precision == "bf16" and torch.device(device).type == "cuda" and not native:
        # Autocast would raise or emulate bf16 slowly on such a GPU (a V100 or T4, say).
        raise ValueError(
            f"precision='bf16' needs a GPU with native bfloat16 (compute capability 8.0 or "
            f"later), which {device} is not; use precision='auto' or 'fp32'."
        )
    if precision != "auto":
        return precision
    return "bf16" if native else "fp32"


@contextlib.contextmanager
def full_fp32(precision: str, device: str):
    """Run the block in true float32 on CUDA when ``precision`` resolves to ``"fp32"``.

    cuDNN computes float32 convolutions in TF32 by default (and matrix products may be set to),
    about three decimal digits: ``precision="fp32"`` would not mean what it says. Within the
    block both are off; the caller's settings come back after it. Elsewhere (the CPU, bf16) it
    changes nothing.

    Parameters
    ----------
    precision : {"auto", "bf16", "fp32"}
        The requested precision, resolved with :func:`resolve_precision`.
    device : str
        The torch device.

    Yields
    ------
    None
    """
    if torch.device(device).type != "cuda" or resolve_precision(precision, device) != "fp32":
        yield
        return
    matmul = torch.backends.cuda.matmul.allow_tf32
    cudnn = torch.backends.cudnn
    try:
        torch.backends.cuda.matmul.allow_tf32 = False
        with cudnn.flags(
            enabled=cudnn.enabled,
            benchmark=cudnn.benchmark,
            deterministic=cudnn.deterministic,
            allow_tf32=False,
        ):
            yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = matmul


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

MIN_STEPS = 1200
"""Default optimizer steps that ``max_epochs="auto"`` guarantees each training: the 30 epochs of
40 batches of 128 that 5,000 labels get anyway, so the rule adds steps below 5,000 labels only.
With randomly cropped images, 1,200 steps instead of 800 lift A(resnet, 1, 1), A(resnet, 1, 2)
and the defaults by 0.7 to 1.3 points on 100 digits (mean of 5 seeds)."""

REGRESSION_MIN_STEPS = 600
"""Default ``min_steps`` of :class:`~skactive.ActiveINASRegressor`: half the classifier's. Rows
are not augmented, so 1,200 steps on 100 rows (172 epochs) fit their noise; with
:data:`REGRESSION_WEIGHT_DECAYS` it also halves the training time."""


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "min_steps": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
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

    So 100 samples train for 172 epochs of 16 (1,204 steps), 1,000 samples for 150 epochs of
    125, and from 5,000 samples on the rule gives 30 epochs of 128, at least ``min_steps``
    steps.

    Parameters
    ----------
    n_samples : int
        Size of the training set.
    max_epochs : int or "auto", default="auto"
        Passes over the training set.
    batch_size : int or "auto", default="auto"
        Samples per optimizer step.
    min_steps : int, default=1200
        Optimizer steps that ``max_epochs="auto"`` guarantees.

    Returns
    -------
    max_epochs, batch_size : int
        The resolved budget.

    Examples
    --------
    >>> from skactive.training import training_budget
    >>> training_budget(100), training_budget(1000), training_budget(5000)
    ((172, 16), (150, 125), (30, 128))
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
        Number of outputs: classes, or regression targets.
    base_width : int, default=16
        Width of the first stack.
    dropout : float, default=0.25
        Dropout before the linear head.
    max_epochs : int or "auto", default="auto"
        Passes over the training data; ``"auto"`` follows :func:`training_budget`.
    batch_size : int or "auto", default="auto"
        Samples per optimisation step; ``"auto"`` follows :func:`training_budget`.
    min_steps : int, default=1200
        Optimizer steps that ``max_epochs="auto"`` guarantees.
    pooling : {"pyramid", "global"}, default="pyramid"
        Pooling of the last stack, see :class:`~skactive.networks.HomogeneousNet`.
    lr : float, default=1e-2
        Peak learning rate, decayed to zero along a cosine.
    optimizer : {"adamw", "adam", "sgd"}, default="adamw"
        Optimizer; SGD uses Nesterov momentum 0.9.
    weight_decay : float or "auto", default="auto"
        L2 penalty (decoupled for AdamW); ``"auto"`` follows :func:`resolve_weight_decay`
        for ``loss``.
    device : str, default="cpu"
        Torch device to train on.
    precision : {"auto", "bf16", "fp32"}, default="auto"
        Autocast of the forward pass, see :func:`resolve_precision`.
    augment : bool or "crop", default="crop"
        Augmentation of image batches (``resnet`` block only): ``"crop"`` random crops,
        True crops and horizontal flips, False none.
    mixup : float or None, default=None
        Mixup training: with a float ``alpha > 0``, every training batch also trains on as
        many virtual samples, each sample mixed with a partner of its batch at a ratio drawn
        from ``Beta(alpha, alpha)``, under their soft labels (see
        :class:`~skactive.training.DeviceBatchIterator`); None trains on the labels only.
    loss_prediction : bool, default=False
        Give every network a loss-prediction head
        (:class:`~skactive.loss_prediction.LossPredictionHead`), trained jointly with it
        (:class:`~skactive.training.DeviceNeuralNetClassifier`), for
        :func:`skactive.strategies.loss_prediction`.
    compile : bool, default=False
        Compile the module with :func:`torch.compile`.
    loss : {"cross_entropy", "squared_error", "huber"}, default="cross_entropy"
        The training loss: cross-entropy over ``n_classes`` classes, or a regression loss
        over ``n_classes`` standardised targets (:data:`~skactive.training.REGRESSION_LOSSES`).
    candidate_devices : tuple of str, default=()
        GPUs the candidates of a search step go to in turn (:func:`candidate_devices`);
        empty: every candidate trains on ``device``.
    budget_fraction : float, default=1.0
        Fraction of the budget's epochs this training gets, at least one: the search's
        candidates train for a fraction of what the final network gets.
    """

    input_shape: tuple[int, ...]
    n_classes: int
    base_width: int = DEFAULT_BASE_WIDTH
    dropout: float = DEFAULT_DROPOUT
    max_epochs: int | str = "auto"
    batch_size: int | str = "auto"
    min_steps: int = MIN_STEPS
    pooling: str = DEFAULT_POOLING
    lr: float = 1e-2
    optimizer: str = "adamw"
    weight_decay: float | str = "auto"
    device: str = "cpu"
    precision: str = "auto"
    augment: bool | str = "crop"
    mixup: float | None = None
    loss_prediction: bool = False
    compile: bool = False
    loss: str = "cross_entropy"
    candidate_devices: tuple[str, ...] = ()
    budget_fraction: float = 1.0

    @property
    def classifies(self) -> bool:
        """Whether the recipe trains a classifier (cross-entropy) rather than a regressor."""
        return self.loss == "cross_entropy"

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
            (:func:`training_budget`), ``max_epochs`` scaled by ``budget_fraction`` (which is
            then 1).
        """
        epochs, batch_size = training_budget(
            n_samples, self.max_epochs, self.batch_size, self.min_steps
        )
        epochs = max(1, math.ceil(self.budget_fraction * epochs))
        return replace(self, max_epochs=epochs, batch_size=batch_size, budget_fraction=1.0)
