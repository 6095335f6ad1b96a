"""Training one network, and its retries when memory runs out or a regression network ends
constant (tests of skactive/training/fit.py)."""

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest
import torch
from conftest import ARCH, net_weights, train_config

import skactive.training.fit
from skactive import ActiveINASClassifier, ActiveINASRegressor, Architecture
from skactive.datasets import load_dataset
from skactive.training import (
    MIN_CONTINUED_SHARE,
    OOM_MIN_BATCH_SIZE,
    TrainingConfig,
    constant_output,
    continue_training,
    network_proba,
    optimizer_steps,
    train_and_score,
    train_net,
    train_net_with_oom_retry,
    training_budget,
)


def test_same_seed_same_network_and_global_rng_untouched(data):
    X, y, _, _ = data
    state = torch.get_rng_state()
    a = train_net(ARCH, train_config(), X, y, seed=3)
    b = train_net(ARCH, train_config(), X, y, seed=3)
    c = train_net(ARCH, train_config(), X, y, seed=4)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(net_weights(a), net_weights(b))
    assert not torch.equal(net_weights(a), net_weights(c))


@pytest.mark.parametrize("optimizer,lr", [("adamw", 1e-2), ("adam", 1e-2), ("sgd", 0.1)])
def test_training_learns_digits(data, optimizer, lr):
    X, y, X_val, y_val = data
    config = train_config(max_epochs=8, optimizer=optimizer, lr=lr)
    error = train_and_score(ARCH, X, y, X_val, y_val, seed=0, config=config)
    assert error < 0.5


def test_learning_rate_follows_the_cosine_at_every_epoch(data):
    X, y, _, _ = data
    net = train_net(ARCH, train_config(max_epochs=5, lr=1e-2), X[:64], y[:64], seed=0)
    expected = [1e-2 * (1 + math.cos(math.pi * epoch / 5)) / 2 for epoch in range(5)]
    np.testing.assert_allclose(net.history[:, "event_lr"], expected, rtol=1e-12)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_trains_on_cuda(data):
    X, y, X_val, _ = data
    net = train_net(ARCH, train_config(device="cuda"), X, y, seed=0)
    assert next(net.module_.parameters()).is_cuda
    assert network_proba(net, X_val).shape == (100, 10)


def _out_of_memory_above(monkeypatch, limit):
    """Make training fail like a full GPU whenever the batch is larger than ``limit``."""
    tried = []

    def train(architecture, config, X, y, seed):
        tried.append(config.batch_size)
        if config.batch_size > limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return train_net(architecture, config, X, y, seed)

    def go_on(net, config, X, y, seed):
        tried.append(config.batch_size)
        if config.batch_size > limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return continue_training(net, config, X, y, seed)

    monkeypatch.setattr(skactive.training.fit, "train_net", train)
    monkeypatch.setattr(skactive.training.fit, "continue_training", go_on)
    return tried


def test_out_of_memory_retries_with_half_the_batch(data, monkeypatch):
    X, y = data[0][:100], data[1][:100]
    tried = _out_of_memory_above(monkeypatch, 10)
    with pytest.warns(RuntimeWarning) as record:
        net = train_net_with_oom_retry(ARCH, train_config(batch_size=32), X, y, seed=0)
    assert tried == [32, 16, 8] and net.batch_size == 8
    assert [str(w.message) for w in record] == [
        f"Out of memory on cpu training A(resnet, 1, 2) with batch_size={b}; retrying with "
        f"batch_size={b // 2}."
        for b in (32, 16)
    ]
    expected = train_net(ARCH, train_config(batch_size=8), X, y, seed=0)
    assert torch.equal(net_weights(net), net_weights(expected))


def test_out_of_memory_at_the_smallest_batch_names_architecture_and_batch(data, monkeypatch):
    X, y = data[0][:100], data[1][:100]
    tried = _out_of_memory_above(monkeypatch, 0)
    with pytest.warns(RuntimeWarning), pytest.raises(torch.cuda.OutOfMemoryError) as info:
        train_net_with_oom_retry(ARCH, train_config(batch_size=20), X, y, seed=0)
    assert tried == [20, 10, OOM_MIN_BATCH_SIZE]
    message = str(info.value)
    assert "A(resnet, 1, 2)" in message and f"batch_size={OOM_MIN_BATCH_SIZE}" in message


