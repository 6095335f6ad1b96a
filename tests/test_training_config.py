"""The recipe: budget rule, device and precision (tests of skactive/training/config.py)."""

import math

import pytest
import torch
from conftest import ARCH, train_config

from skactive.training import (
    TrainingConfig,
    build_net,
    resolve_device,
    resolve_precision,
    training_budget,
)


def test_resolve_device_picks_cuda_only_when_a_gpu_is_visible(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    assert (resolve_device("auto"), resolve_device("cpu")) == ("cuda:0", "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert (resolve_device("auto"), resolve_device("cuda:1")) == ("cpu", "cuda:1")


@pytest.mark.parametrize(
    "n,expected",
    [(40, (400, 16)), (100, (172, 16)), (200, (150, 25)), (1000, (150, 125)), (5000, (30, 128))],
)
def test_auto_budget_gives_small_sets_enough_steps_and_large_ones_thirty_epochs(n, expected):
    epochs, batch_size = training_budget(n)
    assert (epochs, batch_size) == expected
    assert epochs * math.ceil(n / batch_size) >= 1200 and epochs >= 30
    assert training_budget(n, min_steps=2000)[0] * math.ceil(n / batch_size) >= 2000


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
            build_net(ARCH, train_config(device="cuda:0", precision="bf16"))
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (8, 0))
        config_module._native_bf16.cache_clear()
        assert resolve_precision("bf16", "cuda:0") == "bf16"
    finally:
        config_module._native_bf16.cache_clear()


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


def test_the_recipe_defaults_have_one_home():
    from dataclasses import fields
    from inspect import signature

    from skactive import ActiveINASClassifier
    from skactive.networks import HomogeneousNet

    estimator = ActiveINASClassifier().get_params()
    # The estimator's device and loss_prediction are resolved ("auto" -> a device, a bool)
    # before a config is built.
    shared = set(estimator) - {"input_shape", "device", "loss_prediction"}
    recipe = {f.name: f.default for f in fields(TrainingConfig) if f.name in shared}
    assert len(recipe) == 13 and all(estimator[name] == value for name, value in recipe.items())
    network = signature(HomogeneousNet).parameters
    assert {n: network[n].default for n in ("base_width", "dropout", "pooling")} == {
        n: recipe[n] for n in ("base_width", "dropout", "pooling")
    }


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_samples=0), "'n_samples' parameter of training_budget"),
        (dict(n_samples=100, max_epochs="many"), "'max_epochs' parameter of training_budget"),
        (dict(n_samples=100, batch_size=0), "'batch_size' parameter of training_budget"),
        (dict(n_samples=100, min_steps=2.5), "'min_steps' parameter of training_budget"),
    ],
)
def test_training_budget_refuses_what_is_not_a_budget(kwargs, match):
    with pytest.raises(ValueError, match=match):
        training_budget(**kwargs)


@pytest.mark.parametrize(
    "optimizer, weight_decay, expected",
    [("adamw", "auto", 0.05), ("adam", "auto", 5e-4), ("sgd", "auto", 5e-4), ("sgd", 0.0, 0.0)],
)
def test_auto_weight_decay_follows_the_optimizer_and_a_number_is_kept(
    optimizer, weight_decay, expected
):
    config = train_config(optimizer=optimizer, weight_decay=weight_decay)
    net = build_net(ARCH, config).initialize()
    assert net.optimizer_.param_groups[0]["weight_decay"] == expected


@pytest.mark.parametrize(
    "optimizer, weight_decay, expected",
    [("adamw", "auto", 2.0), ("adam", "auto", 5e-4), ("adamw", 0.05, 0.05)],
)
def test_auto_weight_decay_of_a_regression_loss_is_the_regression_one(
    optimizer, weight_decay, expected
):
    config = train_config(optimizer=optimizer, weight_decay=weight_decay, loss="squared_error")
    net = build_net(ARCH, config).initialize()
    assert net.optimizer_.param_groups[0]["weight_decay"] == expected


def test_a_recipe_classifies_with_cross_entropy_only():
    assert train_config().classifies
    assert (
        not train_config(loss="huber").classifies
        and not train_config(loss="squared_error").classifies
    )
