"""ActiveINASClassifier: Active-iNAS as a scikit-learn estimator with modAL's query/teach."""

from __future__ import annotations

import contextlib
import math
import os
import time
import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.exceptions import DeviceWarning

from .checkpoint import Checkpoint, CheckpointStore
from .inas import inas
from .pool import check_lazy_pool, is_lazy_pool, take_rows
from .search_space import BLOCKS, POOLINGS, Architecture, resolve_block
from .strategies import STRATEGIES, accepts_random_state, check_n_instances, resolve_strategy
from .training import (
    OPTIMIZERS,
    PRECISIONS,
    TrainingConfig,
    build_net,
    candidate_parallel_config,
    embed,
    forward_batches,
    predict_proba,
    resolve_device,
    train_net_with_oom_retry,
    validation_error,
)
from .utils import draw_seed

_INPUT_ATTRIBUTES = ("n_features_in_", "feature_names_in_")


def _append_labels(y_old: np.ndarray, y_new: np.ndarray) -> np.ndarray:
    """``y_old`` followed by ``y_new``, refusing labels of another type.

    numpy would silently turn integers taught to a string-labeled set into strings (a class "3"
    beside "digit3"), and floats taught to an integer-labeled set into floats.
    """
    text_old, text_new = y_old.dtype.kind in "UO", y_new.dtype.kind in "UO"
    if text_old != text_new or (
        not text_old and np.result_type(y_old.dtype, y_new.dtype).kind != y_old.dtype.kind
    ):
        raise TypeError(
            f"y has labels of dtype {y_new.dtype}, but the labeled set holds labels of dtype "
            f"{y_old.dtype}; teach labels of the same type."
        )
    return np.concatenate([y_old, y_new])


