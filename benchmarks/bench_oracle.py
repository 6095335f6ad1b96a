"""The greedy oracle against random and softmax response on the 8x8 digits.

50 random labels, then rounds of 50 queries to 250 labels, the digits domain's network
(:data:`skactive.experiment.DOMAINS`), Active-iNAS, 3 seeds, one CPU thread. Prints each
strategy's normalised AUC per seed, its paired gain over random, and the CPU seconds of a run
(the ``cpu_seconds`` column summed over its rounds: fit, search, query and teach).

Usage::

    nice -n 10 python benchmarks/bench_oracle.py

The numbers it printed are in ``docs/results.rst`` ("The benchmark matrix").
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from skactive import ActiveINASClassifier  # noqa: E402
from skactive.datasets import load_dataset  # noqa: E402
from skactive.experiment import DOMAINS, run_experiment  # noqa: E402

STRATEGIES = ("random", "softmax_response", "oracle")


def main() -> None:
    torch.set_num_threads(1)
    domain, data = DOMAINS["digits"], load_dataset("digits")
    result = run_experiment(
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        estimator=ActiveINASClassifier(**domain.estimator_params),
        strategies=list(STRATEGIES),
        initial_size=50,
        query_size=50,
        budget=250,
        n_repeats=3,
        random_state=0,
        progress=False,
    )
    method = "active-inas"
    random_aucs = result.aucs(method, "random")
    for strategy in STRATEGIES:
        aucs = result.aucs(method, strategy)
        cpu = [
            sum(r["cpu_seconds"] for r in result.rows if r["strategy"] == strategy and
                r["repeat"] == repeat)
            for repeat in range(3)
        ]  # fmt: skip
        gains = aucs - random_aucs
        print(
            f"{strategy:<17} AUC {' '.join(f'{100 * a:.1f}' for a in aucs)}  mean "
            f"{100 * aucs.mean():.1f}  gain over random "
            f"{' '.join(f'{100 * g:+.1f}' for g in gains)} (mean {100 * gains.mean():+.1f})"
            f"  CPU s/run {np.mean(cpu):.1f} ({min(cpu):.1f}-{max(cpu):.1f})"
        )
    final = {s: result.learning_curve(method, s)[1][:, -1] for s in STRATEGIES}
    print(
        "accuracy at 250 labels:", {s: round(100 * float(a.mean()), 1) for s, a in final.items()}
    )


if __name__ == "__main__":
    main()
