"""Regression tasks of scikit-learn, bundled or generated: rows standardised, targets as given."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from numbers import Real

import numpy as np
from sklearn.datasets import load_diabetes, make_friedman1, make_friedman3
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._base import Dataset, standardize

FRIEDMAN_SAMPLES = 2000
"""Samples drawn for ``"friedman1"`` and ``"friedman3"``."""

FRIEDMAN_SEED = 0
"""Seed of their draw; the split has its own (``random_state`` of :func:`load_regression`)."""

REGRESSION_DATASETS = {
    "diabetes": partial(load_diabetes, return_X_y=True),
    "friedman1": partial(
        make_friedman1, n_samples=FRIEDMAN_SAMPLES, noise=1.0, random_state=FRIEDMAN_SEED
    ),
    "friedman3": partial(
        make_friedman3, n_samples=FRIEDMAN_SAMPLES, noise=0.1, random_state=FRIEDMAN_SEED
    ),
}
"""Name -> scikit-learn call returning ``(X, y)``, its sizes and seeds fixed; nothing is read
or downloaded."""


def split_regression(name: str, X, y, test_size: float, random_state) -> Dataset:
    """A random train/test split of ``(X, y)`` as a regression :class:`Dataset`, standardised.

    The rows are scaled with the training split's statistics; the targets keep their units,
    float64, so errors read in them.
    """
    X_train, X_test, y_train, y_test = train_test_split(
        np.asarray(X, dtype=np.float64),
        np.asarray(y, dtype=np.float64),
        test_size=test_size,
        random_state=random_state,
    )
    split = Dataset(name, X_train, y_train, X_test, y_test, task="regression")
    return replace(standardize(split), task="regression")


@validate_params(
    {
        "name": [StrOptions(set(REGRESSION_DATASETS))],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def load_regression(name: str, *, test_size: float = 0.3, random_state=0) -> Dataset:
    """A regression task of scikit-learn as flat float32 rows and float64 targets, split at random.

    Every feature is scaled to mean 0 and standard deviation 1 with the *training* split's
    statistics, as :func:`load_tabular` does; the targets are left in their own units, so a
    test RMSE reads in them (the regressor standardises them itself while it trains).

    - ``"diabetes"``: scikit-learn's ``load_diabetes``, 442 patients, 10 baseline
      measurements, the disease's progression a year later (25 to 346).
    - ``"friedman1"``: ``make_friedman1(n_samples=2000, noise=1.0, random_state=0)``, 10
      uniform features of which 5 matter, ``10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5
      x4`` plus Gaussian noise of standard deviation 1 (the targets' is about 5).
    - ``"friedman3"``: ``make_friedman3(n_samples=2000, noise=0.1, random_state=0)``, 4
      features over very different ranges, ``arctan((x1 x2 - 1 / (x1 x3)) / x0)`` plus noise
      of standard deviation 0.1 (the targets' is about 0.3).

    Parameters
    ----------
    name : {"diabetes", "friedman1", "friedman3"}
        Which task; :data:`REGRESSION_DATASETS` maps each to its scikit-learn function.
    test_size : float, default=0.3
        Fraction of the samples in the test set.
    random_state : int, RandomState instance or None, default=0
        Seed of the split.

    Returns
    -------
    Dataset
        ``task="regression"``; samples of shape (n_features,), float32; targets float64.

    Examples
    --------
    >>> from skactive.datasets import load_regression
    >>> data = load_regression("diabetes")
    >>> data.X_train.shape, data.X_test.shape, data.task
    ((309, 10), (133, 10), 'regression')
    """
    X, y = REGRESSION_DATASETS[name]()
    return split_regression(name, X, y, test_size, random_state)
