"""A regression experiment in words: RMSE and recall AUCs, gains signed so that > 0 is better."""

from __future__ import annotations

import math


def score(value: float, metric: str, *, sign: bool = False) -> str:
    """A score or a gain as the reports print it: accuracy and recall in percent with one
    decimal, RMSE in the targets' units with four significant digits."""
    if value is None or math.isnan(value):
        return "n/a"
    if metric == "rmse":
        return f"{value:+.4g}" if sign else f"{value:.4g}"
    return f"{100 * value:+.1f}" if sign else f"{100 * value:.1f}"


def regression_terms(top_fraction=None) -> list[tuple[str, str]]:
    """The legend's entries for the scores of a regression experiment and its gains."""
    terms = [
        (
            "RMSE AUC",
            "area under the test RMSE curve over its range of labels: the mean test root mean "
            "squared error over the budget, in the targets' units; lower is better, so a gain "
            "of Active-iNAS is a baseline's RMSE AUC minus its own, > 0 when Active-iNAS has "
            "the lower error",
        )
    ]
    if top_fraction is not None:
        terms.append(
            (
                "top recall",
                f"the share of the pool's top {100 * top_fraction:g}% of targets (the largest) "
                "labeled so far, the goal of an active search; its AUC is the mean recall over "
                "the budget (%), higher is better",
            )
        )
    return terms


def _cell(value, metric: str, width: int, *, sign: bool = False) -> str:
    return f"{score(value, metric, sign=sign):>{width}}"


def _gain_lines(rows, against: str, metric: str, sw: int, mw: int) -> list[str]:
    """One line per paired gain: the strategy, what it is against, the gain, its interval, wins."""
    header = f"{'strategy':<{sw}} " + (f"{'baseline':<{mw}} " if against == "baseline" else "")
    lines = [f"{header}{'gain':>9} {'CI low':>9} {'CI high':>9} wins"]
    for row in rows:
        other = f"{row[against]:<{mw}} " if against == "baseline" else ""
        lines.append(
            f"{row['strategy']:<{sw}} {other}{_cell(row['gain_mean'], metric, 9, sign=True)} "
            f"{_cell(row['gain_ci_low'], metric, 9, sign=True)} "
            f"{_cell(row['gain_ci_high'], metric, 9, sign=True)} "
            f"{row['wins']}/{row['n_repeats']}"
        )
    return lines


def format_regression_summary(summary: dict) -> str:
    """The summary of a regression experiment as plain-text tables.

    Parameters
    ----------
    summary : dict
        As returned by :meth:`skactive.experiment.ExperimentResult.summary` for a regression
        table (``metric="rmse"``).

    Returns
    -------
    str
        The AUC table (RMSE AUC, final RMSE and R², and for an active search the recall's
        AUC and final value), then the gains over the baselines (and in recall) and over
        random sampling, each > 0 when Active-iNAS (or the strategy) does better.

    Examples
    --------
    >>> from skactive.experiment import ExperimentResult, format_summary
    >>> rows = [
    ...     dict(method=m, strategy="random", repeat=0, round=k, n_labeled=n, rmse=e - k,
    ...          r2=0.5, architecture="", fit_seconds=0.0, query_seconds=0.0)
    ...     for m, e in (("active-inas", 50.0), ("fixed-1x2", 52.0))
    ...     for k, n in enumerate((100, 200))
    ... ]
    >>> text = format_summary(ExperimentResult(rows).summary())
    >>> print(text.splitlines()[-1])
    random             fixed-1x2             +2       n/a       n/a 1/1
    """
    named = [row for key in ("auc", "gains", "gains_over_random") for row in summary[key]]
    sw = max([18, *(len(row["strategy"]) for row in named)])
    mw = max([14, *(len(row.get("method", row.get("baseline", ""))) for row in named)])
    searched = any("recall_auc_mean" in row for row in summary["auc"])
    level = round(100 * summary["confidence"])
    lines = [
        "normalised area under the learning curve of the test RMSE (its mean over the budget, "
        "in the targets' units; lower is better), mean ± std over repetitions; final test RMSE "
        "and R²; "
        + (
            "the same area of the recall of the pool's top targets (%) and its final value; "
            if searched
            else ""
        )
        + "seconds and CPU seconds of fitting and querying per run",
        f"{'strategy':<{sw}} {'method':<{mw}} {'RMSE AUC':>9} {'± std':>9} {'final RMSE':>10}"
        f" {'final R²':>8}"
        + (f" {'recall AUC':>10} {'final recall':>12}" if searched else "")
        + f" {'seconds':>8} {'CPU s':>8}",
    ]
    for row in summary["auc"]:
        cpu = row.get("cpu_seconds_mean")
        recall = (
            f" {_cell(row['recall_auc_mean'], 'top_recall', 10)}"
            f" {_cell(row['final_top_recall_mean'], 'top_recall', 12)}"
            if searched
            else ""
        )
        lines.append(
            f"{row['strategy']:<{sw}} {row['method']:<{mw}} {_cell(row['auc_mean'], 'rmse', 9)} "
            f"{_cell(row['auc_std'], 'rmse', 9)} {_cell(row['final_rmse_mean'], 'rmse', 10)} "
            f"{row['final_r2_mean']:8.3f}{recall} {row['seconds_mean']:8.1f} "
            f"{'' if cpu is None else f'{cpu:8.1f}':>8}".rstrip()
        )
    if summary["gains"]:
        lines += [
            "",
            "RMSE AUC gain of active-inas over each baseline: the baseline's RMSE AUC minus "
            f"active-inas's (targets' units), > 0 when active-inas has the lower error; {level}% "
            "t-interval",
            *_gain_lines(summary["gains"], "baseline", "rmse", sw, mw),
        ]
    if summary.get("recall_gains"):
        lines += [
            "",
            "recall AUC gain (points) of active-inas over each baseline: active-inas's AUC of "
            "the top targets' recall minus the baseline's, > 0 when it finds them sooner; "
            f"{level}% t-interval",
            *_gain_lines(summary["recall_gains"], "baseline", "top_recall", sw, mw),
        ]
    if summary.get("gains_over_random"):
        lines += [
            "",
            "RMSE AUC gain of each strategy over random, active-inas: random's RMSE AUC minus "
            f"the strategy's, > 0 when the strategy has the lower error; {level}% t-interval",
            *_gain_lines(summary["gains_over_random"], "reference", "rmse", sw, mw),
        ]
    return "\n".join(lines)
