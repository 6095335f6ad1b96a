"""The answers file beside the checkpoint: every Label Studio answer, as soon as it arrives."""

from __future__ import annotations

import json
from pathlib import Path

from ..checkpoint import write_atomic

TASKS_FILE = "labelstudio-tasks.json"
"""Beside the checkpoint: every Label Studio answer, in the order it reached the label store."""


def read_answers(directory: Path, n_seeded: int) -> tuple[list[dict], int]:
    """The stored answers and the checkpoint row of the first one.

    Parameters
    ----------
    directory : Path
        The checkpoint directory.
    n_seeded : int
        Labels the checkpoint holds now; with no answers file yet, they came from elsewhere (a
        seeded start) and precede every answer.

    Returns
    -------
    records : list of dict
        ``{"annotation", "task", "label", "image"}`` per answer, in arrival order.
    first_row : int
        The row of the first answer in the estimator's labeled set.

    Raises
    ------
    ValueError
        If the file is damaged.
    """
    path = directory / TASKS_FILE
    if not path.is_file():
        return [], n_seeded
    try:
        stored = json.loads(path.read_text())
        return list(stored["records"]), int(stored["first_row"])
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path} is damaged: {err}") from err


def write_answers(directory: Path, records: list[dict], first_row: int) -> None:
    """Replace the answers file atomically and durably (temporary file, fsync, rename).

    Parameters
    ----------
    directory : Path
        The checkpoint directory.
    records : list of dict
        Every answer, in arrival order.
    first_row : int
        The row of the first answer in the estimator's labeled set.
    """
    data = {"first_row": first_row, "records": records}
    write_atomic(directory / TASKS_FILE, json.dumps(data, indent=0).encode())
