"""The checkpoint store: a locked directory of label batches, typed records and weights."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator

import numpy as np
from filelock import FileLock, Timeout

from ..search_space import Architecture
from ._files import (
    TEMP_PREFIX,
    dump_json,
    fsync_directory,
    sha256_hex,
    write_atomic,
)
from ._journal import append_record
from ._labels import labels_bytes
from ._reader import CheckpointReader
from ._records import (
    LABELS_FILE,
    MANIFEST,
    MODEL,
    WEIGHTS_FILE,
    LabelBatch,
    Manifest,
    ModelRecord,
    WeightsFile,
)
from ._values import encode_params

LOCK = "checkpoint.lock"
"""Name of the lock file that :meth:`CheckpointStore.writing` holds; it stays when released."""


class CheckpointLockedError(RuntimeError):
    """Another estimator or process is writing to the same checkpoint directory."""


class CheckpointStore(CheckpointReader):
    """A checkpoint directory: its records, its label batches and its weights.

    The layout::

        checkpoint.json     Manifest: the round, the estimator's parameters, the label
                            batches (file, count, SHA-256), dtypes and shapes, where the
                            pending round's search starts
        labels-000001.npz   arrays X and y of the first batch; one file per fit or teach
        model.json          ModelRecord of the last finished training, with its weights file
        weights-000002.pt   that network's state_dict
        committee.json      CommitteeRecord: the networks of that round's last search step
        committee-000002-00.pt, ...  their state_dicts
        checkpoint.lock     held while an estimator writes

    Writes go through :meth:`writing`, which locks the directory against every other
    estimator and process. Each file is written to a temporary file, fsync'ed and renamed
    over its name; the manifest is the commit point of the labels and ``model.json`` that of
    the model. Reading needs no lock. Nothing is unpickled: arrays are read with
    ``np.load(allow_pickle=False)`` and weights with ``torch.load(weights_only=True)``, each
    file after checking its SHA-256; any failure is a ``ValueError`` naming the directory.

    Parameters
    ----------
    path : str or path-like
        The directory; :meth:`writing` creates it.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from skactive import Architecture
    >>> from skactive.checkpoint import CheckpointStore
    >>> with tempfile.TemporaryDirectory() as path:
    ...     store = CheckpointStore(path)
    ...     with store.writing():
    ...         round_ = store.commit_labels(
    ...             np.zeros((3, 2)), np.array([0, 1, 0]), n_new=None, params={},
    ...             feature_names_in=None, input_shape=(2,),
    ...             start=Architecture("mlp", 1, 1), keep_history=False)
    ...     X, y = store.read_labels()
    >>> round_, y.tolist()
    (1, [0, 1, 0])
    """

    def __init__(self, path: str | os.PathLike):
        super().__init__(path)
        self._lock: FileLock | None = None

    # ------------------------------------------------------------------ lock

    @contextlib.contextmanager
    def writing(self) -> Iterator[CheckpointStore]:
        """Lock the directory for writing, creating it if needed, for the ``with`` block.

        The lock is a ``filelock.FileLock`` on ``checkpoint.lock``: it excludes other
        processes and other stores of the same directory in this process, and the operating
        system releases it when a process dies. It is not waited for.

        Yields
        ------
        CheckpointStore
            This store, whose writing methods may then be called.

        Raises
        ------
        CheckpointLockedError
            If another estimator or process holds the lock.
        """
        if not self.path.is_dir():
            self.path.mkdir(parents=True)
            fsync_directory(self.path.parent)
        lock = FileLock(self.path / LOCK)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise CheckpointLockedError(
                f"checkpoint directory {str(self.path)!r} is being written by another "
                "estimator or process; wait for it to finish, or choose another "
                "checkpoint_dir."
            ) from None
        self._lock = lock
        try:
            yield self
        finally:
            self._lock = None
            lock.release()

    def _check_writing(self) -> None:
        if self._lock is None:
            raise RuntimeError(f"write to checkpoint {self.path} inside `with store.writing():`.")

    # ------------------------------------------------------------------ writing

    def commit_labels(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        n_new: int | None,
        params: dict,
        feature_names_in,
        input_shape: tuple[int, ...],
        start: Architecture,
        keep_history: bool,
    ) -> int:
        """Durably record the labeled set that the coming training will use; return its round.

        Only the labels that the checkpoint lacks are written, as one new batch, then the
        manifest. The labels on disk must be the first ones of ``(X, y)``: a checkpoint's
        labeled set is only ever appended to, so labels that would be discarded are refused.

        Parameters
        ----------
        X, y : ndarray
            The whole labeled set after this call, in arrival order; ``y`` of shape
            ``(n,)``, or ``(n, n_outputs)`` for a multi-output regressor.
        n_new : int or None
            How many of the last samples are new (``teach``); the checkpoint is then trusted
            to hold the rest when its count says so. None (``fit``) compares the stored
            labels with ``X`` and ``y``.
        params : dict
            The estimator's parameters, stored as :func:`encode_params` encodes them.
        feature_names_in : array-like of str or None
            Column names of the input, if any.
        input_shape : tuple of int
            Shape of one sample as the network sees it.
        start : Architecture
            Where the search of this round starts, for a retraining after a crash.
        keep_history : bool
            Whether this round extends the last model's search history (teach, warm fit).

        Returns
        -------
        int
            The round, to pass to :meth:`save_model`.

        Raises
        ------
        ValueError
            If the directory holds labels that are not the first ones of ``(X, y)``, or the
            labels cannot be stored without pickle.
        RuntimeError
            If called outside :meth:`writing`.
        """
        self._check_writing()
        manifest = self.read_manifest()
        model = self.read_model() if keep_history else None
        batches = manifest.batches if manifest else ()
        n_disk = manifest.n_labeled if manifest else 0
        trusted = (
            manifest is not None
            and n_new is not None
            and n_disk == len(y) - n_new
            and manifest.sample_shape == X.shape[1:]
            and manifest.target_shape == y.shape[1:]
        )
        if manifest is not None and not trusted:
            X_disk, y_disk = self.labels_of(manifest)
            if not (
                len(y_disk) <= len(y)
                and X_disk.shape[1:] == X.shape[1:]
                and y_disk.shape[1:] == y.shape[1:]
                and np.array_equal(X_disk, X[: len(y_disk)])
                and np.array_equal(y_disk, y[: len(y_disk)])
            ):
                raise ValueError(
                    f"checkpoint_dir {str(self.path)!r} holds {len(y_disk)} labels that are "
                    f"not the first {len(y_disk)} of this labeled set, and a checkpoint never "
                    "discards a label. Restore them with the estimator's "
                    "from_checkpoint(path), or choose another checkpoint_dir."
                )
        if len(y) > n_disk:
            data = labels_bytes(X[n_disk:], y[n_disk:])
            file = f"labels-{len(batches) + 1:06d}.npz"
            batch = LabelBatch(file, len(y) - n_disk, sha256_hex(data))
            write_atomic(self.path / batch.file, data)
            batches = (*batches, batch)
        round_ = manifest.round + 1 if manifest else 1
        new = Manifest(
            round=round_,
            params=encode_params(params),
            n_features_in=int(X.shape[1]),
            feature_names_in=None
            if feature_names_in is None
            else tuple(str(n) for n in feature_names_in),
            input_shape=tuple(int(s) for s in input_shape),
            sample_shape=tuple(int(s) for s in X.shape[1:]),
            X_dtype=X.dtype,
            y_dtype=y.dtype,
            batches=batches,
            start=start,
            history_from_round=None if model is None else model.round,
            target_shape=tuple(int(s) for s in y.shape[1:]),
        )
        write_atomic(self.path / MANIFEST, dump_json(new.to_json()))
        return round_

    def save_model(
        self,
        round_: int,
        net,
        *,
        architecture: Architecture,
        architecture_history: list[Architecture],
        history: list[dict],
        n_labeled: int,
        n_outputs: int,
    ) -> ModelRecord:
        """Durably record a finished training: its weights, then ``model.json``, then tidy up.

        Parameters
        ----------
        round_ : int
            The round returned by :meth:`commit_labels` for the labels it was trained on.
        net : skorch.NeuralNet
            The trained network; its weights are written by its ``save_params``.
        architecture : Architecture
            Its architecture.
        architecture_history : list of Architecture
            The architecture of every round so far.
        history : list of dict
            The search history.
        n_labeled : int
            Number of labels it was trained on.
        n_outputs : int
            Number of outputs of its network: classes, or a regressor's targets.

        Returns
        -------
        ModelRecord
            What was written.

        Raises
        ------
        RuntimeError
            If called outside :meth:`writing`.
        """
        self._check_writing()
        buffer = io.BytesIO()
        net.save_params(f_params=buffer)
        data = buffer.getvalue()
        weights = WeightsFile(f"weights-{round_:06d}.pt", sha256_hex(data))
        write_atomic(self.path / weights.file, data)
        record = ModelRecord(
            round=round_,
            n_labeled=n_labeled,
            n_outputs=n_outputs,
            architecture=architecture,
            architecture_history=tuple(architecture_history),
            history=history,
            weights=weights,
        )
        write_atomic(self.path / MODEL, dump_json(record.to_json()))
        self._remove_unreferenced(weights.file)
        return record

    def append_journal(self, record) -> None:
        """Durably append an answer, a retraction or an event to the label journal.

        The record is on disk (written, fsync'ed) when this returns; see
        :class:`~skactive.checkpoint.Journal` for what the records add up to.

        Parameters
        ----------
        record : Answer, Retraction or Event
            The record, its ``seq`` one past the journal's last.

        Raises
        ------
        RuntimeError
            If called outside :meth:`writing`.
        """
        self._check_writing()
        append_record(self.path, record)

    def _remove_unreferenced(self, weights: str) -> None:
        """Delete old weights, batches a crash wrote but never committed, and temporary files."""
        keep = {weights, *(batch.file for batch in self.read_manifest().batches)}
        for path in self.path.iterdir():
            ours = (
                WEIGHTS_FILE.fullmatch(path.name)
                or LABELS_FILE.fullmatch(path.name)
                or (path.name.startswith(TEMP_PREFIX) and path.name.endswith(".tmp"))
            )
            if ours and path.name not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()
