"""Shared fixtures: small real data sets and fast estimator settings."""

import os

# The test networks are tiny, so one thread per process runs them fastest; on a machine whose
# cores are shared, two OpenMP threads spin-waiting on each other made single tests up to ten
# times slower. pytest loads this file before anything imports torch (the doctests included),
# and subprocesses and joblib workers inherit the setting.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skactive import Architecture
from skactive.training import TrainingConfig

FAST = dict(
    base_width=4,
    max_epochs=3,
    batch_size=32,
    lr=1e-2,
    min_validation_size=0,
    random_state=0,
    device="cpu",
)
"""Estimator settings that train in well under a second on a few hundred samples, on the CPU
whatever the machine has, so that exact comparisons mean the same everywhere. One validation
split: on the tests' small labeled sets the default would score every candidate on 5 folds;
tests/test_inas.py and tests/test_classifier.py test the folds."""


@pytest.fixture(autouse=True)
def cpu_unless_marked_cuda(request, monkeypatch):
    """Hide any GPU from tests not marked ``cuda``: a default ``device="auto"`` then means the
    CPU on every machine, so no test depends on the device it happens to run on."""
    if request.node.get_closest_marker("cuda") is None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``cuda`` run on a real GPU, and skip where there is none."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if item.get_closest_marker("cuda") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 8x8 digits scaled to [0, 1], split 70/30 stratified."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture
def small_digits(digits):
    """120 labeled digits and a pool of 200 more, flat rows of 64 pixels."""
    X_train, _, y_train, _ = digits
    return X_train[:120], y_train[:120], X_train[120:320], y_train[120:320]


@pytest.fixture(scope="session")
def shared_data_dir():
    """Folder of the offline data files: $SKACTIVE_DATA_DIR, else ../shared/data next to the
    repository; tests that need it skip when it is absent."""
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    path = Path(os.environ.get("SKACTIVE_DATA_DIR", default))
    if not path.is_dir():
        pytest.skip(f"offline data folder {path} not found (set SKACTIVE_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def dask_client():
    """A dask.distributed client of two worker processes on loopback; skips without dask."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def curve_rows(curves, strategy="sr"):
    """Rows of a hand-made experiment table: ``curves[method][repeat]`` is a learning curve
    at 100, 200, 300, ... labels."""
    return [
        dict(
            method=method,
            strategy=strategy,
            repeat=repeat,
            round=k,
            n_labeled=100 * (k + 1),
            accuracy=accuracy,
            architecture="",
            fit_seconds=1.0,
            query_seconds=0.0,
        )
        for method, repeats in curves.items()
        for repeat, curve in enumerate(repeats)
        for k, accuracy in enumerate(curve)
    ]


ARCH = Architecture("resnet", 1, 2)
"""The network most training-engine tests train."""


def train_config(**kwargs):
    """A small TrainingConfig for 1x8x8 digits, overridden by ``kwargs``."""
    params = dict(
        input_shape=(1, 8, 8), n_classes=10, base_width=4, max_epochs=3, batch_size=32, lr=1e-2
    )
    return TrainingConfig(**{**params, **kwargs})


def net_weights(net):
    """Every parameter of a trained network, flattened into one tensor."""
    return torch.cat([p.detach().flatten() for p in net.module_.parameters()])


@pytest.fixture
def data(digits):
    """300 training and 100 test digits as 1x8x8 images, int64 labels."""
    X_train, X_test, y_train, y_test = digits
    return (
        X_train[:300].reshape(-1, 1, 8, 8),
        y_train[:300].astype(np.int64),
        X_test[:100].reshape(-1, 1, 8, 8),
        y_test[:100].astype(np.int64),
    )


def write_stripes(folder, n=40, seed=0):
    """``n`` small PNG images in ``folder``: horizontal stripes ("h") or vertical ones ("v").

    Returns each file's name with its true label, for the labeling app's tests.
    """
    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    truth = {}
    for i in range(n):
        pixels = (rng.random((12, 12)) * 60).astype(np.uint8)
        label = "hv"[i % 2]
        if label == "h":
            pixels[::3, :] = 255
        else:
            pixels[:, ::3] = 255
        Image.fromarray(pixels).save(folder / f"img_{i:02d}.png")
        truth[f"img_{i:02d}.png"] = label
    return truth


LABEL_FAST = dict(base_width=4, max_epochs=2, inas_iterations=0, min_validation_size=0)
"""Estimator settings of the labeling app's tests: one tiny network, two epochs."""

LABEL_SURE = {**LABEL_FAST, "max_epochs": 20, "lr": 0.05}
"""Settings under which the tiny network tells the stripes apart with some confidence."""


def stripes_session(folder, store, **kwargs):
    """A labeling session on the stripes of ``folder``: classes h and v, 6 per query, tiny
    networks (:data:`LABEL_FAST`) unless ``kwargs`` say otherwise."""
    from skactive.label import LabelSession, load_samples

    kwargs = {"classes": ["h", "v"], "batch_size": 6, "estimator_params": LABEL_FAST, **kwargs}
    return LabelSession(load_samples(folder, image_size=8), store, **kwargs)


def answer_truly(session, truth, n):
    """Answer ``n`` samples as the session shows them, with their true labels; return them."""
    shown = []
    for _ in range(n):
        current = session.current()
        session.answer(current["index"], truth[current["id"]])
        shown.append(current)
    return shown


@pytest.fixture
def stripes(tmp_path):
    """A folder of 40 striped images and their true labels (:func:`write_stripes`)."""
    truth = write_stripes(tmp_path / "images")
    return tmp_path / "images", truth
