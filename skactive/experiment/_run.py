"""Algorithm 2 with a simulated oracle: Active-iNAS and fixed baselines, round by round."""

from __future__ import annotations

import math
import os
import time
from numbers import Integral, Real

import joblib
import numpy as np
from sklearn.base import clone, is_regressor
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)
from tqdm import tqdm

from .._classifier import ActiveINASClassifier
from ..strategies import (
    COLD_START_STRATEGIES,
    ORACLE,
    accepts_random_state,
    greedy_oracle,
    resolve_strategy,
)
from ..utils import draw_seed
from ._gp_baseline import GP_ACQUISITION, GP_BO
from ._methods import (
    check_frozen_search,
    check_strategies,
    check_targets,
    experiment_methods,
    strategy_name,
)
from ._metrics import REGRESSION_COLUMNS, ClassificationScores, RegressionScores, round_line
from ._result import COLUMNS, ExperimentResult
from ._resume import finished_runs, write_runs


def _n_rounds(initial_size: int, query_size: int, budget: int) -> int:
    return 1 + math.ceil((budget - initial_size) / query_size)


def _initial_labels(initial_strategy, X_train, initial_size: int, seed: int) -> np.ndarray:
    """The first labels of one repetition: ``initial_size`` indices from ``initial_strategy``.

    ``"random"`` is :func:`~skactive.strategies.random_sampling` seeded by ``seed``, which
    draws what ``np.random.RandomState(seed).choice`` draws, the labels of earlier versions.
    """
    strategy = resolve_strategy(initial_strategy)
    kwargs = {"random_state": seed} if accepts_random_state(strategy) else {}
    indices = np.asarray(strategy(None, X_train, initial_size, **kwargs)[0])
    if (
        indices.shape != (initial_size,)
        or not np.issubdtype(indices.dtype, np.integer)
        or len(np.unique(indices)) != initial_size
        or indices.min() < 0
        or indices.max() >= len(X_train)
    ):
        raise ValueError(
            f"The initial strategy {strategy_name(initial_strategy)!r} must return "
            f"{initial_size} distinct indices into X_train; got {indices!r}."
        )
    return indices


def _json_safe(value):
    return value if value is None or isinstance(value, (bool, int, float, str)) else repr(value)


