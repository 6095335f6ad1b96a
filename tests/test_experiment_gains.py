"""The paired AUC gains of an experiment's table."""

import numpy as np
import pytest
from conftest import curve_rows

from skactive.experiment import ExperimentResult, t_interval


def test_gains_are_paired_by_repetition():
    result = ExperimentResult(
        curve_rows(
            {
                "active-inas": [[0.6, 0.7, 0.8], [0.4, 0.5, 0.6], [0.5, 0.6, 0.7]],
                "fixed-2x4": [[0.5, 0.6, 0.7], [0.3, 0.4, 0.5], [0.5, 0.6, 0.7]],
            }
        )
    )
    np.testing.assert_allclose(result.aucs("active-inas", "sr"), [0.7, 0.5, 0.6])
    auc = {row["method"]: row for row in result.auc_table()}
    assert auc["fixed-2x4"]["auc_mean"] == pytest.approx(1.6 / 3)
    assert auc["active-inas"]["final_accuracy_mean"] == pytest.approx(0.7)
    assert auc["active-inas"]["seconds_mean"] == pytest.approx(3.0)
    (gain,) = result.gain_table()
    expected = t_interval([0.1, 0.1, 0.0])
    assert (gain["gain_mean"], gain["gain_ci_low"], gain["gain_ci_high"]) == pytest.approx(
        expected
    )
    assert gain["baseline"] == "fixed-2x4" and gain["wins"] == 2
    assert gain["relative_gain"] == pytest.approx(0.125)
    assert result.summary()["gains"] == [gain]


def test_strategies_gain_over_random_paired_by_repetition_and_reported():
    from skactive.experiment import format_summary, verdict

    rows = curve_rows({"active-inas": [[0.6, 0.7, 0.8], [0.4, 0.5, 0.6], [0.5, 0.6, 0.7]]})
    random_rows = curve_rows({"active-inas": [[0.5, 0.6, 0.7], [0.4, 0.5, 0.6], [0.3, 0.4, 0.5]]})
    result = ExperimentResult(rows + [{**row, "strategy": "random"} for row in random_rows])
    (gain,) = result.strategy_gain_table()
    assert (gain["strategy"], gain["reference"]) == ("sr", "random")
    expected = t_interval([0.1, 0.0, 0.2])
    assert (gain["gain_mean"], gain["gain_ci_low"], gain["gain_ci_high"]) == pytest.approx(
        expected
    )
    assert gain["wins"] == 2 and gain["n_repeats"] == 3
    summary = result.summary()
    assert summary["gains_over_random"] == [gain]
    assert "AUC gain (accuracy points) of each strategy over random" in format_summary(summary)
    low, high = (100 * v for v in expected[1:])
    assert f"vs random sampling 50.0 (+10.0, 95% CI {low:+.1f} to {high:+.1f}, won 2/3)" in (
        verdict(summary)
    )
    with pytest.raises(ValueError, match="different numbers of repetitions"):
        ExperimentResult(rows + [{**random_rows[0], "strategy": "random"}]).strategy_gain_table()
