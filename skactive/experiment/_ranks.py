"""Strategies ranked by normalised AUC within each domain and across domains, as CDALBench."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from scipy.stats import rankdata
from sklearn.utils._param_validation import Interval, validate_params

from ..strategies import ORACLE
from ._gains import ACTIVE_INAS
from ._statistics import t_interval

REFERENCE = "random"
"""The strategy a query strategy must beat."""


def _percentile_interval(draws: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(draws, [tail, 100 - tail])
    return float(low), float(high)


def _beats_random(result, method: str, confidence: float) -> dict[str, dict]:
    """Each strategy's paired gain over random, by strategy; empty without random."""
    if REFERENCE not in result.strategies or len(result.strategies) < 2:
        return {}
    table = result.strategy_gain_table(method, reference=REFERENCE, confidence=confidence)
    return {row["strategy"]: row for row in table}


@validate_params(
    {
        "results": [dict],
        "method": [str],
        "confidence": [Interval(Real, 0, 1, closed="neither")],
        "n_bootstrap": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def rank_table(
    results,
    *,
    method: str = ACTIVE_INAS,
    confidence: float = 0.95,
    n_bootstrap: int = 1000,
    random_state=0,
) -> dict:
    """Mean rank of every strategy in each domain and across domains, with intervals.

    The ranking is CDALBench's (Werner et al., "A Cross-Domain Benchmark for Active
    Learning", 2024; ``compute_ranks_over_trials`` in its ``core/evaluation.py``): within a
    domain, the strategies of each repetition are ranked by normalised AUC (rank 1 the
    highest, ties sharing the mean of their ranks), the ranks are averaged over the
    repetitions, and the domains' mean ranks are averaged over the domains, each domain
    counting once whatever its repetitions. The interval is a seeded percentile bootstrap of
    that computation: each draw resamples the repetitions of every domain with replacement
    (the strategies of a repetition stay together, as they started from the same labels),
    so it holds the variation over repetitions, not over a choice of domains.

    The ``"oracle"`` strategy, when present, is not ranked: its AUC is each domain's ceiling.
    A strategy beats random in a domain when the paired Student-t interval of its AUC gain
    over ``"random"`` (:meth:`ExperimentResult.strategy_gain_table`) lies above zero.

    Parameters
    ----------
    results : dict of str to ExperimentResult
        Each domain's experiment by domain name (:func:`run_benchmark`).
    method : str, default="active-inas"
        The method whose strategies are ranked.
    confidence : float, default=0.95
        Coverage of every interval.
    n_bootstrap : int, default=1000
        Bootstrap draws of the rank intervals.
    random_state : int, RandomState instance or None, default=0
        Seeds the bootstrap.

    Returns
    -------
    dict
        - ``overall``: one row per strategy, by mean rank: ``strategy``, ``mean_rank``,
          ``rank_ci_low``, ``rank_ci_high`` (NaN when a domain has one repetition),
          ``n_domains``, ``beats_random`` (domains where it does);
        - ``domains``: one row per domain and ranked strategy: ``domain``, ``strategy``,
          ``n_repeats``, ``mean_rank``, ``rank_ci_low``, ``rank_ci_high``, ``auc_mean``,
          ``auc_ci_low``, ``auc_ci_high`` (Student-t), ``gain_mean``, ``gain_ci_low``,
          ``gain_ci_high`` (over random; NaN without it) and ``beats_random``;
        - ``ceilings``: the oracle's ``auc_mean``, ``auc_ci_low``, ``auc_ci_high`` by domain;
        - ``confidence`` and ``n_bootstrap``.

    Examples
    --------
    >>> from skactive.experiment import ExperimentResult, rank_table
    >>> rows = [
    ...     dict(method="active-inas", strategy=s, repeat=r, round=0, n_labeled=10,
    ...          accuracy=acc, architecture="", fit_seconds=0.0, query_seconds=0.0)
    ...     for r in range(2) for s, acc in (("random", 0.5), ("margin", 0.6 + r / 10))
    ... ]
    >>> table = rank_table({"toy": ExperimentResult(rows)})
    >>> [(row["strategy"], row["mean_rank"]) for row in table["overall"]]
    [('margin', 1.0), ('random', 2.0)]
    """
    rng = np.random.default_rng(np.random.RandomState(random_state).randint(2**31))
    domain_rows, draws, ceilings = [], {}, {}
    for domain, result in results.items():
        strategies = [s for s in result.strategies if s != ORACLE]
        aucs = np.column_stack([result.aucs(method, s) for s in strategies])
        ranks = rankdata(-aucs, axis=1)  # rank 1: the highest AUC
        n_repeats = len(ranks)
        resampled = ranks[rng.integers(0, n_repeats, size=(n_bootstrap, n_repeats))].mean(1)
        gains = _beats_random(result, method, confidence)
        for k, strategy in enumerate(strategies):
            draws.setdefault(strategy, []).append(resampled[:, k] if n_repeats > 1 else None)
            low, high = _percentile_interval(resampled[:, k], confidence)
            auc = t_interval(aucs[:, k], confidence)
            gain = gains.get(strategy, {})
            domain_rows.append(
                {
                    "domain": domain,
                    "strategy": strategy,
                    "n_repeats": n_repeats,
                    "mean_rank": float(ranks[:, k].mean()),
                    "rank_ci_low": low if n_repeats > 1 else math.nan,
                    "rank_ci_high": high if n_repeats > 1 else math.nan,
                    "auc_mean": auc[0],
                    "auc_ci_low": auc[1],
                    "auc_ci_high": auc[2],
                    "gain_mean": gain.get("gain_mean", math.nan),
                    "gain_ci_low": gain.get("gain_ci_low", math.nan),
                    "gain_ci_high": gain.get("gain_ci_high", math.nan),
                    "beats_random": bool(gain.get("gain_ci_low", math.nan) > 0),
                }
            )
        if ORACLE in result.strategies:
            mean, low, high = t_interval(result.aucs(method, ORACLE), confidence)
            ceilings[domain] = {"auc_mean": mean, "auc_ci_low": low, "auc_ci_high": high}
    overall = []
    for strategy, per_domain in draws.items():
        rows = [row for row in domain_rows if row["strategy"] == strategy]
        low = high = math.nan
        if all(d is not None for d in per_domain):
            low, high = _percentile_interval(np.mean(per_domain, axis=0), confidence)
        overall.append(
            {
                "strategy": strategy,
                "mean_rank": float(np.mean([row["mean_rank"] for row in rows])),
                "rank_ci_low": low,
                "rank_ci_high": high,
                "n_domains": len(rows),
                "beats_random": [row["domain"] for row in rows if row["beats_random"]],
            }
        )
    overall.sort(key=lambda row: row["mean_rank"])
    return {
        "overall": overall,
        "domains": domain_rows,
        "ceilings": ceilings,
        "confidence": confidence,
        "n_bootstrap": n_bootstrap,
    }
