"""Label batches on disk: ``.npz`` files of arrays X and y, written and read without pickle."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from ._files import read_verified
from ._records import LABELS_FILE, LabelBatch


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


def labels_bytes(X: np.ndarray, y: np.ndarray) -> bytes:
    """The ``.npz`` file of one batch of samples and labels.

    Parameters
    ----------
    X : ndarray of shape (n, ...)
        Samples.
    y : ndarray of shape (n,) or (n, n_outputs)
        Their labels: numbers, or strings (object arrays of strings are stored as unicode);
        a multi-output regressor's targets have a column per output.

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    ValueError
        If the labels cannot be stored without pickle.
    """
    buffer = io.BytesIO()
    np.savez(buffer, X=np.ascontiguousarray(X), y=_storable_labels(y))
    return buffer.getvalue()


def read_batch(
    directory: Path, batch: LabelBatch, sample_shape: tuple, target_shape: tuple = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Read and check one batch of labels.

    Parameters
    ----------
    directory : Path
        The checkpoint.
    batch : LabelBatch
        The batch's record.
    sample_shape : tuple of int
        The shape of one sample, from the manifest.
    target_shape : tuple of int, default=()
        The shape of one target, from the manifest.

    Returns
    -------
    X, y : ndarray
        The samples and their labels, as stored.

    Raises
    ------
    ValueError
        If the file is damaged, would need pickle, or does not match its record.
    """
    data = read_verified(directory, batch.file, LABELS_FILE, batch.sha256)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise ValueError(f"checkpoint {directory}: cannot read {batch.file}: {err}") from err
    problem = None
    if set(arrays) != {"X", "y"}:
        problem = "must hold exactly arrays X and y"
    elif arrays["X"].dtype.kind != "f":
        problem = f"X has dtype {arrays['X'].dtype}, not float"
    elif arrays["y"].dtype.kind not in "biufUS":
        problem = f"y has dtype {arrays['y'].dtype}"
    elif arrays["X"].shape != (batch.n, *sample_shape) or arrays["y"].shape != (
        batch.n,
        *target_shape,
    ):
        problem = (
            f"X has shape {arrays['X'].shape} and y {arrays['y'].shape}, but the manifest "
            f"says {batch.n} samples of shape {sample_shape} with targets of shape "
            f"{target_shape}"
        )
    if problem is not None:
        raise ValueError(f"checkpoint {directory}: {batch.file}: {problem}.")
    return arrays["X"], arrays["y"]


def cast_exactly(array: np.ndarray, dtype: np.dtype, what: str) -> np.ndarray:
    """``array`` in ``dtype``, refusing a cast that would change a value.

    Parameters
    ----------
    array : ndarray
        Stored samples or labels.
    dtype : numpy.dtype
        The dtype the manifest records.
    what : str
        ``"samples"`` or ``"labels"``, for the message.

    Returns
    -------
    ndarray
        The values in ``dtype`` (unicode labels become objects when the manifest says so).

    Raises
    ------
    ValueError
        If the stored kind differs from the recorded one or a value does not survive the cast.
    """
    if array.dtype.kind != dtype.kind and not (array.dtype.kind == "U" and dtype.kind == "O"):
        raise ValueError(f"{what} are stored as {array.dtype}, but the manifest says {dtype}.")
    cast = array.astype(dtype)
    if not np.array_equal(cast, array):
        raise ValueError(f"{what} do not fit the dtype {dtype}.")
    return cast
