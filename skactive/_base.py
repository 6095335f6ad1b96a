"""BaseActiveINAS: what ActiveINASClassifier and ActiveINASRegressor share.

The twins follow scikit-learn's forests (``RandomForestClassifier`` and
``RandomForestRegressor`` over ``BaseForest``) and skorch's nets: the parameters of the search
and of the training recipe, ``fit``, ``teach``, the search, the queries, the network's
forward passes and the committees of ensemble queries live here; what a task changes (how
targets are checked and encoded for the network, its loss, its predictions) lives in the face.
"""

from __future__ import annotations

import contextlib
from dataclasses import fields
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._committee import CommitteeMixin
from ._docs import fill_shared_docs
from ._network import NetworkMixin
from ._search import SearchMixin
from .networks import POOLINGS
from .search_space import BLOCKS, Architecture, resolve_block
from .strategies import ORACLE, resolve_strategy
from .training import OPTIMIZERS, PRECISIONS, TrainingConfig, device_type

_INPUT_ATTRIBUTES = ("n_features_in_", "feature_names_in_")

RECIPE = {field.name: field.default for field in fields(TrainingConfig)}
"""The training recipe's defaults, from their one home: TrainingConfig (and the networks')."""


@fill_shared_docs
class BaseActiveINAS(CommitteeMixin, SearchMixin, NetworkMixin, BaseEstimator):
    """Active-iNAS without its task: the search, the training recipe, fit, teach and query.

    Not used directly: :class:`~skactive.ActiveINASClassifier` and
    :class:`~skactive.ActiveINASRegressor` are its faces. A face declares its own parameters
    (``__init__`` and ``_parameter_constraints`` extend these) and supplies the task:

    - ``_validate_Xy(X, y, reset)``: the input and target checks;
    - ``_check_taught_targets(y)``: that taught targets fit the labeled set's, returned as
      they are to be stored;
    - ``_target_encoding(y)``: the fitted attributes the encoding of ``y`` needs
      (``classes_``; ``y_mean_`` and ``y_std_``), set together with ``net_``;
    - ``_encode_targets(y, encoding)`` and ``_n_outputs(encoding)``: the targets as the
      network trains on them, and its number of outputs;
    - ``_task_recipe()``: the face's fields of :class:`~skactive.training.TrainingConfig`;
    - ``_stratified_search``: whether the search's splits are stratified by class.

    Without :class:`~skactive._checkpointing.CheckpointMixin` in a face, nothing is written.

    Parameters
    ----------
    %(search_parameters)s
    query_strategy : str or callable
        Strategy used by :meth:`query`, by name or as a function with modAL's signature.
    %(network_parameters)s
    %(loop_parameters)s
    %(seed_parameters)s
    """

    _stratified_search = True

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
        "compile": ["boolean"],
        "warm_start": ["boolean"],
        "n_jobs": [Integral, None],
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
        query_strategy=None,
        input_shape=None,
        base_width=RECIPE["base_width"],
        dropout=RECIPE["dropout"],
        pooling=RECIPE["pooling"],
        max_epochs=RECIPE["max_epochs"],
        batch_size=RECIPE["batch_size"],
        min_steps=RECIPE["min_steps"],
        lr=RECIPE["lr"],
        optimizer=RECIPE["optimizer"],
        weight_decay=RECIPE["weight_decay"],
        device="auto",
        precision=RECIPE["precision"],
        augment=RECIPE["augment"],
        compile=RECIPE["compile"],
        warm_start=False,
        n_jobs=None,
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
        self.compile = compile
        self.warm_start = warm_start
        self.n_jobs = n_jobs
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
            The tags of the face, with ``input_tags.three_d_array`` and
            ``non_deterministic`` set as above.
        """
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = device_type(self.device) != "cpu"
        return tags

    # ------------------------------------------------- hooks a face may extend

    def _commit_labels(self, writing, X, y, **kwargs):
        """No store: :class:`~skactive._checkpointing.CheckpointMixin` writes one."""
        return None, None

    def _save_model(self, store, round_) -> None:
        """No store: :class:`~skactive._checkpointing.CheckpointMixin` writes one."""

    def _labels_changed(self) -> None:
        """Forget what was derived from the previous network (a face's calibration)."""

    # ------------------------------------------------------------------ public API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Search an architecture on ``(X, y)`` and train it; ``(X, y)`` becomes the labeled set.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
            Labeled samples: flat rows, or images/sequences channels first.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Their labels: classes of any type that :func:`numpy.unique` sorts for the
            classifier, numbers (one column per output) for the regressor.

        Returns
        -------
        self : object
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
            self._labels_changed()
            self._search_and_train(start, input_shape, keep_history=warm)
            self._reset_auto_strategy(keep=warm)
            self._save_model(store, round_)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def teach(self, X, y):
        """Add labeled samples, re-run iNAS from ``architecture_`` and retrain.

        The new samples are appended to ``X_training_``/``y_training_`` only after every check
        has passed, so a bad call leaves the labeled set and the model as they were. Labels of
        a class never seen before grow the classifier's ``classes_`` and its network's output
        layer; the regressor's targets must have as many outputs as those it was fitted on.

        Parameters
        ----------
        X : array-like of shape (n_new, n_features) or (n_new,) + input_shape
            Newly labeled samples, e.g. the ``samples`` returned by :meth:`query`.
        y : array-like of shape (n_new,) or (n_new, n_outputs)
            Their labels or targets.

        Returns
        -------
        self : object
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
            self._labels_changed()
            self._search_and_train(self.architecture_, self.input_shape_)
            self._file_query_record()
            self._save_model(store, round_)
        return self
