"""What one run of each benchmark domain costs, and what the whole matrix would.

For each domain of :data:`skactive.experiment.DOMAINS` (or those named), one repetition of
``random`` and one of ``softmax_response`` run with the domain's protocol and network
(:func:`skactive.experiment.run_experiment`, Active-iNAS, seed 0) on one CPU thread. The
table gives the mean, smallest and largest CPU seconds of those runs (the ``cpu_seconds``
column summed over a run's rounds: fit, search, query and teach, of this process alone,
however busy the machine) and the projected CPU hours of the full matrix: the mean times
every default strategy times the domain's repetitions. ``--all-strategies`` runs each
default strategy once instead, which measured 7% (wine) to 18% (digits) more on average: the
ensemble trains several networks and costs about three times as much.

Usage::

    nice -n 10 python benchmarks/bench_matrix_cost.py
    python benchmarks/bench_matrix_cost.py --domains wine,digits --all-strategies

The table it printed is in ``docs/results.rst`` ("The benchmark matrix").
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

from skactive import ActiveINASClassifier  # noqa: E402
from skactive.datasets import load_dataset  # noqa: E402
from skactive.experiment import DOMAINS, default_strategies, run_experiment  # noqa: E402

STRATEGIES = ("random", "softmax_response")


def run_cost(domain, data, strategy: str) -> float:
    """CPU seconds of one repetition of ``strategy`` with the domain's protocol."""
    result = run_experiment(
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        estimator=ActiveINASClassifier(**domain.estimator_params),
        strategies=[strategy],
        initial_size=domain.initial_size,
        query_size=domain.query_size,
        budget=domain.budget,
        n_repeats=1,
        progress=False,
    )
    return sum(float(row["cpu_seconds"]) for row in result.rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", default=",".join(DOMAINS))
    parser.add_argument("--data-dir")
    parser.add_argument("--all-strategies", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    n_strategies = len(default_strategies())
    measured = default_strategies() if args.all_strategies else STRATEGIES
    print(f"{'domain':<15}{'mean s':>10}{'min s':>8}{'max s':>8}{'runs':>7}{'CPU h':>8}")
    total = 0.0
    for name in args.domains.split(","):
        domain = DOMAINS[name]
        try:
            data = load_dataset(domain.dataset, args.data_dir)
        except (FileNotFoundError, ImportError, ValueError) as error:
            print(f"{name:<15}not measured: {error}")
            continue
        costs = [run_cost(domain, data, strategy) for strategy in measured]
        mean = sum(costs) / len(costs)
        runs = n_strategies * domain.n_repeats
        total += mean * runs / 3600
        print(
            f"{name:<15}{mean:>10.1f}{min(costs):>8.1f}{max(costs):>8.1f}{runs:>7}"
            f"{mean * runs / 3600:>8.2f}"
        )
    print(f"{'matrix':<15}{'':>33}{total:>8.2f}  ({n_strategies} strategies)")


if __name__ == "__main__":
    main()
