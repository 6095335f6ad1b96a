"""What a round of an experiment is scored by: test accuracy, or test RMSE and R² with the
recall of the largest targets, and how each score reads (its direction, its unit)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import mean_squared_error, r2_score


@dataclass(frozen=True)
class Metric:
    """How one score of the result table reads.

    Parameters
    ----------
    label : str
        The axis label of its learning curve.
    higher_is_better : bool
        Its direction: a paired gain is always taken so that > 0 means better.
    percent : bool
        Shown in percent (a fraction in [0, 1]), or as it is.
    """

    label: str
    higher_is_better: bool
    percent: bool


METRICS = {
    "accuracy": Metric("test accuracy (%)", higher_is_better=True, percent=True),
    "rmse": Metric("test RMSE (target units)", higher_is_better=False, percent=False),
    "r2": Metric("test R²", higher_is_better=True, percent=False),
    "top_recall": Metric("top targets labeled (%)", higher_is_better=True, percent=True),
}
"""The scores of a round by column name: ``"accuracy"`` for classification; ``"rmse"`` (the
main one), ``"r2"`` and, for an active search, ``"top_recall"`` for regression."""

REGRESSION_COLUMNS = (
    "method",
    "strategy",
    "repeat",
    "round",
    "n_labeled",
    "rmse",
    "r2",
    "top_recall",
    "architecture",
    "fit_seconds",
    "query_seconds",
    "cpu_seconds",
    "queried_by",
    "query_shares",
)
"""Columns of a regression experiment's table: those of :data:`COLUMNS` with ``rmse`` (the
test root mean squared error, in the targets' units) and ``r2`` (the test R²) instead of
``accuracy``, ``top_recall`` (the share of the pool's largest targets labeled so far, for an
active search; None otherwise) and no ``labels_per_class``."""


def main_metric(rows, settings=None) -> str:
    """The score a table's learning curves and AUCs are of: ``"rmse"`` or ``"accuracy"``.

    A regression table's rows hold ``rmse``; an empty table goes by its settings' ``task``.
    """
    if rows:
        return "rmse" if "rmse" in rows[0] else "accuracy"
    return "rmse" if (settings or {}).get("task") == "regression" else "accuracy"


def top_targets(y, fraction: float) -> np.ndarray:
    """Indices of the ``ceil(fraction * len(y))`` largest targets, the goal of an active search.

    Ties at the threshold go to the sample that comes first.
    """
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(
            f"The recall of the top targets needs one target per sample; y has shape {y.shape}."
        )
    n_top = max(1, math.ceil(fraction * len(y)))
    return np.sort(np.argsort(-y, kind="stable")[:n_top])


class ClassificationScores:
    """The scores of a classification round: test accuracy and the labels of each class.

    Parameters
    ----------
    y_train : ndarray of shape (n_train,)
        The pool's labels.
    initial : ndarray of int
        The indices labeled before the first query.
    """

    def __init__(self, y_train, initial) -> None:
        # Class of every training sample, as an index into the sorted classes.
        self._classes = np.unique(y_train, return_inverse=True)[1]
        self._counts = np.bincount(self._classes[initial], minlength=self._classes.max() + 1)

    def add(self, chosen) -> None:
        """Count the samples of a round's query."""
        self._counts += np.bincount(self._classes[chosen], minlength=len(self._counts))

    def scores(self, learner, X_test, y_test) -> dict:
        """``accuracy`` on the test set and ``labels_per_class`` of the labeled set."""
        return {
            "accuracy": float(learner.score(X_test, y_test)),
            "labels_per_class": self._counts.tolist(),
        }


class RegressionScores:
    """The scores of a regression round: test RMSE and R², and the recall of the top targets.

    Parameters
    ----------
    y_train : ndarray of shape (n_train,) or (n_train, n_outputs)
        The pool's targets.
    initial : ndarray of int
        The indices labeled before the first query.
    top_fraction : float or None, default=None
        For an active search, the fraction of the pool with the largest targets whose share
        labeled (``top_recall``) each round records; None records None.
    """

    def __init__(self, y_train, initial, top_fraction: float | None = None) -> None:
        self._labeled = np.zeros(len(y_train), dtype=bool)
        self._labeled[initial] = True
        self._top = None if top_fraction is None else top_targets(y_train, top_fraction)

    def add(self, chosen) -> None:
        """Mark the samples of a round's query labeled."""
        self._labeled[chosen] = True

    def scores(self, learner, X_test, y_test) -> dict:
        """``rmse`` and ``r2`` on the test set, in the targets' units, and ``top_recall``."""
        predicted = learner.predict(X_test)
        recall = None if self._top is None else float(self._labeled[self._top].mean())
        return {
            "rmse": float(math.sqrt(mean_squared_error(y_test, predicted))),
            "r2": float(r2_score(y_test, predicted)),
            "top_recall": recall,
        }


def round_line(row: dict) -> str:
    """One round of a run as a log line: method, strategy, labels, architecture, test scores."""
    if "rmse" in row:
        scores = f"test RMSE {row['rmse']:.4g}  R² {row['r2']:.3f}"
        if row.get("top_recall") is not None:
            scores += f"  top recall {row['top_recall']:.3f}"
    else:
        scores = f"test accuracy {row['accuracy']:.4f}"
    return (
        f"{row['method']:<12} {row['strategy']:<18} repeat {row['repeat']}  "
        f"{row['n_labeled']:>6} labels  {row['architecture']:<18} {scores}"
    )
