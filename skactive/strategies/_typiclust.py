"""TypiClust: the most typical point of each large uncovered cluster (Hacohen et al., 2022).

Hacohen, Dekel & Weinshall, "Active Learning on a Budget: Opposite Strategies Suit High and Low
Budgets", ICML 2022. With few labels a learner gains most from typical examples, those of dense
regions, and from diverse ones; TypiClust clusters the data into as many clusters as there will
be labels and takes the densest point of each large cluster that holds no label yet.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._base import check_n_instances, pool_result
from ._cold_start import (
    REPRESENTATIONS,
    check_features,
    cluster_points,
    labeled_then_pool,
    strategy_features,
    walk_clusters,
)
from ._docs import fill_doc


@validate_params(
    {"features": ["array-like"], "n_neighbors": [Interval(Integral, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def typicality(features, n_neighbors: int = 20) -> np.ndarray:
    """Typicality of every point: the inverse of its mean distance to its nearest neighbours.

    ``Typicality(x) = (1/K sum_{x_i in K-NN(x)} ||x - x_i||_2)^-1``, TypiClust's density
    estimate, with ``K = min(n_neighbors, n_samples - 1)`` neighbours other than ``x`` itself.
    A point at distance 0 from all its neighbours is infinitely typical; a lone point has
    typicality 0.

    Parameters
    ----------
    features : array-like of shape (n_samples, n_features)
        The points, e.g. the members of one cluster.
    n_neighbors : int, default=20
        K, the paper's value.

    Returns
    -------
    ndarray of shape (n_samples,)
        Typicality of each point.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import typicality
    >>> typicality(np.array([[0.0], [1.0], [3.0]]), n_neighbors=1)
    array([1. , 1. , 0.5])
    """
    features = check_array(features, dtype=[np.float64, np.float32])
    k = min(n_neighbors, len(features) - 1)
    if k == 0:
        return np.zeros(len(features))
    distances, _ = NearestNeighbors(n_neighbors=k).fit(features).kneighbors()
    with np.errstate(divide="ignore"):
        return 1.0 / distances.mean(axis=1)


@validate_params(
    {
        "features": "no_validation",
        "n_instances": "no_validation",
        "labeled": "no_validation",
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "min_cluster_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def typiclust(
    features,
    n_instances: int,
    *,
    labeled=None,
    n_neighbors: int = 20,
    min_cluster_size: int = 5,
    random_state=None,
    return_utilities: bool = False,
):
    """TypiClust selection: the most typical point of each of the largest uncovered clusters.

    As defined by Hacohen, Dekel & Weinshall (2022) for low budgets:

    1. cluster the pool and the labeled points together into ``n_labeled + n_instances``
       clusters with :class:`~sklearn.cluster.KMeans` (the paper's clustering at small
       budgets), so that at least ``n_instances`` clusters hold no labeled point;
    2. ignore clusters of fewer than ``min_cluster_size`` points, which hold outliers;
    3. from each of the ``n_instances`` largest clusters that hold no labeled point, take the
       pool point of highest :func:`typicality` within its cluster (its ``n_neighbors``
       nearest neighbours among the cluster's points, labeled ones included).

    When fewer clusters qualify than points are asked for (labeled or small clusters), the walk
    goes round the qualifying clusters again, fewest labeled points and largest first, each
    visit taking the cluster's next most typical pool point, as the authors' code does; small
    clusters are picked from only once the others have no pool point left.

    Parameters
    ----------
    %(features_representation)s
    n_instances : int
        Number of pool points to pick, the budget B.
    labeled : array-like of shape (n_labeled, n_features) or None, default=None
        Representation of the labeled samples; their clusters are picked from last.
    n_neighbors : int, default=20
        K of the typicality, capped at the cluster's size less one.
    %(min_cluster_size)s
    %(random_state_kmeans)s
    return_utilities : bool, default=False
        Also return each pool point's typicality within its cluster.

    Returns
    -------
    %(indices_pool_clusters)s
    %(utilities)s

    Examples
    --------
    Two groups and an outlier, three clusters: the centre of the larger group comes first, then
    the smaller's, then the larger's next most typical point, never the outlier, alone in a
    cluster too small.

    >>> import numpy as np
    >>> from skactive.strategies import typiclust
    >>> points = np.array([0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 15, 100.0]).reshape(-1, 1)
    >>> typiclust(points, 3, random_state=0)
    array([7, 2, 8])
    """
    features, labeled = check_features(features, labeled)
    n_instances = check_n_instances(n_instances, len(features))
    n_labeled = 0 if labeled is None else len(labeled)
    points = labeled_then_pool(features, labeled)
    rng = check_random_state(random_state)
    clusters, _ = cluster_points(points, n_labeled + n_instances, rng)
    typical = np.empty(len(points))
    for cluster in np.unique(clusters):
        members = clusters == cluster
        typical[members] = typicality(points[members], n_neighbors)
    sizes = np.bincount(clusters)
    score = typical[n_labeled:]
    indices = walk_clusters(clusters, n_labeled, n_instances, score, sizes >= min_cluster_size)
    return (indices, score) if return_utilities else indices


@validate_params(
    {
        "classifier": "no_validation",
        "X_pool": "no_validation",
        "n_instances": "no_validation",
        "representation": [StrOptions(set(REPRESENTATIONS))],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "min_cluster_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def typiclust_sampling(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    representation: str = "auto",
    n_neighbors: int = 20,
    min_cluster_size: int = 5,
    random_state=None,
    return_utilities: bool = False,
):
    """Query typical and diverse samples: TypiClust (Hacohen et al., 2022).

    :func:`typiclust` on the representation of ``representation``. It needs no trained model,
    so ``classifier`` may be None or unfitted, as when choosing the first labels; later rounds
    take the labeled set's clusters into account, as the paper does round by round. Meant for
    low budgets: the paper's point is that typical samples help most while labels are few,
    and uncertain ones once they are many.

    Parameters
    ----------
    %(classifier_cold_start)s
    %(X_pool_cold_start)s
    %(n_instances)s
    representation : {"auto", "input", "network"}, default="auto"
        What the clustering sees; see :func:`kmeans_sampling`.
    n_neighbors : int, default=20
        K of the typicality.
    %(min_cluster_size)s
    %(random_state_representation)s
    return_utilities : bool, default=False
        Also return every pool sample's utility, its typicality (:func:`typiclust`).

    Returns
    -------
    %(indices_clusters)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive.strategies import typiclust_sampling
    >>> X, _ = load_digits(return_X_y=True)
    >>> indices, samples = typiclust_sampling(None, X, n_instances=10, random_state=0)
    >>> samples.shape, len(set(indices.tolist()))
    ((10, 64), 10)
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    rng = check_random_state(random_state)
    pool, labeled = strategy_features(
        classifier, X_pool, representation, "typiclust_sampling", rng
    )
    indices, utilities = typiclust(
        pool,
        n_instances,
        labeled=labeled,
        n_neighbors=n_neighbors,
        min_cluster_size=min_cluster_size,
        random_state=rng,
        return_utilities=True,
    )
    return pool_result(X_pool, indices, utilities if return_utilities else None)
