"""Small tabular datasets bundled with scikit-learn, as standardised float32 rows."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._base import Dataset, standardize, stratified_split

TABULAR_DATASETS = {
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
    "iris": load_iris,
    "digits_flat": load_digits,
}
"""Name -> scikit-learn loader; the data ship with scikit-learn, nothing is read or downloaded."""


@validate_params(
    {
        "name": [StrOptions(set(TABULAR_DATASETS))],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def load_tabular(name: str, *, test_size: float = 0.3, random_state=0) -> Dataset:
    """A tabular dataset of scikit-learn as flat float32 rows, split stratified and standardised.

    Flat rows make :class:`~skactive.ActiveINASClassifier` with ``block="auto"`` pick the
    ``mlp`` block. Every feature is scaled to mean 0 and standard deviation 1 with the
    statistics of the *training* split only (the test split is scaled with them too), since
    the networks train badly on raw features of very different scales (breast cancer's run
    from 0 to 4,254); a feature constant on the training split is only centred.

    - ``"wine"``: 178 wines, 13 chemical measurements, 3 cultivars.
    - ``"breast_cancer"``: 569 tumours, 30 features of the cell nuclei, malignant or benign.
    - ``"iris"``: 150 flowers, 4 measurements, 3 species.
    - ``"digits_flat"``: the 1,797 8x8 digits of :func:`load_digits_images` as 64 features,
      10 classes.

    Parameters
    ----------
    name : {"wine", "breast_cancer", "iris", "digits_flat"}
        Which dataset; :data:`TABULAR_DATASETS` maps each to its scikit-learn loader.
    test_size : float, default=0.3
        Fraction of the samples in the test set.
    random_state : int, RandomState instance or None, default=0
        Seed of the split.

    Returns
    -------
    Dataset
        Samples of shape (n_features,), float32; labels int64.

    Examples
    --------
    >>> from skactive.datasets import load_tabular
    >>> data = load_tabular("wine")
    >>> data.X_train.shape, data.X_test.shape, data.n_classes
    ((124, 13), (54, 13), 3)
    """
    X, y = TABULAR_DATASETS[name](return_X_y=True)
    split = stratified_split(name, X, y.astype(np.int64), test_size, random_state)
    return standardize(split)
