"""Active search on scikit-learn's diabetes data: how many of the highest targets are found.

The 442 patients are the pool; 20 random labels, then 6 rounds of 10 queries to 80 labels, with
``ActiveINASRegressor``'s defaults (features standardised), 5 seeds, one CPU thread. For each
strategy it prints how many of the 22 highest targets (the top 5%) the 80 labels hold, per
seed, their mean and its paired difference from random sampling, the best target found, and
the CPU seconds of a run (fits and queries).

Usage::

    nice -n 10 python benchmarks/bench_active_search.py

The numbers it printed are in ``docs/strategies.rst`` ("Active search").
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skactive import ActiveINASRegressor  # noqa: E402

STRATEGIES = ("random", "variance", "ucb", "ei", "thompson")
SEEDS = (0, 1, 2, 3, 4)
INITIAL, BATCH, ROUNDS, TOP = 20, 10, 6, 22


def run(X, y, strategy: str, seed: int) -> tuple[np.ndarray, float]:
    """The indices labeled by one run, and its CPU seconds."""
    began = time.process_time()
    labeled = list(np.random.RandomState(seed).choice(len(X), INITIAL, replace=False))
    reg = ActiveINASRegressor(query_strategy=strategy, device="cpu", random_state=seed)
    reg.fit(X[labeled], y[labeled])
    for _ in range(ROUNDS):
        pool = np.setdiff1d(np.arange(len(X)), labeled)
        indices, samples = reg.query(X[pool], n_instances=BATCH)
        labeled += pool[indices].tolist()
        reg.teach(samples, y[pool[indices]])
    return np.asarray(labeled), time.process_time() - began


def main() -> None:
    torch.set_num_threads(1)
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    top = set(np.argsort(-y, kind="stable")[:TOP].tolist())
    found = {}
    for strategy in STRATEGIES:
        counts, best, seconds = [], [], []
        for seed in SEEDS:
            labeled, cpu = run(X, y, strategy, seed)
            counts.append(len(top & set(labeled.tolist())))
            best.append(y[labeled].max())
            seconds.append(cpu)
        found[strategy] = np.asarray(counts)
        gain = found[strategy] - found["random"]
        print(
            f"{strategy:<9} top-{TOP} found {' '.join(map(str, counts))}  mean "
            f"{np.mean(counts):.1f}  minus random {gain.mean():+.1f} "
            f"({gain.min():+d} to {gain.max():+d})  best {np.mean(best):.0f} "
            f"(max {y.max():.0f})  CPU {np.mean(seconds):.0f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
