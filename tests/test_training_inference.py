"""Running a trained network over many samples (tests of skactive/training/inference.py)."""

import warnings

import numpy as np
from conftest import ARCH, train_config

from skactive.training import (
    network_features,
    network_proba,
    train_net,
)


def test_probabilities_and_embeddings_in_eval_mode(data):
    X, y, X_val, _ = data
    net = train_net(ARCH, train_config(dropout=0.5), X, y, seed=0)
    proba = network_proba(net, X_val)
    assert proba.shape == (100, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(proba, network_proba(net, X_val))
    np.testing.assert_allclose(network_proba(net, X_val[:7]), proba[:7], atol=1e-6)
    assert network_features(net, X_val).shape == (100, net.module_.n_features_out)


def test_pool_inference_writes_every_batch_into_one_host_buffer(data, monkeypatch):
    import skactive.training.inference as inference

    X, y, X_val, _ = data
    net = train_net(ARCH, train_config(max_epochs=1), X[:64], y[:64], seed=0)
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


def test_a_read_only_pool_is_scored_without_a_warning(data):
    X, y, X_val, _ = data
    net = train_net(ARCH, train_config(max_epochs=1), X, y, seed=0)
    pool = X_val.copy()
    pool.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = network_proba(net, pool)
    np.testing.assert_array_equal(proba, network_proba(net, X_val))
