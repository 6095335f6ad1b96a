"""Small helpers the estimator, the strategies and the experiments share."""

from __future__ import annotations

from numbers import Integral

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


def derive_seed(random_state, *keys, size=None):
    """Derive independent seeds from a ``random_state`` and integer keys.

    The seeds come from ``numpy.random.SeedSequence([seed, *keys])``, so different keys give
    statistically independent streams (one per round, per chunk of the pool, per purpose),
    and the same ``random_state`` and keys give the same seeds in every process.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The source, as scikit-learn estimators take it. An int is used as it is; a
        ``RandomState`` or None first gives one seed with :func:`draw_seed`.
    *keys : int
        Non-negative integers that name the stream (a round's number of labels, a chunk's
        offset, ...).
    size : int or None, default=None
        How many seeds; None derives one.

    Returns
    -------
    int or list of int
        One seed, or ``size`` of them, in ``[0, 2**32)``: valid for ``numpy.random.RandomState``
        and ``torch.Generator.manual_seed``.

    Examples
    --------
    >>> from skactive.utils import derive_seed
    >>> derive_seed(0, 200) == derive_seed(0, 200)
    True
    >>> derive_seed(0, 200) == derive_seed(0, 400)
    False
    """
    if not isinstance(random_state, Integral):
        random_state = draw_seed(random_state)
    seeds = np.random.SeedSequence([int(random_state), *keys]).generate_state(size or 1)
    if size is None:
        return int(seeds[0])
    return [int(seed) for seed in seeds]
