"""The datasets by name, with their task: what ``--dataset`` and the benchmark runner accept."""

from __future__ import annotations

from ._base import Dataset
from ._images import load_digits_images, load_mnist_5k
from ._interaction import INTERACTION_SEED, make_interaction
from ._mnist1d import MNIST1D_SIZES, load_mnist1d
from ._regression import REGRESSION_DATASETS, load_regression
from ._synthetic import SYNTHETIC_DATASETS
from ._tabular import TABULAR_DATASETS, load_tabular
from ._torchvision import TORCHVISION_DATASETS, load_torchvision

_CLASSIFICATION = (
    *("digits", "mnist_5k", "mnist1d_5k", "mnist1d_50k", *TORCHVISION_DATASETS),
    *(*TABULAR_DATASETS, *SYNTHETIC_DATASETS),
)

SEARCH_DATASETS = ("interaction",)
"""Regression datasets whose goal is to find the samples of largest target (active search):
their :class:`Dataset` has a ``top_fraction``, whose recall an experiment records."""

DATASET_TASKS = {
    **dict.fromkeys(_CLASSIFICATION, "classification"),
    **dict.fromkeys((*REGRESSION_DATASETS, *SEARCH_DATASETS), "regression"),
}
"""Name -> ``"classification"`` or ``"regression"``: the task of every dataset, known before
it is loaded, so that an experiment refuses a strategy of the other task at once."""

DATASETS = tuple(DATASET_TASKS)
"""Names accepted by :func:`load_dataset` and the command line's ``--dataset``."""


def load_dataset(name: str, data_dir=None) -> Dataset:
    """Load one of :data:`DATASETS` by name, with each loader's default split.

    Parameters
    ----------
    name : str
        A name of :data:`DATASETS`.
    data_dir : str, path-like or None, default=None
        Folder holding the files; not used by ``"digits"``, the tabular datasets
        (:data:`TABULAR_DATASETS`), the synthetic ones (:data:`SYNTHETIC_DATASETS`) and the
        regression ones (:data:`REGRESSION_DATASETS`, ``"interaction"``). None generates or
        loads MNIST-5k and MNIST-1D from their packages.

    Returns
    -------
    Dataset
        The train/test split; its ``task`` is ``DATASET_TASKS[name]``.

    Examples
    --------
    >>> from skactive.datasets import load_dataset
    >>> load_dataset("digits").sample_shape
    (1, 8, 8)
    >>> load_dataset("interaction").top_fraction
    0.01
    """
    if name == "digits":
        return load_digits_images()
    if name == "mnist_5k":
        return load_mnist_5k(data_dir)
    if name.startswith("mnist1d_") and name.removeprefix("mnist1d_") in MNIST1D_SIZES:
        return load_mnist1d(data_dir, size=name.removeprefix("mnist1d_"))
    if name in TORCHVISION_DATASETS:
        return load_torchvision(name, data_dir)
    if name in TABULAR_DATASETS:
        return load_tabular(name)
    if name in SYNTHETIC_DATASETS:
        return SYNTHETIC_DATASETS[name]()
    if name in REGRESSION_DATASETS:
        return load_regression(name)
    if name == "interaction":
        return make_interaction(random_state=INTERACTION_SEED)
    raise ValueError(f"Unknown dataset {name!r}; use one of {list(DATASETS)}.")
