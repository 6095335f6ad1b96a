"""The command line's ``python -m skactive benchmark``: the strategies × domains matrix."""

from __future__ import annotations

import argparse
import json
import math
import textwrap
from pathlib import Path

import joblib
import torch

from ._cli_options import HelpFormatter, comma_list
from .experiment import DOMAINS, rank_table, run_benchmark, write_benchmark_page

BENCHMARK_DIR = "skactive-benchmark"
"""Where ``benchmark`` writes when no ``--out`` is given."""


def _domain_lines() -> str:
    lines = ["domains (name: dataset, family; labels, repetitions):"]
    for domain in DOMAINS.values():
        lines.append(f"  {domain.name}: {domain.dataset}, {domain.family}; {domain.protocol}")
    return "\n".join(lines)


_EXAMPLE = """\
examples:
  python -m skactive benchmark --jobs 8 --out benchmark
      every strategy on every domain; --resume goes on after an interruption
  python -m skactive benchmark --domains digits --strategies random,softmax_response \\
      --n-repeats 2 --budget 100 --max-epochs 2 --inas-iterations 0
      a smoke run in seconds
"""


def add_benchmark_command(commands) -> None:
    """The ``benchmark`` sub-command and its options, on the sub-parsers of ``skactive``."""
    parser = commands.add_parser(
        "benchmark",
        help="run every strategy on every domain and rank them, as CDALBench",
        description=textwrap.fill(
            "The benchmark matrix: Active-iNAS with each --strategies on each --domains, "
            "each domain with its own protocol and network, repeated with paired seeds "
            "(run_experiment). Writes OUT/DOMAIN/results.json and results.csv, ranks.json "
            "(each strategy's mean rank by normalised AUC per domain and across domains, "
            "with 95% bootstrap intervals over repetitions, and which strategies beat "
            "random), and benchmark.rst with a figure per domain, for the docs to include.",
            width=88,
        )
        + "\n\n"
        + _domain_lines(),
        epilog=_EXAMPLE,
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--domains",
        type=comma_list,
        default=",".join(DOMAINS),
        metavar="D[,D...]",
        help="domains, comma-separated",
    )
    parser.add_argument(
        "--strategies",
        type=comma_list,
        metavar="S[,S...]",
        help="query strategies, comma-separated; default: every strategy, auto, and "
        "the greedy oracle (the ceiling)",
    )
    parser.add_argument(
        "--n-repeats", type=int, metavar="R", help="repetitions of every domain instead of its own"
    )
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="runs done at once")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of each run")
    parser.add_argument("--out", default=BENCHMARK_DIR, metavar="DIR", help="output folder")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="go on with the benchmark in --out: finished runs are not run again",
    )
    parser.add_argument("--data-dir", metavar="DIR", help="folder of the datasets' files")
    parser.add_argument(
        "--image-dir",
        metavar="PATH",
        help="the path by which benchmark.rst names its figures, for a page that includes it "
        "from another folder (e.g. results/benchmark); default: their file names",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="hide the progress bars (stderr)"
    )
    shrink = parser.add_argument_group("a smaller protocol, for a quick look")
    shrink.add_argument(
        "--budget", type=int, metavar="N", help="labels at the end of every domain"
    )
    for name, help_ in (
        ("max_epochs", "epochs per training"),
        ("base_width", "channels (units) of the first stack"),
        ("inas_iterations", "search steps per round (0: no search)"),
    ):
        shrink.add_argument("--" + name.replace("_", "-"), type=int, metavar="N", help=help_)


def _without_nan(value):
    if isinstance(value, dict):
        return {key: _without_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nan(item) for item in value]
    return None if isinstance(value, float) and math.isnan(value) else value


def benchmark_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run ``python -m skactive benchmark`` with the parsed ``args``; 0 on success."""
    if args.threads < 1 or args.jobs < 1:
        parser.error("--threads and --jobs must be at least 1.")
    overrides = {
        name: getattr(args, name)
        for name in ("max_epochs", "base_width", "inas_iterations")
        if getattr(args, name) is not None
    }
    torch.set_num_threads(args.threads)
    try:
        # Worker processes start with OMP_NUM_THREADS set from inner_max_num_threads.
        with joblib.parallel_config(backend="loky", inner_max_num_threads=args.threads):
            results = run_benchmark(
                args.domains,
                args.strategies,
                out_dir=args.out,
                n_repeats=args.n_repeats,
                budget=args.budget,
                estimator_params=overrides,
                jobs=args.jobs,
                resume=args.resume,
                data_dir=args.data_dir,
                progress=not args.no_progress,
            )
    except ValueError as error:
        parser.error(str(error))
    table = rank_table(results)
    out = Path(args.out)
    (out / "ranks.json").write_text(json.dumps(_without_nan(table), indent=1))
    print(f"\n{'strategy':<22}{'mean rank':>10}  interval       beats random in")
    for row in table["overall"]:
        interval = f"[{row['rank_ci_low']:.2f}, {row['rank_ci_high']:.2f}]"
        print(
            f"{row['strategy']:<22}{row['mean_rank']:>10.2f}  {interval:<14} "
            f"{', '.join(row['beats_random']) or '-'}"
        )
    for path in [
        out / "ranks.json",
        *write_benchmark_page(results, out, table=table, image_dir=args.image_dir),
    ]:
        print(f"wrote {path}")
    return 0
