"""Command line: ``python -m skactive run`` (or ``skactive run``) simulates active learning.

``python -m skactive run`` with no other argument runs the embedded default: Active-iNAS with
softmax response on scikit-learn's digits, 100 random labels then four rounds of 100 queries,
printing the number of labels, the chosen architecture and the test accuracy of every round,
then the summary. Every option is described by ``python -m skactive run --help``.
``python -m skactive summarize DIR`` summarises and plots a finished run's table again.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import joblib
import torch

from . import __version__
from ._classifier import ActiveINASClassifier
from .datasets import DATASETS, load_dataset
from .experiment import ExperimentResult, parse_baseline, run_experiment
from .search_space import POOLINGS
from .strategies import STRATEGIES

_EXAMPLE = """\
examples:
  python -m skactive run
      the embedded default: digits, Active-iNAS, softmax response, 100 -> 500 labels
  python -m skactive run --dataset mnist1d_5k --data-dir ../shared/data \\
      --strategy softmax_response,random --baselines 2x4,1x2 \\
      --initial 200 --batch 200 --budget 1000 --repeats 3 --out results/mnist1d
"""


def _int_or_auto(text: str):
    """argparse type of the budget options: a positive integer or ``auto``."""
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer or auto, got {text!r}") from None


def _comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m skactive``.

    Returns
    -------
    argparse.ArgumentParser
        A parser with the sub-commands ``run`` and ``summarize``.

    Examples
    --------
    >>> from skactive.__main__ import build_parser
    >>> args = build_parser().parse_args(["run"])
    >>> args.dataset, args.initial, args.batch, args.budget
    ('digits', 100, 100, 500)
    """
    parser = argparse.ArgumentParser(
        prog="skactive",
        description=(
            "Deep active learning with an architecture that grows with the labeled set "
            "(Active-iNAS). The 'run' command simulates Algorithm 2 of Geifman & El-Yaniv "
            "(2019) on a labeled dataset: Active-iNAS against networks of fixed "
            "architecture, for one or more query strategies, over repetitions, and writes "
            "the learning curves, their areas (AUC) and a figure."
        ),
        epilog=_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"skactive {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="simulate active learning and compare Active-iNAS with fixed networks",
        description=(
            "Simulated-oracle active learning: draw --initial random labels, then query --batch "
            "samples per round with --strategy until --budget labels, scoring the test set "
            "every round; for Active-iNAS and every --baselines network, --repeats times with "
            "different seeds (the same initial labels for every method within a repetition). "
            "Writes OUT/results.csv and OUT/results.json (one row per method, strategy, "
            "repetition and round), OUT/summary.json (normalised AUC of every method and the "
            "AUC gain of Active-iNAS over each baseline with a 95% Student-t interval over "
            "repetitions) and OUT/learning_curves.png when matplotlib is installed."
        ),
        epilog=_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    data = run.add_argument_group("data")
    data.add_argument(
        "--dataset",
        default="digits",
        choices=DATASETS,
        metavar="NAME",
        help=f"dataset, one of {', '.join(DATASETS)} (default: digits, which needs no files)",
    )
    data.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder holding the dataset's files (torchvision's layout for cifar10, cifar100, "
        "svhn, mnist, fashion_mnist); nothing is ever downloaded",
    )
    loop = run.add_argument_group("active learning")
    loop.add_argument(
        "--strategy",
        default="softmax_response",
        type=_comma_list,
        metavar="S[,S...]",
        help=f"query strategies, comma-separated, among {', '.join(STRATEGIES)} "
        "(default: softmax_response)",
    )
    loop.add_argument(
        "--baselines",
        default=[],
        type=_comma_list,
        metavar="IxJ[,IxJ...]",
        help="fixed architectures A(B, I, J) to compare with, e.g. 2x4,1x2 (2x4 is ResNet-18); "
        "default: none",
    )
    loop.add_argument(
        "--initial", type=int, default=100, metavar="K", help="random labels to start with"
    )
    loop.add_argument("--batch", type=int, default=100, metavar="B", help="queries per round")
    loop.add_argument(
        "--budget", type=int, default=500, metavar="N", help="labels at the end (default: 500)"
    )
    loop.add_argument("--repeats", type=int, default=1, metavar="R", help="repetitions")
    loop.add_argument("--seed", type=int, default=0, help="seed of the repetitions")
    loop.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="runs (a repetition of one strategy and method) done at once in worker processes, "
        "each on --threads threads; the results do not depend on it (default: 1)",
    )
    model = run.add_argument_group("network and search (ActiveINASClassifier parameters)")
    model.add_argument(
        "--max-epochs",
        type=_int_or_auto,
        default="auto",
        help="epochs per training, or auto: enough for --min-steps steps, at least 30 "
        "(default: auto)",
    )
    model.add_argument(
        "--min-steps",
        type=int,
        default=800,
        help="optimizer steps per training under --max-epochs auto (default: 800)",
    )
    model.add_argument("--base-width", type=int, default=16, help="width of the first stack")
    model.add_argument(
        "--train-batch-size",
        type=_int_or_auto,
        default="auto",
        help="training batch size, or auto: the training set's size / 8 within [16, 128] "
        "(default: auto)",
    )
    model.add_argument("--lr", type=float, default=1e-2, help="peak learning rate")
    model.add_argument(
        "--pooling",
        choices=tuple(POOLINGS),
        default="pyramid",
        help="pooling of the last stack (default: pyramid)",
    )
    model.add_argument("--max-blocks", type=int, default=12, help="search-space bound on i")
    model.add_argument("--max-stacks", type=int, default=5, help="search-space bound on j")
    model.add_argument(
        "--inas-iterations", type=int, default=1, help="search steps per round (T_iNAS)"
    )
    model.add_argument("--device", default="auto", help="torch device (default: auto)")
    model.add_argument(
        "--n-jobs", type=int, default=None, help="candidates trained at once (joblib)"
    )
    model.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (default: 1, the fastest for small networks: the default "
        "digits run took 40 s on one thread and 7 min on two of a busy 2-core machine)",
    )
    output = run.add_argument_group("output")
    output.add_argument(
        "--out",
        default="skactive-results",
        metavar="DIR",
        help="folder for the table, summary and figure (default: skactive-results)",
    )
    output.add_argument(
        "--no-progress", action="store_true", help="hide the progress bar (stderr)"
    )
    summarize = commands.add_parser(
        "summarize",
        help="summarise and plot the results of an earlier run again",
        description=(
            "Read DIR/results.json written by 'run', print the summary and rewrite "
            "DIR/summary.json and DIR/learning_curves.png, without training anything."
        ),
    )
    summarize.add_argument("dir", metavar="DIR", help="the --out folder of a 'run'")
    return parser


