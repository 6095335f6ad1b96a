"""CPU seconds of our selection algorithms and scikit-activeml's, side by side on one thread.

Each row runs one of our strategies and the scikit-activeml 1.0.1 query strategy that computes
the same selection, in one process, on the same inputs and one thread (``OMP_NUM_THREADS=1``,
one BLAS thread, ``torch.set_num_threads(1)``): CPU seconds of ours and of theirs (each the
best of two runs, of five for the core-set and uncertainty rows), theirs over ours, and whether
the picks are identical or, where they legitimately differ, a quality measure of ours / theirs.
scikit-activeml's strategies take ``(X, y)`` and a classifier: ``X`` is the features where the
strategy needs them, otherwise a column of row numbers, and the classifier is a fitted
stand-in that returns the given probabilities (with the embeddings, or the MC-dropout passes)
of those rows, with ``fit_clf=False``, so that both sides see the same numbers and only the
selection is timed.

- core-set: ``kcenter_greedy`` against ``CoreSet``, 200 picks from 10,000 random float32
  features of size 512, with 1,000 labeled ones as initial centres. Both are deterministic;
  the picks are compared in order, and the k-center cost (largest distance from a pool point
  to its nearest centre) is printed for each.
- BADGE: ``kmeanspp_seeding`` of the features with ``outer=prediction_residual(proba)`` (the
  gradient embedding, never built) against ``Badge``, 100 picks from 5,000 samples with 512
  features and 10 classes. Both take the largest gradient first, then draw with different
  generators, so only the first pick is compared; the quality is the k-means cost, the sum of
  squared distances from every embedding to its nearest pick (lower is better). Theirs keeps
  the squared norms as the distances to draw from after the first pick, as if the origin were
  a centre, which is not k-means++ and raises its cost.
- uncertainty: ``softmax_response``, ``margin_sampling``, ``entropy_sampling`` against
  ``UncertaintySampling`` with ``least_confident``, ``margin_sampling``, ``entropy``, 200 picks
  from 50,000 x 10 probabilities; picks compared as sets.
- BatchBALD: ``batch_bald_select`` against ``BatchBALD`` (its committee's passes given through
  ``sample_predictions_method_name``), 10 picks from the 20 MC-dropout passes of a small
  network over 2,000 noisy digits, 1,000 label configurations on both sides
  (``n_MC_samples``). Both list the configurations exactly for the first 4 picks and estimate
  the gains from drawn ones after, so later picks may differ; the quality is each batch's
  joint mutual information, estimated from the same 100,000 drawn configurations.
- TypiClust: ``typiclust`` against ``TypiClust``, 100 picks from 10,000 points of 20 Gaussian
  blobs in 50 dimensions with 100 labeled ones, 20 neighbours, every cluster size allowed
  (theirs has no minimum). Same k-means on the same points; picks compared as sets.
- ProbCover: ``probcover`` against ``ProbCover``, 100 picks from 5,000 blob points with 50
  labeled ones, both given the δ of our purity rule (theirs the closed ball of the next
  smaller float, which is our open ball). Theirs breaks ties in ball counts at random, ours
  to the lower index, so the picks may differ; the quality is the share of all points within
  δ of a labeled or picked one (higher is better).

Without scikit-activeml only our columns are filled. It installs beside skactive without
changing its other requirements (``pip install scikit-activeml==1.0.1``: it adds ``makefun``
and ``matplotlib``).

Usage::

    python benchmarks/bench_skactiveml.py    # about a minute on one CPU core
"""

from __future__ import annotations

import functools
import os
import warnings

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from bench_queries import FixedProba, cpu_seconds, digits_mc_probs, row  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402

from skactive.strategies import (  # noqa: E402
    batch_bald_select,
    entropy_sampling,
    joint_mutual_information,
    kcenter_greedy,
    kmeanspp_seeding,
    margin_sampling,
    prediction_residual,
    probcover,
    probcover_delta,
    softmax_response,
    typiclust,
)

try:
    from skactiveml import pool as skal
    from skactiveml.base import SkactivemlClassifier
except ImportError:
    skal = None


def fixed_classifier(proba, embedding=None, passes=None):
    """A fitted scikit-activeml classifier whose outputs are given, for rows ``X[:, 0]``."""

    class Fixed(SkactivemlClassifier):
        def fit(self, X, y, sample_weight=None):
            return self

        def predict_proba(self, X, return_embedding=False):
            rows = X[:, 0].astype(int)
            return (proba[rows], embedding[rows]) if return_embedding else proba[rows]

        def sample_passes(self, X):
            return passes[:, X[:, 0].astype(int)]

    classifier = Fixed()
    classifier.classes_ = np.arange(proba.shape[-1])
    return classifier


