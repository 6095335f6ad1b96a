"""Offline datasets for active-learning experiments, as float32 arrays ready for the estimator.

Nothing here downloads. Every loader except :func:`load_digits_images` reads files from a folder
that the caller names (``data_dir``) and raises :class:`FileNotFoundError` naming the files it
expected when they are not there. Samples come channels first, ``(n, C, H, W)`` for images and
``(n, C, L)`` for sequences, so :class:`~skactive.ActiveINASClassifier` with ``block="auto"``
picks the ResNet block that fits without an ``input_shape``.

- ``"digits"``: scikit-learn's ``load_digits``, no files; samples (1, 8, 8).
- ``"mnist_5k"``: ``mnist_5k.csv.gz``; samples (1, 28, 28).
- ``"mnist1d_5k"``, ``"mnist1d_50k"``: ``mnist1d_5k.npz``, ``mnist1d_50k.npz``; samples (1, 40).
- ``"cifar10"``, ``"cifar100"``, ``"svhn"``, ``"mnist"``, ``"fashion_mnist"``: a folder in
  torchvision's layout (:data:`TORCHVISION_DATASETS` lists the files); samples (3, 32, 32) or
  (1, 28, 28).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


@dataclass(frozen=True)
class Dataset:
    """A labeled train/test split, samples channels first as float32.

    Parameters
    ----------
    name : str
        The dataset's name, e.g. ``"mnist1d_5k"``.
    X_train : ndarray of shape (n_train,) + sample_shape, float32
        Training samples: the pool an active learner draws from.
    y_train : ndarray of shape (n_train,), int64
        Their labels.
    X_test : ndarray of shape (n_test,) + sample_shape, float32
        Held-out samples for the learning curve.
    y_test : ndarray of shape (n_test,), int64
        Their labels.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample, e.g. ``(1, 40)`` or ``(3, 32, 32)``."""
        return tuple(self.X_train.shape[1:])

    @property
    def n_classes(self) -> int:
        """Number of distinct labels in the training and test sets together."""
        return len(np.union1d(self.y_train, self.y_test))


def _split(name, X, y, test_size, random_state) -> Dataset:
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=random_state
    )
    return Dataset(name, X_train, y_train, X_test, y_test)


def _data_file(data_dir, filename: str, name: str) -> Path:
    if data_dir is None:
        raise ValueError(f"Dataset {name!r} is read from a folder: pass data_dir.")
    path = Path(data_dir) / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"Dataset {name!r} expects the file {path}, which does not exist. skactive never "
            "downloads data: put the file in data_dir or pass the folder that holds it."
        )
    return path


def load_digits_images(*, test_size: float = 0.3, random_state: int = 0) -> Dataset:
    """scikit-learn's 1,797 8x8 digits as 1x8x8 images in [0, 1], split stratified.

    Parameters
    ----------
    test_size : float, default=0.3
        Fraction of the samples in the test set.
    random_state : int, default=0
        Seed of the split.

    Returns
    -------
    Dataset
        Samples of shape (1, 8, 8), 10 classes.

    Examples
    --------
    >>> from skactive.datasets import load_digits_images
    >>> data = load_digits_images()
    >>> data.X_train.shape, data.X_test.shape
    ((1257, 1, 8, 8), (540, 1, 8, 8))
    """
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    return _split("digits", X, y.astype(np.int64), test_size, random_state)


def load_mnist_5k(data_dir, *, test_size: float = 0.2, random_state: int = 0) -> Dataset:
    """5,000 MNIST digits (500 per class) from ``mnist_5k.csv.gz``, as 1x28x28 images in [0, 1].

    The file holds one row per digit: 784 pixel values (0-255), then the label.

    Parameters
    ----------
    data_dir : str or path-like
        Folder holding ``mnist_5k.csv.gz``.
    test_size : float, default=0.2
        Fraction of the samples in the test set (stratified).
    random_state : int, default=0
        Seed of the split.

    Returns
    -------
    Dataset
        Samples of shape (1, 28, 28); 4,000 training and 1,000 test samples by default.
    """
    path = _data_file(data_dir, "mnist_5k.csv.gz", "mnist_5k")
    table = np.loadtxt(path, delimiter=",", dtype=np.float32)
    X = (table[:, :-1] / 255.0).reshape(-1, 1, 28, 28)
    return _split("mnist_5k", X, table[:, -1].astype(np.int64), test_size, random_state)


MNIST1D_SIZES = ("5k", "50k")
"""Sizes of the MNIST-1D files: 4,000/1,000 and 40,000/10,000 train/test samples."""


def load_mnist1d(data_dir, *, size: str = "5k") -> Dataset:
    """MNIST-1D (Greydanus, 2020) from ``mnist1d_<size>.npz``, as 1x40 sequences.

    The files carry their own train/test split (``x``, ``y``, ``x_test``, ``y_test``); the
    values are kept as generated (roughly standardised).

    Parameters
    ----------
    data_dir : str or path-like
        Folder holding ``mnist1d_5k.npz`` or ``mnist1d_50k.npz``.
    size : {"5k", "50k"}, default="5k"
        Which file: 4,000/1,000 or 40,000/10,000 train/test samples.

    Returns
    -------
    Dataset
        Samples of shape (1, 40), 10 classes.
    """
    if size not in MNIST1D_SIZES:
        raise ValueError(f"size must be one of {MNIST1D_SIZES}, got {size!r}.")
    name = f"mnist1d_{size}"
    with np.load(_data_file(data_dir, f"{name}.npz", name), allow_pickle=False) as arrays:
        return Dataset(
            name,
            arrays["x"].astype(np.float32)[:, None, :],
            arrays["y"].astype(np.int64),
            arrays["x_test"].astype(np.float32)[:, None, :],
            arrays["y_test"].astype(np.int64),
        )


_MNIST_RAW = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

TORCHVISION_DATASETS = {
    "cifar10": (
        "CIFAR10",
        tuple(f"cifar-10-batches-py/{f}" for f in ("batches.meta", "test_batch"))
        + tuple(f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)),
    ),
    "cifar100": ("CIFAR100", tuple(f"cifar-100-python/{f}" for f in ("meta", "train", "test"))),
    "svhn": ("SVHN", ("train_32x32.mat", "test_32x32.mat")),
    "mnist": ("MNIST", tuple(f"MNIST/raw/{f}" for f in _MNIST_RAW)),
    "fashion_mnist": ("FashionMNIST", tuple(f"FashionMNIST/raw/{f}" for f in _MNIST_RAW)),
}
"""Name -> (torchvision.datasets class, files it reads relative to ``data_dir``)."""


def _torchvision_split(cls, root: Path, train: bool):
    if cls.__name__ == "SVHN":
        return cls(root, split="train" if train else "test", download=False)
    return cls(root, train=train, download=False)


def _as_arrays(split) -> tuple[np.ndarray, np.ndarray]:
    """Read a torchvision dataset's whole ``data`` at once instead of image by image."""
    data = np.asarray(split.data)
    if data.ndim == 3:
        data = data[:, None]
    elif data.shape[-1] == 3:
        data = data.transpose(0, 3, 1, 2)
    labels = split.labels if hasattr(split, "labels") else split.targets
    X = data.astype(np.float32) / np.float32(255.0)
    return X, np.asarray(labels, dtype=np.int64)


