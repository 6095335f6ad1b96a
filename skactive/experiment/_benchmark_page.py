"""The benchmark's page: a reStructuredText fragment of its tables and a figure per domain."""

from __future__ import annotations

import math
from pathlib import Path

from ._benchmark import domain_of
from ._gains import ACTIVE_INAS
from ._plot import plot_learning_curves
from ._ranks import ORACLE, rank_table
from ._result import ExperimentResult

PAGE = "benchmark.rst"
"""The fragment :func:`write_benchmark_page` writes, for the docs to ``.. include::``."""

BEATS_RANDOM = "▲"
"""The mark of an AUC whose paired 95% interval of the gain over random lies above zero."""


def _list_table(title: str, header: list[str], rows: list[list[str]]) -> list[str]:
    lines = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for row in [header, *rows]:
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {cell}" for cell in row[1:]]
    return [*lines, ""]


def _interval(low: float, high: float, digits: int) -> str:
    return "" if math.isnan(low) else f" [{low:.{digits}f}, {high:.{digits}f}]"


def _rank_rows(table: dict, domains: list[str]) -> list[list[str]]:
    per_domain = {(row["domain"], row["strategy"]): row for row in table["domains"]}
    rows = []
    for row in table["overall"]:
        cells = [row["strategy"], row["mean_rank"], row["rank_ci_low"], row["rank_ci_high"]]
        cells = [cells[0], f"{cells[1]:.2f}{_interval(*cells[2:], digits=2)}"]
        for domain in domains:
            ranked = per_domain.get((domain, row["strategy"]))
            cells.append("" if ranked is None else f"{ranked['mean_rank']:.2f}")
        rows.append(cells)
    return rows


def _auc_rows(table: dict, domains: list[str]) -> list[list[str]]:
    per_domain = {(row["domain"], row["strategy"]): row for row in table["domains"]}
    rows = []
    for strategy in [row["strategy"] for row in table["overall"]]:
        cells = [strategy]
        for domain in domains:
            row = per_domain.get((domain, strategy))
            if row is None:
                cells.append("")
                continue
            half = (row["auc_ci_high"] - row["auc_ci_low"]) / 2
            spread = "" if math.isnan(half) else f" ± {100 * half:.1f}"
            mark = f" {BEATS_RANDOM}" if row["beats_random"] else ""
            cells.append(f"{100 * row['auc_mean']:.1f}{spread}{mark}")
        rows.append(cells)
    if table["ceilings"]:
        cells = [f"{ORACLE} (ceiling)"]
        for domain in domains:
            ceiling = table["ceilings"].get(domain)
            cells.append("" if ceiling is None else f"{100 * ceiling['auc_mean']:.1f}")
        rows.append(cells)
    return rows


def _protocol_rows(results: dict[str, ExperimentResult], method: str) -> list[list[str]]:
    rows = []
    for name, result in results.items():
        settings, domain = result.settings, domain_of(result)
        costs = [row["cpu_seconds_mean"] for row in result.auc_table() if row["method"] == method]
        known = [cost for cost in costs if cost is not None]
        per_run = sum(known) / len(known) if known else math.nan
        params = domain.estimator_params if domain else {}
        network = ", ".join(f"{key}={value}" for key, value in params.items())
        rows.append(
            [
                name,
                settings.get("dataset", name),
                domain.family if domain else "",
                f"{settings['n_train']} / {settings['n_test']}",
                f"{settings['initial_size']} → {settings['budget']} by {settings['query_size']}",
                str(settings["n_repeats"]),
                network,
                f"{per_run:.1f}",
                f"{sum(known) * settings['n_repeats']:.0f}",
            ]
        )
    return rows


def _figure(result: ExperimentResult, title: str, method: str):
    """The learning curves, the oracle of ``method`` drawn as a ceiling in every panel."""
    rows = [row for row in result.rows if row["strategy"] != ORACLE or row["method"] == method]
    return plot_learning_curves(ExperimentResult(rows, result.settings), title=title)


