"""Greedy sampling for regression: GSx, GSy and iGS (Wu, Lin & Huang, 2019).

Wu, Lin and Huang ("Active learning for regression using greedy sampling", Information
Sciences 474, 2019) pick, one sample after another, the pool sample farthest from everything
labeled so far: in the input space (GSx), in the output space, between the model's prediction
for the pool sample and the labeled targets (GSy), or by the product of the two distances to
the same labeled sample (iGS). A batch is built the same way, each pick joining the labeled set
for the picks after it, with its prediction standing in for its target.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted

from ._base import check_n_instances, labeled_set, pool_result
from ._docs import fill_doc

GREEDY_SPACES = ("x", "y", "xy")
"""Where :func:`greedy_sampling_select` measures distances: inputs, outputs, or their product."""

CHUNK_SIZE = 2048
"""Rows and columns per block of the pool-to-labeled distances; bounds memory to a few blocks
of ``CHUNK_SIZE**2`` floats."""


def _as_rows(array, dtype=None) -> np.ndarray:
    """Samples as a 2-D float array, one flattened sample a row."""
    array = np.asarray(array)
    if dtype is None:
        dtype = np.float32 if array.dtype == np.float32 else np.float64
    return array.reshape(len(array), -1).astype(dtype, copy=False)


def _squared_distances(space: str, rows: tuple, cols: tuple) -> np.ndarray:
    """Squared distances of shape (n_rows, n_cols) between two sets of samples, each given as
    ``(x, ||x||^2, y)``; for ``"xy"``, the product of the squared input and output distances.

    Squares keep the minimum where it is (the square root is taken of the utilities only).
    Inputs by ``||a||^2 + ||b||^2 - 2 a.b``, one matrix product for a whole block; outputs,
    a few per sample, by their differences, which stay exact when targets are close.
    """
    (x_rows, sq_rows, y_rows), (x_cols, sq_cols, y_cols) = rows, cols
    squared = None
    if "x" in space:
        squared = x_rows @ x_cols.T
        squared *= -2.0
        squared += sq_rows[:, None]
        squared += sq_cols[None, :]
        np.maximum(squared, 0.0, out=squared)
    if "y" in space:
        outputs = sum(
            (y_rows[:, k, None] - y_cols[None, :, k]) ** 2 for k in range(y_rows.shape[1])
        )
        squared = outputs if squared is None else squared * outputs
    return squared


@validate_params(
    {
        "X_pool": ["array-like"],
        "X_labeled": ["array-like", None],
        "n_instances": [Interval(Integral, 1, None, closed="left")],
        "y_pool": ["array-like", None],
        "y_labeled": ["array-like", None],
        "space": [StrOptions(set(GREEDY_SPACES))],
        "chunk_size": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def greedy_sampling_select(
    X_pool,
    X_labeled,
    n_instances: int,
    *,
    y_pool=None,
    y_labeled=None,
    space: str = "x",
    chunk_size: int = CHUNK_SIZE,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy sampling's picks: again and again, the pool sample farthest from the labeled set.

    A pool sample's distance to a labeled sample ``m`` is, by ``space``:

    - ``"x"`` (GSx): ``d_x = ||x - x_m||``, Euclidean between the flattened inputs;
    - ``"y"`` (GSy): ``d_y = ||y - y_m||``, between the pool sample's predicted output ``y``
      and the labeled target ``y_m``;
    - ``"xy"`` (iGS): ``d_x * d_y``, both to the same labeled sample.

    Its utility is the smallest distance to a labeled sample; the largest utility is picked,
    ties to the lower index, and the pick joins the labeled set (its prediction as its target)
    before the next pick. That is the paper's rule for one sample per round, applied within a
    batch, as scikit-activeml's ``GreedySamplingX`` and ``GreedySamplingTarget`` do. With
    nothing labeled, the first pick is the pool sample closest to the pool's centroid in the
    input space (GSx's initialisation in the paper; scikit-activeml takes the sample of least
    summed distance to the others instead), and the greedy goes on from it in ``space``.

    Each pick costs one pass over the pool (a matrix-vector product for the inputs); the
    distances to the labeled set are computed in ``chunk_size`` by ``chunk_size`` blocks.
    float32 inputs are compared in float32, others in float64.

    Parameters
    ----------
    X_pool : array-like of shape (n_pool, ...)
        Inputs of the pool, flattened per sample.
    X_labeled : array-like of shape (n_labeled, ...) or None
        Inputs of the labeled samples; None or empty when nothing is labeled.
    %(n_points)s
    y_pool : array-like of shape (n_pool,) or (n_pool, n_outputs), default=None
        Predicted outputs of the pool samples; needed for ``"y"`` and ``"xy"``.
    y_labeled : array-like of shape (n_labeled,) or (n_labeled, n_outputs), default=None
        Targets of the labeled samples; needed for ``"y"`` and ``"xy"`` when some are labeled.
    space : {"x", "y", "xy"}, default="x"
        GSx, GSy or iGS.
    chunk_size : int, default=2048
        Rows and columns per block of the pool-to-labeled distances.

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into the pool, in the order picked, ties to the lower index.
    utilities : ndarray of shape (n_pool,)
        The criterion of the first pick: every pool sample's smallest distance to a labeled
        sample, or, with nothing labeled, minus its input distance to the pool's centroid.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import greedy_sampling_select
    >>> pool = np.array([[1.0], [4.0], [9.0], [10.0]])
    >>> greedy_sampling_select(pool, np.array([[0.0]]), 2)[0]
    array([3, 1])
    """
    x_pool = _as_rows(X_pool)
    n_pool = len(x_pool)
    n_instances = check_n_instances(n_instances, n_pool)
    has_labeled = X_labeled is not None and len(X_labeled) > 0
    y_pool_rows = None
    if "y" in space:
        if y_pool is None or (has_labeled and y_labeled is None):
            raise ValueError(
                f"space={space!r} measures distances between outputs: give y_pool (the "
                "pool's predictions) and y_labeled (the labeled targets)."
            )
        y_pool_rows = _as_rows(y_pool, np.float64)
        if len(y_pool_rows) != n_pool:
            raise ValueError(f"y_pool has {len(y_pool_rows)} rows for a pool of {n_pool}.")
    pool = (x_pool, np.einsum("ij,ij->i", x_pool, x_pool), y_pool_rows)
    nearest = np.full(n_pool, np.inf)
    picks = []
    if has_labeled:
        labeled = _labeled_rows(X_labeled, y_labeled, pool)
        for i in range(0, n_pool, chunk_size):
            rows = slice(i, i + chunk_size)
            for j in range(0, len(labeled[0]), chunk_size):
                cols = slice(j, j + chunk_size)
                block = _squared_distances(space, _part(pool, rows), _part(labeled, cols))
                np.minimum(nearest[rows], block.min(axis=1), out=nearest[rows])
        utilities = np.sqrt(nearest)
    else:
        # Every sample is infinitely far from an empty set: the paper starts from the centre.
        centroid = x_pool.mean(axis=0, keepdims=True)
        to_centroid = _squared_distances("x", pool, (centroid, (centroid**2).sum(axis=1), None))
        utilities = -np.sqrt(to_centroid[:, 0])
        picks.append(int(np.argmax(utilities)))
        _add_pick(space, pool, nearest, picks[0])
    while len(picks) < n_instances:
        picks.append(int(np.argmax(nearest)))
        _add_pick(space, pool, nearest, picks[-1])
    return np.array(picks, dtype=np.intp), utilities


