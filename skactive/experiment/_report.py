"""An experiment in words: the legend of its notation, its tables and a one-line verdict."""

from __future__ import annotations

import math
import re
import textwrap

from ..strategies import REGRESSION_STRATEGIES, STRATEGIES
from ._gains import ACTIVE_INAS
from ._gp_baseline import GP_BO
from ._plot import RANDOM
from ._report_regression import format_regression_summary, regression_terms, score

_FIXED = re.compile(r"fixed-(\d+)x(\d+)")
_ROLE = re.compile(r":\w+:`~?([^`]+)`|``([^`]+)``")


def _plain(text: str) -> str:
    """A docstring line without reST markup: ``x`` and :func:`x` become x."""
    return _ROLE.sub(lambda match: match[1] or match[2], text)


def _percent(value: float) -> str:
    return "   n/a" if math.isnan(value) else f"{100 * value:6.2f}"


def legend(methods, strategies, *, metric: str = "accuracy", top_fraction=None) -> str:
    """One line per term of an experiment's output: the notation, its methods and strategies.

    Parameters
    ----------
    methods : sequence of str
        Method names of the table, e.g. ``["active-inas", "fixed-2x4"]``.
    strategies : sequence of str
        Strategy names of the table.
    metric : {"accuracy", "rmse"}, default="accuracy"
        The score of the learning curves: ``"rmse"`` for a regression experiment, whose AUC
        is the mean test RMSE, lower being better.
    top_fraction : float or None, default=None
        For an active search, the fraction of the pool whose recall is recorded.

    Returns
    -------
    str
        One entry per term, ``term  meaning``, wrapped at 99 characters under the meaning.

    Examples
    --------
    >>> from skactive.experiment import legend
    >>> lines = legend(["active-inas"], ["random"]).splitlines()
    >>> [line[:18].strip() for line in lines if not line.startswith(" ")]
    ['A(B, i, j)', 'active-inas', 'random', 'AUC']
    """
    lines = [
        (
            "A(B, i, j)",
            "a network of j stacks of i residual blocks of type B; widths double and the "
            "resolution halves from stack to stack (A(resnet, 2, 4) is ResNet-18's layout)",
        )
    ]
    for method in methods:
        if method == GP_BO:
            meaning = (
                "Bayesian optimisation: a Gaussian process on the labeled targets (modAL's "
                "BayesianOptimizer) queries the pool samples of largest expected improvement "
                "(max_EI), whatever the strategy of its panel"
            )
        elif method == ACTIVE_INAS:
            meaning = (
                "Active-iNAS: each round an architecture search (iNAS) from the last "
                "architecture picks A(B, i, j) for the labels at hand, then trains it on all"
            )
        else:
            fixed = _FIXED.fullmatch(method)
            network = f"A(B, {fixed[1]}, {fixed[2]})" if fixed else "one architecture"
            meaning = f"the same estimator frozen at {network}, trained anew each round"
        lines.append((method, meaning))
    for strategy in strategies:
        name, _, mode = strategy.partition(":")
        function = STRATEGIES.get(name) or REGRESSION_STRATEGIES.get(name)
        if function is not None and function.__doc__:
            meaning = _plain(function.__doc__.strip().splitlines()[0]).rstrip(".")
            if mode:
                meaning += f", the batch sampled with {mode} weights (Kirsch et al., 2023)"
            if strategy == RANDOM:
                meaning += ": the reference a query strategy must beat"
            lines.append((strategy, meaning))
    if metric == "rmse":
        lines += regression_terms(top_fraction)
    else:
        lines.append(
            (
                "AUC",
                "area under the learning curve over its range of labels: the mean test "
                "accuracy over the budget (%)",
            )
        )
    return "\n".join(
        textwrap.fill(meaning, width=99, initial_indent=f"{term:<18} ", subsequent_indent=" " * 19)
        for term, meaning in lines
    )


