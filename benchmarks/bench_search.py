"""The cost of the architecture search: Active-iNAS rounds against a fixed network.

For each dataset, the same active-learning runs (softmax response, 200 random labels, then
200 queried per round up to 1,000, 5 repetitions with the same seeds, networks of
``base_width=8`` as on the results page) with three methods:

- ``paper``: Active-iNAS with the paper's search (``skactive.PAPER_SEARCH``): every round,
  three candidates trained as long as the final network on 80% of the labels, then the
  winner trained anew on all of them;
- ``default``: Active-iNAS with the estimator's defaults (candidates trained for a quarter of
  the budget, on several folds while a fifth of the labels is under 100, the winner going on
  from its candidate);
- ``fixed-2x4``: the network fixed at ResNet-18's layout, A(B, 2, 4), trained once per round.

It prints, per dataset, the CPU seconds of each method summed over rounds and repetitions
(fit and query, :data:`skactive.experiment.COLUMNS`' ``cpu_seconds``: the compute each run
took, whatever else shared the machine), their ratio to the fixed network, every method's
normalised AUC, and the paired AUC difference of the default against the paper's search with
its 95% Student-t interval. Each run trains on one torch thread; ``--jobs`` runs that many at
once in worker processes (the table does not depend on it, but for the seconds' noise).

Usage::

    python benchmarks/bench_search.py                        # both datasets, about 1.5 CPU-hours
    python benchmarks/bench_search.py --datasets mnist1d_5k --repeats 2 --jobs 2
    python benchmarks/bench_search.py --table runs/           # the table of saved runs
    python benchmarks/bench_search.py --groups default --out runs/  # paper's runs saved there

Runs are saved as ``<out>/<dataset>_<method group>.json`` (:meth:`ExperimentResult.to_json`),
so ``--table`` prints the table again without training, and ``--groups`` runs some groups
only: a run of the results page with the same settings (``--strategy softmax_response
--baselines 2x4 --base-width 8 --candidate-budget 1 --no-reuse-winner --min-validation-size
0``, 5 repetitions, seed 0) is the ``paper`` group, with ``active-inas`` renamed ``paper``.

The numbers are in ``docs/engine.rst``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from skactive import PAPER_SEARCH, ActiveINASClassifier  # noqa: E402
from skactive.datasets import load_dataset  # noqa: E402
from skactive.experiment import ExperimentResult, run_experiment, t_interval  # noqa: E402

GROUPS = {
    # The fixed network runs beside the paper's search; both groups draw the same seeds.
    # base_width=8 as on the results page, which measured the paper's search at this scale.
    "paper": (ActiveINASClassifier(device="cpu", base_width=8, **PAPER_SEARCH), ["2x4"]),
    "default": (ActiveINASClassifier(device="cpu", base_width=8), []),
}
"""Each group is one call of run_experiment: its Active-iNAS estimator and its baselines."""


def run_group(dataset: str, group: str, n_repeats: int, n_jobs: int) -> ExperimentResult:
    """The runs of one group on one dataset, methods renamed after the group."""
    data = load_dataset(dataset)
    estimator, baselines = GROUPS[group]
    result = run_experiment(
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        estimator=estimator,
        strategies=["softmax_response"],
        baselines=baselines,
        initial_size=200,
        query_size=200,
        budget=1000,
        n_repeats=n_repeats,
        random_state=0,
        n_jobs=n_jobs,
    )
    for row in result.rows:
        if row["method"] == "active-inas":
            row["method"] = group
    return result


def table(results: dict[str, ExperimentResult]) -> str:
    """The cost and AUC table of each dataset's merged runs."""
    lines = []
    for dataset, result in results.items():
        seconds = {
            method: sum(r["cpu_seconds"] for r in result.rows if r["method"] == method)
            for method in result.methods
        }
        lines.append(f"\n{dataset}: CPU seconds over all rounds and repetitions, one thread")
        lines.append(f"{'method':<12} {'seconds':>9} {'/ fixed-2x4':>12} {'AUC':>7}")
        for method in result.methods:
            auc = 100 * result.aucs(method, "softmax_response").mean()
            ratio = seconds[method] / seconds["fixed-2x4"]
            lines.append(f"{method:<12} {seconds[method]:>9.0f} {ratio:>12.2f} {auc:>7.2f}")
        if {"paper", "default"} <= set(result.methods):
            diff = 100 * (
                result.aucs("default", "softmax_response")
                - result.aucs("paper", "softmax_response")
            )
            mean, low, high = t_interval(diff)
            wins = int(np.sum(diff > 0))
            lines.append(
                f"default - paper AUC: {mean:+.2f} points (95% CI {low:+.2f} to {high:+.2f}), "
                f"default higher in {wins} of {len(diff)} repetitions"
            )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="mnist1d_5k,mnist_5k")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=1, help="runs at once, in processes")
    parser.add_argument("--out", default="bench_search_runs", help="folder for the runs")
    parser.add_argument("--table", metavar="DIR", help="print the table of saved runs only")
    parser.add_argument(
        "--groups",
        default=",".join(GROUPS),
        help="groups to run (the others are read from --out where saved): paper, default",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    out = Path(args.table or args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for dataset in args.datasets.split(","):
        rows = []
        for group in GROUPS:
            path = out / f"{dataset}_{group}.json"
            if args.table is None and group in args.groups.split(","):
                run_group(dataset, group, args.repeats, args.jobs).to_json(path)
            if path.exists():
                rows += ExperimentResult.from_json(path).rows
        if rows:
            results[dataset] = ExperimentResult(rows)
    print(table(results))


if __name__ == "__main__":
    main()
