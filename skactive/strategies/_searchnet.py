"""AutoAL's two levels as functions: FitNet's held-out losses and SearchNet's training.

The pieces of :class:`~skactive.strategies.AutoAL` (Wang, Zhan & Huang, ICML 2025) that take
numbers only: a candidate's scores from its batch, SearchNet's per-sample weights over the
candidates, the upper level that trains them, and the lower level that refits FitNet's
classifier on one part of the labeled set and measures its loss on the other.
"""

from __future__ import annotations

import numpy as np
import torch


def batch_scores(indices, n_samples: int) -> np.ndarray:
    """A candidate's score of every sample from its batch: ``(m - r) / m`` at position ``r``.

    Parameters
    ----------
    indices : array-like of int, shape (m,)
        The candidate's picks, best first.
    n_samples : int
        Size of the set the picks index.

    Returns
    -------
    ndarray of shape (n_samples,)
        1 for the first pick, ``1 / m`` for the last, 0 for samples not picked.

    Examples
    --------
    >>> from skactive.strategies import batch_scores
    >>> batch_scores([2, 0], 4).tolist()
    [0.5, 0.0, 1.0, 0.0]
    """
    indices = np.asarray(indices, dtype=np.intp)
    scores = np.zeros(n_samples)
    scores[indices] = (len(indices) - np.arange(len(indices))) / len(indices)
    return scores


def searchnet_weights(coef, intercept, inputs) -> torch.Tensor:
    """SearchNet's weights over the candidates for every sample: ``softmax(inputs @ coef.T + b)``.

    Parameters
    ----------
    coef : tensor of shape (n_candidates, n_inputs)
    intercept : tensor of shape (n_candidates,)
    inputs : tensor of shape (n_samples, n_inputs)
        The candidates' scores and FitNet's predicted loss of every sample.

    Returns
    -------
    tensor of shape (n_samples, n_candidates)
        Rows sum to 1.
    """
    return torch.softmax(inputs @ coef.T + intercept, dim=1)


def fit_searchnet(
    inputs,
    targets,
    coef=None,
    intercept=None,
    *,
    n_steps: int = 100,
    learning_rate: float = 0.05,
    temperature: float = 0.1,
    alpha: float = 1e-3,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """The upper level: move SearchNet's mass to the held-out samples of highest target.

    A sample's score is ``s = sum_k w_k * inputs[:, k]`` over the candidates' scores (the
    first ``n_candidates`` columns of ``inputs``), with ``w`` from :func:`searchnet_weights`;
    Adam maximises ``sum_i softmax(s / temperature)_i * targets_i - alpha / 2 * |coef|^2``.

    Parameters
    ----------
    inputs : ndarray of shape (n_samples, n_inputs)
        The candidates' scores, then any further inputs of SearchNet.
    targets : ndarray of shape (n_samples,)
        How hard FitNet finds each sample, e.g. the ranks of its losses.
    coef, intercept : ndarray or None, default=None
        SearchNet's weights to start from (shapes ``(n_candidates, n_inputs)`` and
        ``(n_candidates,)``); None starts from zero, every candidate even.
    n_steps : int, default=100
        Adam steps, full batch.
    learning_rate : float, default=0.05
        Adam's step size.
    temperature : float, default=0.1
        Of the softmax over samples: lower puts the mass on fewer samples.
    alpha : float, default=1e-3
        L2 penalty on ``coef``.

    Returns
    -------
    coef : ndarray of shape (n_candidates, n_inputs)
    intercept : ndarray of shape (n_candidates,)
    objective : dict
        ``{"start": ..., "end": ...}``, the expected target under the mass before and after.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import fit_searchnet
    >>> rng = np.random.default_rng(0)
    >>> targets = rng.random(50)
    >>> inputs = np.column_stack([rng.random(50), targets])  # the second candidate is right
    >>> coef, intercept, objective = fit_searchnet(inputs, targets)
    >>> bool(intercept[1] > intercept[0]), objective["end"] > objective["start"]
    (True, True)
    """
    inputs = torch.as_tensor(np.asarray(inputs, dtype=np.float64))
    targets = torch.as_tensor(np.asarray(targets, dtype=np.float64))
    n_candidates = len(intercept) if intercept is not None else inputs.shape[1]
    if coef is None:
        coef = np.zeros((n_candidates, inputs.shape[1]))
    if intercept is None:
        intercept = np.zeros(n_candidates)
    W = torch.tensor(np.asarray(coef, dtype=np.float64), requires_grad=True)
    b = torch.tensor(np.asarray(intercept, dtype=np.float64), requires_grad=True)
    scores = inputs[:, :n_candidates]

    def expected_target():
        s = (searchnet_weights(W, b, inputs) * scores).sum(dim=1)
        return (torch.softmax(s / temperature, dim=0) * targets).sum()

    with torch.no_grad():
        start = float(expected_target())
    optimizer = torch.optim.Adam([W, b], lr=learning_rate)
    for _ in range(n_steps):
        optimizer.zero_grad()
        loss = -expected_target() + alpha / 2 * (W * W).sum()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        end = float(expected_target())
    return W.detach().numpy(), b.detach().numpy(), {"start": start, "end": end}


def heldout_losses(features_fit, y_fit, features_held_out, y_held_out, n_classes, alpha=1e-3):
    """The lower level: FitNet's classifier refit on one part, its loss on the other.

    A softmax layer over the network's penultimate features, standardised with the fitting
    part's statistics, is fitted with L-BFGS (cross-entropy plus ``alpha / 2`` times its
    squared weights) on the fitting part; the held-out samples' cross-entropies follow.

    Parameters
    ----------
    features_fit : ndarray of shape (n_fit, n_features)
    y_fit : ndarray of shape (n_fit,)
        Class indices in ``range(n_classes)``.
    features_held_out : ndarray of shape (n_held_out, n_features)
    y_held_out : ndarray of shape (n_held_out,)
    n_classes : int
    alpha : float, default=1e-3

    Returns
    -------
    ndarray of shape (n_held_out,)
        Per-sample cross-entropy.
    """
    X = torch.as_tensor(np.asarray(features_fit, dtype=np.float64))
    mean, scale = X.mean(dim=0), X.std(dim=0, correction=0).clamp_min(1e-8)
    X = (X - mean) / scale
    X_out = (torch.as_tensor(np.asarray(features_held_out, dtype=np.float64)) - mean) / scale
    y = torch.as_tensor(np.asarray(y_fit, dtype=np.int64))
    W = torch.zeros(n_classes, X.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(n_classes, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([W, b], max_iter=100, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(X @ W.T + b, y) + alpha / 2 * (W * W).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        logits = X_out @ W.T + b
        y_out = torch.as_tensor(np.asarray(y_held_out, dtype=np.int64))
        return torch.nn.functional.cross_entropy(logits, y_out, reduction="none").numpy()