def format_summary(summary: dict) -> str:
    """The summary of :meth:`ExperimentResult.summary` as plain-text tables.

    Parameters
    ----------
    summary : dict
        As returned by :meth:`skactive.experiment.ExperimentResult.summary`.

    Returns
    -------
    str
        The AUC table, then the gains over the baselines, over random sampling and of the
        ``"auto"`` strategies over their candidates when the summary has them; values in
        percent. For a regression summary (``metric="rmse"``), the RMSE AUCs in the
        targets' units and the gains in error saved.
    """
    if summary.get("metric") == "rmse":
        return format_regression_summary(summary)
    # The name columns widen to the longest name, so that long ones such as
    # "softmax_response:softrank" do not push their rows' numbers out of line.
    named = [
        row
        for key in ("auc", "gains", "gains_over_random", "gains_over_candidates")
        for row in summary.get(key) or ()
    ]
    sw = max([18, *(len(row["strategy"]) for row in named)])
    mw = max([14, *(len(row.get("method", row.get("baseline", ""))) for row in named)])
    lines = [
        "normalised area under the learning curve (mean accuracy over the budget, %), "
        "mean ± std over repetitions; seconds and CPU seconds of fitting and querying per run; "
        "smallest and largest class's share of the labeled set over the queried rounds, as a "
        "multiple of an equal share",
        f"{'strategy':<{sw}} {'method':<{mw}} {'AUC':>6} {'± std':>6} {'final acc':>9}"
        f" {'seconds':>8} {'CPU s':>8} {'class share':>12}",
    ]
    for row in summary["auc"]:
        cpu, share = row.get("cpu_seconds_mean"), row.get("class_share")
        lines.append(
            f"{row['strategy']:<{sw}} {row['method']:<{mw}} {_percent(row['auc_mean'])} "
            f"{_percent(row['auc_std'])} {_percent(row['final_accuracy_mean']):>9} "
            f"{row['seconds_mean']:8.1f} {'' if cpu is None else f'{cpu:8.1f}':>8} "
            f"{'' if share is None else f'{share[0]:.2f} to {share[1]:.2f}':>12}".rstrip()
        )
    if summary["gains"]:
        level = round(100 * summary["confidence"])
        lines += [
            "",
            f"AUC gain (accuracy points) of active-inas over each baseline, {level}% t-interval",
            f"{'strategy':<{sw}} {'baseline':<{mw}} {'gain':>6} {'CI low':>6} {'CI high':>7} wins",
        ]
        for row in summary["gains"]:
            lines.append(
                f"{row['strategy']:<{sw}} {row['baseline']:<{mw}} {_percent(row['gain_mean'])} "
                f"{_percent(row['gain_ci_low'])} {_percent(row['gain_ci_high']):>7} "
                f"{row['wins']}/{row['n_repeats']}"
            )
    if summary.get("gains_over_random"):
        level = round(100 * summary["confidence"])
        lines += [
            "",
            f"AUC gain (accuracy points) of each strategy over random, active-inas, {level}% "
            "t-interval",
            f"{'strategy':<{sw}} {'gain':>6} {'CI low':>6} {'CI high':>7} wins",
        ]
        for row in summary["gains_over_random"]:
            lines.append(
                f"{row['strategy']:<{sw}} {_percent(row['gain_mean'])} "
                f"{_percent(row['gain_ci_low'])} {_percent(row['gain_ci_high']):>7} "
                f"{row['wins']}/{row['n_repeats']}"
            )
    if summary.get("gains_over_candidates"):
        level = round(100 * summary["confidence"])
        lines += [
            "",
            "AUC gain (accuracy points) of each auto strategy over the best of its candidates "
            f"and over their mean, active-inas, {level}% t-interval",
        ]
        rows = summary["gains_over_candidates"]
        overs = [
            f"best ({row['best']})" if row["reference"] == "best" else "candidates' mean"
            for row in rows
        ]
        ow = max(24, *map(len, overs))
        lines.append(
            f"{'strategy':<{sw}} {'over':<{ow}} {'gain':>6} {'CI low':>6} {'CI high':>7} wins"
        )
        for row, over in zip(rows, overs, strict=True):
            lines.append(
                f"{row['strategy']:<{sw}} {over:<{ow}} {_percent(row['gain_mean'])} "
                f"{_percent(row['gain_ci_low'])} {_percent(row['gain_ci_high']):>7} "
                f"{row['wins']}/{row['n_repeats']}"
            )
    return "\n".join(lines)


