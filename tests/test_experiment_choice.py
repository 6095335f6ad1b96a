"""An auto strategy against its candidates (tests of skactive/experiment/_choice.py)."""

import numpy as np
import pytest

from skactive.experiment import ExperimentResult, candidate_gain_table, format_summary


def table(aucs: dict) -> ExperimentResult:
    """Two-round curves whose normalised AUC is each strategy's number, per repetition."""
    rows = [
        dict(method="active-inas", strategy=strategy, repeat=repeat, round=round_,
             n_labeled=10 * (round_ + 1), accuracy=auc, architecture="A(resnet, 1, 1)",
             fit_seconds=0.0, query_seconds=0.0)
        for strategy, per_repeat in aucs.items()
        for repeat, auc in enumerate(per_repeat)
        for round_ in range(2)
    ]  # fmt: skip
    return ExperimentResult(rows)


def test_auto_is_paired_with_the_best_candidate_and_the_candidates_mean():
    result = table(
        {
            "auto": [0.80, 0.90, 0.70],
            "auto:albl": [0.60, 0.60, 0.60],
            "random": [0.50, 0.60, 0.70],
            "margin": [0.90, 0.80, 0.75],
        }
    )
    rows = candidate_gain_table(result, candidates=("random", "margin"))
    assert [(r["strategy"], r["reference"], r["best"]) for r in rows] == [
        ("auto", "best", "margin"),
        ("auto", "mean", "margin"),
        ("auto:albl", "best", "margin"),
        ("auto:albl", "mean", "margin"),
    ]
    # auto minus margin: -0.10, +0.10, -0.05; minus the mean: +0.10, +0.20, -0.025.
    assert rows[0]["gain_mean"] == pytest.approx(-0.05 / 3)
    assert (rows[0]["wins"], rows[1]["wins"], rows[0]["n_repeats"]) == (1, 2, 3)
    assert rows[1]["gain_mean"] == pytest.approx(np.mean([0.10, 0.20, -0.025]))
    assert rows[0]["gain_ci_low"] < rows[0]["gain_mean"] < rows[0]["gain_ci_high"]
    summary = result.summary()
    assert summary["gains_over_candidates"] == []  # the default candidates are not all there
    summary["gains_over_candidates"] = rows
    assert "auto:albl          best (margin)" in format_summary(summary)


def test_a_tie_with_the_candidates_mean_is_not_a_win():
    # In floating point the mean of 0.51, 0.55 and 0.59 falls just below 0.55.
    result = table({"auto": [0.55], "random": [0.51], "margin": [0.55], "entropy": [0.59]})
    rows = candidate_gain_table(result, candidates=("random", "margin", "entropy"))
    assert 0 < rows[1]["gain_mean"] < 1e-12 and rows[1]["wins"] == 0


def test_no_table_without_every_candidate_and_repetitions_must_pair():
    assert (
        candidate_gain_table(
            table({"auto": [0.8], "random": [0.5]}), candidates=("random", "margin")
        )
        == []
    )
    assert (
        candidate_gain_table(
            table({"margin": [0.8], "random": [0.5]}), candidates=("random", "margin")
        )
        == []
    )
    uneven = table({"auto": [0.8, 0.7], "random": [0.5], "margin": [0.6]})
    with pytest.raises(ValueError, match="different numbers of repetitions"):
        candidate_gain_table(uneven, candidates=("random", "margin"))
