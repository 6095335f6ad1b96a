"""Selective prediction with guaranteed risk (SGR) on MNIST-5k: does the guarantee hold?

For each repetition r (seed r), the 4,000 training digits of
``skactive.datasets.load_dataset("mnist_5k")`` are shuffled with the seed: the first
``--n-labels`` (1,000) train ``ActiveINASClassifier(random_state=r)`` on one CPU thread,
with its defaults but for the options given; the next ``--n-calibration`` (1,000), which the
network never sees, choose the threshold on the softmax response by
:meth:`~skactive.ActiveINASClassifier.selective_threshold` (SGR, Geifman & El-Yaniv 2017)
for a selective risk of ``--risk`` (2%) with confidence 1 − ``--delta`` (δ = 0.05). The
1,000 test digits then measure the error rate of the samples it accepts and their share.

The table gives, per repetition, the test accuracy of all predictions, the calibration
coverage and risk bound, the test coverage and the test selective risk, and whether that
risk is within r*; then the share of repetitions within it, which SGR promises to be at
least 1 − δ. The promise is about the true risk; 1,000 test digits estimate it, with a
standard error of about √(r*/n_accepted), near 0.5 point at r* = 2% and 800 accepted.

Usage::

    python benchmarks/bench_selective.py --data-dir ../shared/data --jobs 2   # 20 repetitions
    python benchmarks/bench_selective.py --n-repeats 2 --n-labels 200 --max-epochs 2
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402

from skactive import ActiveINASClassifier  # noqa: E402
from skactive.datasets import load_dataset  # noqa: E402


def repetition(data, seed: int, args) -> dict:
    """Train on one random labeled set, calibrate on held-out labels, measure on the test set."""
    order = np.random.RandomState(seed).permutation(len(data.y_train))
    train = order[: args.n_labels]
    calibration = order[args.n_labels : args.n_labels + args.n_calibration]
    options = {"random_state": seed, "device": "cpu"}
    if args.base_width is not None:
        options["base_width"] = args.base_width
    if args.max_epochs is not None:
        options["max_epochs"] = args.max_epochs
    began = time.perf_counter()
    clf = ActiveINASClassifier(**options).fit(data.X_train[train], data.y_train[train])
    fitted = time.perf_counter()
    result = clf.selective_threshold(
        data.X_train[calibration], data.y_train[calibration], risk=args.risk, delta=args.delta
    )
    predictions, accepted = clf.predict_selective(data.X_test)
    wrong = predictions != data.y_test
    test_risk = wrong[accepted].mean() if accepted.any() else 0.0
    return {
        "seed": seed,
        "accuracy": 1 - wrong.mean(),
        "calibration coverage": result.coverage,
        "bound": result.risk_bound,
        "coverage": accepted.mean(),
        "risk": test_risk,
        "within": test_risk <= args.risk,
        "fit seconds": fitted - began,
        "seconds": time.perf_counter() - began,
    }


def _within(row) -> str:
    if row["coverage"] == 0:
        return "none kept"
    return "yes" if row["within"] else "NO"


def _one_thread_repetition(data, seed: int, args) -> dict:
    torch.set_num_threads(1)
    # A repetition where no threshold qualifies shows as coverage 0 and bound nan.
    warnings.filterwarnings("ignore", "No threshold keeps", UserWarning)
    return repetition(data, seed, args)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="folder with mnist_5k.csv.gz")
    parser.add_argument("--n-repeats", type=int, default=20, help="seeds 0 .. N-1")
    parser.add_argument("--n-labels", type=int, default=1000, help="training labels")
    parser.add_argument("--n-calibration", type=int, default=1000, help="held-out labels")
    parser.add_argument("--risk", type=float, default=0.02, help="desired selective risk r*")
    parser.add_argument("--delta", type=float, default=0.05, help="SGR's confidence δ")
    parser.add_argument("--base-width", type=int, default=None, help="default: estimator's")
    parser.add_argument("--max-epochs", type=int, default=None, help="default: 'auto'")
    parser.add_argument(
        "--jobs", type=int, default=1, help="repetitions run at once, in worker processes"
    )
    args = parser.parse_args(argv)
    data = load_dataset("mnist_5k", args.data_dir)
    if args.n_labels + args.n_calibration > len(data.y_train):
        parser.error(f"--n-labels + --n-calibration exceed the {len(data.y_train)} digits")
    print(
        f"SGR on MNIST-5k: {args.n_labels} training labels, {args.n_calibration} held-out "
        f"for calibration, {len(data.y_test)} test digits, r* = {args.risk}, "
        f"delta = {args.delta}"
    )
    header = ("seed", "accuracy", "cal. cov.", "bound", "test cov.", "test risk", "within")
    print(f"{header[0]:>4} {' '.join(f'{h:>10}' for h in header[1:])} {'seconds':>8}")
    rows = []
    # Each worker trains on one torch thread; the rows come back in seed order as they finish.
    runs = Parallel(n_jobs=args.jobs, return_as="generator")(
        delayed(_one_thread_repetition)(data, seed, args) for seed in range(args.n_repeats)
    )
    for seed, row in enumerate(runs):
        rows.append(row)
        print(
            f"{seed:>4} {row['accuracy']:>10.4f} {row['calibration coverage']:>10.3f} "
            f"{row['bound']:>10.4f} {row['coverage']:>10.3f} {row['risk']:>10.4f} "
            f"{_within(row):>10} {row['seconds']:>8.1f}",
            flush=True,
        )
    within = np.mean([row["within"] for row in rows])
    empty = sum(row["coverage"] == 0 for row in rows)
    print(
        f"\nwithin r* = {args.risk}: {round(within * len(rows))}/{len(rows)} repetitions "
        f"({within:.0%}; SGR promises at least {1 - args.delta:.0%} of the true risks), "
        f"{empty} of them accepting no test digit"
    )
    print(
        f"mean test coverage {np.mean([row['coverage'] for row in rows]):.3f}, mean test "
        f"risk {np.mean([row['risk'] for row in rows]):.4f}, mean seconds per repetition "
        f"{np.mean([row['seconds'] for row in rows]):.1f} "
        f"(fit {np.mean([row['fit seconds'] for row in rows]):.1f})"
    )


if __name__ == "__main__":
    main()
