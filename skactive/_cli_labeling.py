"""The command line's serving sub-commands: ``label`` (a person labels in the browser) and
``labelstudio`` (a Label Studio ML backend)."""

from __future__ import annotations

import argparse
import textwrap

from ._cli_options import HelpFormatter, add_estimator_options, comma_list
from .strategies import COLD_START_STRATEGIES, STRATEGY_NAMES


def image_shape(text: str) -> tuple[int, ...]:
    """argparse type of ``--image-shape``: C,H,W."""
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        shape = ()
    if len(shape) != 3 or shape[0] not in (1, 3) or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"expected C,H,W with C 1 or 3, got {text!r}")
    return shape


def open_unit(text: str) -> float:
    """argparse type of ``--risk`` and ``--delta``: a number in (0, 1)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1), got {text!r}")
    return value


def add_labelstudio_command(commands) -> None:
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
        formatter_class=HelpFormatter,
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
        type=image_shape,
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
    add_estimator_options(serve)


def add_label_command(commands) -> None:
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
        formatter_class=HelpFormatter,
    )
    label.add_argument(
        "data",
        metavar="DATA",
        help="a folder of images (files in a sub-folder are labeled with its name), a "
        ".npy/.npz array of images or sequences, or a .csv of feature rows",
    )
    label.add_argument(
        "--classes", type=comma_list, default=[], metavar="A,B,...", help="the labels"
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
    label.add_argument(
        "--risk",
        type=open_unit,
        default=0.02,
        metavar="R",
        help="error rate the model's own labels may have: the page shows the share of the "
        "unlabeled samples it would label at this risk, and the export adds those labels",
    )
    label.add_argument(
        "--delta",
        type=open_unit,
        default=0.05,
        metavar="D",
        help="probability that the risk bound fails (it holds with probability 1 - D)",
    )
    add_estimator_options(label)
