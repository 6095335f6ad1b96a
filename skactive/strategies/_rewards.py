"""Unbiased rewards of a bandit over query strategies, from the labels its queries bring.

Two estimators, one per way of spending a batch (:class:`~skactive.strategies.AutoStrategy`):

- the whole batch from one drawn arm (ALBL's draw per query, made per batch): every pool
  sample has a known probability of being queried (:func:`inclusion_probabilities`), and a
  labeled batch estimates a model's gain in pool accuracy with Horvitz-Thompson weights
  (:func:`importance_weighted_gain`);
- the batch mixed slot by slot (:func:`~skactive.strategies.mix_batches`), each slot's arm
  drawn with the bandit's probabilities: a reward of each queried sample, known once its label
  arrives, estimates every arm's mean reward with EXP3's importance weights
  (:func:`slot_reward_estimates`).
"""

from __future__ import annotations

import numpy as np


def inclusion_probabilities(batches, probabilities, n_pool: int, n_instances: int) -> np.ndarray:
    """Probability of every pool sample to be in the batch a bandit over strategies queries.

    Parameters
    ----------
    batches : list of array-like of int or None
        Each arm's batch, indices into the pool; None for the random arm, which draws
        ``n_instances`` samples uniformly.
    probabilities : array-like of shape (n_arms,)
        Probability of drawing each arm; they sum to 1.
    n_pool : int
        Number of pool samples.
    n_instances : int
        Size of every batch.

    Returns
    -------
    ndarray of shape (n_pool,)
        ``sum_k p_k [x in B_k]`` over the listed batches, plus ``p_random * n_instances /
        n_pool`` for the random arm.

    Examples
    --------
    >>> from skactive.strategies import inclusion_probabilities
    >>> inclusion_probabilities([None, [0]], [0.5, 0.5], n_pool=2, n_instances=1).tolist()
    [0.75, 0.25]
    """
    inclusion = np.zeros(n_pool)
    for batch, probability in zip(batches, probabilities, strict=True):
        if batch is None:
            inclusion += probability * n_instances / n_pool
        else:
            inclusion[np.asarray(batch, dtype=np.intp)] += probability
    return inclusion


def importance_weighted_gain(correct_after, correct_before, inclusion, n_pool: int) -> float:
    """Horvitz-Thompson estimate of a model's gain in pool accuracy, from one queried batch.

    With ``inclusion`` the probability that each queried sample was in the batch, the sum of
    ``(after - before) / inclusion`` over the batch has the sum of ``after - before`` over the
    whole pool as its expectation, whichever arm drew the batch.

    Parameters
    ----------
    correct_after, correct_before : array-like of bool of shape (n_batch,)
        Whether the newer and the older model classify each queried sample correctly.
    inclusion : array-like of shape (n_batch,)
        Inclusion probability of each queried sample (:func:`inclusion_probabilities`).
    n_pool : int
        Number of pool samples the batch was drawn from.

    Returns
    -------
    float
        Estimated gain in accuracy over the pool, in [-1, 1] in expectation.

    Examples
    --------
    >>> from skactive.strategies import importance_weighted_gain
    >>> importance_weighted_gain([True, True], [False, True], [0.5, 0.5], n_pool=4)
    0.5
    """
    difference = np.asarray(correct_after, float) - np.asarray(correct_before, float)
    return float(np.sum(difference / np.asarray(inclusion, float)) / n_pool)


def slot_reward_estimates(rewards, arms, probabilities) -> np.ndarray:
    """EXP3 estimate of every arm's mean reward per slot, from one mixed batch.

    Each slot of the batch drew its arm ``a`` with probability ``p_a``; with ``r`` the rewards
    of the slots, arm ``k``'s estimate is ``sum(r[arms == k]) / (n_slots * p_k)``, whose
    expectation over the draws is the mean reward of a slot that draws arm ``k``, for every
    arm, drawn or not.

    Parameters
    ----------
    rewards : array-like of shape (n_slots,)
        Reward of each slot whose sample is labeled.
    arms : array-like of int of shape (n_slots,)
        The arm each slot drew, an index into ``probabilities``.
    probabilities : array-like of shape (n_arms,)
        The probability each slot drew each arm with; all above zero.

    Returns
    -------
    ndarray of shape (n_arms,)
        The estimates; zero for an arm no slot drew.

    Examples
    --------
    >>> from skactive.strategies import slot_reward_estimates
    >>> slot_reward_estimates([1, 0, 1, 1], [0, 0, 1, 1], [0.5, 0.5]).tolist()
    [0.5, 1.0]
    """
    rewards, arms = np.asarray(rewards, float), np.asarray(arms, np.intp)
    probabilities = np.asarray(probabilities, float)
    if len(rewards) == 0:
        return np.zeros(len(probabilities))
    totals = np.bincount(arms, weights=rewards, minlength=len(probabilities))
    return totals / (len(rewards) * probabilities)
