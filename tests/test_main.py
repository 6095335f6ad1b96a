"""The command line, ``python -m skactive`` (tests of skactive/__main__.py)."""

import json
import subprocess
import sys

import pytest

from skactive.__main__ import build_parser, main
from skactive.experiment import COLUMNS, ExperimentResult
from skactive.strategies import STRATEGIES

TINY = ["--max-epochs", "2", "--base-width", "4", "--train-batch-size", "32", "--lr", "0.01"]


def test_module_help_explains_the_run_command():
    completed = subprocess.run(
        [sys.executable, "-m", "skactive", "--help"], capture_output=True, text=True, check=True
    )
    assert "run" in completed.stdout and "Active-iNAS" in completed.stdout


def test_run_help_lists_every_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for option in ("--dataset", "--data-dir", "--strategy", "--baselines", "--initial"):
        assert option in text
    for option in ("--batch", "--budget", "--repeats", "--out", "--no-progress"):
        assert option in text
    assert all(name in text for name in STRATEGIES)


def test_bare_run_is_the_embedded_digits_default():
    args = build_parser().parse_args(["run"])
    assert (args.dataset, args.strategy, args.baselines) == ("digits", ["softmax_response"], [])
    assert (args.initial, args.batch, args.budget, args.repeats) == (100, 100, 500, 1)


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "run" in capsys.readouterr().out


def test_run_writes_table_summary_and_figure_and_prints_each_round(tmp_path, capsys):
    out = tmp_path / "results"
    argv = ["run", "--initial", "30", "--batch", "30", "--budget", "60", "--baselines", "1x1"]
    assert main([*argv, *TINY, "--max-stacks", "2", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    rounds = [line for line in printed.splitlines() if "test accuracy" in line]
    assert len(rounds) == 4
    assert all("labels" in line and "A(resnet" in line for line in rounds)
    assert "AUC gain" in printed and "fixed-1x1" in printed
    result = ExperimentResult.from_json(out / "results.json")
    assert result.settings["dataset"] == "digits"
    assert [row["n_labeled"] for row in result.rows] == [30, 60, 30, 60]
    assert (out / "results.csv").read_text().splitlines()[0] == ",".join(COLUMNS)
    summary = json.loads((out / "summary.json").read_text())
    assert [row["method"] for row in summary["auc"]] == ["active-inas", "fixed-1x1"]
    assert summary["auc"][0]["auc_std"] is None  # one repetition: no spread, JSON null
    assert summary["gains"][0]["baseline"] == "fixed-1x1"
    pytest.importorskip("matplotlib")
    assert (out / "learning_curves.png").read_bytes()[:4] == b"\x89PNG"
    (out / "summary.json").unlink()
    (out / "learning_curves.png").unlink()
    assert main(["summarize", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text()) == summary
    assert (out / "learning_curves.png").is_file()
    assert "AUC gain" in capsys.readouterr().out


def test_summarize_needs_the_folder_of_a_run(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["summarize", str(tmp_path)])
    assert exit_.value.code == 2
    assert "results.json does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--strategy", "psychic"], "unknown ['psychic']"),
        (["--dataset", "mnist1d_5k"], "give --data-dir"),
        (["--budget", "5000"], "--budget must be between 100 and 1257"),
        (["--baselines", "2by4"], "written IxJ"),
        (["--threads", "0"], "--threads and --jobs must be at least 1"),
        (["--jobs", "0"], "--threads and --jobs must be at least 1"),
        (["--dataset", "cifar10", "--data-dir", "."], "cifar-10-batches-py/data_batch_1"),
    ],
)
def test_bad_arguments_exit_with_a_clear_message(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        main(["run", *argv])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_run_on_mnist1d_from_the_shared_folder(shared_data_dir, tmp_path, capsys):
    argv = ["run", "--dataset", "mnist1d_5k", "--data-dir", str(shared_data_dir)]
    argv += ["--initial", "40", "--batch", "40", "--budget", "80", "--inas-iterations", "0"]
    assert main([*argv, *TINY, "--out", str(tmp_path), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "4000 training samples of shape (1, 40)" in printed
    assert printed.count("A(resnet1d, 1, 1)") == 2
