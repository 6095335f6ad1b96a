"""The tidy table of an experiment and its summaries: normalised AUC, paired gains."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ._choice import candidate_gain_table
from ._gains import ACTIVE_INAS, GainsMixin
from ._metrics import REGRESSION_COLUMNS, main_metric
from ._plot import plot_learning_curves
from ._statistics import class_share_range, normalized_auc
from ._table_files import TableFilesMixin

COLUMNS = (
    "method",
    "strategy",
    "repeat",
    "round",
    "n_labeled",
    "accuracy",
    "architecture",
    "fit_seconds",
    "query_seconds",
    "cpu_seconds",
    "queried_by",
    "query_shares",
    "labels_per_class",
)
"""Columns of the result table. ``fit_seconds`` covers the search and training of the round
(``fit`` or ``teach``); ``query_seconds`` the query that brought the labels to ``n_labeled``
(0 in round 0), both wall-clock; ``cpu_seconds`` the CPU time of both, over all the
process's threads: what the round costs in compute, however busy the machine is (absent
from tables written before it existed). ``queried_by`` names the strategy
that chose the round's new labels: the strategy itself, or for ``"auto"`` the candidate its
bandit drew (with a mixed batch, the candidate of the most labels; empty in round 0; absent
from older tables). ``query_shares`` maps every candidate of a mixed ``"auto"`` batch to the
labels it chose (None otherwise). ``labels_per_class`` counts the
labeled set's samples of each class, in the sorted order of the training labels' classes (a
list; absent from older tables). A regression table has :data:`REGRESSION_COLUMNS` instead."""


def _std(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


def _unique(values) -> list:
    return list(dict.fromkeys(values))


@dataclass
class ExperimentResult(GainsMixin, TableFilesMixin):
    """The tidy table of an active-learning experiment, with its summaries.

    Parameters
    ----------
    rows : list of dict
        One dict per method, strategy, repetition and round, with the keys of
        :data:`COLUMNS`, or of :data:`REGRESSION_COLUMNS` for a regression experiment: then
        the learning curves, AUCs and gains are of the test RMSE (:attr:`metric`), where lower
        is better, and a gain is still > 0 when the method is better.
    settings : dict, default={}
        How the experiment was run (sizes, seeds, estimator), JSON-serialisable.

    Examples
    --------
    >>> from skactive.experiment import ExperimentResult
    >>> rows = [
    ...     dict(method=m, strategy="random", repeat=r, round=k, n_labeled=n,
    ...          accuracy=acc + (0.1 * k if m == "active-inas" else 0.0),
    ...          architecture="", fit_seconds=0.0, query_seconds=0.0)
    ...     for m in ("active-inas", "fixed-1x2") for r, acc in ((0, 0.5), (1, 0.6))
    ...     for k, n in enumerate((100, 200))
    ... ]
    >>> result = ExperimentResult(rows)
    >>> [round(row["auc_mean"], 3) for row in result.auc_table()]
    [0.6, 0.55]
    >>> round(result.gain_table()[0]["gain_mean"], 3)
    0.05
    """

    rows: list[dict]
    settings: dict = field(default_factory=dict)

    @property
    def metric(self) -> str:
        """The score of the learning curves and AUCs: ``"accuracy"``, or ``"rmse"`` for a
        regression table (see :data:`METRICS`)."""
        return main_metric(self.rows, self.settings)

    @property
    def columns(self) -> tuple[str, ...]:
        """The table's columns: :data:`COLUMNS`, or :data:`REGRESSION_COLUMNS`."""
        return REGRESSION_COLUMNS if self.metric == "rmse" else COLUMNS

    @property
    def methods(self) -> list[str]:
        """Methods in order of first appearance."""
        return _unique(row["method"] for row in self.rows)

    @property
    def strategies(self) -> list[str]:
        """Strategies in order of first appearance."""
        return _unique(row["strategy"] for row in self.rows)

    def methods_for(self, strategy: str) -> list[str]:
        """Methods run with ``strategy``, in order of first appearance.

        A table put together from several runs (:func:`combine_results`) may hold fixed
        baselines for some strategies only.
        """
        return _unique(row["method"] for row in self.rows if row["strategy"] == strategy)

    def learning_curve(
        self, method: str, strategy: str, metric: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """A score against number of labels for every repetition of one method and strategy.

        Parameters
        ----------
        method : str
            A method of the table, e.g. ``"active-inas"`` or ``"fixed-2x4"``.
        strategy : str
            A strategy of the table.
        metric : str or None, default=None
            A score column of the table (:data:`METRICS`); None is :attr:`metric`, the test
            accuracy or, for regression, the test RMSE.

        Returns
        -------
        n_labeled : ndarray of shape (n_rounds,)
            Numbers of labels, shared by all repetitions.
        scores : ndarray of shape (n_repeats, n_rounds)
            The score of each repetition at each of them.
        """
        metric = self.metric if metric is None else metric
        n_labeled, curves = self._runs(method, strategy)
        if any(row.get(metric) is None for curve in curves for row in curve):
            raise ValueError(f"The rows of {method!r} with {strategy!r} have no {metric!r}.")
        scores = np.array([[float(row[metric]) for row in curve] for curve in curves])
        return n_labeled, scores

    def labels_per_class(self, method: str, strategy: str) -> tuple[np.ndarray, np.ndarray]:
        """The labeled set's count of each class, every round of every repetition.

        Parameters
        ----------
        method : str
            A method of the table.
        strategy : str
            A strategy of the table.

        Returns
        -------
        n_labeled : ndarray of shape (n_rounds,)
            Numbers of labels, shared by all repetitions.
        counts : ndarray of shape (n_repeats, n_rounds, n_classes)
            Labels of each class, in the sorted order of the classes. Divided by
            ``n_labeled / n_classes`` it is each class's multiple of an equal share.

        Raises
        ------
        ValueError
            If the table predates the ``labels_per_class`` column.
        """
        n_labeled, curves = self._runs(method, strategy)
        if any(row.get("labels_per_class") is None for curve in curves for row in curve):
            raise ValueError("The table has no labels_per_class column (written before it).")
        return n_labeled, np.array([[row["labels_per_class"] for row in c] for c in curves])

    def _runs(self, method: str, strategy: str) -> tuple[np.ndarray, list[list[dict]]]:
        """The shared numbers of labels, and the rows of each repetition in round order."""
        runs: dict[int, list[dict]] = {}
        for row in self.rows:
            if row["method"] == method and row["strategy"] == strategy:
                runs.setdefault(int(row["repeat"]), []).append(row)
        if not runs:
            raise ValueError(f"No rows for method {method!r} and strategy {strategy!r}.")
        curves = [sorted(runs[r], key=lambda row: int(row["round"])) for r in sorted(runs)]
        n_labeled = np.array([int(row["n_labeled"]) for row in curves[0]])
        for curve in curves[1:]:
            if not np.array_equal([int(row["n_labeled"]) for row in curve], n_labeled):
                raise ValueError(
                    f"The repetitions of {method!r} with {strategy!r} label different numbers "
                    "of samples per round; their curves cannot be averaged."
                )
        return n_labeled, curves

    def aucs(self, method: str, strategy: str, metric: str | None = None) -> np.ndarray:
        """Normalised AUC of each repetition of one method and strategy.

        Parameters
        ----------
        method : str
            A method of the table.
        strategy : str
            A strategy of the table.
        metric : str or None, default=None
            The score whose curve it is; None is :attr:`metric` (for regression the mean
            test RMSE over the budget, lower being better).

        Returns
        -------
        ndarray of shape (n_repeats,)
            :func:`normalized_auc` of each repetition, in repetition order.
        """
        n_labeled, scores = self.learning_curve(method, strategy, metric)
        return np.array([normalized_auc(n_labeled, curve) for curve in scores])

    def auc_table(self) -> list[dict]:
        """Normalised AUC, final score and cost of every method and strategy.

        Returns
        -------
        list of dict
            One dict per strategy and method: ``strategy``, ``method``, ``n_repeats``,
            ``auc_mean``, ``auc_std``, ``final_accuracy_mean``, ``final_accuracy_std`` (standard
            deviations over repetitions with ddof=1, NaN for one repetition), ``seconds_mean``
            (fit and query seconds of a whole run, averaged over repetitions), ``cpu_seconds_mean``
            (its CPU time) and ``class_share`` (:func:`class_share_range` over the queried
            rounds); the last two None where the table lacks their columns. For regression
            the AUC is of the test RMSE (its mean over the budget, lower is better),
            ``final_rmse_mean``, ``final_rmse_std``, ``final_r2_mean`` and ``final_r2_std``
            replace the final accuracy, and an active search adds ``recall_auc_mean``,
            ``recall_auc_std`` (the AUC of ``top_recall``), ``final_top_recall_mean`` and
            ``final_top_recall_std``.
        """
        main = self.metric
        table = []
        for strategy in self.strategies:
            for method in self.methods_for(strategy):
                _, scores = self.learning_curve(method, strategy)
                aucs = self.aucs(method, strategy)
                rows = [
                    r for r in self.rows if r["method"] == method and r["strategy"] == strategy
                ]
                seconds = sum(float(r["fit_seconds"]) + float(r["query_seconds"]) for r in rows)
                table.append(
                    {
                        "strategy": strategy,
                        "method": method,
                        "n_repeats": len(aucs),
                        "auc_mean": float(aucs.mean()),
                        "auc_std": _std(aucs),
                        f"final_{main}_mean": float(scores[:, -1].mean()),
                        f"final_{main}_std": _std(scores[:, -1]),
                        **self._regression_scores(method, strategy),
                        "seconds_mean": seconds / len(aucs),
                        **self._cost_and_balance(method, strategy, rows, len(aucs)),
                    }
                )
        return table

    @property
    def searched(self) -> bool:
        """Whether the table records the recall of the top targets (an active search)."""
        return any(row.get("top_recall") is not None for row in self.rows)

    def _regression_scores(self, method: str, strategy: str) -> dict:
        """The final R² and, for an active search, the AUC and final value of the recall;
        nothing for classification."""
        if self.metric != "rmse":
            return {}
        scores = {}
        for metric in ("r2", "top_recall") if self.searched else ("r2",):
            _, values = self.learning_curve(method, strategy, metric)
            if metric == "top_recall":
                aucs = self.aucs(method, strategy, metric)
                scores.update(recall_auc_mean=float(aucs.mean()), recall_auc_std=_std(aucs))
            scores[f"final_{metric}_mean"] = float(values[:, -1].mean())
            scores[f"final_{metric}_std"] = _std(values[:, -1])
        return scores

    def _cost_and_balance(self, method: str, strategy: str, rows, n_repeats: int) -> dict:
        """CPU seconds of a run and the class-share range of the queried rounds, or None;
        ``rows`` are the method's and strategy's rows, over ``n_repeats`` repetitions."""
        cpu = [r.get("cpu_seconds") for r in rows]
        share = None
        if all(r.get("labels_per_class") is not None for r in rows):
            n_labeled, counts = self.labels_per_class(method, strategy)
            if len(n_labeled) > 1:  # round 0's labels were not queried
                share = list(class_share_range(n_labeled[1:], counts[:, 1:]))
        return {
            "cpu_seconds_mean": None if None in cpu else sum(cpu) / n_repeats,
            "class_share": share,
        }

    def summary(self, confidence: float = 0.95) -> dict:
        """Settings, AUC table and the gains of Active-iNAS (when present), as one dict.

        Parameters
        ----------
        confidence : float, default=0.95
            Coverage of the gains' intervals.

        Returns
        -------
        dict
            ``settings``, ``metric`` (:attr:`metric`), ``confidence``, ``auc``
            (:meth:`auc_table`), ``gains`` (:meth:`gain_table` of ``"active-inas"``, empty
            without it or without baselines), ``gains_over_random``
            (:meth:`strategy_gain_table` of ``"active-inas"``, empty without it or without
            ``"random"`` and another strategy) and ``gains_over_candidates``
            (:func:`candidate_gain_table` of ``"active-inas"``, empty without ``"auto"`` and
            all its candidates). Every gain is > 0 when Active-iNAS does better: for
            regression, a lower RMSE AUC. An active search adds ``recall_gains``, the gains
            in the AUC of the recall of the top targets over each baseline.
        """
        gains, over_random, over_candidates, recall_gains = [], [], [], []
        if ACTIVE_INAS in self.methods:
            gains = self.gain_table(ACTIVE_INAS, confidence=confidence)
            if "random" in self.strategies and len(self.strategies) > 1:
                over_random = self.strategy_gain_table(ACTIVE_INAS, confidence=confidence)
            over_candidates = candidate_gain_table(self, ACTIVE_INAS, confidence=confidence)
            if self.searched:
                recall_gains = self.gain_table(
                    ACTIVE_INAS, confidence=confidence, metric="top_recall"
                )
        return {
            "settings": self.settings,
            "metric": self.metric,
            "confidence": confidence,
            "auc": self.auc_table(),
            "gains": gains,
            "gains_over_random": over_random,
            "gains_over_candidates": over_candidates,
            **({"recall_gains": recall_gains} if self.searched else {}),
        }

    def typical_architectures(self, method: str, strategy: str) -> list[str]:
        """The architecture most repetitions of one method and strategy trained at each round.

        Parameters
        ----------
        method : str
            A method of the table.
        strategy : str
            A strategy of the table.

        Returns
        -------
        list of str
            One architecture per round, e.g. ``"A(resnet, 1, 2)"``; a tie goes to the one
            reached first in repetition order.
        """
        per_round: dict[int, list[str]] = {}
        for row in sorted(self.rows, key=lambda row: int(row["repeat"])):
            if row["method"] == method and row["strategy"] == strategy:
                per_round.setdefault(int(row["round"]), []).append(str(row["architecture"]))
        if not per_round:
            raise ValueError(f"No rows for method {method!r} and strategy {strategy!r}.")
        return [Counter(per_round[k]).most_common(1)[0][0] for k in sorted(per_round)]

    def plot(self, *, title: str | None = None):
        """The learning curves as a figure: :func:`plot_learning_curves` of this result.

        Parameters
        ----------
        title : str or None, default=None
            Title of the figure.

        Returns
        -------
        matplotlib.figure.Figure
            See :func:`plot_learning_curves`.
        """
        return plot_learning_curves(self, title=title)
