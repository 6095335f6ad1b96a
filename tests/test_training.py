import numpy as np
import pytest
import torch

import skactive.training
from skactive import ActiveINASClassifier, Architecture
from skactive.training import (
    OOM_MIN_BATCH_SIZE,
    TrainingConfig,
    embed,
    predict_proba,
    resolve_device,
    train_net,
    train_net_with_oom_retry,
    validation_error,
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
    error = validation_error(ARCH, X, y, X_val, y_val, seed=0, config=config)
    assert error < 0.5


def test_probabilities_and_embeddings_in_eval_mode(data):
    X, y, X_val, _ = data
    net = train_net(ARCH, _config(dropout=0.5), X, y, seed=0)
    proba = predict_proba(net, X_val)
    assert proba.shape == (100, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(proba, predict_proba(net, X_val))
    np.testing.assert_allclose(predict_proba(net, X_val[:7]), proba[:7], atol=1e-6)
    assert embed(net, X_val).shape == (100, net.module_.n_features_out)


def test_cosine_schedule_is_attached(data):
    X, y, _, _ = data
    net = train_net(ARCH, _config(max_epochs=2), X, y, seed=0)
    assert net.optimizer_.param_groups[0]["lr"] < 1e-2
    assert len(net.history) == 2


def test_resolve_device():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_trains_on_cuda(data):
    X, y, X_val, _ = data
    net = train_net(ARCH, _config(device="cuda"), X, y, seed=0)
    assert next(net.module_.parameters()).is_cuda
    assert predict_proba(net, X_val).shape == (100, 10)


def _out_of_memory_above(monkeypatch, limit):
    """Make training fail like a full GPU whenever the batch is larger than ``limit``."""
    tried = []

    def train(architecture, config, X, y, seed):
        tried.append(config.batch_size)
        if config.batch_size > limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return train_net(architecture, config, X, y, seed)

    monkeypatch.setattr(skactive.training, "train_net", train)
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
