"""Durable files: atomic writes, SHA-256 checked reads and JSON documents of a checkpoint."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

TEMP_PREFIX = ".skactive-"
"""Prefix of the temporary files of :func:`write_atomic`, so that leftovers can be recognised."""


def fsync_directory(directory: Path) -> None:
    """Make the entries of ``directory`` (a rename, a new file) durable.

    Parameters
    ----------
    directory : Path
        An existing directory; nothing is done outside POSIX, where NTFS journals the rename.
    """
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
    >>> from skactive.checkpoint import write_atomic
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_atomic(Path(tmp) / "a.txt", b"label")
    ...     (Path(tmp) / "a.txt").read_bytes()
    b'label'
    """
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=path.parent)
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
    fsync_directory(path.parent)


def sha256_hex(data: bytes) -> str:
    """Hexadecimal SHA-256 of ``data``, as the records store it.

    Parameters
    ----------
    data : bytes
        A file's content.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    return hashlib.sha256(data).hexdigest()


def read_verified(directory: Path, name: str, pattern: re.Pattern, sha256: str) -> bytes:
    """Read ``directory/name`` after checking its name, and its content against ``sha256``.

    Parameters
    ----------
    directory : Path
        The checkpoint.
    name : str
        A file name taken from a record; it must match ``pattern`` in full, so that a name
        in a JSON file cannot point outside the checkpoint (no ``../``, no ``/``).
    pattern : re.Pattern
        The names this kind of file may have.
    sha256 : str
        The SHA-256 recorded for the file.

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    ValueError
        If the name is not allowed, the file cannot be read or its SHA-256 differs.
    """
    if not isinstance(name, str) or not pattern.fullmatch(name):
        raise ValueError(f"checkpoint {directory}: invalid file name {name!r}.")
    try:
        data = (directory / name).read_bytes()
    except OSError as err:
        raise ValueError(f"checkpoint {directory}: cannot read {name}: {err}") from err
    if sha256_hex(data) != sha256:
        raise ValueError(
            f"checkpoint {directory}: {name} does not match its SHA-256 in the checkpoint: "
            "the file was changed or damaged."
        )
    return data


def dump_json(obj) -> bytes:
    """``obj`` as indented UTF-8 JSON, the encoding of every record.

    Parameters
    ----------
    obj : JSON value
        A record's content.

    Returns
    -------
    bytes
        The file's content.
    """
    return json.dumps(obj, indent=1).encode("utf-8")


def load_json(directory: Path, name: str) -> object | None:
    """The JSON value in ``directory/name``, or None when there is no such file.

    Parameters
    ----------
    directory : Path
        The checkpoint.
    name : str
        The record's file name.

    Returns
    -------
    JSON value or None
        The parsed content, not yet validated.

    Raises
    ------
    ValueError
        If the file exists but cannot be read or is not JSON.
    """
    try:
        data = (directory / name).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ValueError(f"checkpoint {directory}: cannot read {name}: {err}") from err
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as err:
        raise ValueError(f"checkpoint {directory}: {name} is not valid JSON: {err}") from err
