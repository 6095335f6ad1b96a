"""A regression experiment in words: RMSE and recall tables, gains > 0 when Active-iNAS is
better (tests of skactive/experiment/_report_regression.py)."""

import pytest

from skactive.experiment import ExperimentResult, format_summary, legend, verdict


def rows(errors, recalls=None):
    """Two rounds per repetition of each method: ``errors[method][repeat]`` its first RMSE,
    one less at the second round; ``recalls`` likewise for the top recall."""
    return [
        dict(method=method, strategy="variance", repeat=repeat, round=k, n_labeled=n,
             rmse=error - k, r2=0.5, architecture="", fit_seconds=1.0, query_seconds=0.0,
             top_recall=None if recalls is None else recalls[method][repeat] + 0.1 * k)
        for method, repeats in errors.items()
        for repeat, error in enumerate(repeats)
        for k, n in enumerate((100, 200))
    ]  # fmt: skip


@pytest.fixture
def search():
    errors = {"active-inas": [50.0, 52.0], "gp-bo": [53.0, 53.0]}
    recalls = {"active-inas": [0.2, 0.4], "gp-bo": [0.1, 0.1]}
    return ExperimentResult(rows(errors, recalls), {"top_fraction": 0.01}).summary()


def test_the_summary_reads_rmse_in_units_and_says_which_way_gains_point(search):
    text = format_summary(search)
    assert "lower is better" in text and "> 0 when active-inas has the lower error" in text
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("strategy") and "RMSE AUC" in line)
    assert "final R²" in header and "recall AUC" in header
    ours = next(line for line in lines if line.startswith("variance") and "active-inas" in line)
    assert ours.split()[2:4] == ["50.5", "1.414"]  # mean RMSE AUC and its spread, in units
    assert ours.split()[6:8] == ["35.0", "40.0"]  # recall AUC and final recall, in %
    gains = lines[lines.index(next(line for line in lines if "RMSE AUC gain" in line)) + 2]
    assert gains.split()[:3] == ["variance", "gp-bo", "+2"]  # 52.5 - 50.5: the error saved
    assert "recall AUC gain" in text


def test_the_verdict_gives_both_scores_with_gains_that_favour_the_better(search):
    first, second = verdict(search).splitlines()
    assert first.startswith("variance: active-inas RMSE AUC 50.5 vs gp-bo 52.5 (+2,")
    assert second.startswith("variance: active-inas top recall AUC 35.0 vs gp-bo 15.0 (+20.0")


def test_a_worse_error_is_a_negative_gain():
    summary = ExperimentResult(rows({"active-inas": [60.0], "fixed-2x4": [50.0]})).summary()
    assert "vs fixed-2x4 49.5 (-10)" in verdict(summary)
    assert "recall" not in format_summary(summary)


def test_the_legend_explains_the_rmse_auc_the_recall_and_the_gp_baseline():
    text = legend(["active-inas", "gp-bo"], ["variance"], metric="rmse", top_fraction=0.01)
    terms = [line.split()[0] for line in text.splitlines() if not line.startswith(" ")]
    assert terms == ["A(B,", "active-inas", "gp-bo", "variance", "RMSE", "top"]
    flat = " ".join(text.split())
    assert "lower is better" in flat and "top 1% of targets" in flat
    assert "expected improvement" in flat and "predictive variance" in flat
