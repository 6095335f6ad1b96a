"""Putting runs together (tests of skactive/experiment/_combine.py and ``summarize --out``)."""

import json

import numpy as np
import pytest
from conftest import curve_rows

from skactive.__main__ import main
from skactive.experiment import ExperimentResult, combine_results, t_interval

SETTINGS = {"dataset": "toy", "initial_size": 100, "query_size": 100, "budget": 300}


def run(strategy, curves, *, initial="random", seeds=(1, 2, 3), method="active-inas"):
    """A run's table: one curve of three rounds per repetition, for one strategy."""
    rows = curve_rows({method: curves}, strategy)
    settings = dict(SETTINGS, seeds=list(seeds), initial_strategy=initial, estimator="E()")
    return ExperimentResult(rows, settings)


RANDOM = [[0.5, 0.6, 0.7], [0.4, 0.5, 0.6], [0.3, 0.4, 0.5]]
MARGIN = [[0.6, 0.7, 0.8], [0.4, 0.5, 0.6], [0.5, 0.6, 0.7]]


def test_runs_with_the_same_seeds_are_paired_by_repetition_and_keep_their_sources():
    combined = combine_results([run("random", RANDOM), run("margin", MARGIN)], names=["a", "b"])
    assert combined.strategies == ["random", "margin"]
    assert combined.settings["strategies"] == ["random", "margin"]
    assert combined.settings["seeds"] == [1, 2, 3]
    (gain,) = combined.strategy_gain_table("active-inas")
    assert gain["gain_mean"] == pytest.approx(t_interval([0.1, 0.0, 0.2])[0])
    assert [
        (s["name"], s["strategies"], s["estimator"]) for s in combined.settings["sources"]
    ] == [
        ("a", ["random"], "E()"),
        ("b", ["margin"], "E()"),
    ]
    # Put together again, a combined run keeps its own sources.
    again = combine_results([combined, run("entropy", MARGIN)], names=["ab", "c"])
    assert again.settings["sources"][0]["sources"] == combined.settings["sources"]
    assert "sources" not in again.settings["sources"][1]


def test_a_cold_started_run_is_renamed_beside_the_random_start():
    cold = run("margin", MARGIN, initial="typiclust")
    combined = combine_results([run("margin", RANDOM), cold])
    assert combined.strategies == ["margin", "typiclust+margin"]
    assert combined.settings["initial_strategy"] == "random"
    assert [s["initial_strategy"] for s in combined.settings["sources"]] == ["random", "typiclust"]
    np.testing.assert_allclose(combined.aucs("active-inas", "typiclust+margin"), [0.7, 0.5, 0.6])


def test_runs_that_cannot_be_paired_or_overlap_are_refused():
    with pytest.raises(ValueError, match=r"differs from run '0' in \['seeds'\]"):
        combine_results([run("random", RANDOM), run("margin", MARGIN, seeds=(4, 5, 6))])
    with pytest.raises(ValueError, match="both hold active-inas with random, repetition 0"):
        combine_results([run("random", RANDOM), run("random", MARGIN)], names=["a", "b"])
    with pytest.raises(ValueError, match="one name per run"):
        combine_results([run("random", RANDOM)], names=["a", "b"])
    with pytest.raises(ValueError, match="one or more runs"):
        combine_results([])


def test_summarize_puts_folders_together_into_out(tmp_path, capsys):
    for name, result in (("a", run("random", RANDOM)), ("b", run("margin", MARGIN))):
        (tmp_path / name).mkdir()
        result.to_json(tmp_path / name / "results.json")
    folders = [str(tmp_path / "a"), str(tmp_path / "b")]
    with pytest.raises(SystemExit) as exit_:
        main(["summarize", *folders])
    assert exit_.value.code == 2 and "give --out" in capsys.readouterr().err
    assert main(["summarize", *folders, "--out", str(tmp_path / "both")]) == 0
    assert "of each strategy over random" in capsys.readouterr().out
    combined = ExperimentResult.from_json(tmp_path / "both" / "results.json")
    assert combined.strategies == ["random", "margin"]
    summary = json.loads((tmp_path / "both" / "summary.json").read_text())
    assert summary["gains_over_random"][0]["strategy"] == "margin"
    with pytest.raises(SystemExit):  # never over an earlier run without --overwrite
        main(["summarize", *folders, "--out", str(tmp_path / "both")])
    assert "is not empty" in capsys.readouterr().err
    run("random", RANDOM, seeds=(9, 9, 9)).to_json(tmp_path / "b" / "results.json")
    with pytest.raises(SystemExit):
        main(["summarize", *folders, "--out", str(tmp_path / "c"), "--overwrite"])
    assert "differs from run" in capsys.readouterr().err


def test_baselines_run_for_some_strategies_only_are_compared_where_they_ran():
    with_baseline = run("margin", MARGIN)
    fixed = run("margin", RANDOM, method="fixed-2x4").rows
    with_baseline = ExperimentResult(with_baseline.rows + fixed, with_baseline.settings)
    combined = combine_results([with_baseline, run("random", RANDOM)])
    assert combined.methods_for("random") == ["active-inas"]
    summary = combined.summary()
    assert [(g["strategy"], g["baseline"]) for g in summary["gains"]] == [("margin", "fixed-2x4")]
    assert [row["method"] for row in summary["auc"]] == ["active-inas", "fixed-2x4", "active-inas"]
    assert [g["strategy"] for g in summary["gains_over_random"]] == ["margin"]
    pytest.importorskip("matplotlib")
    figure = combined.plot()
    assert [len(ax.get_lines()) for ax in figure.axes] == [3]  # two methods, random overlaid


def test_many_strategies_are_drawn_four_panels_to_a_row():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    names = ["random", *(f"s{k}" for k in range(6))]
    combined = combine_results([run(name, MARGIN) for name in names])
    figure = combined.plot()
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == names[1:]
    assert len(figure.axes) == 8  # two rows of four, the last two left empty
    assert figure.get_size_inches().tolist() == [20.0, 7.6]
    matplotlib.pyplot.close(figure)
