"""The methods and strategies an experiment compares, checked against its task before any
training: Active-iNAS, fixed-architecture baselines, the Gaussian-process baseline."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone, is_regressor
from sklearn.utils.multiclass import type_of_target

from ..search_space import Architecture, parse_layout
from ..strategies import ORACLE, REGRESSION_STRATEGIES, STRATEGY_NAMES, resolve_strategy
from ._gains import ACTIVE_INAS
from ._gp_baseline import GP_BO, GPBaseline, modal_optimizer


def parse_baseline(baseline) -> tuple[str, dict]:
    """Turn a fixed-architecture baseline into its method name and estimator parameters.

    Parameters
    ----------
    baseline : str, tuple of (int, int) or Architecture
        ``"2x4"``, ``(2, 4)`` or ``Architecture("resnet", 2, 4)`` (see
        :func:`skactive.search_space.parse_layout`): the network A(B, 2, 4) (ResNet-18 for
        the resnet block), trained from scratch every round, never searched.

    Returns
    -------
    name : str
        ``"fixed-<i>x<j>"``.
    params : dict
        ``initial_architecture`` and ``inas_iterations=0``, to set on the estimator.

    Examples
    --------
    >>> from skactive.experiment import parse_baseline
    >>> parse_baseline("2x4")
    ('fixed-2x4', {'initial_architecture': (2, 4), 'inas_iterations': 0})
    """
    i, j = parse_layout(baseline)
    architecture = baseline if isinstance(baseline, Architecture) else (i, j)
    return f"fixed-{i}x{j}", {"initial_architecture": architecture, "inas_iterations": 0}


def strategy_name(strategy) -> str:
    """The name of a strategy in the result table: itself for a name, ``__name__`` otherwise.

    Parameters
    ----------
    strategy : str or callable
        A name of :data:`skactive.strategies.STRATEGIES` or a strategy function.

    Returns
    -------
    str
        The label used in the ``strategy`` column.
    """
    if isinstance(strategy, str):
        return strategy
    return getattr(strategy, "__name__", repr(strategy))


def experiment_methods(estimator, baselines) -> dict:
    """Active-iNAS and a template per baseline, by method name.

    A fixed baseline is a frozen copy of the estimator; :data:`GP_BO` is a
    :class:`GPBaseline`, for regression only.
    """
    methods = {ACTIVE_INAS: clone(estimator)}
    params = estimator.get_params()
    for baseline in baselines:
        if isinstance(baseline, str) and baseline == GP_BO:
            if not is_regressor(estimator):
                raise ValueError(
                    f"{GP_BO!r} is a baseline of regression tasks, but the estimator "
                    f"{type(estimator).__name__} is a classifier."
                )
            modal_optimizer()  # a missing modAL fails now, not after hours of training
            name, template = GP_BO, GPBaseline()
        else:
            name, frozen = parse_baseline(baseline)
            i, j = parse_layout(frozen["initial_architecture"])
            # A frozen network never searches, so the search-space bounds must only admit it.
            bounds = {
                "max_blocks": max(params["max_blocks"], i),
                "max_stacks": max(params["max_stacks"], j),
            }
            template = clone(estimator).set_params(**frozen, **bounds)
        if name in methods:
            raise ValueError(f"Baseline {name!r} is given twice.")
        methods[name] = template
    return methods


def check_strategies(strategies, regression: bool) -> None:
    """Refuse unknown strategies, and named strategies of the other task, naming both.

    Parameters
    ----------
    strategies : list of str or callable
        The experiment's strategies; a callable is the caller's to vouch for.
    regression : bool
        Whether the estimator is a regressor.

    Raises
    ------
    ValueError
        If a name is no strategy, or a strategy of classification in a regression task (it
        needs class probabilities) or the reverse.
    """
    if not strategies:
        raise ValueError("It must name at least one query strategy.")
    for strategy in strategies:
        if callable(strategy):
            continue
        if strategy != ORACLE:
            resolve_strategy(strategy)  # an unknown name raises here
        if regression and strategy not in REGRESSION_STRATEGIES:
            raise ValueError(
                f"The strategy {strategy!r} is a classification strategy, but the estimator "
                f"is a regressor (a regression task); use one of {list(REGRESSION_STRATEGIES)}."
            )
        if not regression and strategy != ORACLE and strategy not in STRATEGY_NAMES:
            raise ValueError(
                f"The strategy {strategy!r} is a regression strategy, but the estimator is a "
                "classifier (a classification task); use one of the classification "
                "strategies of skactive.strategies.STRATEGY_NAMES."
            )


def check_targets(y_train, estimator, top_fraction) -> None:
    """Refuse targets of the other task and an active-search goal for a classifier.

    Raises
    ------
    ValueError
        If a classifier is given continuous targets, a regressor class labels, or a
        classifier a ``top_fraction``.
    """
    name = type(estimator).__name__
    if not is_regressor(estimator):
        if type_of_target(y_train) in ("continuous", "continuous-multioutput"):
            raise ValueError(
                f"y_train holds continuous targets, but the estimator {name} is a "
                "classifier; pass estimator=ActiveINASRegressor(...) for a regression task."
            )
        if top_fraction is not None:
            raise ValueError(
                f"top_fraction is the goal of an active search, a regression task, but the "
                f"estimator {name} is a classifier."
            )
    elif not np.issubdtype(np.asarray(y_train).dtype, np.number):
        raise ValueError(
            f"y_train holds class labels (dtype {np.asarray(y_train).dtype}), but the "
            f"estimator {name} is a regressor; use ActiveINASClassifier for classes."
        )


def check_frozen_search(methods: dict, strategies) -> None:
    """Refuse strategies that query the last search step's networks beside frozen networks.

    The search's free committee needs a search: say so before any training, not at the first
    query of a frozen network hours later.
    """
    frozen = [
        name for name, method in methods.items() if getattr(method, "inas_iterations", None) == 0
    ]
    needs_search = [
        s for s in map(strategy_name, strategies) if s.startswith("ensemble_candidates")
    ]
    if frozen and needs_search:
        raise ValueError(
            f"The strategies {needs_search} query the networks of the last search step, but "
            f"{frozen} never search (inas_iterations=0); run them without fixed baselines "
            "(baselines=[]) and with inas_iterations >= 1."
        )
