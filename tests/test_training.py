"""The training engine (tests of skactive/training/): recipe, data, net, fit, inference."""

import math
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

import skactive.training.fit
from skactive import ActiveINASClassifier, Architecture
from skactive.training import (
    OOM_MIN_BATCH_SIZE,
    DeviceBatchIterator,
    DeviceDataset,
    TrainingConfig,
    build_net,
    candidate_device,
    candidate_parallel_config,
    network_features,
    network_proba,
    random_crop,
    random_hflip,
    resolve_device,
    resolve_precision,
    train_and_score,
    train_net,
    train_net_with_oom_retry,
    training_budget,
)

ARCH = Architecture("resnet", 1, 2)


@pytest.fixture
def data(digits):
    X_train, X_test, y_train, y_test = digits
    return (
        X_train[:300].reshape(-1, 1, 8, 8),
        y_train[:300].astype(np.int64),
        X_test[:100].reshape(-1, 1, 8, 8),
        y_test[:100].astype(np.int64),
    )


def _config(**kwargs):
    params = dict(
        input_shape=(1, 8, 8), n_classes=10, base_width=4, max_epochs=3, batch_size=32, lr=1e-2
    )
    return TrainingConfig(**{**params, **kwargs})


def _weights(net):
    return torch.cat([p.detach().flatten() for p in net.module_.parameters()])


def test_same_seed_same_network_and_global_rng_untouched(data):
    X, y, _, _ = data
    state = torch.get_rng_state()
    a = train_net(ARCH, _config(), X, y, seed=3)
    b = train_net(ARCH, _config(), X, y, seed=3)
    c = train_net(ARCH, _config(), X, y, seed=4)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(_weights(a), _weights(b))
    assert not torch.equal(_weights(a), _weights(c))


@pytest.mark.parametrize("optimizer,lr", [("adamw", 1e-2), ("adam", 1e-2), ("sgd", 0.1)])
def test_training_learns_digits(data, optimizer, lr):
    X, y, X_val, y_val = data
    config = _config(max_epochs=8, optimizer=optimizer, lr=lr)
    error = train_and_score(ARCH, X, y, X_val, y_val, seed=0, config=config)
    assert error < 0.5