def test_estimator_search_and_final_training_survive_out_of_memory(digits, monkeypatch):
    X_train, _, y_train, _ = digits
    tried = _out_of_memory_above(monkeypatch, 16)
    # One split: a winner scored on folds trains anew, and this one must go on.
    params = dict(base_width=4, max_epochs=2, batch_size=32, max_blocks=2, max_stacks=2)
    params["min_validation_size"] = 0
    with pytest.warns(RuntimeWarning) as record:
        clf = ActiveINASClassifier(random_state=0, **params).fit(X_train[:80], y_train[:80])
    messages = [str(warning.message) for warning in record]
    assert any("going on training A(" in message for message in messages)
    assert any("retrying with batch_size=16" in message for message in messages)
    # Each candidate on each of its folds, the winner going on, and the new network: each
    # tried 32 first.
    trainings = sum(candidate["folds"] for candidate in clf.history_[0]["candidates"])
    assert clf.net_.batch_size == 16 and tried.count(32) == 2 + trainings
    assert not clf.history_[0]["continued"]


# ---------------------------------------------------------------------- the fast engine


def test_numpy_and_tensor_inputs_give_the_same_network(data):
    X, y, _, _ = data
    config = train_config(max_epochs=2, dropout=0.5)
    from_numpy = train_net(ARCH, config, X, y, seed=0)
    from_tensor = train_net(ARCH, config, torch.as_tensor(X), torch.as_tensor(y), seed=0)
    from_float64 = train_net(ARCH, config, X.astype(np.float64), y, seed=0)
    assert torch.equal(net_weights(from_numpy), net_weights(from_tensor))
    assert torch.equal(net_weights(from_numpy), net_weights(from_float64))


def test_concurrent_threads_train_the_same_networks_as_serial(data):
    """Threads share torch's global generator: training must not draw from it."""
    X, y, _, _ = data
    config = train_config(max_epochs=2, dropout=0.5)
    jobs = [(Architecture("resnet", 1, 1), 0), (ARCH, 1), (Architecture("resnet", 2, 1), 2)]
    serial = [net_weights(train_net(a, config, X, y, seed)) for a, seed in jobs]
    with ThreadPoolExecutor(max_workers=3) as pool:
        nets = list(pool.map(lambda job: train_net(job[0], config, X, y, job[1]), jobs))
    for net, weights in zip(nets, serial):
        assert torch.equal(net_weights(net), weights)
        assert net.module_.head[0].generator is None  # released after training


def test_explicit_budget_means_what_it_says(data):
    X, y, _, _ = data
    assert training_budget(100, max_epochs=8, batch_size=32, min_steps=10**6) == (8, 32)
    assert training_budget(100, max_epochs=8) == (8, 16)
    assert training_budget(100, batch_size=50) == (600, 50)
    net = train_net(ARCH, train_config(max_epochs=2, batch_size=64), X, y, seed=0)
    assert (net.max_epochs, net.batch_size, len(net.history)) == (2, 64, 2)


def test_auto_budget_is_resolved_on_the_training_set_it_trains(data):
    X, y, _, _ = data
    config = train_config(max_epochs="auto", batch_size="auto", min_steps=20)
    assert config.for_samples(len(X)) == train_config(max_epochs=30, batch_size=37, min_steps=20)
    net = train_net(ARCH, config, X, y, seed=0)
    assert (net.max_epochs, net.batch_size, len(net.history)) == (30, 37, 30)
    assert optimizer_steps(net) == 30 * math.ceil(len(X) / 37)


def test_a_budget_fraction_trains_that_share_of_the_epochs(data):
    X, y, _, _ = data
    config = train_config(max_epochs="auto", batch_size="auto", min_steps=20)
    short = train_net(ARCH, replace(config, budget_fraction=0.25), X, y, seed=0)
    assert (short.max_epochs, len(short.history)) == (8, 8)  # ceil(0.25 * 30)
    assert short.history[:, "event_lr"][0] == pytest.approx(1e-2)  # its own whole cosine
    assert train_config(max_epochs=3, budget_fraction=0.01).for_samples(50).max_epochs == 1


