import copy

import numpy as np
import pytest
import torch
from conftest import FAST
from modAL.models import ActiveLearner
from torch import nn

from skactive import ActiveINASClassifier, Architecture
from skactive.networks import HomogeneousNet
from skactive.strategies import (
    STRATEGIES,
    STRATEGY_NAMES,
    AutoStrategy,
    dynamic_al,
    labeled_gradient,
    last_layer_gain,
    resolve_strategy,
    training_dynamics_gain,
)


@pytest.fixture(scope="module")
def fitted(digits):
    X_train, _, y_train, _ = digits
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), inas_iterations=0, **FAST)
    clf.fit(X_train[:60], y_train[:60])
    return clf, X_train[60:140]


def _loop_gradients(module, x, labels):
    """One backward pass per sample: each sample's gradient, flattened over all parameters."""
    module.eval()
    rows = []
    for i in range(len(x)):
        module.zero_grad()
        logits = module(x[i : i + 1])
        label = logits.argmax(dim=1) if labels is None else labels[i : i + 1]
        nn.functional.cross_entropy(logits, label).backward()
        rows.append(torch.cat([p.grad.flatten() for p in module.parameters()]).clone())
    module.zero_grad()
    return torch.stack(rows).double()


def _flat(gradient, module):
    return torch.cat([gradient[name].flatten() for name, _ in module.named_parameters()]).double()


# ---------------------------------------------------------------- the gain, by hand


def test_gain_of_a_linear_model_by_hand():
    linear = nn.Linear(2, 3)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]))
        linear.bias.copy_(torch.tensor([0.0, 0.0, 1.0]))
    x, true = torch.tensor([[1.0, 1.0]]), torch.tensor([0])
    # logits (1, 2, 1): yhat = 1 though the true label is 0.
    p = np.exp([1.0, 2.0, 1.0]) / np.exp([1.0, 2.0, 1.0]).sum()
    residual = p - np.array([0.0, 1.0, 0.0])
    expected = (residual**2).sum() * (1.0 + 1.0 + 1.0)  # |a|^2 (|h|^2 + 1)
    gain = training_dynamics_gain(linear, x)
    np.testing.assert_allclose(gain.numpy(), [expected], rtol=1e-6)
    # The squared norm at the pseudo label: neither the norm nor the true label's gradient.
    at_true = ((p - np.array([1.0, 0.0, 0.0])) ** 2).sum() * 3.0
    assert not np.isclose(gain.item(), np.sqrt(expected))
    assert not np.isclose(gain.item(), at_true)
    np.testing.assert_allclose(
        training_dynamics_gain(linear, x, true).numpy(), [at_true], rtol=1e-6
    )
    # With the labeled gradient G: + 2 <g, G>, g = a ⊗ (h, 1) in the weights-then-bias layout.
    direction = {"weight": torch.ones(3, 2), "bias": torch.full((3,), 2.0)}
    dot = (residual * (1.0 + 1.0 + 2.0)).sum()
    np.testing.assert_allclose(
        training_dynamics_gain(linear, x, None, direction).numpy(), [expected + 2 * dot], rtol=1e-5
    )


def test_last_layer_gain_by_hand():
    proba, features = np.array([[0.6, 0.3, 0.1]]), np.array([[1.0, -2.0]])
    residual = np.array([-0.4, 0.3, 0.1])
    np.testing.assert_allclose(last_layer_gain(proba, features), [0.26 * 6.0])
    head = np.arange(9, dtype=float).reshape(3, 3)  # [G_W | G_b]
    dot = residual @ (head[:, :2] @ features[0] + head[:, 2])
    np.testing.assert_allclose(last_layer_gain(proba, features, head), [0.26 * 6.0 + 2 * dot])
    with pytest.raises(ValueError, match="labeled_gradient"):
        last_layer_gain(proba, features, head[:, :2])