def _add_pick(space: str, pool: tuple, nearest: np.ndarray, pick: int) -> None:
    """Lower ``nearest`` (squared) to the squared distances to the pool sample ``pick``, in one
    pass over the pool."""
    column = _squared_distances(space, pool, _part(pool, slice(pick, pick + 1)))[:, 0]
    np.minimum(nearest, column, out=nearest)
    # A pick is never picked again, even where every distance left is zero.
    nearest[pick] = -np.inf


def _part(samples: tuple, index: slice) -> tuple:
    """Rows ``index`` of every array of ``(x, ||x||^2, y)``."""
    return tuple(None if array is None else array[index] for array in samples)


def _labeled_rows(X_labeled, y_labeled, pool: tuple) -> tuple:
    """The labeled set as ``(x, ||x||^2, y)``, checked against the pool's arrays."""
    x_pool, _, y_pool = pool
    x_labeled = _as_rows(X_labeled, x_pool.dtype)
    if x_labeled.shape[1] != x_pool.shape[1]:
        raise ValueError(
            f"X_labeled has {x_labeled.shape[1]} values per sample, but X_pool has "
            f"{x_pool.shape[1]}."
        )
    targets = None
    if y_pool is not None:
        targets = _as_rows(y_labeled, np.float64)
        if targets.shape != (len(x_labeled), y_pool.shape[1]):
            raise ValueError(
                f"y_labeled has shape {targets.shape}; expected ({len(x_labeled)}, "
                f"{y_pool.shape[1]}): a target per labeled sample, as many outputs as y_pool."
            )
    return x_labeled, np.einsum("ij,ij->i", x_labeled, x_labeled), targets


