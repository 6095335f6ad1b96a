"""How a strategy that chooses among candidates compares with choosing one of them."""

from __future__ import annotations

import numpy as np

from ..strategies import DEFAULT_CANDIDATES
from ._statistics import t_interval


def candidate_gain_table(
    result, method: str = "active-inas", candidates=DEFAULT_CANDIDATES, confidence=0.95
) -> list[dict]:
    """AUC gain of every ``"auto"`` strategy over the best of its candidates and their mean.

    A strategy that chooses while learning should come near the candidate that turned out
    best, which no one knew in advance, and above a candidate picked at random, whose
    expected AUC is the candidates' mean. Both are paired by repetition: every strategy of a
    repetition starts from the same labels. The best candidate is the one of highest mean
    AUC, so the gap to it is biased against the chooser: with few repetitions the best mean is
    partly the luckiest.

    Parameters
    ----------
    result : ExperimentResult
        A table holding the ``"auto"`` strategies (``"auto"``, ``"auto:<method>"``) and every
        candidate, all run with ``method``.
    method : str, default="active-inas"
        The method whose strategies are compared.
    candidates : sequence of str, default=DEFAULT_CANDIDATES
        The strategies the ``"auto"`` ones chose among.
    confidence : float, default=0.95
        Coverage of the Student-t interval of the mean gain.

    Returns
    -------
    list of dict
        Two per ``"auto"`` strategy, none when a candidate is missing: ``strategy``,
        ``reference`` (``"best"`` or ``"mean"``), ``best`` (the best candidate's name),
        ``n_repeats``, ``gain_mean``, ``gain_ci_low``, ``gain_ci_high`` and ``wins``.

    Examples
    --------
    >>> from skactive.experiment import ExperimentResult, candidate_gain_table
    >>> rows = [dict(method="active-inas", strategy=s, repeat=r, round=k, n_labeled=10 * (k + 1),
    ...              accuracy=a + 0.1 * k, architecture="A(resnet, 1, 1)", fit_seconds=0.0,
    ...              query_seconds=0.0)
    ...         for s, a in (("auto", 0.7), ("random", 0.6), ("margin", 0.8))
    ...         for r in range(2) for k in range(2)]
    >>> table = candidate_gain_table(ExperimentResult(rows), candidates=("random", "margin"))
    >>> [(row["reference"], row["best"], round(row["gain_mean"], 2)) for row in table]
    [('best', 'margin', -0.1), ('mean', 'margin', 0.0)]
    """
    strategies = result.strategies
    choosers = [s for s in strategies if s.partition(":")[0] == "auto"]
    if not choosers or not set(candidates) <= set(strategies):
        return []
    runs = {s: result.aucs(method, s) for s in [*candidates, *choosers]}
    if len({len(aucs) for aucs in runs.values()}) > 1:
        raise ValueError(
            f"{choosers} and their candidates {list(candidates)} have different numbers of "
            "repetitions; gains are paired by repetition."
        )
    aucs = np.array([runs[candidate] for candidate in candidates])
    best = int(aucs.mean(axis=1).argmax())
    table = []
    for strategy in choosers:
        ours = runs[strategy]
        for reference, theirs in (("best", aucs[best]), ("mean", aucs.mean(axis=0))):
            mean, low, high = t_interval(ours - theirs, confidence)
            table.append(
                {
                    "strategy": strategy,
                    "reference": reference,
                    "best": candidates[best],
                    "n_repeats": len(ours),
                    "gain_mean": mean,
                    "gain_ci_low": low,
                    "gain_ci_high": high,
                    # A mean of AUCs can tie with one up to rounding: not a win.
                    "wins": int(np.sum(ours - theirs > 1e-12)),
                }
            )
    return table
