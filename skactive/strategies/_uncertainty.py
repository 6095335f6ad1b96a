"""Uncertainty sampling: scores of one predicted distribution per sample, and their strategies.

These need only ``classifier.predict_proba``, so they work on an
:class:`~skactive.ActiveINASClassifier`, on a modAL ``ActiveLearner`` wrapping one (it forwards
``predict_proba`` to its estimator) and on any fitted scikit-learn classifier.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch
from scipy import special

from ..pool import map_pool
from ._base import check_n_instances, pool_result
from ._batch import select_batch
from ._docs import fill_doc


@fill_doc
def least_confidence(proba: np.ndarray) -> np.ndarray:
    """Softmax-response utility: one minus the largest class probability.

    Parameters
    ----------
    %(proba)s

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
    proba = np.asarray(proba)
    if proba.ndim != 2 or proba.shape[1] == 0:
        top = np.max(proba, axis=1)  # not a matrix with classes: NumPy's result or error
    else:
        # A running maximum over the columns: about 20% faster than np.max over the short class
        # axis of a C-ordered (100,000, 10) matrix, with the same values (NaN propagates).
        top = proba[:, 0].copy()
        for column in proba.T[1:]:
            np.maximum(top, column, out=top)
    if top.dtype.kind != "f":
        return 1.0 - top
    return np.subtract(1.0, top, out=top)  # in place: one pool-sized array, not two


@fill_doc
def margin(proba: np.ndarray) -> np.ndarray:
    """Margin utility: minus the gap between the two most probable classes.

    Parameters
    ----------
    %(proba)s

    Returns
    -------
    ndarray of shape (n_samples,)
        ``-(p_(1) - p_(2))``: highest where the top two classes are closest. With a single
        class the margin is the probability itself.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import margin
    >>> margin(np.array([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2]]))
    array([-0.5, -0.2])
    """
    proba = np.asarray(proba)
    if proba.shape[1] == 1:
        return -proba[:, 0]
    # The last two columns of the partition hold p_(2) and p_(1). Partitioning the probabilities
    # themselves, not their negation, saves a copy of the matrix: a third of the time at
    # 100,000 x 10. NaN sorts last, so a NaN makes its row's score NaN, as in least_confidence.
    top = np.partition(proba, proba.shape[1] - 2, axis=1)
    return top[:, -2] - top[:, -1]


def entropy(proba):
    """Entropy utility: Shannon entropy of the predicted distribution, in nats.

    The one entropy of the package: uncertainty sampling scores NumPy probabilities with it,
    MC-dropout scores its torch samples on their device.

    Parameters
    ----------
    proba : ndarray or torch.Tensor of shape (..., n_classes)
        Predicted class probabilities, the classes on the last axis.

    Returns
    -------
    ndarray or torch.Tensor of shape (...)
        ``-sum_k p_k log p_k``, with ``0 log 0 = 0``; float64 for NumPy input, the input's
        dtype and device for a tensor.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import entropy
    >>> entropy(np.array([[0.5, 0.5], [0.9, 0.1]])).round(4)
    array([0.6931, 0.3251])
    """
    if isinstance(proba, torch.Tensor):
        return -torch.special.xlogy(proba, proba).sum(dim=-1)
    proba = np.asarray(proba, dtype=np.float64)
    return -special.xlogy(proba, proba).sum(axis=-1)


def _chunk_utility(chunk, start, classifier, utility, predict_proba_kwargs):
    return utility(classifier.predict_proba(chunk, **predict_proba_kwargs))


