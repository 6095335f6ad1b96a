"""dynamicAL: query the samples that most speed up training (Wang et al., NeurIPS 2022).

Wang, Huang, Wu, Tong, Margenot & He, "Deep Active Learning by Leveraging Training Dynamics".
Under gradient flow the training loss ``L(S) = sum_i l(f(x_i), y_i)`` falls at the rate
``E(S) = ||grad_theta L(S)||^2``; the paper shows that faster training goes with better
generalisation (ultra-wide networks) and queries the batch ``Q`` that raises ``E`` most. Two
relaxations make that tractable: the unknown labels of ``Q`` are the network's predictions
``yhat = argmax p`` (pseudo labels), and the gain of a batch is the sum of the gains of its
samples (the cross terms inside ``Q`` dropped), so each pool sample gets a score,

    gain(x) = E(S + {x}) - E(S) = ||g_x||^2 + 2 <g_x, G>,

with ``g_x`` the gradient of the cross-entropy at ``yhat`` with respect to every parameter and
``G = grad_theta L(S)`` the gradient of the labeled set's summed loss at its true labels, and
the batch is the ``n_instances`` largest gains. The authors' code
(github.com/haonan3/Deep-Active-Learning-by-Leveraging-Training-Dynamics,
``src/ntk_active_memo_efficient.py``) scores these two terms (``train_sim_times=2``) over all
the network's parameters, in eval mode, at the argmax labels, with BackPACK; it then refines
the batch greedily by groups of 100, lowering each sample's score by its inner product with
the gradients already picked, a step not implemented here. It also takes the batch's mean
gradient in place of the per-sample gradients of batch-norm parameters, which BackPACK cannot
give; here every parameter's per-sample gradient is exact.

``gradients="full"`` (the default) is the paper's score: per-sample gradients of the whole
network, ``torch.func.vmap`` over ``torch.func.grad`` of a ``functional_call``, batch norm in
eval mode (running statistics, read as buffers, never updated). It costs about one forward and
backward pass per pool sample, vectorised over ``chunk_size`` samples, and holds ``chunk_size``
copies of the parameters' gradients at a time. ``gradients="last_layer"`` keeps only the
linear head's parameters, whose per-sample gradient is ``(p - onehot(yhat)) ⊗ (h, 1)`` with
``h`` the penultimate features (BADGE's embedding, with the bias): its squared norm is
``|p - onehot(yhat)|^2 (|h|^2 + 1)`` and its gain costs one forward pass.
"""

from __future__ import annotations

from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from torch.func import functional_call, grad, vmap

from ..pool import map_pool
from ..training import INFERENCE_BATCH_SIZE
from ._badge import prediction_residual
from ._base import check_n_instances, network_estimator, pool_result, proba_and_features
from ._batch import BATCH_MODES, select_batch
from ._docs import fill_doc

GRADIENTS = ("full", "last_layer")
"""Values of ``gradients`` accepted by :func:`dynamic_al`."""

GRADIENT_ELEMENTS = 2**26
"""Per-sample gradient values held at once by default: 256 MiB of float32. Chunks of 128 to 256
samples ran fastest on small networks (one CPU thread); larger networks get fewer samples."""

MAX_CHUNK_SIZE = 256
"""Most pool samples whose per-sample gradients are computed together by default."""


def _gain_of_gradients(sample_grads, labeled_gradient):
    sq = sum((g.flatten(1).float() ** 2).sum(dim=1) for g in sample_grads.values())
    if labeled_gradient is None:
        return sq
    dot = sum(
        g.flatten(1).float() @ labeled_gradient[name].flatten().float()
        for name, g in sample_grads.items()
    )
    return sq + 2.0 * dot


def _parameters_and_buffers(module):
    params = {name: p.detach() for name, p in module.named_parameters() if p.requires_grad}
    return params, dict(module.named_buffers())


