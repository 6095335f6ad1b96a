"""Small helpers the estimator, the strategies and the experiments share."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

SEED_MAX = np.iinfo(np.int32).max
"""Seeds handed to numpy and torch are drawn from ``[0, SEED_MAX)``."""


def draw_seed(random_state, size=None):
    """Draw seeds for numpy or torch from a scikit-learn ``random_state``.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The source, as scikit-learn estimators take it.
    size : int or None, default=None
        How many seeds; None draws one.

    Returns
    -------
    int or list of int
        One seed, or ``size`` of them, in ``[0, SEED_MAX)``.

    Examples
    --------
    >>> from skactive.utils import draw_seed
    >>> draw_seed(0) == draw_seed(0)
    True
    >>> len(draw_seed(0, size=3))
    3
    """
    rng = check_random_state(random_state)
    if size is None:
        return int(rng.randint(SEED_MAX))
    return [int(seed) for seed in rng.randint(SEED_MAX, size=size)]
