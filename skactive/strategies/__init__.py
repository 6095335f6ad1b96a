"""Query strategies with modAL's calling convention.

A strategy is ``strategy(classifier, X_pool, n_instances=1, **kwargs) -> (indices,
X_pool[indices])``. Most are built from two public parts, as in modAL: a *utility* that scores
every pool sample (higher means more worth labeling) and a *selector* that turns the scores into
indices; the batch-diverse ones (BatchBALD, core-set, BADGE) select with a public routine of
their own.

- Uncertainty (:func:`softmax_response`, :func:`margin_sampling`, :func:`entropy_sampling`):
  need only ``predict_proba``, so they work on an :class:`~skactive.ActiveINASClassifier`, on a
  modAL ``ActiveLearner`` wrapping one, and on any fitted scikit-learn classifier.
- Deep (:func:`mc_dropout`, :func:`batch_bald`, :func:`coreset`, :func:`badge`): need the
  trained network, so they take an ActiveINASClassifier or a wrapper exposing it as
  ``.estimator`` (modAL's ``ActiveLearner``). The pool is scored batch by batch on the
  estimator's device.
- Cold start (:func:`typiclust_sampling`, :func:`probcover_sampling`,
  :func:`kmeans_sampling`): need no trained model, so they can choose the first labels
  (``classifier=None``); they select on a representation, the network's penultimate features
  when there is a network, else :func:`cold_start_features` of the input, with the labeled set
  taken into account in later rounds. Their selections (:func:`typiclust`, :func:`probcover`,
  :func:`kmeans_representatives`) take any features.
- :func:`random_sampling`: the baseline.
- :class:`AutoStrategy` (``"auto"``): chooses among candidate strategies while learning, a
  bandit rewarded by the accuracy its queries bring (ALBL).

:data:`STRATEGIES` names them for ``ActiveINASClassifier(query_strategy=...)``.

Writing a strategy: take the estimator with :func:`network_estimator` (it also unwraps modAL's
``ActiveLearner``), run the network over the pool with its public
:meth:`~skactive.ActiveINASClassifier.forward_batches`, draw randomness from
:func:`torch_generator`, pick with :func:`select_top` or a routine of your own, and return
:func:`pool_result`.
"""

from __future__ import annotations

import inspect
from functools import partial

from ._auto import (
    DEFAULT_CANDIDATES,
    AutoStrategy,
    importance_weighted_gain,
    inclusion_probabilities,
)
from ._badge import badge, gradient_embedding, kmeanspp_seeding, prediction_residual
from ._base import (
    check_n_instances,
    network_estimator,
    pool_result,
    random_sampling,
    select_top,
    torch_generator,
)
from ._batch import BATCH_MODES, select_batch
from ._batch_bald import batch_bald, batch_bald_select, joint_mutual_information
from ._cold_start import (
    REPRESENTATIONS,
    cold_start_features,
    kmeans_representatives,
    kmeans_sampling,
)
from ._coreset import coreset, kcenter_greedy
from ._mc_dropout import MC_DROPOUT_METHODS, bald, mc_dropout, mc_dropout_proba, mc_dropout_utility
from ._probcover import probcover, probcover_delta, probcover_sampling
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

STRATEGIES = {
    "random": random_sampling,
    "softmax_response": softmax_response,
    "margin": margin_sampling,
    "entropy": entropy_sampling,
    "mc_dropout": mc_dropout,
    "batch_bald": batch_bald,
    "coreset": coreset,
    "badge": badge,
    "typiclust": typiclust_sampling,
    "probcover": probcover_sampling,
    "kmeans": kmeans_sampling,
}
"""Strategies accepted by name in ``ActiveINASClassifier(query_strategy=...)``."""

COLD_START_STRATEGIES = ("random", "typiclust", "probcover", "kmeans")
"""Names of :data:`STRATEGIES` that need no trained model, so can choose the first labels
(``run_experiment(initial_strategy=...)``): they call ``strategy(None, X_pool, n_instances)``."""


_STOCHASTIC = {
    "softmax_response": BATCH_MODES[1:],
    "margin": ("softmax", "softrank"),  # margins are <= 0: no power weights
    "entropy": BATCH_MODES[1:],
    "mc_dropout": BATCH_MODES[1:],
}

STRATEGY_NAMES = (
    *STRATEGIES,
    "auto",
    *(f"{name}:{mode}" for name, modes in _STOCHASTIC.items() for mode in modes),
)
"""Every name :func:`resolve_strategy` takes: those of :data:`STRATEGIES`, and
``"<name>:<mode>"`` for a score-based strategy with a stochastic batch mode (``"power"``,
``"softmax"``, ``"softrank"``; see :func:`select_batch`), e.g. ``"mc_dropout:power"``, and
``"auto"``, an :class:`AutoStrategy` over :data:`DEFAULT_CANDIDATES`."""


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
        set, named after the whole string; for ``"auto"``, a new :class:`AutoStrategy`.

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
    if strategy not in STRATEGY_NAMES:
        raise ValueError(
            f"Unknown query strategy {strategy!r}; use one of {list(STRATEGY_NAMES)} or a "
            "callable."
        )
    if strategy == "auto":
        return AutoStrategy()
    name, _, mode = strategy.partition(":")
    if not mode:
        return STRATEGIES[name]
    function = partial(STRATEGIES[name], batch_mode=mode)
    function.__name__ = strategy
    return function


def accepts_random_state(strategy) -> bool:
    """Whether a strategy takes a ``random_state`` keyword (modAL's own strategies do not).

    Parameters
    ----------
    strategy : callable
        A strategy function.

    Returns
    -------
    bool
        True when ``random_state`` is a named parameter of ``strategy``.

    Examples
    --------
    >>> from skactive.strategies import accepts_random_state, badge
    >>> accepts_random_state(badge), accepts_random_state(lambda clf, X, n_instances: None)
    (True, False)
    """
    try:
        return "random_state" in inspect.signature(strategy).parameters
    except (TypeError, ValueError):
        return False


__all__ = [
    "DEFAULT_CANDIDATES",
    "AutoStrategy",
    "BATCH_MODES",
    "COLD_START_STRATEGIES",
    "MC_DROPOUT_METHODS",
    "REPRESENTATIONS",
    "STRATEGIES",
    "STRATEGY_NAMES",
    "accepts_random_state",
    "badge",
    "bald",
    "batch_bald",
    "batch_bald_select",
    "check_n_instances",
    "cold_start_features",
    "coreset",
    "entropy",
    "entropy_sampling",
    "gradient_embedding",
    "importance_weighted_gain",
    "inclusion_probabilities",
    "joint_mutual_information",
    "kcenter_greedy",
    "kmeans_representatives",
    "kmeans_sampling",
    "kmeanspp_seeding",
    "least_confidence",
    "margin",
    "margin_sampling",
    "mc_dropout",
    "mc_dropout_proba",
    "mc_dropout_utility",
    "network_estimator",
    "pool_result",
    "prediction_residual",
    "probcover",
    "probcover_delta",
    "probcover_sampling",
    "random_sampling",
    "resolve_strategy",
    "select_batch",
    "select_top",
    "softmax_response",
    "torch_generator",
    "typicality",
    "typiclust",
    "typiclust_sampling",
    "uncertainty_query",
]
