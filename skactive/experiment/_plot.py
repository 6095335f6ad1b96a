"""Learning curves as a figure, like the paper's Figure 2, with the architectures marked."""

from __future__ import annotations

import math
import re

from ..strategies import ORACLE
from ._metrics import METRICS

ARCHITECTURE = re.compile(r"A\((\w+), (\d+), (\d+)\)")

RANDOM = "random"
"""The strategy drawn dashed in every other panel, the reference a query strategy must beat."""

CEILING = "greedy oracle (ceiling)"
"""The label of the ``"oracle"`` strategy's curve, drawn black and dashed in every panel."""


def pyplot_for(what: str):
    """matplotlib.pyplot, imported only when a figure is drawn: the library does not need it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(f"{what} needs matplotlib: pip install matplotlib") from error
    return plt


def _short(architecture: str) -> str:
    """``"A(resnet, 1, 2)"`` as ``"1,2"``: the block is the same for every point."""
    match = ARCHITECTURE.fullmatch(architecture)
    return f"{match[2]},{match[3]}" if match else architecture


def _curve(ax, n_labeled, scores, scale=100, **style):
    ddof = 1 if len(scores) > 1 else 0
    mean = scale * scores.mean(axis=0)
    (line,) = ax.plot(n_labeled, mean, **style)
    if style.get("linestyle") != "--":
        std = scale * scores.std(axis=0, ddof=ddof)
        ax.fill_between(n_labeled, mean - std, mean + std, alpha=0.2, color=line.get_color())
    return line, mean


PANELS_PER_ROW = 4
"""Panels side by side in :func:`plot_learning_curves`; more strategies start new rows."""


def _axis_label(metric: str, settings: dict) -> str:
    if metric == "top_recall" and settings.get("top_fraction") is not None:
        return f"top {100 * settings['top_fraction']:g}% of the pool labeled (%)"
    return METRICS[metric].label


def plot_learning_curves(result, *, title: str | None = None):
    """Mean ± std learning curves, one panel per strategy, like the paper's Figure 2.

    Each method is one line, shaded ± one standard deviation over repetitions (ddof=1).
    Where a method's architecture changes, the round is marked with the architecture most
    repetitions trained, as ``i,j`` for A(B, i, j). When the table holds the ``"random"``
    strategy beside others, random sampling gets no panel of its own: each method's random
    curve is drawn dashed in the other panels, as the reference a strategy must beat. The
    greedy oracle (``"oracle"``) gets no panel either: its mean curve is the ceiling, black
    and dashed in every panel, labelled :data:`CEILING` (one line per method when several
    ran it).

    A regression table is drawn as its test RMSE (in the targets' units, lower is better);
    an active search adds a row of panels below, the recall of the pool's top targets.

    Needs matplotlib (``pip install matplotlib``).

    Parameters
    ----------
    result : ExperimentResult
        The experiment to draw.
    title : str or None, default=None
        Title of the figure.

    Returns
    -------
    matplotlib.figure.Figure
        Test accuracy (%), or test RMSE, against the number of labeled samples.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skactive.experiment import ExperimentResult, plot_learning_curves
    >>> rows = [
    ...     dict(method="active-inas", strategy=s, repeat=0, round=k, n_labeled=n,
    ...          accuracy=0.5 + 0.1 * k, architecture=f"A(resnet, 1, {k + 1})",
    ...          fit_seconds=0.0, query_seconds=0.0)
    ...     for s in ("softmax_response", "random") for k, n in enumerate((100, 200))
    ... ]
    >>> figure = plot_learning_curves(ExperimentResult(rows))
    >>> [ax.get_title() for ax in figure.axes]
    ['softmax_response']
    """
    plt = pyplot_for("Drawing learning curves")
    strategies = result.strategies
    ceiling = ORACLE in strategies and len(strategies) > 1
    strategies = [s for s in strategies if not (ceiling and s == ORACLE)]
    overlay = RANDOM in strategies and len(strategies) > 1
    panels = [s for s in strategies if not (overlay and s == RANDOM)]
    metrics = [result.metric, *(["top_recall"] if result.searched else [])]
    n_columns = min(len(panels), PANELS_PER_ROW)
    rows_per_metric = math.ceil(len(panels) / n_columns)
    fig, axes = plt.subplots(
        rows_per_metric * len(metrics),
        n_columns,
        figsize=(5 * n_columns, 3.8 * rows_per_metric * len(metrics)),
        sharey=True if len(metrics) == 1 else "row",
        squeeze=False,
    )
    for k, metric in enumerate(metrics):
        grid = axes[k * rows_per_metric : (k + 1) * rows_per_metric]
        for ax in grid.flat[len(panels) :]:
            ax.set_visible(False)
        for ax, strategy in zip(grid.flat, panels):
            _panel(ax, result, strategy, metric, overlay, ceiling, marks=k == 0)
        for row in grid:
            row[0].set_ylabel(_axis_label(metric, result.settings))
        # The legend goes where most curves are: a table put together may hold baselines
        # for some strategies only. RMSE curves fall, so their lower right is taken.
        max(grid.flat[: len(panels)], key=lambda ax: len(ax.get_lines())).legend(
            loc="upper right" if metric == "rmse" else "lower right", fontsize=8
        )
    if any(
        len(set(result.typical_architectures(m, s))) > 1
        for s in panels
        for m in result.methods_for(s)
    ):
        fig.text(0.01, 0.01, "i,j: the architecture A(B, i, j) from that round on", fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _panel(ax, result, strategy: str, metric: str, overlay: bool, ceiling: bool, marks: bool):
    """One strategy's curves of one score: every method, its random curve dashed, the ceiling;
    with ``marks``, the rounds where an architecture changes."""
    scale = 100 if METRICS[metric].percent else 1
    for method in result.methods_for(strategy):
        n_labeled, scores = result.learning_curve(method, strategy, metric)
        line, mean = _curve(ax, n_labeled, scores, scale, marker="o", markersize=3, label=method)
        architectures = result.typical_architectures(method, strategy)
        if marks and len(set(architectures)) > 1:
            changes = [
                k for k, a in enumerate(architectures) if k == 0 or a != architectures[k - 1]
            ]
            for k in changes:
                ax.annotate(
                    _short(architectures[k]),
                    (n_labeled[k], mean[k]),
                    textcoords="offset points",
                    xytext=(0, 6),
                    ha="center",
                    fontsize=7,
                    color=line.get_color(),
                )
        if overlay and method in result.methods_for(RANDOM):
            n_random, random = result.learning_curve(method, RANDOM, metric)
            _curve(
                ax,
                n_random,
                random,
                scale,
                linestyle="--",
                linewidth=1,
                color=line.get_color(),
                label=f"{method}, random",
            )
    for k, method in enumerate(result.methods_for(ORACLE) if ceiling else ()):
        n_labeled, scores = result.learning_curve(method, ORACLE, metric)
        label = CEILING if k == 0 else f"{CEILING}, {method}"
        style = ("--", ":", "-.")[k % 3]
        ax.plot(n_labeled, scale * scores.mean(0), f"k{style}", linewidth=1.2, label=label)
    ax.margins(y=0.12)  # room above the highest point for its architecture mark
    ax.set_title(strategy)
    ax.set_xlabel("labeled samples")
    ax.grid(alpha=0.3)


def _shares(row) -> dict:
    """Each candidate's share of a round's labels: its slots of a mixed batch, or all of them."""
    shares = row.get("query_shares") or {row["queried_by"]: 1}
    return {arm: n / sum(shares.values()) for arm, n in shares.items()}


def plot_strategy_choices(result, strategy: str = "auto"):
    """How often each candidate chose a round's labels, round by round, per method.

    For a strategy that chooses among candidates while learning (``"auto"``), each panel (a
    method) stacks, for every round after the first, each candidate's share of the round's
    labels, averaged over the repetitions: from the table's ``query_shares`` column when the
    batches were mixed, else the share of repetitions whose labels the candidate queried
    (``queried_by``).

    Needs matplotlib (``pip install matplotlib``).

    Parameters
    ----------
    result : ExperimentResult
        An experiment that ran ``strategy``.
    strategy : str, default="auto"
        The strategy whose choices to draw.

    Returns
    -------
    matplotlib.figure.Figure
        Share of the labels (stacked bars) against the number of labeled samples.

    Raises
    ------
    ValueError
        If the table has no round of ``strategy`` with its choice recorded.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skactive.experiment import ExperimentResult, plot_strategy_choices
    >>> rows = [
    ...     dict(method="active-inas", strategy="auto", repeat=r, round=1, n_labeled=200,
    ...          accuracy=0.5, architecture="A(resnet, 1, 1)", fit_seconds=0.0,
    ...          query_seconds=0.0, queried_by=arm)
    ...     for r, arm in enumerate(("margin", "coreset", "margin"))
    ... ]
    >>> figure = plot_strategy_choices(ExperimentResult(rows))
    >>> [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    ['coreset', 'margin']
    """
    plt = pyplot_for("Drawing strategy choices")
    rows = [r for r in result.rows if r["strategy"] == strategy and r.get("queried_by")]
    if not rows:
        raise ValueError(f"The table records no choice of strategy {strategy!r}.")
    methods = list(dict.fromkeys(r["method"] for r in rows))
    arms = sorted({arm for r in rows for arm in _shares(r)})
    fig, axes = plt.subplots(1, len(methods), figsize=(5 * len(methods), 3.5), squeeze=False)
    for ax, method in zip(axes[0], methods):
        mine = [r for r in rows if r["method"] == method]
        sizes = sorted({r["n_labeled"] for r in mine})
        bottom = [0.0] * len(sizes)
        width = 0.8 * min((b - a for a, b in zip(sizes, sizes[1:])), default=sizes[0])
        for arm in arms:
            share = []
            for n in sizes:
                at = [_shares(r) for r in mine if r["n_labeled"] == n]
                share.append(sum(s.get(arm, 0.0) for s in at) / len(at))
            ax.bar(sizes, share, width=width, bottom=bottom, label=arm)
            bottom = [b + s for b, s in zip(bottom, share)]
        ax.set_title(f"{method}: {strategy}'s choices")
        ax.set_xlabel("labeled samples")
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("share of the labels")
    fig.tight_layout()
    return fig


def plot_labels_per_class(
    result, strategies=None, *, method: str = "active-inas", repeat: int = 0
):
    """Labels per class of one run, a panel per strategy, stacked by the round that chose them.

    Shows whether a strategy's batches crowd onto a few classes: the bottom segment of each bar
    is the initial labeled set, each segment above it one round's batch, and the dotted lines
    mark half and twice an equal share of the final labeled set.

    Needs matplotlib (``pip install matplotlib``).

    Parameters
    ----------
    result : ExperimentResult
        An experiment whose table has the ``labels_per_class`` column.
    strategies : list of str or None, default=None
        The strategies to draw, in panel order; ``None`` means all of the table's.
    method : str, default="active-inas"
        The method whose runs are drawn.
    repeat : int, default=0
        The repetition drawn.

    Returns
    -------
    matplotlib.figure.Figure
        Labels (stacked bars) against the class.

    Raises
    ------
    ValueError
        If a strategy has no rows of ``method``, no repetition ``repeat`` or no class counts.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skactive.experiment import ExperimentResult, plot_labels_per_class
    >>> rows = [
    ...     dict(method="active-inas", strategy="margin", repeat=0, round=r, n_labeled=n,
    ...          accuracy=0.5, architecture="A(resnet, 1, 1)", fit_seconds=0.0,
    ...          query_seconds=0.0, labels_per_class=counts)
    ...     for r, (n, counts) in enumerate(((4, [2, 2]), (8, [3, 5])))
    ... ]
    >>> figure = plot_labels_per_class(ExperimentResult(rows))
    >>> [float(bar.get_height()) for bar in figure.axes[0].patches]
    [2.0, 2.0, 1.0, 3.0]
    """
    plt = pyplot_for("Drawing labels per class")
    strategies = result.strategies if strategies is None else list(strategies)
    fig, axes = plt.subplots(
        1, len(strategies), figsize=(4 * len(strategies), 3.2), squeeze=False, sharey=True
    )
    for ax, strategy in zip(axes[0], strategies):
        n_labeled, counts = result.labels_per_class(method, strategy)
        if not 0 <= repeat < len(counts):
            raise ValueError(f"{strategy!r} has no repetition {repeat}.")
        run = counts[repeat]
        classes = range(run.shape[1])
        ax.bar(classes, run[0], label=f"first {n_labeled[0]}")
        for before, after, n in zip(run, run[1:], n_labeled[1:]):
            ax.bar(classes, after - before, bottom=before, label=f"to {n}")
        equal = n_labeled[-1] / run.shape[1]
        for multiple in (0.5, 2.0):
            ax.axhline(multiple * equal, color="grey", linestyle=":", linewidth=1)
        ax.set_title(f"{method}: {strategy}", fontsize=9)
        ax.set_xlabel("class")
        ax.set_xticks(list(classes))
    axes[0][0].set_ylabel(f"labels (repetition {repeat})")
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    return fig
