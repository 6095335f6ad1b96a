"""An experiment's table written run by run, so that an interrupted experiment can go on."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sklearn.utils._param_validation import InvalidParameterError

from ._result import ExperimentResult

EXTENDABLE = ("n_repeats", "seeds")
"""Settings in which a checkpoint may differ from the experiment going on with it: an
experiment with more repetitions goes on with the runs of one with fewer, when their seeds
come first among its own (``random_state`` draws seeds in the same order whatever their
number)."""


def finished_runs(path, settings: dict, n_rounds: int) -> dict[tuple, list[dict]]:
    """The runs an earlier call of the same experiment finished, from its file.

    The earlier call may have been interrupted, or have run fewer repetitions of the same
    experiment (:data:`EXTENDABLE`). Settings the file holds and the experiment does not
    define (a dataset's name, the sources of a combined table) do not count.

    Parameters
    ----------
    path : str or path-like
        The ``checkpoint`` file of :func:`run_experiment`; a missing file means no run is done.
    settings : dict
        The settings of the experiment about to run; the file's must be the same, but for
        fewer repetitions whose seeds are the first of ``settings["seeds"]``.
    n_rounds : int
        Rounds of a whole run: a run with fewer rows in the file is run again.

    Returns
    -------
    dict
        The rows of every finished run, by ``(repeat, strategy, method)``.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        A ``ValueError``: the file holds another experiment (its settings differ).
    """
    if not Path(path).is_file():
        return {}
    earlier = ExperimentResult.from_json(path)
    settings = json.loads(json.dumps(settings))  # as the file holds them: lists, not tuples
    differ = sorted(key for key in settings if settings[key] != earlier.settings.get(key))
    seeds = earlier.settings.get("seeds") or []
    if set(differ) <= set(EXTENDABLE) and settings["seeds"][: len(seeds)] == seeds:
        differ = []
    if differ:
        raise InvalidParameterError(
            f"The 'checkpoint' parameter of run_experiment names {str(path)!r}, which holds "
            f"another experiment: its settings differ in {differ}. Give the same arguments to "
            "go on with it, or another checkpoint."
        )
    runs: dict[tuple, list[dict]] = {}
    for row in earlier.rows:
        runs.setdefault((row["repeat"], row["strategy"], row["method"]), []).append(row)
    return {key: rows for key, rows in runs.items() if len(rows) == n_rounds}


def write_runs(path, settings: dict, runs: dict[tuple, list[dict]]) -> None:
    """Write the finished runs as an :class:`ExperimentResult` JSON file, atomically.

    Parameters
    ----------
    path : str or path-like
        File to write; a file half written when the process stops is never left there.
    settings : dict
        The experiment's settings.
    runs : dict
        The rows of every finished run, by ``(repeat, strategy, method)``.
    """
    path = Path(path)
    rows = [row for run_rows in runs.values() for row in run_rows]
    partial = path.with_name(path.name + ".tmp")
    ExperimentResult(rows, settings).to_json(partial)
    os.replace(partial, path)