@fill_doc
def uncertainty_query(
    classifier,
    X_pool,
    n_instances,
    utility,
    *,
    batch_mode="top",
    beta=1.0,
    random_state=None,
    return_utilities=False,
    **predict_proba_kwargs,
):
    """Query the pool samples with the highest utility of the predicted probabilities.

    A memmap or dask array pool is scored chunk by chunk (:func:`skactive.pool.map_pool`):
    memory holds one chunk and one utility per pool sample.

    Parameters
    ----------
    classifier : fitted classifier
        Anything with ``predict_proba``.
    %(X_pool_chunked)s
    n_instances : int
        Number of samples to query.
    utility : callable
        Maps probabilities of shape (n_pool, n_classes) to one score per sample, such as
        :func:`least_confidence`, :func:`margin` or :func:`entropy`.
    %(batch_mode)s
    %(beta)s
    %(random_state_stochastic)s
    %(return_utilities)s
    %(predict_proba_kwargs)s

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into ``X_pool``, highest utility first.
    %(samples)s
    %(utilities_every)s

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.strategies import margin, uncertainty_query
    >>> X = np.array([[-2.0], [-0.1], [0.2], [3.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> indices, samples = uncertainty_query(clf, X, 2, margin)
    >>> sorted(indices.tolist())
    [1, 2]
    """
    check_n_instances(n_instances, len(X_pool))
    score = partial(_chunk_utility, utility=utility, predict_proba_kwargs=predict_proba_kwargs)
    utilities = map_pool(score, X_pool, classifier)
    indices = select_batch(utilities, n_instances, batch_mode, beta, random_state)
    return pool_result(X_pool, indices, utilities if return_utilities else None)


@fill_doc
def softmax_response(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    batch_mode="top",
    beta=1.0,
    random_state=None,
    return_utilities=False,
    **predict_proba_kwargs,
):
    """Query the pool samples with the lowest maximum softmax probability.

    The softmax-response query function of the paper (least confidence,
    :func:`least_confidence`).

    Parameters
    ----------
    %(classifier_proba)s
    %(X_pool_chunked)s
    %(n_instances)s
    %(batch_mode)s
    %(beta)s
    %(random_state_stochastic)s
    %(return_utilities)s
    %(predict_proba_kwargs)s

    Returns
    -------
    %(indices_uncertain)s
    %(samples)s
    %(utilities_every)s

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.strategies import softmax_response
    >>> X = np.array([[-2.0], [-0.1], [0.2], [3.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> softmax_response(clf, X)[0].tolist() in ([1], [2])
    True
    """
    return uncertainty_query(
        classifier,
        X_pool,
        n_instances,
        least_confidence,
        batch_mode=batch_mode,
        beta=beta,
        random_state=random_state,
        return_utilities=return_utilities,
        **predict_proba_kwargs,
    )


@fill_doc
def margin_sampling(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    batch_mode="top",
    beta=1.0,
    random_state=None,
    return_utilities=False,
    **predict_proba_kwargs,
):
    """Query the pool samples whose two most probable classes are closest (:func:`margin`).

    Parameters
    ----------
    %(classifier_proba)s
    %(X_pool_chunked)s
    %(n_instances)s
    %(batch_mode)s
    %(beta)s
    %(random_state_stochastic)s
    %(return_utilities)s
    %(predict_proba_kwargs)s

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into ``X_pool``, smallest margin first.
    %(samples)s
    %(utilities_every)s

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.strategies import margin_sampling
    >>> X = np.array([[-2.0], [-0.1], [0.2], [3.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> sorted(margin_sampling(clf, X, n_instances=2)[0].tolist())
    [1, 2]
    """
    return uncertainty_query(
        classifier,
        X_pool,
        n_instances,
        margin,
        batch_mode=batch_mode,
        beta=beta,
        random_state=random_state,
        return_utilities=return_utilities,
        **predict_proba_kwargs,
    )


@fill_doc
def entropy_sampling(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    batch_mode="top",
    beta=1.0,
    random_state=None,
    return_utilities=False,
    **predict_proba_kwargs,
):
    """Query the pool samples whose predicted distribution has the most entropy.

    Parameters
    ----------
    %(classifier_proba)s
    %(X_pool_chunked)s
    %(n_instances)s
    %(batch_mode)s
    %(beta)s
    %(random_state_stochastic)s
    %(return_utilities)s
    %(predict_proba_kwargs)s

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into ``X_pool``, highest entropy (:func:`entropy`) first.
    %(samples)s
    %(utilities_every)s

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.strategies import entropy_sampling
    >>> X = np.array([[-2.0], [-0.1], [0.2], [3.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> sorted(entropy_sampling(clf, X, n_instances=2)[0].tolist())
    [1, 2]
    """
    return uncertainty_query(
        classifier,
        X_pool,
        n_instances,
        entropy,
        batch_mode=batch_mode,
        beta=beta,
        random_state=random_state,
        return_utilities=return_utilities,
        **predict_proba_kwargs,
    )
