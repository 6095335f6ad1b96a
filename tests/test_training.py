import numpy as np
import pytest
import torch

from skactive import Architecture
from skactive.training import (
    TrainingConfig,
    embed,
    predict_proba,
    resolve_device,
    train_net,
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
