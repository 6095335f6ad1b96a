"""CPU seconds of greedy sampling for regression: ours against scikit-activeml 1.0.1.

GSx (``greedy_sampling_select(space="x")``) against ``GreedySamplingX``, GSy and iGS (``"y"``,
``"xy"``) against ``GreedySamplingTarget(method="GSy" / "GSi")``: a batch of 50 from a pool of
5,000 samples with 10 features, 100 of them labeled, the outputs a linear model's predictions
(fitted on the labeled set once, outside the timing; both sides time their own ``predict``).
One thread (``OMP_NUM_THREADS=1``, one BLAS thread, ``torch.set_num_threads(1)``); each side's
median of 5 runs of ``time.process_time``, theirs over ours, and whether the picks agree.

Measured on the 2-core development machine (shared with a background job; three runs): GSx
0.003 s against 1.6 to 1.7 s (about 560x), GSy 0.002 s against 1.7 to 1.8 s (800x to
1,050x), iGS 0.004 s against 1.7 to 1.8 s (420x to 440x); every batch identical. Ours costs
one pass over the pool per pick (a matrix-vector product for the inputs) after one blocked
pass over the pool-to-labeled distances. Theirs fills a pool-by-(labeled + pool) distance
matrix, 5,000 x 5,100 here, and copies the rows of the candidates left at every pick, so its
cost grows with the pool's square and with the batch.

Usage::

    python benchmarks/bench_greedy_sampling.py    # about half a minute on one CPU core
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402

from skactive.strategies import greedy_sampling_select  # noqa: E402

try:
    from skactiveml.pool import GreedySamplingTarget, GreedySamplingX
    from skactiveml.regressor import SklearnRegressor
except ImportError:
    GreedySamplingX = None

N_POOL, N_LABELED, N_FEATURES, BATCH, REPEATS = 5_000, 100, 10, 50, 5
METHODS = {"x": ("GSx", None), "y": ("GSy", "GSy"), "xy": ("iGS", "GSi")}


def median_seconds(fn):
    """Median CPU seconds of ``REPEATS`` calls, and the last call's result."""
    times = []
    for _ in range(REPEATS):
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def main() -> None:
    torch.set_num_threads(1)
    rng = np.random.RandomState(0)
    X = rng.rand(N_LABELED + N_POOL, N_FEATURES)
    y = X @ rng.randn(N_FEATURES) + 0.1 * rng.randn(len(X))
    X_labeled, y_labeled, X_pool = X[:N_LABELED], y[:N_LABELED], X[N_LABELED:]
    y_missing = np.concatenate([y_labeled, np.full(N_POOL, np.nan)])
    model = LinearRegression().fit(X_labeled, y_labeled)
    print(f"pool {N_POOL} x {N_FEATURES}, {N_LABELED} labeled, batch {BATCH}; median of {REPEATS}")
    print(f"{'method':<6} {'ours s':>9} {'theirs s':>9} {'theirs/ours':>12}  same picks")
    for space, (name, method) in METHODS.items():

        def ours(space=space):
            y_pool = model.predict(X_pool) if "y" in space else None
            return greedy_sampling_select(
                X_pool, X_labeled, BATCH, y_pool=y_pool, y_labeled=y_labeled, space=space
            )[0]

        ours_s, our_picks = median_seconds(ours)
        if GreedySamplingX is None:
            print(f"{name:<6} {ours_s:>9.4f}  (scikit-activeml not installed)")
            continue
        if method is None:
            strategy, kwargs = GreedySamplingX(random_state=0), {}
        else:
            strategy = GreedySamplingTarget(method=method, random_state=0)
            reg = SklearnRegressor(LinearRegression()).fit(X_labeled, y_labeled)
            kwargs = {"reg": reg, "fit_reg": False}
        theirs_s, their_picks = median_seconds(
            lambda strategy=strategy, kwargs=kwargs: strategy.query(
                X, y_missing, batch_size=BATCH, **kwargs
            )
        )
        same = (their_picks - N_LABELED).tolist() == our_picks.tolist()
        print(f"{name:<6} {ours_s:>9.4f} {theirs_s:>9.3f} {theirs_s / ours_s:>11.0f}x  {same}")


if __name__ == "__main__":
    main()
