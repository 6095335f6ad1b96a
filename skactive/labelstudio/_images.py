"""The images of Label Studio tasks, read only from the sources a user allowed."""

from __future__ import annotations

import base64
import binascii
import io
import os
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

from ..label import read_image

MAX_IMAGE_BYTES = 32 * 2**20
"""Largest image file read or fetched, so that one task cannot exhaust the backend's memory."""

LOCAL_FILES = "/data/local-files/"
"""Where Label Studio serves a local storage's files: ``/data/local-files/?d=<relative path>``."""


class ImageResolver:
    """Read the image a Label Studio task names, as an array the network takes.

    A task refers to its image by a string (``task["data"]["image"]``); only these are read:

    - ``data:image/...;base64,...`` URLs, decoded in memory;
    - Label Studio's local-storage URLs ``/data/local-files/?d=PATH`` and plain file paths
      (or ``file://`` URLs), when the file lies inside one of ``roots``;
    - any other URL of the Label Studio instance ``label_studio_url`` (its uploads,
      ``/data/upload/...``), fetched from there with the ``api_key`` token.

    Every other reference (another host, a file outside ``roots``) raises a ``ValueError``:
    the backend never fetches an arbitrary URL that a task names.

    Parameters
    ----------
    image_shape : tuple of (int, int, int), default=(3, 32, 32)
        ``(channels, height, width)`` of the arrays returned: 1 channel reads images in
        grayscale, 3 in RGB; each image is resized to ``(height, width)``.
    roots : sequence of path-like, default=()
        Folders whose files tasks may name; a relative path is taken from each in turn.
    label_studio_url : str or None, default=None
        The Label Studio instance whose URLs may be fetched, e.g. ``"http://localhost:8080"``.
    api_key : str or None, default=None
        The token sent to ``label_studio_url`` (``Authorization: Token ...``): Label
        Studio's legacy API token, which its personal access tokens do not replace here.

    Examples
    --------
    >>> import base64, io
    >>> from PIL import Image
    >>> from skactive.labelstudio import ImageResolver
    >>> png = io.BytesIO()
    >>> Image.new("L", (4, 4), color=255).save(png, format="PNG")
    >>> url = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    >>> image = ImageResolver(image_shape=(1, 8, 8)).load(url)
    >>> image.shape, float(image.max())
    ((1, 8, 8), 1.0)
    >>> ImageResolver().load("https://example.com/cat.png")
    Traceback (most recent call last):
    ...
    ValueError: image 'https://example.com/cat.png' is not an allowed source: ...
    """

    def __init__(self, image_shape=(3, 32, 32), roots=(), label_studio_url=None, api_key=None):
        shape = tuple(int(s) for s in image_shape)
        if len(shape) != 3 or shape[0] not in (1, 3) or min(shape) < 1:
            raise ValueError(
                f"image_shape must be (channels, height, width) with 1 or 3 channels; "
                f"got {image_shape!r}."
            )
        self.image_shape = shape
        self.roots = tuple(Path(root).resolve() for root in roots)
        self.label_studio_url = label_studio_url.rstrip("/") if label_studio_url else None
        self.api_key = api_key

    def load(self, reference: str) -> np.ndarray:
        """The image ``reference`` names, as a float32 array of ``image_shape`` in [0, 1].

        Parameters
        ----------
        reference : str
            A task's image: a data URL, a local-storage URL or path, or a Label Studio URL.

        Returns
        -------
        ndarray of shape ``image_shape``, float32

        Raises
        ------
        ValueError
            If the source is not allowed, cannot be read, or is not an image.
        """
        from PIL import Image, UnidentifiedImageError

        if not isinstance(reference, str) or not reference:
            raise ValueError(f"a task's image must be a non-empty string; got {reference!r}.")
        data = self._read(reference)
        try:
            return read_image(io.BytesIO(data), self.image_shape)
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
            raise ValueError(f"image {_short(reference)} cannot be read: {err}") from err

    def _read(self, reference: str) -> bytes:
        if reference.startswith("data:"):
            return _data_url(reference)
        url = urllib.parse.urlsplit(reference)
        ours = self.label_studio_url and (
            reference.startswith(self.label_studio_url + "/")
            or (not url.scheme and reference.startswith("/") and not reference.startswith("//"))
        )
        if url.path == LOCAL_FILES and url.scheme in ("", "http", "https") and self.roots:
            if not url.netloc or ours:
                relative = urllib.parse.parse_qs(url.query).get("d", [""])[0]
                return self._file(relative, reference)
        if url.scheme == "file" and url.netloc in ("", "localhost"):
            return self._file(urllib.parse.unquote(url.path), reference)
        if ours and url.path.startswith("/data/"):
            return self._fetch(reference)
        if not url.scheme and self.roots and not reference.startswith("/data/"):
            return self._file(reference, reference)
        raise ValueError(
            f"image {_short(reference)} is not an allowed source: the backend reads data "
            "URLs, files inside its image roots, and Label Studio's own URLs when given "
            "label_studio_url."
        )

    def _file(self, path: str, reference: str) -> bytes:
        for root in self.roots:
            # resolve() follows links, so a link inside a root cannot lead outside it.
            candidate = root / path.lstrip("/") if not os.path.isabs(path) else Path(path)
            candidate = candidate.resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                if candidate.stat().st_size > MAX_IMAGE_BYTES:
                    raise ValueError(f"image {_short(reference)} is larger than 32 MiB.")
                return candidate.read_bytes()
        raise ValueError(
            f"image {_short(reference)} is not a file inside the image roots "
            f"{[str(root) for root in self.roots]}."
        )

    def _fetch(self, reference: str) -> bytes:
        url = reference if "://" in reference else self.label_studio_url + reference
        request = urllib.request.Request(url)
        if self.api_key:
            request.add_header("Authorization", f"Token {self.api_key}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                data = response.read(MAX_IMAGE_BYTES + 1)
        except OSError as err:
            raise ValueError(f"image {_short(reference)} cannot be fetched: {err}") from err
        if len(data) > MAX_IMAGE_BYTES:
            raise ValueError(f"image {_short(reference)} is larger than 32 MiB.")
        return data


def _data_url(reference: str) -> bytes:
    """The bytes of a ``data:image/...;base64,...`` URL."""
    header, comma, payload = reference.partition(",")
    if not comma or not header.startswith("data:image/") or not header.endswith(";base64"):
        raise ValueError(
            f"image {_short(reference)}: a data URL must be data:image/...;base64,..."
        )
    if len(payload) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise ValueError(f"image {_short(reference)} is larger than 32 MiB.")
    try:
        return base64.b64decode(payload, validate=True)
    except binascii.Error as err:
        raise ValueError(f"image {_short(reference)}: bad base64: {err}") from err


def _short(reference: str) -> str:
    """A reference as messages quote it: data URLs are long."""
    return repr(reference if len(reference) <= 80 else reference[:60] + "...")
