"""The first labels chosen by cold-start selection against random ones, on digits.

For seeds 0 to 9, 100 labels are chosen from the training split of
``skactive.datasets.load_dataset("digits")`` (1,257 images, 540 test images) by each method:

- ``random``: :func:`skactive.strategies.random_sampling` seeded by the seed, the draw of
  ``run_experiment(initial_strategy="random")`` for that seed;
- ``typiclust``, ``probcover``, ``kmeans``: the cold-start strategies with their defaults and
  ``classifier=None``, i.e. on the training images' 50 principal components
  (:func:`skactive.strategies.cold_start_features`), seeded by the seed.

On each labeled set two networks are fitted, on one CPU thread: ``ActiveINASClassifier``
with its defaults (one iNAS step from A(B, 1, 1)) and the fixed A(B, 1, 2)
(``initial_architecture=(1, 2), inas_iterations=0``), both with ``random_state=seed``. The table
gives, per network and method, the mean test accuracy, the mean paired difference from random
with its 95% Student-t interval over the seeds (:func:`skactive.experiment.t_interval`), the
seeds where the method beat random, and the classes the 100 labels reach.

``--representations`` instead compares representations and ProbCover's purity α, cheaply: a
logistic regression is fitted on each method's 100 picks, for the default representation (50
principal components), the same after standardising the pixels, whitened, both, and the 64
raw pixels; it also prints ProbCover's δ and the share of the training digits its 100 balls
cover, for several α.

Usage::

    python benchmarks/bench_cold_start.py                      # about 10 minutes
    python benchmarks/bench_cold_start.py --seeds 3 --models fixed-1x2
    python benchmarks/bench_cold_start.py --representations    # seconds

The tables it printed are in ``docs/user_guide.rst`` ("Choosing the first labels").
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skactive import ActiveINASClassifier  # noqa: E402
from skactive.datasets import load_dataset  # noqa: E402
from skactive.experiment import t_interval  # noqa: E402
from skactive.strategies import (  # noqa: E402
    COLD_START_STRATEGIES,
    STRATEGIES,
    kmeans_representatives,
    probcover,
    probcover_delta,
    typiclust,
)

N_LABELS = 100
MODELS = {
    "defaults": {},
    "fixed-1x2": {"initial_architecture": (1, 2), "inas_iterations": 0},
}


def _select(method: str, X, seed: int) -> np.ndarray:
    return STRATEGIES[method](None, X, N_LABELS, random_state=seed)[0]


def _report(title: str, accuracy: dict, classes: dict | None = None) -> None:
    """Mean accuracy per method and its paired difference from random over the seeds."""
    print(f"\n{title}")
    print(f"{'method':<22} {'accuracy':>9} {'vs random':>10} {'95% interval':>18} {'wins':>6}")
    baseline = np.asarray(accuracy["random"])
    for method, values in accuracy.items():
        values = np.asarray(values)
        difference, interval, wins = "", "", ""
        if method != "random":
            mean, low, high = t_interval(values - baseline)
            difference = f"{100 * mean:+.2f}"
            interval = f"[{100 * low:+.2f}, {100 * high:+.2f}]"
            wins = f"{int(np.sum(values > baseline))}/{len(values)}"
        line = f"{method:<22} {values.mean():>9.4f} {difference:>10} {interval:>18} {wins:>6}"
        if classes is not None:
            line += f"   classes {np.mean(classes[method]):.1f}"
        print(line, flush=True)


def networks(seeds: int, models: list[str], methods: list[str]) -> None:
    data = load_dataset("digits")
    X_train, y_train, X_test, y_test = data.X_train, data.y_train, data.X_test, data.y_test
    accuracy = {model: {method: [] for method in methods} for model in models}
    classes = {method: [] for method in methods}
    for seed in range(seeds):
        for method in methods:
            began = time.perf_counter()
            chosen = _select(method, X_train, seed)
            select_seconds = time.perf_counter() - began
            classes[method].append(len(np.unique(y_train[chosen])))
            for model in models:
                began = time.perf_counter()
                clf = ActiveINASClassifier(random_state=seed, device="cpu", **MODELS[model])
                clf.fit(X_train[chosen], y_train[chosen])
                accuracy[model][method].append(clf.score(X_test, y_test))
                print(
                    f"seed {seed} {method:<10} {model:<10} accuracy "
                    f"{accuracy[model][method][-1]:.4f}  selection {select_seconds:.1f} s, "
                    f"fit {time.perf_counter() - began:.1f} s",
                    flush=True,
                )
    for model in models:
        _report(
            f"{model}: test accuracy at {N_LABELS} labels, {seeds} seeds", accuracy[model], classes
        )


def _representations(X) -> dict:
    standard = StandardScaler().fit_transform(X)
    return {
        "pca50 (default)": PCA(50, random_state=0).fit_transform(X),
        "standardised pca50": PCA(50, random_state=0).fit_transform(standard),
        "whitened pca50": PCA(50, whiten=True, random_state=0).fit_transform(X),
        "standardised whitened": PCA(50, whiten=True, random_state=0).fit_transform(standard),
        "raw pixels": X,
    }


def _coverage(features, purity: float, seeds: int) -> str:
    """ProbCover's δ by the purity rule, and the share of points within δ of its picks."""
    deltas, covered = [], []
    for seed in range(seeds):
        delta = probcover_delta(features, purity=purity, random_state=seed)
        picks = probcover(features, N_LABELS, delta=delta, random_state=seed)
        balls = NearestNeighbors(radius=delta).fit(features).radius_neighbors(features[picks])
        deltas.append(delta)
        covered.append(len(np.unique(np.concatenate(balls[1]))) / len(features))
    return f"purity {purity}: delta {np.mean(deltas):.2f}, coverage {np.mean(covered):.3f}"


def representations(seeds: int) -> None:
    data = load_dataset("digits")
    X_train = data.X_train.reshape(len(data.X_train), -1)
    X_test = data.X_test.reshape(len(data.X_test), -1)

    def score(chosen):
        model = LogisticRegression(max_iter=2000).fit(X_train[chosen], data.y_train[chosen])
        return model.score(X_test, data.y_test)

    random = [score(_select("random", X_train, seed)) for seed in range(seeds)]
    selections = {
        "typiclust": typiclust,
        "probcover": probcover,
        "kmeans": kmeans_representatives,
    }
    for name, features in _representations(X_train).items():
        accuracy = {"random": random}
        for method, select in selections.items():
            accuracy[method] = [
                score(select(features, N_LABELS, random_state=seed)) for seed in range(seeds)
            ]
        if name == "pca50 (default)":
            for purity in (0.5, 0.75, 0.9):
                accuracy[f"probcover α={purity}"] = [
                    score(probcover(features, N_LABELS, purity=purity, random_state=seed))
                    for seed in range(seeds)
                ]
        _report(f"{name}: logistic regression at {N_LABELS} labels, {seeds} seeds", accuracy)
        if name == "pca50 (default)":
            print("ProbCover's balls on it, mean over the seeds:")
            for purity in (0.95, 0.9, 0.75, 0.5):
                print("  " + _coverage(features, purity, seeds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0 .. N-1")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated")
    parser.add_argument("--methods", default=",".join(COLD_START_STRATEGIES), help="random first")
    parser.add_argument("--representations", action="store_true", help="the cheap proxy study")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.representations:
        representations(args.seeds)
    else:
        networks(args.seeds, args.models.split(","), args.methods.split(","))


if __name__ == "__main__":
    main()
