"""The candidates of a search step (tests of skactive/training/candidates.py)."""

from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
import torch
from conftest import ARCH, train_config

from skactive.training import (
    candidate_device,
    candidate_parallel_config,
    network_features,
    train_and_score,
    train_net,
)


def test_candidate_device_round_robin():
    assert candidate_device("cpu", n_devices=4) == "cpu"
    assert candidate_device("cuda", n_devices=1) == "cuda"
    assert candidate_device("cuda:1", n_devices=4) == "cuda:1"
    first = int(candidate_device("cuda", n_devices=3).split(":")[1])
    following = [candidate_device("cuda", n_devices=3) for _ in range(3)]
    assert following == [f"cuda:{(first + k) % 3}" for k in (1, 2, 3)]


def _backend_inside(config, n_jobs):
    with candidate_parallel_config(config, n_jobs):
        backend, active_n_jobs = joblib.parallel.get_active_backend()
    return type(backend).__name__, active_n_jobs


def test_candidates_in_threads_only_on_cuda_when_the_user_chose_nothing():
    cuda, cpu = train_config(device="cuda"), train_config(device="cpu")
    assert _backend_inside(cuda, None) == ("ThreadingBackend", -1)
    assert _backend_inside(cpu, None)[1] is None
    assert _backend_inside(cuda, 2)[1] is None
    assert _backend_inside(train_config(device="cuda", compile=True), None)[1] is None
    with joblib.parallel_config(backend="loky", n_jobs=2):
        assert _backend_inside(cuda, None) == ("LokyBackend", 2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_engine_layout_precision_and_concurrent_candidates(data):
    X, y, X_val, y_val = data
    config = train_config(device="cuda", augment=True, max_epochs=8)
    net = train_net(ARCH, config, X, y, seed=0)
    conv = net.module_.stem[0].weight
    assert conv.is_cuda and conv.is_contiguous(memory_format=torch.channels_last)
    with torch.no_grad(), net.autocast():
        logits = net.module_.eval()(torch.as_tensor(X_val[:4], device="cuda"))
    native_bf16 = torch.cuda.get_device_capability()[0] >= 8
    assert logits.dtype == (torch.bfloat16 if native_bf16 else torch.float32)
    assert all(type(loss) is float for loss in net.history[:, "batches", :, "train_loss"])
    assert network_features(net, X_val).dtype == np.float32

    def score(seed):
        return train_and_score(ARCH, X, y, X_val, y_val, seed, config=config)

    with ThreadPoolExecutor(max_workers=3) as pool:
        errors = list(pool.map(score, range(3)))
    assert all(0.0 <= error < 0.6 for error in errors)
