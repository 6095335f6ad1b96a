"""Querying through a scikit-learn Pipeline whose last step is an active learner.

An :class:`~skactive.ActiveINASClassifier` fits in a :class:`~sklearn.pipeline.Pipeline` like
any classifier (``make_pipeline(StandardScaler(), ActiveINASClassifier(block="mlp"))``), but a
``Pipeline`` has no ``query``. :func:`query` fills the gap: it passes the raw pool through the
pipeline's fitted transformers, lets the final estimator choose with its own
``query_strategy``, and returns indices into the *raw* pool together with the raw rows, ready
to be labeled.

To add the new labels, refit the pipeline on the grown labeled set with the final estimator's
``warm_start=True`` (its architecture search then resumes where it stopped, and the scaler is
refitted on all labels), or let :class:`skactive.modal.ActiveLearner` with
``estimator=pipeline`` do that bookkeeping.

Examples
--------
>>> import numpy as np
>>> from sklearn.datasets import load_breast_cancer
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from skactive import ActiveINASClassifier, query
>>> X, y = load_breast_cancer(return_X_y=True)
>>> pipe = make_pipeline(
...     StandardScaler(),
...     ActiveINASClassifier(block="mlp", warm_start=True, max_epochs=2, base_width=4,
...                          random_state=0),
... )
>>> pipe = pipe.fit(X[:100], y[:100])
>>> indices, samples = query(pipe, X[100:300], n_instances=10)
>>> bool((samples == X[100:300][indices]).all())
True
>>> pipe = pipe.fit(np.concatenate([X[:100], samples]),
...                 np.concatenate([y[:100], y[100:300][indices]]))
>>> pipe[-1].architecture_history_[0] <= pipe[-1].architecture_history_[1]
True
"""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import Pipeline

from .pool import take_rows

__all__ = ["query"]


def query(estimator, X_pool, n_instances: int = 1, **query_kwargs) -> tuple[np.ndarray, object]:
    """Query an active learner, alone or as the last step of a Pipeline, on a raw pool.

    Parameters
    ----------
    estimator : ActiveINASClassifier or Pipeline
        A fitted estimator with a ``query`` method, or a fitted
        :class:`~sklearn.pipeline.Pipeline` whose last step has one.
    X_pool : array-like of shape (n_pool, ...)
        Unlabeled samples, as the pipeline's first step takes them.
    n_instances : int, default=1
        Number of samples to query.
    **query_kwargs
        Passed to the final estimator's ``query``.

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into ``X_pool``.
    samples : array-like
        ``X_pool[indices]``, untransformed.

    Raises
    ------
    TypeError
        If the (final) estimator has no ``query`` method.
    """
    final, X_transformed = estimator, X_pool
    if isinstance(estimator, Pipeline):
        final = estimator.steps[-1][1]
        if len(estimator.steps) > 1:
            X_transformed = estimator[:-1].transform(X_pool)
    if not hasattr(final, "query"):
        raise TypeError(
            f"{type(final).__name__} has no query method; expected an active learner such as "
            "ActiveINASClassifier, alone or as the last step of a Pipeline."
        )
    indices, _ = final.query(X_transformed, n_instances=n_instances, **query_kwargs)
    indices = np.asarray(indices, dtype=np.intp)
    return indices, take_rows(X_pool, indices)
