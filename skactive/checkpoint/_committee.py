"""The networks of a round's last search step, kept beside its model for ensemble queries.

``committee.json`` records the round and, per network, its architecture and weights file
(``committee-<round>-<k>.pt``, a ``state_dict`` of tensors). It is written after the model, so
a crash between the two leaves the committee of an older round, which is then not used.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass

from ..search_space import Architecture
from ._fields import FORMAT, VERSION, Fields, check_header, is_int, is_sha256
from ._files import dump_json, load_json, sha256_hex, write_atomic
from ._reader import CheckpointReader, load_net_weights
from ._records import WeightsFile
from ._values import architecture_from_json, to_json_value

COMMITTEE = "committee.json"
"""Name of the record of the last search step's networks."""

COMMITTEE_FILE = re.compile(r"committee-(\d{6,})-(\d{2,})\.pt")
"""Names of their weights files: ``committee-000002-00.pt``, ``committee-000002-01.pt``, ..."""


def _network(value) -> tuple[Architecture, WeightsFile]:
    fields = Fields(value, COMMITTEE, ("architecture", "file", "sha256"))
    named = lambda f: isinstance(f, str) and COMMITTEE_FILE.fullmatch(f)  # noqa: E731
    file = fields.get("file", named, "a file")
    weights = WeightsFile(file, fields.get("sha256", is_sha256, "a SHA-256"))
    return fields.decode("architecture", architecture_from_json), weights


@dataclass(frozen=True)
class CommitteeRecord:
    """The networks of the last search step of a round: ``committee.json``.

    Parameters
    ----------
    round : int
        The round whose search trained them.
    networks : tuple of (Architecture, WeightsFile)
        Each network's architecture and weights, in the order of the search's log.
    """

    round: int
    networks: tuple[tuple[Architecture, WeightsFile], ...]

    def to_json(self) -> dict:
        """The record as the JSON object of ``committee.json``.

        Returns
        -------
        dict
            JSON values, read back by :meth:`from_json`.
        """
        return {
            "format": FORMAT,
            "version": VERSION,
            "round": self.round,
            "networks": [
                {"architecture": to_json_value(a), "file": w.file, "sha256": w.sha256}
                for a, w in self.networks
            ],
        }

    @classmethod
    def from_json(cls, obj) -> CommitteeRecord:
        """Check and read the JSON object of ``committee.json``.

        Parameters
        ----------
        obj : JSON value
            As parsed from the file.

        Returns
        -------
        CommitteeRecord
            The record.

        Raises
        ------
        ValueError
            If ``obj`` is not a committee record of this format version, or a field is
            missing, unknown or bad; the message names the field.
        """
        check_header(obj, COMMITTEE)
        fields = Fields(obj, COMMITTEE, ("format", "version", "round", "networks"))
        networks = fields.get("networks", lambda v: isinstance(v, list), "a list")
        return cls(
            round=fields.get("round", is_int, "an integer >= 1"),
            networks=tuple(_network(value) for value in networks),
        )


def save_committee(store, round_: int, networks) -> CommitteeRecord:
    """Durably record the networks of a round's last search step, after its model.

    Each network's weights go to a file of their own, then ``committee.json``; the files of
    older rounds are then deleted. Call it while holding the store's lock
    (:meth:`CheckpointStore.writing`).

    Parameters
    ----------
    store : CheckpointStore
        The checkpoint.
    round_ : int
        The round of the model just saved.
    networks : list of (Architecture, skorch.NeuralNet)
        The trained networks; each one's weights are written by its ``save_params``.

    Returns
    -------
    CommitteeRecord
        What was written.
    """
    entries = []
    for k, (architecture, net) in enumerate(networks):
        buffer = io.BytesIO()
        net.save_params(f_params=buffer)
        data = buffer.getvalue()
        weights = WeightsFile(f"committee-{round_:06d}-{k:02d}.pt", sha256_hex(data))
        write_atomic(store.path / weights.file, data)
        entries.append((architecture, weights))
    record = CommitteeRecord(round_, tuple(entries))
    write_atomic(store.path / COMMITTEE, dump_json(record.to_json()))
    keep = {weights.file for _, weights in entries}
    for path in store.path.iterdir():
        if COMMITTEE_FILE.fullmatch(path.name) and path.name not in keep:
            with contextlib.suppress(OSError):
                path.unlink()
    return record


def load_committee(reader: CheckpointReader, round_: int, build) -> list | None:
    """The networks of ``round_``'s last search step, or None when the checkpoint lacks them.

    Parameters
    ----------
    reader : CheckpointReader
        The checkpoint.
    round_ : int
        The round of the model restored.
    build : callable
        ``build(architecture)`` returns an untrained network of that architecture, on the
        device to load onto.

    Returns
    -------
    list of skorch.NeuralNet or None
        The networks with their stored weights, in their recorded order; None when no
        committee of ``round_`` was written (a checkpoint of an older skactive, or a process
        that died between the model and its committee).

    Raises
    ------
    ValueError
        If ``committee.json`` or a weights file is damaged or does not fit.
    """
    obj = load_json(reader.path, COMMITTEE)
    if obj is None:
        return None
    try:
        record = CommitteeRecord.from_json(obj)
    except ValueError as err:
        raise ValueError(f"checkpoint {reader.path}: {err}") from err
    if record.round != round_:
        return None
    return [
        load_net_weights(
            reader.path, weights, COMMITTEE_FILE, build(architecture), str(architecture)
        )
        for architecture, weights in record.networks
    ]
