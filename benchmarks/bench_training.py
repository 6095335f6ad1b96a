"""Training throughput of skactive's engine against plain skorch and a hand-written GPU loop.

Measured side by side in one process, on CIFAR-shaped random data (labels are random too: only
speed is measured here, never accuracy):

1. images per second for A(resnet, 1, 1), (1, 2), (2, 4) (ResNet-18 at ``--base-width 64``)
   and (4, 4), trained by
   - skactive's engine (:func:`skactive.training.train_net`, batch ``--batch-size``),
   - plain skorch: ``NeuralNetClassifier`` over NumPy arrays with its DataLoader, float32,
     at batch 128 and 512,
   - a hand-written loop: data resident on the device, batches sliced there, bf16 autocast
     and channels_last on CUDA, fused AdamW, no per-batch synchronisation;
2. the wall time of one iNAS round of :class:`skactive.ActiveINASClassifier` (three candidates
   from A(resnet, 1, 1), then the winner on all labels) at 2,000 and 10,000 labels, next to
   the same three candidates trained by the hand-written loop, concurrently in threads with a
   CUDA stream each on a GPU.

It prints the ratios against the targets of the engine (on one H100: skactive >= 0.9 x the hand
loop and >= 5 x plain skorch at batch 512 for ResNet-18, >= 0.8 x the hand loop for
A(resnet, 1, 1), the candidates of an iNAS step within 1.1 x the concurrent hand loop).

Usage::

    python benchmarks/bench_training.py            # full size on CUDA, reduced on the CPU
    python benchmarks/bench_training.py --small    # reduced size anywhere (about 2 minutes
                                                   # on one CPU core)
    python benchmarks/bench_training.py --compile  # torch.compile in the engine and the loop

Full size: 20,480 images of 3x32x32 (a multiple of both batch sizes), 2 epochs, base width
64; the iNAS round with 10 epochs at batch 256. Reduced size: 1,000 images of 3x16x16, one
epoch, base width 16, iNAS rounds at 500 and 1,000 labels.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.model_selection import train_test_split
from skorch import NeuralNetClassifier
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR

from skactive import ActiveINASClassifier, Architecture
from skactive.networks import HomogeneousNet
from skactive.search_space import neighbours
from skactive.training import TrainingConfig, resolve_precision, train_net

ARCHITECTURES = [(1, 1), (1, 2), (2, 4), (4, 4)]
N_CLASSES = 10
LR, WEIGHT_DECAY = 1e-3, 5e-4


def settings(args) -> dict:
    """Sizes of the run: full on CUDA, reduced on the CPU or with --small."""
    small = args.small or args.device == "cpu"
    return {
        "small": small,
        "n_images": 1_000 if small else 20_480,
        "side": 16 if small else 32,
        "epochs": 1 if small else 2,
        "base_width": args.base_width or (16 if small else 64),
        "round_sizes": (500, 1_000) if small else (2_000, 10_000),
        "round_epochs": 1 if small else 10,
        "round_batch": 256,
    }


def synchronize(device: str) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def timed(device: str, fn, *fn_args) -> float:
    """Seconds that ``fn(*fn_args)`` takes, the device idle before and after."""
    synchronize(device)
    start = time.perf_counter()
    fn(*fn_args)
    synchronize(device)
    return time.perf_counter() - start


# ---------------------------------------------------------------------- the three trainers


def engine(arch, X, y, epochs, batch_size, args, s):
    config = TrainingConfig(
        input_shape=X.shape[1:],
        n_classes=N_CLASSES,
        base_width=s["base_width"],
        max_epochs=epochs,
        batch_size=batch_size,
        lr=LR,
        weight_decay=WEIGHT_DECAY,
        device=args.device,
        compile=args.compile,
    )
    train_net(arch, config, X, y, seed=0)


def plain_skorch(arch, X, y, epochs, batch_size, args, s):
    net = NeuralNetClassifier(
        HomogeneousNet,
        module__architecture=arch,
        module__input_shape=X.shape[1:],
        module__n_classes=N_CLASSES,
        module__base_width=s["base_width"],
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        optimizer__weight_decay=WEIGHT_DECAY,
        lr=LR,
        max_epochs=epochs,
        batch_size=batch_size,
        iterator_train__shuffle=True,
        train_split=None,
        callbacks=[LRScheduler(CosineAnnealingLR, T_max=epochs)],
        device=args.device,
        verbose=0,
    )
    net.fit(X, y)


def hand_model(arch, input_shape, args, s):
    """A network on the device, laid out for the hand-written loop."""
    model = HomogeneousNet(arch, input_shape, N_CLASSES, s["base_width"]).to(args.device)
    if torch.device(args.device).type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    if args.compile:
        model.compile()
    return model


def hand_train(model, X, y, epochs, batch_size, args):
    """The hand-written loop: ``X``, ``y`` already on the device, no host synchronisation."""
    on_cuda = torch.device(args.device).type == "cuda"
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY, fused=on_cuda or None
    )
    schedule = CosineAnnealingLR(optimizer, T_max=epochs)
    generator = torch.Generator(device=X.device).manual_seed(0)
    bf16 = resolve_precision("auto", args.device) == "bf16"
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator, device=X.device)
        for begin in range(0, len(X), batch_size):
            index = order[begin : begin + batch_size]
            batch = X[index]
            if on_cuda:
                batch = batch.contiguous(memory_format=torch.channels_last)
            with torch.autocast(X.device.type, dtype=torch.bfloat16, enabled=bf16):
                loss = F.cross_entropy(model(batch).float(), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        schedule.step()


def hand(arch, X, y, epochs, batch_size, args, s):
    model = hand_model(arch, X.shape[1:], args, s)
    X_device = torch.as_tensor(X).to(args.device)
    y_device = torch.as_tensor(y).to(args.device)
    hand_train(model, X_device, y_device, epochs, batch_size, args)


# ---------------------------------------------------------------------- throughput


def throughput(args, s, X, y) -> None:
    methods = [
        ("skorch b128", plain_skorch, 128),
        ("skorch b512", plain_skorch, 512),
        ("hand loop", hand, args.batch_size),
        ("skactive", engine, args.batch_size),
    ]
    print(
        f"\nImages/s, {s['n_images']} images of {X.shape[1:]}, {s['epochs']} epoch(s), "
        f"base width {s['base_width']}, median of {args.repeats} run(s) after a warm-up"
    )
    print(f"{'architecture':<16}" + "".join(f"{name:>14}" for name, _, _ in methods))
    ratios = {}
    for n_blocks, n_stacks in ARCHITECTURES:
        arch = Architecture("resnet", n_blocks, n_stacks)
        rates = {}
        for name, method, batch_size in methods:
            warm = 2 * batch_size
            method(arch, X[:warm], y[:warm], 1, batch_size, args, s)
            seconds = [
                timed(args.device, method, arch, X, y, s["epochs"], batch_size, args, s)
                for _ in range(args.repeats)
            ]
            rates[name] = s["n_images"] * s["epochs"] / statistics.median(seconds)
        print(f"{str(arch):<16}" + "".join(f"{rates[name]:>14,.0f}" for name, _, _ in methods))
        ratios[arch] = rates
    print("\nRatios (skactive / other)")
    print(f"{'architecture':<16}{'/ hand loop':>14}{'/ skorch b512':>14}{'/ skorch b128':>14}")
    for arch, rates in ratios.items():
        ours = rates["skactive"]
        print(
            f"{str(arch):<16}{ours / rates['hand loop']:>14.2f}"
            f"{ours / rates['skorch b512']:>14.2f}{ours / rates['skorch b128']:>14.2f}"
        )


# ---------------------------------------------------------------------- one iNAS round


def hand_candidates(X, y, args, s) -> float:
    """The hand loop's three candidates of a step, concurrently in threads on CUDA."""
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.2, random_state=0, stratify=y
    )
    on_cuda = torch.device(args.device).type == "cuda"
    X_train, y_train = torch.as_tensor(X_train), torch.as_tensor(y_train)
    X_val = torch.as_tensor(X_val)
    candidates = neighbours(Architecture("resnet", 1, 1), 12, 5)
    models = [hand_model(a, X.shape[1:], args, s) for a in candidates]
    errors = {}

    def run(index):
        context = torch.cuda.stream(torch.cuda.Stream(args.device)) if on_cuda else nullcontext()
        with context:
            Xt, yt = X_train.to(args.device), y_train.to(args.device)
            model = models[index]
            hand_train(model, Xt, yt, s["round_epochs"], s["round_batch"], args)
            model.eval()
            with torch.inference_mode():
                predicted = model(X_val.to(args.device)).argmax(1).cpu().numpy()
            errors[index] = np.mean(predicted != y_val)

    def all_candidates():
        if on_cuda:
            with ThreadPoolExecutor(len(models)) as pool:
                list(pool.map(run, range(len(models))))
        else:
            for index in range(len(models)):
                run(index)

    return timed(args.device, all_candidates)


