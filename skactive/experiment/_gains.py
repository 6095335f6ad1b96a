"""Paired AUC gains of an experiment's table: of a method over baselines, of a strategy over a
reference strategy, repetition by repetition."""

from __future__ import annotations

import numpy as np

from ._statistics import t_interval

ACTIVE_INAS = "active-inas"
"""Method name of Active-iNAS in the result table."""


def _paired_gain(ours: np.ndarray, theirs: np.ndarray, confidence: float, pair: str) -> dict:
    """Mean AUC difference of paired repetitions, its t-interval, relative size and wins;
    ``pair`` names the two series in the error when their repetitions do not pair up."""
    if len(ours) != len(theirs):
        raise ValueError(
            f"{pair} have different numbers of repetitions; gains are paired by repetition."
        )
    mean, low, high = t_interval(ours - theirs, confidence)
    return {
        "n_repeats": len(ours),
        "gain_mean": mean,
        "gain_ci_low": low,
        "gain_ci_high": high,
        "relative_gain": mean / float(theirs.mean()),
        "wins": int(np.sum(ours > theirs)),
    }


class GainsMixin:
    """The paired gain tables of :class:`~skactive.experiment.ExperimentResult`.

    A building block of the result class, which provides ``methods``, ``strategies``,
    ``methods_for`` and ``aucs``.
    """

    def gain_table(
        self, method: str = ACTIVE_INAS, baselines=None, confidence: float = 0.95
    ) -> list[dict]:
        """AUC gain of ``method`` over each baseline, per strategy, paired by repetition.

        Parameters
        ----------
        method : str, default="active-inas"
            The method whose gain is measured.
        baselines : list of str or None, default=None
            Methods to compare with; ``None`` means every other method of the table.
        confidence : float, default=0.95
            Coverage of the Student-t interval of the mean gain.

        Returns
        -------
        list of dict
            One dict per strategy and baseline run with it: ``strategy``, ``method``, ``baseline``,
            ``n_repeats``, ``gain_mean`` (mean over repetitions of AUC(method) - AUC(baseline),
            in accuracy points), ``gain_ci_low``, ``gain_ci_high`` (NaN for one repetition),
            ``relative_gain`` (``gain_mean`` over the baseline's mean AUC) and ``wins`` (the
            repetitions where the method's AUC is higher).
        """
        if baselines is None:
            baselines = [m for m in self.methods if m != method]
        table = []
        for strategy in self.strategies:
            run = self.methods_for(strategy)
            if method not in run:
                continue
            ours = self.aucs(method, strategy)
            for baseline in (b for b in baselines if b in run):
                theirs = self.aucs(baseline, strategy)
                pair = f"{method!r} and {baseline!r} with {strategy!r}"
                table.append(
                    {
                        "strategy": strategy,
                        "method": method,
                        "baseline": baseline,
                        **_paired_gain(ours, theirs, confidence, pair),
                    }
                )
        return table

    def strategy_gain_table(
        self, method: str = ACTIVE_INAS, reference: str = "random", confidence: float = 0.95
    ) -> list[dict]:
        """AUC gain of each strategy over a reference strategy, for one method, paired.

        The repetitions of every strategy start from the same labels (the seeds are shared),
        so repetition ``r`` of a strategy is paired with repetition ``r`` of the reference.

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
                    **_paired_gain(ours, theirs, confidence, pair),
                }
            )
        return table
