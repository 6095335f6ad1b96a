"""``run`` on regression datasets: the task's defaults, its estimator, its refusals, its
output (tests of skactive/_cli_task.py)."""

import csv
import json

import pytest

from skactive import ActiveINASClassifier, ActiveINASRegressor
from skactive.__main__ import main
from skactive._cli import build_parser
from skactive._cli_task import check_task, task_estimator
from skactive.experiment import REGRESSION_COLUMNS, ExperimentResult

TINY = ["--max-epochs", "2", "--base-width", "4", "--batch-size", "32", "--jobs", "1"]
TINY += ["--device", "cpu", "--no-progress", "--min-validation-size", "0"]
SMALL = ["--initial-size", "30", "--query-size", "30", "--budget", "60"]


def rounds(printed: str) -> list[str]:
    """The log lines of the rounds a run printed."""
    return [line for line in printed.splitlines() if " labels  " in line and "test RMSE" in line]


def test_a_regression_dataset_defaults_to_regression_strategies_and_the_regressor():
    parser = build_parser()
    args = parser.parse_args(["run", "--dataset", "diabetes", "--base-width", "8"])
    assert check_task(args, parser) == "regression"
    assert args.strategy == ["variance", "random"]
    estimator = task_estimator(args, "regression")
    assert isinstance(estimator, ActiveINASRegressor) and estimator.base_width == 8
    args = parser.parse_args(["run", "--dataset", "digits"])
    assert check_task(args, parser) == "classification"
    assert args.strategy == ["softmax_response", "random"]
    assert isinstance(task_estimator(args, "classification"), ActiveINASClassifier)


def test_an_option_whose_default_depends_on_the_task_keeps_each_estimators_own():
    parser = build_parser()
    for dataset, task, estimator in (
        ("diabetes", "regression", ActiveINASRegressor),
        ("digits", "classification", ActiveINASClassifier),
    ):
        args = parser.parse_args(["run", "--dataset", dataset])
        assert task_estimator(args, task).min_steps == estimator().min_steps
        args = parser.parse_args(["run", "--dataset", dataset, "--min-steps", "1200"])
        assert task_estimator(args, task).min_steps == 1200
    assert ActiveINASRegressor().min_steps != ActiveINASClassifier().min_steps


def test_help_lists_the_regression_datasets_strategies_and_the_gp_baseline(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "for regression one of diabetes, friedman1, friedman3, interaction" in text
    assert "for a regression --dataset among random, variance" in text
    assert "gp-bo: Bayesian optimisation" in text
    assert "--dataset diabetes --strategy random,variance --baselines 2x4,1x2" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--dataset", "diabetes", "--strategy", "random,softmax_response"],
            "--strategy softmax_response is a classification strategy, but --dataset diabetes "
            "is a regression task; use one of random, variance",
        ),
        (
            ["--dataset", "diabetes", "--strategy", "psychic", *SMALL],
            "Unknown query strategy 'psychic'",
        ),
        (
            ["--dataset", "friedman3", "--budget", "5000"],
            "'budget' parameter of run_experiment must be between 200 and the 1400 training",
        ),
        (["--dataset", "housing"], "invalid choice: 'housing'"),
        (
            ["--dataset", "digits", "--strategy", "variance"],
            "--strategy variance is a regression strategy, but --dataset digits is a "
            "classification task",
        ),
        (["--dataset", "digits", "--baselines", "gp-bo"], "gp-bo is a baseline of regression"),
        (["--dataset", "diabetes", "--mixup", "2"], "--mixup trains on mixed class labels"),
    ],
)
def test_bad_regression_arguments_fail_before_any_training(
    argv, message, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ActiveINASRegressor, "fit", pytest.fail)
    with pytest.raises(SystemExit) as exit_:
        main(["run", *argv, *TINY])
    assert exit_.value.code == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_a_diabetes_run_writes_rmse_tables_gains_and_curves(tmp_path, capsys):
    out = tmp_path / "diabetes"
    argv = ["run", "--dataset", "diabetes", "--strategy", "random,variance"]
    argv += ["--baselines", "2x4,1x2", *SMALL, *TINY, "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "targets from 25 to 346" in printed
    assert len(rounds(printed)) == 2 * 3 * 2
    assert "RMSE AUC gain of active-inas over each baseline" in printed
    assert "> 0 when active-inas has the lower error" in printed
    assert "variance: active-inas RMSE AUC" in printed
    with open(out / "results.csv", newline="") as handle:
        assert tuple(next(csv.reader(handle))) == REGRESSION_COLUMNS
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metric"] == "rmse" and summary["settings"]["dataset"] == "diabetes"
    assert {(g["strategy"], g["baseline"]) for g in summary["gains"]} == {
        (s, b) for s in ("random", "variance") for b in ("fixed-2x4", "fixed-1x2")
    }
    pytest.importorskip("matplotlib")
    assert (out / "learning_curves.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["summarize", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text()) == summary


def test_the_interaction_search_records_the_recall_against_the_gp_baseline(tmp_path, capsys):
    out = tmp_path / "interaction"
    argv = ["run", "--dataset", "interaction", "--strategy", "variance"]
    argv += ["--baselines", "gp-bo", "--initial-size", "40", "--query-size", "40"]
    argv += ["--budget", "80", "--inas-iterations", "0", *TINY, "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "the goal: the top 1% of the pool" in printed
    assert "top recall" in printed and "recall AUC gain" in printed
    result = ExperimentResult.from_json(out / "results.json")
    assert result.settings["top_fraction"] == 0.01 and result.methods == ["active-inas", "gp-bo"]
    assert all(0.0 <= row["top_recall"] <= 1.0 for row in result.rows)


def test_a_regression_run_resumes_in_out(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["run", "--dataset", "friedman1", "--strategy", "random", "--baselines", ""]
    argv += [*SMALL, "--n-repeats", "2", "--inas-iterations", "0", *TINY, "--out", str(out)]
    assert main(argv) == 0
    whole = ExperimentResult.from_json(out / "results.json")
    partial = ExperimentResult([r for r in whole.rows if r["repeat"] == 0], whole.settings)
    del partial.settings["dataset"]  # as the run writes it, before naming the dataset
    partial.to_json(out / "results.partial.json")
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 0
    assert len(rounds(capsys.readouterr().out)) == 2  # repetition 1's two rounds only
    resumed = ExperimentResult.from_json(out / "results.json")
    assert [r["rmse"] for r in resumed.rows] == [r["rmse"] for r in whole.rows]