def test_continued_training_restarts_the_cosine_and_completes_the_budget(data):
    X, y, X_val, y_val = data
    config = train_config(max_epochs=6, batch_size=32)
    net = train_net(ARCH, replace(config, budget_fraction=0.5), X[:200], y[:200], seed=0)
    first = optimizer_steps(net)
    weights = net_weights(net).clone()
    assert continue_training(net, config, X, y, seed=1) is net
    assert len(net.history) == 6 and first == 3 * math.ceil(200 / 32)
    assert optimizer_steps(net) - first == 3 * math.ceil(len(X) / 32)
    expected = [1e-2 * (1 + math.cos(math.pi * epoch / 3)) / 2 for epoch in range(3)]
    np.testing.assert_allclose(net.history[:, "event_lr"], expected * 2, rtol=1e-12)
    assert not torch.equal(net_weights(net), weights)
    again = train_net(ARCH, replace(config, budget_fraction=0.5), X[:200], y[:200], seed=0)
    again = continue_training(again, config, X, y, seed=1)
    torch.testing.assert_close(net_weights(again), net_weights(net))
    assert np.mean(network_proba(net, X_val).argmax(1) == y_val) > 0.5


def test_a_network_trained_its_whole_budget_still_anneals_after_the_restart(data):
    # Continuing with one epoch would leave it at the peak learning rate; it gets a quarter.
    X, y, X_val, y_val = data
    config = train_config(max_epochs=8, batch_size=32)
    net = train_net(ARCH, config, X[:200], y[:200], seed=0)
    before = np.mean(network_proba(net, X_val).argmax(1) == y_val)
    continue_training(net, config, X, y, seed=1)
    assert len(net.history) == 8 + 2  # ceil(MIN_CONTINUED_SHARE * 8)
    np.testing.assert_allclose(net.history[:, "event_lr"][-2:], [1e-2, 5e-3], rtol=1e-12)
    assert MIN_CONTINUED_SHARE == 0.25
    assert np.mean(network_proba(net, X_val).argmax(1) == y_val) >= before - 0.05


@pytest.mark.parametrize(
    "message",
    [
        "CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`",
        "cuDNN error: CUDNN_STATUS_INTERNAL_ERROR: out of memory",
    ],
)
def test_cublas_and_cudnn_out_of_memory_errors_are_retried(data, monkeypatch, message):
    X, y = data[0][:100], data[1][:100]
    tried = []

    def train(architecture, config, X, y, seed):
        tried.append(config.batch_size)
        if config.batch_size > 16:
            raise RuntimeError(message)
        return train_net(architecture, config, X, y, seed)

    monkeypatch.setattr(skactive.training.fit, "train_net", train)
    with pytest.warns(RuntimeWarning, match="retrying with batch_size=16"):
        train_net_with_oom_retry(ARCH, train_config(batch_size=32), X, y, seed=0)
    assert tried == [32, 16]


def test_other_runtime_errors_are_not_taken_for_out_of_memory(data, monkeypatch):
    def train(architecture, config, X, y, seed):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    monkeypatch.setattr(skactive.training.fit, "train_net", train)
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        train_net_with_oom_retry(ARCH, train_config(batch_size=32), *data[:2], seed=0)


def test_training_leaves_cudnn_benchmark_alone(data, monkeypatch):
    # The CUDA branch runs up to building the network, which this spy stops.
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)

    def stop(*args, **kwargs):
        raise LookupError("stopped before training")

    monkeypatch.setattr(skactive.training.fit, "build_net", stop)
    with pytest.raises(LookupError):
        train_net(ARCH, train_config(device="cuda"), *data[:2], seed=0)
    assert torch.backends.cudnn.benchmark is False


