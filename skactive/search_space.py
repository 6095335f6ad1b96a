"""The homogeneous search space of Active-iNAS: architectures A(B, i, j) and their neighbours.

A network A(B, i, j) is a stem, then ``j`` stacks of ``i`` blocks of type ``B``, then
pooling, dropout and a linear head (Geifman & El-Yaniv, 2019, section 4). Widths double and
resolution halves at each new stack, so ``Architecture("resnet", 2, 4)`` is ResNet-18. The
torch networks themselves are in :mod:`skactive.networks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import total_ordering
from numbers import Integral

BLOCKS = ("resnet", "resnet1d", "mlp")
"""Block types of the search space, besides ``"auto"`` which picks one from the data."""


@total_ordering
@dataclass(frozen=True)
class Architecture:
    """A homogeneous network A(B, i, j): ``n_stacks`` stacks of ``n_blocks`` blocks of one type.

    Immutable and hashable, so it can key dictionaries and sit in sets. Architectures compare by
    depth ``n_blocks * n_stacks`` first, then by number of stacks, so sorting a list of them
    orders it from the simplest network to the most complex.

    Parameters
    ----------
    block : {"resnet", "resnet1d", "mlp"}
        The block type B: a ResNet basic block on images (N, C, H, W), its 1-D twin on
        sequences (N, C, L), or a residual MLP block on flat features (N, F).
    n_blocks : int
        Blocks per stack, the i of A(B, i, j); at least 1.
    n_stacks : int
        Number of stacks, the j of A(B, i, j); at least 1.

    See Also
    --------
    neighbours : The candidate architectures that iNAS tries from this one.

    Examples
    --------
    >>> from skactive import Architecture
    >>> resnet18 = Architecture("resnet", 2, 4)
    >>> resnet18.depth
    8
    >>> Architecture("resnet", 1, 1) < resnet18
    True
    >>> str(resnet18)
    'A(resnet, 2, 4)'
    """

    block: str
    n_blocks: int
    n_stacks: int

    def __post_init__(self) -> None:
        if self.block not in BLOCKS:
            raise ValueError(f"block must be one of {BLOCKS}, got {self.block!r}.")
        for name in ("n_blocks", "n_stacks"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}.")

    @property
    def depth(self) -> int:
        """Number of blocks in the network, ``n_blocks * n_stacks``."""
        return self.n_blocks * self.n_stacks

    def _key(self) -> tuple[int, int, int, str]:
        return (self.depth, self.n_stacks, self.n_blocks, self.block)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Architecture):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        return f"A({self.block}, {self.n_blocks}, {self.n_stacks})"

    def to_dict(self) -> dict:
        """Return the architecture as a JSON-serialisable dict, the inverse of :meth:`from_dict`.

        Returns
        -------
        dict
            ``{"block": ..., "n_blocks": ..., "n_stacks": ...}``.

        Examples
        --------
        >>> from skactive import Architecture
        >>> Architecture("mlp", 2, 3).to_dict()
        {'block': 'mlp', 'n_blocks': 2, 'n_stacks': 3}
        """
        return {"block": self.block, "n_blocks": self.n_blocks, "n_stacks": self.n_stacks}

    @classmethod
    def from_dict(cls, d: Mapping) -> Architecture:
        """Build an architecture from the dict of :meth:`to_dict`, checking every field.

        The one decoder of stored architectures (checkpoints, result files): it accepts exactly
        the keys ``block``, ``n_blocks`` and ``n_stacks``, so a misspelt or extra key is an
        error rather than silently ignored.

        Parameters
        ----------
        d : mapping
            ``{"block": str, "n_blocks": int, "n_stacks": int}``.

        Returns
        -------
        Architecture
            The architecture ``d`` describes.

        Raises
        ------
        TypeError
            If ``d`` is not a mapping.
        ValueError
            If a key is missing or unknown, or a value is out of range.

        Examples
        --------
        >>> from skactive import Architecture
        >>> Architecture.from_dict({"block": "resnet", "n_blocks": 2, "n_stacks": 4})
        Architecture(block='resnet', n_blocks=2, n_stacks=4)
        >>> a = Architecture("mlp", 1, 2)
        >>> Architecture.from_dict(a.to_dict()) == a
        True
        """
        if not isinstance(d, Mapping):
            raise TypeError(f"an architecture must be a dict, got {type(d).__name__}: {d!r}.")
        fields = ("block", "n_blocks", "n_stacks")
        missing = [name for name in fields if name not in d]
        unknown = sorted(str(key) for key in d if key not in fields)
        if missing or unknown:
            problems = [f"lacks {missing}"] if missing else []
            problems += [f"has unknown keys {unknown}"] if unknown else []
            raise ValueError(
                f"an architecture has exactly the keys {list(fields)}; {d!r} "
                f"{' and '.join(problems)}."
            )
        return cls(d["block"], d["n_blocks"], d["n_stacks"])


def parse_layout(spec) -> tuple[int, int]:
    """The blocks per stack and stacks, (i, j), of an architecture however it is written.

    The one parser of the package's architecture specs: ``initial_architecture``, fixed
    baselines and the command line's ``--baselines`` all go through it.

    Parameters
    ----------
    spec : str, tuple of (int, int), Architecture or dict
        ``"2x4"`` (``IxJ``, any case), ``(2, 4)``, ``Architecture("resnet", 2, 4)`` or its
        :meth:`Architecture.to_dict`.

    Returns
    -------
    tuple of (int, int)
        ``(n_blocks, n_stacks)``, both at least 1.

    Raises
    ------
    TypeError
        If ``spec`` is none of these forms.
    ValueError
        If it is malformed or names fewer than one block or stack.

    Examples
    --------
    >>> from skactive.search_space import parse_layout
    >>> parse_layout("2X4"), parse_layout((1, 2))
    ((2, 4), (1, 2))
    """
    if isinstance(spec, Mapping):
        spec = Architecture.from_dict(spec)
    if isinstance(spec, Architecture):
        return spec.n_blocks, spec.n_stacks
    if isinstance(spec, str):
        parts = spec.lower().split("x")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(
                f"A layout is written IxJ (blocks x stacks, e.g. '2x4'), got {spec!r}."
            )
        spec = tuple(int(p) for p in parts)
    if not (
        isinstance(spec, tuple)
        and len(spec) == 2
        and all(isinstance(v, Integral) and not isinstance(v, bool) for v in spec)
    ):
        raise TypeError(f"A layout is 'IxJ', (i, j), an Architecture or its dict, got {spec!r}.")
    i, j = (int(v) for v in spec)
    if i < 1 or j < 1:
        raise ValueError(f"A layout needs at least one block and one stack, got {spec!r}.")
    return i, j


def neighbours(
    architecture: Architecture, max_blocks: int = 12, max_stacks: int = 5
) -> tuple[Architecture, ...]:
    """Return the iNAS candidates of an architecture, itself first.

    The paper's rule: from A(B, i, j) the candidates are A(B, i, j), A(B, ⌊ij/(j+1)⌋+1, j+1)
    (one more stack at about the same depth) and A(B, i+1, j) (one more block per stack), kept
    only when they lie inside A(B, max_blocks, max_stacks). Every candidate is at least as deep
    as the start, so the search never moves to a shallower network.

    Parameters
    ----------
    architecture : Architecture
        The current architecture A(B, i, j).
    max_blocks : int, default=12
        Largest number of blocks per stack in the search space.
    max_stacks : int, default=5
        Largest number of stacks in the search space.

    Returns
    -------
    tuple of Architecture
        The current architecture followed by the in-bounds expansions, without duplicates.

    Examples
    --------
    >>> from skactive import Architecture
    >>> from skactive.search_space import neighbours
    >>> [str(a) for a in neighbours(Architecture("resnet", 2, 4))]
    ['A(resnet, 2, 4)', 'A(resnet, 2, 5)', 'A(resnet, 3, 4)']
    """
    i, j, block = architecture.n_blocks, architecture.n_stacks, architecture.block
    candidates = [architecture]
    if j + 1 <= max_stacks and (i * j) // (j + 1) + 1 <= max_blocks:
        candidates.append(Architecture(block, (i * j) // (j + 1) + 1, j + 1))
    if i + 1 <= max_blocks:
        candidates.append(Architecture(block, i + 1, j))
    return tuple(dict.fromkeys(candidates))


def resolve_block(block: str, input_shape: tuple[int, ...]) -> str:
    """Pick the block type for ``block="auto"`` from the shape of one sample.

    Parameters
    ----------
    block : {"auto", "resnet", "resnet1d", "mlp"}
        The requested block; anything but ``"auto"`` is returned unchanged.
    input_shape : tuple of int
        Shape of one sample: (C, H, W) for images, (C, L) for sequences, (F,) for features.

    Returns
    -------
    str
        ``"resnet"`` for (C, H, W), ``"resnet1d"`` for (C, L), ``"mlp"`` otherwise.
    """
    if block != "auto":
        return block
    return {3: "resnet", 2: "resnet1d"}.get(len(input_shape), "mlp")
