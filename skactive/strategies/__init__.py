"""Query strategies with modAL's calling convention.

A strategy is ``strategy(classifier, X_pool, n_instances=1, **kwargs) -> (indices,
X_pool[indices])``. Most are built from two public parts, as in modAL: a *utility* that scores
every pool sample (higher means more worth labeling) and a *selector* that turns the scores into
indices; the batch-diverse ones (BatchBALD, core-set, BADGE) select with a public routine of
their own.

- Uncertainty (:func:`softmax_response`, :func:`margin_sampling`, :func:`entropy_sampling`):
  need only ``predict_proba``, so they work on an :class:`~skactive.ActiveINASClassifier`, on a
  modAL ``ActiveLearner`` wrapping one, and on any fitted scikit-learn classifier.
- Deep (:func:`mc_dropout`, :func:`batch_bald`, :func:`coreset`, :func:`badge`,
  :func:`dynamic_al`): need the trained network, so they take an ActiveINASClassifier or a
  wrapper exposing it as ``.estimator`` (modAL's ``ActiveLearner``). The pool is scored
  batch by batch on the estimator's device.
- Deep (:func:`mc_dropout`, :func:`batch_bald`, :func:`coreset`, :func:`badge`): need the
  trained network, so they take an ActiveINASClassifier or a wrapper exposing it as
  ``.estimator`` (modAL's ``ActiveLearner``). The pool is scored batch by batch on the
  estimator's device.
- Ensembles (:func:`ensemble`, ``"ensemble"`` and ``"ensemble_candidates"``): deep too; the
  disagreement (:func:`ensemble_utility`: :func:`bald`, :func:`variation_ratio`,
  :func:`predictive_entropy`) of a committee of networks, a deep ensemble trained from other
  seeds or, at no extra training, the candidates of the last search step.
- Cold start (:func:`typiclust_sampling`, :func:`probcover_sampling`,
  :func:`kmeans_sampling`): need no trained model, so they can choose the first labels
  (``classifier=None``); they select on a representation, the network's penultimate features
  when there is a network, else :func:`cold_start_features` of the input, with the labeled set
  taken into account in later rounds. Their selections (:func:`typiclust`, :func:`probcover`,
  :func:`kmeans_representatives`) take any features.
- Look-ahead (:func:`lada`): scores random pairs of pool samples together with their
  InfoMixup virtual sample (:func:`lada_scores`), the mix the network finds most
  informative; pair it with ``ActiveINASClassifier(mixup=...)``, which trains on mixes.
- Learning loss (:func:`loss_prediction`): the pool samples whose loss the network's
  loss-prediction head (:mod:`skactive.loss_prediction`), trained jointly with it, predicts
  highest (:func:`predicted_loss`); the estimator trains the head with ``loss_prediction``.
- Regression (:func:`variance_sampling`, ``"variance"``): for an
  :class:`~skactive.ActiveINASRegressor`, the pool samples whose predictive variance is
  highest, over MC-dropout's passes (:func:`mc_dropout_std`) or over a committee
  (``source=``, query by committee; :func:`predictive_samples` gives the predictions of every
  source in the targets' units), its batch drawn stochastically with
  ``"variance:power"``, ``"variance:softmax"`` or ``"variance:softrank"``
  (:func:`stochastic_batch`); greedy sampling (Wu et al., 2019; :func:`greedy_sampling_select`),
  the pool samples farthest from the labeled set in the inputs (:func:`greedy_sampling_x`,
  ``"gsx"``, which needs no model), between predictions and targets
  (:func:`greedy_sampling_y`, ``"gsy"``) or by the product of both
  (:func:`improved_greedy_sampling`, ``"igs"``), on a regressor or a modAL ``ActiveLearner``
  wrapping any scikit-learn regressor; :data:`REGRESSION_STRATEGIES` names the strategies a
  regressor takes.
- Active search, for a regressor, to find the best targets rather than learn them all
  (:func:`upper_confidence_bound` ``"ucb"``, :func:`expected_improvement` ``"ei"``,
  :func:`thompson_sampling` ``"thompson"``): scores of the predictive samples
  (:func:`ucb_utility`, :func:`expected_improvement_utility`, :func:`predictive_mean_std`),
  batches spread by :func:`local_penalization` in the network's penultimate features or,
  for Thompson sampling, one posterior draw per slot (:func:`thompson_select`).
- :func:`random_sampling`: the baseline.
- :func:`greedy_oracle` (``"oracle"``, :data:`ORACLE`): CDALBench's greedy oracle, the
  ceiling of the benchmark; it reads the true labels of the pool and of a test set, so only
  :func:`skactive.experiment.run_experiment` runs it by name, and an estimator refuses it.
- :class:`AutoStrategy` (``"auto"``): chooses among candidate strategies while learning, a
  bandit in the spirit of ALBL that mixes the candidates' batches slot by slot
  (:func:`mix_batches`) and rewards them from the labels they bring
  (:func:`slot_reward_estimates`, :func:`importance_weighted_gain`), from the starting weights
  of :data:`DEFAULT_PRIOR`; ``"auto:autoal"`` hands the queries to :class:`AutoAL`, which
  learns a per-sample mixture of the candidates' scores on the labeled set (Wang et al., 2025).

:data:`STRATEGIES` names them for ``ActiveINASClassifier(query_strategy=...)``.

Writing a strategy: take the estimator with :func:`network_estimator` (it also unwraps modAL's
``ActiveLearner``), run the network over the pool with its public
:meth:`~skactive.ActiveINASClassifier.forward_batches`, draw randomness from
:func:`torch_generator`, pick with :func:`select_top` or a routine of your own, and return
:func:`pool_result`.
"""