@fill_doc
def training_dynamics_gain(
    module, x, labels=None, labeled_gradient=None, *, chunk_size: int | None = None
) -> torch.Tensor:
    """Per-sample ``||g_i||^2 + 2 <g_i, labeled_gradient>`` over every parameter of ``module``.

    ``g_i`` is the gradient of the cross-entropy of sample ``i`` at ``labels[i]`` (its
    predicted label when ``labels`` is None, dynamicAL's pseudo label) with respect to the
    parameters that require gradients. The gradients are computed per sample by
    ``torch.func.vmap`` over ``torch.func.grad`` of a ``functional_call`` of ``module``,
    ``chunk_size`` samples at a time, with the module in eval mode (batch norm reads its
    running statistics and does not update them); the module's mode is restored after.

    Parameters
    ----------
    %(module_logits)s
    x : torch.Tensor of shape (n_samples, ...)
        Samples, on the module's device.
    labels : torch.Tensor of shape (n_samples,) or None, default=None
        Class indices; None takes each sample's predicted class.
    labeled_gradient : dict of str to torch.Tensor or None, default=None
        A vector in parameter space, by parameter name (see :func:`labeled_gradient`); None
        gives the squared gradient norms ``||g_i||^2``.
    chunk_size : int or None, default=None
        Samples whose gradients are held at once: memory grows as ``chunk_size`` times the
        number of parameters. None takes as many as keep :data:`GRADIENT_ELEMENTS` values,
        between 1 and :data:`MAX_CHUNK_SIZE`.

    Returns
    -------
    torch.Tensor of shape (n_samples,)
        The gains, float32, on the module's device.

    Examples
    --------
    >>> import torch
    >>> from skactive.strategies import training_dynamics_gain
    >>> linear = torch.nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = linear.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
    ...     _ = linear.bias.zero_()
    >>> # p = softmax(1, 0) = (0.731, 0.269); |p - onehot(0)|^2 (|h|^2 + 1) = 2 * 0.269^2 * 2
    >>> training_dynamics_gain(linear, torch.tensor([[1.0, 0.0]])).round(decimals=4)
    tensor([0.2893])
    """
    if chunk_size is None:
        n_params = sum(p.numel() for p in module.parameters() if p.requires_grad)
        chunk_size = max(1, min(MAX_CHUNK_SIZE, GRADIENT_ELEMENTS // max(1, n_params)))
    elif isinstance(chunk_size, bool) or not isinstance(chunk_size, Integral) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer or None, got {chunk_size!r}.")
    was_training = module.training
    module.eval()

    def sample_loss(params, buffers, x, label):
        logits = functional_call(module, {**params, **buffers}, (x.unsqueeze(0),)).float()
        target = logits.argmax(dim=1) if label is None else label.unsqueeze(0)
        return torch.nn.functional.cross_entropy(logits, target)

    per_sample = vmap(grad(sample_loss), in_dims=(None, None, 0, None if labels is None else 0))
    gains = []
    try:
        # A query runs under inference mode, whose tensors autograd refuses: leave it.
        with torch.inference_mode(False), torch.enable_grad():
            params, buffers = _parameters_and_buffers(module)
            for begin in range(0, len(x), chunk_size):
                chunk = x[begin : begin + chunk_size].clone()
                label = None if labels is None else labels[begin : begin + chunk_size].clone()
                gains.append(
                    _gain_of_gradients(per_sample(params, buffers, chunk, label), labeled_gradient)
                )
    finally:
        module.train(was_training)
    if not gains:
        return torch.zeros(0, device=x.device)
    return torch.cat(gains).detach()


@fill_doc
def labeled_gradient(
    module, x, labels, *, batch_size: int = INFERENCE_BATCH_SIZE // 4
) -> dict[str, torch.Tensor]:
    """``G``: the gradient of the summed cross-entropy of labeled samples, by parameter name.

    The gradient of ``sum_i CE(module(x_i), labels_i)`` with respect to every parameter that
    requires gradients, the module in eval mode (its mode is restored after), accumulated
    ``batch_size`` samples at a time on the module's device.

    Parameters
    ----------
    %(module_logits)s
    x : array-like or torch.Tensor of shape (n_samples, ...)
        Samples, as the module reads them.
    labels : array-like or torch.Tensor of shape (n_samples,)
        Class indices.
    batch_size : int, default=256
        Samples per backward pass.

    Returns
    -------
    dict of str to torch.Tensor
        Each parameter's gradient, float32, on the module's device.

    Examples
    --------
    >>> import torch
    >>> from skactive.strategies import labeled_gradient
    >>> linear = torch.nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = linear.weight.zero_(), linear.bias.zero_()
    >>> # p = (0.5, 0.5) and label 0: the bias gradient is p - onehot(0) = (-0.5, 0.5)
    >>> labeled_gradient(linear, torch.ones(1, 2), torch.tensor([0]))["bias"]
    tensor([-0.5000,  0.5000])
    """
    was_training = module.training
    module.eval()

    def summed_loss(params, buffers, x, y):
        logits = functional_call(module, {**params, **buffers}, (x,)).float()
        return torch.nn.functional.cross_entropy(logits, y, reduction="sum")

    try:
        with torch.inference_mode(False), torch.enable_grad():
            params, buffers = _parameters_and_buffers(module)
            device = next(iter(params.values())).device
            total = {name: torch.zeros_like(p, dtype=torch.float32) for name, p in params.items()}
            for begin in range(0, len(x), batch_size):
                batch = torch.as_tensor(x[begin : begin + batch_size], dtype=torch.float32)
                y = torch.as_tensor(labels[begin : begin + batch_size], dtype=torch.long)
                gradient = grad(summed_loss)(params, buffers, batch.to(device), y.to(device))
                for name, g in gradient.items():
                    total[name] += g.float()
    finally:
        module.train(was_training)
    return total


@validate_params(
    {
        "proba": ["array-like"],
        "features": ["array-like"],
        "labeled_gradient": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def last_layer_gain(proba, features, labeled_gradient=None) -> np.ndarray:
    """dynamicAL's gain over the linear head only, in closed form.

    The gradient of the cross-entropy at the predicted label ``yhat`` with respect to the
    head's weights and bias is ``a ⊗ (h, 1)`` with ``a = p - onehot(yhat)``
    (:func:`prediction_residual`), so its squared norm is ``|a|^2 (|h|^2 + 1)`` and its inner
    product with the head's labeled gradient ``G = [G_W | G_b]`` is ``a . (G_W h + G_b)``.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Predicted class probabilities, ``softmax(W h + b)``.
    features : array-like of shape (n_samples, n_features)
        Penultimate features ``h``, the input of the head.
    labeled_gradient : array-like of shape (n_classes, n_features + 1) or None, default=None
        The labeled set's gradient of the head, the weights' columns then the bias; None
        gives the squared norms alone.

    Returns
    -------
    ndarray of shape (n_samples,)
        ``|a|^2 (|h|^2 + 1) + 2 a . (G_W h + G_b)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import last_layer_gain
    >>> # a = (-0.25, 0.25), |h|^2 + 1 = 5: 0.125 * 5
    >>> last_layer_gain(np.array([[0.75, 0.25]]), np.array([[2.0, 0.0]]))
    array([0.625])
    """
    residual = prediction_residual(proba).astype(np.float64)
    features = np.asarray(features, dtype=np.float64)
    gain = (residual**2).sum(axis=1) * ((features**2).sum(axis=1) + 1.0)
    if labeled_gradient is not None:
        head = np.asarray(labeled_gradient, dtype=np.float64)
        expected = (residual.shape[1], features.shape[1] + 1)
        if head.shape != expected:
            raise ValueError(f"labeled_gradient has shape {head.shape}; expected {expected}.")
        gain += 2.0 * (residual * (features @ head[:, :-1].T + head[:, -1])).sum(axis=1)
    return gain


def _chunk_gain(chunk, start, estimator, labeled, chunk_size):
    def gain(module, x):
        return training_dynamics_gain(module, x, None, labeled, chunk_size=chunk_size)

    return estimator.forward_batches(chunk, gain)


def _last_layer_utility(estimator, X_pool, labels) -> np.ndarray:
    proba, features = proba_and_features(estimator, estimator.X_training_)
    residual = proba.astype(np.float64)
    residual[np.arange(len(labels)), labels] -= 1.0
    features = features.astype(np.float64)
    # sum_i (p_i - onehot(y_i)) ⊗ (h_i, 1): the head's gradient at the true labels.
    head = residual.T @ np.hstack([features, np.ones((len(features), 1))])
    return last_layer_gain(*proba_and_features(estimator, X_pool), head)


@validate_params(
    {
        "classifier": "no_validation",
        "X_pool": "no_validation",
        "n_instances": "no_validation",
        "gradients": [StrOptions(set(GRADIENTS))],
        "chunk_size": [Interval(Integral, 1, None, closed="left"), None],
        "batch_mode": [StrOptions(set(BATCH_MODES))],
        "beta": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def dynamic_al(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    gradients: str = "full",
    chunk_size: int | None = None,
    batch_mode: str = "top",
    beta: float = 1.0,
    random_state=None,
    return_utilities: bool = False,
):
    """Query the pool samples that most speed up training: dynamicAL (Wang et al., 2022).

    Each pool sample is scored by how much it would raise the training loss's rate of
    descent under gradient flow, were it labeled with its predicted class:
    ``||g_x||^2 + 2 <g_x, G>``, with ``g_x`` the gradient of its cross-entropy at the
    predicted label and ``G`` the gradient of the labeled set's summed cross-entropy at its
    labels (the estimator's ``X_training_`` and ``y_training_``), both in eval mode. The
    batch is chosen from these gains by ``batch_mode``. A gain can be negative (a sample whose
    gradient opposes the labeled set's), so ``batch_mode="power"`` refuses some pools.

    Parameters
    ----------
    %(classifier_network)s
    %(X_pool_network)s
    %(n_instances)s
    gradients : {"full", "last_layer"}, default="full"
        The parameters the gradients are taken over. ``"full"``: every parameter, as the
        paper's derivation (training dynamics of the whole network, its neural tangent
        kernel) and the authors' code have it; it costs about a forward and a backward pass
        per pool sample (:func:`training_dynamics_gain`). ``"last_layer"``: the linear head
        only, in closed form from one forward pass (:func:`last_layer_gain`); a cheap
        approximation, close to BADGE's gradient embedding.
    chunk_size : int or None, default=None
        Pool samples whose per-sample gradients are held at once with ``"full"``: memory
        grows as ``chunk_size`` times the number of parameters; None bounds it to
        :data:`GRADIENT_ELEMENTS` values (see :func:`training_dynamics_gain`).
    %(batch_mode)s
    %(beta)s
    %(random_state_stochastic)s
    return_utilities : bool, default=False
        Also return every pool sample's utility, its gain.

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into ``X_pool``, largest gain first with ``batch_mode="top"``.
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.strategies import dynamic_al
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), base_width=4, max_epochs=1,
    ...                            inas_iterations=0, random_state=0).fit(X[:50] / 16, y[:50])
    >>> indices, samples = dynamic_al(clf, X[50:150] / 16, n_instances=3)
    >>> samples.shape
    (3, 64)
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    estimator = network_estimator(classifier, "dynamic_al")
    labels = np.searchsorted(estimator.classes_, estimator.y_training_)
    if gradients == "last_layer":
        utility = _last_layer_utility(estimator, X_pool, labels)
    else:
        module = estimator.net_.module_
        labeled = labeled_gradient(module, estimator.network_input(estimator.X_training_), labels)
        score = partial(_chunk_gain, labeled=labeled, chunk_size=chunk_size)
        utility = map_pool(score, X_pool, estimator).astype(np.float64)
    indices = select_batch(
        utility, n_instances, batch_mode, beta, check_random_state(random_state)
    )
    return pool_result(X_pool, indices, utility if return_utilities else None)
