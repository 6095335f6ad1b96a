"""The tidy table of an experiment and its summaries: normalised AUC, paired gains."""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._choice import candidate_gain_table
from ._gains import ACTIVE_INAS, GainsMixin
from ._plot import plot_learning_curves
from ._statistics import class_share_range, normalized_auc

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
list; absent from older tables)."""


def _std(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


def _unique(values) -> list:
    return list(dict.fromkeys(values))


@dataclass
class ExperimentResult(GainsMixin):
    """The tidy table of an active-learning experiment, with its summaries.

    Parameters
    ----------
    rows : list of dict
        One dict per method, strategy, repetition and round, with the keys of
        :data:`COLUMNS`.
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

    def learning_curve(self, method: str, strategy: str) -> tuple[np.ndarray, np.ndarray]:
        """Accuracy against number of labels for every repetition of one method and strategy.

        Parameters
        ----------
        method : str
            A method of the table, e.g. ``"active-inas"`` or ``"fixed-2x4"``.
        strategy : str
            A strategy of the table.

        Returns
        -------
        n_labeled : ndarray of shape (n_rounds,)
            Numbers of labels, shared by all repetitions.
        accuracy : ndarray of shape (n_repeats, n_rounds)
            Test accuracy of each repetition at each of them.
        """
        n_labeled, curves = self._runs(method, strategy)
        accuracy = np.array([[float(row["accuracy"]) for row in curve] for curve in curves])
        return n_labeled, accuracy

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

    def aucs(self, method: str, strategy: str) -> np.ndarray:
        """Normalised AUC of each repetition of one method and strategy.

        Parameters
        ----------
        method : str
            A method of the table.
        strategy : str
            A strategy of the table.

        Returns
        -------
        ndarray of shape (n_repeats,)
            :func:`normalized_auc` of each repetition, in repetition order.
        """
        n_labeled, accuracy = self.learning_curve(method, strategy)
        return np.array([normalized_auc(n_labeled, curve) for curve in accuracy])

    def auc_table(self) -> list[dict]:
        """Normalised AUC, final accuracy and cost of every method and strategy.

        Returns
        -------
        list of dict
            One dict per strategy and method: ``strategy``, ``method``, ``n_repeats``,
            ``auc_mean``, ``auc_std``, ``final_accuracy_mean``, ``final_accuracy_std`` (standard
            deviations over repetitions with ddof=1, NaN for one repetition), ``seconds_mean``
            (fit and query seconds of a whole run, averaged over repetitions), ``cpu_seconds_mean``
            (its CPU time) and ``class_share`` (:func:`class_share_range` over the queried
            rounds); the last two None where the table lacks their columns.
        """
        table = []
        for strategy in self.strategies:
            for method in self.methods_for(strategy):
                _, accuracy = self.learning_curve(method, strategy)
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
                        "final_accuracy_mean": float(accuracy[:, -1].mean()),
                        "final_accuracy_std": _std(accuracy[:, -1]),
                        "seconds_mean": seconds / len(aucs),
                        **self._cost_and_balance(method, strategy, rows, len(aucs)),
                    }
                )
        return table

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
            ``settings``, ``confidence``, ``auc`` (:meth:`auc_table`), ``gains``
            (:meth:`gain_table` of ``"active-inas"``, empty without it or without
            baselines), ``gains_over_random`` (:meth:`strategy_gain_table` of
            ``"active-inas"``, empty without it or without ``"random"`` and another strategy)
            and ``gains_over_candidates`` (:func:`candidate_gain_table` of ``"active-inas"``,
            empty without ``"auto"`` and all its candidates).
        """
        gains, over_random, over_candidates = [], [], []
        if ACTIVE_INAS in self.methods:
            gains = self.gain_table(ACTIVE_INAS, confidence=confidence)
            if "random" in self.strategies and len(self.strategies) > 1:
                over_random = self.strategy_gain_table(ACTIVE_INAS, confidence=confidence)
            over_candidates = candidate_gain_table(self, ACTIVE_INAS, confidence=confidence)
        return {
            "settings": self.settings,
            "confidence": confidence,
            "auc": self.auc_table(),
            "gains": gains,
            "gains_over_random": over_random,
            "gains_over_candidates": over_candidates,
        }

    def to_csv(self, path) -> None:
        """Write the table as CSV with a header row of :data:`COLUMNS`.

        Parameters
        ----------
        path : str or path-like
            File to write.
        """
        with open(path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows)

    def to_json(self, path) -> None:
        """Write the settings and the table as JSON, readable by :meth:`from_json`.

        Parameters
        ----------
        path : str or path-like
            File to write.
        """
        Path(path).write_text(json.dumps({"settings": self.settings, "rows": self.rows}, indent=1))

    @classmethod
    def from_json(cls, path) -> ExperimentResult:
        """Read a result written by :meth:`to_json`.

        Parameters
        ----------
        path : str or path-like
            File to read.

        Returns
        -------
        ExperimentResult
            The same rows and settings.
        """
        content = json.loads(Path(path).read_text())
        return cls(content["rows"], content.get("settings", {}))

    def to_frame(self):
        """The table as a pandas DataFrame (needs pandas).

        Returns
        -------
        pandas.DataFrame
            One row per method, strategy, repetition and round; columns :data:`COLUMNS`.
        """
        try:
            import pandas as pd
        except ImportError as error:
            raise ImportError(
                "ExperimentResult.to_frame needs pandas: pip install pandas"
            ) from error
        return pd.DataFrame(self.rows, columns=list(COLUMNS))

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
