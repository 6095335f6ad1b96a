"""What every query strategy shares: argument checks, selection, and reaching the network."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..pool import map_pool, take_rows
from ..utils import draw_seed
from ._docs import fill_doc


def check_n_instances(n_instances, n_pool: int) -> int:
    """Validate the number of samples to query from a pool.

    Parameters
    ----------
    n_instances : int
        Requested number of samples.
    n_pool : int
        Number of samples in the pool.

    Returns
    -------
    int
        ``n_instances`` as a Python int.

    Raises
    ------
    TypeError
        If ``n_instances`` is not an integer.
    ValueError
        If ``n_instances`` is below 1 or larger than the pool.

    Examples
    --------
    >>> from skactive.strategies import check_n_instances
    >>> check_n_instances(3, 10)
    3
    """
    if isinstance(n_instances, bool) or not isinstance(n_instances, Integral):
        raise TypeError(f"n_instances must be an integer, got {n_instances!r}.")
    if not 1 <= n_instances <= n_pool:
        raise ValueError(
            f"n_instances must be between 1 and the pool size {n_pool}, got {n_instances}."
        )
    return int(n_instances)


@fill_doc
def select_top(utility: np.ndarray, n_instances: int) -> np.ndarray:
    """Indices of the ``n_instances`` largest utilities, best first, ties to the lower index.

    Parameters
    ----------
    utility : ndarray of shape (n_samples,)
        Score of each pool sample; higher is more worth labeling.
    %(n_indices)s

    Returns
    -------
    ndarray of shape (n_instances,)
        Indices into the pool.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import select_top
    >>> select_top(np.array([0.1, 0.9, 0.5, 0.9]), 3)
    array([1, 3, 2])
    """
    utility = np.asarray(utility)
    n_instances = check_n_instances(n_instances, len(utility))
    # Partitioning finds the n-th largest utility in linear time; only the chosen ones are
    # sorted. Among utilities equal to it, the lowest indices are taken, as a stable sort would.
    threshold = -np.partition(-utility, n_instances - 1)[n_instances - 1]
    if np.isnan(threshold):
        # Fewer numbers than picks: NaN utilities rank last, in index order, as in a full sort.
        return np.argsort(-utility, kind="stable")[:n_instances]
    chosen = np.flatnonzero(utility >= threshold)
    if len(chosen) > n_instances:
        above = np.flatnonzero(utility > threshold)
        ties = np.flatnonzero(utility == threshold)[: n_instances - len(above)]
        chosen = np.concatenate([above, ties])
    return chosen[np.argsort(-utility[chosen], kind="stable")]


def pool_result(X_pool, indices, utilities=None) -> tuple:
    """``(indices, X_pool[indices])``, what every strategy returns, and the utilities if given.

    Every strategy takes ``return_utilities=False``; with True it passes the utility of every
    pool sample here (as scikit-activeml's strategies return theirs), for plots and debugging.

    Parameters
    ----------
    X_pool : array-like of shape (n_pool, ...)
        The pool; a memmap or dask array is read only at ``indices``.
    indices : array-like of int
        The picks, in order.
    utilities : array-like of shape (n_pool,) or None, default=None
        How much each pool sample was worth labeling when the selection started (higher is
        more); None returns the pair only.

    Returns
    -------
    indices : ndarray of shape (n_picks,), intp
        The picks.
    samples : array-like
        Their rows (:func:`skactive.pool.take_rows`).
    utilities : ndarray of shape (n_pool,), float64
        Only when ``utilities`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import pool_result
    >>> pool_result(np.arange(6).reshape(3, 2), [2, 0])[1].tolist()
    [[4, 5], [0, 1]]
    """
    indices = np.asarray(indices, dtype=np.intp)
    if utilities is None:
        return indices, take_rows(X_pool, indices)
    utilities = np.asarray(utilities, dtype=np.float64)
    if utilities.shape != (len(X_pool),):
        raise ValueError(f"utilities has shape {utilities.shape}; expected ({len(X_pool)},).")
    return indices, take_rows(X_pool, indices), utilities


@fill_doc
def random_sampling(
    classifier, X_pool, n_instances: int = 1, random_state=None, return_utilities: bool = False
):
    """Query ``n_instances`` pool samples uniformly at random, without replacement.

    The baseline every learning curve is compared with; ``classifier`` is not used.

    Parameters
    ----------
    classifier : object
        Ignored; present for the common strategy signature.
    X_pool : array-like of shape (n_pool, ...)
        Unlabeled samples; of a NumPy memmap or a dask array only the rows picked are read.
    %(n_instances)s
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.
    return_utilities : bool, default=False
        Also return the utilities: zero for every sample, all equally worth labeling.

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into ``X_pool``.
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import random_sampling
    >>> indices, samples = random_sampling(None, np.arange(20).reshape(10, 2), 3,
    ...                                    random_state=0)
    >>> len(set(indices.tolist()))
    3
    """
    n_pool = len(X_pool)
    n_instances = check_n_instances(n_instances, n_pool)
    indices = check_random_state(random_state).choice(n_pool, n_instances, replace=False)
    return pool_result(X_pool, indices, np.zeros(n_pool) if return_utilities else None)


def network_estimator(classifier, strategy: str):
    """The fitted ActiveINASClassifier behind ``classifier``, for a strategy that needs it.

    modAL's ``ActiveLearner`` (and any wrapper of the same shape) keeps the model in
    ``.estimator``; wrappers are peeled off until an object with a trained network remains.

    Parameters
    ----------
    classifier : ActiveINASClassifier or a wrapper exposing one as ``.estimator``
        What the strategy was given.
    strategy : str
        The strategy's name, for the error message.

    Returns
    -------
    ActiveINASClassifier
        Fitted; its :meth:`~skactive.ActiveINASClassifier.forward_batches` runs the network.

    Raises
    ------
    TypeError
        When no trained network is found.
    """
    estimator = classifier
    while not hasattr(estimator, "net_") and hasattr(estimator, "estimator"):
        estimator = estimator.estimator
    if not hasattr(estimator, "net_"):
        raise TypeError(
            f"{strategy} needs the network of a fitted ActiveINASClassifier (or of a modAL "
            f"ActiveLearner wrapping one); got {type(classifier).__name__}."
        )
    check_is_fitted(estimator)
    return estimator


def labeled_set(learner) -> tuple | None:
    """The labeled samples and labels held by ``learner``, or behind it.

    An :class:`~skactive.ActiveINASClassifier` or :class:`~skactive.ActiveINASRegressor` holds
    them as ``X_training_``/``y_training_``, modAL's ``ActiveLearner`` as ``X_training``/
    ``y_training`` (None before its first label); wrappers exposing ``.estimator`` are peeled
    off until one of them is found.

    Parameters
    ----------
    learner : object or None
        What a strategy was given.

    Returns
    -------
    tuple of (array-like or None, array-like or None), or None
        ``(X_labeled, y_labeled)`` of the first holder found, either of them None where it
        holds no labels yet; None when nothing behind ``learner`` holds a labeled set.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from skactive.modal import ActiveLearner
    >>> from skactive.strategies import labeled_set
    >>> learner = ActiveLearner(LinearRegression(), X_training=np.eye(2), y_training=[0.0, 1.0])
    >>> labeled_set(learner)[1]
    [0.0, 1.0]
    >>> labeled_set(LinearRegression()) is None
    True
    """
    current = learner
    while current is not None:
        for X_name, y_name in (("X_training_", "y_training_"), ("X_training", "y_training")):
            if hasattr(current, X_name):
                return getattr(current, X_name), getattr(current, y_name, None)
        current = getattr(current, "estimator", None)
    return None


def _embed_chunk(chunk, start, estimator):
    return estimator.embed(chunk)


@fill_doc
def pool_and_labeled_features(estimator, X_pool) -> tuple[np.ndarray, np.ndarray]:
    """The penultimate features of the pool and of the labeled set, from the network.

    Parameters
    ----------
    %(estimator_network)s
    X_pool : array-like of shape (n_pool, ...)
        Unlabeled samples, embedded chunk by chunk (:func:`skactive.pool.map_pool`).

    Returns
    -------
    %(pool_features)s
    labeled : ndarray of shape (n_labeled, n_features)
        The features of the estimator's ``X_training_``.
    """
    return map_pool(_embed_chunk, X_pool, estimator), estimator.embed(estimator.X_training_)


def _proba_and_features_batch(module, x: torch.Tensor) -> torch.Tensor:
    features = module.features(x)
    logits = module.head(features).float()
    return torch.cat([torch.softmax(logits, dim=1), features.float()], dim=1)


def _proba_and_features_chunk(chunk, start, estimator):
    return estimator.forward_batches(chunk, _proba_and_features_batch)


@fill_doc
def proba_and_features(estimator, X) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities and penultimate features of every sample, in one network pass.

    The two factors of BADGE's gradient embedding and of dynamicAL's last-layer gain.

    Parameters
    ----------
    %(estimator_network)s
    X : array-like of shape (n_samples, ...)
        Samples, run through the network chunk by chunk (:func:`skactive.pool.map_pool`).

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes), float32
        ``softmax(W h + b)``.
    features : ndarray of shape (n_samples, n_features), float32
        The penultimate features ``h``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.strategies import proba_and_features
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), base_width=4, max_epochs=1,
    ...                            inas_iterations=0, random_state=0).fit(X[:50], y[:50])
    >>> proba, features = proba_and_features(clf, X[50:55])
    >>> proba.shape, features.shape
    ((5, 10), (5, 20))
    """
    outputs = map_pool(_proba_and_features_chunk, X, estimator)
    n_classes = len(estimator.classes_)
    return outputs[:, :n_classes], outputs[:, n_classes:]


def torch_generator(random_state, device) -> torch.Generator:
    """A torch generator on ``device`` seeded from ``random_state``.

    Strategies draw their randomness from it, so the global torch generator is untouched.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        Seed source, as scikit-learn takes it.
    device : str or torch.device
        Where the generator draws.

    Returns
    -------
    torch.Generator
        Seeded with :func:`skactive.utils.draw_seed`.
    """
    seed = draw_seed(random_state)
    return torch.Generator(device=torch.device(device)).manual_seed(seed)