def test_probabilities_and_embeddings_in_eval_mode(data):
    X, y, X_val, _ = data
    net = train_net(ARCH, _config(dropout=0.5), X, y, seed=0)
    proba = network_proba(net, X_val)
    assert proba.shape == (100, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(proba, network_proba(net, X_val))
    np.testing.assert_allclose(network_proba(net, X_val[:7]), proba[:7], atol=1e-6)
    assert network_features(net, X_val).shape == (100, net.module_.n_features_out)


def test_learning_rate_follows_the_cosine_at_every_epoch(data):
    X, y, _, _ = data
    net = train_net(ARCH, _config(max_epochs=5, lr=1e-2), X[:64], y[:64], seed=0)
    expected = [1e-2 * (1 + math.cos(math.pi * epoch / 5)) / 2 for epoch in range(5)]
    np.testing.assert_allclose(net.history[:, "event_lr"], expected, rtol=1e-12)


def test_resolve_device_picks_cuda_only_when_a_gpu_is_visible(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert (resolve_device("auto"), resolve_device("cpu")) == ("cuda", "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert (resolve_device("auto"), resolve_device("cuda:1")) == ("cpu", "cuda:1")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_trains_on_cuda(data):
    X, y, X_val, _ = data
    net = train_net(ARCH, _config(device="cuda"), X, y, seed=0)
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

    monkeypatch.setattr(skactive.training.fit, "train_net", train)
    return tried


def test_out_of_memory_retries_with_half_the_batch(data, monkeypatch):
    X, y = data[0][:100], data[1][:100]
    tried = _out_of_memory_above(monkeypatch, 10)
    with pytest.warns(RuntimeWarning) as record:
        net = train_net_with_oom_retry(ARCH, _config(batch_size=32), X, y, seed=0)
    assert tried == [32, 16, 8] and net.batch_size == 8
    assert [str(w.message) for w in record] == [
        f"Out of memory on cpu training A(resnet, 1, 2) with batch_size={b}; retrying with "
        f"batch_size={b // 2}."
        for b in (32, 16)
    ]
    expected = train_net(ARCH, _config(batch_size=8), X, y, seed=0)
    assert torch.equal(_weights(net), _weights(expected))


def test_out_of_memory_at_the_smallest_batch_names_architecture_and_batch(data, monkeypatch):
    X, y = data[0][:100], data[1][:100]
    tried = _out_of_memory_above(monkeypatch, 0)
    with pytest.warns(RuntimeWarning), pytest.raises(torch.cuda.OutOfMemoryError) as info:
        train_net_with_oom_retry(ARCH, _config(batch_size=20), X, y, seed=0)
    assert tried == [20, 10, OOM_MIN_BATCH_SIZE]
    message = str(info.value)
    assert "A(resnet, 1, 2)" in message and f"batch_size={OOM_MIN_BATCH_SIZE}" in message


def test_estimator_search_and_final_training_survive_out_of_memory(digits, monkeypatch):
    X_train, _, y_train, _ = digits
    tried = _out_of_memory_above(monkeypatch, 16)
    params = dict(base_width=4, max_epochs=2, batch_size=32, max_blocks=2, max_stacks=2)
    with pytest.warns(RuntimeWarning, match="retrying with batch_size=16"):
        clf = ActiveINASClassifier(random_state=0, **params).fit(X_train[:80], y_train[:80])
    assert clf.net_.batch_size == 16 and tried.count(32) == 1 + len(clf.history_[0]["candidates"])


# ---------------------------------------------------------------------- the fast engine


def test_numpy_and_tensor_inputs_give_the_same_network(data):
    X, y, _, _ = data
    config = _config(max_epochs=2, dropout=0.5)
    from_numpy = train_net(ARCH, config, X, y, seed=0)
    from_tensor = train_net(ARCH, config, torch.as_tensor(X), torch.as_tensor(y), seed=0)
    from_float64 = train_net(ARCH, config, X.astype(np.float64), y, seed=0)
    assert torch.equal(_weights(from_numpy), _weights(from_tensor))
    assert torch.equal(_weights(from_numpy), _weights(from_float64))


def test_concurrent_threads_train_the_same_networks_as_serial(data):
    """Threads share torch's global generator: training must not draw from it."""
    X, y, _, _ = data
    config = _config(max_epochs=2, dropout=0.5)
    jobs = [(Architecture("resnet", 1, 1), 0), (ARCH, 1), (Architecture("resnet", 2, 1), 2)]
    serial = [_weights(train_net(a, config, X, y, seed)) for a, seed in jobs]
    with ThreadPoolExecutor(max_workers=3) as pool:
        nets = list(pool.map(lambda job: train_net(job[0], config, X, y, job[1]), jobs))
    for net, weights in zip(nets, serial):
        assert torch.equal(_weights(net), weights)
        assert net.module_.head[0].generator is None  # released after training


def test_same_rungs_as_plain_skorch_without_shuffling(data):
    """On the CPU in fp32, the overridden rungs compute exactly what skorch computes."""
    X, y, _, _ = data
    config = _config(max_epochs=2, dropout=0.0, precision="fp32")
    fast = build_net(ARCH, config).set_params(iterator_train__shuffle=False)
    params = build_net(ARCH, config).get_params(deep=False)
    params = {k: v for k, v in params.items() if not k.startswith("iterator") and k != "precision"}
    plain = NeuralNetClassifier(**params, iterator_train__shuffle=False)
    nets = [fast, plain]
    for net in nets:
        torch.manual_seed(0)
        net.fit(X, y)
    assert type(nets[1]) is NeuralNetClassifier
    np.testing.assert_allclose(
        nets[0].history[:, "batches", :, "train_loss"],
        nets[1].history[:, "batches", :, "train_loss"],
        rtol=1e-5,
    )
    torch.testing.assert_close(_weights(nets[0]), _weights(nets[1]))
    np.testing.assert_allclose(fast.predict_proba(X), plain.predict_proba(X), atol=1e-6)


def test_losses_recorded_per_batch_as_floats(data):
    X, y, _, _ = data
    net = train_net(ARCH, _config(max_epochs=2), X, y, seed=0)
    losses = net.history[-1, "batches", :, "train_loss"]
    sizes = net.history[-1, "batches", :, "train_batch_size"]
    assert all(type(loss) is float for loss in losses)
    assert sizes == [32] * 9 + [12]
    assert net.history[-1, "train_loss"] == pytest.approx(np.average(losses, weights=sizes))


def test_iterator_yields_every_sample_once_per_epoch():
    X = np.arange(10, dtype=np.float32)[:, None]
    data = DeviceDataset(X, np.arange(10) * 2)
    iterator = DeviceBatchIterator(data, batch_size=3, shuffle=True, seed=0)
    epochs = []
    for _ in range(3):
        batches = list(iterator)
        assert [len(Xb) for Xb, _ in batches] == [3, 3, 3, 1] == [3] * (len(iterator) - 1) + [1]
        Xe = torch.cat([Xb for Xb, _ in batches])[:, 0]
        ye = torch.cat([yb for _, yb in batches])
        assert sorted(Xe.tolist()) == list(range(10))
        assert torch.equal(ye, Xe.long() * 2)
        epochs.append(Xe)
    assert not torch.equal(epochs[0], epochs[1])
    again = torch.cat([Xb for Xb, _ in DeviceBatchIterator(data, 3, shuffle=True, seed=0)])
    assert torch.equal(again[:, 0], epochs[0])
    in_order = torch.cat([Xb for Xb, _ in DeviceBatchIterator(data, 4)])
    assert torch.equal(in_order, data.X)


def _shifted(image, dy, dx, padding):
    """``image`` zero-padded by ``padding`` and cropped at offset (dy, dx) of the padded one."""
    padded = torch.nn.functional.pad(image, (padding,) * 4)
    return padded[:, dy : dy + image.shape[1], dx : dx + image.shape[2]]


def test_random_crop_is_a_zero_padded_shift():
    image = torch.arange(1.0, 17.0).reshape(1, 4, 4)
    x = image.expand(64, 1, 4, 4)
    out = random_crop(x, 1, torch.Generator().manual_seed(0))
    shifts = [(dy, dx) for dy in range(3) for dx in range(3)]
    used = set()
    for crop in out:
        matches = [s for s in shifts if torch.equal(crop, _shifted(image, *s, padding=1))]
        assert len(matches) == 1
        used.add(matches[0])
    assert len(used) == 9
    assert torch.equal(out, random_crop(x, 1, torch.Generator().manual_seed(0)))
    assert not torch.equal(out, random_crop(x, 1, torch.Generator().manual_seed(1)))


def test_random_hflip_mirrors_about_half_of_the_images():
    x = torch.arange(64 * 2 * 3 * 3, dtype=torch.float32).reshape(64, 2, 3, 3)
    out = random_hflip(x, torch.Generator().manual_seed(0))
    flipped = torch.tensor([torch.equal(o, i.flip(2)) for o, i in zip(out, x)])
    kept = torch.tensor([torch.equal(o, i) for o, i in zip(out, x)])
    assert torch.all(flipped ^ kept)
    assert 16 < int(flipped.sum()) < 48


def test_augmentation_only_in_training_and_only_on_images():
    images = DeviceDataset(torch.rand(40, 1, 8, 8), torch.zeros(40))
    batch, _ = next(iter(DeviceBatchIterator(images, 40, augment=True)))
    assert batch.shape == images.X.shape
    assert not torch.equal(batch, images.X)
    batch, _ = next(iter(DeviceBatchIterator(images, 40)))
    assert torch.equal(batch, images.X)
    sequences = DeviceDataset(torch.rand(40, 1, 8), torch.zeros(40))
    batch, _ = next(iter(DeviceBatchIterator(sequences, 40, augment=True)))
    assert torch.equal(batch, sequences.X)
    net = build_net(Architecture("resnet1d", 1, 1), _config(input_shape=(1, 8), augment=True))
    assert net.iterator_train__augment is False
    assert build_net(ARCH, _config(augment=True)).iterator_train__augment is True


def test_bf16_autocast_learns_digits_and_predicts_float32(data):
    X, y, X_val, y_val = data
    net = train_net(ARCH, _config(max_epochs=8, precision="bf16"), X, y, seed=0)
    proba = network_proba(net, X_val)
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert np.mean(proba.argmax(axis=1) != y_val) < 0.5
    assert resolve_precision("auto", "cpu") == "fp32"
    with pytest.raises(ValueError, match="precision"):
        resolve_precision("fp16", "cpu")


def test_compile_keeps_the_module_class_and_parameter_names():
    plain = build_net(ARCH, _config()).initialize()
    compiled = build_net(ARCH, _config(compile=True)).initialize()
    assert type(compiled.module_) is type(plain.module_)
    assert compiled.module_._compiled_call_impl is not None
    assert plain.module_._compiled_call_impl is None
    assert list(compiled.module_.state_dict()) == list(plain.module_.state_dict())


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
    cuda, cpu = _config(device="cuda"), _config(device="cpu")
    assert _backend_inside(cuda, None) == ("ThreadingBackend", -1)
    assert _backend_inside(cpu, None)[1] is None
    assert _backend_inside(cuda, 2)[1] is None
    assert _backend_inside(_config(device="cuda", compile=True), None)[1] is None
    with joblib.parallel_config(backend="loky", n_jobs=2):
        assert _backend_inside(cuda, None) == ("LokyBackend", 2)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_engine_layout_precision_and_concurrent_candidates(data):
    X, y, X_val, y_val = data
    config = _config(device="cuda", augment=True, max_epochs=8)
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


@pytest.mark.parametrize(
    "n,expected",
    [(40, (267, 16)), (100, (115, 16)), (200, (100, 25)), (1000, (100, 125)), (5000, (30, 128))],
)
def test_auto_budget_gives_small_sets_enough_steps_and_large_ones_thirty_epochs(n, expected):
    epochs, batch_size = training_budget(n)
    assert (epochs, batch_size) == expected
    assert epochs * math.ceil(n / batch_size) >= 800 and epochs >= 30
    assert training_budget(n, min_steps=2000)[0] * math.ceil(n / batch_size) >= 2000


def test_explicit_budget_means_what_it_says(data):
    X, y, _, _ = data
    assert training_budget(100, max_epochs=8, batch_size=32, min_steps=10**6) == (8, 32)
    assert training_budget(100, max_epochs=8) == (8, 16)
    assert training_budget(100, batch_size=50) == (400, 50)
    net = train_net(ARCH, _config(max_epochs=2, batch_size=64), X, y, seed=0)
    assert (net.max_epochs, net.batch_size, len(net.history)) == (2, 64, 2)


def test_auto_budget_is_resolved_on_the_training_set_it_trains(data):
    X, y, _, _ = data
    config = _config(max_epochs="auto", batch_size="auto", min_steps=20)
    assert config.for_samples(len(X)) == _config(max_epochs=30, batch_size=37, min_steps=20)
    net = train_net(ARCH, config, X, y, seed=0)
    assert (net.max_epochs, net.batch_size, len(net.history)) == (30, 37, 30)
    steps = sum(len(epoch["batches"]) for epoch in net.history)
    assert steps == 30 * math.ceil(len(X) / 37)


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
        train_net_with_oom_retry(ARCH, _config(batch_size=32), X, y, seed=0)
    assert tried == [32, 16]


def test_other_runtime_errors_are_not_taken_for_out_of_memory(data, monkeypatch):
    def train(architecture, config, X, y, seed):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    monkeypatch.setattr(skactive.training.fit, "train_net", train)
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        train_net_with_oom_retry(ARCH, _config(batch_size=32), *data[:2], seed=0)


def test_training_leaves_cudnn_benchmark_alone(data, monkeypatch):
    # The CUDA branch runs up to building the network, which this spy stops.
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)

    def stop(*args, **kwargs):
        raise LookupError("stopped before training")

    monkeypatch.setattr(skactive.training.fit, "build_net", stop)
    with pytest.raises(LookupError):
        train_net(ARCH, _config(device="cuda"), *data[:2], seed=0)
    assert torch.backends.cudnn.benchmark is False


def test_bf16_on_a_gpu_without_native_bf16_fails_before_training(monkeypatch):
    import skactive.training.config as config_module

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (7, 0))
    config_module._native_bf16.cache_clear()
    try:
        assert resolve_precision("auto", "cuda:0") == "fp32"
        with pytest.raises(ValueError, match="native bfloat16"):
            resolve_precision("bf16", "cuda:0")
        with pytest.raises(ValueError, match="native bfloat16"):
            build_net(ARCH, _config(device="cuda:0", precision="bf16"))
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (8, 0))
        config_module._native_bf16.cache_clear()
        assert resolve_precision("bf16", "cuda:0") == "bf16"
    finally:
        config_module._native_bf16.cache_clear()


