"""Query strategies with modAL's calling convention.

A strategy is ``strategy(classifier, X_pool, n_instances=1, **kwargs) -> (indices,
X_pool[indices])``. Most are built from two public parts, as in modAL: a *utility* that scores
every pool sample (higher means more worth labeling) and a *selector* that turns the scores into
indices; the batch-diverse ones (core-set, BADGE) select with a public routine of their own.

- Uncertainty (:func:`softmax_response`, :func:`margin_sampling`, :func:`entropy_sampling`):
  need only ``predict_proba``, so they work on an :class:`~skactive.ActiveINASClassifier`, on a
  modAL ``ActiveLearner`` wrapping one, and on any fitted scikit-learn classifier.
- Deep (:func:`mc_dropout`, :func:`coreset`, :func:`badge`): need the trained network, so they
  take an ActiveINASClassifier or a wrapper exposing it as ``.estimator`` (modAL's
  ``ActiveLearner``). The pool is scored batch by batch on the estimator's device.
- :func:`random_sampling`: the baseline.

:data:`STRATEGIES` names them for ``ActiveINASClassifier(query_strategy=...)``.

Writing a strategy: take the estimator with :func:`network_estimator` (it also unwraps modAL's
``ActiveLearner``), run the network over the pool with its public
:meth:`~skactive.ActiveINASClassifier.forward_batches`, draw randomness from
:func:`torch_generator`, pick with :func:`select_top` or a routine of your own, and return
:func:`pool_result`.
"""

from __future__ import annotations

import inspect

from ._badge import badge, gradient_embedding, kmeanspp_seeding, prediction_residual
from ._base import (
    check_n_instances,
    network_estimator,
    pool_result,
    random_sampling,
    select_top,
    torch_generator,
)
from ._coreset import coreset, kcenter_greedy
from ._mc_dropout import MC_DROPOUT_METHODS, bald, mc_dropout, mc_dropout_proba, mc_dropout_utility
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
    "coreset": coreset,
    "badge": badge,
}
"""Strategies accepted by name in ``ActiveINASClassifier(query_strategy=...)``."""


def resolve_strategy(strategy):
    """Return the strategy function for a name of :data:`STRATEGIES` or a callable.

    Parameters
    ----------
    strategy : str or callable
        A strategy name or a function with modAL's strategy signature.

    Returns
    -------
    callable
        The strategy function.

    Examples
    --------
    >>> from skactive.strategies import resolve_strategy
    >>> resolve_strategy("coreset").__name__
    'coreset'
    """
    if callable(strategy):
        return strategy
    try:
        return STRATEGIES[strategy]
    except KeyError:
        raise ValueError(
            f"Unknown query strategy {strategy!r}; use one of {sorted(STRATEGIES)} or a callable."
        ) from None


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
    >>> from skactive.strategies import accepts_random_state, badge, softmax_response
    >>> accepts_random_state(badge), accepts_random_state(softmax_response)
    (True, False)
    """
    try:
        return "random_state" in inspect.signature(strategy).parameters
    except (TypeError, ValueError):
        return False


__all__ = [
    "MC_DROPOUT_METHODS",
    "STRATEGIES",
    "accepts_random_state",
    "badge",
    "bald",
    "check_n_instances",
    "coreset",
    "entropy",
    "entropy_sampling",
    "gradient_embedding",
    "kcenter_greedy",
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
    "random_sampling",
    "resolve_strategy",
    "select_top",
    "softmax_response",
    "torch_generator",
    "uncertainty_query",
]