@validate_params(
    {
        "X_train": ["array-like"],
        "y_train": ["array-like"],
        "X_test": ["array-like"],
        "y_test": ["array-like"],
        "estimator": [HasMethods(["fit", "query", "teach"]), None],
        "strategies": [list, tuple],
        "baselines": [list, tuple],
        "initial_strategy": [StrOptions(set(COLD_START_STRATEGIES)), callable],
        "initial_size": [Interval(Integral, 1, None, closed="left")],
        "query_size": [Interval(Integral, 1, None, closed="left")],
        "budget": [Interval(Integral, 1, None, closed="left")],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "progress": ["boolean"],
        "verbose": ["verbose"],
        "n_jobs": [Integral, None],
        "checkpoint": [str, os.PathLike, None],
        "top_fraction": [Interval(Real, 0, 1, closed="right"), None],
    },
    # The estimator's own parameters are checked when it is fitted, so nested validation stays.
    prefer_skip_nested_validation=False,
)
def run_experiment(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    estimator: ActiveINASClassifier | None = None,
    strategies=("softmax_response",),
    baselines=(),
    initial_strategy="random",
    initial_size: int = 100,
    query_size: int = 100,
    budget: int = 500,
    n_repeats: int = 3,
    random_state=0,
    progress: bool = True,
    verbose: int = 0,
    n_jobs: int | None = None,
    checkpoint=None,
    top_fraction: float | None = None,
) -> ExperimentResult:
    """Simulate active learning with Active-iNAS and fixed-architecture baselines.

    For each repetition a seed and ``initial_strategy`` choose ``initial_size`` training
    samples (at random by default); then for each strategy and method (Active-iNAS, then each
    baseline) a fresh clone of ``estimator`` with that seed is fitted on them and, while fewer
    than ``budget`` samples are labeled, queries ``query_size`` of the remaining training
    samples (the last round fewer, to end at ``budget``), is taught their labels and is scored
    on the test set.

    The task is the estimator's: an :class:`~skactive.ActiveINASClassifier` is scored by test
    accuracy, an :class:`~skactive.ActiveINASRegressor` by test RMSE (in the targets' units)
    and R² (the table's ``rmse`` and ``r2`` columns, :data:`REGRESSION_COLUMNS`), and its
    AUC is the mean RMSE over the budget, lower being better. Strategies of the other task
    are refused before any training.

    Parameters
    ----------
    X_train : array-like of shape (n_train, ...)
        Pool of samples whose labels the simulated oracle reveals.
    y_train : array-like of shape (n_train,)
        Their labels.
    X_test : array-like of shape (n_test, ...)
        Samples for the learning curve, never queried.
    y_test : array-like of shape (n_test,)
        Their labels.
    estimator : ActiveINASClassifier, ActiveINASRegressor or None, default=None
        Template for every method: cloned, given the strategy and seed, and, for a baseline,
        frozen at its architecture. ``None`` uses ``ActiveINASClassifier()``.
    strategies : sequence of str or callable, default=("softmax_response",)
        Query strategies: names of :data:`skactive.strategies.STRATEGY_NAMES` or functions,
        or ``"oracle"``: CDALBench's greedy oracle (:func:`skactive.strategies.greedy_oracle`),
        the ceiling, given each round the true labels of the remaining pool and the test set
        (``X_test``, ``y_test``), on which it measures the gain of its candidates as
        CDALBench does, so its curve is an upper reference, not a fair competitor. With a
        regressor, names of :data:`skactive.strategies.REGRESSION_STRATEGIES` or functions.
    baselines : sequence of str, tuple or Architecture, default=()
        Fixed architectures to compare with, e.g. ``("2x4", "1x2")``; see
        :func:`parse_baseline`. With a regressor also ``"gp-bo"`` (:data:`GP_BO`):
        Bayesian optimisation by expected improvement over a Gaussian process
        (:class:`GPBaseline`, modAL's ``BayesianOptimizer`` and ``max_EI``), which queries
        the same way whatever the strategy (its rows' ``queried_by`` is ``"max_EI"``) and is
        run beside each strategy so that its gains pair by repetition.
    initial_strategy : str or callable, default="random"
        How the first ``initial_size`` labels are chosen, once per repetition (every strategy
        and method of it starts from them): a name of
        :data:`skactive.strategies.COLD_START_STRATEGIES` (``"random"``, the paper's uniform
        draw, the same draws as before this option; ``"typiclust"``, ``"probcover"``,
        ``"kmeans"``: cold-start selection on the training samples' principal components), or
        a function called as ``strategy(None, X_train, initial_size)``, with
        ``random_state=seed`` when it takes one, returning ``(indices, samples)``. Recorded
        in ``settings["initial_strategy"]``.
    initial_size : int, default=100
        Labels before the first query, the k of Algorithm 2.
    query_size : int, default=100
        Samples queried per round, the b of Algorithm 2.
    budget : int, default=500
        Labels at the end, at most ``n_train``.
    n_repeats : int, default=3
        Repetitions with different seeds.
    random_state : int, RandomState instance or None, default=0
        Draws the seed of each repetition.
    progress : bool, default=True
        Show a tqdm progress bar over all rounds.
    verbose : int, default=0
        When positive, print one line per round: method, strategy, repetition, number of
        labels, architecture and test accuracy.
    n_jobs : int or None, default=None
        Runs (one repetition of one strategy and method) done at once through joblib, each
        in a worker of its own; ``None`` means 1 unless a ``joblib.parallel_config`` says
        otherwise. Every run is seeded on its own, so the table is the same for any
        ``n_jobs``, but for its seconds columns.
    checkpoint : str, path-like or None, default=None
        A JSON file that holds the table of the finished runs, rewritten as each run ends.
        When it exists, the runs it holds in full are not run again, so a call with the same
        arguments goes on where an interrupted one stopped. The file must come from the same
        experiment (the same settings), or from one with fewer repetitions whose seeds come
        first (a larger ``n_repeats`` with the same ``random_state`` then runs only the new
        repetitions); otherwise a ``ValueError`` says which settings differ.
    top_fraction : float or None, default=None
        For an active search (a regressor only): after each round, record in ``top_recall``
        the share of the ``ceil(top_fraction * n_train)`` pool samples of largest target that
        are labeled (e.g. 0.01: the top 1% of the pool; the test set, which is never queried,
        does not count), and summarise its AUC. :class:`skactive.datasets.Dataset` gives it
        for the search datasets.

    Returns
    -------
    ExperimentResult
        The table and the settings.

    Examples
    --------
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.datasets import load_digits_images
    >>> from skactive.experiment import run_experiment
    >>> data = load_digits_images()
    >>> result = run_experiment(
    ...     data.X_train, data.y_train, data.X_test, data.y_test,
    ...     estimator=ActiveINASClassifier(max_epochs=2, base_width=4),
    ...     baselines=["1x2"], initial_size=40, query_size=40, budget=80, n_repeats=1,
    ...     progress=False)
    >>> result.methods, [row["n_labeled"] for row in result.rows[:2]]
    (['active-inas', 'fixed-1x2'], [40, 80])
    """
    X_train, y_train = np.asarray(X_train), np.asarray(y_train)
    X_test, y_test = np.asarray(X_test), np.asarray(y_test)
    if len(X_train) != len(y_train) or len(X_test) != len(y_test):
        raise ValueError("X_train, y_train and X_test, y_test must have matching lengths.")
    # The bounds that depend on the data; validate_params has checked types and lower bounds.
    n_train = len(X_train)
    for name, value, low in (("initial_size", initial_size, 1), ("budget", budget, initial_size)):
        if not low <= value <= n_train:
            raise InvalidParameterError(
                f"The {name!r} parameter of run_experiment must be between {low} and the "
                f"{n_train} training samples. Got {value} instead."
            )
    strategies = list(strategies)
    estimator = ActiveINASClassifier() if estimator is None else estimator
    regression = is_regressor(estimator)
    try:
        check_strategies(strategies, regression)
    except ValueError as error:
        raise InvalidParameterError(
            f"The 'strategies' parameter of run_experiment is invalid: {error}"
        ) from error
    try:
        methods = experiment_methods(estimator, baselines)
    except (TypeError, ValueError) as error:
        raise InvalidParameterError(
            f"The 'baselines' parameter of run_experiment is invalid: {error}"
        ) from error
    try:
        check_targets(y_train, estimator, top_fraction)
        check_frozen_search(methods, strategies)
    except ValueError as error:
        raise InvalidParameterError(str(error)) from error
    seeds = draw_seed(random_state, size=n_repeats)
    initials = [_initial_labels(initial_strategy, X_train, initial_size, seed) for seed in seeds]
    n_rounds = _n_rounds(initial_size, query_size, budget)
    settings = {
        "initial_size": initial_size,
        "query_size": query_size,
        "budget": budget,
        "initial_strategy": strategy_name(initial_strategy),
        "n_repeats": n_repeats,
        "random_state": _json_safe(random_state),
        "seeds": seeds,
        "strategies": [strategy_name(s) for s in strategies],
        "methods": list(methods),
        "n_train": n_train,
        "n_test": len(X_test),
        "estimator": repr(estimator),
    }
    if regression:
        # Classification settings stay as before, so that older checkpoints still resume.
        settings.update(task="regression", top_fraction=top_fraction)
    runs = [
        (repeat, seed, initials[repeat], strategy, method, template)
        for repeat, seed in enumerate(seeds)
        for strategy in strategies
        for method, template in methods.items()
    ]
    data = (X_train, y_train, X_test, y_test)
    done = {} if checkpoint is None else finished_runs(checkpoint, settings, n_rounds)
    todo = [run for run in runs if _run_key(run) not in done]
    bar = tqdm(
        total=len(todo) * n_rounds, disable=not progress, desc="active learning", unit="round"
    )
    with bar:
        tasks = [(*run, data, query_size, budget, top_fraction) for run in todo]
        if not tasks or joblib.effective_n_jobs(n_jobs) == 1:
            # In process, rows stream round by round to the progress bar and the log (and a
            # finished checkpoint starts no workers).
            results = (_run_rows(*task) for task in tasks)
        else:
            results = joblib.Parallel(n_jobs=n_jobs, return_as="generator")(
                joblib.delayed(_run_table)(*task) for task in tasks
            )
        for run, run_rows in zip(todo, results):
            done[_run_key(run)] = rows = []
            for row in run_rows:
                rows.append(row)
                bar.update()
                if verbose:
                    tqdm.write(round_line(row))
            if checkpoint is not None:
                write_runs(checkpoint, settings, done)
    # In the order of the runs, whichever call ran them.
    return ExperimentResult([row for run in runs for row in done[_run_key(run)]], settings)


