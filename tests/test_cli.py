"""The command line's arguments (tests of skactive/_cli.py)."""

from skactive import ActiveINASClassifier
from skactive._cli import ESTIMATOR_OPTIONS, build_parser


def test_network_options_are_the_estimators_parameters_with_its_defaults():
    args = build_parser().parse_args(["run"])
    defaults = ActiveINASClassifier().get_params()
    for name in ESTIMATOR_OPTIONS:
        assert getattr(args, name) == defaults[name]
    args = build_parser().parse_args(["run", "--batch-size", "64", "--max-epochs", "auto"])
    assert (args.batch_size, args.max_epochs) == (64, "auto")


def test_bare_run_compares_with_a_fixed_network_and_random_sampling():
    args = build_parser().parse_args(["run"])
    assert (args.dataset, args.strategy, args.baselines) == (
        "digits",
        ["softmax_response", "random"],
        ["2x4"],
    )
    assert (args.initial_size, args.query_size, args.budget, args.n_repeats) == (100, 100, 500, 1)
    assert (args.jobs, args.threads) == ("auto", 1)


def test_the_strategy_auto_is_an_option():
    args = build_parser().parse_args(["run", "--strategy", "auto,random"])
    assert args.strategy == ["auto", "random"]
    text = build_parser()._subparsers._group_actions[0].choices["run"].format_help()
    assert "auto chooses among random" in " ".join(text.split())
