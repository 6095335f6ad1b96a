"""The torch networks of the search space: blocks, pooling, the dropout head, HomogeneousNet."""

from __future__ import annotations

import contextlib
import math

import torch
from torch import nn

from .loss_prediction import LossPredictionHead
from .search_space import Architecture

_WIDTH_DOUBLINGS = 3
"""Stack ``s`` has width ``base_width * 2**min(s, 3)``: ResNet's 64-128-256-512 pattern."""

DEFAULT_BASE_WIDTH = 16
"""Channels of the first stack, unless a network is given another ``base_width``."""

DEFAULT_DROPOUT = 0.25
"""Dropout before the linear head, unless a network is given another ``dropout``."""

DEFAULT_POOLING = "pyramid"
"""Pooling of the last stack, unless a network is given another ``pooling``."""

POOLINGS = {"pyramid": (1, 2), "global": (1,)}
"""Poolings of the last stack, by name: the grid sides whose averages are concatenated."""


class _BasicBlock(nn.Module):
    """ResNet basic block: two 3-wide convolutions with batch norm and a shortcut."""

    def __init__(self, dims: int, in_width: int, width: int, stride: int) -> None:
        super().__init__()
        conv = nn.Conv2d if dims == 2 else nn.Conv1d
        norm = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
        self.conv1 = conv(in_width, width, 3, stride=stride, padding=1, bias=False)
        self.bn1 = norm(width)
        self.conv2 = conv(width, width, 3, padding=1, bias=False)
        self.bn2 = norm(width)
        # The projection shortcut subsamples, then applies a unit-stride 1-wide convolution: the
        # same function as a strided one, but oneDNN's strided 1x1 weight gradient on channels_last
        # inputs with fewer channels than its block (8 with AVX2, 16 with AVX-512) writes past its
        # workspace and corrupts the heap (uxlfoundation/oneDNN#6035, in torch 2.14).
        self.subsample = (slice(None, None, stride),) * dims
        self.shortcut = nn.Identity()
        if stride != 1 or in_width != width:
            self.shortcut = nn.Sequential(conv(in_width, width, 1, bias=False), norm(width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x[(..., *self.subsample)]))