def test_last_layer_gain_is_autograd_on_the_head():
    torch.manual_seed(0)
    head = nn.Linear(5, 4)
    h = torch.randn(7, 5)
    proba = torch.softmax(head(h), dim=1).detach().numpy()
    np.testing.assert_allclose(
        last_layer_gain(proba, h.numpy()), training_dynamics_gain(head, h).numpy(), rtol=1e-5
    )
    y = torch.tensor([0, 1, 2, 3, 0, 1, 2])
    gradient = labeled_gradient(head, h, y)
    as_matrix = torch.cat([gradient["weight"], gradient["bias"][:, None]], dim=1).numpy()
    np.testing.assert_allclose(
        last_layer_gain(proba, h.numpy(), as_matrix),
        training_dynamics_gain(head, h, None, gradient).numpy(),
        rtol=1e-4,
    )


# ---------------------------------------------------------------- whole network


@pytest.mark.parametrize("block, shape", [("resnet1d", (1, 40)), ("resnet", (1, 8, 8))])
def test_whole_network_gains_equal_a_per_sample_backward_loop(block, shape):
    torch.manual_seed(0)
    module = HomogeneousNet(Architecture(block, 1, 1), shape, n_classes=5, base_width=4)
    # Running statistics away from their initial values, so that eval mode matters.
    module.train()
    with torch.no_grad():
        module(torch.randn(64, *shape) * 2 + 1)
    x = torch.randn(9, *shape)
    labels = torch.tensor([0, 1, 2, 3, 4, 0, 1, 2, 3])
    loop = _loop_gradients(module, x, None)
    module.train()  # training_dynamics_gain must switch to eval mode, then restore the mode
    gain = training_dynamics_gain(module, x, chunk_size=4).double()
    assert module.training
    np.testing.assert_allclose(gain.numpy(), (loop**2).sum(1).numpy(), rtol=1e-5)

    direction = labeled_gradient(module, x, labels, batch_size=4)
    at_labels = _loop_gradients(module, x, labels)
    np.testing.assert_allclose(
        _flat(direction, module).numpy(), at_labels.sum(0).numpy(), rtol=1e-4, atol=1e-6
    )
    expected = (loop**2).sum(1) + 2 * loop @ _flat(direction, module)
    np.testing.assert_allclose(
        training_dynamics_gain(module, x, None, direction).double().numpy(),
        expected.numpy(),
        rtol=1e-5,
    )


def test_gain_runs_under_inference_mode():
    module = nn.Linear(3, 2)
    x = torch.randn(4, 3)
    expected = training_dynamics_gain(module, x)
    with torch.inference_mode():
        inside = training_dynamics_gain(module, x.clone())
    np.testing.assert_allclose(inside.numpy(), expected.numpy())


# ---------------------------------------------------------------- the strategy


def test_dynamic_al_picks_the_largest_gains(fitted):
    clf, X_pool = fitted
    for gradients in ("full", "last_layer"):
        indices, samples, utilities = dynamic_al(
            clf, X_pool, 6, gradients=gradients, return_utilities=True
        )
        assert indices.tolist() == np.argsort(-utilities, kind="stable")[:6].tolist()
        np.testing.assert_array_equal(samples, X_pool[indices])


def test_full_gains_are_the_paper_score(fitted):
    clf, X_pool = fitted
    module = clf.net_.module_
    x = torch.as_tensor(clf.network_input(X_pool[:10]))
    y = torch.as_tensor(np.searchsorted(clf.classes_, clf.y_training_))
    loop = _loop_gradients(module, x, None)
    labeled = _loop_gradients(module, torch.as_tensor(clf.network_input(clf.X_training_)), y)
    expected = (loop**2).sum(1) + 2 * loop @ labeled.sum(0)
    _, _, utilities = dynamic_al(clf, X_pool[:10], 2, chunk_size=3, return_utilities=True)
    np.testing.assert_allclose(utilities, expected.numpy(), rtol=1e-4)


def test_last_layer_gains_are_the_head_part_of_the_score(fitted):
    clf, X_pool = fitted
    module = clf.net_.module_
    x = torch.as_tensor(clf.network_input(X_pool[:10]))
    y = torch.as_tensor(np.searchsorted(clf.classes_, clf.y_training_))
    head = [i for i, (name, _) in enumerate(module.named_parameters()) if name.startswith("head")]
    sizes = [p.numel() for p in module.parameters()]
    columns = torch.cat([torch.full((s,), i in head) for i, s in enumerate(sizes)])
    loop = _loop_gradients(module, x, None)[:, columns]
    labeled = _loop_gradients(module, torch.as_tensor(clf.network_input(clf.X_training_)), y)
    expected = (loop**2).sum(1) + 2 * loop @ labeled[:, columns].sum(0)
    _, _, utilities = dynamic_al(
        clf, X_pool[:10], 2, gradients="last_layer", return_utilities=True
    )
    np.testing.assert_allclose(utilities, expected.numpy(), rtol=1e-4, atol=1e-6)