def fit_round(X, y, n_jobs, args, s) -> dict:
    """One fit of the estimator; its history entry has the search and training seconds."""
    clf = ActiveINASClassifier(
        base_width=s["base_width"],
        max_epochs=s["round_epochs"],
        batch_size=s["round_batch"],
        lr=LR,
        weight_decay=WEIGHT_DECAY,
        device=args.device,
        compile=args.compile,
        n_jobs=n_jobs,
        random_state=0,
    )
    return clf.fit(X, y).history_[-1]


def inas_round(args, s, X, y) -> None:
    on_cuda = torch.device(args.device).type == "cuda"
    print(
        f"\nOne iNAS round: 3 candidates from A(resnet, 1, 1) on 80% of the labels, then the "
        f"winner on all; {s['round_epochs']} epoch(s), batch {s['round_batch']}"
    )
    header = f"{'labels':>8}{'skactive s':>12}{'candidates':>12}{'final':>8}"
    header += f"{'serial cand.':>14}{'hand cand.':>12}{'ratio':>8}{'threads gain':>14}"
    print(header)
    for n_labeled in s["round_sizes"]:
        Xn, yn = X[:n_labeled], y[:n_labeled]
        fit_round(Xn, yn, None, args, s)
        entry = fit_round(Xn, yn, None, args, s)
        serial = entry["search_seconds"]
        if on_cuda:
            serial = fit_round(Xn, yn, 1, args, s)["search_seconds"]
        hand_candidates(Xn, yn, args, s)
        hand_seconds = hand_candidates(Xn, yn, args, s)
        search = entry["search_seconds"]
        print(
            f"{n_labeled:>8}{search + entry['train_seconds']:>12.2f}{search:>12.2f}"
            f"{entry['train_seconds']:>8.2f}{serial:>14.2f}{hand_seconds:>12.2f}"
            f"{search / hand_seconds:>8.2f}{serial / search:>14.2f}"
        )
    print(
        "ratio = skactive's candidates / the hand loop's (target <= 1.1 on a GPU); "
        "threads gain = serial / default candidates (1.00 on the CPU, where the default is "
        "serial)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="reduced size, as on the CPU")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batch-size", type=int, default=512, help="engine and hand loop")
    parser.add_argument("--base-width", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per measurement")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--compile", action="store_true", help="torch.compile both loops")
    parser.add_argument("--skip-round", action="store_true", help="only the throughput table")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    s = settings(args)
    device_name = (
        torch.cuda.get_device_name(args.device)
        if torch.device(args.device).type == "cuda"
        else f"CPU, {torch.get_num_threads()} thread(s)"
    )
    print(
        f"Device: {device_name}; torch {torch.__version__}; precision "
        f"{resolve_precision('auto', args.device)}"
    )
    rng = np.random.default_rng(0)
    X = rng.standard_normal((s["n_images"], 3, s["side"], s["side"]), dtype=np.float32)
    y = rng.integers(0, N_CLASSES, s["n_images"])
    throughput(args, s, X, y)
    if not args.skip_round:
        n_round = max(s["round_sizes"])
        X_round = rng.standard_normal((n_round, 3, s["side"], s["side"]), dtype=np.float32)
        inas_round(args, s, X_round, rng.integers(0, N_CLASSES, n_round))


if __name__ == "__main__":
    main()
