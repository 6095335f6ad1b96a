"""Simulated active-learning experiments: learning curves, their area, and the paper's Figure 2.

:func:`run_experiment` plays Algorithm 2 of Geifman & El-Yaniv (2019) with a simulated oracle
(the labels of a labeled dataset, revealed on request): draw ``initial_size`` random samples and
fit, then query ``query_size`` pool samples, teach their labels and score the test set, round
after round until ``budget`` labels. It does so for Active-iNAS and for fixed-architecture
baselines (the same estimator with the search frozen at one architecture, ``inas_iterations=0``),
for every query strategy, and repeats everything with different seeds. Within one repetition
every method and strategy starts from the same initial labels and the same estimator seed, so
curves differ by the method alone and comparisons are paired by repetition.

:class:`ExperimentResult` holds the tidy table (one row per method, strategy, repetition and
round), writes it as CSV or JSON, and summarises it:

- the *normalised area under the learning curve* (:func:`normalized_auc`): the trapezoidal
  area under accuracy against the number of labels, divided by the range of labels, i.e. the
  mean accuracy over the budget, in [0, 1];
- the *AUC gain* of a method over a baseline (:meth:`ExperimentResult.gain_table`): the
  difference of their normalised AUCs (in accuracy points), computed per repetition, averaged,
  with a Student-t confidence interval over repetitions (paired differences, ``n - 1`` degrees
  of freedom), the gain relative to the baseline's AUC and the number of repetitions won.
"""

from __future__ import annotations

import csv
import json
import math
import time
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path

import joblib
import numpy as np
from scipy import stats
from scipy.integrate import trapezoid
from sklearn.base import clone
from sklearn.utils import check_random_state
from tqdm import tqdm

from ._classifier import ActiveINASClassifier
from .search_space import Architecture
from .strategies import resolve_strategy

ACTIVE_INAS = "active-inas"
"""Method name of Active-iNAS in the result table."""

COLUMNS = (
    "method",
    "strategy",
    "repeat",
    "round",
    "n_labeled",
    "accuracy",
    "architecture",
    "fit_seconds",
    "query_seconds",
)
"""Columns of the result table. ``fit_seconds`` covers the search and training of the round
(``fit`` or ``teach``); ``query_seconds`` the query that brought the labels to ``n_labeled``
(0 in round 0)."""

_SEED_MAX = np.iinfo(np.int32).max


def parse_baseline(baseline) -> tuple[str, dict]:
    """Turn a fixed-architecture baseline into its method name and estimator parameters.

    Parameters
    ----------
    baseline : str, tuple of (int, int) or Architecture
        ``"2x4"``, ``(2, 4)`` or ``Architecture("resnet", 2, 4)``: the network A(B, 2, 4)
        (ResNet-18 for the resnet block), trained from scratch every round, never searched.

    Returns
    -------
    name : str
        ``"fixed-<i>x<j>"``.
    params : dict
        ``initial_architecture`` and ``inas_iterations=0``, to set on the estimator.

    Examples
    --------
    >>> from skactive.experiment import parse_baseline
    >>> parse_baseline("2x4")
    ('fixed-2x4', {'initial_architecture': (2, 4), 'inas_iterations': 0})
    """
    architecture = baseline
    if isinstance(baseline, str):
        parts = baseline.lower().split("x")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(
                f"A baseline is written IxJ (blocks x stacks, e.g. '2x4'), got {baseline!r}."
            )
        architecture = tuple(int(p) for p in parts)
    if isinstance(architecture, Architecture):
        i, j = architecture.n_blocks, architecture.n_stacks
    elif (
        isinstance(architecture, tuple)
        and len(architecture) == 2
        and all(isinstance(v, Integral) and not isinstance(v, bool) for v in architecture)
    ):
        i, j = (int(v) for v in architecture)
    else:
        raise TypeError(f"A baseline is 'IxJ', (i, j) or an Architecture, got {baseline!r}.")
    if i < 1 or j < 1:
        raise ValueError(f"A baseline needs at least one block and one stack, got {baseline!r}.")
    return f"fixed-{i}x{j}", {"initial_architecture": architecture, "inas_iterations": 0}


def strategy_name(strategy) -> str:
    """The name of a strategy in the result table: itself for a name, ``__name__`` otherwise.

    Parameters
    ----------
    strategy : str or callable
        A name of :data:`skactive.strategies.STRATEGIES` or a strategy function.

    Returns
    -------
    str
        The label used in the ``strategy`` column.
    """
    if isinstance(strategy, str):
        return strategy
    return getattr(strategy, "__name__", repr(strategy))


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


