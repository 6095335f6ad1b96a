"""How often the first search of a run picks the better network: one split against folds.

On a first labeled set of 200 random MNIST-5k images (seeds 0, 1, ...), the default search
from A(B, 1, 1) compares three candidates, A(1, 1), A(1, 2) and A(2, 1). For each seed:

- the truth: each candidate fitted on all 200 labels as the final network is
  (``ActiveINASClassifier(initial_architecture=..., inas_iterations=0)``), scored on the 1,000
  test images;
- the search's view: each candidate trained as a default candidate (a quarter of the final
  budget, :class:`skactive.training.CandidateTrainer`) on each of the 5 folds of a stratified
  5-fold partition (160 + 40 images), and its error on the fold's 40 held-out images.

A search on one split sees one fold (each fold is one possible split); a search validating on
``min_validation_size`` images averages the errors of ⌈min_validation_size / 40⌉ folds. The
table gives, for 1, 2, 3 and 5 folds over every subset of folds of every seed, how often the
choice was not the candidate with the best test accuracy, and the mean test accuracy lost.
Ties go to the candidate listed first, as in :func:`skactive.inas.search`.

Usage::

    python benchmarks/bench_first_search.py                  # 7 seeds, about 30 CPU-minutes
    python benchmarks/bench_first_search.py --seeds 2 --dataset mnist1d_5k

The numbers are in ``docs/engine.rst``.
"""

from __future__ import annotations

import argparse
import itertools
import os
from dataclasses import replace

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from skactive import ActiveINASClassifier, Architecture  # noqa: E402
from skactive.datasets import load_dataset  # noqa: E402
from skactive.search_space import neighbours, resolve_block  # noqa: E402
from skactive.training import CandidateTrainer, TrainingConfig  # noqa: E402

N_LABELS = 200
N_FOLDS = 5


def one_seed(data, seed: int) -> tuple[dict, dict]:
    """Test accuracy of each candidate, and its validation error on each fold."""
    idx = np.random.RandomState(1000 + seed).choice(len(data.y_train), N_LABELS, replace=False)
    X, y = data.X_train[idx].astype(np.float32), data.y_train[idx]
    block = resolve_block("auto", X.shape[1:])
    candidates = neighbours(Architecture(block, 1, 1))
    estimator = dict(base_width=8, device="cpu", random_state=seed)
    truth = {
        a: ActiveINASClassifier(initial_architecture=a, inas_iterations=0, **estimator)
        .fit(X, y)
        .score(data.X_test, data.y_test)
        for a in candidates
    }
    defaults = ActiveINASClassifier(**estimator)
    classes = np.unique(y)
    encoded = np.searchsorted(classes, y)
    config = TrainingConfig(
        input_shape=X.shape[1:], n_classes=len(classes), base_width=8, device="cpu"
    )
    final_epochs = config.for_samples(N_LABELS).max_epochs
    config = replace(config, max_epochs=final_epochs, budget_fraction=defaults.candidate_budget)
    errors = {a: [] for a in candidates}
    folds = StratifiedKFold(N_FOLDS, shuffle=True, random_state=seed)
    for fold, (train, val) in enumerate(folds.split(X, encoded)):
        trainer = CandidateTrainer(config)
        for a in candidates:
            error = trainer(a, X[train], encoded[train], X[val], encoded[val], 10 * seed + fold)
            errors[a].append(error)
    return truth, errors


def table(seeds: list[tuple[dict, dict]]) -> str:
    """Misses and mean regret of the choice on 1, 2, 3 and all folds."""
    lines = [f"{'folds':>5}  {'choices':>7}  {'missed':>6}  {'regret (points)':>15}"]
    for k in (1, 2, 3, N_FOLDS):
        regrets = []
        for truth, errors in seeds:
            order = list(errors)
            for subset in itertools.combinations(range(N_FOLDS), k):
                chosen = min(order, key=lambda a: np.mean([errors[a][f] for f in subset]))
                regrets.append(max(truth.values()) - truth[chosen])
        missed = int(np.sum(np.array(regrets) > 0))
        lines.append(f"{k:>5}  {len(regrets):>7}  {missed:>6}  {100 * np.mean(regrets):>15.2f}")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=7)
    parser.add_argument("--dataset", default="mnist_5k")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    data = load_dataset(args.dataset)
    seeds = []
    for seed in range(args.seeds):
        truth, errors = one_seed(data, seed)
        best = max(truth, key=truth.get)
        print(
            f"seed {seed}: test accuracy {', '.join(f'{a} {t:.3f}' for a, t in truth.items())}"
            f"; best {best}",
            flush=True,
        )
        seeds.append((truth, errors))
    print(table(seeds))


if __name__ == "__main__":
    main()
