"""The candidates of a search step (tests of skactive/training/candidates.py)."""

import math
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
import torch
from conftest import ARCH, train_config

from skactive.training import (
    CandidateTrainer,
    candidate_device,
    candidate_devices,
    candidate_parallel_config,
    device_type,
    network_features,
    network_proba,
    resolve_device,
    train_and_score,
    train_net,
)


def test_candidates_go_to_the_gpus_in_turn_only_for_auto_or_a_bare_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 3)
    assert candidate_devices("cuda") == candidate_devices("auto") == ("cuda:0", "cuda:1", "cuda:2")
    assert candidate_devices("cuda:1") == candidate_devices("cpu") == ()
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert candidate_devices("cuda") == ()
    spread = train_config(device="cuda:2", candidate_devices=("cuda:0", "cuda:1", "cuda:2"))
    first = int(candidate_device(spread).split(":")[1])
    following = [candidate_device(spread) for _ in range(3)]
    assert following == [f"cuda:{(first + k) % 3}" for k in (1, 2, 3)]
    assert candidate_device(train_config(device="cuda:1")) == "cuda:1"


def test_a_bare_cuda_is_resolved_once_to_the_callers_current_gpu(monkeypatch):
    # After torch.cuda.set_device(2), the final network and every thread must use GPU 2.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 2)
    assert resolve_device("cuda") == resolve_device("auto") == "cuda:2"
    assert resolve_device("cuda:0") == "cuda:0"
    assert device_type("auto") == "cuda"


def _backend_inside(config, n_jobs):
    with candidate_parallel_config(config, n_jobs):
        backend, active_n_jobs = joblib.parallel.get_active_backend()
    return type(backend).__name__, active_n_jobs


def test_candidates_in_threads_on_every_device_unless_the_user_chose_otherwise():
    cuda, cpu = train_config(device="cuda"), train_config(device="cpu")
    assert _backend_inside(cuda, None) == ("ThreadingBackend", -1)
    assert _backend_inside(cuda, 2) == ("ThreadingBackend", -1)
    assert _backend_inside(cpu, 2) == ("ThreadingBackend", -1)
    assert _backend_inside(cpu, None)[1] is None
    assert _backend_inside(train_config(device="cuda", compile=True), None)[1] is None
    with joblib.parallel_config(backend="loky", n_jobs=2):
        assert _backend_inside(cuda, None) == ("LokyBackend", 2)
        assert _backend_inside(cpu, 2) == ("LokyBackend", 2)


def test_candidate_threads_share_torchs_threads_and_give_them_back():
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(4)
        with candidate_parallel_config(train_config(device="cpu"), 2):
            assert torch.get_num_threads() == 2
        assert torch.get_num_threads() == 4
        with pytest.raises(RuntimeError), candidate_parallel_config(train_config(), 3):
            assert torch.get_num_threads() == 1
            raise RuntimeError
        assert torch.get_num_threads() == 4
    finally:
        torch.set_num_threads(threads)


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


def test_the_candidate_trainer_scores_like_train_and_score_and_keeps_the_networks(data):
    X, y, X_val, y_val = data
    config = train_config(max_epochs=4)
    trainer = CandidateTrainer(config)
    error = trainer(ARCH, X, y, X_val, y_val, seed=2)
    assert error == train_and_score(ARCH, X, y, X_val, y_val, seed=2, config=config)
    net = trainer.networks[ARCH]
    assert trainer.costs[ARCH] == {"steps": 4 * math.ceil(len(X) / 32), "epochs": 4}
    assert error == np.mean(network_proba(net, X_val).argmax(1) != y_val)