def row_numbers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` for scikit-activeml when the classifier holds the data: all unlabeled."""
    return np.arange(n, dtype=float)[:, None], np.full(n, np.nan)


def agreeing_prefix(a, b) -> int:
    """How many first picks two selections share, in the same order."""
    differ = np.flatnonzero(np.asarray(a) != np.asarray(b))
    return int(differ[0]) if len(differ) else len(a)


def distances(a, b) -> torch.Tensor:
    """Euclidean distances of every row of ``a`` to every row of ``b``, in float64."""
    return torch.cdist(torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b).double())


def best_of(fn, repeats: int = 2):
    """Fewest CPU seconds of ``repeats`` calls (the first may pay for warming up), and the
    last call's result."""
    times = []
    for _ in range(repeats):
        seconds, result = cpu_seconds(fn)
        times.append(seconds)
    return min(times), result


def compare_coreset(rng, n_pool=10_000, n_labeled=1_000, n_features=512, k=200):
    pool = rng.randn(n_pool, n_features).astype(np.float32)
    labeled = rng.randn(n_labeled, n_features).astype(np.float32)
    name = f"core-set {n_pool}x{n_features} k={k}"
    ours_s, ours = best_of(lambda: kcenter_greedy(pool, labeled, k), 5)
    if skal is None:
        return name, ours_s, None, ""
    X = np.concatenate([pool, labeled])
    y = np.r_[np.full(n_pool, np.nan), np.zeros(n_labeled)]
    theirs_s, theirs = best_of(lambda: skal.CoreSet(random_state=0).query(X, y, batch_size=k), 5)

    def cost(picks):
        return distances(pool, np.concatenate([labeled, pool[picks]])).min(1).values.max()

    note = (
        f"same first {agreeing_prefix(ours, theirs)}/{k} picks; k-center cost "
        f"{cost(ours):.4f} / {cost(theirs):.4f}"
    )
    return name, ours_s, theirs_s, note


def compare_badge(rng, n_pool=5_000, n_features=512, n_classes=10, k=100):
    features = np.maximum(rng.randn(n_pool, n_features), 0).astype(np.float32)
    logits = 3.0 * rng.randn(n_pool, n_classes)
    proba = (np.exp(logits) / np.exp(logits).sum(1, keepdims=True)).astype(np.float32)
    name = f"BADGE {n_pool}x{n_features}x{n_classes} k={k}"
    ours_s, ours = best_of(
        lambda: kmeanspp_seeding(features, k, outer=prediction_residual(proba), random_state=0)
    )
    if skal is None:
        return name, ours_s, None, ""
    X, y = row_numbers(n_pool)
    badge = skal.Badge(clf_embedding_flag_name="return_embedding", random_state=0)
    clf = fixed_classifier(proba, features)
    theirs_s, theirs = best_of(lambda: badge.query(X, y, clf, fit_clf=False, batch_size=k))
    r, h = (
        torch.as_tensor(a, dtype=torch.float64) for a in (prediction_residual(proba), features)
    )
    sq = (r * r).sum(1) * (h * h).sum(1)

    def cost(picks):
        dot = (r @ r[picks].T) * (h @ h[picks].T)
        return float((sq[:, None] + sq[picks][None] - 2 * dot).clamp_min(0).min(1).values.sum())

    note = (
        f"first pick same: {ours[0] == theirs[0]}; k-means cost {cost(ours):.1f} / "
        f"{cost(list(theirs)):.1f}"
    )
    return name, ours_s, theirs_s, note


def compare_uncertainty(rng, n_pool=50_000, n_classes=10, k=200, repeats=5):
    logits = rng.randn(n_pool, n_classes)
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    X_ours, (X, y) = np.zeros((n_pool, 1)), row_numbers(n_pool)
    ours_clf, clf = FixedProba(proba), None if skal is None else fixed_classifier(proba)
    pairs = (
        (softmax_response, "least_confident"),
        (margin_sampling, "margin_sampling"),
        (entropy_sampling, "entropy"),
    )
    for ours_fn, method in pairs:
        name = f"{ours_fn.__name__} {n_pool}x{n_classes} k={k}"
        ours_s, ours = best_of(functools.partial(ours_fn, ours_clf, X_ours, k), repeats)
        if skal is None:
            yield name, ours_s, None, ""
            continue
        strategy = skal.UncertaintySampling(method=method, random_state=0)
        theirs_s, theirs = best_of(
            functools.partial(strategy.query, X, y, clf, fit_clf=False, batch_size=k), repeats
        )
        yield name, ours_s, theirs_s, f"same picks: {set(ours[0]) == set(theirs)}"


def compare_batch_bald(n_pool=2_000, n_passes=20, k=10, n_configurations=1_000):
    probs = digits_mc_probs(n_pool, n_passes).astype(np.float64)
    name = f"BatchBALD {n_pool} T={n_passes} k={k}"
    ours_s, ours = best_of(
        lambda: batch_bald_select(probs, k, n_configurations=n_configurations, random_state=0)
    )
    if skal is None:
        return name, ours_s, None, ""
    X, y = row_numbers(n_pool)
    strategy = skal.BatchBALD(
        n_MC_samples=n_configurations,
        sample_predictions_method_name="sample_passes",
        random_state=0,
    )
    clf = fixed_classifier(probs.mean(0), passes=probs)
    theirs_s, theirs = best_of(lambda: strategy.query(X, y, clf, fit_ensemble=False, batch_size=k))

    def information(picks):
        return joint_mutual_information(probs[:, picks], n_configurations=100_000, random_state=0)

    note = (
        f"same first {agreeing_prefix(ours, theirs)}, in common "
        f"{len(set(ours) & set(theirs))}/{k}; joint MI "
        f"{information(ours):.3f} / {information(theirs):.3f} nats"
    )
    return name, ours_s, theirs_s, note


def blobs(n_pool: int, n_labeled: int, n_features: int = 50):
    """Pool and labeled points of 20 overlapping Gaussian blobs."""
    points, _ = make_blobs(
        n_pool + n_labeled, n_features, centers=20, cluster_std=6.0, random_state=0
    )
    return points[n_labeled:], points[:n_labeled]


def labeled_first(pool, labeled) -> tuple[np.ndarray, np.ndarray]:
    """scikit-activeml's ``X`` and ``y`` in the order our clusterings stack them."""
    X = np.concatenate([labeled, pool])
    y = np.full(len(X), np.nan)
    y[: len(labeled)] = 0
    return X, y


def compare_typiclust(n_pool=10_000, n_labeled=100, k=100, n_neighbors=20):
    pool, labeled = blobs(n_pool, n_labeled)
    name = f"TypiClust {n_pool}x{pool.shape[1]} k={k}"
    ours_s, ours = best_of(
        lambda: typiclust(
            pool, k, labeled=labeled, n_neighbors=n_neighbors, min_cluster_size=1, random_state=0
        )
    )
    if skal is None:
        return name, ours_s, None, ""
    X, y = labeled_first(pool, labeled)
    strategy = skal.TypiClust(k=n_neighbors, random_state=0)
    theirs_s, theirs = best_of(lambda: strategy.query(X, y, batch_size=k))
    theirs = theirs - n_labeled
    note = (
        f"same picks: {set(ours) == set(theirs)}, {int(np.sum(ours == theirs))}/{k} in the "
        "same place (theirs breaks ties in cluster size at random)"
    )
    return name, ours_s, theirs_s, note


def compare_probcover(n_pool=5_000, n_labeled=50, k=100):
    pool, labeled = blobs(n_pool, n_labeled)
    delta = probcover_delta(np.concatenate([labeled, pool]), random_state=0)
    name = f"ProbCover {n_pool}x{pool.shape[1]} k={k}"
    ours_s, ours = best_of(
        lambda: probcover(pool, k, labeled=labeled, delta=delta, random_state=0)
    )
    if skal is None:
        return name, ours_s, None, ""
    X, y = labeled_first(pool, labeled)
    radius = np.nextafter(delta, 0.0)
    with warnings.catch_warnings():
        # With one δ there is no purity to check, and it warns that the purity is -1.
        warnings.simplefilter("ignore", UserWarning)
        # A new strategy each time: a fitted one keeps its distance matrix for the next query.
        theirs_s, theirs = best_of(
            lambda: skal.ProbCover(deltas=[radius], random_state=0).query(X, y, batch_size=k)
        )
    theirs = theirs - n_labeled

    def covered(picks):
        centres = np.concatenate([labeled, pool[picks]])
        return float((distances(X, centres).min(1).values < delta).double().mean())

    note = (
        f"δ={delta:.2f}; same first {agreeing_prefix(ours, theirs)}, in common "
        f"{len(set(ours) & set(theirs))}/{k}; covered "
        f"{covered(ours):.1%} / {covered(theirs):.1%}"
    )
    return name, ours_s, theirs_s, note


def main() -> None:
    torch.set_num_threads(1)
    if skal is None:
        print("scikit-activeml is not importable: only our columns are filled")
    rng = np.random.RandomState(0)
    print(f"\n{'strategy':<34}{'ours s':>9}{'theirs s':>9}{'ratio':>8}  (CPU s, one thread)")
    row(*compare_coreset(rng))
    row(*compare_badge(rng))
    for result in compare_uncertainty(rng):
        row(*result)
    row(*compare_batch_bald())
    row(*compare_typiclust())
    row(*compare_probcover())


if __name__ == "__main__":
    main()
