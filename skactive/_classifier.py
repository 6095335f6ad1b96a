"""ActiveINASClassifier: Active-iNAS as a scikit-learn estimator with modAL's query/teach."""

from __future__ import annotations

import contextlib
import os
from dataclasses import fields
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._checkpointing import CheckpointMixin
from ._committee import CommitteeMixin
from ._network import NetworkMixin
from ._search import SearchMixin
from .networks import POOLINGS
from .search_space import BLOCKS, Architecture, resolve_block
from .selective import SelectiveMixin
from .strategies import ORACLE, STRATEGY_NAMES, resolve_strategy
from .training import OPTIMIZERS, PRECISIONS, TrainingConfig, device_type

_INPUT_ATTRIBUTES = ("n_features_in_", "feature_names_in_")

_RECIPE = {field.name: field.default for field in fields(TrainingConfig)}
"""The training recipe's defaults, from their one home: TrainingConfig (and the networks')."""


class ActiveINASClassifier(
    SearchMixin,
    CommitteeMixin,
    NetworkMixin,
    CheckpointMixin,
    SelectiveMixin,
    ClassifierMixin,
    BaseEstimator,
):
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
    min_validation_size : int, default=100
        Labeled samples the search validates on where the labeled set allows: while the
        held-out fraction is smaller, candidates are compared on several disjoint folds, at
        most ``1 / validation_fraction`` (:func:`skactive.inas.validation_splits`). With the
        defaults, 200 labels use 3 folds, 400 use 2, 500 or more one split; 0 is the paper's
        single split.
    candidate_budget : float, default=0.25
        Fraction of the final network's training budget (its epochs, at least one) that each
        candidate of a search step trains for, on its own cosine schedule. 1.0 trains
        candidates as long as the final network, as the paper does.
    reuse_winner : bool, default=True
        When True, the winner of the search goes on training on all labels from where its
        candidate stopped, for the rest of the final budget and at least a quarter of it (a
        warm restart of the schedule), instead of training anew.
        :data:`~skactive.PAPER_SEARCH` (False, ``candidate_budget=1.0``,
        ``min_validation_size=0``) is the paper's search, about 3.4 trainings per round where
        a fixed network needs one; the defaults cost about 1.35 (see the engine page of the
        documentation).
    query_strategy : str or callable, default="softmax_response"
        Strategy used by :meth:`query`: a name of ``skactive.strategies.STRATEGY_NAMES`` (e.g.
        ``"mc_dropout:power"``) or a
        function ``f(classifier, X_pool, n_instances, **kwargs) -> (indices, samples)``.
        ``"auto"`` or a :class:`~skactive.strategies.AutoStrategy` chooses among candidate
        strategies while learning, from the labels its queries bring. ``"oracle"`` is
        refused: the greedy oracle reads true labels, so only simulations run it.
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
        Training epochs of the final network; the search's candidates train for
        ``candidate_budget`` times as many. ``"auto"`` gives enough epochs for ``min_steps``
        optimizer steps on all labels, and at least 30
        (:func:`skactive.training.training_budget`): 100 labels train for 172 epochs, 5,000
        for 30. An integer is used as given.
    batch_size : int or "auto", default="auto"
        Training batch size. ``"auto"`` is the training set's size divided by 8, clipped to
        [16, 128]; an integer is used as given. When a network does not fit in GPU memory,
        its training is retried with half the batch size, with a warning (see
        :func:`skactive.training.train_net_with_oom_retry`).
    min_steps : int, default=1200
        Optimizer steps that ``max_epochs="auto"`` guarantees each training; ignored when
        ``max_epochs`` is an integer.
    lr : float, default=1e-2
        Peak learning rate, decayed along a cosine.
    optimizer : {"adamw", "adam", "sgd"}, default="adamw"
        Optimizer of every network.
    weight_decay : float or "auto", default="auto"
        Weight decay of the optimizer. ``"auto"`` is 0.05 for AdamW, whose decay is
        decoupled (each step shrinks the weights by ``lr * weight_decay``), and 5e-4 for
        Adam and SGD, which add it to the gradient
        (:data:`skactive.training.WEIGHT_DECAYS`).
    device : str, default="auto"
        Torch device; ``"auto"`` trains on CUDA when it is available, else on the CPU. With
        ``"cuda"`` and several GPUs, the candidates of a search step go to the GPUs in turn.
    precision : {"auto", "bf16", "fp32"}, default="auto"
        Autocast of every forward pass, training and inference: ``"auto"`` is bfloat16 on a
        GPU that supports it and float32 on the CPU. Weights stay in float32.
    augment : bool or "crop", default="crop"
        Augmentation of each training batch, drawn on the device, for the ``"resnet"`` block
        on images only. ``"crop"``: random crops (shifts of up to an eighth of the side,
        zero-padded), which lift ResNet-18's layout A(resnet, 2, 4) by 3 to 4 points on 100
        digits; ``True``: crops and horizontal flips, for natural images (CIFAR);
        ``False``: none. Crops alone are the default because a mirrored digit or letter
        is another symbol.
    mixup : float or None, default=None
        Mixup training (Zhang et al., ICLR 2018), for every block: with a float ``alpha > 0``,
        each training batch of labeled samples also trains on as many virtual samples, each
        labeled sample (after its crop) mixed with a partner from the same batch,
        ``lam * x_i + (1 - lam) * x_j`` with ``lam ~ Beta(alpha, alpha)``, under the mixed
        cross-entropy ``lam * CE(y_i) + (1 - lam) * CE(y_j)``. The virtual samples are drawn
        from each training's seed, anew at every epoch, and never stored: the labeled set
        and a checkpoint hold only the labels paid for. 2.0 is the setting of the LADA
        reference code (:func:`skactive.strategies.lada`); None trains on the labels only.
        The search's candidates train the same way; their validation does not mix.
    loss_prediction : bool or "auto", default="auto"
        Give every network a loss-prediction head (Yoo & Kweon, CVPR 2019;
        :class:`~skactive.loss_prediction.LossPredictionHead`), trained jointly with it on
        the mean cross-entropy plus the margin ranking loss of its predicted losses
        (:func:`~skactive.loss_prediction.ranking_loss`), the gradient into the network
        stopped after 60% of each training's epochs, as in the paper; the search's candidates
        and the final network alike. :func:`skactive.strategies.loss_prediction` queries by
        its predictions. ``"auto"`` turns it on exactly when ``query_strategy`` is
        ``"loss_prediction"`` (or that function), so other strategies train and cost as
        before; True for that strategy called directly or through modAL. The head's weights
        are part of the network's state, saved in a checkpoint.
    compile : bool, default=False
        Compile every network with :func:`torch.compile`: faster steps after tens of seconds
        of compilation per architecture, worth it for long trainings only.
    warm_start : bool, default=False
        When True and already fitted, ``fit`` starts the search at ``architecture_`` instead of
        ``initial_architecture``, so a loop that refits on the whole labeled set (modAL's
        ``ActiveLearner``) still gets a search whose depth never decreases.
    n_jobs : int or None, default=None
        Candidates of a search step trained at once, in threads (on the CPU each with its
        share of torch's threads; on CUDA each on its own stream). None trains them all at
        once on CUDA and one after the other on the CPU. A ``joblib.parallel_config`` of
        the user's (processes, dask) takes precedence.
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
        log of :func:`skactive.inas.search`: step, architecture, validation error, seconds,
        chosen, and the optimizer steps and epochs it trained), ``search_seconds``,
        ``train_seconds``, ``train_steps`` (the final training's optimizer steps) and
        ``continued`` (whether the final network went on from the winning candidate); with
        ``query_strategy="auto"``, also ``query``, the bandit's record of the query that
        brought the round's labels (:attr:`AutoStrategy.rounds_
        <skactive.strategies.AutoStrategy.rounds_>`); once an ensemble query has trained
        members for the round (:meth:`committee`), also ``ensemble_seconds`` and
        ``ensemble_steps``, their training's cost.
    query_strategy_ : AutoStrategy
        Only with ``query_strategy="auto"`` or an AutoStrategy: this estimator's own bandit,
        new at every ``fit`` but a warm one, restored from ``history_`` by
        :meth:`from_checkpoint`.
    net_ : skorch.NeuralNetClassifier
        The network trained on the whole labeled set.
    search_networks_ : list of skorch.NeuralNetClassifier
        The networks of the last step of the last search, as their candidates were trained
        (empty with ``inas_iterations=0``): the free committee of
        :meth:`committee` ``("candidates")``, saved with the model in a checkpoint.
    ensemble_members_ : list of skorch.NeuralNetClassifier
        Only once :meth:`committee` ``("members")`` (the ``"ensemble"`` strategy) has trained
        them: the deep ensemble's networks beside ``net_``, until the labeled set changes.
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
    selective_threshold_, selective_risk_bound_, selective_coverage_, selective_risk_ : float
        Only after :meth:`selective_threshold`, until the next ``fit`` or ``teach``: the
        fields of its :class:`~skactive.selective.SelectiveThreshold`.

    See Also
    --------
    skactive.inas.search : The architecture search on its own.
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
        "min_validation_size": [Interval(Integral, 0, None, closed="left")],
        "candidate_budget": [Interval(Real, 0, 1, closed="right")],
        "reuse_winner": ["boolean"],
        "query_strategy": [StrOptions(set(STRATEGY_NAMES)), callable],
        "input_shape": [tuple, None],
        "base_width": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "pooling": [StrOptions(set(POOLINGS))],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "min_steps": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "weight_decay": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "device": [str],
        "precision": [StrOptions(set(PRECISIONS))],
        "augment": ["boolean", StrOptions({"crop"})],
        "mixup": [Interval(Real, 0, None, closed="neither"), None],
        "loss_prediction": ["boolean", StrOptions({"auto"})],
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
        min_validation_size=100,
        candidate_budget=0.25,
        reuse_winner=True,
        query_strategy="softmax_response",
        input_shape=None,
        base_width=_RECIPE["base_width"],
        dropout=_RECIPE["dropout"],
        pooling=_RECIPE["pooling"],
        max_epochs=_RECIPE["max_epochs"],
        batch_size=_RECIPE["batch_size"],
        min_steps=_RECIPE["min_steps"],
        lr=_RECIPE["lr"],
        optimizer=_RECIPE["optimizer"],
        weight_decay=_RECIPE["weight_decay"],
        device="auto",
        precision=_RECIPE["precision"],
        augment=_RECIPE["augment"],
        mixup=_RECIPE["mixup"],
        loss_prediction="auto",
        compile=_RECIPE["compile"],
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
        self.min_validation_size = min_validation_size
        self.candidate_budget = candidate_budget
        self.reuse_winner = reuse_winner
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
        self.mixup = mixup
        self.loss_prediction = loss_prediction
        self.compile = compile
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.checkpoint_dir = checkpoint_dir
        self.random_state = random_state
        self.verbose = verbose

    def _validate_params(self):
        # The greedy oracle reads labels no user has: say so, not merely that the name is
        # not among the strategies.
        if isinstance(self.query_strategy, str) and self.query_strategy == ORACLE:
            resolve_strategy(ORACLE)  # raises, naming where the oracle runs
        super()._validate_params()

    def __sklearn_tags__(self):
        """scikit-learn's tags: what input the estimator takes, and how reproducible it is.

        Beside flat rows it takes images ``(n, C, H, W)`` and sequences ``(n, C, L)`` (scikit-
        learn's tags can say only "3-D"). On the CPU a ``random_state`` gives the same network
        and the same queries bit for bit; on CUDA, cuDNN's kernels may sum in another order
        from run to run, so the tags say it is non-deterministic there.

        Returns
        -------
        sklearn.utils.Tags
            The tags of a classifier, with ``input_tags.three_d_array`` and
            ``non_deterministic`` set as above.
        """
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = device_type(self.device) != "cpu"
        return tags

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
            self._drop_selective_threshold()
            self._search_and_train(start, input_shape, keep_history=warm)
            self._reset_auto_strategy(keep=warm)
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
        X_all, y_all = self._labeled_set_with(X, y)
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
            self._drop_selective_threshold()
            self._search_and_train(self.architecture_, self.input_shape_)
            self._file_query_record()
            self._save_model(store, round_)
        return self
