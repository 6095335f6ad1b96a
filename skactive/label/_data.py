"""What a person labels: a folder of images, an array file or a CSV of rows, as one array."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

KINDS = ("image", "sequence", "row")
"""How a sample is shown: an image, a line plot, a table of features."""

LABEL_COLUMN = "label"
"""A CSV column of this name holds labels already given (empty where there is none)."""


@dataclass
class Samples:
    """The samples of a dataset as the network sees them, and how to show each to a person.

    Parameters
    ----------
    X : ndarray of float32, shape (n, ...)
        The network's input: images ``(n, C, H, W)`` in [0, 1], sequences ``(n, C, L)`` or
        rows ``(n, d)``.
    ids : list of str
        A stable identifier per sample: a file's path inside the folder, or a row number.
    kind : {"image", "sequence", "row"}
        How a sample is shown.
    labels : dict
        Labels the dataset already holds (class sub-folders, a ``label`` column), by identifier.
    errors : dict
        Samples that cannot be shown (an image that fails to decode): index to message.
    files : list of Path or None
        The image files, for images.
    columns : list of str or None
        Feature names of rows.
    """

    X: np.ndarray
    ids: list[str]
    kind: str
    labels: dict[str, str] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    files: list[Path] | None = None
    columns: list[str] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def view(self, index: int) -> dict:
        """What the page needs to show sample ``index``, besides an image's own bytes.

        Parameters
        ----------
        index : int
            Position of the sample.

        Returns
        -------
        dict
            ``kind``, and ``values`` (a sequence's channels, a row's features with
            ``columns``), or ``error`` for a sample that cannot be shown.
        """
        view = {"kind": self.kind, "index": index, "id": self.ids[index]}
        if index in self.errors:
            view["error"] = self.errors[index]
        elif self.kind == "sequence":
            view["values"] = np.round(self.X[index], 5).tolist()
        elif self.kind == "row":
            view["values"] = np.round(self.X[index], 5).tolist()
            view["columns"] = self.columns
        return view

    def image_png(self, index: int, max_side: int = 512) -> bytes:
        """The image file of sample ``index`` as PNG, at most ``max_side`` pixels wide or high.

        Parameters
        ----------
        index : int
            Position of an image that decodes.
        max_side : int, default=512
            Largest side of the PNG; browsers then show any format Pillow reads.

        Returns
        -------
        bytes
            The PNG file.
        """
        from PIL import Image

        buffer = io.BytesIO()
        if self.files is None:
            pixels = np.clip(self.X[index] * 255, 0, 255).astype(np.uint8).transpose(1, 2, 0)
            image = Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels)
            side = max(image.size)
            # Nearest neighbours keep a small array's pixels sharp when enlarged.
            scale = max(1, max_side // side)
            image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
            image.save(buffer, format="PNG")
            return buffer.getvalue()
        with Image.open(self.files[index]) as image:
            image = image.convert("RGB")
            image.thumbnail((max_side, max_side))
            image.save(buffer, format="PNG")
        return buffer.getvalue()


def _image_files(folder: Path) -> list[tuple[Path, str | None]]:
    """Every file under ``folder`` but hidden ones, with the class sub-folder it lies in."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        relative = Path(root).relative_to(folder)
        label = relative.parts[0] if relative.parts else None
        found += [(Path(root) / f, label) for f in sorted(files) if not f.startswith(".")]
    return found


def read_image(source, shape) -> np.ndarray:
    """Decode an image as the networks take it: float32 ``(C, H, W)`` in [0, 1].

    Parameters
    ----------
    source : str, path-like or file object
        Anything :func:`PIL.Image.open` reads.
    shape : tuple of (int, int, int)
        ``(C, H, W)``: 1 channel reads the image in grey, 3 in RGB; it is resized (bilinear)
        to ``H`` by ``W``.

    Returns
    -------
    ndarray of shape ``shape``, float32

    Raises
    ------
    OSError, PIL.UnidentifiedImageError, ValueError
        As Pillow raises them for a file that is not an image it can decode.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> from skactive.label import read_image
    >>> png = io.BytesIO()
    >>> Image.new("L", (4, 2), color=255).save(png, format="PNG")
    >>> read_image(png, (1, 3, 3)).shape, float(read_image(png, (3, 3, 3)).max())
    ((1, 3, 3), 1.0)
    """
    from PIL import Image

    channels, height, width = shape
    with Image.open(source) as image:
        image = image.convert("L" if channels == 1 else "RGB")
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    pixels = np.asarray(image, dtype=np.float32) / 255.0
    return pixels.reshape(height, width, channels).transpose(2, 0, 1).copy()