def test_a_memmap_pool_gets_the_same_gains(fitted, tmp_path):
    clf, X_pool = fitted
    path = tmp_path / "pool.npy"
    np.save(path, X_pool)
    lazy = np.load(path, mmap_mode="r")
    for gradients in ("full", "last_layer"):
        *_, expected = dynamic_al(clf, X_pool, 3, gradients=gradients, return_utilities=True)
        *_, utilities = dynamic_al(clf, lazy, 3, gradients=gradients, return_utilities=True)
        np.testing.assert_allclose(utilities, expected, rtol=1e-6)


def test_stochastic_batch_is_reproducible(fitted):
    clf, X_pool = fitted
    first, _ = dynamic_al(clf, X_pool, 8, batch_mode="softrank", random_state=3)
    again, _ = dynamic_al(clf, X_pool, 8, batch_mode="softrank", random_state=3)
    assert first.tolist() == again.tolist() and len(set(first.tolist())) == 8
    draws = {
        tuple(dynamic_al(clf, X_pool, 8, batch_mode="softrank", random_state=s)[0])
        for s in range(4)
    }
    assert len(draws) > 1


def test_works_through_a_modal_active_learner(fitted):
    clf, X_pool = fitted
    learner = ActiveLearner(
        estimator=copy.deepcopy(clf), X_training=clf.X_training_, y_training=clf.y_training_
    )
    wrapped, _ = dynamic_al(learner, X_pool, 4)
    direct, _ = dynamic_al(learner.estimator, X_pool, 4)
    assert wrapped.tolist() == direct.tolist()


@pytest.mark.parametrize("n", [0, 81])
def test_bad_n_instances(fitted, n):
    clf, X_pool = fitted
    with pytest.raises(ValueError, match="n_instances"):
        dynamic_al(clf, X_pool, n)


@pytest.mark.parametrize(
    "kwargs, name",
    [({"gradients": "all"}, "gradients"), ({"chunk_size": 0}, "chunk_size")],
)
def test_bad_arguments_name_the_parameter(fitted, kwargs, name):
    clf, X_pool = fitted
    with pytest.raises(ValueError, match=name):
        dynamic_al(clf, X_pool, 2, **kwargs)
    if name == "chunk_size":
        with pytest.raises(ValueError, match=name):
            training_dynamics_gain(nn.Linear(2, 2), torch.zeros(1, 2), chunk_size=0)


def test_needs_the_network():
    from sklearn.linear_model import LogisticRegression

    X = np.random.RandomState(0).randn(20, 3)
    clf = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    with pytest.raises(TypeError, match="ActiveINASClassifier"):
        dynamic_al(clf, X, 2)


# ---------------------------------------------------------------- by name


def test_resolves_by_name_and_as_a_candidate(fitted):
    assert STRATEGIES["dynamic_al"] is dynamic_al
    assert resolve_strategy("dynamic_al") is dynamic_al
    assert "dynamic_al:softrank" in STRATEGY_NAMES and "dynamic_al:power" not in STRATEGY_NAMES
    assert resolve_strategy("dynamic_al:softrank").keywords == {"batch_mode": "softrank"}
    clf, X_pool = fitted
    auto = AutoStrategy(candidates=("random", "dynamic_al"))
    indices, _ = auto(copy.deepcopy(clf), X_pool, 4, random_state=0)
    assert len(set(indices.tolist())) == 4


def test_command_line_runs_it(tmp_path, capsys):
    from skactive.__main__ import main

    argv = ["run", "--dataset", "digits", "--initial-size", "30", "--query-size", "30"]
    argv += ["--budget", "60"]
    argv += ["--strategy", "dynamic_al", "--baselines", "", "--inas-iterations", "0"]
    argv += ["--max-epochs", "1", "--base-width", "4", "--jobs", "1", "--device", "cpu"]
    assert main([*argv, "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    assert "dynamic_al" in (tmp_path / "out" / "results.csv").read_text()
