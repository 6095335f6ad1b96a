"""Paired AUC gains of an experiment's table: of a method over baselines, of a strategy over a
reference strategy, repetition by repetition."""

from __future__ import annotations

import numpy as np

from ._metrics import METRICS
from ._statistics import t_interval

ACTIVE_INAS = "active-inas"
"""Method name of Active-iNAS in the result table."""


def _paired_gain(
    ours: np.ndarray, theirs: np.ndarray, confidence: float, pair: str, metric: str = "accuracy"
) -> dict:
    """Mean AUC difference of paired repetitions, its t-interval, relative size and wins;
    ``pair`` names the two series in the error when their repetitions do not pair up. The
    difference is signed so that > 0 means ``ours`` is better: for a score where lower is
    better (RMSE), it is theirs minus ours."""
    if len(ours) != len(theirs):
        raise ValueError(
            f"{pair} have different numbers of repetitions; gains are paired by repetition."
        )
    better = ours - theirs if METRICS[metric].higher_is_better else theirs - ours
    mean, low, high = t_interval(better, confidence)
    return {
        "n_repeats": len(ours),
        "gain_mean": mean,
        "gain_ci_low": low,
        "gain_ci_high": high,
        "relative_gain": mean / float(theirs.mean()),
        "wins": int(np.sum(better > 0)),
    }


class GainsMixin:
    """The paired gain tables of :class:`~skactive.experiment.ExperimentResult`.

    A building block of the result class, which provides ``metric``, ``methods``,
    ``strategies``, ``methods_for`` and ``aucs``.
    """

    def gain_table(
        self,
        method: str = ACTIVE_INAS,
        baselines=None,
        confidence: float = 0.95,
        metric: str | None = None,
    ) -> list[dict]:
        """AUC gain of ``method`` over each baseline, per strategy, paired by repetition.

        A gain > 0 always means that ``method`` does better: for the test RMSE of a regression
        table it is the baseline's AUC minus the method's, the error the method saves.

        Parameters
        ----------
        method : str, default="active-inas"
            The method whose gain is measured.
        baselines : list of str or None, default=None
            Methods to compare with; ``None`` means every other method of the table.
        confidence : float, default=0.95
            Coverage of the Student-t interval of the mean gain.
        metric : str or None, default=None
            The score whose AUCs are compared (:data:`METRICS`, e.g. ``"top_recall"``); None
            is the table's :attr:`metric`.

        Returns
        -------
        list of dict
            One dict per strategy and baseline run with it: ``strategy``, ``method``, ``baseline``,
            ``n_repeats``, ``gain_mean`` (mean over repetitions of AUC(method) - AUC(baseline),
            in accuracy points; for RMSE, AUC(baseline) - AUC(method), in the targets' units),
            ``gain_ci_low``, ``gain_ci_high`` (NaN for one repetition), ``relative_gain``
            (``gain_mean`` over the baseline's mean AUC) and ``wins`` (the repetitions where
            the method's AUC is better).
        """
        metric = self.metric if metric is None else metric
        if baselines is None:
            baselines = [m for m in self.methods if m != method]
        table = []
        for strategy in self.strategies:
            run = self.methods_for(strategy)
            if method not in run:
                continue
            ours = self.aucs(method, strategy, metric)
            for baseline in (b for b in baselines if b in run):
                theirs = self.aucs(baseline, strategy, metric)
                pair = f"{method!r} and {baseline!r} with {strategy!r}"
                table.append(
                    {
                        "strategy": strategy,
                        "method": method,
                        "baseline": baseline,
                        **_paired_gain(ours, theirs, confidence, pair, metric),
                    }
                )
        return table

    def strategy_gain_table(
        self, method: str = ACTIVE_INAS, reference: str = "random", confidence: float = 0.95
    ) -> list[dict]:
        """AUC gain of each strategy over a reference strategy, for one method, paired.

        The repetitions of every strategy start from the same labels (the seeds are shared),
        so repetition ``r`` of a strategy is paired with repetition ``r`` of the reference. A
        gain > 0 means the strategy does better (for the test RMSE, a lower AUC).

        Parameters
        ----------
        method : str, default="active-inas"
            The method whose strategies are compared.
        reference : str, default="random"
            The strategy to compare with.
        confidence : float, default=0.95
            Coverage of the Student-t interval of the mean gain.

        Returns
        -------
        list of dict
            One dict per other strategy run with ``method``: ``strategy``, ``method``,
            ``reference``, then ``n_repeats``, ``gain_mean``, ``gain_ci_low``,
            ``gain_ci_high``, ``relative_gain`` and ``wins`` as in :meth:`gain_table`.
        """
        theirs = self.aucs(method, reference)
        table = []
        for strategy in self.strategies:
            if strategy == reference or method not in self.methods_for(strategy):
                continue
            ours = self.aucs(method, strategy)
            pair = f"{strategy!r} and {reference!r} with {method!r}"
            table.append(
                {
                    "strategy": strategy,
                    "method": method,
                    "reference": reference,
                    **_paired_gain(ours, theirs, confidence, pair, self.metric),
                }
            )
        return table
