"""Core-set: k-center greedy on the network's penultimate features (Sener & Savarese, 2018)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from ._base import check_n_instances, network_estimator, pool_and_labeled_features, pool_result
from ._docs import fill_doc

CHUNK_SIZE = 4096
"""Rows per block of the pool-to-labeled distance matrix; bounds memory to CHUNK_SIZE**2."""


def _squared_distances(a, sq_a, b, sq_b) -> torch.Tensor:
    """``||a_i - b_j||^2`` from the Gram matrix, one matrix product instead of a difference."""
    return (sq_a[:, None] + sq_b[None, :] - 2.0 * (a @ b.T)).clamp_min_(0.0)


def _distance_to_set(pool, sq_pool, labeled, chunk_size: int) -> torch.Tensor:
    """Squared distance of every pool row to its nearest labeled row, block by block."""
    nearest = torch.full((len(pool),), torch.inf, dtype=pool.dtype, device=pool.device)
    sq_labeled = (labeled * labeled).sum(dim=1)
    for i in range(0, len(pool), chunk_size):
        rows = slice(i, i + chunk_size)
        for j in range(0, len(labeled), chunk_size):
            cols = slice(j, j + chunk_size)
            block = _squared_distances(pool[rows], sq_pool[rows], labeled[cols], sq_labeled[cols])
            nearest[rows] = torch.minimum(nearest[rows], block.min(dim=1).values)
    return nearest


@validate_params(
    {
        "features_pool": ["array-like"],
        "features_labeled": ["array-like", None],
        "n_instances": [Interval(Integral, 1, None, closed="left")],
        "device": "no_validation",
        "chunk_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def kcenter_greedy(
    features_pool,
    features_labeled,
    n_instances: int,
    *,
    device=None,
    chunk_size: int = CHUNK_SIZE,
    random_state=None,
) -> np.ndarray:
    """Greedy k-center selection: repeatedly pick the pool point farthest from every centre.

    The 2-approximation of the k-center (minimax facility location) problem that Sener &
    Savarese (2018) use as the core-set query: the labeled points are the initial centres, and
    each step adds the pool point whose distance to its nearest centre is largest. Runs in torch
    on ``device``; the pool-to-labeled distances are computed in ``chunk_size`` by
    ``chunk_size`` blocks and each step costs one matrix-vector product, so memory stays at
    the features plus one block (50,000 x 512 features with 2,000 centres fit easily on a GPU).

    Parameters
    ----------
    features_pool : ndarray or torch.Tensor of shape (n_pool, n_features)
        Features of the unlabeled samples.
    features_labeled : ndarray or torch.Tensor of shape (n_labeled, n_features) or None
        Features of the labeled samples, the initial centres. With none, the first centre is
        drawn uniformly from the pool.
    n_instances : int
        Number of pool points to select.
    %(device)s
    chunk_size : int, default=4096
        Rows and columns per block of the initial distance matrix.
    random_state : int, RandomState instance or None, default=None
        Draws the first centre when there is no labeled set; unused otherwise.

    Returns
    -------
    ndarray of shape (n_instances,)
        Indices into the pool, in the order picked. Ties go to the lower index.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import kcenter_greedy
    >>> pool = np.array([[0.0], [1.0], [5.0], [9.0], [10.0]])
    >>> kcenter_greedy(pool, np.array([[0.0]]), 2)
    array([4, 2])
    """
    pool = torch.as_tensor(features_pool, device=device)
    n_instances = check_n_instances(n_instances, len(pool))
    sq_pool = (pool * pool).sum(dim=1)
    first = None
    if features_labeled is None or len(features_labeled) == 0:
        # Every point is equally far from an empty set: the first pick is made at random.
        nearest = torch.full((len(pool),), torch.inf, dtype=pool.dtype, device=pool.device)
        first = torch.tensor([check_random_state(random_state).randint(len(pool))])
    else:
        labeled = torch.as_tensor(features_labeled, device=pool.device).to(pool.dtype)
        if labeled.shape[1:] != pool.shape[1:]:
            raise ValueError(
                f"features_labeled has rows of shape {tuple(labeled.shape[1:])}, but "
                f"features_pool has rows of shape {tuple(pool.shape[1:])}."
            )
        nearest = _distance_to_set(pool, sq_pool, labeled, chunk_size)
    selected = torch.empty(n_instances, dtype=torch.long, device=pool.device)
    for step in range(n_instances):
        # Indices stay on the device: no host synchronisation inside the loop.
        if step == 0 and first is not None:
            index = first.to(pool.device)
        else:
            index = torch.argmax(nearest).view(1)
        selected[step] = index[0]
        centre = pool.index_select(0, index)
        distance = _squared_distances(pool, sq_pool, centre, sq_pool.index_select(0, index))
        nearest = torch.minimum(nearest, distance[:, 0])
        # A picked point is never picked again, even when every remaining distance is zero.
        nearest.index_fill_(0, index, -1.0)
    return selected.cpu().numpy()


@fill_doc
def coreset(classifier, X_pool, n_instances: int = 1, return_utilities: bool = False):
    """Query a core-set of the pool: k-center greedy on the network's penultimate features.

    The core-set query function of the paper (Sener & Savarese, 2018): the labeled samples
    (``X_training_`` of the estimator) are the initial centres, and :func:`kcenter_greedy` adds
    the pool samples that cover the feature space best. It is deterministic. Features come from
    the estimator's ``embed`` batch by batch; the greedy runs on the estimator's device.

    The greedy needs a global view, but only of the features: memory holds the pool's and the
    labeled set's penultimate features (``n_features`` float32 values per sample, e.g. 512 for
    a ResNet-18 width: 2 GB for a pool of 1,000,000) plus one float per pool sample, never the
    pool itself. A memmap or dask array pool is embedded chunk by chunk
    (:func:`skactive.pool.map_pool`, on the dask workers for a dask array), and the features
    are gathered where ``coreset`` runs.

    Parameters
    ----------
    %(classifier_network)s
    %(X_pool_network)s
    %(n_instances)s
    return_utilities : bool, default=False
        Also return every pool sample's utility: its Euclidean distance, in feature space, to
        the nearest labeled sample, the criterion of the first pick.

    Returns
    -------
    %(indices_picked)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.strategies import coreset
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), base_width=4, max_epochs=1,
    ...                            inas_iterations=0, random_state=0).fit(X[:50] / 16, y[:50])
    >>> indices, samples = coreset(clf, X[50:150] / 16, n_instances=3)
    >>> len(set(indices.tolist()))
    3
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    estimator = network_estimator(classifier, "coreset")
    features, labeled = pool_and_labeled_features(estimator, X_pool)
    indices = kcenter_greedy(features, labeled, n_instances, device=estimator.device_)
    utilities = None
    if return_utilities:
        pool = torch.as_tensor(features, dtype=torch.float64)
        labeled = torch.as_tensor(labeled, dtype=torch.float64)
        squared = _distance_to_set(pool, (pool * pool).sum(dim=1), labeled, CHUNK_SIZE)
        utilities = squared.clamp(min=0).sqrt().numpy()
    return pool_result(X_pool, indices, utilities)