def test_an_interrupted_epoch_leaves_only_floats_in_the_history(data):
    X, y = data[0][:64], data[1][:64]
    net = build_net(ARCH, _config(max_epochs=3, batch_size=16))
    batches = []

    def stop_after_two(net, batch=None, training=None, **kwargs):
        batches.append(1)
        if len(batches) == 2:
            raise KeyboardInterrupt

    net.initialize()
    net.on_batch_end = stop_after_two  # skorch calls the net's own hook after every batch
    net.partial_fit(X, y)  # skorch catches the KeyboardInterrupt and stops
    losses = [b["train_loss"] for epoch in net.history for b in epoch["batches"]]
    assert len(losses) == 2 and all(type(loss) is float for loss in losses)


def test_pool_inference_writes_every_batch_into_one_host_buffer(data, monkeypatch):
    import skactive.training.inference as inference

    X, y, X_val, _ = data
    net = train_net(ARCH, _config(max_epochs=1), X[:64], y[:64], seed=0)
    buffers = []
    allocate = inference._output_buffer

    def spy(*args, **kwargs):
        buffers.append(allocate(*args, **kwargs))
        return buffers[-1]

    monkeypatch.setattr(inference, "_output_buffer", spy)
    monkeypatch.setattr(inference, "INFERENCE_BATCH_SIZE", 16)
    proba = inference.network_proba(net, X_val)  # 100 samples: 7 batches
    assert len(buffers) == 1 and proba.shape == (100, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert np.shares_memory(proba, buffers[0].numpy())


def test_fp32_on_cuda_turns_tf32_off_within_the_block_only():
    from skactive.training import full_fp32

    matmul = torch.backends.cuda.matmul
    saved = matmul.allow_tf32
    matmul.allow_tf32 = True  # as a user may have set it
    try:
        before = torch.backends.cudnn.allow_tf32
        assert before, "cuDNN's default: float32 convolutions in TF32"
        with full_fp32("fp32", "cuda:0"):  # the flags alone: nothing runs on the device
            assert not torch.backends.cudnn.allow_tf32
            assert not matmul.allow_tf32
        assert torch.backends.cudnn.allow_tf32 == before
        assert matmul.allow_tf32
        with full_fp32("fp32", "cpu"):
            assert torch.backends.cudnn.allow_tf32 and matmul.allow_tf32  # the CPU: unchanged
    finally:
        matmul.allow_tf32 = saved


def test_augmented_batches_keep_the_datasets_channels_last_layout():
    X = torch.randn(6, 3, 8, 8).contiguous(memory_format=torch.channels_last)
    data = DeviceDataset(X, np.arange(6))
    data.X = X  # as get_dataset lays images out on CUDA
    batches = DeviceBatchIterator(data, batch_size=4, shuffle=True, augment=True, seed=0)
    assert all(b.is_contiguous(memory_format=torch.channels_last) for b, _ in batches)
    plain = DeviceBatchIterator(DeviceDataset(np.zeros((6, 3, 8, 8))), 4, augment=True)
    assert all(b.is_contiguous() for b, _ in plain)


def test_a_users_torch_dataset_trains_like_its_arrays(data):
    X, y = data[0][:64], data[1][:64]
    config = _config(max_epochs=2, dropout=0.0)  # no dropout: torch's global RNG plays no part
    from_arrays = build_net(ARCH, config)
    from_dataset = build_net(ARCH, config)
    for net in (from_arrays, from_dataset):
        torch.manual_seed(0)
        net.initialize()
    from_arrays.partial_fit(X, y)
    dataset = torch.utils.data.TensorDataset(torch.as_tensor(X), torch.as_tensor(y))
    from_dataset.partial_fit(dataset, None)
    assert torch.equal(_weights(from_arrays), _weights(from_dataset))


def test_out_of_memory_beside_other_trainings_is_retried_alone_at_the_same_batch(monkeypatch):
    # Two candidates in threads: the first runs out of memory while the second trains, as on
    # a shared GPU. It must wait for the second and retry at its batch size, not halve it.
    import threading

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
    config = _config(batch_size=32)
    X, y = np.zeros((64, 1, 8, 8), dtype=np.float32), np.arange(64) % 10
    with pytest.warns(RuntimeWarning, match="beside other trainings; retrying alone"):
        with ThreadPoolExecutor(2) as pool:
            results = list(
                pool.map(lambda s: train_net_with_oom_retry(ARCH, config, X, y, s), [0, 1])
            )
    assert results == ["first", "second"] and tried == [32, 32]
