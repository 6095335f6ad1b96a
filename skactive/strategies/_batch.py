"""Choosing a batch from utilities: the top scores, or a sample that favours them.

Taking the ``n`` highest utilities ignores that neighbouring samples carry the same
information, so a top-k batch can crowd into one region, or onto a few classes. Stochastic
batch acquisition (Kirsch et al., "Stochastic Batch Acquisition: A Simple Baseline for Deep
Active Learning", TMLR 2023) samples the batch instead, without replacement, with probability
growing with the utility; at top-k's cost it matches far costlier batch-aware methods.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..utils import draw_seed
from ._base import check_n_instances, pool_result, select_top
from ._docs import fill_doc

BATCH_MODES = ("top", "power", "softmax", "softrank")
"""How a batch is chosen from utilities: see :func:`select_batch`."""


def _log_weights(utility: np.ndarray, mode: str, beta: float) -> np.ndarray:
    if mode == "power":
        if np.any(utility < 0):
            raise ValueError(
                "batch_mode='power' samples in proportion to utility**beta, so it needs "
                "utilities >= 0; use 'softmax' or 'softrank' for this one."
            )
        # A zero utility gets the smallest positive weight, so zeros are still drawn at random
        # once everything better is taken.
        return beta * np.log(np.maximum(utility, np.finfo(np.float64).tiny))
    if mode == "softmax":
        return beta * utility
    ranks = np.empty(len(utility))
    ranks[select_top(utility, len(utility))] = np.arange(1, len(utility) + 1)
    return -beta * np.log(ranks)


@validate_params(
    {
        "utility": ["array-like"],
        "n_instances": [Interval(Integral, 1, None, closed="left")],
        "mode": [StrOptions(set(BATCH_MODES))],
        "beta": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def select_batch(
    utility, n_instances: int, mode: str = "top", beta: float = 1.0, random_state=None
):
    """Indices of a batch of ``n_instances`` pool samples chosen from their utilities.

    - ``"top"``: the highest utilities, best first, ties to the lower index
      (:func:`select_top`);
    - ``"power"``: sampled without replacement with probability proportional to
      ``utility ** beta`` (utilities must be >= 0: BALD, entropy, least confidence);
    - ``"softmax"``: proportional to ``exp(beta * utility)``;
    - ``"softrank"``: proportional to ``rank ** -beta``, the best sample having rank 1.

    The stochastic modes are those of Kirsch et al. (2023), who found ``beta=1`` a good default.
    Only ``"softmax"`` depends on the utilities' scale: on utilities in [0, 1] ``beta=1``
    changes the weights by at most a factor of e, which is close to a uniform draw.
    A sample without replacement is drawn in one pass with the Gumbel-top-k trick: the
    ``n_instances`` largest ``log(weight) + Gumbel noise`` (Kool et al., 2019).

    Parameters
    ----------
    utility : array-like of shape (n_samples,)
        Score of each pool sample; higher is more worth labeling. NaN ranks last.
    %(n_indices)s
    mode : {"top", "power", "softmax", "softrank"}, default="top"
        How to choose.
    beta : float, default=1.0
        Inverse temperature of the stochastic modes: 0 draws uniformly, larger values come
        closer to ``"top"``.
    random_state : int, RandomState instance or None, default=None
        Seed of the stochastic modes; ``"top"`` does not draw.

    Returns
    -------
    ndarray of shape (n_instances,)
        Indices into the pool, in the order drawn.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import select_batch
    >>> utility = np.array([0.1, 0.9, 0.5, 0.8])
    >>> select_batch(utility, 2).tolist()
    [1, 3]
    >>> picks = select_batch(utility, 2, mode="power", random_state=0)
    >>> len(set(picks.tolist()))
    2
    """
    utility = np.asarray(utility, dtype=np.float64)
    n_instances = check_n_instances(n_instances, len(utility))
    if mode == "top":
        return select_top(utility, n_instances)
    keys = _log_weights(utility, mode, float(beta))
    keys = keys + check_random_state(random_state).gumbel(size=len(utility))
    return select_top(keys, n_instances)


@validate_params(
    {
        "estimator": "no_validation",
        "X_pool": "no_validation",
        "n_instances": "no_validation",
        "strategy": [callable],
        "batch_mode": [StrOptions(set(BATCH_MODES))],
        "beta": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def stochastic_batch(
    estimator,
    X_pool,
    n_instances: int = 1,
    *,
    strategy,
    batch_mode: str = "power",
    beta: float = 1.0,
    random_state=None,
    return_utilities: bool = False,
    **strategy_kwargs,
):
    """Query a batch drawn by :func:`select_batch` from the utilities of a score-based strategy.

    Stochastic batches for a strategy that has no ``batch_mode`` of its own, such as
    :func:`variance_sampling` for a regressor: ``strategy`` scores the pool once
    (``return_utilities=True``), and the batch is sampled from those scores. It fits
    strategies that rank samples by a score, whose top-k batch is :func:`select_top` of their
    utilities; not greedy ones (:func:`greedy_sampling_x`), whose utilities hold only for
    their first pick. ``"variance:power"`` and the other modes name it for a regressor.

    Parameters
    ----------
    estimator : object
        Passed to ``strategy``.
    X_pool : array-like of shape (n_pool, ...)
        Unlabeled samples, passed to ``strategy``.
    %(n_instances)s
    strategy : callable
        A strategy taking ``random_state`` and ``return_utilities``; utilities >= 0 for
        ``batch_mode="power"``.
    batch_mode : {"top", "power", "softmax", "softrank"}, default="power"
        How the batch is drawn (:func:`select_batch`); ``"top"`` gives the strategy's own
        batch.
    %(beta)s
    random_state : int, RandomState instance or None, default=None
        Seeds ``strategy`` and the draw, each with a seed of its own.
    %(return_utilities)s
    **strategy_kwargs
        Passed to ``strategy``.

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into ``X_pool``, in the order drawn.
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import pool_result, select_top, stochastic_batch
    >>> def larger(estimator, X_pool, n_instances=1, *, random_state=None,
    ...            return_utilities=False):
    ...     utilities = np.asarray(X_pool, dtype=float)
    ...     indices = select_top(utilities, n_instances)
    ...     return pool_result(X_pool, indices, utilities if return_utilities else None)
    >>> indices, samples = stochastic_batch(None, np.arange(10.0), 3, strategy=larger,
    ...                                     random_state=0)
    >>> len(set(indices.tolist()))
    3
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    rng = check_random_state(random_state)
    _, _, utilities = strategy(
        estimator,
        X_pool,
        1,
        random_state=draw_seed(rng),
        return_utilities=True,
        **strategy_kwargs,
    )
    indices = select_batch(utilities, n_instances, batch_mode, beta, rng)
    return pool_result(X_pool, indices, utilities if return_utilities else None)


