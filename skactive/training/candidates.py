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
from .fit import optimizer_steps, train_net_with_oom_retry
from .inference import forward_batches, network_proba

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


@contextlib.contextmanager
def candidate_parallel_config(config: TrainingConfig, n_jobs: int | None):
    """The joblib context in which iNAS should train the candidates of a step.

    Candidates train concurrently in threads, on every device: on a GPU each on its own CUDA
    stream (see :func:`train_and_score`), so several small networks keep one GPU busy and
    several GPUs each get one; on the CPU each with its share of torch's threads, so that
    ``n_jobs`` candidates use the cores torch would use for one (2 candidates in threads on 2
    cores took 0.6 times the wall time of one after the other with both threads, and the
    same as loky's processes). Threads by default on CUDA (``n_jobs=None``), with ``n_jobs``
    workers when it is given; one after the other on the CPU when it is not. A
    ``joblib.parallel_config`` of the user's (a dask backend, say) is left alone, and so is
    ``config.compile`` (compilation is not meant to run in several threads at once).

    Parameters
    ----------
    config : TrainingConfig
        The training recipe; its ``device`` and ``compile`` decide.
    n_jobs : int or None
        The estimator's ``n_jobs``.

    Yields
    ------
    None
        Inside, joblib's active backend is ``threading`` (or unchanged), and torch's thread
        count is divided among the workers; both are restored on exit.

    Examples
    --------
    >>> import joblib
    >>> from skactive.training import TrainingConfig, candidate_parallel_config
    >>> config = TrainingConfig(input_shape=(4,), n_classes=2, device="cpu")
    >>> with candidate_parallel_config(config, n_jobs=2):
    ...     type(joblib.parallel.get_active_backend()[0]).__name__
    'ThreadingBackend'
    """
    backend, active_n_jobs = joblib.parallel.get_active_backend()
    users = active_n_jobs is not None or not isinstance(backend, BACKENDS[DEFAULT_BACKEND])
    on_cuda = torch.device(config.device).type == "cuda"
    if users or config.compile or (n_jobs is None and not on_cuda):
        yield
        return
    workers = joblib.effective_n_jobs(-1 if n_jobs is None else n_jobs)
    threads = torch.get_num_threads()
    torch.set_num_threads(max(1, threads // workers))
    try:
        with joblib.parallel_config(backend="threading", n_jobs=-1):
            yield
    finally:
        torch.set_num_threads(threads)


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
    """Train ``architecture`` on S' and return its error on V' (:func:`validation_error`).

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
        Fraction of V' misclassified; for a regression loss, the mean squared error on V'.
    """
    return _train_candidate(architecture, X_train, y_train, X_val, y_val, seed, config)[0]


def validation_error(net, X_val: np.ndarray, y_val: np.ndarray, loss: str) -> float:
    """How a trained candidate does on V': what the search compares candidates by.

    Parameters
    ----------
    net : DeviceNeuralNet
        A trained network.
    X_val : ndarray of shape (n_val,) + input_shape, float32
        V'.
    y_val : ndarray
        Encoded labels of shape (n_val,), or standardised targets of shape
        (n_val, n_outputs).
    loss : str
        The training loss, ``TrainingConfig.loss``.

    Returns
    -------
    float
        The error rate for ``"cross_entropy"``; otherwise the mean squared error over
        samples and outputs, whichever regression loss trained the network.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive import Architecture
    >>> from skactive.training import TrainingConfig, train_net, validation_error
    >>> config = TrainingConfig(input_shape=(4,), n_classes=1, max_epochs=2, loss="huber")
    >>> X, y = np.zeros((20, 4), dtype=np.float32), np.ones((20, 1), dtype=np.float32)
    >>> net = train_net(Architecture("mlp", 1, 1), config, X, y, seed=0)
    >>> validation_error(net, X, y, "huber") >= 0.0
    True
    """
    if loss == "cross_entropy":
        predicted = network_proba(net, X_val).argmax(axis=1)
        return float(np.mean(predicted != y_val))
    outputs = forward_batches(net, X_val, lambda module, x: module(x))
    return float(np.mean((outputs - np.asarray(y_val).reshape(outputs.shape)) ** 2))


def _train_candidate(architecture, X_train, y_train, X_val, y_val, seed, config):
    config = replace(config, device=candidate_device(config))
    with _candidate_stream(config.device):
        net = train_net_with_oom_retry(architecture, config, X_train, y_train, seed)
        error = validation_error(net, X_val, y_val, config.loss)
    return error, net


class CandidateTrainer:
    """A scoring callable for :func:`skactive.inas.search` that keeps what it trained.

    It scores like :func:`train_and_score` and also records, per candidate, the trained
    network and its cost (optimizer steps, epochs), so that the winner can go on training
    instead of starting again (:func:`continue_training`). Candidates scored in other
    processes (a loky or dask backend of the user's) keep nothing here.

    Parameters
    ----------
    config : TrainingConfig
        The candidates' training recipe.

    Attributes
    ----------
    networks : dict of Architecture to DeviceNeuralNetClassifier
        The trained network of every candidate scored in this process.
    costs : dict of Architecture to dict
        ``{"steps": ..., "epochs": ...}`` of every candidate scored in this process: its
        optimizer steps summed over the folds it was scored on, and the epochs of one training.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive import Architecture
    >>> from skactive.training import CandidateTrainer, TrainingConfig
    >>> config = TrainingConfig(input_shape=(4,), n_classes=2, max_epochs=2, device="cpu")
    >>> trainer = CandidateTrainer(config)
    >>> X, y = np.random.RandomState(0).randn(20, 4).astype(np.float32), np.arange(20) % 2
    >>> error = trainer(Architecture("mlp", 1, 1), X[:16], y[:16], X[16:], y[16:], seed=0)
    >>> trainer.costs[Architecture("mlp", 1, 1)]
    {'steps': 2, 'epochs': 2}
    """

    def __init__(self, config: TrainingConfig) -> None:
        self.config = config
        self.networks: dict = {}
        self._trained: list = []

    def __call__(self, architecture, X_train, y_train, X_val, y_val, seed) -> float:
        """Train ``architecture`` on S', keep the network, return its error on V'.

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

        Returns
        -------
        float
            Fraction of V' misclassified; for a regression loss, the mean squared error.
        """
        error, net = _train_candidate(
            architecture, X_train, y_train, X_val, y_val, seed, self.config
        )
        # Assignments and appends are atomic under the GIL: candidates and their folds may
        # train in threads. A candidate scored on several folds keeps its last network.
        self.networks[architecture] = net
        self._trained.append((architecture, optimizer_steps(net), len(net.history)))
        return error

    @property
    def costs(self) -> dict:
        """``{"steps": ..., "epochs": ...}`` per candidate: its optimizer steps summed over
        its folds, and the epochs of one training."""
        costs: dict = {}
        for architecture, steps, epochs in self._trained:
            cost = costs.setdefault(architecture, {"steps": 0, "epochs": epochs})
            cost["steps"] += steps
        return costs