class ActiveINASClassifier(ClassifierMixin, BaseEstimator):
    """Deep active learner whose network architecture grows with the labeled set.

    Active-iNAS (Geifman & El-Yaniv, NeurIPS 2019): every time labels arrive (``fit``,
    ``teach``), an incremental architecture search (iNAS) starts from the current architecture
    A(B, i, j), trains the candidates A(B, i, j), A(B, ⌊ij/(j+1)⌋+1, j+1) and A(B, i+1, j) on
    part of the labeled set, keeps the one with the lowest validation error, and then trains
    the winner on all labels. ``query`` picks the pool samples to label next.

    Parameters
    ----------
    block : {"auto", "resnet", "resnet1d", "mlp"}, default="auto"
        Block type B. ``"auto"`` picks ``"resnet"`` for images (4-D input or a 3-D
        ``input_shape``), ``"resnet1d"`` for sequences (3-D input or a 2-D ``input_shape``) and
        ``"mlp"`` for flat features.
    initial_architecture : tuple of (int, int) or Architecture, default=(1, 1)
        Where the first search starts, as (n_blocks, n_stacks) or an Architecture.
    max_blocks : int, default=12
        Largest number of blocks per stack in the search space.
    max_stacks : int, default=5
        Largest number of stacks in the search space.
    inas_iterations : int, default=1
        T_iNAS, the largest number of search steps per fit or teach. 0 freezes the
        architecture at ``initial_architecture``: a fixed-network baseline.
    validation_fraction : float, default=0.2
        Fraction of the labeled set held out to compare candidates.
    query_strategy : str or callable, default="softmax_response"
        Strategy used by :meth:`query`: a name of ``skactive.strategies.STRATEGIES`` or a
        function ``f(classifier, X_pool, n_instances, **kwargs) -> (indices, samples)``.
    input_shape : tuple of int or None, default=None
        Shape of one sample as the network sees it, e.g. ``(1, 8, 8)`` to read flat rows of
        64 pixels as images. ``None`` uses the shape of the input.
    base_width : int, default=16
        Channels (or units) of the first stack; each new stack doubles it, up to 8 times.
    dropout : float, default=0.25
        Dropout before the linear head; MC-dropout samples it.
    pooling : {"pyramid", "global"}, default="pyramid"
        How ``resnet`` and ``resnet1d`` networks pool their last stack before the head.
        ``"pyramid"`` concatenates the global average of each channel with its averages over
        a 2x2 grid (2 halves of a sequence), so a small network still knows where a feature
        lies; ``"global"`` is ResNet's global average (with ``base_width=64``,
        A(resnet, 2, 4) is then exactly ResNet-18). Ignored by ``mlp``.
    max_epochs : int or "auto", default="auto"
        Training epochs of every candidate and of the final network. ``"auto"`` gives each
        training enough epochs for ``min_steps`` optimizer steps on its own training set, and
        at least 30 (:func:`skactive.training.training_budget`): 100 labels train for 115
        epochs, 5,000 for 30. An integer is used as given.
    batch_size : int or "auto", default="auto"
        Training batch size. ``"auto"`` is the training set's size divided by 8, clipped to
        [16, 128]; an integer is used as given. When a network does not fit in GPU memory,
        its training is retried with half the batch size, with a warning (see
        :func:`skactive.training.train_net_with_oom_retry`).
    min_steps : int, default=800
        Optimizer steps that ``max_epochs="auto"`` guarantees each training; ignored when
        ``max_epochs`` is an integer.
    lr : float, default=1e-2
        Peak learning rate, decayed along a cosine.
    optimizer : {"adamw", "adam", "sgd"}, default="adamw"
        Optimizer of every network.
    weight_decay : float, default=5e-4
        Weight decay of the optimizer.
    device : str, default="auto"
        Torch device; ``"auto"`` trains on CUDA when it is available, else on the CPU. With
        ``"cuda"`` and several GPUs, the candidates of a search step go to the GPUs in turn.
    precision : {"auto", "bf16", "fp32"}, default="auto"
        Autocast of every forward pass, training and inference: ``"auto"`` is bfloat16 on a
        GPU that supports it and float32 on the CPU. Weights stay in float32.
    augment : bool, default=False
        Random crops (zero padding of one eighth of the side) and horizontal flips of each
        training batch, drawn on the device. Only for the ``"resnet"`` block on images; off by
        default because flips change the meaning of digits and text.
    compile : bool, default=False
        Compile every network with :func:`torch.compile`: faster steps after tens of seconds
        of compilation per architecture, worth it for long trainings only.
    warm_start : bool, default=False
        When True and already fitted, ``fit`` starts the search at ``architecture_`` instead of
        ``initial_architecture``, so a loop that refits on the whole labeled set (modAL's
        ``ActiveLearner``) still gets a search whose depth never decreases.
    n_jobs : int or None, default=None
        Candidates trained at once through joblib. None on CUDA (outside any
        ``joblib.parallel_config``) trains a step's candidates concurrently in threads, each
        on its own CUDA stream; None on the CPU trains them one after the other.
    checkpoint_dir : str, path-like or None, default=None
        Directory of a durable checkpoint. ``fit`` and ``teach`` write the new labels there
        (temporary file, fsync, atomic rename) before any training starts, and the
        architecture, search history and weights once training has finished, so a process
        killed at any moment loses no label: :meth:`from_checkpoint` restores them. The
        labeled set in a checkpoint is only ever appended to: ``fit`` refuses a directory
        holding labels that are not the first ones of its ``(X, y)``. Nothing is pickled.
        Each ``fit`` and ``teach`` locks the directory until its model is saved, so another
        estimator or process writing there meanwhile gets a
        :class:`~skactive.checkpoint.CheckpointLockedError` (see :mod:`skactive.checkpoint`).
    random_state : int, RandomState instance or None, default=None
        Seeds the splits, the networks' training and the randomised queries; an int gives
        the same architectures, predictions and queries on every run on the CPU.
    verbose : int, default=0
        Print one line per search when positive.

    Attributes
    ----------
    architecture_ : Architecture
        The architecture of the current network.
    architecture_history_ : list of Architecture
        The architecture chosen by each fit and teach, in order.
    history_ : list of dict
        One entry per search: ``n_labeled``, ``start``, ``architecture``, ``candidates`` (the
        log of :func:`skactive.inas.inas`: step, architecture, validation error, seconds,
        chosen), ``search_seconds`` and ``train_seconds``.
    net_ : skorch.NeuralNetClassifier
        The network trained on the whole labeled set.
    classes_ : ndarray of shape (n_classes,)
        Class labels seen so far, sorted.
    n_features_in_ : int
        Number of features (second dimension of the input).
    input_shape_ : tuple of int
        Shape of one sample as the network sees it.
    device_ : str
        Torch device the network was trained on.
    X_training_ : ndarray
        The labeled samples, in arrival order.
    y_training_ : ndarray of shape (n_labeled,)
        Their labels, in arrival order.

    See Also
    --------
    skactive.inas.inas : The architecture search on its own.
    skactive.strategies : Query strategies usable with ``query_strategy``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), max_epochs=2, base_width=4,
    ...                            random_state=0)
    >>> clf = clf.fit(X[:60], y[:60])
    >>> indices, samples = clf.query(X[60:300], n_instances=5)
    >>> clf = clf.teach(samples, y[60:300][indices])
    >>> len(clf.y_training_)
    65
    >>> clf.architecture_history_[0] <= clf.architecture_history_[1]
    True
    """

    _parameter_constraints: dict = {
        "block": [StrOptions({"auto", *BLOCKS})],
        "initial_architecture": [tuple, Architecture],
        "max_blocks": [Interval(Integral, 1, None, closed="left")],
        "max_stacks": [Interval(Integral, 1, None, closed="left")],
        "inas_iterations": [Interval(Integral, 0, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "query_strategy": [StrOptions(set(STRATEGIES)), callable],
        "input_shape": [tuple, None],
        "base_width": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "pooling": [StrOptions(set(POOLINGS))],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "min_steps": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "device": [str],
        "precision": [StrOptions(set(PRECISIONS))],
        "augment": ["boolean"],
        "compile": ["boolean"],
        "warm_start": ["boolean"],
        "n_jobs": [Integral, None],
        "checkpoint_dir": [str, os.PathLike, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        block="auto",
        initial_architecture=(1, 1),
        max_blocks=12,
        max_stacks=5,
        inas_iterations=1,
        validation_fraction=0.2,
        query_strategy="softmax_response",
        input_shape=None,
        base_width=16,
        dropout=0.25,
        pooling="pyramid",
        max_epochs="auto",
        batch_size="auto",
        min_steps=800,
        lr=1e-2,
        optimizer="adamw",
        weight_decay=5e-4,
        device="auto",
        precision="auto",
        augment=False,
        compile=False,
        warm_start=False,
        n_jobs=None,
        checkpoint_dir=None,
        random_state=None,
        verbose=0,
    ):
        self.block = block
        self.initial_architecture = initial_architecture
        self.max_blocks = max_blocks
        self.max_stacks = max_stacks
        self.inas_iterations = inas_iterations
        self.validation_fraction = validation_fraction
        self.query_strategy = query_strategy
        self.input_shape = input_shape
        self.base_width = base_width
        self.dropout = dropout
        self.pooling = pooling
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.min_steps = min_steps
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.device = device
        self.precision = precision
        self.augment = augment
        self.compile = compile
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.checkpoint_dir = checkpoint_dir
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ input checks

    def _validate_X(self, X, *, reset: bool):
        X = validate_data(
            self,
            X,
            reset=reset,
            accept_sparse=False,
            allow_nd=True,
            dtype=(np.float64, np.float32),
        )
        if not reset:
            self._check_sample_shape(X)
        return X

    def _check_sample_shape(self, X) -> None:
        """Images or sequences must match the fitted sample shape, not only in channels.

        ``validate_data`` compares the second dimension alone, which for (N, C, H, W) input
        is the channel count, so a batch of another size would be silently reshaped.
        """
        if X.ndim > 2 and tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {tuple(X.shape[1:])}, but the estimator was fitted "
                f"on samples of shape {self.input_shape_}."
            )

    def _validate_Xy(self, X, y, *, reset: bool):
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=False,
            allow_nd=True,
            dtype=(np.float64, np.float32),
        )
        check_classification_targets(y)
        return X, y

    def _network_shape(self, X) -> tuple[int, ...]:
        """Shape of one sample as the network sees it; raises before any state changes."""
        if X.ndim > 2:
            return tuple(X.shape[1:])
        if self.input_shape is None:
            return (X.shape[1],)
        shape = tuple(int(s) for s in self.input_shape)
        if math.prod(shape) != X.shape[1]:
            raise ValueError(
                f"input_shape={shape} holds {math.prod(shape)} values per sample, but X has "
                f"{X.shape[1]} features."
            )
        return shape

    def _start_architecture(self, block: str) -> Architecture:
        if isinstance(self.initial_architecture, Architecture):
            start = self.initial_architecture
        else:
            if len(self.initial_architecture) != 2:
                raise ValueError(
                    "initial_architecture must be (n_blocks, n_stacks) or an Architecture, got "
                    f"{self.initial_architecture!r}."
                )
            start = Architecture(block, *(int(v) for v in self.initial_architecture))
        if start.n_blocks > self.max_blocks or start.n_stacks > self.max_stacks:
            raise ValueError(
                f"initial_architecture {start} lies outside the search space bounded by "
                f"max_blocks={self.max_blocks}, max_stacks={self.max_stacks}."
            )
        return start

    def _as_network_input(self, X) -> np.ndarray:
        return np.asarray(X, dtype=np.float32).reshape(len(X), *self.input_shape_)

    # ------------------------------------------------------------------ search and training

    def _rng(self, n_labeled: int, *, for_query: bool = False) -> np.random.RandomState:
        """A generator for one round: the same seed gives different draws in each round.

        Queries draw from a stream of their own, so a query never reuses the seed that trained
        the network scoring it.
        """
        rng = check_random_state(self.random_state)
        if isinstance(self.random_state, Integral):
            entropy = [int(self.random_state), n_labeled, *([1] if for_query else [])]
            rng = np.random.RandomState(np.random.SeedSequence(entropy).generate_state(1))
        return rng

    def _training_config(self, input_shape, n_classes: int, device: str) -> TrainingConfig:
        return TrainingConfig(
            input_shape=input_shape,
            n_classes=n_classes,
            base_width=self.base_width,
            dropout=self.dropout,
            pooling=self.pooling,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            min_steps=self.min_steps,
            lr=self.lr,
            optimizer=self.optimizer,
            weight_decay=self.weight_decay,
            device=device,
            precision=self.precision,
            augment=self.augment,
            compile=self.compile,
        )

    def _search_and_train(
        self, start: Architecture, input_shape: tuple[int, ...], keep_history: bool = True
    ) -> None:
        """Run iNAS from ``start`` on the labeled set, then train the winner on all of it.

        The fitted attributes change together once the new network is trained, so a training
        that raises (out of memory, an interrupt) leaves the previous model whole: its classes,
        input shape and history still match ``net_``.
        """
        classes = np.unique(self.y_training_)
        device = resolve_device(self.device)
        X = np.asarray(self.X_training_, dtype=np.float32).reshape(-1, *input_shape)
        y = np.searchsorted(classes, self.y_training_).astype(np.int64)
        rng = self._rng(len(y))
        config = self._training_config(input_shape, len(classes), device)
        began = time.perf_counter()
        with candidate_parallel_config(config, self.n_jobs):
            architecture, candidates = inas(
                X,
                y,
                start,
                partial(validation_error, config=config),
                max_blocks=self.max_blocks,
                max_stacks=self.max_stacks,
                n_iterations=self.inas_iterations,
                validation_fraction=self.validation_fraction,
                random_state=rng,
                n_jobs=self.n_jobs,
            )
        searched = time.perf_counter()
        net = train_net_with_oom_retry(architecture, config, X, y, draw_seed(rng))
        keep = keep_history and hasattr(self, "history_")
        history = self.history_ if keep else []
        architectures = self.architecture_history_ if keep else []
        self.net_, self.classes_, self.device_ = net, classes, device
        self.input_shape_ = input_shape
        self.architecture_ = architecture
        self.architecture_history_ = [*architectures, architecture]
        entry = {
            "n_labeled": len(y),
            "start": start,
            "architecture": architecture,
            "candidates": candidates,
            "search_seconds": searched - began,
            "train_seconds": time.perf_counter() - searched,
        }
        self.history_ = [*history, entry]
        if self.verbose:
            print(
                f"[skactive] {len(y)} labels: {start} -> {architecture} "
                f"({len(candidates)} candidates, {entry['search_seconds']:.1f}s search, "
                f"{entry['train_seconds']:.1f}s training)"
            )

    # ------------------------------------------------------------------ public API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Search an architecture on ``(X, y)`` and train it; ``(X, y)`` becomes the labeled set.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
            Labeled samples: flat rows, or images/sequences channels first.
        y : array-like of shape (n_samples,)
            Their labels, of any type that :func:`numpy.unique` sorts.

        Returns
        -------
        self : ActiveINASClassifier
            The fitted estimator.
        """
        warm = self.warm_start and hasattr(self, "architecture_")
        previous = self.architecture_ if warm else None
        seen = {k: self.__dict__[k] for k in _INPUT_ATTRIBUTES if k in self.__dict__}
        with contextlib.ExitStack() as writing:
            try:
                X, y = self._validate_Xy(X, y, reset=True)
                input_shape = self._network_shape(X)
                block = resolve_block(self.block, input_shape)
                start = self._start_architecture(block)
                if previous is not None and previous.block == block and start <= previous:
                    start = previous
                store, round_ = self._commit_labels(
                    writing, X, y, n_new=None, start=start, input_shape=input_shape, keep=warm
                )
            except BaseException:
                # validate_data(reset=True) has already replaced these: a rejected fit must
                # leave a fitted estimator exactly as it was.
                for name in _INPUT_ATTRIBUTES:
                    self.__dict__.pop(name, None)
                self.__dict__.update(seen)
                raise
            self.X_training_ = X.copy()
            self.y_training_ = np.array(y, copy=True)
            self._search_and_train(start, input_shape, keep_history=warm)
            self._save_model(store, round_)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def teach(self, X, y):
        """Add labeled samples, re-run iNAS from ``architecture_`` and retrain.

        The new samples are appended to ``X_training_``/``y_training_`` only after every check
        has passed, so a bad call leaves the labeled set and the model as they were. Labels of
        a class never seen before grow ``classes_`` and the network's output layer.

        Parameters
        ----------
        X : array-like of shape (n_new, n_features) or (n_new,) + input_shape
            Newly labeled samples, e.g. the ``samples`` returned by :meth:`query`.
        y : array-like of shape (n_new,)
            Their labels.

        Returns
        -------
        self : ActiveINASClassifier
            The refitted estimator.
        """
        check_is_fitted(self)
        X, y = self._validate_Xy(X, y, reset=False)
        if X.shape[1:] != self.X_training_.shape[1:]:
            raise ValueError(
                f"X has samples of shape {X.shape[1:]}, but the labeled set holds samples of "
                f"shape {self.X_training_.shape[1:]}."
            )
        y_all = _append_labels(self.y_training_, y)
        X_all = np.concatenate([self.X_training_, X.astype(self.X_training_.dtype)])
        with contextlib.ExitStack() as writing:
            store, round_ = self._commit_labels(
                writing,
                X_all,
                y_all,
                n_new=len(y),
                start=self.architecture_,
                input_shape=self.input_shape_,
                keep=True,
            )
            self.X_training_ = X_all
            self.y_training_ = y_all
            self._search_and_train(self.architecture_, self.input_shape_)
            self._save_model(store, round_)
        return self

    @classmethod
    def from_checkpoint(cls, path, **params):
        """Restore an estimator from the checkpoint in ``path``, losing no label.

        Every label ever taught comes back, in arrival order, with the parameters, the input
        shape and the search history. When the last training had finished, its weights are
        loaded; when it had not (the process died while training on labels that were already
        on disk), the round is trained again from the restored labels, with a ``UserWarning``
        saying so, and the checkpoint is completed, so the estimator returned always predicts.
        That retraining locks the directory like a ``teach``. A checkpoint written with
        ``device="cuda"`` is loaded on the CPU when no GPU is available, with a
        ``DeviceWarning``, as when unpickling; the ``device`` parameter stays as stored.

        Nothing is unpickled: the labels are read with ``np.load(allow_pickle=False)``, the
        metadata is JSON and the weights are read with ``torch.load(weights_only=True)``. A
        damaged or tampered checkpoint raises a ``ValueError`` before anything is built.

        Parameters
        ----------
        path : str or path-like
            A directory written through ``checkpoint_dir``.
        **params
            Parameters replacing the stored ones, e.g. ``device="cpu"``. A callable
            ``query_strategy`` other than a built-in one, or a ``RandomState`` instance as
            ``random_state``, is stored by name only and must be passed again here.
            ``checkpoint_dir`` defaults to ``path``, so later calls keep checkpointing there.

        Returns
        -------
        ActiveINASClassifier
            The fitted estimator.

        Raises
        ------
        ValueError
            If ``path`` holds no checkpoint, a damaged or tampered one, or one whose stored
            parameters must be passed again.
        skactive.checkpoint.CheckpointLockedError
            If the last training must be redone while another process writes to ``path``.

        Examples
        --------
        >>> import tempfile
        >>> from sklearn.datasets import load_digits
        >>> from skactive import ActiveINASClassifier
        >>> X, y = load_digits(return_X_y=True)
        >>> with tempfile.TemporaryDirectory() as path:
        ...     clf = ActiveINASClassifier(max_epochs=2, base_width=4, inas_iterations=0,
        ...                                checkpoint_dir=path, random_state=0)
        ...     clf = clf.fit(X[:50] / 16, y[:50]).teach(X[50:60] / 16, y[50:60])
        ...     restored = ActiveINASClassifier.from_checkpoint(path)
        >>> len(restored.y_training_)
        60
        >>> bool((restored.predict(X[:60] / 16) == clf.predict(X[:60] / 16)).all())
        True
        """
        store = CheckpointStore(path)
        checkpoint = store.read()
        try:
            stored = checkpoint.manifest.estimator_params(params)
        except ValueError as err:
            raise ValueError(f"checkpoint {store.path}: {err}") from err
        stored.setdefault("checkpoint_dir", path)
        try:
            estimator = cls(**stored)
        except TypeError as err:
            raise ValueError(
                f"checkpoint {store.path}: parameters do not fit {cls.__name__}: {err}"
            ) from err
        estimator._validate_params()
        estimator._restore_from(checkpoint, store)
        return estimator

    # ------------------------------------------------------------------ checkpoint

    def _commit_labels(
        self,
        writing: contextlib.ExitStack,
        X: np.ndarray,
        y: np.ndarray,
        *,
        n_new: int | None,
        start: Architecture,
        input_shape: tuple[int, ...],
        keep: bool,
    ) -> tuple[CheckpointStore | None, int | None]:
        """Lock ``checkpoint_dir`` until ``writing`` closes and commit the labeled set to it.

        Returns the store and the round for :meth:`_save_model`, or ``(None, None)`` without
        ``checkpoint_dir``. The lock spans the training too, so that no other estimator
        writes between this round's labels and its model.
        """
        if self.checkpoint_dir is None:
            return None, None
        store = CheckpointStore(self.checkpoint_dir)
        writing.enter_context(store.writing())
        params = self.get_params(deep=False)
        del params["checkpoint_dir"]
        round_ = store.commit_labels(
            X,
            y,
            n_new=n_new,
            params=params,
            feature_names_in=getattr(self, "feature_names_in_", None),
            input_shape=input_shape,
            start=start,
            keep_history=keep,
        )
        return store, round_

    def _save_model(self, store: CheckpointStore | None, round_: int | None) -> None:
        if store is not None:
            store.save_model(
                round_,
                self.net_,
                architecture=self.architecture_,
                architecture_history=self.architecture_history_,
                history=self.history_,
                n_labeled=len(self.y_training_),
                n_classes=len(self.classes_),
            )

    def _restore_from(self, checkpoint: Checkpoint, store: CheckpointStore) -> None:
        """Set the fitted attributes from ``checkpoint``; retrain a round that did not finish."""
        manifest, model = checkpoint.manifest, checkpoint.model
        self.n_features_in_ = manifest.n_features_in
        if manifest.feature_names_in is not None:
            self.feature_names_in_ = np.asarray(manifest.feature_names_in, dtype=object)
        self.input_shape_ = manifest.input_shape
        self.X_training_, self.y_training_ = checkpoint.X, checkpoint.y
        if checkpoint.finished or manifest.history_from_round is not None:
            self.architecture_history_ = list(model.architecture_history)
            self.history_ = model.history
        if checkpoint.finished:
            classes = np.unique(checkpoint.y)
            device = self._restoring_device(store)
            config = self._training_config(self.input_shape_, len(classes), device)
            self.net_ = store.load_weights(model, build_net(model.architecture, config))
            self.classes_, self.device_, self.architecture_ = classes, device, model.architecture
            return
        warnings.warn(
            f"The last training of checkpoint {str(store.path)!r} did not finish (its "
            f"{len(checkpoint.y)} labels are newer than its weights); retraining from the "
            f"restored labels, starting the search at {manifest.start}.",
            UserWarning,
            stacklevel=3,
        )
        with store.writing():
            self._search_and_train(manifest.start, self.input_shape_)
            self._save_model(store, manifest.round)

    def _restoring_device(self, store: CheckpointStore) -> str:
        """The device to load weights onto: the CPU when they were saved for an absent GPU.

        As when unpickling, the ``device`` parameter is left as it was.
        """
        device = resolve_device(self.device)
        if torch.device(device).type == "cuda" and not torch.cuda.is_available():
            warnings.warn(
                f"Checkpoint {str(store.path)!r} was written with device={self.device!r}, but "
                "CUDA is not available: its network is restored on the CPU. Pass "
                "device='cpu' to from_checkpoint to train on the CPU too.",
                DeviceWarning,
                stacklevel=4,
            )
            device = "cpu"
        return device

    def query(self, X_pool, n_instances=1, **query_kwargs):
        """Pick the pool samples to label next with ``query_strategy``.

        Parameters
        ----------
        X_pool : array-like of shape (n_pool, n_features) or (n_pool,) + input_shape
            Unlabeled samples. A NumPy memmap (``np.load(path, mmap_mode="r")``) or a dask
            array is never read whole: the strategy scores it chunk by chunk, validating each
            chunk, on the dask workers for a dask array (see :mod:`skactive.pool`).
        n_instances : int, default=1
            Number of samples to query, between 1 and ``len(X_pool)``.
        **query_kwargs
            Passed to the strategy. Strategies that take ``random_state`` get one derived from
            the estimator's ``random_state`` unless it is given here.

        Returns
        -------
        indices : ndarray of shape (n_instances,)
            Indices into ``X_pool``.
        samples : array-like
            ``X_pool[indices]``, ready to be labeled and passed to :meth:`teach`; a NumPy
            array for a memmap or dask array pool.
        """
        check_is_fitted(self)
        pool = self._query_pool(X_pool)
        n_instances = check_n_instances(n_instances, len(pool))
        strategy = resolve_strategy(self.query_strategy)
        if accepts_random_state(strategy):
            query_kwargs.setdefault(
                "random_state",
                draw_seed(self._rng(len(self.y_training_), for_query=True)),
            )
        indices, _ = strategy(self, pool, n_instances=n_instances, **query_kwargs)
        indices = np.asarray(indices, dtype=np.intp)
        return indices, take_rows(X_pool, indices)

    def _query_pool(self, X_pool):
        """The pool as strategies get it: validated whole, or only shape-checked if lazy.

        A memmap or dask array stays where it is; each chunk is validated as it is scored.
        """
        if is_lazy_pool(X_pool):
            check_lazy_pool(X_pool, self.n_features_in_)
            self._check_sample_shape(X_pool)
            return X_pool
        return self._validate_X(X_pool, reset=False)

    def predict_proba(self, X):
        """Class probabilities of the current network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
            Samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        return predict_proba(self.net_, self.network_input(X))

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,)
            Predicted labels, drawn from ``classes_``.
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def embed(self, X):
        """Penultimate features of the current network, as used by core-set and BADGE.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
            Samples.

        Returns
        -------
        ndarray of shape (n_samples, n_embedding)
            Globally pooled features, the input of the network's dropout head.
        """
        return embed(self.net_, self.network_input(X))

    def network_input(self, X):
        """``X`` checked as :meth:`predict_proba` checks it, and shaped as the network reads it.

        The first step of a query strategy that runs the network itself: a pool is then
        accepted or refused exactly as ``predict_proba`` would.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,) + input_shape_, float32
            The samples as the network's input.
        """
        check_is_fitted(self)
        return self._as_network_input(self._validate_X(X, reset=False))

    def forward_batches(self, X, fn):
        """Apply ``fn(module, batch)`` to ``X`` batch by batch on the network's device.

        The batched forward pass that query strategies build on (core-set's and BADGE's
        features, MC-dropout's stochastic passes): :meth:`network_input`, then
        :func:`skactive.training.forward_batches` on the trained network, with its precision
        and layout, in eval mode and without gradients.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
            Samples.
        fn : callable
            ``fn(module, batch) -> torch.Tensor`` with one row per sample of the batch;
            ``module`` is the trained :class:`~skactive.search_space.HomogeneousNet`.

        Returns
        -------
        ndarray
            The rows of every batch, in sample order, as float32.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skactive import ActiveINASClassifier
        >>> X, y = load_digits(return_X_y=True)
        >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), base_width=4, max_epochs=1,
        ...                            inas_iterations=0, random_state=0).fit(X[:50], y[:50])
        >>> clf.forward_batches(X[:5], lambda module, x: module.features(x)).shape
        (5, 20)
        """
        return forward_batches(self.net_, self.network_input(X), fn)

    def __setstate__(self, state):
        """Restore a pickled estimator, on the CPU when it was fitted on CUDA and none is here.

        skorch already maps the pickled network's weights to the CPU in that case and sets
        ``net_.device`` to ``"cpu"``; ``device_`` follows it so that every later forward pass
        and pool scoring runs where the weights are. The ``device`` parameter is left as it
        was: with the default ``"auto"``, later ``teach`` calls train on the CPU too.
        """
        super().__setstate__(state)
        device = getattr(self, "device_", None)
        if device is not None and device.startswith("cuda") and not torch.cuda.is_available():
            self.device_ = "cpu"
