"""Why loss prediction falls below random sampling on flat digits: its training or its queries.

The benchmark's ``digits_flat`` domain (50 random labels, then rounds of 50 to 300, its
network parameters), one Active-iNAS loop per seed and variant, every variant of a seed
starting from the same labels:

- ``random``: random queries, no loss-prediction head;
- ``random+head``: random queries, the network trained with its head (the joint training's
  cost alone);
- ``top``: :func:`skactive.strategies.loss_prediction`, the highest predicted losses of the
  whole pool;
- ``subset``: the highest predicted losses among a random subset of ten times the batch, as
  the paper scores 10,000 samples of its pool.

Prints, per variant, the mean test accuracy of each round, the AUC (mean accuracy over the
rounds), its paired gain over ``random`` with a 95% Student-t interval, and the fewest labels
of any class at the end (mean over seeds). Then, after the first fit of ``top``, the Spearman
correlation of the predicted losses with the true ones over the pool, and the largest share of
one class in the first batch.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_loss_prediction_queries.py --seeds 10
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from bench_loss_prediction import interval, true_losses
from scipy import stats

from skactive import ActiveINASClassifier
from skactive.datasets import load_dataset
from skactive.experiment import DOMAINS
from skactive.strategies import predicted_loss

VARIANTS = ("random", "random+head", "top", "subset")
SUBSET_FACTOR = 10


def _run(variant, data, seed, domain):
    X, y, X_test, y_test = data
    rng = np.random.default_rng(seed)
    labeled = rng.choice(len(X), domain.initial_size, replace=False)
    pool = np.setdiff1d(np.arange(len(X)), labeled)
    params = dict(domain.estimator_params, random_state=seed)
    if variant != "random":
        params["loss_prediction"] = True
    if variant in ("top", "subset"):
        params["query_strategy"] = "loss_prediction"
    clf = ActiveINASClassifier(**params).fit(X[labeled], y[labeled])
    first = None
    if variant == "top":
        first = _first_query(clf, X[pool], y[pool], domain.query_size)
    curve = [clf.score(X_test, y_test)]
    while len(labeled) < domain.budget:
        size = min(domain.query_size, domain.budget - len(labeled))
        if variant in ("random", "random+head"):
            chosen = rng.choice(pool, size, replace=False)
        else:
            candidates = pool
            if variant == "subset":
                candidates = rng.choice(pool, min(len(pool), SUBSET_FACTOR * size), replace=False)
            indices, _ = clf.query(X[candidates], n_instances=size)
            chosen = candidates[indices]
        clf.teach(X[chosen], y[chosen])
        labeled = np.concatenate([labeled, chosen])
        pool = np.setdiff1d(pool, chosen)
        curve.append(clf.score(X_test, y_test))
    fewest = np.bincount(y[labeled], minlength=len(np.unique(y))).min()
    return np.array(curve), fewest, first


def _first_query(clf, X_pool, y_pool, size):
    """Spearman correlation of predicted and true losses on the pool; top batch's largest
    class share."""
    true = true_losses(clf, X_pool, y_pool)
    predicted = predicted_loss(clf, X_pool)
    top = np.argsort(-predicted)[:size]
    return stats.spearmanr(predicted, true)[0], np.bincount(y_pool[top]).max() / size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)
    domain = DOMAINS["digits_flat"]
    dataset = load_dataset(domain.dataset)
    data = (dataset.X_train, dataset.y_train, dataset.X_test, dataset.y_test)
    results = {variant: [] for variant in VARIANTS}
    for seed in range(args.seeds):
        for variant in VARIANTS:
            results[variant].append(_run(variant, data, seed, domain))
            curve, fewest, _ = results[variant][-1]
            print(f"seed {seed} {variant:12s} {np.round(100 * curve, 1)} fewest {fewest}")
    base = np.array([100 * curve.mean() for curve, _, _ in results["random"]])
    for variant in VARIANTS:
        curves = np.array([curve for curve, _, _ in results[variant]])
        auc = 100 * curves.mean(axis=1)
        gain = ""
        if variant != "random":
            mean, low, high = interval(auc - base)
            gain = f"gain {mean:+.2f} ({low:+.2f} to {high:+.2f})"
        fewest = np.mean([fewest for _, fewest, _ in results[variant]])
        print(
            f"{variant:12s} {np.round(100 * curves.mean(axis=0), 1)} AUC {auc.mean():.2f} "
            f"{gain} fewest labels of a class {fewest:.1f}"
        )
    firsts = np.array([first for _, _, first in results["top"]])
    print(
        f"first fit: Spearman(predicted, true loss) on the pool {firsts[:, 0].mean():.2f} "
        f"({firsts[:, 0].min():.2f} to {firsts[:, 0].max():.2f}); largest class share of the "
        f"first top batch {firsts[:, 1].mean():.2f} ({firsts[:, 1].min():.2f} to "
        f"{firsts[:, 1].max():.2f})"
    )


if __name__ == "__main__":
    main()
