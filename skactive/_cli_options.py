"""The command line's shared options: the estimator's parameters as options, and parsers.

The network options are generated from :class:`~skactive.ActiveINASClassifier`'s own
parameters and defaults (:data:`ESTIMATOR_OPTIONS`), so the command line never restates them.
"""

from __future__ import annotations

import argparse

from ._classifier import ActiveINASClassifier
from ._regressor import ActiveINASRegressor
from .networks import POOLINGS

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
"""Parameters of ActiveINASClassifier and ActiveINASRegressor the command line sets, with their
help. Each option is the parameter's name with dashes, and its default is the estimator's own."""

_CLASSIFIER_DEFAULTS = ActiveINASClassifier().get_params()
_REGRESSOR_DEFAULTS = ActiveINASRegressor().get_params()
TASK_DEFAULTS = {
    name: (_CLASSIFIER_DEFAULTS[name], _REGRESSOR_DEFAULTS[name])
    for name in ESTIMATOR_OPTIONS
    if name in _REGRESSOR_DEFAULTS and _CLASSIFIER_DEFAULTS[name] != _REGRESSOR_DEFAULTS[name]
}
"""The options whose default depends on the task, as ``(classification, regression)``. They are
absent from the parsed arguments unless given, so that each estimator keeps its own default."""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Every option's default in ``--help``, and the examples as written."""


def or_auto(kind):
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


int_or_auto = or_auto(int)
float_or_auto = or_auto(float)


def augment_option(text: str):
    """argparse type of ``--augment``: the estimator's ``"crop"``, True or False."""
    values = {"crop": "crop", "true": True, "false": False}
    if text.lower() not in values:
        raise argparse.ArgumentTypeError(f"expected crop, true or false, got {text!r}")
    return values[text.lower()]


def add_estimator_options(parser) -> None:
    """The estimator parameters of :data:`ESTIMATOR_OPTIONS`, as a group of options."""
    group = parser.add_argument_group(
        "network and search (ActiveINASClassifier and ActiveINASRegressor parameters)"
    )
    for name, help_ in ESTIMATOR_OPTIONS.items():
        task_dependent = name in TASK_DEFAULTS
        if task_dependent:
            classification, regression = TASK_DEFAULTS[name]
            help_ += f" (default: {classification}; {regression} for a regression dataset)"
        estimator_option(group, name, _CLASSIFIER_DEFAULTS[name], help_, absent=task_dependent)


def estimator_params(args: argparse.Namespace) -> dict:
    """The estimator options of ``args`` as parameters; an option whose default depends on the
    task (:data:`TASK_DEFAULTS`) is left out unless given, so the estimator keeps its own.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by a parser with :func:`add_estimator_options`.

    Returns
    -------
    dict
        Parameter names and values, for ``ActiveINASClassifier(**params)`` or the regressor.
    """
    return {name: getattr(args, name) for name in ESTIMATOR_OPTIONS if hasattr(args, name)}


def comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def estimator_option(group, name: str, default, help_: str, absent: bool = False) -> None:
    # absent: the option is left out of the namespace unless given (argparse.SUPPRESS, which
    # also keeps "(default: ...)" out of the help), so the estimator keeps its own default.
    choices = {"pooling": tuple(POOLINGS)}.get(name)
    parsed_default = argparse.SUPPRESS if absent else default
    if isinstance(default, bool):
        group.add_argument(
            "--" + name.replace("_", "-"),
            action=argparse.BooleanOptionalAction,
            default=parsed_default,
            help=help_,
        )
        return
    if choices is not None:
        kind = str
    elif name == "augment":
        kind = augment_option
    elif name == "mixup":
        kind = float
    elif default == "auto":
        kind = {"weight_decay": float_or_auto, "device": str}.get(name, int_or_auto)
    elif isinstance(default, str):
        kind = str
    elif isinstance(default, float):
        kind = float
    else:
        kind = int  # the integers, and n_jobs, whose default is None
    group.add_argument(
        "--" + name.replace("_", "-"),
        type=kind,
        default=parsed_default,
        choices=choices,
        help=help_,
    )