def mix_batches(batches, arms) -> np.ndarray:
    """A batch filled slot by slot from several ranked batches.

    Slot ``s`` takes the first sample of ``batches[arms[s]]`` not taken yet; when that batch
    has none left (every one taken by earlier slots), the next batch in order that has one
    gives it, so the slot keeps its arm and the batch its size. Every batch is taken in its
    own order, so a slot takes an arm's best pick left: a prefix of a ranked or greedy batch
    (top-k, k-means++ seeding, core-set) is what that strategy would query with a smaller
    budget.

    Parameters
    ----------
    batches : list of array-like of int
        Each arm's batch, distinct indices into the pool, best first.
    arms : array-like of int of shape (n_slots,)
        The arm of each slot, an index into ``batches``.

    Returns
    -------
    ndarray of shape (n_slots,)
        Distinct pool indices, one per slot.

    Examples
    --------
    >>> from skactive.strategies import mix_batches
    >>> mix_batches([[4, 2, 7], [4, 5, 6]], [1, 0, 0]).tolist()
    [4, 2, 7]
    """
    batches = [np.asarray(batch, dtype=np.intp) for batch in batches]
    arms = np.asarray(arms, dtype=np.intp)
    if len(arms) > len(np.unique(np.concatenate(batches))):
        raise ValueError(
            f"mix_batches needs at least {len(arms)} distinct samples in the batches to fill "
            f"{len(arms)} slots."
        )
    taken, chosen, next_pick = set(), [], [0] * len(batches)
    for arm in arms.tolist():
        for source in [arm, *range(arm + 1, len(batches)), *range(arm)]:
            batch = batches[source]
            while next_pick[source] < len(batch) and int(batch[next_pick[source]]) in taken:
                next_pick[source] += 1
            if next_pick[source] < len(batch):
                chosen.append(int(batch[next_pick[source]]))
                taken.add(chosen[-1])
                break
    return np.array(chosen, dtype=np.intp)
