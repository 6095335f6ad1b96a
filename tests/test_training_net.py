"""The skorch subclass (tests of skactive/training/net.py)."""

import numpy as np
import pytest
import torch
from conftest import ARCH, net_weights, train_config
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback

from skactive.loss_prediction import ranking_loss
from skactive.training import (
    build_net,
    network_proba,
    resolve_precision,
    train_net,
)


def test_same_rungs_as_plain_skorch_without_shuffling(data):
    """On the CPU in fp32, the overridden rungs compute what skorch computes, up to rounding.

    Plain skorch's loader does not crop, so neither does the engine here.
    """
    X, y, _, _ = data
    config = train_config(max_epochs=2, dropout=0.0, precision="fp32", augment=False)
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
    torch.testing.assert_close(net_weights(nets[0]), net_weights(nets[1]))
    # The engine's convolutions run in channels_last layout, which sums in another order.
    np.testing.assert_allclose(fast.predict_proba(X), plain.predict_proba(X), atol=1e-5)


def test_images_train_in_channels_last_with_a_fused_optimizer_on_every_device(data):
    X, y, _, _ = data
    net = train_net(ARCH, train_config(max_epochs=1), X, y, seed=0)
    assert net.module_.stem[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert net.to_memory_layout(torch.as_tensor(X[:2])).is_contiguous(
        memory_format=torch.channels_last
    )
    assert net.optimizer_.defaults["fused"] is True


def test_losses_recorded_per_batch_as_floats(data):
    X, y, _, _ = data
    net = train_net(ARCH, train_config(max_epochs=2), X, y, seed=0)
    losses = net.history[-1, "batches", :, "train_loss"]
    sizes = net.history[-1, "batches", :, "train_batch_size"]
    assert all(type(loss) is float for loss in losses)
    assert sizes == [32] * 9 + [12]
    assert net.history[-1, "train_loss"] == pytest.approx(np.average(losses, weights=sizes))


def test_bf16_autocast_learns_digits_and_predicts_float32(data):
    X, y, X_val, y_val = data
    net = train_net(ARCH, train_config(max_epochs=8, precision="bf16"), X, y, seed=0)
    proba = network_proba(net, X_val)
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert np.mean(proba.argmax(axis=1) != y_val) < 0.5
    assert resolve_precision("auto", "cpu") == "fp32"
    with pytest.raises(ValueError, match="precision"):
        resolve_precision("fp16", "cpu")


def test_compile_keeps_the_module_class_and_parameter_names():
    plain = build_net(ARCH, train_config()).initialize()
    compiled = build_net(ARCH, train_config(compile=True)).initialize()
    assert type(compiled.module_) is type(plain.module_)
    assert compiled.module_._compiled_call_impl is not None
    assert plain.module_._compiled_call_impl is None
    assert list(compiled.module_.state_dict()) == list(plain.module_.state_dict())


def test_an_interrupted_epoch_leaves_only_floats_in_the_history(data):
    X, y = data[0][:64], data[1][:64]
    net = build_net(ARCH, train_config(max_epochs=3, batch_size=16))
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


def test_a_users_torch_dataset_trains_like_its_arrays(data):
    X, y = data[0][:64], data[1][:64]
    config = train_config(
        max_epochs=2, dropout=0.0
    )  # no dropout: torch's global RNG plays no part
    from_arrays = build_net(ARCH, config)
    from_dataset = build_net(ARCH, config)
    for net in (from_arrays, from_dataset):
        torch.manual_seed(0)
        net.initialize()
    from_arrays.partial_fit(X, y)
    dataset = torch.utils.data.TensorDataset(torch.as_tensor(X), torch.as_tensor(y))
    from_dataset.partial_fit(dataset, None)
    assert torch.equal(net_weights(from_arrays), net_weights(from_dataset))


def test_a_loss_head_trains_on_mean_cross_entropy_plus_the_ranking_loss(data):
    X, y, _, _ = data
    net = build_net(ARCH, train_config(loss_prediction=True)).initialize()
    x, target = torch.as_tensor(X[:10]), torch.as_tensor(y[:10])
    net.module_.train()
    logits, predicted = net.infer(x)
    losses = torch.nn.functional.cross_entropy(logits, target, reduction="none")
    expected = losses.mean() + ranking_loss(predicted, losses)
    torch.testing.assert_close(net.get_loss((logits, predicted), target), expected)
    assert ranking_loss(predicted, losses) > 0
    # Outside training the net predicts as any other.
    net.module_.eval()
    assert isinstance(net.infer(x), torch.Tensor)
    plain = build_net(ARCH, train_config()).initialize()
    plain.module_.train()
    assert plain.module_.loss_head is None and isinstance(plain.infer(x), torch.Tensor)


def test_the_loss_heads_gradient_into_the_network_stops_after_60_percent_of_each_training(data):
    X, y, _, _ = data
    stopped = []

    class Spy(Callback):
        def on_epoch_begin(self, net, **kwargs):
            stopped.append(net.loss_gradient_stopped_)

    net = build_net(ARCH, train_config(loss_prediction=True, max_epochs=5))
    net.callbacks.append(("spy", Spy()))
    net.fit(X, y)
    assert stopped == [False, False, False, True, True]
    # A further training counts its own epochs, as its learning rate restarts.
    stopped.clear()
    net.partial_fit(X, y)
    assert stopped == [False, False, False, True, True]
    assert len(net.history) == 10 and np.isfinite(net.history[:, "train_loss"]).all()
