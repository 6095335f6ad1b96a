"""Running a trained network over many samples, batch by batch on its device."""

from __future__ import annotations

import numpy as np
import torch
from skorch import NeuralNetClassifier

from .config import full_fp32

INFERENCE_BATCH_SIZE = 1024
"""Samples per forward pass when scoring a pool; only memory, not results, depends on it."""


def forward_batches(net: NeuralNetClassifier, X: np.ndarray, fn) -> np.ndarray:
    """Apply ``fn(module, batch)`` to ``X`` batch by batch on the network's device.

    The module runs in eval mode (batch norm uses running statistics, dropout is off) under
    :func:`torch.inference_mode` and the net's autocast, images in channels_last layout.
    Only one batch of ``X`` is on the device at a time; on CUDA it is copied from pinned memory
    without blocking. Every batch's results are copied, without blocking, into one host array
    of the final size (pinned on CUDA), with one synchronisation at the end.

    Parameters
    ----------
    net : DeviceNeuralNetClassifier
        A trained network; ``net.module_`` is a :class:`~skactive.networks.HomogeneousNet`.
    X : ndarray of shape (n_samples,) + input_shape, float32
        Samples.
    fn : callable
        ``fn(module, batch) -> torch.Tensor`` with one row per sample.

    Returns
    -------
    ndarray of shape (n_samples, ...)
        The rows of ``fn`` for every sample as float32, on the CPU.
    """
    module = net.module_
    module.eval()
    device = torch.device(net.device)
    on_cuda = device.type == "cuda"
    out = None
    with torch.inference_mode(), net.autocast(), full_fp32(net.precision, net.device):
        for begin in range(0, len(X), INFERENCE_BATCH_SIZE):
            batch = X[begin : begin + INFERENCE_BATCH_SIZE]
            if isinstance(batch, np.ndarray) and not batch.flags.writeable:
                # A read-only array (a memmap opened "r", joblib's shared data) is copied:
                # torch warns when a tensor would share memory it cannot write.
                batch = batch.astype(np.float32)
            batch = torch.as_tensor(batch, dtype=torch.float32)
            if on_cuda and batch.device.type == "cpu":
                batch = batch.pin_memory()
            batch = net.to_memory_layout(batch.to(device, non_blocking=True))
            rows = fn(module, batch).float()
            if out is None:
                out = _output_buffer(len(X), rows.shape[1:], pinned=on_cuda)
            out[begin : begin + len(rows)].copy_(rows, non_blocking=True)
    if on_cuda:
        torch.cuda.current_stream(device).synchronize()
    return np.empty((0,), dtype=np.float32) if out is None else out.numpy()


def _output_buffer(n_rows: int, row_shape, pinned: bool) -> torch.Tensor:
    # One host buffer for the whole pool: each batch's rows are copied into it as they come
    # (without blocking when it is pinned), instead of a pinned copy kept per batch.
    return torch.empty((n_rows, *row_shape), dtype=torch.float32, pin_memory=pinned)


def network_proba(net: NeuralNetClassifier, X: np.ndarray) -> np.ndarray:
    """Softmax probabilities of a trained network.

    Parameters
    ----------
    net : DeviceNeuralNetClassifier
        A trained network.
    X : ndarray of shape (n_samples,) + input_shape, float32
        Samples.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        Class probabilities.
    """
    return forward_batches(net, X, lambda module, x: torch.softmax(module(x).float(), dim=1))


def network_features(net: NeuralNetClassifier, X: np.ndarray) -> np.ndarray:
    """Penultimate features of a trained network.

    Parameters
    ----------
    net : DeviceNeuralNetClassifier
        A trained network.
    X : ndarray of shape (n_samples,) + input_shape, float32
        Samples.

    Returns
    -------
    ndarray of shape (n_samples, n_features_out)
        The output of ``module.features``.
    """
    return forward_batches(net, X, lambda module, x: module.features(x))
