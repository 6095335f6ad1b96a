"""Regression by MC-dropout: the spread of the head's stochastic passes, and the query on it.

For :class:`~skactive.ActiveINASRegressor`: dropout stays active in the head only (the
network's one dropout layer sits before it), the body runs once per batch, and the passes'
outputs give each sample a predictive standard deviation per output, in the network's
standardised units. The variance query labels the samples where it is largest, as
MC-dropout's ``"mean_std"`` does for classes (Gal et al., 2017).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from ._base import check_n_instances, network_estimator, pool_result, select_top, torch_generator
from ._docs import fill_doc


@validate_params(
    {
        "regressor": "no_validation",
        "X": "no_validation",
        "n_passes": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def mc_dropout_std(regressor, X, n_passes: int = 20, *, random_state=None) -> np.ndarray:
    """Standard deviation of each output over ``n_passes`` passes of the dropout head.

    Parameters
    ----------
    regressor : ActiveINASRegressor or a wrapper exposing one as ``.estimator``
        Fitted with ``dropout > 0``.
    X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
        Samples, run through the network batch by batch on its device.
    %(n_passes)s
    random_state : int, RandomState instance or None, default=None
        Seeds the head's dropout masks, through a torch generator of their own.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs), float32
        The passes' standard deviations, in the standardised units the network predicts
        (multiply by ``y_std_`` for the targets' units).

    Raises
    ------
    ValueError
        If the network was trained without dropout: every pass would be the same.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skactive import ActiveINASRegressor
    >>> from skactive.strategies import mc_dropout_std
    >>> X, y = make_friedman1(n_samples=60, random_state=0)
    >>> reg = ActiveINASRegressor(base_width=4, max_epochs=2, inas_iterations=0,
    ...                           random_state=0).fit(X[:50], y[:50])
    >>> mc_dropout_std(reg, X[50:], n_passes=5, random_state=0).shape
    (10, 1)
    """
    estimator = network_estimator(regressor, "mc_dropout_std")
    if estimator.net_.module_.head[0].p == 0:
        raise ValueError(
            "The predictive spread of MC-dropout needs dropout in the network: the estimator "
            "was trained with dropout=0; refit it with dropout > 0."
        )
    generator = torch_generator(random_state, estimator.device_)

    def spread(module, x):
        # The features once, the dropout head T times: the network's only dropout is there.
        outputs = module.head_samples(module.features(x), n_passes, generator).float()
        return outputs.std(dim=0)

    return estimator.forward_batches(X, spread)


@validate_params(
    {
        "regressor": "no_validation",
        "X_pool": "no_validation",
        "n_instances": "no_validation",
        "n_passes": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def variance_sampling(
    regressor,
    X_pool,
    n_instances: int = 1,
    *,
    n_passes: int = 20,
    random_state=None,
    return_utilities: bool = False,
):
    """Query the pool samples whose MC-dropout predictive variance is highest.

    Each sample's utility is its variance over ``n_passes`` passes of the dropout head
    (:func:`mc_dropout_std` squared), summed over the outputs in standardised units, so every
    output counts alike whatever its scale; the top ``n_instances`` are picked.

    Parameters
    ----------
    regressor : ActiveINASRegressor or a wrapper exposing one as ``.estimator``
        Fitted with ``dropout > 0``; a modAL ``ActiveLearner`` wrapping one works too.
    X_pool : array-like of shape (n_pool, n_features) or (n_pool,) + input_shape
        Unlabeled samples, scored batch by batch on the network's device.
    %(n_instances)s
    %(n_passes)s
    random_state : int, RandomState instance or None, default=None
        Seed of the head's dropout masks.
    %(return_utilities)s

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into ``X_pool``, highest variance first.
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skactive import ActiveINASRegressor
    >>> from skactive.strategies import variance_sampling
    >>> X, y = make_friedman1(n_samples=100, random_state=0)
    >>> reg = ActiveINASRegressor(base_width=4, max_epochs=2, inas_iterations=0,
    ...                           random_state=0).fit(X[:50], y[:50])
    >>> indices, samples = variance_sampling(reg, X[50:], n_instances=3, random_state=0)
    >>> samples.shape
    (3, 10)
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    std = mc_dropout_std(regressor, X_pool, n_passes, random_state=random_state)
    utility = (std.astype(np.float64) ** 2).sum(axis=1)
    indices = select_top(utility, n_instances)
    return pool_result(X_pool, indices, utility if return_utilities else None)
