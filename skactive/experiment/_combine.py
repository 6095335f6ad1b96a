"""Putting the tables of several runs of one experiment together, to compare their rows."""

from __future__ import annotations

from ._result import ExperimentResult

MUST_AGREE = (
    *("dataset", "task", "top_fraction", "n_train", "n_test"),
    *("initial_size", "query_size", "budget", "seeds"),
)
"""Settings that runs must share to be combined: the same data and task, loop and repetition
seeds, so that their rows stay paired by repetition."""


def combine_results(results, names=None) -> ExperimentResult:
    """One table from the tables of several runs with the same data, loop and seeds.

    A fixed network does not depend on the query strategies run beside it, nor a strategy on
    the other strategies, so rows of separate runs with the same seeds are paired by
    repetition as if they came from one run: a strategy run later can be set against random
    sampling run earlier. Rows of a run whose ``initial_strategy`` differs from the first
    run's are renamed ``"{initial_strategy}+{strategy}"`` (e.g.
    ``"typiclust+softmax_response"``), so a cold start stands beside the same strategy started
    at random.

    Parameters
    ----------
    results : sequence of ExperimentResult
        The runs, e.g. read with :meth:`ExperimentResult.from_json`; their settings must agree
        on :data:`MUST_AGREE` (keys a run lacks count as None).
    names : sequence of str or None, default=None
        Where each run comes from (e.g. its folder), kept in ``settings["sources"]``; None
        numbers them.

    Returns
    -------
    ExperimentResult
        The rows of every run, in order, with the first run's settings, ``strategies`` and
        ``methods`` listing every run's, and ``sources``: for each run its name,
        ``estimator``, ``initial_strategy``, strategies and methods, and the run's own
        ``sources`` when it was put together too.

    Raises
    ------
    ValueError
        If fewer than one run is given, the names do not match the runs, the settings
        disagree, or two runs hold the same method, strategy, repetition and round.

    Examples
    --------
    >>> from skactive.experiment import ExperimentResult, combine_results
    >>> def run(strategy, accuracy):
    ...     rows = [dict(method="active-inas", strategy=strategy, repeat=0, round=k,
    ...                  n_labeled=n, accuracy=accuracy, architecture="", fit_seconds=0.0,
    ...                  query_seconds=0.0) for k, n in enumerate((100, 200))]
    ...     return ExperimentResult(rows, {"seeds": [7], "initial_strategy": "random"})
    >>> both = combine_results([run("random", 0.8), run("margin", 0.9)], names=["a", "b"])
    >>> both.strategies, [s["name"] for s in both.settings["sources"]]
    (['random', 'margin'], ['a', 'b'])
    >>> round(both.strategy_gain_table("active-inas")[0]["gain_mean"], 3)
    0.1
    """
    results = list(results)
    names = [str(i) for i in range(len(results))] if names is None else list(names)
    if not results or len(names) != len(results):
        raise ValueError(
            f"combine_results needs one or more runs and one name per run; got {len(results)} "
            f"runs and {len(names)} names."
        )
    first = results[0].settings
    initial = first.get("initial_strategy", "random")
    rows, sources, seen = [], [], {}
    for name, result in zip(names, results):
        settings = result.settings
        differ = [key for key in MUST_AGREE if settings.get(key) != first.get(key)]
        if differ:
            raise ValueError(
                f"Run {name!r} differs from run {names[0]!r} in {differ}: only runs of the same "
                "data, loop and seeds can be paired by repetition."
            )
        start = settings.get("initial_strategy", "random")
        prefix = "" if start == initial else f"{start}+"
        for row in result.rows:
            row = {**row, "strategy": prefix + row["strategy"]}
            key = (row["method"], row["strategy"], row["repeat"], row["round"])
            if key in seen:
                raise ValueError(
                    f"Runs {seen[key]!r} and {name!r} both hold {row['method']} with "
                    f"{row['strategy']}, repetition {row['repeat']}, round {row['round']}."
                )
            seen[key] = name
            rows.append(row)
        sources.append(
            {
                "name": name,
                "estimator": settings.get("estimator"),
                "initial_strategy": start,
                "strategies": result.strategies,
                "methods": result.methods,
                # A run that was itself put together keeps where its rows came from.
                **({"sources": settings["sources"]} if "sources" in settings else {}),
            }
        )
    combined = ExperimentResult(rows)
    settings = dict(first, strategies=combined.strategies, methods=combined.methods)
    return ExperimentResult(rows, dict(settings, sources=sources))