def write_benchmark_page(
    results,
    out_dir,
    *,
    table: dict | None = None,
    method: str = ACTIVE_INAS,
    image_dir: str | None = None,
) -> list[Path]:
    """Write the benchmark's tables as an .rst fragment and a figure per domain.

    The fragment (:data:`PAGE`) holds the mean rank of every strategy across domains with its
    interval and per domain (:func:`rank_table`), the normalised AUC (%) ± the half-width of
    its 95% interval per domain, marked :data:`BEATS_RANDOM` where the strategy beats random,
    with the oracle's AUC as the ceiling when it ran, and each domain's protocol with the mean
    CPU seconds of a run and of the domain. Each figure, ``benchmark_<domain>.png``, holds
    the domain's learning curves (:func:`plot_learning_curves`, random dashed), the oracle
    black and dashed in every panel when it ran. Needs matplotlib.

    Parameters
    ----------
    results : dict of str to ExperimentResult
        Each domain's experiment by domain name (:func:`run_benchmark`,
        :func:`load_benchmark`).
    out_dir : str or path-like
        Folder to write into; made when missing.
    table : dict or None, default=None
        The :func:`rank_table` of ``results``; None computes it with its defaults.
    method : str, default="active-inas"
        The method whose strategies are compared.
    image_dir : str or None, default=None
        The path by which the fragment names its figures, for a document that includes it
        from another folder (the images are then found from the including document); None
        names them by their file names alone.

    Returns
    -------
    list of Path
        The files written: the fragment, then the figures.

    Examples
    --------
    >>> import matplotlib, tempfile
    >>> matplotlib.use("Agg")
    >>> from skactive.experiment import ExperimentResult, write_benchmark_page
    >>> rows = [
    ...     dict(method="active-inas", strategy=s, repeat=0, round=k, n_labeled=n,
    ...          accuracy=acc + k / 10, architecture="", fit_seconds=0.0, query_seconds=0.0)
    ...     for s, acc in (("random", 0.5), ("margin", 0.6)) for k, n in enumerate((10, 20))
    ... ]
    >>> settings = dict(n_train=50, n_test=20, initial_size=10, query_size=10, budget=20,
    ...                 n_repeats=1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = write_benchmark_page({"toy": ExperimentResult(rows, settings)}, folder)
    ...     [path.name for path in paths]
    ['benchmark.rst', 'benchmark_toy.png']
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "write_benchmark_page needs matplotlib: pip install matplotlib"
        ) from error
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = rank_table(results, method=method) if table is None else table
    domains = list(results)
    share = round(100 * table["confidence"])
    lines = [
        *_list_table(
            f"Mean rank by normalised AUC (1 is best) across domains [{share}% bootstrap "
            "interval over repetitions] and per domain",
            ["strategy", "all domains", *domains],
            _rank_rows(table, domains),
        ),
        *_list_table(
            f"Normalised AUC (%) ± half its {share}% interval; {BEATS_RANDOM}: beats random "
            f"(paired {share}% interval of the gain above zero)",
            ["strategy", *domains],
            _auc_rows(table, domains),
        ),
        *_list_table(
            "Protocol of each domain and its cost (CPU seconds of a run, mean over "
            "strategies, and of the whole domain)",
            ["domain", "dataset", "family", "train / test", "labels", "repetitions",
             "network", "CPU s / run", "CPU s"],
            _protocol_rows(results, method),
        ),
    ]  # fmt: skip
    written = [out / PAGE]
    for domain, result in results.items():
        path = out / f"benchmark_{domain}.png"
        figure = _figure(result, domain, method)
        figure.savefig(path, dpi=120)
        plt.close(figure)
        written.append(path)
        name = path.name if image_dir is None else f"{image_dir.rstrip('/')}/{path.name}"
        lines += [f".. figure:: {name}", "   :width: 100%", "", f"   {domain}", ""]
    written[0].write_text("\n".join(lines))
    return written