def test_out_of_memory_beside_other_trainings_is_retried_alone_at_the_same_batch(monkeypatch):
    # Two candidates in threads: the first runs out of memory while the second trains, as on
    # a shared GPU. It must wait for the second and retry at its batch size, not halve it.

    second_running, first_failed = threading.Event(), threading.Event()
    tried = []

    def train(architecture, config, X, y, seed):
        if seed == 1:
            second_running.set()
            assert first_failed.wait(timeout=10)
            return "second"
        assert second_running.wait(timeout=10)
        tried.append(config.batch_size)
        if len(tried) == 1:
            first_failed.set()
            raise torch.cuda.OutOfMemoryError("CUDA out of memory.")
        return "first"

    monkeypatch.setattr(skactive.training.fit, "train_net", train)
    config = train_config(batch_size=32)
    X, y = np.zeros((64, 1, 8, 8), dtype=np.float32), np.arange(64) % 10
    with pytest.warns(RuntimeWarning, match="beside other trainings; retrying alone"):
        with ThreadPoolExecutor(2) as pool:
            results = list(
                pool.map(lambda s: train_net_with_oom_retry(ARCH, config, X, y, s), [0, 1])
            )
    assert results == ["first", "second"] and tried == [32, 32]


@pytest.mark.parametrize(
    "architecture, shape",
    [
        (Architecture("resnet", 1, 1), (1, 8, 8)),
        (Architecture("resnet1d", 1, 1), (1, 64)),
        (Architecture("mlp", 1, 1), (64,)),
    ],
)
def test_mixup_training_is_reproducible_on_every_block_and_differs_from_plain(
    data, architecture, shape
):
    X, y, X_test, _ = data
    X, X_test = X.reshape(-1, *shape), X_test.reshape(-1, *shape)
    config = train_config(input_shape=shape, max_epochs=2, mixup=2.0, augment="crop")
    net = train_net(architecture, config, X, y, seed=3)
    again = train_net(architecture, config, X, y, seed=3)
    assert torch.equal(net_weights(net), net_weights(again))
    plain = train_net(architecture, replace(config, mixup=None), X, y, seed=3)
    assert not torch.equal(net_weights(net), net_weights(plain))
    # Each batch held as many virtual samples as labeled ones.
    assert net.history[0, "batches", 0, "train_batch_size"] == 64
    assert plain.history[0, "batches", 0, "train_batch_size"] == 32
    assert np.isfinite(network_proba(net, X_test)).all()


def _regression_data(n=60, seed=0):
    X = np.random.default_rng(seed).normal(size=(n, 3)).astype(np.float32)
    return X, (X[:, :1] - X[:, 1:2] ** 2).astype(np.float32)


def _zeroed(net):
    with torch.no_grad():
        for parameter in net.module_.parameters():
            parameter.zero_()
    return net


def test_constant_output_tells_a_network_predicting_a_constant():
    X, y = _regression_data()
    config = TrainingConfig(input_shape=(3,), n_classes=1, loss="squared_error", max_epochs=5)
    net = train_net(Architecture("mlp", 1, 1), config, X, y, seed=0)
    assert not constant_output(net, X, y)
    assert constant_output(_zeroed(net), X, y)
    # Targets that do not vary ask nothing more of the network.
    assert not constant_output(net, X, np.full_like(y, 3.0))


def test_a_regression_network_that_ends_constant_trains_again_at_half_the_rate():
    # On these 100 rows of Friedman-1, A(mlp, 2, 4) at the default rate of 0.01 ends with
    # every ReLU dead, predicting the mean; at half the rate it learns.
    data = load_dataset("friedman1")
    rows = np.random.default_rng(0).permutation(len(data.y_train))[:100]
    regressor = ActiveINASRegressor(
        initial_architecture=(2, 4), inas_iterations=0, device="cpu", random_state=0
    ).fit(data.X_train[rows], data.y_train[rows])
    assert regressor.net_.lr == 0.005
    assert regressor.score(data.X_test, data.y_test) > 0.5


def test_a_continued_regression_network_that_ends_constant_is_trained_anew(monkeypatch):
    X, y = _regression_data()
    config = TrainingConfig(input_shape=(3,), n_classes=1, loss="squared_error", max_epochs=5)
    first = train_net(Architecture("mlp", 1, 1), config, X, y, seed=0)
    monkeypatch.setattr(
        skactive.training.fit, "continue_training", lambda net, *args: _zeroed(net)
    )
    net = train_net_with_oom_retry(
        Architecture("mlp", 1, 1), config, X, y, seed=0, warm_start=first
    )
    assert net is not first
    assert not constant_output(net, X, y)