class _MLPBlock(nn.Module):
    """Residual MLP block; layer norm rather than batch norm so a batch of one still trains."""

    def __init__(self, in_width: int, width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(in_width, width),
            nn.LayerNorm(width),
            nn.ReLU(),
            nn.Linear(width, width),
        )
        self.shortcut = nn.Identity() if in_width == width else nn.Linear(in_width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


def _cells(size: int, side: int) -> list[tuple[int, int]]:
    # The windows of adaptive average pooling: cell i covers [floor(i n/s), ceil((i+1) n/s)).
    return [((i * size) // side, -((-(i + 1) * size) // side)) for i in range(side)]


class _PyramidPool(nn.Module):
    """Averages over grids of several sides, flattened and concatenated (He et al., 2014).

    Side 1 is the global average of ResNet, blind to where a feature lies; side 2 keeps the
    quadrant (or half, on sequences) it lies in, which a network with one or two stacks needs
    to tell centred shapes such as digits apart: its features see only a small patch. The
    windows are those of adaptive average pooling, taken as plain means of slices, whose
    backward pass is deterministic on CUDA too (adaptive pooling's is not).
    """

    def __init__(self, dims: int, sides: tuple[int, ...]) -> None:
        super().__init__()
        self.dims = dims
        self.sides = tuple(sides)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        axes = tuple(range(2, 2 + self.dims))
        pooled = []
        for side in self.sides:
            if side == 1:
                pooled.append(x.mean(dim=axes))
                continue
            grids = [_cells(x.shape[axis], side) for axis in axes]
            if self.dims == 1:
                cells = [x[:, :, a:b].mean(dim=2) for a, b in grids[0]]
            else:
                cells = [
                    x[:, :, a:b, c:d].mean(dim=(2, 3)) for a, b in grids[0] for c, d in grids[1]
                ]
            # Channel-major, cells in row order: the layout of a flattened pooling output.
            pooled.append(torch.stack(cells, dim=2).flatten(1))
        return torch.cat(pooled, dim=1)


def generator_dropout(
    x: torch.Tensor, p: float, generator: torch.Generator, mask_shape=None
) -> torch.Tensor:
    """Inverted dropout whose mask is drawn from ``generator``, not torch's global one.

    Training (:class:`GeneratorDropout`) and MC-dropout (:meth:`HomogeneousNet.head_samples`)
    both use it, so their masks are drawn the same way: uniform numbers in float32 whatever the
    dtype of ``x`` (a bf16 draw would quantise the keep rate).

    Parameters
    ----------
    x : torch.Tensor
        Input of the dropout layer.
    p : float
        Probability of dropping an element, in [0, 1].
    generator : torch.Generator
        Source of the mask, on ``x``'s device.
    mask_shape : tuple of int or None, default=None
        Shape of the mask, broadcast over ``x``; ``None`` drops elements independently,
        ``(N, C, 1, ...)`` drops whole channels.

    Returns
    -------
    torch.Tensor
        ``x`` with dropped entries zeroed and the kept ones scaled by ``1 / (1 - p)``.
    """
    if p == 1:
        return torch.zeros_like(x)
    shape = x.shape if mask_shape is None else mask_shape
    keep = torch.rand(shape, generator=generator, device=x.device) >= p
    return x * keep / (1 - p)


class GeneratorDropout(nn.Dropout):
    """``nn.Dropout`` that draws its masks from ``generator`` while one is set.

    Training sets the generator for its duration (:meth:`HomogeneousNet.dropout_generator`), so
    a network's masks depend on its seed alone, even when networks train at once in threads;
    with no generator it is ``nn.Dropout``, with the same parameters and state dict.
    """

    generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Drop with masks from ``generator`` in training mode, as ``nn.Dropout`` otherwise.

        Parameters
        ----------
        x : torch.Tensor
            Input.

        Returns
        -------
        torch.Tensor
            ``x`` with dropout applied in training mode.
        """
        if not self.training or self.p == 0 or self.generator is None:
            return super().forward(x)
        return generator_dropout(x, self.p, self.generator)


class HomogeneousNet(nn.Module):
    """The torch network of an :class:`Architecture`.

    ``features`` maps a batch to its penultimate representation (after pooling), and
    ``head`` is dropout followed by the linear classifier, so ``forward(x) ==
    head(features(x))``. Core-set and BADGE use ``features``; MC-dropout samples ``head``.

    Parameters
    ----------
    architecture : Architecture
        The network to build.
    input_shape : tuple of int
        Shape of one sample: (C, H, W) for ``resnet``, (C, L) for ``resnet1d``, (F,) for ``mlp``.
    n_classes : int
        Number of outputs (logits).
    base_width : int, default=16
        Width of the first stack; stack ``s`` has ``base_width * 2**min(s, 3)`` channels.
    dropout : float, default=0.25
        Dropout probability before the linear head.
    pooling : {"pyramid", "global"}, default="pyramid"
        How ``resnet`` and ``resnet1d`` networks pool their last stack: ``"global"`` averages
        each channel over the whole map (ResNet's head); ``"pyramid"`` concatenates that
        average with the averages over a 2x2 grid (2 halves on sequences), a two-level spatial
        pyramid (He et al., 2014), 5 (or 3) features per channel. Ignored by ``mlp``.
    loss_prediction : bool, default=False
        Also build ``loss_head``, a :class:`~skactive.loss_prediction.LossPredictionHead`
        reading the output of every stack (:meth:`forward_with_loss`). ``forward`` and
        ``features`` do not use it.

    Attributes
    ----------
    n_features_out : int
        Size of the penultimate representation returned by ``features``.
    loss_head : LossPredictionHead or None
        The loss-prediction head, part of the state dict; None without ``loss_prediction``.

    Examples
    --------
    >>> import torch
    >>> from skactive import Architecture
    >>> from skactive.networks import HomogeneousNet
    >>> net = HomogeneousNet(Architecture("resnet", 1, 2), (1, 8, 8), n_classes=10)
    >>> net(torch.zeros(4, 1, 8, 8)).shape
    torch.Size([4, 10])
    >>> net.features(torch.zeros(4, 1, 8, 8)).shape
    torch.Size([4, 160])
    >>> plain = HomogeneousNet(Architecture("resnet", 1, 2), (1, 8, 8), 10, pooling="global")
    >>> plain.n_features_out
    32
    """

    def __init__(
        self,
        architecture: Architecture,
        input_shape: tuple[int, ...],
        n_classes: int,
        base_width: int = DEFAULT_BASE_WIDTH,
        dropout: float = DEFAULT_DROPOUT,
        pooling: str = DEFAULT_POOLING,
        loss_prediction: bool = False,
    ) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {tuple(POOLINGS)}, got {pooling!r}.")
        self.architecture = architecture
        self.input_shape = tuple(input_shape)
        block = architecture.block
        expected = {"resnet": 3, "resnet1d": 2}.get(block)
        if expected is not None and len(self.input_shape) != expected:
            raise ValueError(
                f"block {block!r} needs samples of {expected} dimensions (channels first), "
                f"got input_shape={self.input_shape}; set input_shape or choose another block."
            )
        widths = [base_width * 2 ** min(s, _WIDTH_DOUBLINGS) for s in range(architecture.n_stacks)]
        if block == "mlp":
            self.stem = nn.Flatten()
            in_width = math.prod(self.input_shape)
            layers = []
            for width in widths:
                for _ in range(architecture.n_blocks):
                    layers.append(_MLPBlock(in_width, width))
                    in_width = width
            self.body = nn.Sequential(*layers)
            self.pool = nn.Identity()
            self.n_features_out = widths[-1]
        else:
            dims = 2 if block == "resnet" else 1
            conv = nn.Conv2d if dims == 2 else nn.Conv1d
            norm = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
            self.stem = nn.Sequential(
                conv(self.input_shape[0], base_width, 3, padding=1, bias=False),
                norm(base_width),
                nn.ReLU(),
            )
            size = min(self.input_shape[1:])
            layers, in_width = [], base_width
            for s, width in enumerate(widths):
                # Halve the resolution at each new stack while at least 2 positions remain, so
                # batch norm always sees several values per channel.
                stride = 2 if s > 0 and size >= 4 else 1
                size = (size + stride - 1) // stride
                for b in range(architecture.n_blocks):
                    layers.append(_BasicBlock(dims, in_width, width, stride if b == 0 else 1))
                    in_width = width
            self.body = nn.Sequential(*layers)
            sides = POOLINGS[pooling]
            self.pool = _PyramidPool(dims, sides)
            self.n_features_out = widths[-1] * sum(side**dims for side in sides)
        self.head = nn.Sequential(
            GeneratorDropout(dropout), nn.Linear(self.n_features_out, n_classes)
        )
        self.loss_head = LossPredictionHead(widths) if loss_prediction else None

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Return the penultimate representation of a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (n_samples,) + input_shape
            A batch of samples.

        Returns
        -------
        torch.Tensor of shape (n_samples, n_features_out)
            Pooled features, the input of the dropout head.
        """
        return self.pool(self.body(self.stem(x)))

    def stack_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Return the output of every stack, the levels the loss-prediction head reads.

        Parameters
        ----------
        x : torch.Tensor of shape (n_samples,) + input_shape
            A batch of samples.

        Returns
        -------
        list of torch.Tensor
            One output per stack, first to last, of shape ``(n_samples, width_s, ...)``.
        """
        outputs, x = [], self.stem(x)
        for index, block in enumerate(self.body, start=1):
            x = block(x)
            if index % self.architecture.n_blocks == 0:
                outputs.append(x)
        return outputs

    def forward_with_loss(
        self, x: torch.Tensor, detach: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the logits of a batch and the loss the head predicts for each sample.

        One pass through the body serves both.

        Parameters
        ----------
        x : torch.Tensor of shape (n_samples,) + input_shape
            A batch of samples.
        detach : bool, default=False
            Feed the head the stacks' outputs detached, so its loss trains the head only.

        Returns
        -------
        logits : torch.Tensor of shape (n_samples, n_classes)
            As :meth:`forward` returns them.
        predicted_loss : torch.Tensor of shape (n_samples,)
            The output of ``loss_head``.

        Raises
        ------
        ValueError
            If the network was built without ``loss_prediction``.
        """
        if self.loss_head is None:
            raise ValueError(
                "this network has no loss-prediction head; build it with loss_prediction=True."
            )
        outputs = self.stack_outputs(x)
        logits = self.head(self.pool(outputs[-1]))
        if detach:
            outputs = [output.detach() for output in outputs]
        return logits, self.loss_head(outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the logits of a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (n_samples,) + input_shape
            A batch of samples.

        Returns
        -------
        torch.Tensor of shape (n_samples, n_classes)
            Unnormalised class scores.
        """
        return self.head(self.features(x))

    def head_samples(
        self, features: torch.Tensor, n_passes: int, generator: torch.Generator
    ) -> torch.Tensor:
        """Outputs of the head on ``features``, each pass with a fresh dropout mask.

        MC-dropout's stochastic passes: the features are computed once, and only the dropout
        head is sampled, with masks from ``generator``. The network itself is not changed, so
        passes may run in several threads at once, and a compiled ``forward`` is not involved.

        Parameters
        ----------
        features : torch.Tensor of shape (n_samples, n_features_out)
            Output of :meth:`features`.
        n_passes : int
            Number of passes T.
        generator : torch.Generator
            Source of the masks, on the device of ``features``.

        Returns
        -------
        torch.Tensor of shape (n_passes, n_samples, n_classes)
            Unnormalised class scores of every pass.
        """
        dropout, linear = self.head[0], self.head[1]
        return torch.stack(
            [linear(generator_dropout(features, dropout.p, generator)) for _ in range(n_passes)]
        )

    @contextlib.contextmanager
    def dropout_generator(self, generator: torch.Generator):
        """Draw the dropout masks of training from ``generator`` within the ``with`` block.

        Parameters
        ----------
        generator : torch.Generator
            Source of the masks, on the network's device.

        Yields
        ------
        None
        """
        layers = [m for m in self.modules() if isinstance(m, GeneratorDropout)]
        for layer in layers:
            layer.generator = generator
        try:
            yield
        finally:
            # A generator cannot be pickled, and a trained network must be.
            for layer in layers:
                layer.generator = None
