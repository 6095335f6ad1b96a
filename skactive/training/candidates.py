"""The candidates of one search step: where each trains, in which threads, and its score."""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import replace

import joblib
import numpy as np
import torch
from joblib.parallel import BACKENDS, DEFAULT_BACKEND

from ..search_space import Architecture
from .config import TrainingConfig
from .fit import train_net_with_oom_retry
from .inference import network_proba

_next_candidate = itertools.count()
"""Turn counter of :func:`candidate_device`; ``next`` on it is atomic under the GIL."""


def candidate_device(config: TrainingConfig) -> str:
    """The device of the next candidate: ``config.candidate_devices`` in turn, if any.

    Parameters
    ----------
    config : TrainingConfig
        The recipe; its ``candidate_devices`` (resolved once, in the estimator's thread) or,
        when empty, its ``device``.

    Returns
    -------
    str
        A concrete device string.

    Examples
    --------
    >>> from skactive.training import TrainingConfig, candidate_device
    >>> candidate_device(TrainingConfig(input_shape=(4,), n_classes=2, device="cpu"))
    'cpu'
    """
    devices = config.candidate_devices
    if not devices:
        return config.device
    return devices[next(_next_candidate) % len(devices)]


def candidate_parallel_config(config: TrainingConfig, n_jobs: int | None):
    """The joblib context in which iNAS should train the candidates of a step.

    On CUDA, candidates train concurrently in threads (each on its own CUDA stream, see
    :func:`train_and_score`), so several small networks keep one GPU busy and several GPUs
    each get one. That happens only when the user chose nothing: ``n_jobs`` is None, no
    ``joblib.parallel_config`` is active (a dask backend, say, is left alone), and
    ``config.compile`` is off (compilation is not meant to run in several threads at once).

    Parameters
    ----------
    config : TrainingConfig
        The training recipe; its ``device`` and ``compile`` decide.
    n_jobs : int or None
        The estimator's ``n_jobs``.

    Returns
    -------
    context manager
        ``joblib.parallel_config(backend="threading", n_jobs=-1)`` or a no-op context.

    Examples
    --------
    >>> from skactive.training import TrainingConfig, candidate_parallel_config
    >>> config = TrainingConfig(input_shape=(4,), n_classes=2, device="cpu")
    >>> with candidate_parallel_config(config, n_jobs=None):
    ...     pass
    """
    backend, active_n_jobs = joblib.parallel.get_active_backend()
    chosen = n_jobs is not None or active_n_jobs is not None
    chosen = chosen or not isinstance(backend, BACKENDS[DEFAULT_BACKEND])
    on_cuda = torch.device(config.device).type == "cuda"
    if on_cuda and not chosen and not config.compile:
        return joblib.parallel_config(backend="threading", n_jobs=-1)
    return contextlib.nullcontext()


def _candidate_stream(device: str):
    """A CUDA stream of its own for a candidate on a GPU; a no-op context on the CPU."""
    if torch.device(device).type != "cuda":
        return contextlib.nullcontext()
    return torch.cuda.stream(torch.cuda.Stream(device=device))


def train_and_score(
    architecture: Architecture,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    seed: int,
    *,
    config: TrainingConfig,
) -> float:
    """Train ``architecture`` on S' and return its error rate on V'.

    This is the scoring callable that :func:`skactive.inas.search` calls for each candidate. On
    CUDA the candidate trains on a stream of its own (so candidates in threads overlap on one
    GPU), on the next GPU in turn when there are several (:func:`candidate_device`); the error
    is read back before returning, so nothing of the candidate outlives its stream.

    Parameters
    ----------
    architecture : Architecture
        The candidate.
    X_train, y_train : ndarray
        S', encoded labels.
    X_val, y_val : ndarray
        V', encoded labels.
    seed : int
        Seed of the candidate's training.
    config : TrainingConfig
        The training recipe.

    Returns
    -------
    float
        Fraction of V' misclassified.
    """
    config = replace(config, device=candidate_device(config))
    with _candidate_stream(config.device):
        net = train_net_with_oom_retry(architecture, config, X_train, y_train, seed)
        predicted = network_proba(net, X_val).argmax(axis=1)
    return float(np.mean(predicted != y_val))