def _labeled_set(regressor, strategy: str):
    """The labeled inputs and targets behind ``regressor`` (:func:`labeled_set`), or
    ``(None, None)`` without a regressor."""
    held = labeled_set(regressor)
    if held is not None:
        return held
    if regressor is None:
        return None, None
    if hasattr(regressor, "fit"):
        check_is_fitted(regressor)  # an unfitted ActiveINASRegressor says so
    raise TypeError(
        f"{strategy} needs the labeled set: a fitted ActiveINASRegressor (X_training_), a "
        f"modAL ActiveLearner (X_training) or a wrapper of one; got {type(regressor).__name__}."
    )


# The three greedy strategies share one signature; the regressor and the pool are checked
# where they are used, with messages that name the strategy.
_GREEDY_PARAMETERS = {
    "regressor": "no_validation",
    "X_pool": "no_validation",
    "n_instances": "no_validation",
    "random_state": ["random_state"],
    "return_utilities": ["boolean"],
}


def _greedy_query(regressor, X_pool, n_instances, space, strategy, return_utilities):
    n_instances = check_n_instances(n_instances, len(X_pool))
    X_labeled, y_labeled = _labeled_set(regressor, strategy)
    y_pool = None
    if "y" in space:
        if regressor is None:
            raise TypeError(f"{strategy} needs a fitted regressor to predict the pool's outputs.")
        y_pool = regressor.predict(X_pool)
    indices, utilities = greedy_sampling_select(
        np.asarray(X_pool), X_labeled, n_instances, y_pool=y_pool, y_labeled=y_labeled, space=space
    )
    return pool_result(X_pool, indices, utilities if return_utilities else None)


@validate_params(_GREEDY_PARAMETERS, prefer_skip_nested_validation=True)
@fill_doc
def greedy_sampling_x(
    regressor, X_pool, n_instances: int = 1, *, random_state=None, return_utilities: bool = False
):
    """Query by greedy sampling in the input space (GSx): pool samples far from the labeled set.

    Each pick is the pool sample whose Euclidean distance (between flattened inputs) to the
    nearest labeled or already picked sample is largest (:func:`greedy_sampling_select` with
    ``space="x"``): k-center greedy on the inputs, as :func:`kcenter_greedy` on the network's
    features. It needs no model, so it can choose the first labels: with ``regressor=None``
    (or nothing labeled) the first pick is the pool sample closest to the pool's centroid.

    Parameters
    ----------
    regressor : ActiveINASRegressor, modAL ActiveLearner, other estimator or None
        Where the labeled set comes from (``X_training_``, or an ActiveLearner's
        ``X_training``); None when nothing is labeled yet. Its model is not used.
    %(X_pool_greedy)s
    %(n_instances)s
    %(random_state_greedy)s
    return_utilities : bool, default=False
        Also return every pool sample's utility: its input distance to the nearest labeled
        sample (minus its distance to the centroid when nothing is labeled).

    Returns
    -------
    %(indices_picked)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import greedy_sampling_x
    >>> X_pool = np.array([[0.0], [1.0], [2.0], [3.0], [10.0]])
    >>> greedy_sampling_x(None, X_pool, n_instances=2)[0]
    array([3, 4])
    """
    return _greedy_query(
        regressor, X_pool, n_instances, "x", "greedy_sampling_x", return_utilities
    )