from __future__ import annotations

from ._acquisition import (
    expected_improvement_utility,
    local_penalization,
    predictive_mean_std,
    thompson_select,
    ucb_utility,
)
from ._active_search import expected_improvement, thompson_sampling, upper_confidence_bound
from ._auto import AUTO_METHODS, DEFAULT_CANDIDATES, DEFAULT_PRIOR, AutoStrategy
from ._autoal import AutoAL
from ._badge import badge, gradient_embedding, kmeanspp_seeding, prediction_residual
from ._base import (
    check_n_instances,
    labeled_set,
    network_estimator,
    pool_result,
    proba_and_features,
    random_sampling,
    select_top,
    torch_generator,
)
from ._batch import BATCH_MODES, mix_batches, select_batch, stochastic_batch
from ._batch_bald import batch_bald, batch_bald_select, joint_mutual_information
from ._cold_start import (
    REPRESENTATIONS,
    cold_start_features,
    kmeans_representatives,
    kmeans_sampling,
)
from ._coreset import coreset, kcenter_greedy
from ._dynamic_al import (
    GRADIENTS,
    dynamic_al,
    labeled_gradient,
    last_layer_gain,
    training_dynamics_gain,
)
from ._ensemble import (
    COMMITTEES,
    ENSEMBLE_METHODS,
    ensemble,
    ensemble_utility,
    predictive_entropy,
    variation_ratio,
)
from ._greedy_sampling import (
    GREEDY_SPACES,
    greedy_sampling_select,
    greedy_sampling_x,
    greedy_sampling_y,
    improved_greedy_sampling,
)
from ._lada import LADA_ACQUISITIONS, lada, lada_scores, random_pairs
from ._loss_prediction import (
    LOSS_PREDICTION_BATCH_MODES,
    loss_prediction,
    predicted_loss,
    uses_loss_prediction,
)
from ._mc_dropout import MC_DROPOUT_METHODS, bald, mc_dropout, mc_dropout_proba, mc_dropout_utility
from ._oracle import ORACLE, greedy_oracle
from ._probcover import probcover, probcover_delta, probcover_sampling
from ._registry import (
    COLD_START_STRATEGIES,
    REGRESSION_STRATEGIES,
    STRATEGIES,
    STRATEGY_NAMES,
    accepts_random_state,
    named_strategy,
)
from ._rewards import importance_weighted_gain, inclusion_probabilities, slot_reward_estimates
from ._searchnet import batch_scores, fit_searchnet, heldout_losses, searchnet_weights
from ._typiclust import typicality, typiclust, typiclust_sampling
from ._uncertainty import (
    entropy,
    entropy_sampling,
    least_confidence,
    margin,
    margin_sampling,
    softmax_response,
    uncertainty_query,
)
from ._variance import PREDICTIVE_SOURCES, mc_dropout_std, predictive_samples, variance_sampling