def _run_key(run) -> tuple:
    repeat, _, _, strategy, method, _ = run
    return repeat, strategy_name(strategy), method


def _run_rows(
    repeat, seed, initial, strategy, method, template, data, query_size, budget, top_fraction
):
    """Yield the rows of one run, one repetition of one strategy with one method, as it goes."""
    X_train, y_train, X_test, y_test = data
    # The oracle is the one strategy that reads labels: the loop hands them to it each round.
    oracle = isinstance(strategy, str) and strategy == ORACLE
    context = {"method": method, "strategy": strategy_name(strategy), "repeat": repeat}
    if method == GP_BO:
        # Its own acquisition queries whatever the strategy; the strategy pairs its rows.
        learner = clone(template).set_params(random_state=seed)
        queried_by = GP_ACQUISITION
    else:
        learner = clone(template).set_params(
            query_strategy=greedy_oracle if oracle else strategy, random_state=seed
        )
        queried_by = context["strategy"]
    if is_regressor(template):
        scores, columns = RegressionScores(y_train, initial, top_fraction), REGRESSION_COLUMNS
    else:
        scores, columns = ClassificationScores(y_train, initial), COLUMNS
    for row in _active_learning_run(learner, data, initial, query_size, budget, scores, oracle):
        if row["queried_by"] is None:
            row["queried_by"] = queried_by
        row.update(context)
        yield {column: row[column] for column in columns}


