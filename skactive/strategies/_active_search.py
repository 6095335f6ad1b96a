"""Active search: query where the best targets are likely to be, not where the model is unsure.

Bayesian optimisation over a finite pool with a network as the surrogate, as Zhu et al.
(2025) search pairs of gene knockdowns for the most synergistic, with an ensemble's
uncertainty, and count the top pairs found. Every score
comes from :func:`predictive_samples` (MC-dropout, a deep ensemble or the search's free
committee): the upper confidence bound ``mean + kappa * std`` (Srinivas et al., 2010), the
expected improvement over the best labeled target (Jones et al., 1998) and Thompson sampling
(Thompson, 1933), each for the largest target (``maximize=True``) or the smallest.

A batch must not spend its labels on one peak. Thompson sampling takes one posterior sample per
slot, which spreads the batch by itself (Kandasamy et al., 2018). The upper confidence bound and
the expected improvement are penalised locally (González et al., 2016; Alvi et al., 2019): see
:func:`local_penalization`, which works in the network's penultimate features where the
predicted mean's Lipschitz constant is known exactly.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..pool import map_pool
from ._acquisition import (
    expected_improvement_utility,
    local_penalization,
    predictive_mean_std,
    thompson_select,
    ucb_utility,
)
from ._base import check_n_instances, network_estimator, pool_result, select_top
from ._docs import fill_doc
from ._variance import PREDICTIVE_SOURCES, predictive_samples


def _output_column(estimator, output, strategy: str) -> int:
    n_outputs = int(np.prod(estimator.y_training_.shape[1:], dtype=int))
    if output is None:
        if n_outputs > 1:
            raise ValueError(
                f"{strategy} searches for the best value of one target, but the regressor "
                f"predicts {n_outputs} outputs; pass output=<index> to choose which."
            )
        return 0
    if output >= n_outputs:
        raise ValueError(
            f"output={output} is out of range: the regressor predicts {n_outputs} output(s)."
        )
    return int(output)


def _searched(regressor, X_pool, strategy, output, maximize, rng, **sampling) -> tuple:
    """The estimator, the samples of the searched output and its labeled targets, both signed
    so that larger is better, and the output's index."""
    estimator = network_estimator(regressor, strategy)
    column = _output_column(estimator, output, strategy)
    samples = predictive_samples(estimator, X_pool, random_state=rng, **sampling)
    sign = 1.0 if maximize else -1.0
    labeled = np.asarray(estimator.y_training_, dtype=np.float64)
    labeled = labeled.reshape(len(labeled), -1)[:, column]
    return estimator, sign * samples[:, :, column], sign * labeled, column


def _embed_chunk(chunk, start, estimator):
    return estimator.embed(chunk)


def _penalized_batch(estimator, X_pool, utility, samples, labeled, column, n_instances):
    """:func:`local_penalization` in the network's penultimate features, where the predicted
    mean is ``y_std * (w . h + b) + y_mean``: its Lipschitz constant is ``y_std * |w|``."""
    weights = estimator.net_.module_.head[1].weight.detach()[column].double().cpu().numpy()
    scale = float(np.reshape(estimator.y_std_, -1)[column])
    lipschitz = max(scale * float(np.linalg.norm(weights)), np.finfo(np.float64).tiny)
    mean, std = predictive_mean_std(samples)
    return local_penalization(
        utility,
        map_pool(_embed_chunk, X_pool, estimator),
        mean,
        std,
        n_instances,
        lipschitz=lipschitz,
        maximum=max(mean.max(), labeled.max()),
    )


def _batch_result(searched, X_pool, utility, penalized, n_instances, utilities):
    """The pool result of a batch from ``searched`` (what :func:`_searched` returns):
    penalised around each pick when ``penalized`` (the positive utility to penalise) is given
    and the batch has several samples, else the top ``utility``."""
    estimator, samples, labeled, column = searched
    if penalized is not None and n_instances > 1:
        indices = _penalized_batch(
            estimator, X_pool, penalized, samples, labeled, column, n_instances
        )
    else:
        indices = select_top(utility, n_instances)
    return pool_result(X_pool, indices, utility if utilities else None)