def _std(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


def _unique(values) -> list:
    return list(dict.fromkeys(values))


@dataclass
class ExperimentResult:
    """The tidy table of an active-learning experiment, with its summaries.

    Parameters
    ----------
    rows : list of dict
        One dict per method, strategy, repetition and round, with the keys of
        :data:`COLUMNS`.
    settings : dict, default={}
        How the experiment was run (sizes, seeds, estimator), JSON-serialisable.

    Examples
    --------
    >>> from skactive.experiment import ExperimentResult
    >>> rows = [
    ...     dict(method=m, strategy="random", repeat=r, round=k, n_labeled=n,
    ...          accuracy=acc + (0.1 * k if m == "active-inas" else 0.0),
    ...          architecture="", fit_seconds=0.0, query_seconds=0.0)
    ...     for m in ("active-inas", "fixed-1x2") for r, acc in ((0, 0.5), (1, 0.6))
    ...     for k, n in enumerate((100, 200))
    ... ]
    >>> result = ExperimentResult(rows)
    >>> [round(row["auc_mean"], 3) for row in result.auc_table()]
    [0.6, 0.55]
    >>> round(result.gain_table()[0]["gain_mean"], 3)
    0.05
    """

    rows: list[dict]
    settings: dict = field(default_factory=dict)

    @property
    def methods(self) -> list[str]:
        """Methods in order of first appearance."""
        return _unique(row["method"] for row in self.rows)

    @property
    def strategies(self) -> list[str]:
        """Strategies in order of first appearance."""
        return _unique(row["strategy"] for row in self.rows)

    def learning_curve(self, method: str, strategy: str) -> tuple[np.ndarray, np.ndarray]:
        """Accuracy against number of labels for every repetition of one method and strategy.

        Parameters
        ----------
        method : str
            A method of the table, e.g. ``"active-inas"`` or ``"fixed-2x4"``.
        strategy : str
            A strategy of the table.

        Returns
        -------
        n_labeled : ndarray of shape (n_rounds,)
            Numbers of labels, shared by all repetitions.
        accuracy : ndarray of shape (n_repeats, n_rounds)
            Test accuracy of each repetition at each of them.
        """
        runs: dict[int, list[dict]] = {}
        for row in self.rows:
            if row["method"] == method and row["strategy"] == strategy:
                runs.setdefault(int(row["repeat"]), []).append(row)
        if not runs:
            raise ValueError(f"No rows for method {method!r} and strategy {strategy!r}.")
        curves = [sorted(runs[r], key=lambda row: int(row["round"])) for r in sorted(runs)]
        n_labeled = np.array([int(row["n_labeled"]) for row in curves[0]])
        for curve in curves[1:]:
            if not np.array_equal([int(row["n_labeled"]) for row in curve], n_labeled):
                raise ValueError(
                    f"The repetitions of {method!r} with {strategy!r} label different numbers "
                    "of samples per round; their curves cannot be averaged."
                )
        accuracy = np.array([[float(row["accuracy"]) for row in curve] for curve in curves])
        return n_labeled, accuracy

    def aucs(self, method: str, strategy: str) -> np.ndarray:
        """Normalised AUC of each repetition of one method and strategy.

        Parameters
        ----------
        method : str
            A method of the table.
        strategy : str
            A strategy of the table.

        Returns
        -------
        ndarray of shape (n_repeats,)
            :func:`normalized_auc` of each repetition, in repetition order.
        """
        n_labeled, accuracy = self.learning_curve(method, strategy)
        return np.array([normalized_auc(n_labeled, curve) for curve in accuracy])

    def auc_table(self) -> list[dict]:
        """Normalised AUC, final accuracy and cost of every method and strategy.

        Returns
        -------
        list of dict
            One dict per strategy and method: ``strategy``, ``method``, ``n_repeats``,
            ``auc_mean``, ``auc_std``, ``final_accuracy_mean``, ``final_accuracy_std`` (standard
            deviations over repetitions with ddof=1, NaN for one repetition) and ``seconds_mean``
            (fit and query seconds of a whole run, averaged over repetitions).
        """
        table = []
        for strategy in self.strategies:
            for method in self.methods:
                _, accuracy = self.learning_curve(method, strategy)
                aucs = self.aucs(method, strategy)
                seconds = sum(
                    float(row["fit_seconds"]) + float(row["query_seconds"])
                    for row in self.rows
                    if row["method"] == method and row["strategy"] == strategy
                )
                table.append(
                    {
                        "strategy": strategy,
                        "method": method,
                        "n_repeats": len(aucs),
                        "auc_mean": float(aucs.mean()),
                        "auc_std": _std(aucs),
                        "final_accuracy_mean": float(accuracy[:, -1].mean()),
                        "final_accuracy_std": _std(accuracy[:, -1]),
                        "seconds_mean": seconds / len(aucs),
                    }
                )
        return table

    def gain_table(
        self, method: str = ACTIVE_INAS, baselines=None, confidence: float = 0.95
    ) -> list[dict]:
        """AUC gain of ``method`` over each baseline, per strategy, paired by repetition.

        Parameters
        ----------
        method : str, default="active-inas"
            The method whose gain is measured.
        baselines : list of str or None, default=None
            Methods to compare with; ``None`` means every other method of the table.
        confidence : float, default=0.95
            Coverage of the Student-t interval of the mean gain.

        Returns
        -------
        list of dict
            One dict per strategy and baseline: ``strategy``, ``method``, ``baseline``,
            ``n_repeats``, ``gain_mean`` (mean over repetitions of AUC(method) - AUC(baseline),
            in accuracy points), ``gain_ci_low``, ``gain_ci_high`` (NaN for one repetition),
            ``relative_gain`` (``gain_mean`` over the baseline's mean AUC) and ``wins`` (the
            repetitions where the method's AUC is higher).
        """
        if baselines is None:
            baselines = [m for m in self.methods if m != method]
        table = []
        for strategy in self.strategies:
            ours = self.aucs(method, strategy)
            for baseline in baselines:
                theirs = self.aucs(baseline, strategy)
                if len(theirs) != len(ours):
                    raise ValueError(
                        f"{method!r} and {baseline!r} have different numbers of repetitions "
                        f"with {strategy!r}; gains are paired by repetition."
                    )
                mean, low, high = t_interval(ours - theirs, confidence)
                table.append(
                    {
                        "strategy": strategy,
                        "method": method,
                        "baseline": baseline,
                        "n_repeats": len(ours),
                        "gain_mean": mean,
                        "gain_ci_low": low,
                        "gain_ci_high": high,
                        "relative_gain": mean / float(theirs.mean()),
                        "wins": int(np.sum(ours > theirs)),
                    }
                )
        return table

    def summary(self, confidence: float = 0.95) -> dict:
        """Settings, AUC table and the gains of Active-iNAS (when present), as one dict.

        Parameters
        ----------
        confidence : float, default=0.95
            Coverage of the gains' intervals.

        Returns
        -------
        dict
            ``settings``, ``confidence``, ``auc`` (:meth:`auc_table`) and ``gains``
            (:meth:`gain_table` of ``"active-inas"``, empty without it or without baselines).
        """
        gains = []
        if ACTIVE_INAS in self.methods:
            gains = self.gain_table(ACTIVE_INAS, confidence=confidence)
        return {
            "settings": self.settings,
            "confidence": confidence,
            "auc": self.auc_table(),
            "gains": gains,
        }

    def to_csv(self, path) -> None:
        """Write the table as CSV with a header row of :data:`COLUMNS`.

        Parameters
        ----------
        path : str or path-like
            File to write.
        """
        with open(path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows)

    def to_json(self, path) -> None:
        """Write the settings and the table as JSON, readable by :meth:`from_json`.

        Parameters
        ----------
        path : str or path-like
            File to write.
        """
        Path(path).write_text(json.dumps({"settings": self.settings, "rows": self.rows}, indent=1))

    @classmethod
    def from_json(cls, path) -> ExperimentResult:
        """Read a result written by :meth:`to_json`.

        Parameters
        ----------
        path : str or path-like
            File to read.

        Returns
        -------
        ExperimentResult
            The same rows and settings.
        """
        content = json.loads(Path(path).read_text())
        return cls(content["rows"], content.get("settings", {}))

    def to_frame(self):
        """The table as a pandas DataFrame (needs pandas).

        Returns
        -------
        pandas.DataFrame
            One row per method, strategy, repetition and round; columns :data:`COLUMNS`.
        """
        try:
            import pandas as pd
        except ImportError as error:
            raise ImportError(
                "ExperimentResult.to_frame needs pandas: pip install pandas"
            ) from error
        return pd.DataFrame(self.rows, columns=list(COLUMNS))

    def plot(self, *, title: str | None = None):
        """Mean ± std learning curves, one panel per strategy, like the paper's Figure 2.

        Needs matplotlib (``pip install skactive[plot]``).

        Parameters
        ----------
        title : str or None, default=None
            Title of the figure.

        Returns
        -------
        matplotlib.figure.Figure
            The figure: test accuracy (%) against the number of labels, one line per method,
            shaded ± one standard deviation over repetitions (ddof=1, as in :meth:`auc_table`).
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as error:
            raise ImportError(
                "ExperimentResult.plot needs matplotlib: pip install skactive[plot]"
            ) from error
        strategies = self.strategies
        fig, axes = plt.subplots(
            1, len(strategies), figsize=(4.5 * len(strategies), 3.6), sharey=True, squeeze=False
        )
        for ax, strategy in zip(axes[0], strategies):
            for method in self.methods:
                n_labeled, accuracy = self.learning_curve(method, strategy)
                ddof = 1 if len(accuracy) > 1 else 0
                mean = 100 * accuracy.mean(axis=0)
                std = 100 * accuracy.std(axis=0, ddof=ddof)
                (line,) = ax.plot(n_labeled, mean, marker="o", markersize=3, label=method)
                ax.fill_between(
                    n_labeled, mean - std, mean + std, alpha=0.2, color=line.get_color()
                )
            ax.set_title(strategy)
            ax.set_xlabel("labeled samples")
            ax.grid(alpha=0.3)
        axes[0][0].set_ylabel("test accuracy (%)")
        axes[0][-1].legend(loc="lower right")
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return fig


def _n_rounds(initial_size: int, query_size: int, budget: int) -> int:
    return 1 + math.ceil((budget - initial_size) / query_size)


def _check_size(name: str, value, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {bound}, got {value}.")
    return int(value)


def _methods(estimator: ActiveINASClassifier, baselines) -> dict[str, ActiveINASClassifier]:
    """Active-iNAS and one frozen copy of the estimator per baseline, by method name."""
    methods = {ACTIVE_INAS: clone(estimator)}
    params = estimator.get_params()
    for baseline in baselines:
        name, frozen = parse_baseline(baseline)
        if name in methods:
            raise ValueError(f"Baseline {name!r} is given twice.")
        arch = frozen["initial_architecture"]
        i, j = (arch.n_blocks, arch.n_stacks) if isinstance(arch, Architecture) else arch
        # A frozen network never searches, so the search-space bounds must only admit it.
        bounds = {
            "max_blocks": max(params["max_blocks"], i),
            "max_stacks": max(params["max_stacks"], j),
        }
        methods[name] = clone(estimator).set_params(**frozen, **bounds)
    return methods


def _json_safe(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def run_experiment(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    estimator: ActiveINASClassifier | None = None,
    strategies=("softmax_response",),
    baselines=(),
    initial_size: int = 100,
    query_size: int = 100,
    budget: int = 500,
    n_repeats: int = 3,
    random_state=0,
    progress: bool = True,
    verbose: int = 0,
    n_jobs: int | None = None,
) -> ExperimentResult:
    """Simulate active learning with Active-iNAS and fixed-architecture baselines.

    For each repetition a seed draws ``initial_size`` random training samples; then for each
    strategy and method (Active-iNAS, then each baseline) a fresh clone of ``estimator`` with
    that seed is fitted on them and, while fewer than ``budget`` samples are labeled, queries
    ``query_size`` of the remaining training samples (the last round fewer, to end at
    ``budget``), is taught their labels and is scored on the test set.

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
    estimator : ActiveINASClassifier or None, default=None
        Template for every method: cloned, given the strategy and seed, and, for a baseline,
        frozen at its architecture. ``None`` uses ``ActiveINASClassifier()``.
    strategies : sequence of str or callable, default=("softmax_response",)
        Query strategies: names of :data:`skactive.strategies.STRATEGIES` or functions.
    baselines : sequence of str, tuple or Architecture, default=()
        Fixed architectures to compare with, e.g. ``("2x4", "1x2")``; see
        :func:`parse_baseline`.
    initial_size : int, default=100
        Random labels before the first query, the k of Algorithm 2.
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
    n_train = len(X_train)
    initial_size = _check_size("initial_size", initial_size, 1, n_train)
    query_size = _check_size("query_size", query_size, 1)
    budget = _check_size("budget", budget, initial_size, n_train)
    n_repeats = _check_size("n_repeats", n_repeats, 1)
    strategies = list(strategies)
    if not strategies:
        raise ValueError("strategies must name at least one query strategy.")
    for strategy in strategies:
        resolve_strategy(strategy)
    estimator = ActiveINASClassifier() if estimator is None else estimator
    if not (hasattr(estimator, "query") and hasattr(estimator, "teach")):
        raise TypeError(f"estimator must offer query and teach, got {estimator!r}.")
    methods = _methods(estimator, baselines)
    seeds = [int(s) for s in check_random_state(random_state).randint(_SEED_MAX, size=n_repeats)]
    n_rounds = _n_rounds(initial_size, query_size, budget)
    settings = {
        "initial_size": initial_size,
        "query_size": query_size,
        "budget": budget,
        "n_repeats": n_repeats,
        "random_state": _json_safe(random_state),
        "seeds": seeds,
        "strategies": [strategy_name(s) for s in strategies],
        "methods": list(methods),
        "n_train": n_train,
        "n_test": len(X_test),
        "estimator": repr(estimator),
    }
    runs = [
        (repeat, seed, strategy, method, template)
        for repeat, seed in enumerate(seeds)
        for strategy in strategies
        for method, template in methods.items()
    ]
    data = (X_train, y_train, X_test, y_test)
    rows: list[dict] = []
    bar = tqdm(
        total=len(runs) * n_rounds, disable=not progress, desc="active learning", unit="round"
    )
    with bar:
        tasks = [(*run, data, query_size, budget, initial_size) for run in runs]
        if joblib.effective_n_jobs(n_jobs) == 1:
            # In process, rows stream round by round to the progress bar and the log.
            results = (_run_rows(*task) for task in tasks)
        else:
            results = joblib.Parallel(n_jobs=n_jobs, return_as="generator")(
                joblib.delayed(_run_table)(*task) for task in tasks
            )
        for run_rows in results:
            for row in run_rows:
                rows.append(row)
                bar.update()
                if verbose:
                    tqdm.write(
                        f"{row['method']:<12} {row['strategy']:<18} repeat {row['repeat']}  "
                        f"{row['n_labeled']:>6} labels  {row['architecture']:<18} "
                        f"test accuracy {row['accuracy']:.4f}"
                    )
    return ExperimentResult(rows, settings)


def _run_rows(repeat, seed, strategy, method, template, data, query_size, budget, initial_size):
    """Yield the rows of one run, one repetition of one strategy with one method, as it goes."""
    X_train, y_train, X_test, y_test = data
    initial = np.random.RandomState(seed).choice(len(X_train), initial_size, replace=False)
    learner = clone(template).set_params(query_strategy=strategy, random_state=seed)
    context = {"method": method, "strategy": strategy_name(strategy), "repeat": repeat}
    for row in _active_learning_run(
        learner, X_train, y_train, X_test, y_test, initial, query_size, budget
    ):
        yield {**context, **row}


def _run_table(*task) -> list[dict]:
    """All the rows of one run, for a joblib worker, which cannot stream them back."""
    return list(_run_rows(*task))


def _active_learning_run(learner, X_train, y_train, X_test, y_test, initial, query_size, budget):
    """Yield one row (without method, strategy, repeat) per round of Algorithm 2."""
    began = time.perf_counter()
    learner.fit(X_train[initial], y_train[initial])
    fit_seconds = time.perf_counter() - began
    query_seconds = 0.0
    pool = np.setdiff1d(np.arange(len(X_train)), initial)
    n_labeled = len(initial)
    for round_ in range(_n_rounds(n_labeled, query_size, budget)):
        if round_:
            began = time.perf_counter()
            indices, _ = learner.query(
                X_train[pool], n_instances=min(query_size, budget - n_labeled)
            )
            query_seconds = time.perf_counter() - began
            chosen = pool[indices]
            began = time.perf_counter()
            learner.teach(X_train[chosen], y_train[chosen])
            fit_seconds = time.perf_counter() - began
            pool = np.delete(pool, indices)
            n_labeled += len(chosen)
        yield {
            "round": round_,
            "n_labeled": n_labeled,
            "accuracy": float(learner.score(X_test, y_test)),
            "architecture": str(learner.architecture_),
            "fit_seconds": fit_seconds,
            "query_seconds": query_seconds,
        }
