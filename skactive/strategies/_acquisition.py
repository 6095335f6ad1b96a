"""Acquisition of active search: scores of the best targets, and batches that spread.

The scores of :mod:`._active_search`'s strategies as functions of predictive samples of one
output (larger being better): the upper confidence bound (Srinivas et al., 2010) and the
expected improvement (Jones et al., 1998); and two batch selectors, local penalisation
(González et al., 2016; Alvi et al., 2019) and batch Thompson sampling (Kandasamy et al., 2018).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy.stats import norm
from sklearn.utils._param_validation import Interval, validate_params

from ._base import check_n_instances
from ._docs import fill_doc

_HARD_PENALTY_POWER = 5
"""Exponent of the hard local penaliser: 5, as in Alvi et al.'s experiments."""


def predictive_mean_std(samples) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of predictive samples, pool sample by pool sample.

    The standard deviation with ``ddof=1``, as :func:`mc_dropout_std` and
    ``ActiveINASRegressor.predict(return_std=True)`` take it.

    Parameters
    ----------
    samples : array-like of shape (n_samples, n_pool)
        Predictions of one output, at least two samples.

    Returns
    -------
    mean : ndarray of shape (n_pool,)
        Their mean.
    std : ndarray of shape (n_pool,)
        Their standard deviation.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import predictive_mean_std
    >>> mean, std = predictive_mean_std(np.array([[1.0, 5.0], [3.0, 5.0]]))
    >>> mean.tolist(), std.round(4).tolist()
    ([2.0, 5.0], [1.4142, 0.0])
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2 or len(samples) < 2:
        raise ValueError(
            "samples must have shape (n_samples, n_pool) with at least 2 samples, "
            f"got {samples.shape}."
        )
    return samples.mean(axis=0), samples.std(axis=0, ddof=1)


def ucb_utility(samples, kappa: float = 1.96) -> np.ndarray:
    """Upper confidence bound of each pool sample: ``mean + kappa * std`` over the samples.

    Parameters
    ----------
    samples : array-like of shape (n_samples, n_pool)
        Predictions of one output, e.g. ``predictive_samples(...)[:, :, 0]``; negate them to
        search for the smallest target.
    kappa : float, default=1.96
        Weight of the standard deviation (ddof=1): 0 exploits the mean alone; 1.96 is the
        one-sided 97.5% bound of a normal prediction.

    Returns
    -------
    ndarray of shape (n_pool,)
        The bounds, in the samples' units.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import ucb_utility
    >>> ucb_utility(np.array([[1.0, 5.0], [3.0, 5.0]]), kappa=1.0).round(4)
    array([3.4142, 5.    ])
    """
    mean, std = predictive_mean_std(samples)
    return mean + kappa * std


def expected_improvement_utility(samples, best: float, xi: float = 0.0) -> np.ndarray:
    """Expected improvement of each pool sample over ``best``, under a normal prediction.

    With ``m`` and ``s`` the samples' mean and standard deviation (ddof=1) and
    ``z = (m - best - xi) / s``: ``(m - best - xi) * Phi(z) + s * phi(z)`` (Jones et al.,
    1998), and ``max(m - best - xi, 0)`` where ``s = 0``.

    Parameters
    ----------
    samples : array-like of shape (n_samples, n_pool)
        Predictions of one output; negate them (and ``best``) to search for the smallest.
    best : float
        The best target labeled so far.
    xi : float, default=0.0
        Improvement required beyond ``best``, in the targets' units; larger explores more.

    Returns
    -------
    ndarray of shape (n_pool,)
        The expected improvements, >= 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import expected_improvement_utility
    >>> samples = np.array([[0.0, 2.0, 1.0], [2.0, 2.0, 1.0]])
    >>> expected_improvement_utility(samples, best=1.0).round(4)
    array([0.5642, 1.    , 0.    ])
    """
    mean, std = predictive_mean_std(samples)
    gain = mean - best - xi
    with np.errstate(divide="ignore", invalid="ignore"):
        z = gain / std
        expected = gain * norm.cdf(z) + std * norm.pdf(z)
    return np.where(std > 0, np.maximum(expected, 0.0), np.maximum(gain, 0.0))


