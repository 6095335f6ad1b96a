"""ActiveINASRegressor: Active-iNAS for continuous targets, the classifier's twin."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import RECIPE, BaseActiveINAS, fill_shared_docs
from ._checkpointing import CheckpointMixin
from .strategies import REGRESSION_STRATEGIES, mc_dropout_std
from .training import REGRESSION_LOSSES, REGRESSION_MIN_STEPS
from .utils import draw_seed

_STD_PASSES = 20
"""Stochastic passes of the dropout head behind ``predict(return_std=True)``."""


def _outputs(module, x):
    return module(x)


def _continuous_targets(y) -> np.ndarray:
    """``y`` as an array of real numbers of shape (n,) or (n, n_outputs), or why it is not.

    As scikit-learn's regressors, any real numbers are targets, integers and booleans too
    (:func:`~sklearn.utils.multiclass.type_of_target` calls integers "multiclass", but only
    the dtype says whether they are numbers); text, even text that parses as numbers, is class
    labels. Numbers held as objects are returned as floats, so that a None among them is
    checked as the NaN it becomes.
    """
    array = np.asarray(y)
    if array.dtype.kind in "US":
        text = array.flat[0] if array.size else None
    else:
        objects = array.flat if array.dtype.kind == "O" else ()
        text = next((v for v in objects if isinstance(v, (str, bytes))), None)
    if text is not None:
        raise ValueError(
            f"y holds class labels (dtype {array.dtype}, e.g. {text!r}), but "
            "ActiveINASRegressor needs numeric targets; use ActiveINASClassifier for classes."
        )
    if array.dtype.kind == "O":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            pass  # left as objects, refused below with an example
    if array.dtype.kind == "c":
        # scikit-learn's own words, which its estimator checks look for.
        raise ValueError(f"Complex data not supported: y has dtype {array.dtype}.")
    if array.dtype.kind not in "biuf":
        example = array.flat[0] if array.size else None
        raise ValueError(
            f"y must hold real numbers, but it has dtype {np.asarray(y).dtype} (e.g. {example!r})."
        )
    if array.ndim not in (1, 2):
        raise ValueError(
            f"y must have shape (n_samples,) or (n_samples, n_outputs), got shape {array.shape}."
        )
    if array.ndim == 2 and array.shape[1] == 0:
        raise ValueError(f"y has no outputs: shape {array.shape}.")
    return array


@fill_shared_docs
class ActiveINASRegressor(CheckpointMixin, RegressorMixin, BaseActiveINAS):
    """Deep active learner for continuous targets whose architecture grows with the labels.

    Active-iNAS (Geifman & El-Yaniv, NeurIPS 2019) for regression: the search space, the
    incremental search from ``architecture_``, the training budget, ``query`` and ``teach``
    are those of :class:`ActiveINASClassifier`. The network has one linear output per target
    after its dropout layer; it trains on targets standardised with the mean and standard
    deviation of the labeled targets (``y_mean_``, ``y_std_``), and :meth:`predict` restores
    their scale. The search keeps the candidate with the lowest validation mean squared error
    on the standardised targets, its splits drawn at random rather than by class.

    Parameters
    ----------
    %(search_parameters)s
    query_strategy : str or callable, default="variance"
        Strategy used by :meth:`query`: a name of
        :data:`skactive.strategies.REGRESSION_STRATEGIES` (``"variance"``, the highest
        MC-dropout predictive variance, :func:`~skactive.strategies.variance_sampling`;
        ``"random"``; for active search, the best targets rather than the most uncertain,
        ``"ucb"``, ``"ei"`` and ``"thompson"``) or a function ``f(regressor, X_pool,
        n_instances, **kwargs) -> (indices, samples)``.
    %(network_parameters)s
    loss : {"squared_error", "huber"}, default="squared_error"
        Training loss on the standardised targets; ``"huber"`` is quadratic within one
        standard deviation of the labeled targets and linear beyond, less swayed by
        outliers. Candidates are compared by validation squared error either way.
    %(loop_parameters)s
    %(checkpoint_parameters)s
    %(seed_parameters)s

    Attributes
    ----------
    architecture_ : Architecture
        The architecture of the current network.
    architecture_history_ : list of Architecture
        The architecture chosen by each fit and teach, in order.
    history_ : list of dict
        One entry per search, as :attr:`ActiveINASClassifier.history_
        <skactive.ActiveINASClassifier>`; a candidate's ``val_error`` is its validation
        mean squared error on the standardised targets.
    net_ : skactive.training.DeviceNeuralNetRegressor
        The network trained on the whole labeled set.
    search_networks_ : list of skactive.training.DeviceNeuralNetRegressor
        The networks of the last step of the last search, as their candidates were trained:
        the free committee of :meth:`committee` ``("candidates")``.
    ensemble_members_ : list of skactive.training.DeviceNeuralNetRegressor
        Only once :meth:`committee` ``("members")`` has trained them (e.g. for
        :func:`~skactive.strategies.predictive_samples` ``(source="members")``): the deep
        ensemble's networks beside ``net_``, until the labeled set changes.
    y_mean_ : float or ndarray of shape (n_outputs,)
        Mean of the labeled targets, per output.
    y_std_ : float or ndarray of shape (n_outputs,)
        Their standard deviation, per output (1 for a constant output).
    n_features_in_ : int
        Number of features (second dimension of the input).
    input_shape_ : tuple of int
        Shape of one sample as the network sees it.
    device_ : str
        Torch device the network was trained on.
    X_training_ : ndarray
        The labeled samples, in arrival order.
    y_training_ : ndarray of shape (n_labeled,) or (n_labeled, n_outputs), float64
        Their targets, in arrival order.

    See Also
    --------
    ActiveINASClassifier : The twin for class labels.
    sklearn.gaussian_process.GaussianProcessRegressor : Also predicts a standard deviation.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skactive import ActiveINASRegressor
    >>> X, y = make_friedman1(n_samples=200, random_state=0)
    >>> reg = ActiveINASRegressor(base_width=4, max_epochs=5, random_state=0)
    >>> reg = reg.fit(X[:60], y[:60])
    >>> indices, samples = reg.query(X[60:], n_instances=5)
    >>> reg = reg.teach(samples, y[60:][indices])
    >>> len(reg.y_training_)
    65
    >>> mean, std = reg.predict(X[:3], return_std=True)
    >>> mean.shape, bool((std > 0).all())
    ((3,), True)

    A checkpoint brings back the labels, the targets' scale and the network, without pickle:

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as path:
    ...     reg = ActiveINASRegressor(base_width=4, max_epochs=2, inas_iterations=0,
    ...                               checkpoint_dir=path, random_state=0)
    ...     reg = reg.fit(X[:60], y[:60])
    ...     restored = ActiveINASRegressor.from_checkpoint(path)
    >>> bool((restored.predict(X[:5]) == reg.predict(X[:5])).all())
    True
    """

    _stratified_search = False

    _parameter_constraints: dict = {
        **BaseActiveINAS._parameter_constraints,
        "query_strategy": [StrOptions(set(REGRESSION_STRATEGIES)), callable],
        "loss": [StrOptions(set(REGRESSION_LOSSES))],
        **CheckpointMixin._checkpoint_constraints,
    }

    def __init__(
        self,
        *,
        block="auto",
        initial_architecture=(1, 1),
        max_blocks=12,
        max_stacks=5,
        inas_iterations=1,
        validation_fraction=0.2,
        min_validation_size=100,
        candidate_budget=0.25,
        reuse_winner=True,
        query_strategy="variance",
        input_shape=None,
        base_width=RECIPE["base_width"],
        dropout=RECIPE["dropout"],
        pooling=RECIPE["pooling"],
        max_epochs=RECIPE["max_epochs"],
        batch_size=RECIPE["batch_size"],
        min_steps=REGRESSION_MIN_STEPS,
        lr=RECIPE["lr"],
        optimizer=RECIPE["optimizer"],
        weight_decay=RECIPE["weight_decay"],
        device="auto",
        precision=RECIPE["precision"],
        augment=RECIPE["augment"],
        loss="squared_error",
        compile=RECIPE["compile"],
        warm_start=False,
        n_jobs=None,
        checkpoint_dir=None,
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            block=block,
            initial_architecture=initial_architecture,
            max_blocks=max_blocks,
            max_stacks=max_stacks,
            inas_iterations=inas_iterations,
            validation_fraction=validation_fraction,
            min_validation_size=min_validation_size,
            candidate_budget=candidate_budget,
            reuse_winner=reuse_winner,
            query_strategy=query_strategy,
            input_shape=input_shape,
            base_width=base_width,
            dropout=dropout,
            pooling=pooling,
            max_epochs=max_epochs,
            batch_size=batch_size,
            min_steps=min_steps,
            lr=lr,
            optimizer=optimizer,
            weight_decay=weight_decay,
            device=device,
            precision=precision,
            augment=augment,
            compile=compile,
            warm_start=warm_start,
            n_jobs=n_jobs,
            random_state=random_state,
            verbose=verbose,
        )
        self.loss = loss
        self.checkpoint_dir = checkpoint_dir

    def __sklearn_tags__(self):
        """scikit-learn's tags: those of the twins, and one or several outputs.

        Returns
        -------
        sklearn.utils.Tags
            The tags of a regressor taking 3-D input and multi-output targets.
        """
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # ------------------------------------------------------------ the task's hooks

    def _validate_Xy(self, X, y, *, reset: bool):
        if y is not None:
            y = _continuous_targets(y)
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=False,
            allow_nd=True,
            dtype=(np.float64, np.float32),
            multi_output=True,
            y_numeric=True,
        )
        return X, np.asarray(y, dtype=np.float64)

    def _check_taught_targets(self, y):
        expected = self.y_training_.shape[1:]
        if y.shape[1:] != expected:
            # Strict even for (n,) against (n, 1): predictions take the fitted targets' shape.
            shape = ", ".join(["n_new", *map(str, expected)]) + ("," if not expected else "")
            raise ValueError(
                f"y has targets of shape {y.shape[1:]} per sample, but the labeled set holds "
                f"targets of shape {expected}; teach as many outputs as were fitted, as y of "
                f"shape ({shape})."
            )
        return y

    def _target_encoding(self, y) -> dict:
        std = y.std(axis=0)
        # A constant output is predicted as its mean, not divided by zero.
        std = np.where(std > 0, std, 1.0)[()]
        return {"y_mean_": y.mean(axis=0)[()], "y_std_": std}

    def _encode_targets(self, y, encoding: dict) -> np.ndarray:
        scaled = (y - encoding["y_mean_"]) / encoding["y_std_"]
        return scaled.reshape(len(y), -1).astype(np.float32)

    def _n_outputs(self, encoding: dict) -> int:
        return int(np.size(encoding["y_mean_"]))

    def _task_recipe(self) -> dict:
        return {"loss": self.loss}

    # ------------------------------------------------------------------ predictions

    def predict(self, X, return_std=False):
        """Predicted targets, on their own scale, and their MC-dropout spread if asked.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
            Samples.
        return_std : bool, default=False
            Also return each prediction's standard deviation over 20 passes of the
            dropout head (:func:`skactive.strategies.mc_dropout_std`), on the
            targets' scale, as :class:`~sklearn.gaussian_process.GaussianProcessRegressor`
            returns its own. Its masks are seeded from ``random_state``; the estimator must
            have been trained with ``dropout > 0``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The deterministic network's predictions (dropout off), shaped like the targets
            ``fit`` was given.
        y_std : ndarray of the same shape
            Only with ``return_std=True``.
        """
        check_is_fitted(self)
        scaled = self.forward_batches(X, _outputs).astype(np.float64)
        shape = (len(scaled), *self.y_training_.shape[1:])
        y_pred = (scaled * self.y_std_ + self.y_mean_).reshape(shape)
        if not return_std:
            return y_pred
        seed = draw_seed(self._rng(len(self.y_training_), for_query=True))
        std = mc_dropout_std(self, X, _STD_PASSES, random_state=seed)
        return y_pred, (std.astype(np.float64) * self.y_std_).reshape(shape)