def _run_table(*task) -> list[dict]:
    """All the rows of one run, for a joblib worker, which cannot stream them back."""
    return list(_run_rows(*task))


def _auto_record(learner) -> dict:
    """An AutoStrategy's record of the last query (filed in history_), else an empty one."""
    history = getattr(learner, "history_", None) or [{}]
    return history[-1].get("query") or {}


def _active_learning_run(learner, data, initial, query_size, budget, scores, oracle=False):
    """Yield one row (without method, strategy, repeat) per round of Algorithm 2.

    ``scores`` (:class:`ClassificationScores` or :class:`RegressionScores`) follows the
    labeled set and scores each round. With ``oracle``, each query also gets the labels of
    the pool and the test set.
    """
    X_train, y_train, X_test, y_test = data
    began, cpu_began = time.perf_counter(), time.process_time()
    learner.fit(X_train[initial], y_train[initial])
    fit_seconds = time.perf_counter() - began
    query_seconds = 0.0
    cpu_seconds = time.process_time() - cpu_began
    pool = np.setdiff1d(np.arange(len(X_train)), initial)
    n_labeled = len(initial)
    for round_ in range(_n_rounds(n_labeled, query_size, budget)):
        if round_:
            began, cpu_began = time.perf_counter(), time.process_time()
            labels = {"y_pool": y_train[pool], "X_test": X_test, "y_test": y_test}
            indices, _ = learner.query(
                X_train[pool],
                n_instances=min(query_size, budget - n_labeled),
                **(labels if oracle else {}),
            )
            query_seconds = time.perf_counter() - began
            chosen = pool[indices]
            began = time.perf_counter()
            learner.teach(X_train[chosen], y_train[chosen])
            fit_seconds = time.perf_counter() - began
            cpu_seconds = time.process_time() - cpu_began
            pool = np.delete(pool, indices)
            n_labeled += len(chosen)
            scores.add(chosen)
        # Round 0's labels were not queried; later rounds file an AutoStrategy's record.
        record = _auto_record(learner) if round_ else {"strategy": ""}
        yield {
            "round": round_,
            "n_labeled": n_labeled,
            **scores.scores(learner, X_test, y_test),
            "architecture": str(learner.architecture_),
            "fit_seconds": fit_seconds,
            "query_seconds": query_seconds,
            "cpu_seconds": cpu_seconds,
            "queried_by": record.get("strategy"),
            "query_shares": record.get("shares"),
        }
