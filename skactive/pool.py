"""Pools larger than memory: scoring a NumPy memmap or a dask array chunk by chunk.

A pool that lives on disk (:class:`numpy.memmap`, e.g. from ``np.load(path, mmap_mode="r")``)
or on a cluster (a ``dask.array.Array``) is *lazy*: the query strategies never validate or
convert it whole. :func:`map_pool` hands it to a scoring function one chunk of rows at a time,
each chunk validated by the estimator as it is scored, and keeps only the per-sample results
(utilities, or features for core-set and BADGE); :func:`take_rows` reads back the rows picked.
A memmap is read in the calling process; a dask array is scored by one task per block, on the
workers of a ``dask.distributed`` client when one is active. Any other pool (a NumPy array, a
list, a DataFrame) is passed to the scoring function whole, exactly as before.

Nothing here imports dask: a dask array is recognised only when the caller has already
imported ``dask.array``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import numpy as np
from sklearn.utils import _safe_indexing

from .training import INFERENCE_BATCH_SIZE

CHUNK_BYTES = 64 * 2**20
"""Size of a memmap chunk once converted to float32: 64 MiB, 5,120 CIFAR-shaped images."""


# Tasks of one process share the estimator that dask sent there; MC-dropout attaches hooks to
# its network for the length of a chunk, so chunks scored in one process take turns.
def _dask_array_type():
    module = sys.modules.get("dask.array")
    return None if module is None else module.Array


def is_lazy_pool(X) -> bool:
    """Whether ``X`` is a pool scored chunk by chunk: a NumPy memmap or a dask array.

    Parameters
    ----------
    X : object
        A pool.

    Returns
    -------
    bool
        True for a :class:`numpy.memmap` or a ``dask.array.Array``.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.pool import is_lazy_pool
    >>> is_lazy_pool(np.zeros((3, 2)))
    False
    """
    dask_array = _dask_array_type()
    return isinstance(X, np.memmap) or (dask_array is not None and isinstance(X, dask_array))


def check_lazy_pool(X, n_features: int) -> None:
    """Check a lazy pool's shape and dtype without reading it.

    The values (finite, numeric) are checked later, chunk by chunk, by the estimator.

    Parameters
    ----------
    X : numpy.memmap or dask.array.Array
        The pool.
    n_features : int
        Size of the second dimension the estimator was fitted on.

    Raises
    ------
    ValueError
        If ``X`` has fewer than two dimensions, an unknown number of rows, or a second
        dimension other than ``n_features``.
    TypeError
        If ``X`` does not hold numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.pool import check_lazy_pool
    >>> check_lazy_pool(np.zeros((3, 2)), n_features=2)
    """
    if X.ndim < 2:
        raise ValueError(f"The pool must have at least 2 dimensions, got shape {X.shape}.")
    if math.isnan(X.shape[0]):
        raise ValueError(
            "The dask array pool has an unknown number of rows; call compute_chunk_sizes() "
            "on it first."
        )
    if X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but the estimator was fitted with {n_features} "
            "features."
        )
    if np.dtype(X.dtype).kind not in "biuf":
        raise TypeError(f"The pool must hold numbers, got dtype {X.dtype}.")


def chunk_rows(X) -> int:
    """Rows per chunk of a memmap pool: about :data:`CHUNK_BYTES` once converted to float32.

    Above :data:`~skactive.training.INFERENCE_BATCH_SIZE` rows, the count is a multiple of it,
    so the network sees the same batches as it would on the whole pool.

    Parameters
    ----------
    X : array of shape (n_samples, ...)
        The pool.

    Returns
    -------
    int
        At least 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.pool import chunk_rows
    >>> chunk_rows(np.empty((0, 3, 32, 32), dtype=np.uint8))
    5120
    """
    rows = max(1, CHUNK_BYTES // (4 * max(1, math.prod(X.shape[1:]))))
    if rows >= INFERENCE_BATCH_SIZE:
        rows -= rows % INFERENCE_BATCH_SIZE
    return rows


def _score_chunk(fn, chunk, start, *args):
    if isinstance(chunk, np.ndarray) and not chunk.flags.writeable:
        # A chunk of a read-only mapped file: copied into memory, as torch wants writable data.
        chunk = np.array(chunk)
    return fn(chunk, start, *args)


def _map_dask(fn, X, args) -> np.ndarray:
    import dask

    # One block per group of whole rows: only the first axis stays chunked.
    X = X.rechunk({axis: -1 for axis in range(1, X.ndim)})
    starts = np.cumsum((0, *X.chunks[0][:-1]))
    # Wrapped once, each argument (the estimator) travels to a worker once, not once per task.
    shared = [dask.delayed(arg) for arg in args]
    tasks = [
        dask.delayed(_score_chunk)(fn, block, int(start), *shared)
        for block, start in zip(X.to_delayed().ravel(), starts)
    ]
    return np.concatenate(dask.compute(*tasks))


def map_pool(fn: Callable, X_pool, *args) -> np.ndarray:
    """Apply ``fn(chunk, start, *args)`` to the pool chunk by chunk and stack the results.

    - A NumPy memmap is read :func:`chunk_rows` rows at a time in this process; only one
      chunk (and its conversion by the estimator) is in memory at a time.
    - A dask array is scored by one task per block of rows (other axes are merged into one
      block), on the workers of the active ``dask.distributed`` client or else on dask's
      default scheduler; ``args`` are sent to each worker once. Results come back to the caller.
    - Any other pool is passed whole: ``fn(X_pool, 0, *args)``.

    Parameters
    ----------
    fn : callable
        ``fn(chunk, start, *args) -> ndarray`` with one row per sample of ``chunk``; ``start``
        is the index of the chunk's first row in the pool (for per-chunk seeds). For a dask
        pool on a cluster it must be picklable (cloudpickle).
    X_pool : array-like of shape (n_pool, ...)
        The pool.
    *args
        Passed to every call; an estimator goes here.

    Returns
    -------
    ndarray of shape (n_pool, ...)
        The rows of every chunk, in pool order.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.pool import map_pool
    >>> map_pool(lambda chunk, start, k: chunk.sum(axis=1) * k, np.ones((3, 2)), 10)
    array([20., 20., 20.])
    """
    dask_array = _dask_array_type()
    if dask_array is not None and isinstance(X_pool, dask_array):
        return _map_dask(fn, X_pool, args)
    if isinstance(X_pool, np.memmap):
        rows = chunk_rows(X_pool)
        return np.concatenate(
            [
                _score_chunk(fn, X_pool[start : start + rows], start, *args)
                for start in range(0, len(X_pool), rows)
            ]
        )
    return fn(X_pool, 0, *args)


def take_rows(X_pool, indices):
    """``X_pool[indices]``, read into memory for a lazy pool.

    Parameters
    ----------
    X_pool : array-like of shape (n_pool, ...)
        The pool.
    indices : array-like of int
        Rows to take, in order.

    Returns
    -------
    array-like
        A NumPy array for a memmap or a dask array (only the selected rows are read or
        computed); otherwise what :func:`sklearn.utils._safe_indexing` returns.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.pool import take_rows
    >>> take_rows(np.arange(6).reshape(3, 2), [2, 0])
    array([[4, 5],
           [0, 1]])
    """
    indices = np.asarray(indices, dtype=np.intp)
    if isinstance(X_pool, np.memmap):
        return np.array(X_pool[indices])
    dask_array = _dask_array_type()
    if dask_array is not None and isinstance(X_pool, dask_array):
        return np.asarray(X_pool[indices].compute())
    return _safe_indexing(X_pool, indices)
