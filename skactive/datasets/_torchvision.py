"""torchvision's datasets, read from a local folder in torchvision's layout, never downloaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._base import Dataset

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
