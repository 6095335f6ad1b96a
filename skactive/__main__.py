"""Command line: ``python -m skactive run`` (or ``skactive run``) simulates active learning.

``python -m skactive run`` with no other argument runs the embedded default, the main job:
Active-iNAS and the fixed ResNet-18 layout, by softmax response and at random, on MNIST-1D
(``mnist1d_5k``, from the ``mnist1d`` package of the ``datasets`` extra), 200 random labels
then three rounds of 200 queries, printing the number of labels, the chosen architecture and
the test accuracy of every round, then the summary. A regression ``--dataset`` (``diabetes``,
``friedman1``, ``friedman3``, the active search ``interaction``) runs
:class:`~skactive.ActiveINASRegressor`, scored by the test RMSE. Every option is described by
``python -m skactive run --help``.
``python -m skactive summarize DIR`` summarises and plots a finished run's table again, and
``summarize DIR DIR ... --out OUT`` puts runs with the same data, loop and seeds together.
``python -m skactive labelstudio --checkpoint-dir DIR`` serves the estimator to Label Studio
as its ML backend (:mod:`skactive.labelstudio`).
``python -m skactive label DATA`` serves a page to label DATA by hand while Active-iNAS
learns (:mod:`skactive.label`).
``python -m skactive benchmark`` runs every strategy on every domain of
:data:`skactive.experiment.DOMAINS` and ranks them (:func:`skactive.experiment.run_benchmark`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from pathlib import Path

import joblib
import torch
from sklearn.utils._param_validation import InvalidParameterError

from ._classifier import ActiveINASClassifier
from ._cli import RESULTS_DIR, build_parser
from ._cli_benchmark import benchmark_command
from ._cli_options import estimator_params
from ._cli_task import check_task, task_estimator
from .datasets import load_dataset
from .experiment import (
    ACTIVE_INAS,
    GP_BO,
    ExperimentResult,
    combine_results,
    format_summary,
    legend,
    plot_architectures,
    plot_strategy_choices,
    run_experiment,
    verdict,
)
from .training import device_type

_OUTPUTS = (
    "results.csv",
    "results.json",
    "summary.json",
    "learning_curves.png",
    "strategy_choices.png",
    "architectures.png",
)
_PARTIAL = "results.partial.json"
"""The table of the finished runs while 'run' goes on, removed when it ends."""


def _output_dir(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Path:
    """The folder of this run: never one that holds an earlier run, unless --overwrite."""
    if args.out is None:
        stem = Path(RESULTS_DIR) / f"{args.dataset}-{time.strftime('%Y%m%d-%H%M%S')}"
        out, suffix = stem, 1
        while out.exists():
            suffix += 1
            out = stem.with_name(f"{stem.name}-{suffix}")
        return out
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        parser.error(f"--out {out} is a file, not a folder.")
    resume = getattr(args, "resume", False)
    if resume and not (out / _PARTIAL).is_file():
        if not (out / "results.json").is_file():
            parser.error(
                f"--resume goes on with {out / _PARTIAL}, or adds repetitions to "
                f"{out / 'results.json'}, and neither exists."
            )
        # A finished run goes on as an interrupted one: with a larger --n-repeats, only
        # the new repetitions run.
        shutil.copyfile(out / "results.json", out / _PARTIAL)
    if out.is_dir() and any(out.iterdir()) and not (args.overwrite or resume):
        go_on = ", or --resume to go on with an interrupted run" if hasattr(args, "resume") else ""
        parser.error(
            f"--out {out} is not empty, and a run would overwrite what it holds: give another "
            f"--out, or --overwrite to replace its files{go_on}."
        )
    if args.overwrite and not resume:
        (out / _PARTIAL).unlink(missing_ok=True)
    return out


def _n_jobs(args: argparse.Namespace, n_runs: int) -> int:
    """--jobs auto: one run per CPU core on the CPU, one at a time on a GPU."""
    if args.jobs != "auto":
        return args.jobs
    if device_type(args.device) != "cpu":
        return 1
    return max(1, min(n_runs, os.cpu_count() or 1))


def _without_nan(value):
    """Undefined statistics (one repetition) as JSON null rather than the non-standard NaN."""
    if isinstance(value, dict):
        return {key: _without_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nan(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _write_tables(result: ExperimentResult, out: Path) -> list[Path]:
    """Write the experiment table as CSV and JSON into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    result.to_csv(out / "results.csv")
    result.to_json(out / "results.json")
    return [out / "results.csv", out / "results.json"]