_SEARCH_PARAMETERS = {
    "regressor": "no_validation",
    "X_pool": "no_validation",
    "n_instances": "no_validation",
    "maximize": ["boolean"],
    "output": [Interval(Integral, 0, None, closed="left"), None],
    "source": [StrOptions(set(PREDICTIVE_SOURCES))],
    "n_members": [Interval(Integral, 2, None, closed="left")],
    "random_state": ["random_state"],
    "return_utilities": ["boolean"],
}
# UCB and EI also draw several predictive samples and may spread a batch by penalisation.
_BATCH_SEARCH_PARAMETERS = {
    **_SEARCH_PARAMETERS,
    "n_samples": [Interval(Integral, 2, None, closed="left")],
    "penalize": ["boolean"],
}


@validate_params(
    {**_BATCH_SEARCH_PARAMETERS, "kappa": [Interval(Real, 0, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
@fill_doc
def upper_confidence_bound(
    regressor,
    X_pool,
    n_instances: int = 1,
    *,
    kappa: float = 1.96,
    maximize: bool = True,
    output: int | None = None,
    source: str = "mc_dropout",
    n_samples: int = 20,
    n_members: int = 5,
    penalize: bool = True,
    random_state=None,
    return_utilities: bool = False,
):
    """Query the pool samples of highest upper confidence bound, for the best targets.

    GP-UCB (Srinivas et al., 2010) over the pool with the network's predictive samples:
    ``mean + kappa * std`` (:func:`ucb_utility`), or ``-mean + kappa * std`` when searching for
    the smallest target. A batch is penalised locally (:func:`local_penalization`) around
    each pick in the network's penultimate features, the bound standardised with ``y_mean_``
    and ``y_std_`` and made positive by a softplus, as González et al. (2016) do.

    Parameters
    ----------
    %(regressor_search)s
    %(X_pool_network)s
    %(n_instances)s
    kappa : float, default=1.96
        Weight of the standard deviation: 0 exploits the predicted mean alone.
    %(maximize)s
    %(output)s
    %(source_search)s
    %(n_samples_search)s
    %(n_members_search)s
    %(penalize)s
    %(random_state_search)s
    return_utilities : bool, default=False
        Also return every pool sample's bound, signed so that larger is better.

    Returns
    -------
    %(indices_picked)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skactive import ActiveINASRegressor
    >>> from skactive.strategies import upper_confidence_bound
    >>> X, y = make_friedman1(n_samples=100, random_state=0)
    >>> reg = ActiveINASRegressor(base_width=4, max_epochs=2, inas_iterations=0,
    ...                           random_state=0).fit(X[:50], y[:50])
    >>> indices, samples = upper_confidence_bound(reg, X[50:], n_instances=3, random_state=0)
    >>> samples.shape
    (3, 10)
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    searched = _searched(
        regressor,
        X_pool,
        "upper_confidence_bound",
        output,
        maximize,
        check_random_state(random_state),
        n_samples=n_samples,
        source=source,
        n_members=n_members,
    )
    estimator, samples, _, column = searched
    utility = ucb_utility(samples, kappa)
    positive = None
    if penalize and n_instances > 1:
        # Local penalisation multiplies a utility, so it needs one that is positive: the
        # bound is shifted to the targets' mean and softly clipped at zero.
        centre = float(np.reshape(estimator.y_mean_, -1)[column]) * (1.0 if maximize else -1.0)
        scale = float(np.reshape(estimator.y_std_, -1)[column])
        positive = np.logaddexp(0.0, (utility - centre) / scale)
    return _batch_result(searched, X_pool, utility, positive, n_instances, return_utilities)


@validate_params(
    {**_BATCH_SEARCH_PARAMETERS, "xi": [Interval(Real, 0, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
@fill_doc
def expected_improvement(
    regressor,
    X_pool,
    n_instances: int = 1,
    *,
    xi: float = 0.0,
    maximize: bool = True,
    output: int | None = None,
    source: str = "mc_dropout",
    n_samples: int = 20,
    n_members: int = 5,
    penalize: bool = True,
    random_state=None,
    return_utilities: bool = False,
):
    """Query the pool samples of highest expected improvement over the best labeled target.

    The improvement is over the largest target labeled so far (the smallest with
    ``maximize=False``), its expectation under a normal prediction with the mean and standard
    deviation of the network's predictive samples (:func:`expected_improvement_utility`).
    A batch is penalised locally (:func:`local_penalization`) around each pick in the
    network's penultimate features. The penalty lowers a utility but cannot raise a zero one:
    where the improvement is zero for every pool sample outside one peak's neighbourhood (a
    confident model, far below the best label elsewhere), the batch stays in that
    neighbourhood, near-duplicates of the peak included. In an active search that is often
    right, as a peak's neighbours are the likeliest next finds;
    :func:`upper_confidence_bound`, positive everywhere, spreads a batch further.

    Parameters
    ----------
    %(regressor_search)s
    %(X_pool_network)s
    %(n_instances)s
    xi : float, default=0.0
        Improvement required beyond the best labeled target, in the targets' units; larger
        values explore more.
    %(maximize)s
    %(output)s
    %(source_search)s
    %(n_samples_search)s
    %(n_members_search)s
    %(penalize)s
    %(random_state_search)s
    return_utilities : bool, default=False
        Also return every pool sample's expected improvement.

    Returns
    -------
    %(indices_picked)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skactive import ActiveINASRegressor
    >>> from skactive.strategies import expected_improvement
    >>> X, y = make_friedman1(n_samples=100, random_state=0)
    >>> reg = ActiveINASRegressor(base_width=4, max_epochs=2, inas_iterations=0,
    ...                           random_state=0).fit(X[:50], y[:50])
    >>> indices, samples = expected_improvement(reg, X[50:], n_instances=3, random_state=0)
    >>> samples.shape
    (3, 10)
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    searched = _searched(
        regressor,
        X_pool,
        "expected_improvement",
        output,
        maximize,
        check_random_state(random_state),
        n_samples=n_samples,
        source=source,
        n_members=n_members,
    )
    _, samples, labeled, _ = searched
    utility = expected_improvement_utility(samples, labeled.max(), xi)
    penalized = utility if penalize else None
    return _batch_result(searched, X_pool, utility, penalized, n_instances, return_utilities)


@validate_params(_SEARCH_PARAMETERS, prefer_skip_nested_validation=True)
@fill_doc
def thompson_sampling(
    regressor,
    X_pool,
    n_instances: int = 1,
    *,
    maximize: bool = True,
    output: int | None = None,
    source: str = "mc_dropout",
    n_members: int = 5,
    random_state=None,
    return_utilities: bool = False,
):
    """Query by Thompson sampling: each slot of the batch, the best pool sample of one draw.

    Thompson (1933); in batches, Kandasamy et al. (2018): one posterior sample per slot,
    a whole function (:func:`predictive_samples`: one thinned network, or one network of a
    committee), and the slot takes its best pool sample not picked yet
    (:func:`thompson_select`). The draws' own disagreement spreads the batch: where the
    model is sure of a peak, every draw finds it there, and near-duplicates of that peak in
    the pool may take several slots (:func:`upper_confidence_bound` and
    :func:`expected_improvement` penalise them). MC-dropout draws ``n_instances`` thinned
    networks; a committee's networks are taken in a random order, in turn again when the
    batch is larger than the committee.

    Parameters
    ----------
    %(regressor_search)s
    %(X_pool_network)s
    %(n_instances)s
    %(maximize)s
    %(output)s
    %(source_search)s
    %(n_members_search)s
    %(random_state_search)s
    return_utilities : bool, default=False
        Also return every pool sample's value in the first slot's draw, signed so that
        larger is better: the first pick is its argmax.

    Returns
    -------
    %(indices_picked)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skactive import ActiveINASRegressor
    >>> from skactive.strategies import thompson_sampling
    >>> X, y = make_friedman1(n_samples=100, random_state=0)
    >>> reg = ActiveINASRegressor(base_width=4, max_epochs=2, inas_iterations=0,
    ...                           random_state=0).fit(X[:50], y[:50])
    >>> indices, samples = thompson_sampling(reg, X[50:], n_instances=3, random_state=0)
    >>> len(set(indices.tolist()))
    3
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    rng = check_random_state(random_state)
    _, samples, _, _ = _searched(
        regressor,
        X_pool,
        "thompson_sampling",
        output,
        maximize,
        rng,
        n_samples=n_instances,
        source=source,
        n_members=n_members,
    )
    samples = samples[rng.permutation(len(samples))]
    indices = thompson_select(samples, n_instances)
    return pool_result(X_pool, indices, samples[0] if return_utilities else None)