@validate_params(
    {
        "utility": ["array-like"],
        "features": ["array-like"],
        "mean": ["array-like"],
        "std": ["array-like"],
        "n_instances": [Interval(Integral, 1, None, closed="left")],
        "lipschitz": [Interval(Real, 0, None, closed="neither")],
        "maximum": [Real],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def local_penalization(
    utility, features, mean, std, n_instances: int, *, lipschitz: float, maximum: float
) -> np.ndarray:
    """A batch by greedy maximisation of a utility penalised around every pick.

    Local penalisation (González et al., 2016) reasons that a pick ``x_j`` whose target
    will be ``f(x_j)`` rules out, if ``f`` is ``L``-Lipschitz, a ball of radius
    ``(M - f(x_j)) / L`` around it from holding the maximum ``M``; the next pick maximises the
    utility times a penaliser that is small inside the balls of the picks so far. The hard
    penaliser of Alvi et al. (2019), ``(1 + (rho_j / d)^5)^(-1/5)`` at distance ``d`` with
    ``rho_j = (M - mean_j + std_j) / L``, falls to 0 at the pick itself, so the batch never
    spends two labels on one point, where the soft penaliser of González et al. keeps half
    the utility of a pick predicted at the maximum.

    It needs a space where distances mean something and ``L`` is known. Fantasising labels
    ("kriging believer") would retrain the network once per slot; in its penultimate features
    instead the network's predicted mean is a linear function (the head), whose Lipschitz
    constant is the norm of the head's weights: exact, and free. The strategies pass those
    features and that constant.

    Parameters
    ----------
    utility : array-like of shape (n_pool,)
        Acquisition values, >= 0 (e.g. :func:`expected_improvement_utility`).
    features : array-like of shape (n_pool, n_features)
        Where the balls are measured, e.g. the network's penultimate features.
    mean : array-like of shape (n_pool,)
        Predicted targets, larger being better.
    std : array-like of shape (n_pool,)
        Their standard deviations.
    %(n_points)s
    lipschitz : float
        Lipschitz constant ``L`` of the target in ``features``, > 0.
    maximum : float
        Estimate of the best target ``M``, at least ``max(mean)``.

    Returns
    -------
    ndarray of shape (n_instances,)
        Indices into the pool, in the order picked: the first is the utility's argmax. Once
        no sample keeps a positive penalised utility, the batch goes on in the order of the
        utilities.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import local_penalization
    >>> features = np.array([[0.0], [0.001], [1.0]])
    >>> mean, std = np.array([2.0, 2.0, 1.0]), np.array([0.1, 0.1, 0.1])
    >>> local_penalization(mean + std, features, mean, std, 2, lipschitz=1.0, maximum=2.0)
    array([0, 2])
    """
    utility = np.asarray(utility, dtype=np.float64)
    features = np.asarray(features, dtype=np.float64)
    mean = np.asarray(mean, dtype=np.float64)
    std = np.asarray(std, dtype=np.float64)
    n_instances = check_n_instances(n_instances, len(utility))
    if features.ndim != 2 or not len(features) == len(mean) == len(std) == len(utility):
        raise ValueError(
            "utility, mean and std must have one entry per row of features, got shapes "
            f"{utility.shape}, {mean.shape}, {std.shape} and {features.shape}."
        )
    if (utility < 0).any():
        raise ValueError("utility must be >= 0: the penalisation multiplies it.")
    radius = (np.maximum(maximum - mean, 0.0) + std) / lipschitz
    with np.errstate(divide="ignore"):
        score = np.log(utility)
    picked = np.zeros(len(utility), dtype=bool)
    order = []
    for _ in range(n_instances):
        live = np.where(picked, -np.inf, score)
        best = int(np.argmax(live))
        if live[best] == -np.inf:
            rest = np.flatnonzero(~picked)
            best = int(rest[np.argmax(utility[rest])])
        order.append(best)
        picked[best] = True
        distance = np.linalg.norm(features - features[best], axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = radius[best] / distance
        # At the pick itself the penalty is total, even where its ball has no radius.
        ratio = np.where(distance > 0, ratio, np.inf)
        score = score - np.log1p(ratio**_HARD_PENALTY_POWER) / _HARD_PENALTY_POWER
    return np.asarray(order, dtype=np.intp)


@fill_doc
def thompson_select(samples, n_instances: int) -> np.ndarray:
    """A batch of Thompson sampling: each slot takes the best pool sample of one posterior draw.

    Slot ``k`` takes the argmax of sample ``k`` among the pool samples not picked yet
    (Kandasamy et al., 2018), so no pool sample is picked twice; the samples are used again
    in turn when the batch is larger than their number.

    Parameters
    ----------
    samples : array-like of shape (n_samples, n_pool)
        Posterior samples of one output, in a random order, larger being better.
    %(n_points)s

    Returns
    -------
    ndarray of shape (n_instances,)
        Distinct indices into the pool, in the order picked.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import thompson_select
    >>> thompson_select(np.array([[3.0, 1.0, 2.0], [3.0, 2.0, 1.0]]), 3)
    array([0, 1, 2])
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2:
        raise ValueError(f"samples must have shape (n_samples, n_pool), got {samples.shape}.")
    n_instances = check_n_instances(n_instances, samples.shape[1])
    picked = np.zeros(samples.shape[1], dtype=bool)
    order = []
    for slot in range(n_instances):
        best = int(np.argmax(np.where(picked, -np.inf, samples[slot % len(samples)])))
        order.append(best)
        picked[best] = True
    return np.asarray(order, dtype=np.intp)