def _write_summary(result: ExperimentResult, out: Path) -> list[Path]:
    """Print the summary and verdict; write the summary as JSON and the figure as PNG."""
    summary = result.summary()
    print()
    print(format_summary(summary))
    if verdict(summary):
        print()
        print(verdict(summary))
    written = [out / "summary.json"]
    written[0].write_text(json.dumps(_without_nan(summary), indent=1))
    try:
        import matplotlib

        matplotlib.use("Agg")
    except ImportError:
        print("matplotlib is not installed, so no figure: pip install matplotlib")
        return written
    from matplotlib import pyplot

    figures = {"learning_curves.png": result.plot(title=result.settings.get("dataset"))}
    for strategy in result.strategies:
        if strategy.partition(":")[0] == "auto":
            suffix = "" if strategy == "auto" else "_" + strategy.replace(":", "_")
            figures[f"strategy_choices{suffix}.png"] = plot_strategy_choices(result, strategy)
    searched = [row for row in result.rows if row["method"] == ACTIVE_INAS]
    if searched and all(row.get("architecture") for row in searched):
        figures["architectures.png"] = plot_architectures(
            result, title=result.settings.get("dataset")
        )
    for name, figure in figures.items():
        written.append(out / name)
        figure.savefig(written[-1], dpi=150)
        pyplot.close(figure)  # a long session of summaries would keep every figure open
    return written


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.threads < 1 or (args.jobs != "auto" and args.jobs < 1):
        parser.error("--threads and --jobs must be at least 1.")
    task = check_task(args, parser)
    out = _output_dir(args, parser)
    torch.set_num_threads(args.threads)
    try:
        data = load_dataset(args.dataset, args.data_dir)
    except (FileNotFoundError, ValueError) as error:
        parser.error(str(error))
    except ImportError as error:
        # The package that generates the data is an extra: say how to add it, not a traceback.
        parser.error(
            f"--dataset {args.dataset} comes from a package of the datasets extra, which is "
            f"not installed ({error.__cause__ or error}): pip install -e '.[datasets]' in the "
            "repository, pip install 'skactive[datasets]' otherwise, or give --data-dir."
        )
    estimator = task_estimator(args, task)
    methods = [ACTIVE_INAS, *(b if b == GP_BO else f"fixed-{b.lower()}" for b in args.baselines)]
    first = "at random" if args.initial_strategy == "random" else f"by {args.initial_strategy}"
    goal = ""
    if task == "regression":
        goal = f", targets from {data.y_train.min():.4g} to {data.y_train.max():.4g}"
    if data.top_fraction is not None:
        goal += f"; the goal: the top {100 * data.top_fraction:g}% of the pool"
    print(
        f"{data.name}: {len(data.y_train)} training samples of shape {data.sample_shape}, "
        f"{len(data.y_test)} test samples{goal}; {args.initial_size} -> {args.budget} labels "
        f"by {args.query_size}, the first {args.initial_size} {first}, {args.n_repeats} "
        "repetition(s)\n"
    )
    metric = "rmse" if task == "regression" else "accuracy"
    print(legend(methods, args.strategy, metric=metric, top_fraction=data.top_fraction) + "\n")
    n_jobs = _n_jobs(args, args.n_repeats * len(args.strategy) * len(methods))
    out.mkdir(parents=True, exist_ok=True)
    try:
        # Worker processes start with OMP_NUM_THREADS set from inner_max_num_threads.
        with joblib.parallel_config(backend="loky", inner_max_num_threads=args.threads):
            result = _experiment(args, data, estimator, n_jobs, out / _PARTIAL)
    except (InvalidParameterError, ImportError) as error:
        parser.error(str(error))
    result.settings["dataset"] = data.name
    written = _write_tables(result, out)
    (out / _PARTIAL).unlink()
    for path in [*written, *_write_summary(result, out)]:
        print(f"wrote {path}")
    return 0


