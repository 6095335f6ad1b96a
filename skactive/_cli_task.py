"""The task of ``run``'s ``--dataset``: its default strategies, its estimator, and the
strategies and options of the other task refused before anything is loaded or trained."""

from __future__ import annotations

import argparse

from ._classifier import ActiveINASClassifier
from ._cli import DEFAULT_STRATEGIES
from ._cli_options import estimator_params
from ._regressor import ActiveINASRegressor
from .datasets import DATASET_TASKS
from .experiment import GP_BO
from .strategies import ORACLE, REGRESSION_STRATEGIES, STRATEGY_NAMES


def check_task(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    """The task of --dataset; --strategy defaulted for it, and a strategy or option of the
    other task refused, naming both, before anything is loaded or trained."""
    task = DATASET_TASKS[args.dataset]
    if args.strategy is None:
        args.strategy = list(DEFAULT_STRATEGIES[task])
    regression = task == "regression"
    for strategy in args.strategy:
        if (
            regression
            and strategy not in REGRESSION_STRATEGIES
            and (strategy in STRATEGY_NAMES or strategy == ORACLE)
        ):
            parser.error(
                f"--strategy {strategy} is a classification strategy, but --dataset "
                f"{args.dataset} is a regression task; use one of "
                f"{', '.join(REGRESSION_STRATEGIES)}."
            )
        if (
            not regression
            and strategy in REGRESSION_STRATEGIES
            and strategy not in (STRATEGY_NAMES)
        ):
            parser.error(
                f"--strategy {strategy} is a regression strategy, but --dataset "
                f"{args.dataset} is a classification task."
            )
    if regression and args.mixup is not None:
        parser.error(
            f"--mixup trains on mixed class labels, but --dataset {args.dataset} is a "
            "regression task."
        )
    if not regression and GP_BO in args.baselines:
        parser.error(
            f"--baselines {GP_BO} is a baseline of regression tasks, but --dataset "
            f"{args.dataset} is a classification task."
        )
    return task


def task_estimator(args: argparse.Namespace, task: str):
    """ActiveINASClassifier or, for a regression --dataset, ActiveINASRegressor."""
    params = estimator_params(args)
    if task == "regression":
        del params["mixup"]  # refused above unless None: the regressor has no such parameter
        return ActiveINASRegressor(**params)
    return ActiveINASClassifier(**params)
