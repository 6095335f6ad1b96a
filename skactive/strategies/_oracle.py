"""The greedy oracle of CDALBench: the ceiling that every strategy is measured against.

Werner et al., "A Cross-Domain Benchmark for Active Learning" (2024), ``OracleALGame`` of
their reference code. Their oracle knows every label: for each pick it draws ``tau`` random
unlabeled candidates, adds each one with its true label to the labeled set, retrains the
classifier from the same state and with the same batch order, and keeps the candidate whose
retraining raised *test* accuracy most; when no candidate raised it, it falls back to margin
sampling among the candidates.

It needs the labels of the pool and of a held-out set, so it only exists in simulation
(:func:`skactive.experiment.run_experiment`, the command line's ``run``, the benchmark);
``ActiveINASClassifier(query_strategy="oracle")`` is refused.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

from ._base import check_n_instances, network_estimator, pool_result
from ._docs import fill_doc

ORACLE = "oracle"
"""The name of :func:`greedy_oracle` in an experiment's ``strategies`` and its table."""

SIMULATION_ONLY = (
    "The 'oracle' strategy (greedy_oracle) needs the true labels of the pool and of a "
    "held-out test set, so it is only available in simulated experiments: "
    "skactive.experiment.run_experiment, `python -m skactive run --strategy oracle` and the "
    "benchmark. A learner whose labels come from a person cannot use it."
)


def _check_positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}.")
    return int(value)


def _encode(labels, classes: np.ndarray) -> np.ndarray:
    """Each label's index in ``classes``, -1 for a class the network has no output for."""
    labels = np.asarray(labels)
    positions = np.searchsorted(classes, labels).clip(0, len(classes) - 1)
    return np.where(classes[positions] == labels, positions, -1)


def _check_labels(name: str, labels, n_rows: int, rows_name: str) -> np.ndarray:
    if labels is None:
        raise ValueError(
            f"greedy_oracle needs {name}, the true labels of {rows_name}: {SIMULATION_ONLY}"
        )
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != n_rows:
        raise ValueError(
            f"{name} must hold one label per row of {rows_name} ({n_rows}); got shape "
            f"{labels.shape}."
        )
    return labels


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


class _Heads:
    """Copies of the network's linear head, one per candidate, trained side by side.

    The penultimate features of every sample are computed once, by the trained network in
    eval mode; a step is then a few small matrix products for all candidates at once.
    """

    def __init__(self, estimator, X_test, y_test, lr: float):
        linear = estimator.net_.module_.head[-1]
        self.W = linear.weight.detach().float().cpu().numpy()
        self.b = linear.bias.detach().float().cpu().numpy()
        self.n_classes = len(self.b)
        self.lr = lr
        self.test = estimator.embed(X_test)
        self.y_test = _encode(y_test, estimator.classes_)

    def accuracy(self, W, b) -> np.ndarray:
        """Test accuracy of each head of a stack ``W`` (m, k, f), ``b`` (m, k)."""
        logits = np.einsum("nf,mkf->mnk", self.test, W) + b[:, None, :]
        return (logits.argmax(axis=2) == self.y_test).mean(axis=1)

    def train(self, x, y, weight) -> tuple[np.ndarray, np.ndarray]:
        """One SGD step per batch of each of ``m`` heads, all starting from the network's.

        ``x`` (steps, m, n, f) holds the features of each step's batch of each head, ``y``
        (steps, m, n) their class indices and ``weight`` (steps, m, n) each row's weight (0
        or 1) in the step's mean cross-entropy.
        """
        m = x.shape[1]
        W = np.broadcast_to(self.W, (m, *self.W.shape)).copy()
        b = np.broadcast_to(self.b, (m, len(self.b))).copy()
        # Over the batch size, not the weights: the control's labeled rows then pull exactly
        # as hard as every candidate's do.
        weight = weight / weight.shape[-1]
        onehot = np.eye(self.n_classes, dtype=np.float32)
        for rows, labels, w in zip(x, y, weight):
            logits = np.einsum("mnf,mkf->mnk", rows, W) + b[:, None, :]
            # The gradient of the weighted mean cross-entropy of a linear softmax layer.
            residual = (_softmax(logits) - onehot[labels]) * w[..., None]
            W -= self.lr * np.einsum("mnk,mnf->mkf", residual, rows)
            b -= self.lr * residual.sum(axis=1)
        return W, b


