"""iNAS, Algorithm 1 of Geifman & El-Yaniv (2019): incremental architecture search.

The search knows nothing of torch: it asks a scoring callable for the validation error of a
candidate trained on S' and evaluated on V', so any trainer (skorch, a hand-written loop, a
remote worker) can serve it. Candidates of one step are independent and go through joblib, so
``n_jobs`` and ``joblib.parallel_config(backend="dask")`` spread them over cores or a cluster.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from .search_space import Architecture, neighbours
from .utils import draw_seed

ScoreFunction = Callable[..., float]
"""``score(architecture, X_train, y_train, X_val, y_val, seed) -> validation error``."""


@validate_params(
    {
        "X": "no_validation",
        "y": "no_validation",
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "stratify": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def split_labeled(X, y, validation_fraction: float, random_state=None, *, stratify=True):
    """Split the labeled set S into S' (training) and V' (validation).

    The split is stratified when ``stratify`` is True, every class has at least two samples
    and both parts can hold every class; otherwise it is a plain random split.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Labeled samples.
    y : array-like of shape (n_samples,)
        Their labels.
    validation_fraction : float
        Fraction of S that goes to V', in (0, 1).
    random_state : int, RandomState instance or None, default=None
        Seed of the split.
    stratify : bool, default=True
        Whether ``y`` holds classes to stratify on; False for continuous targets.

    Returns
    -------
    X_train, X_val, y_train, y_val : arrays
        S' and V', or ``None`` when S is too small to leave a sample on each side.
    """
    n_samples = len(y)
    n_val = int(np.ceil(validation_fraction * n_samples))
    if n_val < 1 or n_samples - n_val < 1:
        return None
    strata = None
    if stratify:
        classes, counts = np.unique(y, return_counts=True)
        if counts.min() >= 2 and min(n_val, n_samples - n_val) >= len(classes):
            strata = y
    return train_test_split(
        X, y, test_size=n_val, stratify=strata, random_state=check_random_state(random_state)
    )


@validate_params(
    {
        "X": "no_validation",
        "y": "no_validation",
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "min_validation_size": [Interval(Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
        "stratify": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def validation_splits(
    X, y, validation_fraction: float, min_validation_size=0, random_state=None, *, stratify=True
):
    """The S'/V' splits on which a search compares candidates.

    One split (:func:`split_labeled`) when its V' holds at least ``min_validation_size``
    samples; otherwise as many folds of a k-fold partition of S as it takes to validate on that
    many samples, with k = ⌊1 / validation_fraction⌋, or the number of samples if smaller (at
    most k folds; stratified when ``stratify`` and every class has k samples). Each V' is then
    about as large as one split's, the V' of different folds are disjoint, and every candidate
    is scored on the same folds.

    Why: V' is the labeled set's fifth, so on a first labeled set of 200 it is 40 samples, one
    sample 2.5 points of error, and a single split often ranks close candidates by chance.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Labeled samples.
    y : array-like of shape (n_samples,)
        Their labels.
    validation_fraction : float
        Fraction of S that goes to one V', in (0, 1).
    min_validation_size : int, default=0
        Samples to validate on, over all folds, where S allows it; 0 gives one split.
    random_state : int, RandomState instance or None, default=None
        Seed of the split or the folds.
    stratify : bool, default=True
        Whether ``y`` holds classes to stratify on; False for continuous targets.

    Returns
    -------
    list of tuple
        ``(X_train, X_val, y_train, y_val)`` per fold; empty when S is too small to leave a
        sample on each side.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.inas import validation_splits
    >>> X, y = np.zeros((200, 2)), np.arange(200) % 10
    >>> [len(y_val) for *_, y_val in validation_splits(X, y, 0.2, 100, random_state=0)]
    [40, 40, 40]
    """
    n_samples = len(y)
    n_val = int(np.ceil(validation_fraction * n_samples))
    # A partition has no more parts than samples: 3 labels make 3 folds of one.
    n_parts = min(int(1 / validation_fraction), n_samples)
    n_folds = min(n_parts, -(-min_validation_size // max(n_val, 1)))
    if n_folds <= 1:
        split = split_labeled(X, y, validation_fraction, random_state, stratify=stratify)
        return [] if split is None else [split]
    X, y = np.asarray(X), np.asarray(y)
    seed = draw_seed(check_random_state(random_state))
    stratified = stratify and np.unique(y, return_counts=True)[1].min() >= n_parts
    folds = (StratifiedKFold if stratified else KFold)(n_parts, shuffle=True, random_state=seed)
    return [
        (X[train], X[val], y[train], y[val]) for train, val in list(folds.split(X, y))[:n_folds]
    ]


def _timed_score(score: ScoreFunction, architecture: Architecture, *args) -> tuple[float, float]:
    start = time.perf_counter()
    error = float(score(architecture, *args))
    return error, time.perf_counter() - start


@validate_params(
    {
        "X": "no_validation",
        "y": "no_validation",
        "start": [Architecture],
        "score": [callable],
        "max_blocks": [Interval(Integral, 1, None, closed="left")],
        "max_stacks": [Interval(Integral, 1, None, closed="left")],
        "n_iterations": [Interval(Integral, 0, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "min_validation_size": [Interval(Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "stratify": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def search(
    X,
    y,
    start: Architecture,
    score: ScoreFunction,
    *,
    max_blocks: int = 12,
    max_stacks: int = 5,
    n_iterations: int = 1,
    validation_fraction: float = 0.2,
    min_validation_size: int = 0,
    random_state=None,
    n_jobs: int | None = None,
    stratify: bool = True,
) -> tuple[Architecture, list[dict]]:
    """Search for the architecture with the lowest validation error near ``start``.

    Algorithm 1 of the paper: split S into S' and V' once; at each step train every candidate
    of :func:`~skactive.search_space.neighbours` of the current architecture on S', move to the
    one with the lowest error on V' (the current one wins ties), and stop after
    ``n_iterations`` steps or as soon as the current architecture stays put. A candidate scored
    in an earlier step of the same search is not trained again.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        The labeled samples S.
    y : array-like of shape (n_samples,)
        Their labels.
    start : Architecture
        Where the search starts, usually the previous round's architecture.
    score : callable
        ``score(architecture, X_train, y_train, X_val, y_val, seed)`` returns the validation
        error of ``architecture`` trained on ``(X_train, y_train)`` with the integer ``seed``.
        It must be picklable to run in worker processes.
    max_blocks, max_stacks : int, default=12, 5
        Bounds of the search space A(B, max_blocks, max_stacks).
    n_iterations : int, default=1
        T_iNAS, the largest number of steps; 0 returns ``start`` without training anything.
    validation_fraction : float, default=0.2
        Fraction of S held out as V'.
    min_validation_size : int, default=0
        While V' is smaller than this, candidates are trained and scored on several folds
        (:func:`validation_splits`) and compared by their mean error; 0 is the paper's
        single split.
    random_state : int, RandomState instance or None, default=None
        Seeds the split and the candidates' training.
    n_jobs : int or None, default=None
        Candidates trained at once through joblib; ``None`` means 1 unless inside a
        ``joblib.parallel_config`` context.
    stratify : bool, default=True
        Whether the splits are stratified by ``y`` where its classes allow
        (:func:`validation_splits`); False for continuous targets, where ``score`` then
        returns a validation loss rather than an error rate.

    Returns
    -------
    architecture : Architecture
        The chosen architecture, never shallower than ``start``.
    log : list of dict
        One entry per candidate trained: ``step``, ``architecture``, ``val_error`` (the mean
        over ``folds``), ``folds``, ``seconds`` (over its folds) and ``chosen`` (whether it won
        its step). A candidate is trained once per
        search, so the current architecture, scored in the step before, has no entry in a
        later step: a step in which no entry is chosen is one where the search stayed put.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive import Architecture
    >>> from skactive.inas import search
    >>> def score(arch, X_train, y_train, X_val, y_val, seed):
    ...     return 1.0 / arch.depth  # deeper is better in this toy score
    >>> X, y = np.zeros((10, 2)), np.array([0, 1] * 5)
    >>> best, log = search(X, y, Architecture("mlp", 1, 1), score, n_iterations=2)
    >>> str(best), len(log)
    ('A(mlp, 2, 2)', 5)
    """
    if n_iterations < 1:
        return start, []
    rng = check_random_state(random_state)
    splits = validation_splits(
        X, y, validation_fraction, min_validation_size, rng, stratify=stratify
    )
    if not splits:
        return start, []
    seed = draw_seed(rng)
    scores: dict[Architecture, tuple[float, float]] = {}
    log: list[dict] = []
    current = start
    for step in range(n_iterations):
        candidates = neighbours(current, max_blocks, max_stacks)
        todo = [a for a in candidates if a not in scores]
        results = Parallel(n_jobs=n_jobs)(
            delayed(_timed_score)(score, a, X_train, y_train, X_val, y_val, seed)
            for a in todo
            for X_train, X_val, y_train, y_val in splits
        )
        for k, architecture in enumerate(todo):
            errors, seconds = zip(*results[k * len(splits) : (k + 1) * len(splits)])
            scores[architecture] = (float(np.mean(errors)), float(np.sum(seconds)))
        best = min(candidates, key=lambda a: scores[a][0])
        for architecture in todo:
            error, seconds = scores[architecture]
            log.append(
                {
                    "step": step,
                    "architecture": architecture,
                    "val_error": error,
                    "folds": len(splits),
                    "seconds": seconds,
                    "chosen": architecture == best,
                }
            )
        if best == current:
            break
        current = best
    return current, log
