"""Two-dimensional tasks after CDALBench's, each built to fool one family of strategies.

Werner et al. (2024) add two synthetic datasets to their cross-domain benchmark to expose
principled failures: "Honeypot" (``ThreeClust`` in their code) lures uncertainty sampling into
a cluster whose labels are noise, and "Diverging Sine" (``DivergingSin``) hides the only hard
part of the boundary in a small region that space-filling selections barely visit. The
generators here follow their code's construction and default sizes; the samples are then split
stratified and standardised like the tabular datasets, where CDALBench min-max scales.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from ._base import Dataset, standardize, stratified_split

_HONEYPOT_CENTRES = np.array([[0.0, 0.0], [0.0, 6.0], [4.0, 3.0], [4.0, 3.0]])
_HONEYPOT_LABELS = np.array([1, 0, 1, 0])

_SHARED = {
    "n_samples": [Interval(Integral, 20, None, closed="left")],
    "test_size": [Interval(Real, 0, 1, closed="neither")],
    "random_state": ["random_state"],
}


def _finish(name, X, y, test_size, rng) -> Dataset:
    split = stratified_split(name, X, y.astype(np.int64), test_size, rng)
    return standardize(split)


@validate_params(
    {**_SHARED, "cluster_std": [Interval(Real, 0, None, closed="neither")]},
    prefer_skip_nested_validation=True,
)
def make_honeypot(
    n_samples: int = 600, *, cluster_std: float = 1.0, test_size: float = 0.2, random_state=0
) -> Dataset:
    """Two clean clusters and a honeypot of both classes at once: a trap for uncertainty sampling.

    CDALBench's "Honeypot" (Werner et al., 2024, ``ThreeClust`` in their code): four Gaussian
    clusters in the plane, each of ``cluster_std`` standard deviation along both axes and a
    quarter of the samples. Class 1 fills the cluster at (0, 0) and class 0 the one at (0, 6):
    well separated, a horizontal line near y = 3 divides them. The other two clusters, one of
    each class, lie on top of each other at (4, 3), right on that line: the honeypot, half of
    the samples, whose labels no model can predict better than chance (the Bayes error there
    is 50%).

    What it fools: uncertainty sampling (softmax response, margin, entropy). The honeypot
    straddles the boundary any model learns from the clean clusters, so its samples are the
    most uncertain in the pool, and stay so however many of them are labeled; their labels
    teach nothing, since they are coin flips, while the clean clusters would need only a few
    labels. Random sampling spends half of its budget there, space-filling selections less.

    The defaults are CDALBench's: 150 samples per cluster, identity covariance, 20% test.
    Here the split is stratified and the features are standardised with the training split's
    mean and standard deviation; CDALBench shuffles and min-max scales.

    Parameters
    ----------
    n_samples : int, default=600
        Samples in all, spread over the four clusters as evenly as possible; at least 20.
    cluster_std : float, default=1.0
        Standard deviation of every cluster along each axis; larger ones let the clean clusters
        reach into the honeypot.
    test_size : float, default=0.2
        Fraction of the samples in the test set (stratified).
    random_state : int, RandomState instance or None, default=0
        Seed of the clusters and of the split.

    Returns
    -------
    Dataset
        Named ``"honeypot"``; samples of shape (2,), float32; labels 0 and 1, int64.

    References
    ----------
    T. Werner, J. Burchert, M. Stubbemann and L. Schmidt-Thieme, "A Cross-Domain Benchmark for
    Active Learning", NeurIPS 2024 Datasets and Benchmarks Track (CDALBench), arXiv:2408.00426.

    Examples
    --------
    >>> from skactive.datasets import make_honeypot
    >>> data = make_honeypot()
    >>> data.X_train.shape, data.X_test.shape, data.n_classes
    ((480, 2), (120, 2), 2)
    """
    rng = check_random_state(random_state)
    sizes = n_samples // 4 + (np.arange(4) < n_samples % 4)
    clusters = zip(_HONEYPOT_CENTRES, sizes)
    X = np.concatenate([rng.normal(centre, cluster_std, (size, 2)) for centre, size in clusters])
    y = np.repeat(_HONEYPOT_LABELS, sizes)
    return _finish("honeypot", X, y, test_size, rng)


@validate_params(
    {
        **_SHARED,
        "divergence": [Interval(Real, 0, None, closed="neither")],
        "frequency": [Interval(Real, 0, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def make_diverging_sine(
    n_samples: int = 200,
    *,
    divergence: float = 0.5,
    frequency: float = 2.0,
    noise: float = 0.3,
    test_size: float = 0.2,
    random_state=0,
) -> Dataset:
    """Two classes that part along a sine: a boundary that is hard only near the origin.

    CDALBench's "Diverging Sine" (Werner et al., 2024, ``DivergingSin`` in their code): both
    classes follow the curve ``sin(frequency * x)`` over ``x`` evenly spaced in [0, 10], class 1
    shifted up by ``divergence * x`` and class 0 down by as much, plus Gaussian noise of
    standard deviation ``noise`` on ``y``. The classes start together at the origin and part
    linearly: the boundary between them is the sine, but the sine matters only where the half
    gap ``divergence * x`` is below its amplitude 1, i.e. for ``x < 1 / divergence``, the
    first fifth of the samples by default; beyond it the straight line y = 0 separates the
    classes up to the noise, and the two arms spread over most of the plane.

    What it fools: space-filling sampling (core-set's k-center greedy, k-means
    representatives). It spreads its picks over the area the samples cover, most of which is
    the wide, easy region: on average it puts no more of them than random sampling does (a
    fifth) into the narrow informative region near the origin, where uncertainty sampling puts
    most of its picks.

    The defaults are CDALBench's: 100 samples per class, ``divergence=0.5``, ``frequency=2``,
    ``noise=0.3``, 20% test. Here the split is stratified and the features are standardised
    with the training split's mean and standard deviation; CDALBench shuffles and min-max
    scales.

    Parameters
    ----------
    n_samples : int, default=200
        Samples in all, half of each class (class 0 takes the odd one); at least 20.
    divergence : float, default=0.5
        Slope at which each class moves away from the sine; the hard region is
        ``x < 1 / divergence``.
    frequency : float, default=2.0
        Angular frequency of the sine; 0 makes the boundary the straight line y = 0.
    noise : float, default=0.3
        Standard deviation of the Gaussian noise on ``y``.
    test_size : float, default=0.2
        Fraction of the samples in the test set (stratified).
    random_state : int, RandomState instance or None, default=0
        Seed of the noise and of the split.

    Returns
    -------
    Dataset
        Named ``"diverging_sine"``; samples ``(x, y)`` of shape (2,), float32; labels 0 and 1,
        int64.

    References
    ----------
    T. Werner, J. Burchert, M. Stubbemann and L. Schmidt-Thieme, "A Cross-Domain Benchmark for
    Active Learning", NeurIPS 2024 Datasets and Benchmarks Track (CDALBench), arXiv:2408.00426.

    Examples
    --------
    >>> from skactive.datasets import make_diverging_sine
    >>> data = make_diverging_sine()
    >>> data.X_train.shape, data.X_test.shape, data.n_classes
    ((160, 2), (40, 2), 2)
    """
    rng = check_random_state(random_state)
    parts = []
    for label, size in ((1, n_samples // 2), (0, n_samples - n_samples // 2)):
        x = np.linspace(0.0, 10.0, size)
        sign = 1.0 if label == 1 else -1.0
        y = np.sin(frequency * x) + sign * divergence * x + rng.normal(0.0, noise, size)
        parts.append((np.column_stack([x, y]), np.full(size, label)))
    X = np.concatenate([part[0] for part in parts])
    labels = np.concatenate([part[1] for part in parts])
    return _finish("diverging_sine", X, labels, test_size, rng)


SYNTHETIC_DATASETS = {"honeypot": make_honeypot, "diverging_sine": make_diverging_sine}
"""Name -> generator; :func:`~skactive.datasets.load_dataset` calls it with its defaults."""
