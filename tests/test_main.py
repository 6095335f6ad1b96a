"""The command line, ``python -m skactive`` (tests of skactive/__main__.py)."""

import argparse
import json
import os
import subprocess
import sys

import pytest

from skactive.__main__ import _n_jobs, main
from skactive._cli import build_parser
from skactive.experiment import COLUMNS, ExperimentResult
from skactive.strategies import STRATEGIES

TINY = ["--max-epochs", "2", "--base-width", "4", "--batch-size", "32", "--jobs", "1"]
TINY += ["--device", "cpu"]


def test_module_help_explains_the_run_command():
    completed = subprocess.run(
        [sys.executable, "-m", "skactive", "--help"], capture_output=True, text=True, check=True
    )
    assert "run" in completed.stdout and "Active-iNAS" in completed.stdout


def test_run_help_shows_every_option_with_its_default(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--help"])
    assert exit_.value.code == 0
    text = "".join(capsys.readouterr().out.split())  # wrapped lines break at spaces or hyphens
    run = build_parser()._subparsers._group_actions[0].choices["run"]
    options = [a for a in run._actions if a.option_strings and a.help != argparse.SUPPRESS]
    for action in options:
        if action.default not in (None, False, argparse.SUPPRESS):
            # argparse's formatter appends the default to the option's own help line.
            assert "".join(f"{action.help} (default: {action.default})".split()) in text
    assert all(name in text for name in STRATEGIES)


def test_jobs_auto_is_one_run_per_core_on_the_cpu_and_one_on_cuda(monkeypatch):
    args = build_parser().parse_args(["run", "--device", "cpu"])
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert (_n_jobs(args, 4), _n_jobs(args, 20)) == (4, 8)
    args.device = "cuda"  # resolve_device keeps an explicit device; nothing runs on it
    assert _n_jobs(args, 4) == 1
    args.jobs = 3
    assert _n_jobs(args, 4) == 3


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "run" in capsys.readouterr().out


def test_run_writes_table_summary_and_figure_and_prints_each_round(tmp_path, capsys):
    out = tmp_path / "results"
    argv = ["run", "--dataset", "digits", "--initial-size", "30", "--query-size", "30"]
    argv += ["--budget", "60"]
    argv += ["--baselines", "1x1", "--strategy", "softmax_response,random"]
    assert main([*argv, *TINY, "--max-stacks", "2", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "A(B, i, j)  " in printed and "fixed-1x1  " in printed and "AUC  " in printed
    rounds = [line for line in printed.splitlines() if "test accuracy 0." in line]
    assert len(rounds) == 8
    assert all("labels" in line and "A(resnet" in line for line in rounds)
    assert "AUC gain" in printed
    result = ExperimentResult.from_json(out / "results.json")
    verdict = next(line for line in printed.splitlines() if line.startswith("softmax_response:"))
    ours = result.aucs("active-inas", "softmax_response")[0]
    theirs = result.aucs("fixed-1x1", "softmax_response")[0]
    assert f"active-inas AUC {100 * ours:.1f} vs fixed-1x1 {100 * theirs:.1f}" in verdict
    assert "vs random sampling" in verdict
    assert result.settings["dataset"] == "digits"
    assert [row["n_labeled"] for row in result.rows] == [30, 60] * 4
    assert (out / "results.csv").read_text().splitlines()[0] == ",".join(COLUMNS)
    summary = json.loads((out / "summary.json").read_text())
    assert [row["method"] for row in summary["auc"]] == ["active-inas", "fixed-1x1"] * 2
    assert summary["auc"][0]["auc_std"] is None  # one repetition: no spread, JSON null
    assert summary["gains"][0]["baseline"] == "fixed-1x1"
    pytest.importorskip("matplotlib")
    assert (out / "learning_curves.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "architectures.png").read_bytes()[:4] == b"\x89PNG"
    (out / "summary.json").unlink()
    (out / "learning_curves.png").unlink()
    assert main(["summarize", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text()) == summary
    assert (out / "learning_curves.png").is_file()
    assert "AUC gain" in capsys.readouterr().out


def test_summarize_draws_the_choices_of_every_auto_strategy(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    rows = [
        dict(method="active-inas", strategy=strategy, repeat=0, round=round_,
             n_labeled=100 * (round_ + 1), accuracy=0.5 + 0.1 * round_,
             architecture="A(resnet, 1, 1)", fit_seconds=0.0, query_seconds=0.0,
             queried_by="margin" if round_ else "", query_shares=shares if round_ else None)
        for strategy, shares in (("auto", {"margin": 60, "random": 40}), ("auto:albl", None))
        for round_ in range(2)
    ]  # fmt: skip
    ExperimentResult(rows).to_json(tmp_path / "results.json")
    assert main(["summarize", str(tmp_path)]) == 0
    for name in ("strategy_choices.png", "strategy_choices_auto_albl.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def test_a_run_never_overwrites_an_earlier_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = ["run", "--dataset", "digits", "--initial-size", "30", "--query-size", "30"]
    argv += ["--budget", "30"]
    argv += ["--strategy", "random", "--baselines", "", *TINY, "--no-progress"]
    assert main(argv) == 0
    assert main(argv) == 0  # the default --out is a new folder per run
    runs = sorted((tmp_path / "skactive-results").iterdir())
    assert len(runs) == 2 and all((run / "results.json").is_file() for run in runs)
    earlier = (runs[0] / "results.json").read_bytes()
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--out", str(runs[0])])
    assert exit_.value.code == 2
    assert "is not empty" in capsys.readouterr().err
    assert (runs[0] / "results.json").read_bytes() == earlier
    assert main([*argv, "--out", str(runs[0]), "--overwrite"]) == 0


def test_initial_strategy_chooses_the_first_labels_and_is_recorded(tmp_path, capsys):
    argv = ["run", "--dataset", "digits", "--initial-size", "30", "--query-size", "30"]
    argv += ["--budget", "30"]
    argv += ["--strategy", "random", "--baselines", "", "--initial-strategy", "kmeans"]
    assert main([*argv, *TINY, "--out", str(tmp_path), "--no-progress"]) == 0
    assert "30 -> 30 labels by 30, the first 30 by kmeans" in capsys.readouterr().out
    result = ExperimentResult.from_json(tmp_path / "results.json")
    assert result.settings["initial_strategy"] == "kmeans"
    assert build_parser().parse_args(["run"]).initial_strategy == "random"


def test_summarize_needs_the_folder_of_a_run(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["summarize", str(tmp_path)])
    assert exit_.value.code == 2
    assert "results.json does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--strategy", "psychic"], "Unknown query strategy 'psychic'"),
        (["--initial-strategy", "coreset"], "invalid choice: 'coreset'"),
        (["--dataset", "cifar10"], "pass data_dir"),
        (["--budget", "5000"], "'budget' parameter of run_experiment must be between 200 and"),
        (["--baselines", "2by4"], "written IxJ"),
        (["--lr", "-1", "--jobs", "1"], "The 'lr' parameter of "),
        (["--threads", "0"], "--threads and --jobs must be at least 1"),
        (["--jobs", "0"], "--threads and --jobs must be at least 1"),
        (["--dataset", "cifar10", "--data-dir", "."], "cifar-10-batches-py/data_batch_1"),
    ],
)
def test_bad_arguments_exit_with_a_clear_message(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--dataset", "digits", *argv])  # digits loads at once
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_run_on_mnist1d_from_the_shared_folder(shared_data_dir, tmp_path, capsys):
    argv = ["run", "--dataset", "mnist1d_5k", "--data-dir", str(shared_data_dir)]
    argv += ["--initial-size", "40", "--query-size", "40", "--budget", "80"]
    argv += ["--inas-iterations", "0", "--strategy", "softmax_response", "--baselines", ""]
    assert main([*argv, *TINY, "--out", str(tmp_path), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "4000 training samples of shape (1, 40)" in printed
    assert printed.count("A(resnet1d, 1, 1)") == 2


def test_lada_and_softmax_response_run_under_the_same_mixup_training(tmp_path):
    argv = ["run", "--dataset", "digits", "--initial-size", "30", "--query-size", "10"]
    argv += ["--budget", "40"]
    argv += ["--strategy", "lada,softmax_response", "--baselines", "", "--mixup", "2.0"]
    argv += ["--inas-iterations", "0"]
    assert main([*argv, *TINY, "--out", str(tmp_path), "--no-progress"]) == 0
    result = ExperimentResult.from_json(tmp_path / "results.json")
    assert "mixup=2.0" in result.settings["estimator"]
    assert set(result.strategies) == {"lada", "softmax_response"}


def test_the_bare_run_without_its_data_package_says_how_to_install_it(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    # None in sys.modules makes the import fail, as when the package is not installed.
    monkeypatch.setitem(sys.modules, "mnist1d", None)
    monkeypatch.setitem(sys.modules, "mnist1d.data", None)
    with pytest.raises(SystemExit) as exit_:
        main(["run"])
    assert exit_.value.code == 2
    assert "pip install -e '.[datasets]'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no results folder left behind
