"""Going on with an interrupted experiment (tests of skactive/experiment/_resume.py)."""

import json

import pytest
from conftest import FAST
from sklearn.utils._param_validation import InvalidParameterError

import skactive.experiment._run
from skactive import ActiveINASClassifier, ActiveINASRegressor
from skactive.__main__ import main
from skactive.datasets import load_dataset, load_digits_images
from skactive.experiment import ExperimentResult, run_experiment

SETTINGS = dict(initial_size=30, query_size=30, budget=60, n_repeats=2, random_state=0)
TINY = ["--max-epochs", "2", "--base-width", "4", "--batch-size", "32", "--jobs", "1"]
TINY += ["--dataset", "digits", "--device", "cpu", "--no-progress", "--baselines", ""]
TINY += ["--strategy", "random"]
TINY += ["--initial-size", "30", "--query-size", "30", "--budget", "60", "--n-repeats", "2"]


@pytest.fixture(scope="module")
def data():
    digits = load_digits_images()
    return digits.X_train[:200], digits.y_train[:200], digits.X_test[:100], digits.y_test[:100]


def experiment(data, **kwargs):
    fast = {k: v for k, v in FAST.items() if k != "random_state"}
    estimator = ActiveINASClassifier(inas_iterations=0, **fast)
    return run_experiment(*data, estimator=estimator, progress=False, **{**SETTINGS, **kwargs})


def record_started_runs(monkeypatch):
    """The repetition of every run that starts from now on, in order."""
    started = []
    run_rows = skactive.experiment._run._run_rows

    def recording(*task):
        started.append(task[0])
        return run_rows(*task)

    monkeypatch.setattr(skactive.experiment._run, "_run_rows", recording)
    return started


def outcome(result):
    """The rows without their timings, which differ from call to call."""
    return [(r["repeat"], r["round"], r["accuracy"], r["labels_per_class"]) for r in result.rows]


def test_an_interrupted_experiment_goes_on_with_the_runs_it_had_not_finished(
    data, tmp_path, monkeypatch
):
    checkpoint = tmp_path / "partial.json"
    whole = experiment(data, checkpoint=checkpoint)
    assert outcome(ExperimentResult.from_json(checkpoint)) == outcome(whole)
    # Interrupted after repetition 0, and in the middle of repetition 1's run.
    content = json.loads(checkpoint.read_text())
    content["rows"] = [row for row in content["rows"] if (row["repeat"], row["round"]) != (1, 1)]
    checkpoint.write_text(json.dumps(content))
    started = record_started_runs(monkeypatch)
    resumed = experiment(data, checkpoint=checkpoint)
    assert started == [1]  # only the unfinished run, and from its start
    assert outcome(resumed) == outcome(whole)
    assert outcome(ExperimentResult.from_json(checkpoint)) == outcome(whole)


def test_a_checkpoint_of_another_experiment_is_refused_before_any_training(data, tmp_path):
    checkpoint = tmp_path / "partial.json"
    ExperimentResult([], {"budget": 90, "seeds": [1]}).to_json(checkpoint)
    with pytest.raises(InvalidParameterError, match=r"settings differ in \['budget'"):
        experiment(data, checkpoint=checkpoint)