def _percent(value: float) -> str:
    return "   n/a" if math.isnan(value) else f"{100 * value:6.2f}"


def format_summary(summary: dict) -> str:
    """The summary of :meth:`ExperimentResult.summary` as plain-text tables.

    Parameters
    ----------
    summary : dict
        As returned by :meth:`skactive.experiment.ExperimentResult.summary`.

    Returns
    -------
    str
        The AUC table, then the gains table when there are gains; values in percent.
    """
    lines = [
        "normalised area under the learning curve (mean accuracy over the budget, %), "
        "mean ± std over repetitions; seconds of fitting and querying per run",
        f"{'strategy':<18} {'method':<14} {'AUC':>6} {'± std':>6} {'final acc':>9} {'seconds':>8}",
    ]
    for row in summary["auc"]:
        lines.append(
            f"{row['strategy']:<18} {row['method']:<14} {_percent(row['auc_mean'])} "
            f"{_percent(row['auc_std'])} {_percent(row['final_accuracy_mean']):>9} "
            f"{row['seconds_mean']:8.1f}"
        )
    if summary["gains"]:
        level = round(100 * summary["confidence"])
        lines += [
            "",
            f"AUC gain (accuracy points) of active-inas over each baseline, {level}% t-interval",
            f"{'strategy':<18} {'baseline':<14} {'gain':>6} {'CI low':>6} {'CI high':>7} wins",
        ]
        for row in summary["gains"]:
            lines.append(
                f"{row['strategy']:<18} {row['baseline']:<14} {_percent(row['gain_mean'])} "
                f"{_percent(row['gain_ci_low'])} {_percent(row['gain_ci_high']):>7} "
                f"{row['wins']}/{row['n_repeats']}"
            )
    return "\n".join(lines)


