"""Query strategies with modAL's calling convention.

A strategy is ``strategy(classifier, X_pool, n_instances=1, **kwargs) -> (indices,
X_pool[indices])``. It is built from two public parts, as in modAL: a *utility* function that
scores every pool sample (higher means more worth labeling) and a *selector* that turns the
scores into indices. The uncertainty strategies need only ``classifier.predict_proba``, so they
work on an :class:`~skactive.ActiveINASClassifier`, on a modAL ``ActiveLearner`` wrapping one,
and on any fitted scikit-learn classifier.
"""

from __future__ import annotations

import inspect
from numbers import Integral

import numpy as np
from sklearn.utils import _safe_indexing, check_random_state


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
    """
    if isinstance(n_instances, bool) or not isinstance(n_instances, Integral):
        raise TypeError(f"n_instances must be an integer, got {n_instances!r}.")
    if not 1 <= n_instances <= n_pool:
        raise ValueError(
            f"n_instances must be between 1 and the pool size {n_pool}, got {n_instances}."
        )
    return int(n_instances)


def select_top(utility: np.ndarray, n_instances: int) -> np.ndarray:
    """Indices of the ``n_instances`` largest utilities, best first, ties to the lower index.

    Parameters
    ----------
    utility : ndarray of shape (n_samples,)
        Score of each pool sample; higher is more worth labeling.
    n_instances : int
        Number of indices to return.

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
    order = np.argsort(-utility, kind="stable")
    return order[:n_instances]


def least_confidence(proba: np.ndarray) -> np.ndarray:
    """Softmax-response utility: one minus the largest class probability.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Predicted class probabilities.

    Returns
    -------
    ndarray of shape (n_samples,)
        ``1 - max_k p_k``; the pool samples the model is least sure of score highest.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import least_confidence
    >>> least_confidence(np.array([[0.9, 0.1], [0.6, 0.4]]))
    array([0.1, 0.4])
    """
    return 1.0 - np.max(proba, axis=1)


def margin(proba: np.ndarray) -> np.ndarray:
    """Margin utility: minus the gap between the two most probable classes.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Predicted class probabilities.

    Returns
    -------
    ndarray of shape (n_samples,)
        ``-(p_(1) - p_(2))``: highest where the top two classes are closest. With a single
        class the margin is the probability itself.
    """
    proba = np.asarray(proba)
    if proba.shape[1] == 1:
        return -proba[:, 0]
    top2 = -np.partition(-proba, 1, axis=1)[:, :2]
    return -(top2[:, 0] - top2[:, 1])


def entropy(proba: np.ndarray) -> np.ndarray:
    """Entropy utility: Shannon entropy of the predicted distribution, in nats.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Predicted class probabilities.

    Returns
    -------
    ndarray of shape (n_samples,)
        ``-sum_k p_k log p_k``, with ``0 log 0 = 0``.
    """
    proba = np.asarray(proba, dtype=np.float64)
    logs = np.log(np.where(proba > 0, proba, 1.0))
    return -np.sum(proba * logs, axis=1)


def _pool_result(X_pool, indices: np.ndarray):
    indices = np.asarray(indices, dtype=np.intp)
    return indices, _safe_indexing(X_pool, indices)


def uncertainty_query(classifier, X_pool, n_instances, utility, **predict_proba_kwargs):
    """Query the pool samples with the highest utility of the predicted probabilities.

    Parameters
    ----------
    classifier : fitted classifier
        Anything with ``predict_proba``.
    X_pool : array-like of shape (n_pool, ...)
        Unlabeled samples.
    n_instances : int
        Number of samples to query.
    utility : callable
        Maps probabilities of shape (n_pool, n_classes) to one score per sample, such as
        :func:`least_confidence`, :func:`margin` or :func:`entropy`.
    **predict_proba_kwargs
        Passed to ``classifier.predict_proba``.

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into ``X_pool``, highest utility first.
    samples : array-like
        ``X_pool[indices]``.
    """
    check_n_instances(n_instances, len(X_pool))
    proba = classifier.predict_proba(X_pool, **predict_proba_kwargs)
    return _pool_result(X_pool, select_top(utility(proba), n_instances))


def random_sampling(classifier, X_pool, n_instances: int = 1, random_state=None):
    """Query ``n_instances`` pool samples uniformly at random, without replacement.

    The baseline every learning curve is compared with; ``classifier`` is not used.

    Parameters
    ----------
    classifier : object
        Ignored; present for the common strategy signature.
    X_pool : array-like of shape (n_pool, ...)
        Unlabeled samples.
    n_instances : int, default=1
        Number of samples to query.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into ``X_pool``.
    samples : array-like
        ``X_pool[indices]``.
    """
    n_pool = len(X_pool)
    n_instances = check_n_instances(n_instances, n_pool)
    indices = check_random_state(random_state).choice(n_pool, n_instances, replace=False)
    return _pool_result(X_pool, indices)


def softmax_response(classifier, X_pool, n_instances: int = 1, **predict_proba_kwargs):
    """Query the pool samples with the lowest maximum softmax probability.

    The softmax-response query function of the paper (least confidence,
    :func:`least_confidence`).

    Parameters
    ----------
    classifier : fitted classifier
        Anything with ``predict_proba``: an ActiveINASClassifier, a modAL ActiveLearner, a
        scikit-learn classifier.
    X_pool : array-like of shape (n_pool, ...)
        Unlabeled samples.
    n_instances : int, default=1
        Number of samples to query.
    **predict_proba_kwargs
        Passed to ``classifier.predict_proba``.

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into ``X_pool``, most uncertain first.
    samples : array-like
        ``X_pool[indices]``.
    """
    return uncertainty_query(
        classifier, X_pool, n_instances, least_confidence, **predict_proba_kwargs
    )


STRATEGIES = {
    "random": random_sampling,
    "softmax_response": softmax_response,
}
"""Strategies accepted by name in ``ActiveINASClassifier(query_strategy=...)``."""


def resolve_strategy(strategy):
    """Return the strategy function for a name of :data:`STRATEGIES` or a callable.

    Parameters
    ----------
    strategy : str or callable
        A strategy name or a function with modAL's strategy signature.

    Returns
    -------
    callable
        The strategy function.
    """
    if callable(strategy):
        return strategy
    try:
        return STRATEGIES[strategy]
    except KeyError:
        raise ValueError(
            f"Unknown query strategy {strategy!r}; use one of {sorted(STRATEGIES)} or a callable."
        ) from None


def accepts_random_state(strategy) -> bool:
    """Whether a strategy takes a ``random_state`` keyword (modAL's own strategies do not).

    Parameters
    ----------
    strategy : callable
        A strategy function.

    Returns
    -------
    bool
        True when ``random_state`` is a named parameter of ``strategy``.
    """
    try:
        return "random_state" in inspect.signature(strategy).parameters
    except (TypeError, ValueError):
        return False