def load_torchvision(name: str, data_dir) -> Dataset:
    """A torchvision dataset from a local folder in torchvision's layout, never downloaded.

    ``data_dir`` is what torchvision calls ``root``, e.g. the folder that holds
    ``cifar-10-batches-py/``. Pixels are scaled to [0, 1], channels first.

    Parameters
    ----------
    name : {"cifar10", "cifar100", "svhn", "mnist", "fashion_mnist"}
        Which dataset; see :data:`TORCHVISION_DATASETS` for the files each one reads.
    data_dir : str or path-like
        torchvision's ``root`` folder.

    Returns
    -------
    Dataset
        The official train/test split; samples of shape (3, 32, 32) or (1, 28, 28).

    Raises
    ------
    FileNotFoundError
        When torchvision does not find the files (or they fail its checksum), naming every
        file expected and those missing.
    """
    if name not in TORCHVISION_DATASETS:
        raise ValueError(
            f"Unknown torchvision dataset {name!r}; use one of {sorted(TORCHVISION_DATASETS)}."
        )
    if data_dir is None:
        raise ValueError(f"Dataset {name!r} is read from a folder: pass data_dir.")
    # Imported here: torchvision takes seconds to import and only these datasets need it.
    import torchvision.datasets

    class_name, files = TORCHVISION_DATASETS[name]
    cls = getattr(torchvision.datasets, class_name)
    root = Path(data_dir)
    try:
        train, test = (_torchvision_split(cls, root, flag) for flag in (True, False))
    except RuntimeError as error:
        missing = [f for f in files if not (root / f).is_file()]
        if len(missing) == len(files):
            problem = "none of them exists"
        elif missing:
            problem = f"missing: {', '.join(missing)}"
        else:
            problem = "they exist but fail torchvision's MD5 check"
        raise FileNotFoundError(
            f"torchvision.datasets.{class_name} found no usable {name!r} in {root}: it expects "
            f"{', '.join(files)} there ({problem}). skactive never downloads data: run "
            f"torchvision.datasets.{class_name}(root, download=True) once where there is a "
            "network, or copy the files into that folder."
        ) from error
    return Dataset(name, *_as_arrays(train), *_as_arrays(test))


DATASETS = ("digits", "mnist_5k", "mnist1d_5k", "mnist1d_50k", *TORCHVISION_DATASETS)
"""Names accepted by :func:`load_dataset` and the command line's ``--dataset``."""


def load_dataset(name: str, data_dir=None) -> Dataset:
    """Load one of :data:`DATASETS` by name, with each loader's default split.

    Parameters
    ----------
    name : str
        A name of :data:`DATASETS`.
    data_dir : str, path-like or None, default=None
        Folder holding the files; not used by ``"digits"``.

    Returns
    -------
    Dataset
        The train/test split.

    Examples
    --------
    >>> from skactive.datasets import load_dataset
    >>> load_dataset("digits").sample_shape
    (1, 8, 8)
    """
    if name == "digits":
        return load_digits_images()
    if name == "mnist_5k":
        return load_mnist_5k(data_dir)
    if name.startswith("mnist1d_") and name.removeprefix("mnist1d_") in MNIST1D_SIZES:
        return load_mnist1d(data_dir, size=name.removeprefix("mnist1d_"))
    if name in TORCHVISION_DATASETS:
        return load_torchvision(name, data_dir)
    raise ValueError(f"Unknown dataset {name!r}; use one of {list(DATASETS)}.")
