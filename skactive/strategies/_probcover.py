"""ProbCover: greedy maximum coverage by balls of radius δ (Yehuda et al., 2022).

Yehuda, Dekel, Hacohen & Weinshall, "Active Learning Through a Covering Lens", NeurIPS 2022.
At low budgets, a 1-nearest-neighbour view of learning bounds the error by the probability
mass that the labeled points' δ-balls leave uncovered; ProbCover picks the points whose balls
cover the most data, with δ as large as the balls stay pure.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._base import check_n_instances, pool_result
from ._cold_start import (
    REPRESENTATIONS,
    check_features,
    cluster_points,
    labeled_then_pool,
    strategy_features,
)
from ._docs import fill_doc


@validate_params(
    {
        "features": "no_validation",
        "n_clusters": [Interval(Integral, 2, None, closed="left")],
        "purity": [Interval(Real, 0, 1, closed="right")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def probcover_delta(features, n_clusters: int = 10, *, purity: float = 0.95, random_state=None):
    """ProbCover's ball radius: the largest δ whose balls are pure for k-means pseudo-labels.

    The rule of Yehuda et al. (2022): label the points by k-means with as many clusters as
    classes, call the ball ``{x' : ||x' - x|| < δ}`` of a point pure when all the points in it
    share its cluster, and take the largest δ for which at least a ``purity`` fraction of the
    balls are pure (the paper's α = 0.95). A ball is pure exactly while δ is at most the
    distance from its centre to the nearest point of another cluster, so that δ is computed
    exactly from those distances, with no search over a grid.

    Parameters
    ----------
    features : array-like of shape (n_samples, n_features)
        The points, labeled and unlabeled.
    n_clusters : int, default=10
        Pseudo-classes; the paper uses the number of classes (10 for digits, MNIST, CIFAR-10).
    purity : float, default=0.95
        Fraction α of the balls that must be pure.
    %(random_state_kmeans)s

    Returns
    -------
    float
        δ.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import probcover_delta
    >>> points = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [12.0]])
    >>> float(probcover_delta(points, 2, purity=1.0, random_state=0))
    8.0
    """
    features, _ = check_features(features)
    if n_clusters > len(features):
        raise ValueError(
            f"n_clusters={n_clusters} pseudo-classes need at least as many points; got "
            f"{len(features)}."
        )
    clusters, _ = cluster_points(features, n_clusters, check_random_state(random_state))
    nearest_other = np.full(len(features), np.inf)
    for cluster in np.unique(clusters):
        inside = clusters == cluster
        if inside.all():
            continue
        search = NearestNeighbors(n_neighbors=1).fit(features[~inside])
        nearest_other[inside] = search.kneighbors(features[inside])[0][:, 0]
    # purity(δ) = mean(nearest_other >= δ): the largest δ keeping it >= α is the m-th largest
    # distance, m = ceil(α n) (the rounding guard keeps 0.95 * 100 at 95).
    m = math.ceil(purity * len(features) - 1e-9)
    return float(np.sort(nearest_other)[len(features) - m])


def _ball_graph(points, delta):
    """Who covers whom: row ``u`` of the first matrix lists the points within δ of ``u``,
    row ``v`` of the second the points ``v`` is within δ of; both sparse."""
    # A closed ball of the next smaller float is the open ball of radius δ.
    radius = np.nextafter(delta, 0.0)
    covers = NearestNeighbors(radius=radius).fit(points).radius_neighbors_graph(points)
    covers = covers.astype(bool).tocsr()
    return covers, covers.T.tocsr()


@validate_params(
    {
        "features": "no_validation",
        "n_instances": "no_validation",
        "labeled": "no_validation",
        "delta": [Interval(Real, 0, None, closed="neither"), None],
        "n_clusters": [Interval(Integral, 2, None, closed="left")],
        "purity": [Interval(Real, 0, 1, closed="right")],
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def probcover(
    features,
    n_instances: int,
    *,
    labeled=None,
    delta: float | None = None,
    n_clusters: int = 10,
    purity: float = 0.95,
    random_state=None,
    return_utilities: bool = False,
):
    """ProbCover selection: greedy maximum coverage of the data by δ-balls.

    As defined by Yehuda, Dekel, Hacohen & Weinshall (2022): in the graph with an edge from
    ``x`` to every ``x'`` with ``||x - x'|| < δ`` (``x`` itself included), the points covered by
    a labeled point are covered from the start; then, ``n_instances`` times, the pool point
    with the most not-yet-covered points in its ball is picked (ties to the lower index), and
    its ball becomes covered, that is the incoming edges of those points are removed.
    Once every point is covered no pick adds coverage, and the rest are drawn uniformly at
    random from the pool.

    The graph is sparse, built by :class:`~sklearn.neighbors.NearestNeighbors` radius queries in
    chunks: memory grows with the number of pairs closer than δ, which the purity rule keeps
    small, and each pick costs the edges it removes.

    Parameters
    ----------
    %(features_representation)s
    %(n_points)s
    labeled : array-like of shape (n_labeled, n_features) or None, default=None
        Representation of the labeled samples; what their balls cover counts as covered.
    delta : float or None, default=None
        Radius of the balls; None takes :func:`probcover_delta` of the pool and labeled points
        with ``n_clusters`` and ``purity``, the paper's rule.
    n_clusters : int, default=10
        Pseudo-classes of the purity rule; the paper uses the number of classes.
    %(purity)s
    random_state : int, RandomState instance or None, default=None
        Seeds the purity rule's k-means and the picks made after full coverage.
    return_utilities : bool, default=False
        Also return each pool point's coverage gain before the first pick: the points in
        its ball not covered by the labeled set.

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into the pool, in the order picked.
    %(utilities)s

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import probcover
    >>> points = np.array([[0.0], [1.0], [2.0], [3.0], [10.0], [11.0]])
    >>> probcover(points, 2, delta=1.5)
    array([1, 4])
    >>> probcover(points, 1, labeled=np.array([[1.0]]), delta=1.5)
    array([4])
    """
    features, labeled = check_features(features, labeled)
    n_instances = check_n_instances(n_instances, len(features))
    rng = check_random_state(random_state)
    n_labeled = 0 if labeled is None else len(labeled)
    points = labeled_then_pool(features, labeled)
    if delta is None:
        delta = probcover_delta(points, n_clusters, purity=purity, random_state=rng)
    covers, covered_by = _ball_graph(points, delta)
    uncovered = np.ones(len(points), dtype=bool)
    uncovered[covers[:n_labeled].indices] = False
    # degree[u]: uncovered points in the ball of pool point u.
    degree = covers[n_labeled:] @ uncovered.astype(np.intp)
    gain = degree.astype(np.float64)
    picks: list[int] = []
    while len(picks) < n_instances:
        pick = int(np.argmax(degree))
        if degree[pick] == 0:
            break
        picks.append(pick)
        ball = covers[n_labeled + pick].indices
        newly = ball[uncovered[ball]]
        uncovered[newly] = False
        # Each newly covered point leaves the count of every ball that holds it.
        holders = covered_by[newly].indices
        degree -= np.bincount(holders, minlength=len(points))[n_labeled:]
    if len(picks) < n_instances:
        rest = np.setdiff1d(np.arange(len(features)), picks)
        picks.extend(rng.choice(rest, n_instances - len(picks), replace=False).tolist())
    indices = np.asarray(picks, dtype=np.intp)
    return (indices, gain) if return_utilities else indices


def _n_classes(classifier) -> int | None:
    """Classes a fitted classifier (or the one a wrapper holds) knows, if any."""
    while classifier is not None:
        if hasattr(classifier, "classes_"):
            return len(classifier.classes_)
        classifier = getattr(classifier, "estimator", None)
    return None


@validate_params(
    {
        "classifier": "no_validation",
        "X_pool": "no_validation",
        "n_instances": "no_validation",
        "representation": [StrOptions(set(REPRESENTATIONS))],
        "delta": [Interval(Real, 0, None, closed="neither"), None],
        "n_clusters": [Interval(Integral, 2, None, closed="left"), None],
        "purity": [Interval(Real, 0, 1, closed="right")],
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def probcover_sampling(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    representation: str = "auto",
    delta: float | None = None,
    n_clusters: int | None = None,
    purity: float = 0.95,
    random_state=None,
    return_utilities: bool = False,
):
    """Query the samples whose δ-balls cover the most of the data: ProbCover.

    :func:`probcover` (Yehuda et al., 2022) on the representation of ``representation``. It
    needs no trained model, so ``classifier`` may be None or unfitted, as when choosing the first
    labels; later rounds count what the labeled set already covers, as the paper does round by
    round. Meant for low budgets.

    Parameters
    ----------
    classifier : ActiveINASClassifier, modAL ActiveLearner, other classifier or None
        Where the labeled set (``X_training_``, or an ActiveLearner's ``X_training``), the
        network and the number of classes come from; None or an unfitted one when nothing is
        labeled yet.
    %(X_pool_cold_start)s
    %(n_instances)s
    representation : {"auto", "input", "network"}, default="auto"
        What the balls are drawn in; see :func:`kmeans_sampling`. δ is chosen anew for it at
        every query unless given.
    delta : float or None, default=None
        Radius of the balls; None takes the paper's purity rule (:func:`probcover_delta`).
    n_clusters : int or None, default=None
        Pseudo-classes of the purity rule; None takes the number of classes of a fitted
        ``classifier`` (``classes_``, at least 2), and 10 without one.
    %(purity)s
    random_state : int, RandomState instance or None, default=None
        Seeds the representation's PCA, the purity rule's k-means and the picks after full
        coverage.
    return_utilities : bool, default=False
        Also return every pool sample's utility, its coverage gain (:func:`probcover`).

    Returns
    -------
    %(indices_picked)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive.strategies import probcover_sampling
    >>> X, _ = load_digits(return_X_y=True)
    >>> indices, samples = probcover_sampling(None, X, n_instances=10, random_state=0)
    >>> samples.shape, len(set(indices.tolist()))
    ((10, 64), 10)
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    rng = check_random_state(random_state)
    pool, labeled = strategy_features(
        classifier, X_pool, representation, "probcover_sampling", rng
    )
    if n_clusters is None:
        n_clusters = _n_classes(classifier) or 10
    indices, utilities = probcover(
        pool,
        n_instances,
        labeled=labeled,
        delta=delta,
        n_clusters=max(n_clusters, 2),
        purity=purity,
        random_state=rng,
        return_utilities=True,
    )
    return pool_result(X_pool, indices, utilities if return_utilities else None)