def _experiment(
    args: argparse.Namespace, data, estimator, n_jobs: int, checkpoint: Path
) -> ExperimentResult:
    return run_experiment(
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        estimator=estimator,
        strategies=args.strategy,
        baselines=args.baselines,
        initial_strategy=args.initial_strategy,
        initial_size=args.initial_size,
        query_size=args.query_size,
        budget=args.budget,
        n_repeats=args.n_repeats,
        random_state=args.seed,
        progress=not args.no_progress,
        verbose=1,
        n_jobs=n_jobs,
        checkpoint=checkpoint,
        top_fraction=data.top_fraction,
    )


def _summarize(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    paths = [Path(folder) / "results.json" for folder in args.dir]
    for path in paths:
        if not path.is_file():
            parser.error(f"{path} does not exist: give the --out folder of a 'run'.")
    if len(paths) > 1 and args.out is None:
        parser.error("several DIRs are put together into a new folder: give --out.")
    results = [ExperimentResult.from_json(path) for path in paths]
    written = []
    if args.out is None:
        result, out = results[0], Path(args.dir[0])
    else:
        out = _output_dir(args, parser)
        try:
            result = combine_results(results, names=args.dir)
        except ValueError as error:
            parser.error(str(error))
        written = _write_tables(result, out)
    for path in [*written, *_write_summary(result, out)]:
        print(f"wrote {path}")
    return 0


def _labelstudio(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .labelstudio import ImageResolver, LabelStudioBackend, make_server

    estimator = ActiveINASClassifier(
        query_strategy=args.strategy,
        random_state=args.seed,
        **estimator_params(args),
    )
    try:
        images = ImageResolver(
            image_shape=args.image_shape,
            roots=args.image_root,
            label_studio_url=args.label_studio_url,
            api_key=args.api_key or os.environ.get("LABEL_STUDIO_API_KEY"),
        )
        backend = LabelStudioBackend(
            args.checkpoint_dir,
            estimator,
            images=images,
            min_labels=args.min_labels,
            score_order=args.score_order,
        )
    except (ValueError, RuntimeError) as error:
        parser.error(str(error))
    server = make_server(backend, args.host, args.port)
    host, port = server.server_address[:2]
    health = backend.health()
    print(
        f"Label Studio ML backend on http://{host}:{port} ({health['model_version']}, "
        f"{health['n_labels']} labels in {args.checkpoint_dir}); Ctrl-C stops it",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        backend.close()
    return 0


def _label(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    # Imported here, as the Label Studio backend is: run and summarize need no web server.
    from .label import run_app

    params = estimator_params(args)
    params["query_strategy"] = args.query_strategy
    try:
        return run_app(
            args.data,
            classes=args.classes,
            store=args.store,
            host=args.host,
            port=args.port,
            token=args.token,
            batch_size=args.query_size,
            cold_start=args.cold_start,
            image_size=args.image_size,
            rgb=args.rgb,
            random_state=args.seed,
            estimator_params=params,
            export=args.export,
            risk=args.risk,
            delta=args.delta,
        )
    except ValueError as err:
        parser.error(str(err))


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
    command = {
        "run": _run,
        "summarize": _summarize,
        "label": _label,
        "labelstudio": _labelstudio,
        "benchmark": benchmark_command,
    }[args.command]
    return command(args, parser)


if __name__ == "__main__":
    sys.exit(main())
