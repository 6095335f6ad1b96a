"""The architecture every round trains, per repetition, as the paper's Figure 4 draws it."""

from __future__ import annotations

import numpy as np

from ._gains import ACTIVE_INAS
from ._plot import ARCHITECTURE, pyplot_for


def _blocks_and_stacks(architecture: str) -> tuple[int, int]:
    match = ARCHITECTURE.fullmatch(str(architecture))
    if match is None:
        raise ValueError(f"Not an architecture A(B, i, j): {architecture!r}.")
    return int(match[2]), int(match[3])


def architecture_paths(result, strategy: str, method: str = ACTIVE_INAS) -> dict:
    """The architecture each repetition of one method trained, round by round.

    Parameters
    ----------
    result : ExperimentResult
        A table from :func:`run_experiment`.
    strategy : str
        A strategy of the table.
    method : str, default="active-inas"
        A method of the table.

    Returns
    -------
    dict
        ``{repeat: (n_labeled, blocks, stacks)}``, three integer arrays in round order:
        the labels at hand, and ``i`` and ``j`` of the A(B, i, j) trained on them.

    Raises
    ------
    ValueError
        If the table has no rows for ``method`` and ``strategy``.

    Examples
    --------
    >>> from skactive.experiment import ExperimentResult, architecture_paths
    >>> rows = [dict(method="active-inas", strategy="margin", repeat=0, round=k,
    ...              n_labeled=100 * (k + 1), accuracy=0.9, architecture=a,
    ...              fit_seconds=0.0, query_seconds=0.0)
    ...         for k, a in enumerate(["A(resnet, 1, 1)", "A(resnet, 1, 2)"])]
    >>> n_labeled, blocks, stacks = architecture_paths(ExperimentResult(rows), "margin")[0]
    >>> stacks.tolist()
    [1, 2]
    """
    paths: dict[int, list] = {}
    for row in sorted(result.rows, key=lambda row: (int(row["repeat"]), int(row["round"]))):
        if row["method"] == method and row["strategy"] == strategy:
            blocks, stacks = _blocks_and_stacks(row["architecture"])
            paths.setdefault(int(row["repeat"]), []).append(
                (int(row["n_labeled"]), blocks, stacks)
            )
    if not paths:
        raise ValueError(f"No rows for method {method!r} and strategy {strategy!r}.")
    return {
        repeat: tuple(np.array(column) for column in zip(*path)) for repeat, path in paths.items()
    }


def plot_architectures(result, *, method: str = ACTIVE_INAS, title: str | None = None):
    """The architecture A(B, i, j) of every round, per repetition, like the paper's Figure 4.

    One column per strategy. The upper panel draws ``i``, the blocks per stack, the lower one
    ``j``, the stacks, against the labels at hand: one line per repetition, each shifted by a
    hair so that repetitions on the same architecture stay visible side by side.

    Needs matplotlib (``pip install matplotlib``).

    Parameters
    ----------
    result : ExperimentResult
        A table from :func:`run_experiment` that holds ``method``.
    method : str, default="active-inas"
        The method whose architectures are drawn.
    title : str or None, default=None
        Title of the figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the table has no rows for ``method``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skactive.experiment import ExperimentResult, plot_architectures
    >>> rows = [dict(method="active-inas", strategy="margin", repeat=r, round=k,
    ...              n_labeled=100 * (k + 1), accuracy=0.9, architecture=a,
    ...              fit_seconds=0.0, query_seconds=0.0)
    ...         for r in range(2)
    ...         for k, a in enumerate(["A(resnet, 1, 1)", "A(resnet, 2, 1)", "A(resnet, 2, 2)"])]
    >>> fig = plot_architectures(ExperimentResult(rows))
    >>> len(fig.axes)
    2
    """
    strategies = [s for s in result.strategies if method in result.methods_for(s)]
    if not strategies:
        raise ValueError(f"The table has no rows for method {method!r}.")
    plt = pyplot_for("plot_architectures")
    fig, axes = plt.subplots(
        2, len(strategies), figsize=(4 * len(strategies), 4.5), sharex=True, squeeze=False
    )
    for column, strategy in enumerate(strategies):
        paths = architecture_paths(result, strategy, method)
        for k, (_, (n_labeled, blocks, stacks)) in enumerate(sorted(paths.items())):
            shift = 0.06 * (k - (len(paths) - 1) / 2)
            for ax, values in zip(axes[:, column], (blocks, stacks)):
                ax.step(n_labeled, values + shift, where="post", marker="o", markersize=3)
        axes[0, column].set_title(strategy)
        axes[1, column].set_xlabel("labeled samples")
        for ax in axes[:, column]:
            ax.yaxis.get_major_locator().set_params(integer=True)
            ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("blocks per stack i")
    axes[1, 0].set_ylabel("stacks j")
    fig.suptitle(title or f"{method}: the architecture A(B, i, j) of each round, per repetition")
    fig.tight_layout()
    return fig
