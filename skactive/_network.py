"""What an Active-iNAS estimator does with its trained network: checks, embeddings, queries."""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted, validate_data

from .pool import check_lazy_pool, is_lazy_pool, take_rows
from .strategies import (
    AutoStrategy,
    accepts_random_state,
    check_n_instances,
    resolve_strategy,
)
from .training import forward_batches, network_features
from .utils import draw_seed


class NetworkMixin:
    """Input checks, embeddings, queries and the batched forward strategies use.

    A building block of :class:`~skactive._base.BaseActiveINAS`, which sets ``net_``,
    ``input_shape_`` and the labeled set; its face checks the targets (``_validate_Xy``,
    ``_check_taught_targets``) and predicts.
    """

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

    def _labeled_set_with(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        """The labeled set followed by ``(X, y)``, after every check; nothing is changed."""
        X, y = self._validate_Xy(X, y, reset=False)
        if X.shape[1:] != self.X_training_.shape[1:]:
            raise ValueError(
                f"X has samples of shape {X.shape[1:]}, but the labeled set holds samples of "
                f"shape {self.X_training_.shape[1:]}."
            )
        y = self._check_taught_targets(y)
        X_all = np.concatenate([self.X_training_, X.astype(self.X_training_.dtype)])
        return X_all, np.concatenate([self.y_training_, y])

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

    def _as_network_input(self, X) -> np.ndarray:
        return np.asarray(X, dtype=np.float32).reshape(len(X), *self.input_shape_)

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
            the estimator's ``random_state`` unless it is given here; with
            ``return_utilities=True`` they also return every pool sample's utility.

        Returns
        -------
        indices : ndarray of shape (n_instances,)
            Indices into ``X_pool``.
        samples : array-like
            ``X_pool[indices]``, ready to be labeled and passed to :meth:`teach`; a NumPy
            array for a memmap or dask array pool.
        utilities : ndarray of shape (n_pool,)
            Only when the strategy returns them (``return_utilities=True``).
        """
        check_is_fitted(self)
        pool = self._query_pool(X_pool)
        n_instances = check_n_instances(n_instances, len(pool))
        strategy = self.__dict__.get("query_strategy_") or resolve_strategy(self.query_strategy)
        if accepts_random_state(strategy):
            query_kwargs.setdefault(
                "random_state",
                draw_seed(self._rng(len(self.y_training_), for_query=True)),
            )
        indices, *utilities = strategy(self, pool, n_instances=n_instances, **query_kwargs)
        if isinstance(strategy, AutoStrategy):
            # teach files the choice with the round whose labels it brought.
            self._query_record = strategy.rounds_[-1]
        indices = np.asarray(indices, dtype=np.intp)
        return (indices, take_rows(X_pool, indices), *utilities[1:])

    def _reset_auto_strategy(self, keep: bool) -> None:
        """Give ``query_strategy="auto"`` or an AutoStrategy its own bandit, ``query_strategy_``.

        A new labeled set starts a new bandit; ``keep`` (a warm ``fit``) goes on with the last.
        """
        self.__dict__.pop("_query_record", None)
        strategy = resolve_strategy(self.query_strategy)
        if not isinstance(strategy, AutoStrategy):
            self.__dict__.pop("query_strategy_", None)
        elif not (keep and isinstance(getattr(self, "query_strategy_", None), AutoStrategy)):
            # A clone, so the bandit's state never lands in the user's parameter.
            self.query_strategy_ = clone(strategy)

    def _file_query_record(self) -> None:
        """Keep the bandit's choice for the round just trained in ``history_`` (and so on disk)."""
        record = self.__dict__.pop("_query_record", None)
        if record is not None:
            self.history_[-1]["query"] = record

    def _query_pool(self, X_pool):
        """The pool as strategies get it: validated whole, or only shape-checked if lazy.

        A memmap or dask array stays where it is; each chunk is validated as it is scored.
        """
        if is_lazy_pool(X_pool):
            check_lazy_pool(X_pool, self.n_features_in_)
            self._check_sample_shape(X_pool)
            return X_pool
        return self._validate_X(X_pool, reset=False)

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
        X = self.network_input(X)  # checks that the estimator is fitted first
        return network_features(self.net_, X)

    def network_input(self, X):
        """``X`` checked as predictions check it, and shaped as the network reads it.

        The first step of a query strategy that runs the network itself: a pool is then
        accepted or refused exactly as ``predict`` (``predict_proba``) would.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
            Samples.

        Returns
        -------
        ndarray of shape ``(n_samples,) + input_shape_``, float32
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
            ``module`` is the trained :class:`~skactive.networks.HomogeneousNet`.

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
        X = self.network_input(X)  # checks that the estimator is fitted first
        return forward_batches(self.net_, X, fn)

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