@fill_doc
def greedy_oracle(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    y_pool=None,
    X_test=None,
    y_test=None,
    n_candidates: int = 20,
    n_steps: int = 3,
    lr: float = 0.1,
    batch_size: int = 32,
    random_state=None,
    return_utilities: bool = False,
):
    """CDALBench's greedy oracle: the pick that raises test accuracy most, one at a time.

    A simulation-only strategy, the ceiling of the benchmark: it reads the true labels of the
    pool and scores its picks on the held-out test set, as CDALBench does (Werner et al.,
    2024). For each of the ``n_instances`` picks it draws ``n_candidates`` random pool samples
    not picked yet and, for each, starting from the same weights, takes ``n_steps`` plain SGD
    steps (learning rate ``lr``) on a copy of the network's linear head, each on a batch of
    ``batch_size - 1`` random labeled samples (the same batches for every candidate) plus the
    candidate with its true label, and measures the test accuracy. A candidate's gain is that
    accuracy minus the accuracy of the same steps without it. The candidate with the largest
    gain is picked (ties to the one drawn first), the head keeps its weights, and the pick
    joins the labeled set of the next picks' batches. When no candidate raises the accuracy,
    the candidate with the smallest margin between its two most probable classes is picked
    instead, as CDALBench falls back to margin sampling (its variant for a single point falls
    back to a random candidate).

    Deviations, for cost: CDALBench retrains the whole classifier on the labeled set until
    early stopping, once per candidate and again after each pick, and takes the gain over the
    accuracy before. Here the penultimate features of the pool, the labeled set and the test
    set are computed once by the trained network (eval mode), and only the linear head
    trains, a few steps with the candidate in every batch, all candidates at once; the
    control run without a candidate stands in for CDALBench's converged "before". A query of
    ``n`` samples then costs one forward pass over the pool and the test set and
    ``n * (n_candidates + 1) * n_steps`` small matrix products: on the 8x8 digits, about a
    tenth of the retraining that follows it, where fine-tuning the whole network cost ten
    times that retraining. A candidate whose class the network has no output for yet cannot
    be trained on; it is ranked before every other (utility ``inf``), since no other label
    can teach that class.

    Parameters
    ----------
    %(classifier_network)s
    X_pool : array-like of shape (n_pool, n_features) or (n_pool,) + input_shape
        Unlabeled samples, held in memory.
    %(n_instances)s
    y_pool : array-like of shape (n_pool,)
        The true labels of ``X_pool``, which only a simulation knows.
    X_test : array-like of shape (n_test, n_features) or (n_test,) + input_shape
        The held-out samples whose accuracy the picks raise (CDALBench's test set).
    y_test : array-like of shape (n_test,)
        Their labels.
    n_candidates : int, default=20
        Random candidates scored per pick, CDALBench's ``tau`` (20 in the paper).
    n_steps : int, default=3
        SGD steps of the head taken for each candidate.
    lr : float, default=0.1
        Learning rate of those steps.
    batch_size : int, default=32
        Samples of each step: the candidate and ``batch_size - 1`` labeled samples (all of
        them when fewer).
    random_state : int, RandomState instance or None, default=None
        Seed of the candidates and of the batches.
    return_utilities : bool, default=False
        Also return the utilities: the test-accuracy gain of every candidate scored (the
        last one measured; ``inf`` for a class the network did not know), NaN for the pool
        samples never drawn.

    Returns
    -------
    %(indices_picked)s
    %(samples)s
    %(utilities)s

    Raises
    ------
    ValueError
        If ``y_pool``, ``X_test`` or ``y_test`` is missing or does not match its samples, or
        ``n_candidates``, ``n_steps``, ``batch_size`` or ``lr`` is not positive.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.strategies import greedy_oracle
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), base_width=4, max_epochs=2,
    ...                            inas_iterations=0, random_state=0).fit(X[:50], y[:50])
    >>> indices, samples = greedy_oracle(clf, X[50:250], 2, y_pool=y[50:250],
    ...                                  X_test=X[1500:], y_test=y[1500:], random_state=0)
    >>> len(set(indices.tolist()))
    2
    """
    estimator = network_estimator(classifier, "greedy_oracle")
    n_pool = len(X_pool)
    n_instances = check_n_instances(n_instances, n_pool)
    y_pool = _check_labels("y_pool", y_pool, n_pool, "X_pool")
    if X_test is None:
        raise ValueError(f"greedy_oracle needs X_test, a held-out set: {SIMULATION_ONLY}")
    y_test = _check_labels("y_test", y_test, len(X_test), "X_test")
    if len(X_test) == 0:
        raise ValueError("X_test must hold at least one sample.")
    n_candidates = _check_positive_int("n_candidates", n_candidates)
    n_steps = _check_positive_int("n_steps", n_steps)
    batch_size = _check_positive_int("batch_size", batch_size)
    if isinstance(lr, bool) or not isinstance(lr, Real) or not lr > 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}.")
    rng = check_random_state(random_state)
    heads = _Heads(estimator, X_test, y_test, float(lr))
    pool, pool_labels = estimator.embed(X_pool), _encode(y_pool, estimator.classes_)
    labeled_y = _encode(estimator.y_training_, estimator.classes_)
    labeled = estimator.embed(estimator.X_training_)[labeled_y >= 0]
    labeled_y = labeled_y[labeled_y >= 0]
    utilities = np.full(n_pool, np.nan)
    remaining = np.ones(n_pool, dtype=bool)
    picks = []
    for _ in range(n_instances):
        candidates = rng.permutation(np.flatnonzero(remaining))[:n_candidates]
        new_class = candidates[pool_labels[candidates] < 0]
        if len(new_class):
            pick = new_class[0]
            utilities[pick] = np.inf
        else:
            gains, W, b = _candidate_gains(
                heads, candidates, pool, pool_labels, labeled, labeled_y, n_steps, batch_size, rng
            )
            utilities[candidates] = gains
            if gains.max() > 0:
                best = np.argmax(gains)
                pick, heads.W, heads.b = candidates[best], W[best], b[best]
                labeled = np.concatenate([labeled, pool[pick : pick + 1]])
                labeled_y = np.append(labeled_y, pool_labels[pick])
            else:
                proba = _softmax(pool[candidates] @ heads.W.T + heads.b)
                top = np.sort(proba, axis=1)[:, ::-1]
                gap = top[:, 0] - (top[:, 1] if top.shape[1] > 1 else 0.0)
                pick = candidates[np.argmin(gap)]
        remaining[pick] = False
        picks.append(pick)
    return pool_result(X_pool, picks, utilities if return_utilities else None)