def _without_nan(value):
    """Undefined statistics (one repetition) as JSON null rather than the non-standard NaN."""
    if isinstance(value, dict):
        return {key: _without_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nan(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _write_summary(result: ExperimentResult, out: Path) -> list[Path]:
    """Print the summary; write it as JSON and the learning curves as PNG (with matplotlib)."""
    print()
    print(format_summary(result.summary()))
    written = [out / "summary.json"]
    written[0].write_text(json.dumps(_without_nan(result.summary()), indent=1))
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError:
        print("matplotlib is not installed: no figure (pip install skactive[plot]).")
        return written
    figure = result.plot(title=result.settings.get("dataset"))
    written.append(out / "learning_curves.png")
    figure.savefig(written[-1], dpi=150)
    return written


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.threads < 1 or args.jobs < 1:
        parser.error("--threads and --jobs must be at least 1.")
    torch.set_num_threads(args.threads)
    unknown = [s for s in args.strategy if s not in STRATEGIES]
    if unknown or not args.strategy:
        parser.error(f"--strategy: unknown {unknown}; choose among {', '.join(STRATEGIES)}.")
    if args.dataset != "digits" and args.data_dir is None:
        parser.error(f"--dataset {args.dataset} is read from files: give --data-dir.")
    try:
        data = load_dataset(args.dataset, args.data_dir)
    except FileNotFoundError as error:
        parser.error(str(error))
    n_train = len(data.y_train)
    for flag, value, low, high in (
        ("--initial", args.initial, 1, n_train),
        ("--batch", args.batch, 1, None),
        ("--budget", args.budget, args.initial, n_train),
        ("--repeats", args.repeats, 1, None),
    ):
        if value < low or (high is not None and value > high):
            limit = f"between {low} and {high}" if high is not None else f"at least {low}"
            parser.error(f"{flag} must be {limit} for {data.name}, got {value}.")
    for baseline in args.baselines:
        try:
            parse_baseline(baseline)
        except ValueError as error:
            parser.error(f"--baselines: {error}")
    estimator = ActiveINASClassifier(
        max_epochs=args.max_epochs,
        min_steps=args.min_steps,
        base_width=args.base_width,
        batch_size=args.train_batch_size,
        lr=args.lr,
        pooling=args.pooling,
        max_blocks=args.max_blocks,
        max_stacks=args.max_stacks,
        inas_iterations=args.inas_iterations,
        device=args.device,
        n_jobs=args.n_jobs,
    )
    print(
        f"{data.name}: {len(data.y_train)} training samples of shape {data.sample_shape}, "
        f"{len(data.y_test)} test samples; {args.initial} -> {args.budget} labels by "
        f"{args.batch}, {args.repeats} repetition(s)"
    )
    # Worker processes start with OMP_NUM_THREADS set from inner_max_num_threads.
    with joblib.parallel_config(backend="loky", inner_max_num_threads=args.threads):
        result = _experiment(args, data, estimator)
    result.settings["dataset"] = data.name
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result.to_csv(out / "results.csv")
    result.to_json(out / "results.json")
    for path in [out / "results.csv", out / "results.json", *_write_summary(result, out)]:
        print(f"wrote {path}")
    return 0


def _experiment(args: argparse.Namespace, data, estimator) -> ExperimentResult:
    return run_experiment(
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        estimator=estimator,
        strategies=args.strategy,
        baselines=args.baselines,
        initial_size=args.initial,
        query_size=args.batch,
        budget=args.budget,
        n_repeats=args.repeats,
        random_state=args.seed,
        progress=not args.no_progress,
        verbose=1,
        n_jobs=args.jobs,
    )


def _summarize(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    path = Path(args.dir) / "results.json"
    if not path.is_file():
        parser.error(f"{path} does not exist: give the --out folder of a 'run'.")
    for written in _write_summary(ExperimentResult.from_json(path), Path(args.dir)):
        print(f"wrote {written}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m skactive`` and of the ``skactive`` script.

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments without the program name; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 on success. Bad arguments exit with status 2 and a message.
    """
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command is None:
        parser.print_help()
        return 2
    command = {"run": _run, "summarize": _summarize}[args.command]
    return command(args, parser)


if __name__ == "__main__":
    sys.exit(main())
