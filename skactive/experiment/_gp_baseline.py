"""The ``"gp-bo"`` baseline of a regression experiment: Bayesian optimisation with a Gaussian
process and expected improvement, through modAL's ``BayesianOptimizer``."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

GP_BO = "gp-bo"
"""Method name of the Gaussian-process baseline in the result table and in ``baselines``."""

GP_ACQUISITION = "max_EI"
"""What chooses the baseline's queries whatever the experiment's strategy: the table's
``queried_by`` of its rows."""


def modal_optimizer():
    """modAL's ``max_EI`` and skactive's ``BayesianOptimizer``, or an ImportError saying how to
    install modAL, before any training."""
    try:
        from modAL.acquisition import max_EI

        from ..modal import BayesianOptimizer
    except ImportError as error:
        raise ImportError(
            f"The {GP_BO!r} baseline runs modAL's BayesianOptimizer: pip install --no-deps "
            f"modAL-python ({error})"
        ) from error
    return BayesianOptimizer, max_EI


def _rows(X) -> np.ndarray:
    """Samples of any shape as flat float64 rows: the Gaussian process takes vectors."""
    X = np.asarray(X, dtype=np.float64)
    return X.reshape(len(X), -1)


class GPBaseline(RegressorMixin, BaseEstimator):
    """Bayesian optimisation by expected improvement over a Gaussian process, as a learner.

    The ``"gp-bo"`` baseline of :func:`~skactive.experiment.run_experiment` for regression and
    active search: modAL's ``BayesianOptimizer`` (through :mod:`skactive.modal`, which makes it
    work on current scikit-learn) over scikit-learn's ``GaussianProcessRegressor``, querying
    by modAL's ``max_EI``: the pool samples of largest expected improvement over the largest
    target labeled so far. That is the classic sequential design for finding large targets,
    where the networks' strategies look for the samples that teach most. The kernel is a
    constant times a Matérn (nu = 2.5) kernel plus white noise, fitted to the labeled targets
    (normalised) by maximum likelihood every time labels arrive. It offers the loop's
    ``fit``, ``query``, ``teach`` and ``predict``; samples are flattened to vectors.

    Parameters
    ----------
    tradeoff : float, default=0.0
        modAL's ``tradeoff`` of expected improvement: an improvement counts only beyond it,
        which leans towards exploration.
    random_state : int, RandomState instance or None, default=None
        Seed of the Gaussian process's optimiser restarts (none by default, so it only
        matters where scikit-learn draws).

    Attributes
    ----------
    optimizer_ : skactive.modal.BayesianOptimizer
        The optimizer, its labeled set in ``X_training``, ``y_training``.
    architecture_ : str
        ``"GP"``: what the result table's ``architecture`` column shows for this method.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.experiment import GPBaseline
    >>> X = np.linspace(0, 1, 50).reshape(-1, 1)
    >>> y = np.sin(6 * X).ravel()
    >>> learner = GPBaseline(random_state=0).fit(X[::10], y[::10])
    >>> indices, samples = learner.query(X, n_instances=2)
    >>> learner = learner.teach(samples, y[indices])
    >>> len(learner.optimizer_.y_training)
    7
    """

    _parameter_constraints: dict = {
        "tradeoff": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, tradeoff: float = 0.0, random_state=None):
        self.tradeoff = tradeoff
        self.random_state = random_state

    def fit(self, X, y):
        """Start the optimizer on a labeled set, fitting the Gaussian process to it.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Labeled samples.
        y : array-like of shape (n_samples,)
            Their targets.

        Returns
        -------
        self : GPBaseline
            The fitted learner.
        """
        self._validate_params()
        BayesianOptimizer, max_EI = modal_optimizer()
        kernel = ConstantKernel() * Matern(nu=2.5) + WhiteKernel()
        process = GaussianProcessRegressor(
            kernel=kernel, normalize_y=True, random_state=self.random_state
        )
        with _quiet():
            self.optimizer_ = BayesianOptimizer(
                estimator=process,
                query_strategy=max_EI,
                X_training=_rows(X),
                y_training=np.asarray(y, dtype=np.float64),
            )
        self.architecture_ = "GP"
        return self

    def query(self, X_pool, n_instances: int = 1):
        """The pool samples of largest expected improvement.

        Parameters
        ----------
        X_pool : array-like of shape (n_pool, ...)
            Unlabeled samples.
        n_instances : int, default=1
            How many to choose.

        Returns
        -------
        indices : ndarray of shape (n_instances,)
            Their indices into ``X_pool``.
        samples : ndarray
            ``X_pool[indices]``.
        """
        check_is_fitted(self)
        X_pool = np.asarray(X_pool)
        indices, _ = self.optimizer_.query(
            _rows(X_pool), n_instances=n_instances, tradeoff=self.tradeoff
        )
        indices = np.asarray(indices)
        return indices, X_pool[indices]

    def teach(self, X, y):
        """Add labeled samples and refit the Gaussian process on all of them.

        Parameters
        ----------
        X : array-like of shape (n_new, ...)
            Newly labeled samples.
        y : array-like of shape (n_new,)
            Their targets.

        Returns
        -------
        self : GPBaseline
            The learner, taught.
        """
        check_is_fitted(self)
        with _quiet():
            self.optimizer_.teach(_rows(X), np.asarray(y, dtype=np.float64))
        return self

    def predict(self, X):
        """The Gaussian process's mean prediction.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,)
            Predicted targets.
        """
        check_is_fitted(self)
        return self.optimizer_.estimator.predict(_rows(X))


@contextmanager
def _quiet():
    """Keep the kernel fit's warnings about hyperparameters at their bounds (a noise level at
    its floor on clean data) out of the experiment's log: they are expected, every round."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield
