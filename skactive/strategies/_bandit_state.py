"""The bandit's bookkeeping: what each query held, matched to the labels taught since.

:class:`~skactive.strategies.AutoStrategy` keeps, for every round, the samples it queried
(by digest, :func:`row_keys`) with what it needs to reward them: under ``"mix"`` each slot's
arm and the model's prediction of its sample, under ``"albl"`` every model's predictions of
the pool, each batch's inclusion probabilities and the arm drawn. At each query the labels
taught so far (:func:`taught_labels`) re-estimate every round's reward with the estimators of
``_rewards`` and replay the EXP3 updates from the weights the rewards started from
(:func:`reweight_slots`, :func:`reweight_gains`), so a label that arrives late still counts.
"""

from __future__ import annotations

import hashlib

import numpy as np

from ._base import labeled_set
from ._docs import fill_doc
from ._rewards import importance_weighted_gain, slot_reward_estimates


def row_keys(chunk, start) -> np.ndarray:
    """A digest of every sample, to find it in the labeled set whatever order it was taught in.

    Parameters
    ----------
    chunk : array-like of shape (n_samples, ...)
        Samples; digested as float32, so a sample taught as float64 is found too.
    start : int
        Index of the chunk's first row in the pool (unused; :func:`~skactive.pool.map_pool`
        passes it).

    Returns
    -------
    ndarray of dtype S16 and shape (n_samples,)
        The samples' BLAKE2b digests.
    """
    rows = np.asarray(chunk, dtype=np.float32).reshape(len(chunk), -1)
    return np.array(
        [hashlib.blake2b(row.tobytes(), digest_size=16).digest() for row in rows], dtype="S16"
    )


def chunk_predictions(chunk, start, classifier) -> np.ndarray:
    """The classifier's predictions of a chunk of the pool, for :func:`~skactive.pool.map_pool`.

    Parameters
    ----------
    chunk : array-like of shape (n_samples, ...)
        Pool samples.
    start : int
        Index of the chunk's first row in the pool (unused).
    classifier : object
        A fitted classifier with ``predict``.

    Returns
    -------
    ndarray of shape (n_samples,)
        The predicted labels.
    """
    return np.asarray(classifier.predict(chunk))


def taught_labels(classifier) -> dict:
    """The labels of the classifier's labeled set, by sample digest (:func:`row_keys`).

    Parameters
    ----------
    classifier : ActiveINASClassifier or modAL ActiveLearner
        Holds its labeled set, or wraps one that does (:func:`labeled_set`).

    Returns
    -------
    dict of bytes to label
        Every labeled sample's label, by its digest.

    Raises
    ------
    TypeError
        If ``classifier`` holds no labeled set.
    """
    held = labeled_set(classifier)
    if held is not None and all(part is not None for part in held):
        X_labeled, y_labeled = held
        return dict(zip(row_keys(X_labeled, 0).tolist(), np.asarray(y_labeled).tolist()))
    raise TypeError(
        "query_strategy='auto' learns from the labels its queries bring, so it needs a "
        "classifier holding its labeled set (an ActiveINASClassifier or a modAL ActiveLearner); "
        f"got {type(classifier).__name__}."
    )


@fill_doc
def reweight_slots(slots, labels, log_weights, learning_rate, names, first_round):
    """Re-estimate every mixed round's rewards from the labels taught, and re-weight the arms.

    A slot's reward is 1 when the model that chose its sample misclassified it; each round
    moves the log-weights by ``learning_rate`` times its :func:`slot_reward_estimates`.

    Parameters
    ----------
    slots : list of tuple
        One ``(keys, arms, predicted, probabilities)`` per round: every slot's sample digest,
        arm and predicted label, and the arms' probabilities the slots were drawn with.
    %(labels_taught)s
    log_weights : ndarray of shape (n_arms,)
        The log-weights before the first of ``slots``; not modified.
    %(learning_rate_exp3)s
    %(arm_names)s
    first_round : int
        Index of the round of ``slots[0]``, for the records.

    Returns
    -------
    %(log_weights_reweighted)s
    rewards : list of dict
        Each arm's share of mistakes among its labeled slots, by round: ``{"round",
        "strategy", "reward", "n_samples"}``.
    """
    log_weights = log_weights.copy()
    rewards = []
    for t, (keys, arms, predicted, probabilities) in enumerate(slots):
        known = np.array([key in labels for key in keys.tolist()], dtype=bool)
        if not known.any():
            continue
        y = np.array([labels[key] for key in keys[known].tolist()])
        mistakes = (predicted[known] != y).astype(float)
        log_weights += learning_rate * slot_reward_estimates(mistakes, arms[known], probabilities)
        for arm in np.unique(arms[known]).tolist():
            mine = arms[known] == arm
            rewards.append(
                {
                    "round": first_round + t,
                    "strategy": names[arm],
                    "reward": float(mistakes[mine].mean()),
                    "n_samples": int(mine.sum()),
                }
            )
    return log_weights, rewards


@fill_doc
def reweight_gains(models, batches, draws, labels, log_weights, learning_rate, names):
    """Re-estimate every past round's gain on all batches labeled since, and re-weight.

    The labels drawn in round t moved the model from ``h_t`` to ``h_t+1``; both models
    predicted every batch queried from round t + 1 on before either was trained on it, so
    each such batch gives one unbiased estimate of the gain (:func:`importance_weighted_gain`),
    and their mean gets better as labels arrive. The arm drawn in round t moves by
    ``learning_rate * gain / p``, ``p`` its probability when drawn.

    Parameters
    ----------
    models : list of tuple
        One ``(sorted_keys, predictions)`` per round: the pool's digests, sorted, and the
        round's model's predictions of them.
    batches : list of tuple
        One ``(keys, inclusion, n_pool)`` per round: the batch's digests, their inclusion
        probabilities, and the size of the pool it was drawn from.
    draws : list of tuple
        One ``(name, probability)`` per round: the arm drawn and its probability.
    %(labels_taught)s
    log_weights : ndarray of shape (n_arms,)
        The log-weights before the first of ``models``; not modified.
    %(learning_rate_exp3)s
    %(arm_names)s

    Returns
    -------
    %(log_weights_reweighted)s
    gains : list of dict
        The estimates, by the arm credited: ``{"strategy", "gain", "n_batches"}``.
    """
    log_weights = log_weights.copy()
    gains = []
    for t in range(1, len(models)):
        estimates = []
        for keys, inclusion, n_pool in batches[t:]:
            if not all(k in labels for k in keys.tolist()):
                continue  # a batch not (yet) taught in full measures nothing
            after, before = _lookup(models[t], keys), _lookup(models[t - 1], keys)
            if after is None or before is None:
                continue
            y = np.array([labels[k] for k in keys.tolist()])
            gain = importance_weighted_gain(after == y, before == y, inclusion, n_pool)
            # Horvitz-Thompson weights can make one batch's estimate exceed any gain.
            estimates.append(float(np.clip(gain, -1.0, 1.0)))
        if estimates:
            name, probability = draws[t - 1]
            gain = float(np.mean(estimates))
            log_weights[names.index(name)] += learning_rate * gain / probability
            gains.append({"strategy": name, "gain": gain, "n_batches": len(estimates)})
    return log_weights, gains


def _lookup(model, keys):
    """A model's predictions for the samples ``keys``, if it predicted all of them."""
    sorted_keys, predictions = model
    where = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    if not np.array_equal(sorted_keys[where], keys):
        return None
    return predictions[where]
