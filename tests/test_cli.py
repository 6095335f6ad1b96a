"""The command line's arguments (tests of skactive/_cli.py)."""

import json

import pytest

from skactive import ActiveINASClassifier
from skactive.__main__ import main
from skactive._cli import DEFAULT_STRATEGIES, build_parser
from skactive._cli_options import ESTIMATOR_OPTIONS, TASK_DEFAULTS
from skactive.experiment import DOMAINS
from skactive.strategies import DEFAULT_CANDIDATES, AutoStrategy, resolve_strategy


def test_network_options_are_the_estimators_parameters_with_its_defaults():
    args = build_parser().parse_args(["run"])
    defaults = ActiveINASClassifier().get_params()
    for name in ESTIMATOR_OPTIONS:
        if name in TASK_DEFAULTS:  # absent unless given: each estimator keeps its own default
            assert not hasattr(args, name) and TASK_DEFAULTS[name][0] == defaults[name]
        else:
            assert getattr(args, name) == defaults[name]
    args = build_parser().parse_args(["run", "--batch-size", "64", "--max-epochs", "auto"])
    assert (args.batch_size, args.max_epochs) == (64, "auto")


def test_weight_decay_and_augment_take_the_estimators_values():
    parse = build_parser().parse_args
    assert parse(["run", "--weight-decay", "5e-4"]).weight_decay == 5e-4
    assert parse(["run", "--weight-decay", "auto"]).weight_decay == "auto"
    for text, value in (("crop", "crop"), ("true", True), ("False", False)):
        assert parse(["run", "--augment", text]).augment == value
        ActiveINASClassifier(augment=value)._validate_params()


def test_bare_run_compares_with_a_fixed_network_and_random_sampling():
    args = build_parser().parse_args(["run"])
    # MNIST-1D, where the search grows the network within the job's budget (digits would
    # stay at A(resnet, 1, 1)).
    assert (args.dataset, args.strategy, args.baselines) == ("mnist1d_5k", None, ["2x4"])
    # No --strategy: the task's defaults, softmax response and random sampling here.
    assert DEFAULT_STRATEGIES["classification"] == ["softmax_response", "random"]
    assert (args.initial_size, args.query_size, args.budget, args.n_repeats) == (200, 200, 800, 1)
    assert (args.jobs, args.threads, args.seed, args.data_dir) == ("auto", 1, 0, None)


def test_run_help_names_the_main_job_and_its_extra(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "MNIST-1D (mnist1d_5k), 200 -> 800 labels by 200" in text
    assert "pip install -e '.[plot,datasets]'" in text
    assert "(default: mnist1d_5k)" in text


def test_the_strategy_auto_is_the_bandit_over_the_default_candidates():
    args = build_parser().parse_args(["run", "--strategy", "auto,random,auto:albl"])
    assert args.strategy == ["auto", "random", "auto:albl"]
    auto = resolve_strategy(args.strategy[0])
    assert isinstance(auto, AutoStrategy)
    assert (auto.candidates, auto.method) == (DEFAULT_CANDIDATES, "mix")
    assert resolve_strategy(args.strategy[2]).method == "albl"


def test_mixup_takes_an_alpha_and_lada_is_a_strategy():
    parse = build_parser().parse_args
    assert parse(["run"]).mixup is None
    args = parse(["run", "--mixup", "2", "--strategy", "lada,softmax_response"])
    assert args.mixup == 2.0 and args.strategy == ["lada", "softmax_response"]
    ActiveINASClassifier(mixup=args.mixup)._validate_params()
    assert resolve_strategy(args.strategy[0]).__name__ == "lada"


def test_benchmark_takes_domains_strategies_and_a_smaller_protocol():
    args = build_parser().parse_args(["benchmark"])
    assert args.domains == list(DOMAINS) and args.strategies is None
    assert (args.n_repeats, args.budget, args.max_epochs, args.jobs, args.resume) == (
        None, None, None, 1, False,
    )  # fmt: skip
    argv = ["benchmark", "--domains", "digits", "--strategies", "random,softmax_response"]
    args = build_parser().parse_args([*argv, "--n-repeats", "2", "--budget", "60", "--resume"])
    assert (args.domains, args.strategies) == (["digits"], ["random", "softmax_response"])
    assert (args.n_repeats, args.budget, args.resume) == (2, 60, True)


def test_benchmark_help_lists_every_domain_with_its_protocol(capsys):
    with pytest.raises(SystemExit):
        main(["benchmark", "--help"])
    text = capsys.readouterr().out
    for domain in DOMAINS.values():
        assert f"{domain.name}: {domain.dataset}, {domain.family}; {domain.protocol}" in text


def test_benchmark_smoke_run_writes_ranks_and_page_and_refuses_bad_names(tmp_path, capsys):
    argv = ["benchmark", "--domains", "digits", "--strategies", "random,softmax_response"]
    argv += ["--n-repeats", "2", "--budget", "60", "--max-epochs", "1", "--base-width", "4"]
    argv += ["--inas-iterations", "0", "--no-progress", "--out", str(tmp_path)]
    assert main([*argv, "--image-dir", "results/bench"]) == 0
    ranks = json.loads((tmp_path / "ranks.json").read_text())
    assert {row["strategy"] for row in ranks["overall"]} == {"random", "softmax_response"}
    assert (tmp_path / "benchmark_digits.png").is_file()
    assert (
        ".. figure:: results/bench/benchmark_digits.png"
        in (tmp_path / "benchmark.rst").read_text()
    )
    assert "softmax_response" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main([*argv[:2], "digits,cifar", *argv[3:]])
    assert exit_.value.code == 2 and "unknown domain 'cifar'" in capsys.readouterr().err
