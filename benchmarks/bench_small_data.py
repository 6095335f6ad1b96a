"""Accuracy and fit time at the small labeled sets that active learning lives in.

For each case (a dataset and a number of random labels) and each seed, it trains, side by
side in one process on one CPU thread:

- ``defaults``: ``ActiveINASClassifier()`` with its default parameters (one iNAS step from
  A(B, 1, 1), then the winner on all labels);
- ``previous``: the same with the recipe the package had before its training budget,
  pyramid pooling and cheaper search (30 epochs of 128 at learning rate 1e-3, global average
  pooling, the paper's search);
- ``fixed 1x1``, ``fixed 1x2``, ``fixed 2x4``: the same estimator frozen at A(B, i, j)
  (``inas_iterations=0``; 2x4 is ResNet-18's layout);
- ``skorch 1x2``: the network of A(B, 1, 2) trained by plain skorch (``NeuralNetClassifier``,
  its own data loader and loop) with the same recipe: AdamW, the same learning rate, weight
  decay and cosine schedule, random crops in its loader (torchvision's ``RandomCrop``), and
  the epochs and batch size of
  :func:`skactive.training.training_budget`. It shows that the recipe, not the wrapper, makes
  the accuracy;
- ``logistic``, ``svc-rbf`` (both after a ``StandardScaler``) and ``random forest``.

Cases: digits (1x8x8) at 100 labels; MNIST-5k (1x28x28, 1,000 test images) at 200 and 1,000;
MNIST-1D (``mnist1d_5k``, 1x40) at 400 and 2,000; wine and breast_cancer by 3-fold
cross-validation, every model behind a ``StandardScaler`` in a ``Pipeline``. Labels are drawn
at random with the seed, the test sets are the datasets' fixed splits.

``--cost`` prints the fit seconds of the defaults on 200 MNIST images and on all 5,000, of the
defaults as they were before random crops, weight decay 0.05 and 1,200 steps on the same sets,
and of the previous recipe on the same 5,000: wall-clock and CPU time, which on one thread is
what the fit costs on an idle core even when the machine is shared.

Usage::

    python benchmarks/bench_small_data.py --data-dir ../shared/data          # everything
    python benchmarks/bench_small_data.py --cases digits_100,wine --seeds 1   # a part
    python benchmarks/bench_small_data.py --cost

The table it printed, and the rule it led to, are in ``docs/user_guide.rst``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_wine  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_validate  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from skorch import NeuralNetClassifier  # noqa: E402
from skorch.callbacks import LRScheduler  # noqa: E402
from torch.optim.lr_scheduler import CosineAnnealingLR  # noqa: E402
from torch.utils.data import default_collate  # noqa: E402
from torchvision.transforms.v2 import RandomCrop  # noqa: E402

from skactive import ActiveINASClassifier, Architecture  # noqa: E402
from skactive.datasets import load_dataset  # noqa: E402
from skactive.networks import HomogeneousNet  # noqa: E402
from skactive.search_space import resolve_block  # noqa: E402
from skactive.training import (  # noqa: E402
    crop_padding,
    resolve_weight_decay,
    training_budget,
)

CASES = {
    "digits_100": ("digits", 100),
    "mnist_5k_200": ("mnist_5k", 200),
    "mnist_5k_1000": ("mnist_5k", 1000),
    "mnist1d_400": ("mnist1d_5k", 400),
    "mnist1d_2000": ("mnist1d_5k", 2000),
    "wine": ("wine", None),
    "breast_cancer": ("breast_cancer", None),
}
MODELS = (
    "defaults",
    "previous",
    "fixed 1x1",
    "fixed 1x2",
    "fixed 2x4",
    "skorch 1x2",
    "logistic",
    "svc-rbf",
    "random forest",
)


PREVIOUS = {
    "max_epochs": 30,
    "batch_size": 128,
    "lr": 1e-3,
    "pooling": "global",
    "candidate_budget": 1.0,
    "reuse_winner": False,
    "min_validation_size": 0,
    "weight_decay": 5e-4,
    "augment": False,
}
"""The recipe before the budget rule and pyramid pooling: 30 epochs of 128, global average,
weight decay 5e-4, no crops, and the paper's search (candidates as long as the winner, the
winner trained anew)."""


BEFORE_CROPS = {"min_steps": 800, "weight_decay": 5e-4, "augment": False}
"""The defaults before random crops, AdamW decay 0.05 and 1,200 steps: the cost baseline."""


class RandomCrops:
    """Collate function of plain skorch's training loader: random crops, one image at a time.

    The way a skorch user crops (torchvision's ``RandomCrop`` in the loader), with the same
    padding as skactive's batched crops; sequences and flat rows pass unchanged.
    """

    def __call__(self, batch):
        X, y = default_collate(batch)
        if X.ndim == 4:
            crop = RandomCrop(tuple(X.shape[2:]), padding=crop_padding(X.shape[2]))
            X = torch.stack([crop(image) for image in X])
        return X, y


class PlainSkorch(NeuralNetClassifier):
    """Plain skorch with skactive's recipe; the budget is resolved when the data arrive."""

    def fit(self, X, y, **fit_params):
        X = np.asarray(X, dtype=np.float32)
        shape = X.shape[1:] if X.ndim > 2 else (X.shape[1],)
        epochs, batch_size = training_budget(len(X))
        block = resolve_block("auto", shape)
        self.set_params(
            module__architecture=Architecture(block, *self.blocks_stacks),
            module__input_shape=shape,
            module__n_classes=len(np.unique(y)),
            max_epochs=epochs,
            batch_size=batch_size,
            callbacks=[("lr", LRScheduler(CosineAnnealingLR, T_max=epochs))],
        )
        torch.manual_seed(self.seed)
        return super().fit(X, np.asarray(y, dtype=np.int64), **fit_params)


def plain_skorch(seed: int) -> PlainSkorch:
    defaults = ActiveINASClassifier()
    net = PlainSkorch(
        HomogeneousNet,
        module__dropout=defaults.dropout,
        module__base_width=defaults.base_width,
        module__pooling=defaults.pooling,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        optimizer__weight_decay=resolve_weight_decay(defaults.weight_decay, defaults.optimizer),
        lr=defaults.lr,
        iterator_train__shuffle=True,
        iterator_train__collate_fn=RandomCrops(),
        train_split=None,
        verbose=0,
    )
    net.blocks_stacks = (1, 2)
    net.seed = seed
    return net


def model(name: str, seed: int):
    """A fresh, unfitted model of the table."""
    if name == "defaults":
        return ActiveINASClassifier(random_state=seed, device="cpu")
    if name == "previous":
        return ActiveINASClassifier(random_state=seed, device="cpu", **PREVIOUS)
    if name.startswith("fixed"):
        i, j = (int(v) for v in name.split()[1].split("x"))
        return ActiveINASClassifier(
            initial_architecture=(i, j), inas_iterations=0, random_state=seed, device="cpu"
        )
    if name == "skorch 1x2":
        return plain_skorch(seed)
    if name == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    if name == "svc-rbf":
        return make_pipeline(StandardScaler(), SVC())
    return RandomForestClassifier(random_state=seed)


def image_case(dataset, n_labels: int, name: str, seed: int) -> tuple[float, float]:
    """Test accuracy and fit seconds of ``name`` on ``n_labels`` random samples."""
    index = np.random.RandomState(seed).choice(len(dataset.y_train), n_labels, replace=False)
    X, y = dataset.X_train[index], dataset.y_train[index]
    X_test = dataset.X_test
    estimator = model(name, seed)
    if name in ("logistic", "svc-rbf", "random forest"):
        X, X_test = X.reshape(len(X), -1), X_test.reshape(len(X_test), -1)
    began = time.perf_counter()
    estimator.fit(X, y)
    seconds = time.perf_counter() - began
    return float(np.mean(estimator.predict(X_test) == dataset.y_test)), seconds


def tabular_case(loader, name: str, seed: int) -> tuple[float, float]:
    """3-fold CV accuracy and mean fit seconds of ``StandardScaler`` then ``name``."""
    X, y = loader(return_X_y=True)
    estimator = model(name, seed)
    if name not in ("logistic", "svc-rbf"):
        estimator = make_pipeline(StandardScaler(), estimator)
    folds = StratifiedKFold(3, shuffle=True, random_state=seed)
    scores = cross_validate(estimator, X.astype(np.float32), y, cv=folds)
    return float(np.mean(scores["test_score"])), float(np.mean(scores["fit_time"]))


def run_case(case: str, names, seeds, data_dir) -> dict:
    dataset_name, n_labels = CASES[case]
    loaders = {"wine": load_wine, "breast_cancer": load_breast_cancer}
    dataset = None if n_labels is None else load_dataset(dataset_name, data_dir)
    rows = {}
    for name in names:
        if name == "skorch 1x2" and n_labels is None:
            continue
        runs = []
        for seed in seeds:
            if n_labels is None:
                runs.append(tabular_case(loaders[dataset_name], name, seed))
            else:
                runs.append(image_case(dataset, n_labels, name, seed))
        rows[name] = runs
        accuracies = [a for a, _ in runs]
        spread = statistics.stdev(accuracies) if len(runs) > 1 else 0.0
        print(
            f"{case:14s} {name:14s} acc {np.mean(accuracies):.3f} ± {spread:.3f} "
            f"(seed {seeds[0]}: {accuracies[0]:.3f}, all: "
            f"{' '.join(f'{a:.3f}' for a in accuracies)})  "
            f"fit {np.mean([s for _, s in runs]):6.1f} s",
            flush=True,
        )
    return rows


def cost(data_dir) -> None:
    """Seconds of a default fit on 200 and 5,000 MNIST images, and of the previous budget."""
    dataset = load_dataset("mnist_5k", data_dir)
    X = np.concatenate([dataset.X_train, dataset.X_test])
    y = np.concatenate([dataset.y_train, dataset.y_test])
    for label, n, params in (
        ("defaults", 200, {}),
        ("defaults before crops", 200, BEFORE_CROPS),
        ("defaults", 5000, {}),
        ("defaults before crops", 5000, BEFORE_CROPS),
        ("previous recipe", 5000, PREVIOUS),
    ):
        index = np.random.RandomState(0).permutation(len(y))[:n]
        clf = clone(ActiveINASClassifier(random_state=0, device="cpu", **params))
        began, began_cpu = time.perf_counter(), time.process_time()
        clf.fit(X[index], y[index])
        seconds, cpu = time.perf_counter() - began, time.process_time() - began_cpu
        print(
            f"cost: {label} on {n} MNIST images: {seconds:.1f} s wall, {cpu:.1f} s CPU "
            f"({clf.architecture_}, {clf.net_.max_epochs} epochs of {clf.net_.batch_size})",
            flush=True,
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default="../shared/data", help="MNIST-5k and MNIST-1D")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated cases")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated models")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 (default: 3)")
    parser.add_argument("--cost", action="store_true", help="only the fit-time lines")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if args.cost:
        cost(args.data_dir)
        return
    names = [m for m in args.models.split(",") if m]
    unknown = set(names) - set(MODELS) | set(args.cases.split(",")) - set(CASES)
    if unknown:
        parser.error(f"unknown cases or models: {sorted(unknown)}")
    for case in args.cases.split(","):
        run_case(case, names, list(range(args.seeds)), args.data_dir)


if __name__ == "__main__":
    main()