def verdict(summary: dict) -> str:
    """One line per query strategy: Active-iNAS's AUC against each baseline and random sampling.

    Parameters
    ----------
    summary : dict
        As returned by :meth:`skactive.experiment.ExperimentResult.summary`.

    Returns
    -------
    str
        For each strategy but ``"random"``, e.g. ``"softmax_response: active-inas AUC 91.2 vs
        fixed-2x4 88.0 (+3.2), vs random sampling 89.9 (+1.3)"``, with the confidence
        interval of each gain and the repetitions won when there are several; empty without
        Active-iNAS in the table. A gain is > 0 when Active-iNAS does better: for regression
        (``"variance: active-inas RMSE AUC 55.3 vs fixed-2x4 57.1 (+1.8)"``) the error it
        saves; an active search adds a line per strategy for the recall of the top targets.

    Examples
    --------
    >>> from skactive.experiment import verdict
    >>> auc = [dict(strategy=s, method=m, auc_mean=a, n_repeats=1)
    ...        for s, m, a in [("margin", "active-inas", 0.912), ("margin", "fixed-2x4", 0.88),
    ...                        ("random", "active-inas", 0.899)]]
    >>> print(verdict(dict(auc=auc, gains=[], confidence=0.95)))
    margin: active-inas AUC 91.2 vs fixed-2x4 88.0 (+3.2), vs random sampling 89.9 (+1.3)
    """
    metric = summary.get("metric", "accuracy")
    lines = _verdict_lines(summary, metric, "auc_mean", summary["gains"])
    if summary.get("recall_gains"):
        lines += _verdict_lines(summary, "top_recall", "recall_auc_mean", summary["recall_gains"])
    return "\n".join(lines)


def _verdict_lines(summary: dict, metric: str, key: str, gain_rows) -> list[str]:
    """The verdict of one score: ``key`` of the AUC table, ``gain_rows`` its paired gains."""
    aucs = {(row["strategy"], row["method"]): row for row in summary["auc"]}
    gains = {(row["strategy"], row["baseline"]): row for row in gain_rows}
    if metric == summary.get("metric", "accuracy"):
        over_random = summary.get("gains_over_random", [])
        gains.update({(row["strategy"], RANDOM): row for row in over_random})
    level = round(100 * summary["confidence"])
    name = {"rmse": "RMSE AUC", "top_recall": "top recall AUC"}.get(metric, "AUC")

    def interval(strategy, other) -> str:
        paired = gains.get((strategy, other))
        if paired is None or paired["n_repeats"] < 2:
            return ""
        return (
            f", {level}% CI {score(paired['gain_ci_low'], metric, sign=True)} to "
            f"{score(paired['gain_ci_high'], metric, sign=True)}, won "
            f"{paired['wins']}/{paired['n_repeats']}"
        )

    def versus(ours, theirs, strategy, other, label) -> str:
        # A gain is > 0 when Active-iNAS does better, whichever way the score points.
        gain = ours[key] - theirs[key] if metric != "rmse" else theirs[key] - ours[key]
        return (
            f"vs {label} {score(theirs[key], metric)} ({score(gain, metric, sign=True)}"
            f"{interval(strategy, other)})"
        )

    lines = []
    for (strategy, method), ours in aucs.items():
        if method != ACTIVE_INAS or strategy == RANDOM:
            continue
        parts = [f"{strategy}: {ACTIVE_INAS} {name} {score(ours[key], metric)}"]
        for (other_strategy, baseline), theirs in aucs.items():
            if other_strategy != strategy or baseline == ACTIVE_INAS:
                continue
            parts.append(versus(ours, theirs, strategy, baseline, baseline))
        random = aucs.get((RANDOM, ACTIVE_INAS))
        if random is not None:
            parts.append(versus(ours, random, strategy, RANDOM, "random sampling"))
        lines.append(f"{parts[0]} {', '.join(parts[1:])}".rstrip())
    return lines
