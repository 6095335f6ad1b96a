"""ActiveINASClassifier: Active-iNAS as a scikit-learn estimator with modAL's query/teach."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import RECIPE, BaseActiveINAS, fill_shared_docs
from ._checkpointing import CheckpointMixin
from .selective import SelectiveMixin
from .strategies import STRATEGY_NAMES, uses_loss_prediction
from .training import network_proba


@fill_shared_docs
class ActiveINASClassifier(
    CheckpointMixin,
    SelectiveMixin,
    ClassifierMixin,
    BaseActiveINAS,
):
    """Deep active learner whose network architecture grows with the labeled set.

    Active-iNAS (Geifman & El-Yaniv, NeurIPS 2019): every time labels arrive (``fit``,
    ``teach``), an incremental architecture search (iNAS) starts from the current architecture
    A(B, i, j), trains the candidates A(B, i, j), A(B, ⌊ij/(j+1)⌋+1, j+1) and A(B, i+1, j) on
    part of the labeled set, keeps the one with the lowest validation error, and then trains
    the winner on all labels. ``query`` picks the pool samples to label next.

    Parameters
    ----------
    %(search_parameters)s
    query_strategy : str or callable, default="softmax_response"
        Strategy used by :meth:`query`: a name of ``skactive.strategies.STRATEGY_NAMES`` (e.g.
        ``"mc_dropout:power"``) or a
        function ``f(classifier, X_pool, n_instances, **kwargs) -> (indices, samples)``.
        ``"auto"`` or a :class:`~skactive.strategies.AutoStrategy` chooses among candidate
        strategies while learning, from the labels its queries bring. ``"oracle"`` is
        refused: the greedy oracle reads true labels, so only simulations run it.
    %(network_parameters)s
    mixup : float or None, default=None
        Mixup training (Zhang et al., ICLR 2018), for every block: with a float ``alpha > 0``,
        each training batch of labeled samples also trains on as many virtual samples, each
        labeled sample (after its crop) mixed with a partner from the same batch,
        ``lam * x_i + (1 - lam) * x_j`` with ``lam ~ Beta(alpha, alpha)``, under the mixed
        cross-entropy ``lam * CE(y_i) + (1 - lam) * CE(y_j)``. The virtual samples are drawn
        from each training's seed, anew at every epoch, and never stored: the labeled set
        and a checkpoint hold only the labels paid for. 2.0 is the setting of the LADA
        reference code (:func:`skactive.strategies.lada`); None trains on the labels only.
        The search's candidates train the same way; their validation does not mix.
    loss_prediction : bool or "auto", default="auto"
        Give every network a loss-prediction head (Yoo & Kweon, CVPR 2019;
        :class:`~skactive.loss_prediction.LossPredictionHead`), trained jointly with it on
        the mean cross-entropy plus the margin ranking loss of its predicted losses
        (:func:`~skactive.loss_prediction.ranking_loss`), the gradient into the network
        stopped after 60% of each training's epochs, as in the paper; the search's candidates
        and the final network alike. :func:`skactive.strategies.loss_prediction` queries by
        its predictions. ``"auto"`` turns it on exactly when ``query_strategy`` is
        ``"loss_prediction"`` (or that function), so other strategies train and cost as
        before; True for that strategy called directly or through modAL. The head's weights
        are part of the network's state, saved in a checkpoint.
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
        One entry per search: ``n_labeled``, ``start``, ``architecture``, ``candidates`` (the
        log of :func:`skactive.inas.search`: step, architecture, validation error, seconds,
        chosen, and the optimizer steps and epochs it trained), ``search_seconds``,
        ``train_seconds``, ``train_steps`` (the final training's optimizer steps) and
        ``continued`` (whether the final network went on from the winning candidate); with
        ``query_strategy="auto"``, also ``query``, the bandit's record of the query that
        brought the round's labels (:attr:`AutoStrategy.rounds_
        <skactive.strategies.AutoStrategy.rounds_>`); once an ensemble query has trained
        members for the round (:meth:`committee`), also ``ensemble_seconds`` and
        ``ensemble_steps``, their training's cost.
    query_strategy_ : AutoStrategy
        Only with ``query_strategy="auto"`` or an AutoStrategy: this estimator's own bandit,
        new at every ``fit`` but a warm one, restored from ``history_`` by
        :meth:`from_checkpoint`.
    net_ : skorch.NeuralNetClassifier
        The network trained on the whole labeled set.
    search_networks_ : list of skorch.NeuralNetClassifier
        The networks of the last step of the last search, as their candidates were trained
        (empty with ``inas_iterations=0``): the free committee of
        :meth:`committee` ``("candidates")``, saved with the model in a checkpoint.
    ensemble_members_ : list of skorch.NeuralNetClassifier
        Only once :meth:`committee` ``("members")`` (the ``"ensemble"`` strategy) has trained
        them: the deep ensemble's networks beside ``net_``, until the labeled set changes.
    classes_ : ndarray of shape (n_classes,)
        Class labels seen so far, sorted.
    n_features_in_ : int
        Number of features (second dimension of the input).
    input_shape_ : tuple of int
        Shape of one sample as the network sees it.
    device_ : str
        Torch device the network was trained on.
    X_training_ : ndarray
        The labeled samples, in arrival order.
    y_training_ : ndarray of shape (n_labeled,)
        Their labels, in arrival order.
    selective_threshold_, selective_risk_bound_, selective_coverage_, selective_risk_ : float
        Only after :meth:`selective_threshold`, until the next ``fit`` or ``teach``: the
        fields of its :class:`~skactive.selective.SelectiveThreshold`.

    See Also
    --------
    skactive.inas.search : The architecture search on its own.
    skactive.strategies : Query strategies usable with ``query_strategy``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), max_epochs=2, base_width=4,
    ...                            random_state=0)
    >>> clf = clf.fit(X[:60], y[:60])
    >>> indices, samples = clf.query(X[60:300], n_instances=5)
    >>> clf = clf.teach(samples, y[60:300][indices])
    >>> len(clf.y_training_)
    65
    >>> clf.architecture_history_[0] <= clf.architecture_history_[1]
    True
    """

    _parameter_constraints: dict = {
        **BaseActiveINAS._parameter_constraints,
        "query_strategy": [StrOptions(set(STRATEGY_NAMES)), callable],
        "mixup": [Interval(Real, 0, None, closed="neither"), None],
        "loss_prediction": ["boolean", StrOptions({"auto"})],
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
        query_strategy="softmax_response",
        input_shape=None,
        base_width=RECIPE["base_width"],
        dropout=RECIPE["dropout"],
        pooling=RECIPE["pooling"],
        max_epochs=RECIPE["max_epochs"],
        batch_size=RECIPE["batch_size"],
        min_steps=RECIPE["min_steps"],
        lr=RECIPE["lr"],
        optimizer=RECIPE["optimizer"],
        weight_decay=RECIPE["weight_decay"],
        device="auto",
        precision=RECIPE["precision"],
        augment=RECIPE["augment"],
        mixup=RECIPE["mixup"],
        loss_prediction="auto",
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
        self.mixup = mixup
        self.loss_prediction = loss_prediction
        self.checkpoint_dir = checkpoint_dir

    # ------------------------------------------------------------ the task's hooks

    def _validate_Xy(self, X, y, *, reset: bool):
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=False,
            allow_nd=True,
            dtype=(np.float64, np.float32),
        )
        check_classification_targets(y)
        return X, y

    def _check_taught_targets(self, y):
        y_old = self.y_training_
        # numpy would silently turn integers taught to a string-labeled set into strings (a
        # class "3" beside "digit3"), and floats taught to an integer-labeled set into floats.
        text_old, text_new = y_old.dtype.kind in "UO", y.dtype.kind in "UO"
        if text_old != text_new or (
            not text_old and np.result_type(y_old.dtype, y.dtype).kind != y_old.dtype.kind
        ):
            raise TypeError(
                f"y has labels of dtype {y.dtype}, but the labeled set holds labels of dtype "
                f"{y_old.dtype}; teach labels of the same type."
            )
        return y

    def _target_encoding(self, y) -> dict:
        return {"classes_": np.unique(y)}

    def _encode_targets(self, y, encoding: dict) -> np.ndarray:
        return np.searchsorted(encoding["classes_"], y).astype(np.int64)

    def _n_outputs(self, encoding: dict) -> int:
        return len(encoding["classes_"])

    def _trains_loss_head(self) -> bool:
        """``loss_prediction`` resolved: ``"auto"`` is on for a strategy that needs the head."""
        if self.loss_prediction == "auto":
            return uses_loss_prediction(self.query_strategy)
        return bool(self.loss_prediction)

    def _task_recipe(self) -> dict:
        return {"mixup": self.mixup, "loss_prediction": self._trains_loss_head()}

    def _labels_changed(self) -> None:
        self._drop_selective_threshold()

    # ------------------------------------------------------------------ predictions

    def predict_proba(self, X):
        """Class probabilities of the current network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
            Samples.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        X = self.network_input(X)  # checks that the estimator is fitted first
        return network_proba(self.net_, X)

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
            Samples.

        Returns
        -------
        ndarray of shape (n_samples,)
            Predicted labels, drawn from ``classes_``.
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