@validate_params(_GREEDY_PARAMETERS, prefer_skip_nested_validation=True)
@fill_doc
def greedy_sampling_y(
    regressor, X_pool, n_instances: int = 1, *, random_state=None, return_utilities: bool = False
):
    """Query by greedy sampling in the output space (GSy): predictions far from every target.

    Each pick is the pool sample whose predicted output (``regressor.predict``, in the targets'
    units) is farthest from the nearest labeled target or prediction of a sample already
    picked (:func:`greedy_sampling_select` with ``space="y"``); several outputs are compared
    by their Euclidean distance. With nothing labeled the first pick is GSx's, the pool sample
    closest to the pool's centroid.

    Parameters
    ----------
    %(regressor_predict)s
    %(X_pool_greedy)s
    %(n_instances)s
    %(random_state_greedy)s
    return_utilities : bool, default=False
        Also return every pool sample's utility: the distance from its prediction to the
        nearest labeled target.

    Returns
    -------
    %(indices_picked)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from skactive.modal import ActiveLearner
    >>> from skactive.strategies import greedy_sampling_y
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> learner = ActiveLearner(LinearRegression(), query_strategy=greedy_sampling_y,
    ...                         X_training=X, y_training=2 * X[:, 0])
    >>> learner.query(np.array([[3.0], [5.0], [9.0]]), n_instances=2)[0]
    array([2, 1])
    """
    return _greedy_query(
        regressor, X_pool, n_instances, "y", "greedy_sampling_y", return_utilities
    )


@validate_params(_GREEDY_PARAMETERS, prefer_skip_nested_validation=True)
@fill_doc
def improved_greedy_sampling(
    regressor, X_pool, n_instances: int = 1, *, random_state=None, return_utilities: bool = False
):
    """Query by improved greedy sampling (iGS): far from the labeled set in inputs and outputs.

    A pool sample's distance to a labeled sample (or to one already picked) is the product of
    their input distance and of the distance between its prediction and that sample's target
    (or prediction); each pick is the pool sample whose smallest such product is largest
    (:func:`greedy_sampling_select` with ``space="xy"``). The product is taken per labeled
    sample before the minimum, as in the paper: a pool sample close to a labeled one in
    either space counts as covered. With nothing labeled the first pick is GSx's.

    Parameters
    ----------
    %(regressor_predict)s
    %(X_pool_greedy)s
    %(n_instances)s
    %(random_state_greedy)s
    return_utilities : bool, default=False
        Also return every pool sample's utility: its smallest product of distances to a
        labeled sample.

    Returns
    -------
    %(indices_picked)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skactive import ActiveINASRegressor
    >>> from skactive.strategies import improved_greedy_sampling
    >>> X, y = make_friedman1(n_samples=100, random_state=0)
    >>> reg = ActiveINASRegressor(base_width=4, max_epochs=2, inas_iterations=0,
    ...                           random_state=0).fit(X[:50], y[:50])
    >>> indices, samples = improved_greedy_sampling(reg, X[50:], n_instances=3)
    >>> len(set(indices.tolist()))
    3
    """
    return _greedy_query(
        regressor, X_pool, n_instances, "xy", "improved_greedy_sampling", return_utilities
    )
