"""The label journal: a person's answers, one durable JSON line each, never rewritten.

A person labels one sample at a time, changes their mind and takes answers back; each of
these is a record appended to ``labels.jsonl`` and fsync'ed before the call returns. A
correction is a newer record of the same sample and an undo a :class:`Retraction` of an
earlier record, so the history of every label stays on disk and the current label of a
sample is its latest record that was not retracted. :class:`Event` records hold what a
labeling session must remember beside the answers (which samples it queued, and why), so
that one file, in one order, is enough to resume it.

A line is acknowledged only once it ends with a newline and is fsync'ed, so a process killed
while appending leaves at most a torn last line, which reading ignores and the next append
cuts off; a bad line anywhere else is damage, and reading raises a ``ValueError``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ._files import fsync_directory

JOURNAL = "labels.jsonl"
"""Name of the label journal in a checkpoint directory."""


@dataclass(frozen=True)
class Answer:
    """A person's answer about one sample: its label, or None when it was given none.

    Parameters
    ----------
    seq : int
        Position of the record in the journal, from 1.
    sample : str
        The sample's identifier (a file name, a row number).
    label : str or None
        The label given; None records a skip or a sample that could not be shown.
    note : str
        Why there is no label (``"skip"``, an error message), or ``""``.
    """

    seq: int
    sample: str
    label: str | None
    note: str = ""


@dataclass(frozen=True)
class Retraction:
    """An undo: the answer at ``of`` no longer counts.

    Parameters
    ----------
    seq : int
        Position of the record in the journal.
    of : int
        Position of the retracted answer.
    """

    seq: int
    of: int


@dataclass(frozen=True)
class Event:
    """Something a labeling session remembers beside the answers, as a JSON object.

    Parameters
    ----------
    seq : int
        Position of the record in the journal.
    kind : str
        What happened, e.g. ``"queue"``.
    data : dict
        Its JSON content.
    """

    seq: int
    kind: str
    data: dict


def _to_json(record) -> dict:
    if isinstance(record, Answer):
        return {
            "seq": record.seq,
            "sample": record.sample,
            "label": record.label,
            "note": record.note,
        }
    if isinstance(record, Retraction):
        return {"seq": record.seq, "retract": record.of}
    return {"seq": record.seq, "event": record.kind, "data": record.data}


def _from_json(obj, seq: int):
    if not isinstance(obj, dict) or obj.get("seq") != seq:
        raise ValueError(f"record {seq} is not a journal record numbered {seq}")
    keys = set(obj) - {"seq"}
    if keys == {"sample", "label", "note"} and isinstance(obj["sample"], str):
        label, note = obj["label"], obj["note"]
        if (label is None or isinstance(label, str)) and isinstance(note, str):
            return Answer(seq, obj["sample"], label, note)
    if keys == {"retract"} and isinstance(obj["retract"], int) and 0 < obj["retract"] < seq:
        return Retraction(seq, obj["retract"])
    if keys == {"event", "data"} and isinstance(obj["event"], str):
        if isinstance(obj["data"], dict):
            return Event(seq, obj["event"], obj["data"])
    raise ValueError(f"record {seq} is neither an answer, a retraction nor an event: {obj!r}")


class Journal:
    """The records of a label journal, in order, and what they add up to.

    Parameters
    ----------
    records : list of Answer, Retraction and Event
        The journal's records, numbered from 1.

    Examples
    --------
    >>> from skactive.checkpoint import Answer, Journal, Retraction
    >>> journal = Journal([Answer(1, "a.png", "cat"), Answer(2, "a.png", "dog"),
    ...                    Answer(3, "b.png", "cat"), Retraction(4, 3)])
    >>> journal.current_labels()
    {'a.png': 'dog'}
    """

    def __init__(self, records: list):
        self.records = list(records)

    def retracted(self) -> set[int]:
        """Positions of the answers that an undo took back.

        Returns
        -------
        set of int
            Their ``seq``.
        """
        return {record.of for record in self.records if isinstance(record, Retraction)}

    def answers(self) -> list[Answer]:
        """The answers that count, oldest first.

        Returns
        -------
        list of Answer
            Every answer not retracted.
        """
        gone = self.retracted()
        return [r for r in self.records if isinstance(r, Answer) and r.seq not in gone]

    def current(self) -> dict[str, Answer]:
        """Each answered sample's latest answer that counts.

        Returns
        -------
        dict
            Sample identifier to :class:`Answer`, in the order samples were first answered.
        """
        latest: dict[str, Answer] = {}
        for answer in self.answers():
            latest[answer.sample] = answer
        return latest

    def current_labels(self) -> dict[str, str]:
        """The current label of every labeled sample: its latest answer, when it is a label.

        Returns
        -------
        dict
            Sample identifier to label, in the order samples were first answered.
        """
        return {s: a.label for s, a in self.current().items() if a.label is not None}

    def events(self, kind: str) -> list[Event]:
        """The events of one kind, oldest first.

        Parameters
        ----------
        kind : str
            The events' kind.

        Returns
        -------
        list of Event
            Those events.
        """
        return [r for r in self.records if isinstance(r, Event) and r.kind == kind]


def read_journal(directory: Path) -> Journal:
    """Read the label journal of ``directory``, ignoring a torn last line.

    Parameters
    ----------
    directory : Path
        The checkpoint directory; a directory without a journal gives an empty one.

    Returns
    -------
    Journal
        Its acknowledged records.

    Raises
    ------
    ValueError
        If a line other than a torn last one is not a valid record.
    """
    try:
        data = (directory / JOURNAL).read_bytes()
    except FileNotFoundError:
        return Journal([])
    lines = data.split(b"\n")
    # Everything after the last newline was never acknowledged: a torn append.
    records = []
    for seq, line in enumerate(lines[:-1], start=1):
        try:
            records.append(_from_json(json.loads(line.decode("utf-8")), seq))
        except (ValueError, UnicodeDecodeError) as err:
            raise ValueError(f"checkpoint {directory}: {JOURNAL}, line {seq}: {err}") from err
    return Journal(records)


def append_record(directory: Path, record) -> None:
    """Append ``record`` to the journal of ``directory`` and make it durable.

    A torn last line left by a killed process is cut off first, so that the new record
    starts a line of its own.

    Parameters
    ----------
    directory : Path
        The checkpoint directory, which exists.
    record : Answer, Retraction or Event
        The record, numbered one past the journal's last.
    """
    path = directory / JOURNAL
    line = (json.dumps(_to_json(record), ensure_ascii=False) + "\n").encode("utf-8")
    created = not path.exists()
    with open(path, "ab+") as file:
        end = file.seek(0, os.SEEK_END)
        keep = end
        # Walk back to the last newline: a torn line is cut, however long it is.
        while keep > 0:
            start = max(0, keep - 4096)
            file.seek(start)
            chunk = file.read(keep - start)
            if keep == end and chunk.endswith(b"\n"):
                break
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                keep = start + newline + 1
                break
            keep = start
        if keep < end:
            file.truncate(keep)
        file.seek(0, os.SEEK_END)
        file.write(line)
        file.flush()
        os.fsync(file.fileno())
    if created:
        fsync_directory(directory)
