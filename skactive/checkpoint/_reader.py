"""Reading a checkpoint directory: its records, its labeled set and its weights."""

from __future__ import annotations

import io
import math
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ._files import load_json, read_verified
from ._journal import Journal, read_journal
from ._labels import cast_exactly, read_batch
from ._records import MANIFEST, MODEL, WEIGHTS_FILE, Manifest, ModelRecord, WeightsFile


@dataclass(frozen=True)
class Checkpoint:
    """Everything a checkpoint holds, read and cross-checked by :meth:`CheckpointStore.read`.

    Parameters
    ----------
    manifest : Manifest
        The labeled set's record.
    X : ndarray
        Every labeled sample, in arrival order, in the dtype the estimator held.
    y : ndarray of shape (n_labeled,) or (n_labeled, n_outputs)
        Their labels or targets.
    model : ModelRecord or None
        The last finished training, or None when no training ever finished.
    """

    manifest: Manifest
    X: np.ndarray
    y: np.ndarray
    model: ModelRecord | None

    @property
    def finished(self) -> bool:
        """Whether the model was trained on the manifest's labels (else retrain them)."""
        return self.model is not None and self.model.round == self.manifest.round


class CheckpointReader:
    """Reads and checks a checkpoint directory; needs no lock, writes nothing.

    Nothing is unpickled: arrays are read with ``np.load(allow_pickle=False)`` and weights
    with ``torch.load(weights_only=True)``, each file after checking its SHA-256; any
    failure is a ``ValueError`` naming the directory.

    Parameters
    ----------
    path : str or path-like
        The checkpoint directory.

    See Also
    --------
    CheckpointStore : The same, with the methods that write.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def _record(self, name: str, record: type):
        obj = load_json(self.path, name)
        if obj is None:
            return None
        try:
            return record.from_json(obj)
        except ValueError as err:
            raise ValueError(f"checkpoint {self.path}: {err}") from err

    def read_journal(self) -> Journal:
        """The label journal: a person's answers and a labeling session's events.

        Returns
        -------
        Journal
            Its acknowledged records; empty when there is no journal.

        Raises
        ------
        ValueError
            If a line other than a torn last one is damaged.
        """
        return read_journal(self.path)

    def read_manifest(self) -> Manifest | None:
        """The manifest, or None when the directory holds no checkpoint.

        Returns
        -------
        Manifest or None
            The validated manifest.

        Raises
        ------
        ValueError
            If ``checkpoint.json`` is damaged; the message names the field.
        """
        return self._record(MANIFEST, Manifest)

    def read_model(self) -> ModelRecord | None:
        """The record of the last finished training, or None when none finished.

        Returns
        -------
        ModelRecord or None
            The validated record.

        Raises
        ------
        ValueError
            If ``model.json`` is damaged; the message names the field.
        """
        return self._record(MODEL, ModelRecord)

    def labels_of(self, manifest: Manifest) -> tuple[np.ndarray, np.ndarray]:
        """The labeled set that ``manifest`` records, read and checked.

        Parameters
        ----------
        manifest : Manifest
            This checkpoint's manifest.

        Returns
        -------
        X, y : ndarray
            The samples and labels in arrival order, in the recorded dtypes.

        Raises
        ------
        ValueError
            If a batch is damaged or does not match the manifest.
        """
        batches = [
            read_batch(self.path, b, manifest.sample_shape, manifest.target_shape)
            for b in manifest.batches
        ]
        try:
            X = cast_exactly(np.concatenate([X for X, _ in batches]), manifest.X_dtype, "samples")
            y = cast_exactly(np.concatenate([y for _, y in batches]), manifest.y_dtype, "labels")
        except ValueError as err:
            raise ValueError(f"checkpoint {self.path}: {err}") from err
        return X, y

    def _require_manifest(self) -> Manifest:
        manifest = self.read_manifest()
        if manifest is None:
            raise ValueError(f"{self.path} holds no skactive checkpoint ({MANIFEST} is missing).")
        return manifest

    def read_labels(self) -> tuple[np.ndarray, np.ndarray]:
        """Every label of the checkpoint, in arrival order, without reading any model.

        The way to recover the labels of a checkpoint whose model is damaged or was never
        trained: only the manifest and the label batches are read and checked.

        Returns
        -------
        X : ndarray of shape (n_labeled, ...)
            The labeled samples, as ``X_training_`` held them.
        y : ndarray of shape (n_labeled,) or (n_labeled, n_outputs)
            Their labels or targets, as ``y_training_`` held them.

        Raises
        ------
        ValueError
            If the directory holds no checkpoint, or a damaged or tampered one.
        """
        return self.labels_of(self._require_manifest())

    def read(self) -> Checkpoint:
        """Read and cross-check the whole checkpoint before anything is built from it.

        Returns
        -------
        Checkpoint
            The manifest, the labeled set and the model record.

        Raises
        ------
        ValueError
            If the directory holds no checkpoint, or a damaged or inconsistent one.
        """
        manifest = self._require_manifest()
        X, y = self.labels_of(manifest)
        model = self.read_model()
        problem = None
        if X.shape[1] != manifest.n_features_in or math.prod(X.shape[1:]) != math.prod(
            manifest.input_shape
        ):
            problem = "the labeled samples do not have the recorded number of features"
        elif model is None:
            if manifest.history_from_round is not None:
                problem = f"{MODEL} is missing"
        elif model.round > manifest.round:
            problem = f"{MODEL} is newer than the labels"
        elif model.round == manifest.round:
            # Whether its outputs fit the labels, the estimator checks: classes or targets.
            if model.n_labeled != len(y):
                problem = (
                    f"{MODEL} was trained on {model.n_labeled} labels, but the checkpoint "
                    f"holds {len(y)}"
                )
        elif manifest.history_from_round not in (None, model.round):
            problem = f"the search history of round {manifest.history_from_round} is missing"
        if problem is not None:
            raise ValueError(f"checkpoint {self.path}: {problem}.")
        return Checkpoint(manifest, X, y, model)

    def load_weights(self, model: ModelRecord, net):
        """Initialise ``net`` and load the weights of ``model`` into it with skorch.

        Parameters
        ----------
        model : ModelRecord
            The record whose weights to load.
        net : skorch.NeuralNet
            An untrained network of ``model.architecture``, on the device to load onto.

        Returns
        -------
        skorch.NeuralNet
            ``net``, initialised, with the stored weights.

        Raises
        ------
        ValueError
            If the weights file is damaged, would need pickle, or does not fit ``net``.
        """
        return load_net_weights(
            self.path,
            model.weights,
            WEIGHTS_FILE,
            net,
            f"{model.architecture} with {model.n_outputs} outputs",
        )


def load_net_weights(directory: Path, weights: WeightsFile, pattern, net, fits: str):
    """Initialise ``net`` and load the weights file ``weights`` of ``directory`` into it.

    Parameters
    ----------
    directory : Path
        The checkpoint.
    weights : WeightsFile
        The file and its SHA-256, from a record.
    pattern : re.Pattern
        The names this kind of weights file may have.
    net : skorch.NeuralNet
        An untrained network, on the device to load onto.
    fits : str
        What the weights are of, for the message when they do not fit ``net``.

    Returns
    -------
    skorch.NeuralNet
        ``net``, initialised, with the stored weights.

    Raises
    ------
    ValueError
        If the file is damaged, would need pickle, or does not fit ``net``.
    """
    data = read_verified(directory, weights.file, pattern, weights.sha256)
    net.set_params(torch_load_kwargs={"weights_only": True})
    # Initialising draws random weights that are overwritten at once: keep the caller's
    # random stream as it was.
    with torch.random.fork_rng(devices=[]):
        net.initialize()
    try:
        net.load_params(f_params=io.BytesIO(data))
    except pickle.UnpicklingError as err:
        raise ValueError(
            f"checkpoint {directory}: {weights.file} is not a plain tensor state_dict: {err}"
        ) from err
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"checkpoint {directory}: the weights in {weights.file} do not fit {fits}: {err}"
        ) from err
    return net
