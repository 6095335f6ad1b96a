"""A regressor's predictive uncertainty: samples of its predictions, and the variance query.

For :class:`~skactive.ActiveINASRegressor`, three sources of predictions that disagree where
the model is unsure (:data:`PREDICTIVE_SOURCES`): MC-dropout, whose dropout stays active in the
head only (the network's one dropout layer sits before it) while the body runs once per batch;
a deep ensemble of networks from other seeds; and the free committee of the search's last
step (:meth:`~skactive.ActiveINASRegressor.committee`). :func:`predictive_samples` returns
their predictions in the targets' units, the input of the active-search strategies;
:func:`mc_dropout_std` the spread of MC-dropout in the network's standardised units. The
variance query labels the samples where the spread is largest, as MC-dropout's
``"mean_std"`` does for classes (Gal et al., 2017), or, over a committee, as query by
committee does for regression (Burbidge et al., 2007).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..networks import generator_dropout
from ..pool import map_pool
from ..training import forward_batches
from ._base import check_n_instances, network_estimator, pool_result, select_top, torch_generator
from ._docs import fill_doc
from ._ensemble import COMMITTEES

PREDICTIVE_SOURCES = ("mc_dropout", *COMMITTEES)
"""Values of ``source`` accepted by :func:`predictive_samples` and the regression queries."""


def _check_dropout(estimator) -> None:
    if estimator.net_.module_.head[0].p == 0:
        raise ValueError(
            "The predictive spread of MC-dropout needs dropout in the network: the estimator "
            "was trained with dropout=0; refit it with dropout > 0, or use a committee "
            "(source='members' or 'candidates')."
        )


def _thinned_chunk(chunk, start, estimator, masks):
    def passes(module, x):
        # One mask per sample of the posterior, shared by every pool sample: each pass is one
        # thinned network, a draw of the head's weights, not independent noise per sample.
        features = module.features(x)
        thinned = features.unsqueeze(0) * masks.unsqueeze(1).to(features.dtype)
        return module.head[1](thinned).float().transpose(0, 1)

    return estimator.forward_batches(chunk, passes)


def _outputs(module, x):
    return module(x)


def _committee_chunk(chunk, start, estimator, networks):
    X = estimator.network_input(chunk)
    return np.stack([forward_batches(net, X, _outputs) for net in networks], axis=1)


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
    _check_dropout(estimator)
    generator = torch_generator(random_state, estimator.device_)

    def spread(module, x):
        # The features once, the dropout head T times: the network's only dropout is there.
        outputs = module.head_samples(module.features(x), n_passes, generator).float()
        return outputs.std(dim=0)

    return estimator.forward_batches(X, spread)


@validate_params(
    {
        "regressor": "no_validation",
        "X": "no_validation",
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "source": [StrOptions(set(PREDICTIVE_SOURCES))],
        "n_members": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def predictive_samples(
    regressor,
    X,
    n_samples: int = 20,
    *,
    source: str = "mc_dropout",
    n_members: int = 5,
    random_state=None,
) -> np.ndarray:
    """Samples of the regressor's predictions, in the targets' units.

    Each sample is one network's prediction for every row of ``X``, so the samples spread
    where the model is unsure, and a sample is a whole function, as Thompson sampling needs:

    - ``"mc_dropout"``: ``n_samples`` thinned networks (Gal & Ghahramani, 2016), each with one
      dropout mask on the head's input shared by every row, i.e. one draw of the head's
      weights; the body's features are computed once per batch.
    - ``"members"``: a deep ensemble (Lakshminarayanan et al., 2017), ``n_members`` networks
      of ``architecture_`` trained on every label from other seeds, ``net_`` the first
      (:meth:`~skactive.ActiveINASRegressor.committee`); the others train on the first call
      for a labeled set and are kept until labels are taught.
    - ``"candidates"``: the networks of the search's last step, free: they trained anyway,
      on the search's split of the labels; one sample per candidate.

    Parameters
    ----------
    regressor : ActiveINASRegressor or a wrapper exposing one as ``.estimator``
        Fitted; with ``dropout > 0`` for ``"mc_dropout"``.
    X : array-like of shape (n_X, n_features) or (n_X,) + input_shape
        Samples; a NumPy memmap or a dask array is read chunk by chunk
        (:func:`skactive.pool.map_pool`).
    n_samples : int, default=20
        Number of MC-dropout samples. A committee gives one sample per network, so its size
        sets the first dimension instead.
    source : {"mc_dropout", "members", "candidates"}, default="mc_dropout"
        Where the samples come from, see above.
    n_members : int, default=5
        Size of the ``"members"`` ensemble, ``net_`` included; at least 2.
    random_state : int, RandomState instance or None, default=None
        Seeds the dropout masks; the committees are deterministic given the estimator
        (the members' seeds derive from its ``random_state``).

    Returns
    -------
    ndarray of shape (n_samples, n_X, n_outputs), float64
        The predictions, un-standardised with ``y_mean_`` and ``y_std_``; ``n_outputs`` is 1
        for targets fitted as a vector.

    Raises
    ------
    TypeError
        If ``regressor`` is not a fitted ActiveINASRegressor (or a wrapper of one).
    ValueError
        If ``"mc_dropout"`` is asked of a network trained without dropout, or
        ``"candidates"`` of an estimator whose last search trained fewer than two.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skactive import ActiveINASRegressor
    >>> from skactive.strategies import predictive_samples
    >>> X, y = make_friedman1(n_samples=60, random_state=0)
    >>> reg = ActiveINASRegressor(base_width=4, max_epochs=2, inas_iterations=0,
    ...                           random_state=0).fit(X[:50], y[:50])
    >>> predictive_samples(reg, X[50:], n_samples=8, random_state=0).shape
    (8, 10, 1)
    >>> predictive_samples(reg, X[50:], source="members", n_members=3).shape
    (3, 10, 1)
    """
    estimator = network_estimator(regressor, "predictive_samples")
    if not hasattr(estimator, "y_std_"):
        raise TypeError(
            "predictive_samples needs a fitted ActiveINASRegressor (or a modAL ActiveLearner "
            f"wrapping one); got {type(estimator).__name__}."
        )
    if source == "mc_dropout":
        _check_dropout(estimator)
        linear = estimator.net_.module_.head[1]
        ones = torch.ones((n_samples, linear.in_features), device=estimator.device_)
        masks = generator_dropout(
            ones,
            estimator.net_.module_.head[0].p,
            torch_generator(random_state, estimator.device_),
        )
        rows = map_pool(_thinned_chunk, X, estimator, masks)
    else:
        networks = estimator.committee(source, n_members)
        rows = map_pool(_committee_chunk, X, estimator, networks)
    scaled = np.asarray(rows, dtype=np.float64).transpose(1, 0, 2)
    return scaled * np.reshape(estimator.y_std_, -1) + np.reshape(estimator.y_mean_, -1)


@validate_params(
    {
        "regressor": "no_validation",
        "X_pool": "no_validation",
        "n_instances": "no_validation",
        "n_passes": [Interval(Integral, 2, None, closed="left")],
        "source": [StrOptions(set(PREDICTIVE_SOURCES))],
        "n_members": [Interval(Integral, 2, None, closed="left")],
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
    source: str = "mc_dropout",
    n_members: int = 5,
    random_state=None,
    return_utilities: bool = False,
):
    """Query the pool samples whose predictive variance is highest.

    Each sample's utility is the variance of its predictions, summed over the outputs in
    standardised units, so every output counts alike whatever its scale; the top
    ``n_instances`` are picked. By default the variance is MC-dropout's, over ``n_passes``
    passes of the dropout head (:func:`mc_dropout_std` squared); over a committee
    (``source="members"`` or ``"candidates"``) it is the committee's disagreement, query by
    committee for regression (Burbidge et al., 2007; Krogh & Vedelsby, 1995), the sample
    variance of its networks' predictions (:func:`predictive_samples`).

    Parameters
    ----------
    regressor : ActiveINASRegressor or a wrapper exposing one as ``.estimator``
        Fitted, with ``dropout > 0`` for MC-dropout; a modAL ``ActiveLearner`` wrapping one
        works too.
    X_pool : array-like of shape (n_pool, n_features) or (n_pool,) + input_shape
        Unlabeled samples, scored batch by batch on the network's device.
    %(n_instances)s
    %(n_passes)s
    source : {"mc_dropout", "members", "candidates"}, default="mc_dropout"
        Whose predictions spread: the dropout head's passes, a deep ensemble of
        ``n_members`` networks, or the networks of the search's last step (see
        :func:`predictive_samples`). ``n_passes`` counts for ``"mc_dropout"`` only.
    n_members : int, default=5
        Size of the ``"members"`` committee, ``net_`` included.
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
    >>> indices, samples = variance_sampling(reg, X[50:], n_instances=3, source="members",
    ...                                      n_members=3)
    >>> samples.shape
    (3, 10)
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    if source == "mc_dropout":
        std = mc_dropout_std(regressor, X_pool, n_passes, random_state=random_state)
        utility = (std.astype(np.float64) ** 2).sum(axis=1)
    else:
        estimator = network_estimator(regressor, "variance_sampling")
        samples = predictive_samples(estimator, X_pool, source=source, n_members=n_members)
        scaled = samples / np.reshape(estimator.y_std_, -1)
        utility = scaled.var(axis=0, ddof=1).sum(axis=1)
    indices = select_top(utility, n_instances)
    return pool_result(X_pool, indices, utility if return_utilities else None)