def test_the_command_line_resumes_in_out_and_removes_the_partial_table(tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.raises(SystemExit):
        main(["run", *TINY, "--out", str(out), "--resume"])
    assert "neither exists" in capsys.readouterr().err
    assert main(["run", *TINY, "--out", str(out)]) == 0
    assert not (out / "results.partial.json").exists()
    whole = ExperimentResult.from_json(out / "results.json")
    partial = ExperimentResult([r for r in whole.rows if r["repeat"] == 0], whole.settings)
    del partial.settings["dataset"]  # as the run writes it, before naming the dataset
    partial.to_json(out / "results.partial.json")
    with pytest.raises(SystemExit):  # a folder with files needs --resume or --overwrite
        main(["run", *TINY, "--out", str(out)])
    assert "--resume to go on" in capsys.readouterr().err
    assert main(["run", *TINY, "--out", str(out), "--resume"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("test accuracy 0.") == 2  # repetition 1's two rounds only
    assert outcome(ExperimentResult.from_json(out / "results.json")) == outcome(whole)


def test_a_finished_experiment_grows_by_the_repetitions_it_lacks(data, tmp_path, monkeypatch):
    checkpoint = tmp_path / "partial.json"
    experiment(data, checkpoint=checkpoint)  # 2 repetitions
    started = record_started_runs(monkeypatch)
    grown = experiment(data, checkpoint=checkpoint, n_repeats=3)
    assert started == [2]
    assert grown.settings["n_repeats"] == 3 and len(grown.settings["seeds"]) == 3
    fresh = experiment(data, n_repeats=3)
    assert outcome(grown) == outcome(fresh)


def test_fewer_or_other_repetitions_are_refused(data, tmp_path):
    checkpoint = tmp_path / "partial.json"
    experiment(data, checkpoint=checkpoint)
    content = json.loads(checkpoint.read_text())
    content["settings"]["seeds"] = content["settings"]["seeds"][::-1]
    checkpoint.write_text(json.dumps(content))
    with pytest.raises(InvalidParameterError, match=r"settings differ in \['seeds'\]"):
        experiment(data, checkpoint=checkpoint)


def test_the_command_line_adds_repetitions_to_a_finished_run(tmp_path):
    out = tmp_path / "run"
    assert main(["run", *TINY, "--out", str(out)]) == 0
    two = ExperimentResult.from_json(out / "results.json")
    grown = [*TINY[: TINY.index("--n-repeats")], "--n-repeats", "3"]
    assert main(["run", *grown, "--out", str(out), "--resume"]) == 0
    three = ExperimentResult.from_json(out / "results.json")
    assert not (out / "results.partial.json").exists()
    assert three.settings["seeds"][:2] == two.settings["seeds"]
    kept = [r for r in three.rows if r["repeat"] < 2]
    assert [(r["repeat"], r["round"], r["accuracy"]) for r in kept] == [
        (r["repeat"], r["round"], r["accuracy"]) for r in two.rows
    ]
    assert {r["repeat"] for r in three.rows} == {0, 1, 2}


def test_a_regression_experiment_goes_on_where_it_stopped(tmp_path, monkeypatch):
    diabetes = load_dataset("diabetes")
    data = diabetes.X_train[:100], diabetes.y_train[:100], diabetes.X_test, diabetes.y_test
    fast = {k: v for k, v in FAST.items() if k != "random_state"}

    def run(**kwargs):
        return run_experiment(
            *data, estimator=ActiveINASRegressor(inas_iterations=0, **fast),
            strategies=["random", "variance"], progress=False, **SETTINGS, **kwargs,
        )  # fmt: skip

    checkpoint = tmp_path / "partial.json"
    whole = run(checkpoint=checkpoint)
    content = json.loads(checkpoint.read_text())
    # Interrupted in the middle of repetition 1's variance run.
    stop = (1, "variance", 1)
    rows = content["rows"]
    content["rows"] = [r for r in rows if (r["repeat"], r["strategy"], r["round"]) != stop]
    checkpoint.write_text(json.dumps(content))
    started = record_started_runs(monkeypatch)
    resumed = run(checkpoint=checkpoint)
    assert started == [1]
    assert [(r["rmse"], r["r2"]) for r in resumed.rows] == [
        (r["rmse"], r["r2"]) for r in whole.rows
    ]
    with pytest.raises(InvalidParameterError, match=r"settings differ in \['top_fraction'\]"):
        run(checkpoint=checkpoint, top_fraction=0.1)


def test_a_finished_checkpoint_is_read_back_without_starting_workers(data, tmp_path, monkeypatch):
    checkpoint = tmp_path / "partial.json"
    whole = experiment(data, checkpoint=checkpoint)

    def no_workers(*args, **kwargs):
        raise AssertionError("workers started with no run left to do")

    # Workers started for nothing, their results never read, made joblib warn.
    monkeypatch.setattr(skactive.experiment._run.joblib, "Parallel", no_workers)
    again = experiment(data, checkpoint=checkpoint, n_jobs=2)
    assert outcome(again) == outcome(whole)
