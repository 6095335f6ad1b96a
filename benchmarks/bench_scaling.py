"""Querying a pool that lives on disk: seconds and peak memory against pool size.

For each pool size, a CIFAR-shaped pool (float32, 3 x 32 x 32, 12 KiB a sample) is written to a
``.npy`` file in chunks, never held in memory, and a small network (A(resnet, 1, 1), fitted for
one epoch on 500 random labeled images: speed does not depend on what it learned) queries it
with softmax response. Each measurement runs in a fresh process so that its peak memory is its
own, side by side:

- ``memmap``: ``clf.query(np.load(path, mmap_mode="r"), n)``, scored chunk by chunk;
- ``in memory``: ``clf.query(np.load(path), n)``, the pool read whole first (the file's size
  must fit in memory; skipped above ``--max-in-memory`` samples);
- ``dask``: the file as a dask array of blocks read by the workers of a local cluster of two
  worker processes, ``clf.query(dask_pool, n)`` (only with ``distributed`` installed; skipped
  above ``--max-dask`` samples).

Memory columns: the peak resident set of the querying process (``VmHWM``, which counts the
pages of the mapped file it touched: clean page cache that the kernel reclaims under pressure),
and the peak of its anonymous memory (``RssAnon``, sampled every 5 ms from /proc: what the
process itself allocated, the memory a pool held in memory costs).

Usage::

    python benchmarks/bench_scaling.py                 # 10k, 100k, 300k samples on the CPU
    python benchmarks/bench_scaling.py --sizes 1000000 --dir /big/disk   # 12 GB of disk

Sizes default larger on CUDA. Files go to a temporary directory (or ``--dir``) and are deleted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

SHAPE = (3, 32, 32)
"""One CIFAR-shaped sample, channels first."""


# ---------------------------------------------------------------- memory


class PeakAnonymousMemory:
    """Peak anonymous resident memory of this process, sampled from /proc/self in a thread."""

    def __init__(self, interval: float = 0.005):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()

    def _sample(self):
        with open("/proc/self/status") as status:
            match = re.search(r"RssAnon:\s+(\d+) kB", status.read())
        if match:
            self.peak = max(self.peak, int(match.group(1)) * 1024)

    def _run(self):
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self):
        if os.path.exists("/proc/self/status"):
            self._sample()
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if hasattr(self, "_thread"):
            self._thread.join()
            self._sample()


def peak_rss() -> int:
    """Peak resident set of this process in bytes.

    On Linux, ``VmHWM`` of /proc/self/status: ``ru_maxrss`` would not do, because a child
    started by vfork/exec inherits its parent's peak in it.
    """
    if os.path.exists("/proc/self/status"):
        with open("/proc/self/status") as status:
            return int(re.search(r"VmHWM:\s+(\d+) kB", status.read()).group(1)) * 1024
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


# ---------------------------------------------------------------- the pool on disk


def write_pool(path: str, n_samples: int, rows: int = 8192) -> None:
    """A .npy file of ``n_samples`` random CIFAR-shaped float32 images, written in chunks."""
    pool = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n_samples, *SHAPE))
    rng = np.random.default_rng(0)
    for start in range(0, n_samples, rows):
        stop = min(start + rows, n_samples)
        pool[start:stop] = rng.standard_normal((stop - start, *SHAPE), dtype=np.float32)
    pool.flush()
    del pool


def read_rows(path: str, start: int, stop: int) -> np.ndarray:
    """Rows ``start:stop`` of a .npy file, read through a mapping (runs on a dask worker)."""
    return np.load(path, mmap_mode="r")[start:stop]


def dask_pool(path: str, rows: int = 8192):
    """The .npy file as a dask array of ``rows``-row blocks that the workers read themselves."""
    import dask
    import dask.array as da

    header = np.load(path, mmap_mode="r")
    n_samples, shape, dtype = len(header), header.shape[1:], header.dtype
    blocks = [
        da.from_delayed(
            dask.delayed(read_rows)(path, start, min(start + rows, n_samples)),
            shape=(min(start + rows, n_samples) - start, *shape),
            dtype=dtype,
        )
        for start in range(0, n_samples, rows)
    ]
    return da.concatenate(blocks)


# ---------------------------------------------------------------- one measurement


def fitted_classifier(device: str):
    from skactive import ActiveINASClassifier

    rng = np.random.default_rng(1)
    X = rng.standard_normal((500, *SHAPE), dtype=np.float32)
    y = rng.integers(0, 10, 500)
    clf = ActiveINASClassifier(
        block="resnet", base_width=8, max_epochs=1, inas_iterations=0, device=device
    )
    return clf.fit(X, y)


def _import_skactive() -> bool:
    """Run on each dask worker before the clock starts, so imports are not timed."""
    import skactive  # noqa: F401

    return True


def measure(path: str, mode: str, n_instances: int, device: str) -> dict:
    """Query the pool at ``path`` in this process; seconds and peak memory."""
    clf = fitted_classifier(device)
    client = None
    if mode == "dask":
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = Client(cluster)
        client.run(_import_skactive)
    with PeakAnonymousMemory() as anonymous:
        start = time.perf_counter()
        if mode == "memmap":
            pool = np.load(path, mmap_mode="r")
        elif mode == "in memory":
            pool = np.load(path)
        else:
            pool = dask_pool(path)
        indices, samples = clf.query(pool, n_instances)
        seconds = time.perf_counter() - start
    if client is not None:
        client.close()
        cluster.close()
    assert len(set(indices.tolist())) == n_instances and samples.shape == (n_instances, *SHAPE)
    return {"seconds": seconds, "peak_rss": peak_rss(), "peak_anonymous": anonymous.peak}


# ---------------------------------------------------------------- driver


def main() -> None:
    import torch

    cuda = torch.cuda.is_available()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[100_000, 300_000, 1_000_000] if cuda else [10_000, 100_000, 300_000],
    )
    parser.add_argument("--n-instances", type=int, default=1000)
    parser.add_argument(
        "--max-in-memory", type=int, default=100_000, help="largest pool read whole"
    )
    parser.add_argument("--max-dask", type=int, default=100_000, help="largest pool run on dask")
    parser.add_argument("--dir", default=None, help="where to write the pools (default: temp)")
    parser.add_argument(
        "--measure", nargs=3, metavar=("PATH", "MODE", "N"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    device = "cuda" if cuda else "cpu"
    if args.measure:
        path, mode, n_instances = args.measure
        print(json.dumps(measure(path, mode, int(n_instances), device)))
        return

    modes = ["memmap", "in memory"]
    try:
        import distributed  # noqa: F401

        modes.append("dask")
    except ImportError:
        pass
    print(f"device: {device}; query: softmax_response, {args.n_instances} samples")
    header = f"{'pool':>9} {'file GB':>8} {'mode':>10} {'seconds':>8} {'samples/s':>10}"
    print(header + f" {'peak RSS GB':>12} {'peak anon GB':>13}")
    with tempfile.TemporaryDirectory(dir=args.dir) as directory:
        for n_samples in args.sizes:
            path = os.path.join(directory, f"pool_{n_samples}.npy")
            write_pool(path, n_samples)
            size = os.path.getsize(path) / 1e9
            for mode in modes:
                largest = {"in memory": args.max_in_memory, "dask": args.max_dask}.get(mode)
                if largest is not None and n_samples > largest:
                    continue
                command = [
                    sys.executable,
                    __file__,
                    "--measure",
                    path,
                    mode,
                    str(args.n_instances),
                ]
                out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
                result = json.loads(out.strip().splitlines()[-1])
                print(
                    f"{n_samples:>9,} {size:>8.2f} {mode:>10} {result['seconds']:>8.1f} "
                    f"{n_samples / result['seconds']:>10,.0f} {result['peak_rss'] / 1e9:>12.2f} "
                    f"{result['peak_anonymous'] / 1e9:>13.2f}",
                    flush=True,
                )
            os.remove(path)


if __name__ == "__main__":
    main()
