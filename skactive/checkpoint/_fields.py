"""Checks of the JSON objects of a checkpoint, each error naming the file and the field."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

FORMAT = "skactive-checkpoint"
"""Value of the ``format`` field of every record."""

VERSION = 1
"""Format version written and read by this skactive."""

_SHA256 = re.compile(r"[0-9a-f]{64}")


def is_int(value, minimum: int = 1) -> bool:
    """Whether ``value`` is an int (not a bool) of at least ``minimum``.

    Parameters
    ----------
    value : object
        A JSON value.
    minimum : int, default=1
        Smallest accepted value.

    Returns
    -------
    bool
        True when accepted.
    """
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def is_shape(value) -> bool:
    """Whether ``value`` is a non-empty list of ints of at least 1.

    Parameters
    ----------
    value : object
        A JSON value.

    Returns
    -------
    bool
        True when accepted.
    """
    return isinstance(value, list) and len(value) >= 1 and all(is_int(s) for s in value)


def is_sha256(value) -> bool:
    """Whether ``value`` is a SHA-256 in lowercase hexadecimal.

    Parameters
    ----------
    value : object
        A JSON value.

    Returns
    -------
    bool
        True when accepted.
    """
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None


def dtype_decoder(kinds: str) -> Callable[[object], np.dtype]:
    """A decoder of a dtype's string that accepts only the given kinds.

    Parameters
    ----------
    kinds : str
        Accepted :attr:`numpy.dtype.kind` letters, e.g. ``"f"``.

    Returns
    -------
    callable
        ``decode(text) -> numpy.dtype``, raising ``TypeError`` or ``ValueError``.
    """

    def decode(text) -> np.dtype:
        if not isinstance(text, str):
            raise TypeError(f"a dtype is a string, got {text!r}")
        dtype = np.dtype(text)
        if dtype.kind not in kinds:
            raise ValueError(f"unexpected dtype {dtype}")
        return dtype

    return decode


def check_header(obj, source: str) -> None:
    """Check that ``obj`` is a record of this format version.

    Parameters
    ----------
    obj : JSON value
        A parsed record.
    source : str
        The record's file name, for the messages.

    Raises
    ------
    ValueError
        If ``obj`` is not a skactive checkpoint record, or of another version.
    """
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise ValueError(f"{source} is not a skactive checkpoint file.")
    if obj.get("version") != VERSION:
        raise ValueError(
            f"{source} has format version {obj.get('version')!r}; this skactive reads "
            f"version {VERSION}."
        )


class Fields:
    """The fields of one JSON object, read so that every error names the file and the field.

    Parameters
    ----------
    obj : JSON value
        The object.
    source : str
        Where it comes from, e.g. ``"checkpoint.json"``, for the messages.
    names : tuple of str
        Its fields, all required; any other field is an error.

    Raises
    ------
    ValueError
        If ``obj`` is not an object, lacks a field or has an unknown one.
    """

    def __init__(self, obj, source: str, names: tuple[str, ...]):
        if not isinstance(obj, dict):
            raise ValueError(f"{source} must hold a JSON object, got {type(obj).__name__}.")
        missing = [name for name in names if name not in obj]
        if missing:
            raise ValueError(f"{source}: field {missing[0]!r} is missing.")
        unknown = sorted(set(obj) - set(names))
        if unknown:
            raise ValueError(f"{source}: unknown field {unknown[0]!r}.")
        self.obj, self.source = obj, source

    def get(self, name: str, check: Callable[[object], bool], what: str):
        """The field ``name``, when ``check`` accepts it.

        Parameters
        ----------
        name : str
            The field.
        check : callable
            ``check(value) -> bool``.
        what : str
            What the field must be, for the message.

        Returns
        -------
        JSON value
            The field's value.

        Raises
        ------
        ValueError
            If ``check`` refuses the value.
        """
        value = self.obj[name]
        if not check(value):
            raise ValueError(f"{self.source}: field {name!r} must be {what}, got {value!r}.")
        return value

    def decode(self, name: str, decode: Callable):
        """The field ``name`` passed through ``decode``.

        Parameters
        ----------
        name : str
            The field.
        decode : callable
            ``decode(value)``, raising ``TypeError`` or ``ValueError`` on a bad value.

        Returns
        -------
        object
            What ``decode`` returns.

        Raises
        ------
        ValueError
            If ``decode`` refuses the value; the message names the field.
        """
        try:
            return decode(self.obj[name])
        except (TypeError, ValueError) as err:
            raise ValueError(f"{self.source}: field {name!r}: {err}") from err
