"""JSON forms of the values a checkpoint records: search histories and estimator parameters.

An architecture is written as :meth:`Architecture.to_dict` and read with
:meth:`Architecture.from_dict` everywhere; inside a history it carries the tag
``"__architecture__"`` (a history entry's own keys include ``"architecture"``), among the
parameters the tag ``"architecture"`` of the other tagged parameter values.
"""

from __future__ import annotations

import numpy as np

from ..search_space import Architecture
from ..strategies import STRATEGIES

_ARCHITECTURE_TAG = "__architecture__"


def is_scalar(value) -> bool:
    """Whether ``value`` is a JSON scalar: None, a bool, an int, a float or a str.

    Parameters
    ----------
    value : object
        Any value.

    Returns
    -------
    bool
        True for a JSON scalar.
    """
    return value is None or isinstance(value, (bool, int, float, str))


def to_json_value(value):
    """Architectures, numpy scalars, dicts and sequences as JSON values.

    Parameters
    ----------
    value : object
        A search history, or a part of one.

    Returns
    -------
    JSON value
        Sequences become lists, and each :class:`Architecture` its tagged dict.

    Raises
    ------
    TypeError
        If ``value`` holds anything else.
    """
    if isinstance(value, Architecture):
        return {_ARCHITECTURE_TAG: value.to_dict()}
    if isinstance(value, np.generic):
        return value.item()
    if is_scalar(value):
        return value
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    raise TypeError(f"cannot store a {type(value).__name__} in a checkpoint: {value!r}")


def from_json_value(value):
    """Inverse of :func:`to_json_value`; sequences come back as lists.

    Parameters
    ----------
    value : JSON value
        As read from a record.

    Returns
    -------
    object
        The value, with every tagged dict an :class:`Architecture`.

    Raises
    ------
    TypeError, ValueError
        If a tagged architecture is malformed.
    """
    if isinstance(value, dict):
        if set(value) == {_ARCHITECTURE_TAG}:
            return Architecture.from_dict(value[_ARCHITECTURE_TAG])
        return {k: from_json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json_value(v) for v in value]
    return value


def architecture_from_json(value) -> Architecture:
    """The architecture of a tagged dict written by :func:`to_json_value`.

    Parameters
    ----------
    value : JSON value
        ``{"__architecture__": {...}}``.

    Returns
    -------
    Architecture
        The architecture.

    Raises
    ------
    ValueError
        If ``value`` is not a tagged architecture.
    """
    architecture = from_json_value(value)
    if not isinstance(architecture, Architecture):
        raise ValueError(f"not an architecture: {value!r}")
    return architecture


def _describe(value) -> str:
    kind = type(value)
    name = getattr(value, "__qualname__", None) or kind.__qualname__
    module = getattr(value, "__module__", None) or kind.__module__
    return f"{module}.{name}"


def _encode_param(value):
    if isinstance(value, np.generic):
        value = value.item()
    if is_scalar(value):
        return value
    if isinstance(value, Architecture):
        return {"architecture": value.to_dict()}
    if isinstance(value, tuple):
        items = [_encode_param(v) for v in value]
        if all(is_scalar(v) for v in items):
            return {"tuple": items}
    for name, strategy in STRATEGIES.items():
        if value is strategy:
            return {"strategy": name}
    # Restoring anything else would mean importing and running code named in a file.
    return {"unstored": _describe(value)}


def encode_params(params: dict) -> dict:
    """An estimator's parameters as JSON values.

    Scalars are kept; an :class:`Architecture`, a tuple of scalars and a built-in strategy
    are tagged (``{"architecture": ...}``, ``{"tuple": [...]}``, ``{"strategy": name}``);
    anything else is recorded by name only (``{"unstored": "module.name"}``), since
    restoring it would mean running code named in a file.

    Parameters
    ----------
    params : dict
        ``estimator.get_params(deep=False)``, without the checkpoint's own path.

    Returns
    -------
    dict
        Parameter names to JSON values, read back by :func:`decode_param`.
    """
    return {str(name): _encode_param(value) for name, value in params.items()}


class Unstored(str):
    """The name of a parameter value that a checkpoint records by name only."""


def decode_param(value):
    """A parameter value written by :func:`encode_params`.

    Parameters
    ----------
    value : JSON value
        One value of the encoded parameters.

    Returns
    -------
    object
        The value, or an :class:`Unstored` holding the name of a value the checkpoint did
        not store.

    Raises
    ------
    TypeError, ValueError
        If ``value`` is not a value :func:`encode_params` writes.
    """
    if is_scalar(value):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(f"bad value {value!r}")
    (tag, inner), *_ = value.items()
    if tag == "unstored" and isinstance(inner, str):
        return Unstored(inner)
    if tag == "architecture":
        return Architecture.from_dict(inner)
    if tag == "tuple" and isinstance(inner, list) and all(is_scalar(v) for v in inner):
        return tuple(inner)
    if tag == "strategy" and inner in STRATEGIES:
        return STRATEGIES[inner]
    raise ValueError(f"bad value {value!r}")
