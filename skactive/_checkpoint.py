"""Durable checkpoints of an ActiveINASClassifier, so that no paid-for label is ever lost.

A checkpoint is one directory::

    checkpoint.json     manifest: the round, the estimator's parameters, the labeled set as a
                        list of batches (file, count, SHA-256), its dtypes and sample shape,
                        and where the pending round's search starts
    labels-000001.npz   arrays X and y of the first batch (the first fit's labels)
    labels-000002.npz   the next batch: one teach's labels, or what a refit added, ...
    model.json          the last round whose training finished: architecture, architecture
                        history, search history and the weights file with its SHA-256
    weights-000002.pt   that network's ``state_dict``, written by :func:`torch.save`

One file per batch: a teach writes only its own labels and never rewrites earlier ones, so the
labeled set is append-only on disk as it is in memory, and n labels taught in T batches cost
O(n) bytes written in all instead of the O(n T) of rewriting one growing array. Only the small
manifest is rewritten at each batch, one line per batch.

Every file is written to a temporary file in the same directory, flushed, fsync'ed, renamed over
its name with :func:`os.replace` (atomic), and then the directory is fsync'ed so that the rename
itself survives a power cut. ``fit`` and ``teach`` write the new batch and then the manifest,
which is the commit point of the labels, before any training starts; after training they write
the weights and then ``model.json``, the commit point of the model. A ``model.json`` of an older
round than the manifest's means that the last training did not finish: :func:`restore` then
retrains from the restored labels.

Nothing in a checkpoint is pickled: arrays are read with ``np.load(allow_pickle=False)``, text
labels are stored as fixed-width unicode arrays, metadata is JSON, and weights are read with
``torch.load(weights_only=True)``. A parameter that JSON cannot hold without naming code to run
(a callable ``query_strategy`` other than a built-in strategy, a ``RandomState`` instance) is
recorded by name only and must be passed again to :func:`restore`. Every file is checked against
its SHA-256 and every array against the manifest before anything is built, and any failure is a
``ValueError`` naming the file. One estimator writes to a directory at a time.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from .search_space import Architecture
from .strategies import STRATEGIES
from .training import build_net, resolve_device

MANIFEST = "checkpoint.json"
"""Name of the manifest, the commit point of the labeled set."""

MODEL = "model.json"
"""Name of the record of the last finished training, the commit point of the model."""

_FORMAT = "skactive-checkpoint"
_VERSION = 1
_TEMP_PREFIX = ".skactive-"
_LABELS = re.compile(r"labels-(\d{6,})\.npz")
_WEIGHTS = re.compile(r"weights-(\d{6,})\.pt")
_ARCHITECTURE_TAG = "__architecture__"
_MANIFEST_KEYS = frozenset(
    "format version round params n_features_in feature_names_in input_shape sample_shape "
    "X_dtype y_dtype batches start history_from_round".split()
)
_MODEL_KEYS = frozenset(
    "format version round n_labeled n_classes architecture architecture_history history "
    "weights".split()
)


# ---------------------------------------------------------------------- durable files


def _fsync_directory(directory: Path) -> None:
    # Windows cannot open a directory; NTFS journals the rename itself.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one.

    The bytes go to a temporary file in the same directory (so the rename cannot cross file
    systems), which is flushed and fsync'ed, renamed over ``path`` with :func:`os.replace`,
    and then the directory is fsync'ed so that the rename is durable too.

    Parameters
    ----------
    path : str or path-like
        Destination file; its directory must exist.
    data : bytes
        The whole new content.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skactive._checkpoint import write_atomic
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_atomic(Path(tmp) / "a.txt", b"label")
    ...     (Path(tmp) / "a.txt").read_bytes()
    b'label'
    """
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_directory(path.parent)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_verified(directory: Path, name: str, pattern: re.Pattern, sha256: str) -> bytes:
    # A name from a JSON file must not point outside the checkpoint (no "../", no "/").
    if not isinstance(name, str) or not pattern.fullmatch(name):
        raise ValueError(f"checkpoint {directory}: invalid file name {name!r}.")
    try:
        data = (directory / name).read_bytes()
    except OSError as err:
        raise ValueError(f"checkpoint {directory}: cannot read {name}: {err}") from err
    if _sha256(data) != sha256:
        raise ValueError(
            f"checkpoint {directory}: {name} does not match its SHA-256 in the checkpoint: "
            "the file was changed or damaged."
        )
    return data


