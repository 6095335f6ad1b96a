"""modAL interop on current scikit-learn: an ``ActiveLearner`` that works there.

modAL-python 0.4.2.1, its latest release, validates data with
``check_X_y(..., force_all_finite=...)``, an argument scikit-learn 1.8 removed, so its
``ActiveLearner.teach`` and ``ActiveLearner.fit`` raise ``TypeError`` with any estimator. Its
package metadata also pins ``skorch==0.9.0``, which no longer imports on current torch, so
install it without its dependencies (skactive already brings numpy, scikit-learn and skorch;
modAL also needs scipy and pandas, which scikit-learn and the test extra bring)::

    pip install --no-deps modAL-python

:class:`ActiveLearner` here *is* modAL's ``ActiveLearner`` (a subclass: ``isinstance`` checks,
``query``, ``bootstrap_init``, ``on_transformed`` and every modAL query strategy behave as in
modAL). It overrides the three methods that call the removed argument (``fit``, ``teach``,
``_add_training_data``) and, while at it, stores the labeled set in a buffer that grows
geometrically, so each ``teach`` copies only the new rows instead of re-stacking the whole
labeled set as modAL does.

Importing :mod:`skactive` never imports modAL; only ``import skactive.modal`` does.

Recipe: pair it with ``ActiveINASClassifier(warm_start=True)``. modAL refits the estimator on
the whole labeled set at every ``teach``; with ``warm_start=True`` each refit starts the
architecture search where the previous one ended, so the network only ever grows, as in
Active-iNAS. Any strategy with modAL's signature works: modAL's own
(``modAL.uncertainty.uncertainty_sampling``, ``margin_sampling``, ``entropy_sampling``,
``modAL.batch.uncertainty_batch_sampling``) and :mod:`skactive.strategies`.

With a :class:`~sklearn.pipeline.Pipeline` as ``estimator`` (a scaler in front of the
classifier), ``query`` scores the raw pool through the whole pipeline and returns indices into
the raw pool; ``on_transformed=True`` additionally makes modAL's distance-based strategies
(``uncertainty_batch_sampling``) measure distances after the pipeline's transformers.

Examples
--------
>>> from modAL.uncertainty import margin_sampling
>>> from sklearn.datasets import load_digits
>>> from skactive import ActiveINASClassifier
>>> from skactive.modal import ActiveLearner
>>> X, y = load_digits(return_X_y=True)
>>> X = X / 16.0
>>> clf = ActiveINASClassifier(warm_start=True, max_epochs=2, base_width=4, random_state=0)
>>> learner = ActiveLearner(estimator=clf, query_strategy=margin_sampling,
...                         X_training=X[:60], y_training=y[:60])
>>> indices, samples = learner.query(X[60:300], n_instances=5)
>>> learner.teach(samples, y[60:300][indices])
>>> learner.X_training.shape
(65, 64)
>>> clf.architecture_history_[0] <= clf.architecture_history_[1]
True
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_X_y

try:
    from modAL.models import ActiveLearner as _ModALActiveLearner
    from modAL.models import BayesianOptimizer as _ModALBayesianOptimizer
except ImportError as error:
    raise ImportError(
        "skactive.modal needs modAL. Install it with `pip install --no-deps modAL-python`: "
        "its release pins skorch==0.9.0, which would replace the skorch skactive needs."
    ) from error

__all__ = ["ActiveLearner", "BayesianOptimizer"]


class ActiveLearner(_ModALActiveLearner):
    """modAL's ``ActiveLearner``, working on scikit-learn >= 1.6.

    Takes exactly modAL's arguments and behaves as modAL documents, except that ``fit``,
    ``teach`` and the labeled-set bookkeeping validate data with the current scikit-learn API,
    ``teach`` grows ``X_training``/``y_training`` in amortised time proportional to the new
    rows, and a ``teach`` whose refit fails leaves ``X_training``/``y_training`` as they were.

    Parameters
    ----------
    estimator : estimator
        The model to train, e.g. an :class:`~skactive.ActiveINASClassifier` with
        ``warm_start=True`` or a :class:`~sklearn.pipeline.Pipeline` ending in one.
    query_strategy : callable, default=modAL.uncertainty.uncertainty_sampling
        ``f(learner, X_pool, n_instances=..., **kwargs)`` returning indices first.
    X_training, y_training : array-like or None, default=None
        Initial labeled set; when given, ``estimator`` is fitted on it.
    bootstrap_init : bool, default=False
        Fit the initial model on a bootstrap sample of the initial labeled set.
    on_transformed : bool, default=False
        Let distance-based modAL strategies work on the pipeline-transformed data.
    **fit_kwargs
        Passed to ``estimator.fit``.

    Attributes
    ----------
    X_training, y_training : array-like or None
        The labeled set in arrival order (numpy arrays for dense input; sparse matrices and
        pandas objects are stacked as such).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.modal import ActiveLearner
    >>> X = np.array([[0.0], [0.2], [0.8], [1.0], [0.5]])
    >>> y = np.array([0, 0, 1, 1, 1])
    >>> learner = ActiveLearner(LogisticRegression(), X_training=X[:4], y_training=y[:4])
    >>> learner.teach(X[4:], y[4:])
    >>> learner.y_training
    array([0, 0, 1, 1, 1])
    """

    def _check_X_y(self, X, y) -> None:
        # modAL's own call, with the argument renamed as in scikit-learn >= 1.6.
        check_X_y(
            X,
            y,
            accept_sparse=True,
            ensure_2d=False,
            allow_nd=True,
            multi_output=True,
            dtype=None,
            ensure_all_finite=self.force_all_finite,
        )

    def _add_training_data(self, X, y) -> None:
        """Append ``(X, y)`` to the labeled set without refitting.

        Parameters
        ----------
        X : array-like of shape (n_new, ...)
            Newly labeled samples, shaped like ``X_training``'s rows.
        y : array-like of shape (n_new, ...)
            Their labels.
        """
        self._check_X_y(X, y)
        if self.X_training is None:
            self.X_training, self.y_training = X, y
            return
        X_training = self._appended("X_training", X)
        self.y_training = self._appended("y_training", y)
        self.X_training = X_training

    def _appended(self, name: str, new):
        """``getattr(self, name)`` with the rows of ``new`` appended, not yet assigned.

        Dense data lives in a buffer with spare capacity that doubles when full: the array
        returned is a view of its first rows, and the rows appended later go after them, so no
        view handed out earlier changes. The buffer is reused only while ``getattr(self,
        name)`` is still the view it last returned, never an array the caller supplied.
        """
        current = getattr(self, name)
        if sp.issparse(current) or sp.issparse(new):
            return sp.vstack([current, new], format=getattr(current, "format", "csr"))
        if hasattr(current, "iloc"):
            # pandas comes with modAL, not with skactive; modAL's DataFrame.append is gone.
            import pandas as pd

            return pd.concat([current, new])
        current, new = np.asarray(current), np.asarray(new)
        if current.shape[1:] != new.shape[1:]:
            raise ValueError(
                f"New rows of {name} have shape {new.shape[1:]}, but the labeled set holds rows "
                f"of shape {current.shape[1:]}."
            )
        buffers = self.__dict__.setdefault("_buffers", {})
        buffer, view = buffers.get(name, (None, None))
        if view is not current:
            buffer = current
        n_old, n_all = len(current), len(current) + len(new)
        dtype = np.result_type(buffer, new)
        if dtype.kind != buffer.dtype.kind and dtype.kind in "OSU":
            raise TypeError(
                f"New rows of {name} have dtype {new.dtype}, but the labeled set holds dtype "
                f"{buffer.dtype}; mixing them would turn every row into {dtype}."
            )
        if len(buffer) < n_all or dtype != buffer.dtype:
            grown = np.empty((max(n_all, 2 * len(buffer)), *buffer.shape[1:]), dtype=dtype)
            grown[:n_old] = current
            buffer = grown
        buffer[n_old:n_all] = new
        view = buffer[:n_all]
        buffers[name] = (buffer, view)
        return view

    def fit(self, X, y, bootstrap: bool = False, **fit_kwargs) -> ActiveLearner:
        """Replace the labeled set with ``(X, y)`` and fit the estimator on it.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Labeled samples.
        y : array-like of shape (n_samples, ...)
            Their labels.
        bootstrap : bool, default=False
            Fit on a bootstrap sample of ``(X, y)``.
        **fit_kwargs
            Passed to ``estimator.fit``.

        Returns
        -------
        self : ActiveLearner
            The fitted learner.
        """
        self._check_X_y(X, y)
        self.X_training, self.y_training = X, y
        return self._fit_to_known(bootstrap=bootstrap, **fit_kwargs)

    def teach(self, X, y, bootstrap: bool = False, only_new: bool = False, **fit_kwargs) -> None:
        """Add ``(X, y)`` to the labeled set and refit the estimator.

        Parameters
        ----------
        X : array-like of shape (n_new, ...)
            Newly labeled samples, e.g. those returned by :meth:`query`.
        y : array-like of shape (n_new, ...)
            Their labels.
        bootstrap : bool, default=False
            Refit on a bootstrap sample.
        only_new : bool, default=False
            Refit on ``(X, y)`` alone (the labeled set is left unchanged, as in modAL).
        **fit_kwargs
            Passed to ``estimator.fit``.
        """
        if only_new:
            self._check_X_y(X, y)
            self._fit_on_new(X, y, bootstrap=bootstrap, **fit_kwargs)
            return
        before = self.X_training, self.y_training
        self._add_training_data(X, y)
        try:
            self._fit_to_known(bootstrap=bootstrap, **fit_kwargs)
        except Exception:
            self.X_training, self.y_training = before
            raise


class BayesianOptimizer(ActiveLearner, _ModALBayesianOptimizer):
    """modAL's ``BayesianOptimizer``, working on scikit-learn >= 1.6.

    modAL's class inherits the ``ActiveLearner`` methods that call scikit-learn's removed
    argument, so its first ``teach`` raises ``TypeError``. This one takes them from
    :class:`ActiveLearner` (with its labeled-set buffer and its rollback when the refit fails)
    and keeps modAL's optimum bookkeeping: ``X_max``, ``y_max`` and ``get_max()``.

    Parameters
    ----------
    estimator : estimator
        A regressor with uncertainty, e.g. scikit-learn's ``GaussianProcessRegressor``.
    query_strategy : callable, default=modAL.acquisition.max_EI
        An acquisition function of :mod:`modAL.acquisition`.
    X_training, y_training : array-like or None, default=None
        Initial observations; when given, ``estimator`` is fitted on them.
    bootstrap_init : bool, default=False
        Fit the initial model on a bootstrap sample.
    on_transformed : bool, default=False
        Let distance-based modAL strategies work on the pipeline-transformed data.
    **fit_kwargs
        Passed to ``estimator.fit``.

    Attributes
    ----------
    X_max, y_max : array-like and float
        The best observation so far and its value.

    Examples
    --------
    >>> import numpy as np
    >>> from modAL.acquisition import max_EI
    >>> from sklearn.gaussian_process import GaussianProcessRegressor
    >>> from skactive.modal import BayesianOptimizer
    >>> X = np.linspace(0, 20, 200).reshape(-1, 1)
    >>> y = (np.sin(X) / 2 - ((10 - X) ** 2) / 50 + 2).ravel()
    >>> optimizer = BayesianOptimizer(GaussianProcessRegressor(), query_strategy=max_EI,
    ...                               X_training=X[[30]], y_training=y[[30]])
    >>> for _ in range(3):
    ...     index, _ = optimizer.query(X)
    ...     optimizer.teach(X[index], y[index])
    >>> len(optimizer.y_training), bool(optimizer.get_max()[1] >= y[30])
    (4, True)
    """

    def teach(self, X, y, bootstrap: bool = False, only_new: bool = False, **fit_kwargs) -> None:
        """Add ``(X, y)`` to the observations, refit, and update the optimum.

        Parameters
        ----------
        X : array-like of shape (n_new, n_features)
            Newly evaluated points.
        y : array-like of shape (n_new,)
            Their values.
        bootstrap : bool, default=False
            Refit on a bootstrap sample.
        only_new : bool, default=False
            Refit on ``(X, y)`` alone; as in modAL's optimizer, they still join the
            observations.
        **fit_kwargs
            Passed to ``estimator.fit``.
        """
        if only_new:
            self._add_training_data(X, y)
            self._fit_on_new(X, y, bootstrap=bootstrap, **fit_kwargs)
        else:
            super().teach(X, y, bootstrap=bootstrap, **fit_kwargs)
        self._set_max(X, y)
