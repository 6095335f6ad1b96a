"""The strategies known by name, and how a name becomes a strategy function.

The registry behind ``ActiveINASClassifier(query_strategy=...)``, the command line's
``--strategy`` and :class:`~skactive.strategies.AutoStrategy`'s candidates. It knows every
strategy but ``"auto"``: the bandit is itself resolved by
:func:`skactive.strategies.resolve_strategy`, and resolves its candidates here.
"""

from __future__ import annotations

import inspect
from functools import partial

from ._active_search import expected_improvement, thompson_sampling, upper_confidence_bound
from ._badge import badge
from ._base import random_sampling
from ._batch import BATCH_MODES, stochastic_batch
from ._batch_bald import batch_bald
from ._cold_start import kmeans_sampling
from ._coreset import coreset
from ._dynamic_al import dynamic_al
from ._ensemble import ensemble
from ._greedy_sampling import greedy_sampling_x, greedy_sampling_y, improved_greedy_sampling
from ._lada import lada
from ._loss_prediction import loss_prediction
from ._mc_dropout import mc_dropout
from ._oracle import ORACLE, SIMULATION_ONLY
from ._probcover import probcover_sampling
from ._typiclust import typiclust_sampling
from ._uncertainty import entropy_sampling, margin_sampling, softmax_response
from ._variance import variance_sampling

# The free committee of ensemble queries, named like the others for AutoStrategy and reports.
_ensemble_candidates = partial(ensemble, committee="candidates")
_ensemble_candidates.__name__ = "ensemble_candidates"

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
    "dynamic_al": dynamic_al,
    "lada": lada,
    "loss_prediction": loss_prediction,
    "ensemble": ensemble,
    "ensemble_candidates": _ensemble_candidates,
}
"""Strategies accepted by name in ``ActiveINASClassifier(query_strategy=...)``."""


def _stochastic(strategy, mode: str):
    """``strategy`` whose batch is drawn with ``mode`` (:func:`stochastic_batch`)."""
    function = partial(stochastic_batch, strategy=strategy, batch_mode=mode)
    function.__name__ = f"{strategy.__name__.removesuffix('_sampling')}:{mode}"
    return function


REGRESSION_STRATEGIES = {
    "random": random_sampling,
    "variance": variance_sampling,
    "gsx": greedy_sampling_x,
    "gsy": greedy_sampling_y,
    "igs": improved_greedy_sampling,
    "ucb": upper_confidence_bound,
    "ei": expected_improvement,
    "thompson": thompson_sampling,
    **{f"variance:{mode}": _stochastic(variance_sampling, mode) for mode in BATCH_MODES[1:]},
}
"""Strategies accepted by name in ``ActiveINASRegressor(query_strategy=...)``: they need no
class probabilities. ``"variance:<mode>"`` draws the variance query's batch with a stochastic
mode (``"power"``, ``"softmax"``, ``"softrank"``; :func:`stochastic_batch`); the greedy
``"gsx"``, ``"gsy"`` and ``"igs"`` build their batch pick by pick and take no mode;
``"ucb"``, ``"ei"`` and ``"thompson"`` search for the largest target."""

COLD_START_STRATEGIES = ("random", "typiclust", "probcover", "kmeans")
"""Names of :data:`STRATEGIES` that need no trained model, so can choose the first labels
(``run_experiment(initial_strategy=...)``): they call ``strategy(None, X_pool, n_instances)``."""


_STOCHASTIC = {
    "softmax_response": BATCH_MODES[1:],
    "margin": ("softmax", "softrank"),  # margins are <= 0: no power weights
    "entropy": BATCH_MODES[1:],
    "mc_dropout": BATCH_MODES[1:],
    "dynamic_al": ("softrank",),  # gains can be < 0 and have no fixed scale
    "loss_prediction": ("softrank",),  # predicted losses: no fixed scale or sign
    "ensemble": BATCH_MODES[1:],
    "ensemble_candidates": BATCH_MODES[1:],
}

STRATEGY_NAMES = (
    *STRATEGIES,
    "auto",
    "auto:mix",
    "auto:albl",
    "auto:autoal",
    *(f"{name}:{mode}" for name, modes in _STOCHASTIC.items() for mode in modes),
)
"""Every name :func:`resolve_strategy` takes: those of :data:`STRATEGIES`, and
``"<name>:<mode>"`` for a score-based strategy with a stochastic batch mode (``"power"``,
``"softmax"``, ``"softrank"``; see :func:`select_batch`), e.g. ``"mc_dropout:power"``, and
``"auto"``, an :class:`AutoStrategy` over :data:`DEFAULT_CANDIDATES` (``"auto:<method>"``
with that ``method``; ``"auto:autoal"`` hands the queries to :class:`AutoAL`)."""


def named_strategy(name: str):
    """Return the strategy function for a name of :data:`STRATEGY_NAMES` but the ``"auto"`` ones.

    Parameters
    ----------
    name : str
        A strategy name, e.g. ``"coreset"`` or ``"mc_dropout:power"`` (MC-dropout whose batch
        is sampled with power weights), or one of :data:`REGRESSION_STRATEGIES`.

    Returns
    -------
    callable
        The strategy function; for ``"<name>:<mode>"``, the strategy with ``batch_mode`` set,
        named after the whole string.

    Raises
    ------
    ValueError
        If ``name`` is in neither :data:`STRATEGY_NAMES` nor :data:`REGRESSION_STRATEGIES`
        (``"gsx:power"``: a greedy strategy takes no batch mode); for ``"oracle"``, that the
        greedy oracle is only available in simulated experiments.
    """
    if name.partition(":")[0] == ORACLE:
        raise ValueError(SIMULATION_ONLY)
    if name in REGRESSION_STRATEGIES:
        return REGRESSION_STRATEGIES[name]
    base, _, mode = name.partition(":")
    if mode and base in REGRESSION_STRATEGIES and name not in STRATEGY_NAMES:
        sampled = [key for key in REGRESSION_STRATEGIES if ":" in key]
        raise ValueError(
            f"Query strategy {base!r} takes no batch mode, so {name!r} is unknown: a "
            "stochastic mode draws the batch from per-sample scores, and this strategy "
            f"chooses its batch otherwise (greedily, or at random). Modes for a regressor: "
            f"{sampled}."
        )
    if name not in STRATEGY_NAMES:
        raise ValueError(
            f"Unknown query strategy {name!r}; use one of {list(STRATEGY_NAMES)} or a callable."
        )
    if not mode:
        return STRATEGIES[base]
    function = partial(STRATEGIES[base], batch_mode=mode)
    function.__name__ = name
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