def _dump_json(obj) -> bytes:
    return json.dumps(obj, indent=1).encode("utf-8")


def _load_json(directory: Path, name: str) -> dict | None:
    """The JSON object in ``directory/name``, or None when there is no such file."""
    try:
        data = (directory / name).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ValueError(f"checkpoint {directory}: cannot read {name}: {err}") from err
    try:
        obj = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as err:
        raise ValueError(f"checkpoint {directory}: {name} is not valid JSON: {err}") from err
    if not isinstance(obj, dict) or obj.get("format") != _FORMAT:
        raise ValueError(f"checkpoint {directory}: {name} is not a skactive checkpoint file.")
    if obj.get("version") != _VERSION:
        raise ValueError(
            f"checkpoint {directory}: {name} has format version {obj.get('version')!r}; this "
            f"skactive reads version {_VERSION}."
        )
    return obj


def _check(condition: bool, directory: Path, message: str) -> None:
    if not condition:
        raise ValueError(f"checkpoint {directory}: {message}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


# ---------------------------------------------------------------------- JSON encodings


def _to_json(value):
    """Architectures, numpy scalars, dicts and sequences as JSON values."""
    if isinstance(value, Architecture):
        return {_ARCHITECTURE_TAG: value.to_dict()}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    raise TypeError(f"cannot store a {type(value).__name__} in a checkpoint: {value!r}")


def _architecture(obj) -> Architecture:
    if not isinstance(obj, dict) or set(obj) != {"block", "n_blocks", "n_stacks"}:
        raise ValueError(f"not an architecture: {obj!r}")
    return Architecture(obj["block"], obj["n_blocks"], obj["n_stacks"])


def _from_json(value):
    """Inverse of :func:`_to_json` (sequences come back as lists)."""
    if isinstance(value, dict):
        if set(value) == {_ARCHITECTURE_TAG}:
            return _architecture(value[_ARCHITECTURE_TAG])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def _describe(value) -> str:
    kind = type(value)
    name = getattr(value, "__qualname__", None) or kind.__qualname__
    module = getattr(value, "__module__", None) or kind.__module__
    return f"{module}.{name}"


def _encode_param(value):
    if isinstance(value, np.generic):
        value = value.item()
    if _is_scalar(value):
        return value
    if isinstance(value, Architecture):
        return {"architecture": value.to_dict()}
    if isinstance(value, tuple):
        items = [_encode_param(v) for v in value]
        if all(not isinstance(v, dict) for v in items):
            return {"tuple": items}
    for name, strategy in STRATEGIES.items():
        if value is strategy:
            return {"strategy": name}
    # Restoring anything else would mean importing and running code named in a file.
    return {"unstored": _describe(value)}


def _encode_params(estimator) -> dict:
    params = estimator.get_params(deep=False)
    params.pop("checkpoint_dir", None)
    return {name: _encode_param(value) for name, value in params.items()}


def _decode_params(directory: Path, encoded, overrides: dict) -> dict:
    _check(isinstance(encoded, dict), directory, f"{MANIFEST}: 'params' is not an object.")
    params = {}
    for name, value in encoded.items():
        if name in overrides:
            continue
        if isinstance(value, dict):
            _check(len(value) == 1, directory, f"{MANIFEST}: bad value of {name}: {value!r}")
            (tag, inner), *_ = value.items()
            if tag == "unstored":
                raise ValueError(
                    f"checkpoint {directory} was written with {name}={inner}, which a "
                    "checkpoint does not store because restoring it would run code named in "
                    f"a file; pass it again: from_checkpoint(path, {name}=...)."
                )
            if tag == "architecture":
                value = _architecture(inner)
            elif tag == "tuple" and isinstance(inner, list) and all(_is_scalar(v) for v in inner):
                value = tuple(inner)
            elif tag == "strategy" and inner in STRATEGIES:
                value = STRATEGIES[inner]
            else:
                raise ValueError(f"checkpoint {directory}: bad value of {name}: {value!r}")
        elif isinstance(value, list):
            raise ValueError(f"checkpoint {directory}: bad value of {name}: {value!r}")
        params[name] = value
    # Checkpoints written before the pooling parameter existed hold globally pooled networks.
    params.setdefault("pooling", "global")
    params.update(overrides)
    return params


# ---------------------------------------------------------------------- labels


def _storable_labels(y: np.ndarray) -> np.ndarray:
    """``y`` in a dtype that ``.npz`` holds without pickle: object strings become unicode."""
    if y.dtype.kind == "O":
        if not all(isinstance(v, str) for v in y):
            raise ValueError(
                "a checkpoint stores labels that are numbers or strings; these labels hold "
                f"{sorted({type(v).__name__ for v in y})}."
            )
        return np.array(y.tolist(), dtype=str)
    if y.dtype.kind not in "biufUS":
        raise ValueError(f"a checkpoint cannot store labels of dtype {y.dtype}.")
    return y


def _labels_bytes(X: np.ndarray, y: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, X=np.ascontiguousarray(X), y=_storable_labels(y))
    return buffer.getvalue()


def _dtype(directory: Path, text, kinds: str) -> np.dtype:
    try:
        dtype = np.dtype(text)
    except TypeError as err:
        raise ValueError(f"checkpoint {directory}: {MANIFEST}: bad dtype {text!r}") from err
    _check(dtype.kind in kinds, directory, f"{MANIFEST}: unexpected dtype {dtype}.")
    return dtype


def _cast_exactly(directory: Path, array: np.ndarray, dtype: np.dtype, what: str) -> np.ndarray:
    if array.dtype.kind != dtype.kind:
        _check(
            array.dtype.kind == "U" and dtype.kind == "O",
            directory,
            f"{what} are stored as {array.dtype}, but the manifest says {dtype}.",
        )
    cast = array.astype(dtype)
    _check(np.array_equal(cast, array), directory, f"{what} do not fit the dtype {dtype}.")
    return cast


def _read_batch(directory: Path, entry, sample_shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    data = _read_verified(directory, entry["file"], _LABELS, entry["sha256"])
    name = entry["file"]
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except Exception as err:
        raise ValueError(f"checkpoint {directory}: cannot read {name}: {err}") from err
    _check(set(arrays) == {"X", "y"}, directory, f"{name} must hold exactly arrays X and y.")
    X, y = arrays["X"], arrays["y"]
    _check(X.dtype.kind == "f", directory, f"{name}: X has dtype {X.dtype}, not float.")
    _check(y.dtype.kind in "biufUS", directory, f"{name}: y has dtype {y.dtype}.")
    _check(
        X.shape == (entry["n"], *sample_shape) and y.shape == (entry["n"],),
        directory,
        f"{name}: X has shape {X.shape} and y {y.shape}, but the manifest says "
        f"{entry['n']} samples of shape {sample_shape}.",
    )
    return X, y


def _check_manifest(directory: Path, manifest: dict) -> None:
    keys = _MANIFEST_KEYS
    _check(set(manifest) == keys, directory, f"{MANIFEST} must hold {sorted(keys)}.")
    _check(_is_int(manifest["round"]) and manifest["round"] >= 1, directory, "bad round.")
    _check(_is_int(manifest["n_features_in"]), directory, "bad n_features_in.")
    for name in ("input_shape", "sample_shape"):
        shape = manifest[name]
        _check(
            isinstance(shape, list) and len(shape) >= 1 and all(_is_int(s) for s in shape),
            directory,
            f"bad {name}: {shape!r}",
        )
    names = manifest["feature_names_in"]
    _check(
        names is None or (isinstance(names, list) and all(isinstance(n, str) for n in names)),
        directory,
        "bad feature_names_in.",
    )
    batches = manifest["batches"]
    _check(isinstance(batches, list) and len(batches) >= 1, directory, "no labels.")
    for position, entry in enumerate(batches, start=1):
        expected = f"labels-{position:06d}.npz"
        _check(
            isinstance(entry, dict)
            and set(entry) == {"file", "n", "sha256"}
            and entry["file"] == expected
            and _is_int(entry["n"])
            and entry["n"] >= 1,
            directory,
            f"batch {position} must be {{file: {expected!r}, n, sha256}}, got {entry!r}.",
        )
    base = manifest["history_from_round"]
    _check(base is None or _is_int(base), directory, "bad history_from_round.")


def _read_manifest(directory: Path) -> dict | None:
    manifest = _load_json(directory, MANIFEST)
    if manifest is not None:
        _check_manifest(directory, manifest)
    return manifest


def read_labels(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read the labeled set of a checkpoint, in arrival order, without building any model.

    Parameters
    ----------
    path : str or path-like
        A checkpoint directory.

    Returns
    -------
    X : ndarray of shape (n_labeled, ...)
        The labeled samples, as ``X_training_`` held them.
    y : ndarray of shape (n_labeled,)
        Their labels, as ``y_training_`` held them.

    Raises
    ------
    ValueError
        If the directory holds no checkpoint or a damaged or tampered one.
    """
    directory = Path(path)
    manifest = _read_manifest(directory)
    if manifest is None:
        raise ValueError(f"{directory} holds no skactive checkpoint ({MANIFEST} is missing).")
    return _read_labels(directory, manifest)


def _read_labels(directory: Path, manifest: dict) -> tuple[np.ndarray, np.ndarray]:
    sample_shape = tuple(manifest["sample_shape"])
    batches = [_read_batch(directory, e, sample_shape) for e in manifest["batches"]]
    X = np.concatenate([X for X, _ in batches])
    y = np.concatenate([y for _, y in batches])
    X = _cast_exactly(directory, X, _dtype(directory, manifest["X_dtype"], "f"), "samples")
    y = _cast_exactly(directory, y, _dtype(directory, manifest["y_dtype"], "biufUSO"), "labels")
    return X, y


def commit_labels(
    estimator,
    X: np.ndarray,
    y: np.ndarray,
    *,
    n_new: int | None,
    start: Architecture,
    input_shape: tuple[int, ...],
    keep_history: bool,
) -> int | None:
    """Durably record the labeled set that the coming training will use; return its round.

    Only the labels that the checkpoint lacks are written, as one new batch, then the manifest.
    The labels on disk must be the first ones of ``(X, y)``: a checkpoint's labeled set is only
    ever appended to, so a ``fit`` on a directory that holds other labels is refused rather
    than allowed to discard them.

    Parameters
    ----------
    estimator : ActiveINASClassifier
        The estimator; nothing is written when its ``checkpoint_dir`` is None.
    X, y : ndarray
        The whole labeled set after this call, in arrival order.
    n_new : int or None
        How many of the last samples are new (``teach``); the checkpoint is then trusted to hold
        the rest when its count says so. None (``fit``) compares the stored labels with ``X``.
    start : Architecture
        Where the search of this round starts, for a retraining after a crash.
    input_shape : tuple of int
        Shape of one sample as the network sees it.
    keep_history : bool
        Whether this round extends the estimator's search history (teach, warm fit).

    Returns
    -------
    int or None
        The round number, to pass to :func:`save_model`, or None without ``checkpoint_dir``.

    Raises
    ------
    ValueError
        If the directory holds labels that are not the first ones of ``(X, y)``, or labels
        that cannot be stored without pickle.
    """
    if estimator.checkpoint_dir is None:
        return None
    directory = Path(estimator.checkpoint_dir)
    if not directory.is_dir():
        directory.mkdir(parents=True)
        _fsync_directory(directory.parent)
    manifest = _read_manifest(directory)
    model = _read_model(directory) if keep_history else None
    batches = manifest["batches"] if manifest else []
    n_disk = sum(entry["n"] for entry in batches)
    trusted = (
        manifest is not None
        and n_new is not None
        and n_disk == len(y) - n_new
        and tuple(manifest["sample_shape"]) == X.shape[1:]
    )
    if manifest is not None and not trusted:
        X_disk, y_disk = _read_labels(directory, manifest)
        if not (
            len(y_disk) <= len(y)
            and X_disk.shape[1:] == X.shape[1:]
            and np.array_equal(X_disk, X[: len(y_disk)])
            and np.array_equal(y_disk, y[: len(y_disk)])
        ):
            raise ValueError(
                f"checkpoint_dir {str(directory)!r} holds {len(y_disk)} labels that are not "
                f"the first {len(y_disk)} of this labeled set, and a checkpoint never discards "
                "a label. Restore them with ActiveINASClassifier.from_checkpoint(path), or "
                "choose another checkpoint_dir."
            )
    if len(y) > n_disk:
        data = _labels_bytes(X[n_disk:], y[n_disk:])
        entry = {"file": f"labels-{len(batches) + 1:06d}.npz", "n": len(y) - n_disk}
        entry["sha256"] = _sha256(data)
        write_atomic(directory / entry["file"], data)
        batches = [*batches, entry]
    names = getattr(estimator, "feature_names_in_", None)
    round_ = manifest["round"] + 1 if manifest else 1
    new_manifest = {
        "format": _FORMAT,
        "version": _VERSION,
        "round": round_,
        "params": _encode_params(estimator),
        "n_features_in": int(X.shape[1]),
        "feature_names_in": None if names is None else [str(n) for n in names],
        "input_shape": [int(s) for s in input_shape],
        "sample_shape": [int(s) for s in X.shape[1:]],
        "X_dtype": X.dtype.str,
        "y_dtype": y.dtype.str,
        "batches": batches,
        "start": _to_json(start),
        "history_from_round": None if model is None else model["round"],
    }
    write_atomic(directory / MANIFEST, _dump_json(new_manifest))
    return round_


# ---------------------------------------------------------------------- model


def _read_model(directory: Path) -> dict | None:
    model = _load_json(directory, MODEL)
    if model is None:
        return None
    _check(set(model) == _MODEL_KEYS, directory, f"{MODEL} must hold {sorted(_MODEL_KEYS)}.")
    for name in ("round", "n_labeled", "n_classes"):
        _check(_is_int(model[name]) and model[name] >= 1, directory, f"{MODEL}: bad {name}.")
    weights = model["weights"]
    _check(
        isinstance(weights, dict) and set(weights) == {"file", "sha256"},
        directory,
        f"{MODEL}: bad weights entry.",
    )
    try:
        model["architecture"] = _from_json(model["architecture"])
        model["architecture_history"] = _from_json(model["architecture_history"])
        model["history"] = _from_json(model["history"])
    except (ValueError, TypeError) as err:
        raise ValueError(f"checkpoint {directory}: {MODEL}: {err}") from err
    _check(
        isinstance(model["architecture"], Architecture)
        and isinstance(model["architecture_history"], list)
        and all(isinstance(a, Architecture) for a in model["architecture_history"])
        and isinstance(model["history"], list)
        and all(isinstance(entry, dict) for entry in model["history"]),
        directory,
        f"{MODEL}: bad architecture or history.",
    )
    return model


def save_model(estimator, round_: int | None, directory: str | os.PathLike | None = None) -> None:
    """Durably record a finished training: its weights, then ``model.json``, then tidy up.

    Parameters
    ----------
    estimator : ActiveINASClassifier
        A fitted estimator.
    round_ : int or None
        The round returned by :func:`commit_labels`; None writes nothing.
    directory : str, path-like or None, default=None
        The checkpoint; None means ``estimator.checkpoint_dir``.
    """
    if round_ is None:
        return
    directory = Path(estimator.checkpoint_dir if directory is None else directory)
    buffer = io.BytesIO()
    torch.save(
        {k: v.detach().cpu() for k, v in estimator.net_.module_.state_dict().items()}, buffer
    )
    weights = {"file": f"weights-{round_:06d}.pt", "sha256": _sha256(buffer.getvalue())}
    write_atomic(directory / weights["file"], buffer.getvalue())
    model = {
        "format": _FORMAT,
        "version": _VERSION,
        "round": round_,
        "n_labeled": len(estimator.y_training_),
        "n_classes": len(estimator.classes_),
        "architecture": _to_json(estimator.architecture_),
        "architecture_history": _to_json(estimator.architecture_history_),
        "history": _to_json(estimator.history_),
        "weights": weights,
    }
    write_atomic(directory / MODEL, _dump_json(model))
    _remove_unreferenced(directory, weights["file"])


def _remove_unreferenced(directory: Path, weights: str) -> None:
    """Delete old weights, batches a crash wrote but never committed, and temporary files."""
    manifest = _read_manifest(directory)
    keep = {weights, *(entry["file"] for entry in manifest["batches"])}
    for path in directory.iterdir():
        ours = (
            _WEIGHTS.fullmatch(path.name)
            or _LABELS.fullmatch(path.name)
            or (path.name.startswith(_TEMP_PREFIX) and path.name.endswith(".tmp"))
        )
        if ours and path.name not in keep:
            with contextlib.suppress(OSError):
                path.unlink()


def _load_weights(estimator, directory: Path, model: dict) -> None:
    """Build ``net_`` for ``architecture_`` and load the stored weights into it."""
    weights = model["weights"]
    data = _read_verified(directory, weights["file"], _WEIGHTS, weights["sha256"])
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as err:
        raise ValueError(
            f"checkpoint {directory}: {weights['file']} is not a plain tensor state_dict: {err}"
        ) from err
    _check(
        isinstance(state, dict)
        and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()),
        directory,
        f"{weights['file']} is not a state_dict of tensors.",
    )
    try:
        net = build_net(
            estimator.architecture_,
            estimator._training_config(
                estimator.input_shape_, len(estimator.classes_), estimator.device_
            ),
        )
        with torch.random.fork_rng(devices=[]):
            net.initialize()
        net.module_.load_state_dict(state)
    except (RuntimeError, ValueError) as err:
        raise ValueError(
            f"checkpoint {directory}: the weights in {weights['file']} do not fit "
            f"{estimator.architecture_} with {len(estimator.classes_)} classes: {err}"
        ) from err
    estimator.net_ = net


def _read_checkpoint(directory: Path) -> tuple[dict, np.ndarray, np.ndarray, dict | None]:
    """Read and cross-check everything in a checkpoint before anything is built from it."""
    manifest = _read_manifest(directory)
    if manifest is None:
        raise ValueError(f"{directory} holds no skactive checkpoint ({MANIFEST} is missing).")
    X, y = _read_labels(directory, manifest)
    model = _read_model(directory)
    try:
        manifest["start"] = _from_json(manifest["start"])
    except (ValueError, TypeError) as err:
        raise ValueError(f"checkpoint {directory}: {MANIFEST}: bad start: {err}") from err
    _check(isinstance(manifest["start"], Architecture), directory, f"{MANIFEST}: bad start.")
    _check(
        X.shape[1] == manifest["n_features_in"]
        and math.prod(X.shape[1:]) == math.prod(manifest["input_shape"]),
        directory,
        "the labeled samples do not have the recorded number of features.",
    )
    if model is None:
        _check(manifest["history_from_round"] is None, directory, f"{MODEL} is missing.")
        return manifest, X, y, None
    _check(model["round"] <= manifest["round"], directory, f"{MODEL} is newer than the labels.")
    if model["round"] == manifest["round"]:
        n_classes = len(np.unique(y))
        _check(
            model["n_labeled"] == len(y) and model["n_classes"] == n_classes,
            directory,
            f"{MODEL} was trained on {model['n_labeled']} labels of {model['n_classes']} "
            f"classes, but the checkpoint holds {len(y)} labels of {n_classes} classes.",
        )
    else:
        base = manifest["history_from_round"]
        _check(
            base is None or model["round"] == base,
            directory,
            f"the search history of round {base} is missing from {MODEL}.",
        )
    return manifest, X, y, model


def restore(cls, path: str | os.PathLike, **params):
    """Rebuild an estimator from a checkpoint; see ``ActiveINASClassifier.from_checkpoint``.

    Parameters
    ----------
    cls : type
        The estimator class.
    path : str or path-like
        The checkpoint directory.
    **params
        Parameters that replace the stored ones.

    Returns
    -------
    estimator
        Fitted, with every label in arrival order; retrained when the last training had not
        finished.
    """
    directory = Path(path)
    manifest, X, y, model = _read_checkpoint(directory)
    params = _decode_params(directory, manifest["params"], params)
    params.setdefault("checkpoint_dir", path)
    try:
        estimator = cls(**params)
    except TypeError as err:
        raise ValueError(
            f"checkpoint {directory}: parameters do not fit {cls.__name__}: {err}"
        ) from err
    estimator._validate_params()
    estimator.n_features_in_ = manifest["n_features_in"]
    if manifest["feature_names_in"] is not None:
        estimator.feature_names_in_ = np.asarray(manifest["feature_names_in"], dtype=object)
    estimator.input_shape_ = tuple(manifest["input_shape"])
    estimator.X_training_ = X
    estimator.y_training_ = y
    finished = model is not None and model["round"] == manifest["round"]
    if finished or manifest["history_from_round"] is not None:
        estimator.architecture_history_ = model["architecture_history"]
        estimator.history_ = model["history"]
    if finished:
        estimator.classes_ = np.unique(y)
        estimator.device_ = resolve_device(estimator.device)
        estimator.architecture_ = model["architecture"]
        _load_weights(estimator, directory, model)
        return estimator
    warnings.warn(
        f"The last training of checkpoint {str(directory)!r} did not finish (its {len(y)} "
        f"labels are newer than its weights); retraining from the restored labels, starting "
        f"the search at {manifest['start']}.",
        UserWarning,
        stacklevel=3,
    )
    estimator._search_and_train(manifest["start"], estimator.input_shape_)
    save_model(estimator, manifest["round"], directory)
    return estimator
