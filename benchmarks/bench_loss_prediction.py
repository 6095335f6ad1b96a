"""How well the loss-prediction head ranks losses, and what training it costs.

On MNIST-1D (``mnist1d_5k``), for each seed: 400 training samples drawn at random, a network
trained with its loss-prediction head (``loss_prediction=True``) on 320 of them, then the
Spearman correlation between the losses the head predicts and the true per-sample
cross-entropies, on the 80 held-out labeled samples and on the 1,000 test samples. Beside it,
the same correlation for softmax response (one minus the largest probability), the cheapest
uncertainty. The CPU seconds (``time.process_time``) of the fit with the head are compared with
a fit of the same network and seed without it.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_loss_prediction.py --seeds 5

Prints one line per seed and the mean with a t interval (95%) over seeds.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats

from skactive import ActiveINASClassifier
from skactive.datasets import load_dataset
from skactive.strategies import predicted_loss


def true_losses(clf, X, y):
    proba = clf.predict_proba(X)
    return -np.log(np.maximum(proba[np.arange(len(y)), np.searchsorted(clf.classes_, y)], 1e-12))


def interval(values):
    values = np.asarray(values, dtype=float)
    mean = values.mean()
    if len(values) < 2:
        return mean, mean, mean
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return mean, mean - half, mean + half


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--n-labeled", type=int, default=400)
    parser.add_argument("--layout", type=int, nargs=2, default=(2, 2))
    args = parser.parse_args(argv)
    data = load_dataset("mnist1d_5k")
    rows = []
    for seed in range(args.seeds):
        rng = np.random.default_rng(seed)
        chosen = rng.choice(len(data.y_train), args.n_labeled, replace=False)
        n_fit = int(0.8 * args.n_labeled)
        X_fit, y_fit = data.X_train[chosen[:n_fit]], data.y_train[chosen[:n_fit]]
        X_out, y_out = data.X_train[chosen[n_fit:]], data.y_train[chosen[n_fit:]]
        params = dict(
            initial_architecture=tuple(args.layout),
            inas_iterations=0,
            device="cpu",
            random_state=seed,
        )
        costs = {}
        for head in (False, True):
            clf = ActiveINASClassifier(loss_prediction=head, **params)
            began = time.process_time()
            clf.fit(X_fit, y_fit)
            costs[head] = time.process_time() - began
        accuracy = clf.score(data.X_test, data.y_test)
        row = {"ratio": costs[True] / costs[False], "accuracy": accuracy}
        for name, X, y in (("held_out", X_out, y_out), ("test", data.X_test, data.y_test)):
            true = true_losses(clf, X, y)
            row[name] = stats.spearmanr(predicted_loss(clf, X), true).statistic
            uncertainty = 1 - clf.predict_proba(X).max(axis=1)
            row[name + "_sr"] = stats.spearmanr(uncertainty, true).statistic
        rows.append(row)
        print(
            f"seed {seed}: spearman held-out {row['held_out']:.3f} test {row['test']:.3f} "
            f"(softmax response {row['held_out_sr']:.3f} / {row['test_sr']:.3f}), "
            f"test accuracy {row['accuracy']:.3f}, CPU {costs[True]:.1f}s with the head, "
            f"{costs[False]:.1f}s without (x{row['ratio']:.2f})",
            flush=True,
        )
    for key in ("held_out", "test", "held_out_sr", "test_sr", "ratio", "accuracy"):
        mean, low, high = interval([row[key] for row in rows])
        print(f"{key:12s} mean {mean:.3f} (95% interval {low:.3f} to {high:.3f})")


if __name__ == "__main__":
    main()
