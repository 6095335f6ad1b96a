"""The statistics of learning curves: normalised area under a curve, t intervals of gains."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
from scipy import stats
from scipy.integrate import trapezoid
from sklearn.utils._param_validation import Interval, validate_params


@validate_params(
    {"n_labeled": ["array-like"], "accuracy": ["array-like"]}, prefer_skip_nested_validation=True
)
def normalized_auc(n_labeled, accuracy) -> float:
    """Area under a learning curve divided by its range of labels: its mean accuracy.

    Parameters
    ----------
    n_labeled : array-like of shape (n_rounds,)
        Numbers of labels, increasing.
    accuracy : array-like of shape (n_rounds,)
        Test accuracy at each of them.

    Returns
    -------
    float
        ``trapezoid(accuracy, n_labeled) / (n_labeled[-1] - n_labeled[0])``; the single
        accuracy for a one-point curve.

    Examples
    --------
    >>> from skactive.experiment import normalized_auc
    >>> normalized_auc([100, 200, 400], [0.5, 0.7, 0.8])
    0.7
    """
    n_labeled = np.asarray(n_labeled, dtype=np.float64)
    accuracy = np.asarray(accuracy, dtype=np.float64)
    if len(n_labeled) != len(accuracy) or len(n_labeled) == 0:
        raise ValueError("n_labeled and accuracy must be non-empty and of the same length.")
    if len(n_labeled) == 1:
        return float(accuracy[0])
    if np.any(np.diff(n_labeled) <= 0):
        raise ValueError("n_labeled must be strictly increasing.")
    return float(trapezoid(accuracy, n_labeled) / (n_labeled[-1] - n_labeled[0]))


@validate_params(
    {"values": ["array-like"], "confidence": [Interval(Real, 0, 1, closed="neither")]},
    prefer_skip_nested_validation=True,
)
def t_interval(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``values`` and its Student-t confidence interval.

    Parameters
    ----------
    values : array-like of shape (n,)
        One value per repetition, e.g. paired AUC differences.
    confidence : float, default=0.95
        Coverage of the interval.

    Returns
    -------
    mean, low, high : float
        ``mean ± t_{(1+confidence)/2, n-1} * std(ddof=1) / sqrt(n)``; ``low`` and ``high`` are
        NaN when ``n < 2``.

    Examples
    --------
    >>> from skactive.experiment import t_interval
    >>> [round(v, 3) for v in t_interval([0.01, 0.02, 0.03])]
    [0.02, -0.005, 0.045]
    """
    values = np.asarray(values, dtype=np.float64)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, math.nan, math.nan
    # The standard t interval scaled by the standard error; scipy's ``loc``/``scale`` form
    # would give NaN instead of a zero-width interval when every value is the same.
    low, high = stats.t.interval(confidence, len(values) - 1)
    sem = stats.sem(values)
    return mean, mean + float(low * sem), mean + float(high * sem)


def class_share_range(n_labeled, counts) -> tuple[float, float]:
    """Smallest and largest class's share of the labeled set, as a multiple of an equal share.

    How evenly a strategy spreads its labels over the classes: 1 to 1 is a labeled set with
    the same number of labels of every class; a top-k batch that crowds onto a few classes
    drives the smallest share towards 0.

    Parameters
    ----------
    n_labeled : array-like of shape (n_rounds,)
        Number of labels of each round.
    counts : array-like of shape (n_repeats, n_rounds, n_classes)
        Labels of each class, each round of each repetition
        (:meth:`ExperimentResult.labels_per_class`).

    Returns
    -------
    low, high : float
        The smallest and the largest ``count / (n_labeled / n_classes)`` over every class,
        round and repetition given.

    Examples
    --------
    >>> from skactive.experiment import class_share_range
    >>> class_share_range([10], [[[2, 5, 3]]])
    (0.6, 1.5)
    """
    counts = np.asarray(counts, dtype=np.float64)
    equal = np.asarray(n_labeled, dtype=np.float64)[None, :, None] / counts.shape[-1]
    shares = counts / equal
    return float(shares.min()), float(shares.max())
