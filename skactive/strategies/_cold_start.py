"""Cold start: labels chosen from a representation of the pool, without a trained model.

Active learning begins with a few labels, and at the smallest budgets choosing them by
typicality or coverage instead of at random gives the largest gains (Hacohen, Dekel & Weinshall,
ICML 2022; Yehuda et al., NeurIPS 2022). Those selections need only a representation of the
samples. This module gives the default one, :func:`cold_start_features`, the way the strategies
find it (and the labeled set) from whatever classifier they are given, the k-means baseline
(:func:`kmeans_representatives`, :func:`kmeans_sampling`), and the walk over clusters that the
baseline shares with TypiClust.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..pool import map_pool
from ._base import (
    check_n_instances,
    labeled_set,
    network_estimator,
    pool_and_labeled_features,
    pool_result,
)
from ._docs import fill_doc

REPRESENTATIONS = ("auto", "input", "network")
"""Values of ``representation`` in the cold-start strategies: see :func:`kmeans_sampling`."""


@validate_params(
    {
        "X": ["array-like"],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def cold_start_features(X, *, n_components: int = 50, random_state=None) -> np.ndarray:
    """The representation cold-start selection uses when no trained network is at hand.

    The samples, flattened to rows, projected on their first ``n_components`` principal
    components (:class:`~sklearn.decomposition.PCA`, centred, not whitened). Before any label
    there is no trained model whose features could serve, and the papers' self-supervised
    embeddings need a training of their own; the principal components are what the data give
    for free. They keep the directions of largest variance, where clusters and typical points
    show, and drop the noise of the many low-variance directions (pixels that are almost always
    0 in digits). The features are taken on the scale the network is given them, without
    standardising, which would blow up those rare pixels. Measured on digits (100 labels, 10
    seeds, a logistic regression fitted on the picks, ``benchmarks/bench_cold_start.py
    --representations``), standardising cost TypiClust's and k-means' picks 1.3 to 1.6 points
    of accuracy, whitening the components 2.5 to 2.7 points and ProbCover's 6.6; the 64 raw
    pixels did as well as their 50 components, which are cheaper on larger inputs.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or (n_samples, ...)
        Samples; images or sequences are flattened to one row each.
    n_components : int, default=50
        Principal components kept, at most ``min(n_samples, n_features)``.
    random_state : int, RandomState instance or None, default=None
        Seeds PCA's randomised solver, used on large data.

    Returns
    -------
    ndarray of shape (n_samples, n_kept)
        The projected samples, ``n_kept = min(n_components, n_samples, n_features)``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive.strategies import cold_start_features
    >>> X, _ = load_digits(return_X_y=True)
    >>> cold_start_features(X, random_state=0).shape
    (1797, 50)
    """
    X = np.asarray(X)
    X = check_array(X.reshape(len(X), -1), dtype=[np.float64, np.float32])
    pca = PCA(min(n_components, *X.shape), random_state=random_state)
    return pca.fit_transform(X)


def check_features(features, labeled=None) -> tuple[np.ndarray, np.ndarray | None]:
    """A pool's features and its labeled set's as finite floats of one dtype.

    Parameters
    ----------
    features : array-like of shape (n_pool, n_features)
        The pool's features.
    labeled : array-like of shape (n_labeled, n_features) or None, default=None
        The labeled set's features.

    Returns
    -------
    features : ndarray of shape (n_pool, n_features)
        Checked, float32 or float64.
    labeled : ndarray of shape (n_labeled, n_features) or None
        Checked, in the dtype of ``features``; None when empty or not given.

    Raises
    ------
    ValueError
        If the two have different numbers of features.
    """
    features = check_array(features, dtype=[np.float64, np.float32])
    if labeled is None or len(labeled) == 0:
        return features, None
    labeled = check_array(labeled, dtype=features.dtype)
    if labeled.shape[1] != features.shape[1]:
        raise ValueError(
            f"labeled has {labeled.shape[1]} features, but features has {features.shape[1]}."
        )
    return features, labeled


def labeled_then_pool(features, labeled) -> np.ndarray:
    """The labeled rows, then the pool's: the order every clustering and graph here uses.

    Parameters
    ----------
    features : ndarray of shape (n_pool, n_features)
        The pool's features.
    labeled : ndarray of shape (n_labeled, n_features) or None
        The labeled set's features, as :func:`check_features` returns them.

    Returns
    -------
    ndarray of shape (n_labeled + n_pool, n_features)
    """
    return features if labeled is None else np.concatenate([labeled, features])


def cluster_points(features, n_clusters: int, random_state) -> tuple[np.ndarray, np.ndarray]:
    """k-means clusters of the points and the distance of every point to its own centre.

    Parameters
    ----------
    features : ndarray of shape (n_points, n_features)
        The points.
    n_clusters : int
        Number of clusters, at most ``n_points``.
    random_state : int, RandomState instance or None
        Seeds :class:`~sklearn.cluster.KMeans`.

    Returns
    -------
    clusters : ndarray of shape (n_points,)
        Every point's cluster.
    distance : ndarray of shape (n_points,)
        Every point's Euclidean distance to its cluster's centre.
    """
    kmeans = KMeans(n_clusters, random_state=random_state).fit(features)
    distance = np.linalg.norm(features - kmeans.cluster_centers_[kmeans.labels_], axis=1)
    return kmeans.labels_, distance


@fill_doc
def walk_clusters(clusters, n_labeled: int, n_instances: int, score, eligible=None):
    """Pick pool points cluster by cluster, the best-scored first in each.

    Clusters are visited in the order: fewest labeled points, then largest, then lowest number;
    each visit takes the unpicked pool point of highest ``score`` in the cluster, and when the
    picks outnumber the clusters the walk goes round again. Clusters not ``eligible`` are walked
    only once the eligible ones have no pool point left.

    Parameters
    ----------
    clusters : ndarray of shape (n_labeled + n_pool,)
        The cluster of every point, the labeled points first (:func:`labeled_then_pool`).
    n_labeled : int
        Number of labeled points.
    %(n_points)s
    score : array-like of shape (n_pool,)
        Higher is picked first within a cluster.
    eligible : ndarray of shape (n_clusters,), bool, or None, default=None
        Clusters walked first; None makes every cluster eligible.

    Returns
    -------
    ndarray of shape (n_instances,), intp
        Pool indices in the order picked.
    """
    n_clusters = int(clusters.max()) + 1
    sizes = np.bincount(clusters, minlength=n_clusters)
    held = np.bincount(clusters[:n_labeled], minlength=n_clusters)
    # lexsort sorts by its last key first and is stable: ties stay in cluster order.
    order = np.lexsort((-sizes, held))
    eligible = np.ones(n_clusters, bool) if eligible is None else eligible
    pool_clusters = clusters[n_labeled:]
    ranked = np.lexsort((-np.asarray(score), pool_clusters))
    starts = np.searchsorted(pool_clusters[ranked], np.arange(n_clusters + 1))
    members = [ranked[starts[c] : starts[c + 1]] for c in range(n_clusters)]  # best first
    picks: list[int] = []
    for group in (order[eligible[order]], order[~eligible[order]]):
        # Round r takes the r-th best pool point of every cluster of the group that has one.
        for rank in range(max((len(members[c]) for c in group), default=0)):
            if len(picks) >= n_instances:
                break
            picks.extend(members[c][rank] for c in group if rank < len(members[c]))
    return np.asarray(picks[:n_instances], dtype=np.intp)


@validate_params(
    {
        "features": "no_validation",
        "n_instances": "no_validation",
        "labeled": "no_validation",
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def kmeans_representatives(
    features, n_instances: int, *, labeled=None, random_state=None, return_utilities=False
):
    """The k-means cold-start baseline: the point nearest the centre of each cluster.

    The pool (with the labeled points, when given) is clustered into ``n_labeled +
    n_instances`` clusters by :class:`~sklearn.cluster.KMeans`, and the pool point nearest the
    centre is taken from each cluster that holds no labeled point, the largest clusters first.
    Without labeled points, that is k-means with ``n_instances`` clusters and the point nearest
    each centre, the baseline of the cold-start literature (e.g. Hacohen et al., 2022); with
    them, labeled clusters are passed over as in TypiClust (:func:`typiclust`), of which this is
    the variant without typicality.

    Parameters
    ----------
    features : array-like of shape (n_pool, n_features)
        Representation of the unlabeled samples, e.g. :func:`cold_start_features`.
    %(n_points)s
    labeled : array-like of shape (n_labeled, n_features) or None, default=None
        Representation of the labeled samples.
    %(random_state_kmeans)s
    return_utilities : bool, default=False
        Also return each pool point's score: minus its distance to its cluster's centre.

    Returns
    -------
    %(indices_pool_clusters)s
    %(utilities)s

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import kmeans_representatives
    >>> points = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    >>> kmeans_representatives(points, 2, random_state=0)
    array([1, 3])
    """
    features, labeled = check_features(features, labeled)
    n_instances = check_n_instances(n_instances, len(features))
    n_labeled = 0 if labeled is None else len(labeled)
    points = labeled_then_pool(features, labeled)
    rng = check_random_state(random_state)
    clusters, distance = cluster_points(points, n_labeled + n_instances, rng)
    score = -distance[n_labeled:]
    indices = walk_clusters(clusters, n_labeled, n_instances, score)
    return (indices, score) if return_utilities else indices


def _flat_rows(chunk, start):
    return np.asarray(chunk, dtype=np.float32).reshape(len(chunk), -1)


def _labeled_set(classifier):
    """The network estimator behind ``classifier`` (or None) and the labeled samples it knows.

    The estimator with a trained network is found by peeling wrappers exposing
    ``.estimator`` (modAL's ``ActiveLearner``); without one, the labeled samples are those of
    :func:`labeled_set`.
    """
    estimator = classifier
    while estimator is not None:
        if hasattr(estimator, "net_"):
            return estimator, estimator.X_training_
        estimator = getattr(estimator, "estimator", None)
    held = labeled_set(classifier)
    return None, None if held is None else held[0]


@fill_doc
def strategy_features(classifier, X_pool, representation: str, strategy: str, random_state):
    """The features of the pool and of the labeled set that a cold-start strategy selects on.

    ``"network"`` (or ``"auto"`` with a fitted ActiveINASClassifier behind ``classifier``): the
    penultimate features of its network, for the pool and for ``X_training_``. ``"input"`` (or
    ``"auto"`` without a network): :func:`cold_start_features` of the labeled samples and the
    pool together, so that both land in one space.

    Parameters
    ----------
    classifier : object or None
        What the strategy was given; the labeled set is found behind it.
    %(X_pool)s
    representation : {"auto", "input", "network"}
        See :data:`REPRESENTATIONS`.
    strategy : str
        The strategy's name, for error messages.
    random_state : int, RandomState instance or None
        Seeds the principal components.

    Returns
    -------
    %(pool_features)s
    labeled : ndarray of shape (n_labeled, n_features) or None
        The labeled set's features; None without labeled samples.
    """
    network, labeled = _labeled_set(classifier)
    if representation == "network" or (representation == "auto" and network is not None):
        return pool_and_labeled_features(network_estimator(classifier, strategy), X_pool)
    pool = map_pool(_flat_rows, X_pool)
    if labeled is None or len(labeled) == 0:
        return cold_start_features(pool, random_state=random_state), None
    labeled = _flat_rows(labeled, 0)
    if labeled.shape[1] != pool.shape[1]:
        raise ValueError(
            f"The labeled samples have {labeled.shape[1]} values each, but the pool's have "
            f"{pool.shape[1]}."
        )
    both = cold_start_features(np.concatenate([labeled, pool]), random_state=random_state)
    return both[len(labeled) :], both[: len(labeled)]


@validate_params(
    {
        "classifier": "no_validation",
        "X_pool": "no_validation",
        "n_instances": "no_validation",
        "representation": [StrOptions(set(REPRESENTATIONS))],
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def kmeans_sampling(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    representation: str = "auto",
    random_state=None,
    return_utilities: bool = False,
):
    """Query the pool samples nearest the k-means centres: the cold-start baseline.

    :func:`kmeans_representatives` on the representation of ``representation``. It needs no
    trained model, so ``classifier`` may be None or unfitted, as when choosing the first labels;
    with a labeled set it picks from the clusters that hold no labeled sample.

    Parameters
    ----------
    %(classifier_cold_start)s
    X_pool : array-like of shape (n_pool, n_features) or (n_pool, ...)
        Unlabeled samples. The input representation holds them all in memory as float32 rows
        (a memmap or dask array is read chunk by chunk, :func:`skactive.pool.map_pool`).
    %(n_instances)s
    representation : {"auto", "input", "network"}, default="auto"
        What the clustering sees: ``"input"``, :func:`cold_start_features` of the labeled
        samples and the pool; ``"network"``, the penultimate features of a fitted
        ActiveINASClassifier's network (:meth:`~skactive.ActiveINASClassifier.embed`), as
        core-set uses them; ``"auto"``, the network when there is one, else the input.
    %(random_state_representation)s
    return_utilities : bool, default=False
        Also return every pool sample's utility (:func:`kmeans_representatives`).

    Returns
    -------
    %(indices_clusters)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive.strategies import kmeans_sampling
    >>> X, _ = load_digits(return_X_y=True)
    >>> indices, samples = kmeans_sampling(None, X, n_instances=10, random_state=0)
    >>> samples.shape, len(set(indices.tolist()))
    ((10, 64), 10)
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    rng = check_random_state(random_state)
    pool, labeled = strategy_features(classifier, X_pool, representation, "kmeans_sampling", rng)
    indices, utilities = kmeans_representatives(
        pool, n_instances, labeled=labeled, random_state=rng, return_utilities=True
    )
    return pool_result(X_pool, indices, utilities if return_utilities else None)
