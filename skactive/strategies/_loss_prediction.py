"""Learning loss: query the samples whose loss the network's loss head predicts highest.

Yoo & Kweon (CVPR 2019), "Learning Loss for Active Learning": a loss-prediction module
(:class:`~skactive.loss_prediction.LossPredictionHead`) trained jointly with the network on a
ranking loss learns which samples the network gets most wrong, and the query takes the pool
samples of highest predicted loss. The head is trained with the network when the estimator's
``loss_prediction`` parameter is on, which ``"auto"`` (its default) does exactly when the
query strategy is this one.
"""

from __future__ import annotations

from functools import partial
from numbers import Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..pool import map_pool
from ._base import check_n_instances, network_estimator, pool_result
from ._batch import select_batch
from ._docs import fill_doc

LOSS_PREDICTION_BATCH_MODES = ("top", "softrank")
"""Values of ``batch_mode`` of :func:`loss_prediction`: predicted losses have no fixed scale or
sign, so of the stochastic modes only the rank-based one applies."""


def _predicted_loss_batch(module, x):
    return module.forward_with_loss(x)[1]


def _predicted_loss_chunk(chunk, start, estimator):
    return estimator.forward_batches(chunk, _predicted_loss_batch)


def _loss_head_estimator(classifier):
    estimator = network_estimator(classifier, "loss_prediction")
    if getattr(estimator.net_.module_, "loss_head", None) is None:
        raise ValueError(
            "loss_prediction needs a network trained with its loss-prediction head; this one "
            "was trained without it. Set loss_prediction=True on the estimator (or leave it "
            "'auto' with query_strategy='loss_prediction') and fit it again."
        )
    return estimator


@fill_doc
def predicted_loss(classifier, X) -> np.ndarray:
    """The loss that the network's loss-prediction head predicts for every sample.

    Parameters
    ----------
    %(classifier_loss_head)s
    X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
        Samples; a NumPy memmap or a dask array is read chunk by chunk
        (:func:`skactive.pool.map_pool`).

    Returns
    -------
    ndarray of shape (n_samples,), float64
        Predicted losses, unscaled: the head learns their order only.

    Raises
    ------
    %(raises_no_loss_head)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.strategies import predicted_loss
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ActiveINASClassifier(block="mlp", base_width=4, max_epochs=1, loss_prediction=True,
    ...                            inas_iterations=0, random_state=0).fit(X[:50] / 16, y[:50])
    >>> predicted_loss(clf, X[50:53] / 16).shape
    (3,)
    """
    estimator = _loss_head_estimator(classifier)
    return map_pool(_predicted_loss_chunk, X, estimator).astype(np.float64)


@validate_params(
    {
        "classifier": "no_validation",
        "X_pool": "no_validation",
        "n_instances": "no_validation",
        "batch_mode": [StrOptions(set(LOSS_PREDICTION_BATCH_MODES))],
        "beta": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def loss_prediction(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    batch_mode: str = "top",
    beta: float = 1.0,
    random_state=None,
    return_utilities: bool = False,
):
    """Query the pool samples whose loss the network's loss head predicts highest.

    Learning loss (Yoo & Kweon, 2019): the utility of a sample is :func:`predicted_loss`, the
    output of the loss-prediction head trained jointly with the network, in one forward pass
    over the pool. The estimator must have trained that head: its ``loss_prediction``
    parameter, ``"auto"`` by default, turns it on when ``query_strategy="loss_prediction"``;
    for this function called directly, or through modAL, set ``loss_prediction=True``.

    The paper scores a random subset of 10,000 pool samples, to keep a batch from crowding
    into one region; here the whole pool is scored, and ``batch_mode="softrank"`` samples the
    batch by rank instead of taking the top.

    Parameters
    ----------
    %(classifier_loss_head)s
    %(X_pool_network)s
    %(n_instances)s
    batch_mode : {"top", "softrank"}, default="top"
        The ``n_instances`` highest predicted losses, or a batch sampled with weights by
        their rank (:func:`select_batch`).
    %(beta)s
    random_state : int, RandomState instance or None, default=None
        Seed of ``"softrank"``; the top batch draws nothing.
    return_utilities : bool, default=False
        Also return every pool sample's predicted loss.

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into ``X_pool``, highest predicted loss first.
    %(samples)s
    %(utilities)s

    Raises
    ------
    %(raises_no_loss_head)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ActiveINASClassifier(block="mlp", base_width=4, max_epochs=1,
    ...                            query_strategy="loss_prediction", inas_iterations=0,
    ...                            random_state=0).fit(X[:50] / 16, y[:50])
    >>> indices, samples = clf.query(X[50:150] / 16, n_instances=3)
    >>> samples.shape
    (3, 64)
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    utility = predicted_loss(classifier, X_pool)
    rng = check_random_state(random_state)
    indices = select_batch(utility, n_instances, batch_mode, beta, rng)
    return pool_result(X_pool, indices, utility if return_utilities else None)


def uses_loss_prediction(strategy) -> bool:
    """Whether a query strategy needs the network's loss-prediction head.

    What ``ActiveINASClassifier(loss_prediction="auto")`` asks of its ``query_strategy``.

    Parameters
    ----------
    strategy : str or callable
        A strategy name or function.

    Returns
    -------
    bool
        True for ``"loss_prediction"`` (with or without a ``":<mode>"``), for
        :func:`loss_prediction` and for a ``functools.partial`` of it; for ``"auto:autoal"``
        and any strategy object whose ``uses_loss_prediction`` attribute is true, such as
        :class:`AutoAL` (FitNet carries the head).

    Examples
    --------
    >>> from skactive.strategies import uses_loss_prediction
    >>> uses_loss_prediction("loss_prediction:softrank"), uses_loss_prediction("margin")
    (True, False)
    """
    if isinstance(strategy, str):
        return strategy.partition(":")[0] == "loss_prediction" or strategy == "auto:autoal"
    if bool(getattr(strategy, "uses_loss_prediction", False)):
        return True
    while isinstance(strategy, partial):
        strategy = strategy.func
    return strategy is loss_prediction