def _candidate_gains(
    heads, candidates, pool, pool_labels, labeled, labeled_y, n_steps, batch_size, rng
):
    """Each candidate's test-accuracy gain, and the heads (W, b) that its steps trained.

    The last head takes the same steps without any candidate: the control whose accuracy
    each candidate's is compared with, so that what the steps alone change does not count.
    """
    n_rows = min(batch_size - 1, len(labeled_y))
    rows = np.stack([rng.choice(len(labeled_y), n_rows, replace=False) for _ in range(n_steps)])
    m = len(candidates) + 1
    x = np.empty((n_steps, m, n_rows + 1, pool.shape[1]), dtype=np.float32)
    y = np.empty((n_steps, m, n_rows + 1), dtype=np.intp)
    x[:, :, :n_rows], y[:, :, :n_rows] = labeled[rows][:, None], labeled_y[rows][:, None]
    x[:, :-1, -1], y[:, :-1, -1] = pool[candidates], pool_labels[candidates]
    x[:, -1, -1], y[:, -1, -1] = 0.0, 0
    weight = np.ones(y.shape, dtype=np.float32)
    weight[:, -1, -1] = 0.0
    W, b = heads.train(x, y, weight)
    accuracy = heads.accuracy(W, b)
    return accuracy[:-1] - accuracy[-1], W, b
