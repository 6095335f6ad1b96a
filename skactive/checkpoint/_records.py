"""The typed records of a checkpoint, their JSON form, and its validation.

Two JSON records describe a checkpoint: :class:`Manifest` (``checkpoint.json``, the commit
point of the labeled set) and :class:`ModelRecord` (``model.json``, the commit point of the
last finished training). ``to_json`` gives the JSON value written to disk; ``from_json``
checks every field of a value read back and raises a ``ValueError`` naming the file and the
field. Values inside the records (architectures, histories, parameters) take the JSON forms
of the values module of this package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..search_space import Architecture
from ._fields import (
    FORMAT,
    VERSION,
    Fields,
    check_header,
    dtype_decoder,
    is_int,
    is_sha256,
    is_shape,
)
from ._values import (
    Unstored,
    architecture_from_json,
    decode_param,
    from_json_value,
    to_json_value,
)

MANIFEST = "checkpoint.json"
"""Name of the manifest, the commit point of the labeled set."""

MODEL = "model.json"
"""Name of the record of the last finished training, the commit point of the model."""

LABELS_FILE = re.compile(r"labels-(\d{6,})\.npz")
"""Names of the label batches: ``labels-000001.npz``, ``labels-000002.npz``, ..."""

WEIGHTS_FILE = re.compile(r"weights-(\d{6,})\.pt")
"""Names of the weights files, one per round: ``weights-000002.pt``, ..."""


# ---------------------------------------------------------------------- records


@dataclass(frozen=True)
class LabelBatch:
    """One file of labels: the samples and labels that one ``fit`` or ``teach`` added.

    Parameters
    ----------
    file : str
        ``labels-<position>.npz``, holding arrays ``X`` and ``y``.
    n : int
        Number of samples in the file.
    sha256 : str
        SHA-256 of the file.
    """

    file: str
    n: int
    sha256: str

    def to_json(self) -> dict:
        """The batch as a JSON object.

        Returns
        -------
        dict
            ``{"file": ..., "n": ..., "sha256": ...}``.
        """
        return {"file": self.file, "n": self.n, "sha256": self.sha256}


@dataclass(frozen=True)
class WeightsFile:
    """The weights of a finished training.

    Parameters
    ----------
    file : str
        ``weights-<round>.pt``, a ``state_dict`` of tensors.
    sha256 : str
        SHA-256 of the file.
    """

    file: str
    sha256: str


def _label_batches(value) -> tuple[LabelBatch, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("a checkpoint holds at least one batch of labels")
    batches = []
    for position, entry in enumerate(value, start=1):
        fields = Fields(entry, f"batch {position}", ("file", "n", "sha256"))
        expected = f"labels-{position:06d}.npz"
        file = fields.get("file", lambda f, e=expected: f == e, repr(expected))
        n = fields.get("n", is_int, "an integer >= 1")
        batches.append(LabelBatch(file, n, fields.get("sha256", is_sha256, "a SHA-256")))
    return tuple(batches)


def _weights_file(value) -> WeightsFile:
    fields = Fields(value, "weights", ("file", "sha256"))
    file = fields.get("file", lambda f: isinstance(f, str) and WEIGHTS_FILE.fullmatch(f), "a file")
    return WeightsFile(file, fields.get("sha256", is_sha256, "a SHA-256"))


def _params(value) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"the parameters are not a JSON object: {value!r}")
    for name, param in value.items():
        try:
            decode_param(param)
        except (TypeError, ValueError) as err:
            raise ValueError(f"parameter {name!r}: {err}") from err
    return value


def _architectures(value) -> tuple[Architecture, ...]:
    if not isinstance(value, list):
        raise TypeError(f"not a list of architectures: {value!r}")
    return tuple(architecture_from_json(v) for v in value)


def _history(value) -> list[dict]:
    history = from_json_value(value)
    if not isinstance(history, list) or not all(isinstance(e, dict) for e in history):
        raise TypeError(f"a history is a list of objects, got {value!r}")
    return history


@dataclass(frozen=True)
class Manifest:
    """The labeled set of a checkpoint and how to train on it: ``checkpoint.json``.

    Written before any training starts, so it is the commit point of the labels.

    Parameters
    ----------
    round : int
        Number of ``fit``/``teach`` calls that committed labels, from 1.
    params : dict
        The estimator's parameters, as :func:`~skactive.checkpoint.encode_params` wrote
        them; :meth:`estimator_params` decodes them.
    n_features_in : int
        Second dimension of the input the estimator saw.
    feature_names_in : tuple of str or None
        Column names of a DataFrame input, or None.
    input_shape : tuple of int
        Shape of one sample as the network sees it.
    sample_shape : tuple of int
        Shape of one stored sample, ``X.shape[1:]``.
    X_dtype, y_dtype : numpy.dtype
        Dtypes of the samples and of the labels, as the estimator held them.
    batches : tuple of LabelBatch
        The label files in arrival order; together they are the labeled set.
    start : Architecture
        Where the search of this round starts, for a retraining after a crash.
    history_from_round : int or None
        The round whose search history this round extends (``teach``, warm ``fit``), or None
        when this round starts a new history.
    target_shape : tuple of int, default=()
        Shape of one stored target, ``y.shape[1:]``: empty for one label or target per
        sample, ``(n_outputs,)`` for a multi-output regressor's.
    """

    round: int
    params: dict
    n_features_in: int
    feature_names_in: tuple[str, ...] | None
    input_shape: tuple[int, ...]
    sample_shape: tuple[int, ...]
    X_dtype: np.dtype
    y_dtype: np.dtype
    batches: tuple[LabelBatch, ...]
    start: Architecture
    history_from_round: int | None
    target_shape: tuple[int, ...] = ()

    @property
    def n_labeled(self) -> int:
        """Number of labeled samples in all batches."""
        return sum(batch.n for batch in self.batches)

    def to_json(self) -> dict:
        """The manifest as the JSON object of ``checkpoint.json``.

        Returns
        -------
        dict
            JSON values, read back by :meth:`from_json`.
        """
        return {
            "format": FORMAT,
            "version": VERSION,
            "round": self.round,
            "params": self.params,
            "n_features_in": self.n_features_in,
            "feature_names_in": None
            if self.feature_names_in is None
            else list(self.feature_names_in),
            "input_shape": list(self.input_shape),
            "sample_shape": list(self.sample_shape),
            "target_shape": list(self.target_shape),
            "X_dtype": self.X_dtype.str,
            "y_dtype": self.y_dtype.str,
            "batches": [batch.to_json() for batch in self.batches],
            "start": to_json_value(self.start),
            "history_from_round": self.history_from_round,
        }

    @classmethod
    def from_json(cls, obj) -> Manifest:
        """Check and read the JSON object of ``checkpoint.json``.

        Parameters
        ----------
        obj : JSON value
            As parsed from the file.

        Returns
        -------
        Manifest
            The manifest.

        Raises
        ------
        ValueError
            If ``obj`` is not a manifest of this format version, or a field is missing,
            unknown or bad; the message names the field.
        """
        check_header(obj, MANIFEST)
        # Checkpoints written before regression targets hold one label per sample.
        obj = {"target_shape": [], **obj}
        fields = Fields(obj, MANIFEST, ("format", "version", *cls.__dataclass_fields__))
        names = fields.get(
            "feature_names_in",
            lambda v: v is None or (isinstance(v, list) and all(isinstance(n, str) for n in v)),
            "null or a list of strings",
        )
        base = fields.get("history_from_round", lambda v: v is None or is_int(v), "a round")
        return cls(
            round=fields.get("round", is_int, "an integer >= 1"),
            params=fields.decode("params", _params),
            n_features_in=fields.get("n_features_in", is_int, "an integer >= 1"),
            feature_names_in=None if names is None else tuple(names),
            input_shape=tuple(fields.get("input_shape", is_shape, "a list of integers >= 1")),
            sample_shape=tuple(fields.get("sample_shape", is_shape, "a list of integers >= 1")),
            target_shape=tuple(
                fields.get(
                    "target_shape",
                    lambda v: isinstance(v, list) and all(is_int(s) for s in v),
                    "a list of integers >= 1",
                )
            ),
            X_dtype=fields.decode("X_dtype", dtype_decoder("f")),
            y_dtype=fields.decode("y_dtype", dtype_decoder("biufUSO")),
            batches=fields.decode("batches", _label_batches),
            start=fields.decode("start", architecture_from_json),
            history_from_round=base,
        )

    def estimator_params(self, overrides: dict) -> dict:
        """The estimator's parameters, with ``overrides`` replacing stored ones.

        Parameters
        ----------
        overrides : dict
            Parameters passed again by the user.

        Returns
        -------
        dict
            Keyword arguments of the estimator.

        Raises
        ------
        ValueError
            If a parameter recorded by name only (a callable ``query_strategy`` of the
            user's, a ``RandomState`` instance) is not among ``overrides``.
        """
        params = {}
        for name, value in self.params.items():
            if name in overrides:
                continue
            value = decode_param(value)
            if isinstance(value, Unstored):
                raise ValueError(
                    f"it was written with {name}={value}, which a checkpoint does not store "
                    "because restoring it would run code named in a file; pass it again: "
                    f"from_checkpoint(path, {name}=...)."
                )
            params[name] = value
        # Checkpoints written before the pooling parameter existed hold globally pooled networks.
        params.setdefault("pooling", "global")
        params.update(overrides)
        return params


@dataclass(frozen=True)
class ModelRecord:
    """The last finished training of a checkpoint: ``model.json``.

    Written after the weights, so it is the commit point of the model.

    Parameters
    ----------
    round : int
        The round of the manifest whose labels trained this model.
    n_labeled : int
        Number of labels it was trained on.
    n_outputs : int
        Number of outputs of its network: the classes of a classifier, the targets of a
        regressor.
    architecture : Architecture
        Its architecture.
    architecture_history : tuple of Architecture
        The architecture chosen by each round, in order.
    history : list of dict
        The search history, as the estimator's ``history_``.
    weights : WeightsFile
        Its weights.
    """

    round: int
    n_labeled: int
    n_outputs: int
    architecture: Architecture
    architecture_history: tuple[Architecture, ...]
    history: list[dict]
    weights: WeightsFile

    def to_json(self) -> dict:
        """The record as the JSON object of ``model.json``.

        Returns
        -------
        dict
            JSON values, read back by :meth:`from_json`.

        Raises
        ------
        TypeError
            If the history holds a value that JSON cannot hold.
        """
        return {
            "format": FORMAT,
            "version": VERSION,
            "round": self.round,
            "n_labeled": self.n_labeled,
            "n_outputs": self.n_outputs,
            "architecture": to_json_value(self.architecture),
            "architecture_history": to_json_value(self.architecture_history),
            "history": to_json_value(self.history),
            "weights": {"file": self.weights.file, "sha256": self.weights.sha256},
        }

    @classmethod
    def from_json(cls, obj) -> ModelRecord:
        """Check and read the JSON object of ``model.json``.

        Parameters
        ----------
        obj : JSON value
            As parsed from the file.

        Returns
        -------
        ModelRecord
            The record.

        Raises
        ------
        ValueError
            If ``obj`` is not a model record of this format version, or a field is missing,
            unknown or bad; the message names the field.
        """
        check_header(obj, MODEL)
        if "n_outputs" not in obj and "n_classes" in obj:
            # Written before the regressor, when every network's outputs were classes.
            obj = {("n_outputs" if k == "n_classes" else k): v for k, v in obj.items()}
        fields = Fields(obj, MODEL, ("format", "version", *cls.__dataclass_fields__))
        return cls(
            round=fields.get("round", is_int, "an integer >= 1"),
            n_labeled=fields.get("n_labeled", is_int, "an integer >= 1"),
            n_outputs=fields.get("n_outputs", is_int, "an integer >= 1"),
            architecture=fields.decode("architecture", architecture_from_json),
            architecture_history=fields.decode("architecture_history", _architectures),
            history=fields.decode("history", _history),
            weights=fields.decode("weights", _weights_file),
        )