def resolve_strategy(strategy):
    """Return the strategy function for a name of :data:`STRATEGY_NAMES` or a callable.

    Parameters
    ----------
    strategy : str or callable
        A strategy name, e.g. ``"coreset"`` or ``"mc_dropout:power"`` (MC-dropout whose
        batch is sampled with power weights), or a function with modAL's strategy signature.

    Returns
    -------
    callable
        The strategy function; for ``"<name>:<mode>"``, the strategy with ``batch_mode``
        set, named after the whole string; for ``"auto"``, a new :class:`AutoStrategy`
        (for ``"auto:<method>"``, with that ``method``).

    Examples
    --------
    >>> from skactive.strategies import resolve_strategy
    >>> resolve_strategy("coreset").__name__
    'coreset'
    >>> resolve_strategy("mc_dropout:power").keywords
    {'batch_mode': 'power'}
    """
    if callable(strategy):
        return strategy
    base, _, method = str(strategy).partition(":")
    if base == "auto" and strategy in STRATEGY_NAMES:
        return AutoStrategy(method=method) if method else AutoStrategy()
    return named_strategy(strategy)


__all__ = [
    "DEFAULT_CANDIDATES",
    "DEFAULT_PRIOR",
    "AutoAL",
    "AutoStrategy",
    "BATCH_MODES",
    "COLD_START_STRATEGIES",
    "COMMITTEES",
    "ENSEMBLE_METHODS",
    "MC_DROPOUT_METHODS",
    "ORACLE",
    "PREDICTIVE_SOURCES",
    "AUTO_METHODS",
    "GRADIENTS",
    "GREEDY_SPACES",
    "LADA_ACQUISITIONS",
    "LOSS_PREDICTION_BATCH_MODES",
    "REGRESSION_STRATEGIES",
    "REPRESENTATIONS",
    "STRATEGIES",
    "STRATEGY_NAMES",
    "accepts_random_state",
    "badge",
    "bald",
    "batch_bald",
    "batch_bald_select",
    "batch_scores",
    "check_n_instances",
    "cold_start_features",
    "coreset",
    "dynamic_al",
    "ensemble",
    "ensemble_utility",
    "entropy",
    "entropy_sampling",
    "expected_improvement",
    "expected_improvement_utility",
    "fit_searchnet",
    "gradient_embedding",
    "greedy_oracle",
    "greedy_sampling_select",
    "greedy_sampling_x",
    "greedy_sampling_y",
    "heldout_losses",
    "importance_weighted_gain",
    "improved_greedy_sampling",
    "inclusion_probabilities",
    "joint_mutual_information",
    "kcenter_greedy",
    "kmeans_representatives",
    "kmeans_sampling",
    "kmeanspp_seeding",
    "labeled_gradient",
    "last_layer_gain",
    "lada",
    "lada_scores",
    "least_confidence",
    "local_penalization",
    "loss_prediction",
    "margin",
    "margin_sampling",
    "mc_dropout",
    "mc_dropout_std",
    "mc_dropout_proba",
    "mc_dropout_utility",
    "mix_batches",
    "labeled_set",
    "network_estimator",
    "pool_result",
    "predicted_loss",
    "prediction_residual",
    "predictive_entropy",
    "predictive_mean_std",
    "predictive_samples",
    "proba_and_features",
    "probcover",
    "probcover_delta",
    "probcover_sampling",
    "random_pairs",
    "random_sampling",
    "resolve_strategy",
    "searchnet_weights",
    "select_batch",
    "select_top",
    "slot_reward_estimates",
    "softmax_response",
    "stochastic_batch",
    "thompson_sampling",
    "thompson_select",
    "torch_generator",
    "training_dynamics_gain",
    "typicality",
    "typiclust",
    "typiclust_sampling",
    "ucb_utility",
    "uncertainty_query",
    "upper_confidence_bound",
    "uses_loss_prediction",
    "variance_sampling",
    "variation_ratio",
]