def _load_images(folder: Path, image_size: int, rgb: bool) -> Samples:
    from PIL import UnidentifiedImageError

    entries = _image_files(folder)
    if not entries:
        raise ValueError(f"DATA folder {str(folder)!r} holds no file.")
    channels = 3 if rgb else 1
    X = np.zeros((len(entries), channels, image_size, image_size), dtype=np.float32)
    errors, ids, labels = {}, [], {}
    for index, (path, label) in enumerate(entries):
        sample_id = path.relative_to(folder).as_posix()
        ids.append(sample_id)
        try:
            X[index] = read_image(path, (channels, image_size, image_size))
        except (OSError, UnidentifiedImageError, ValueError) as err:
            errors[index] = f"{sample_id}: cannot be read as an image ({err})"
            continue
        if label is not None:
            labels[sample_id] = label
    return Samples(X, ids, "image", labels, errors, files=[path for path, _ in entries])


def _load_array(path: Path) -> Samples:
    loaded = np.load(path, allow_pickle=False)
    if isinstance(loaded, np.ndarray):
        X = loaded
    else:
        with loaded:
            X = loaded["X" if "X" in loaded.files else loaded.files[0]]
    if X.ndim < 2 or X.dtype.kind not in "biuf":
        raise ValueError(
            f"DATA {str(path)!r} holds an array of shape {X.shape} and dtype {X.dtype}; "
            "expected numbers of shape (n, L) or (n, C, L) (sequences), (n, H, W) or "
            "(n, C, H, W) (images)."
        )
    X = np.asarray(X, dtype=np.float32)
    # (n, C, L) with a few channels is a sequence; (n, H, W) an image of one channel.
    if X.ndim == 2 or (X.ndim == 3 and X.shape[1] <= 3):
        X = X.reshape(len(X), -1, X.shape[-1])
        return Samples(X, [str(i) for i in range(len(X))], "sequence")
    if X.ndim == 3:
        X = X[:, None]
    low, high = float(X.min()), float(X.max())
    X = (X - low) / (high - low) if high > low else X - low
    ids = [str(i) for i in range(len(X))]
    return Samples(X, ids, "image", files=None)


def _load_csv(path: Path) -> Samples:
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    if len(rows) < 2:
        raise ValueError(f"DATA {str(path)!r} needs a header row and at least one row.")
    header, rows = rows[0], rows[1:]
    target = header.index(LABEL_COLUMN) if LABEL_COLUMN in header else None
    columns = [name for i, name in enumerate(header) if i != target]
    try:
        X = np.array(
            [[float(v) for i, v in enumerate(row) if i != target] for row in rows],
            dtype=np.float32,
        )
    except ValueError as err:
        raise ValueError(f"DATA {str(path)!r}: every feature must be a number ({err}).") from err
    ids = [str(i) for i in range(len(rows))]
    labels = {}
    if target is not None:
        labels = {ids[i]: row[target] for i, row in enumerate(rows) if row[target].strip()}
    return Samples(X, ids, "row", labels, columns=columns)


def load_samples(data, *, image_size: int = 32, rgb: bool = False) -> Samples:
    """Read what a person will label.

    Parameters
    ----------
    data : str or path-like
        A folder of images (one per file, any format Pillow reads; files in a sub-folder are
        already labeled with the sub-folder's name), a ``.npy``/``.npz`` array of images or
        sequences, or a ``.csv`` of feature rows with a header (a ``label`` column holds
        labels already given).
    image_size : int, default=32
        Side to which images are resized.
    rgb : bool, default=False
        Keep three colour channels instead of converting images to grey.

    Returns
    -------
    Samples
        The samples. An image that fails to decode is kept, with its message in
        ``errors``, so that it is reported rather than dropped.

    Raises
    ------
    ValueError
        If ``data`` is missing, empty or of an unknown kind.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skactive.label import load_samples
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "rows.csv"
    ...     _ = path.write_text("a,b,label\\n0.5,1,cat\\n2,3,\\n")
    ...     samples = load_samples(path)
    >>> samples.kind, samples.X.shape, samples.labels
    ('row', (2, 2), {'0': 'cat'})
    """
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 4:
        raise ValueError(f"image_size must be an integer >= 4, got {image_size!r}.")
    path = Path(data)
    if path.is_dir():
        return _load_images(path, image_size, rgb)
    if not path.is_file():
        raise ValueError(f"DATA {str(path)!r} is neither a folder nor a file.")
    if path.suffix.lower() in (".npy", ".npz"):
        return _load_array(path)
    if path.suffix.lower() == ".csv":
        return _load_csv(path)
    raise ValueError(
        f"DATA {str(path)!r}: expected a folder of images, a .npy/.npz array or a .csv file."
    )
