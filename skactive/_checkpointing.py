"""How an Active-iNAS estimator writes its labels and network to a checkpoint, and comes back."""

from __future__ import annotations

import contextlib
import os
import warnings

import numpy as np
import torch
from skorch.exceptions import DeviceWarning

from .checkpoint import MODEL, Checkpoint, CheckpointStore, load_committee, save_committee
from .search_space import Architecture
from .training import build_net, device_type, resolve_device


class CheckpointMixin:
    """Labels committed before every training, the network after it, and the way back.

    A building block of :class:`~skactive.ActiveINASClassifier` and
    :class:`~skactive.ActiveINASRegressor`: the store (:mod:`skactive.checkpoint`) knows
    nothing of the estimator, and the estimator restores its own fitted attributes (its
    target encoding through its face's hooks: ``classes_``, or ``y_mean_`` and ``y_std_``)
    from the records the store reads.
    """

    _checkpoint_constraints: dict = {"checkpoint_dir": [str, os.PathLike, None]}

    @classmethod
    def from_checkpoint(cls, path, **params):
        """Restore an estimator from the checkpoint in ``path``, losing no label.

        Every label ever taught comes back, in arrival order (a regressor's float targets
        with their outputs), with the parameters, the input shape and the search history; the
        target encoding (``classes_``; ``y_mean_`` and ``y_std_``) is derived from them again,
        so the restored estimator predicts as the original and makes the same next
        :meth:`query`. When the last training had finished, its weights are loaded; when it
        had not (the process died while training on labels that were already on disk), the
        round is trained again from the restored labels, with a ``UserWarning`` saying so,
        and the checkpoint is completed, so the estimator returned always predicts.
        That retraining locks the directory like a ``teach``. A checkpoint written with
        ``device="cuda"`` is loaded on the CPU when no GPU is available, with a
        ``DeviceWarning``, as when unpickling; the ``device`` parameter stays as stored.

        Nothing is unpickled: the labels are read with ``np.load(allow_pickle=False)``, the
        metadata is JSON and the weights are read with ``torch.load(weights_only=True)``. A
        damaged or tampered checkpoint raises a ``ValueError`` before anything is built.

        Parameters
        ----------
        path : str or path-like
            A directory written through ``checkpoint_dir``.
        **params
            Parameters replacing the stored ones, e.g. ``device="cpu"``. A callable
            ``query_strategy`` other than a built-in one, or a ``RandomState`` instance as
            ``random_state``, is stored by name only and must be passed again here.
            ``checkpoint_dir`` defaults to ``path``, so later calls keep checkpointing there.

        Returns
        -------
        estimator
            The fitted estimator, of the class this is called on.

        Raises
        ------
        ValueError
            If ``path`` holds no checkpoint, a damaged or tampered one, one whose stored
            parameters must be passed again, or one written by the other twin (a
            classifier's restored as a regressor's, or the reverse).
        skactive.checkpoint.CheckpointLockedError
            If the last training must be redone while another process writes to ``path``.

        Examples
        --------
        >>> import tempfile
        >>> from sklearn.datasets import load_digits
        >>> from skactive import ActiveINASClassifier
        >>> X, y = load_digits(return_X_y=True)
        >>> with tempfile.TemporaryDirectory() as path:
        ...     clf = ActiveINASClassifier(max_epochs=2, base_width=4, inas_iterations=0,
        ...                                checkpoint_dir=path, random_state=0)
        ...     clf = clf.fit(X[:50] / 16, y[:50]).teach(X[50:60] / 16, y[50:60])
        ...     restored = ActiveINASClassifier.from_checkpoint(path)
        >>> len(restored.y_training_)
        60
        >>> bool((restored.predict(X[:60] / 16) == clf.predict(X[:60] / 16)).all())
        True
        """
        store = CheckpointStore(path)
        checkpoint = store.read()
        try:
            stored = checkpoint.manifest.estimator_params(params)
        except ValueError as err:
            raise ValueError(f"checkpoint {store.path}: {err}") from err
        stored.setdefault("checkpoint_dir", path)
        try:
            estimator = cls(**stored)
        except TypeError as err:
            raise ValueError(
                f"checkpoint {store.path}: parameters do not fit {cls.__name__}: {err}"
            ) from err
        estimator._validate_params()
        estimator._restore_from(checkpoint, store)
        return estimator

    def _commit_labels(
        self,
        writing: contextlib.ExitStack,
        X: np.ndarray,
        y: np.ndarray,
        *,
        n_new: int | None,
        start: Architecture,
        input_shape: tuple[int, ...],
        keep: bool,
    ) -> tuple[CheckpointStore | None, int | None]:
        """Lock ``checkpoint_dir`` until ``writing`` closes and commit the labeled set to it.

        Returns the store and the round for :meth:`_save_model`, or ``(None, None)`` without
        ``checkpoint_dir``. The lock spans the training too, so that no other estimator
        writes between this round's labels and its model.
        """
        if self.checkpoint_dir is None:
            return None, None
        store = CheckpointStore(self.checkpoint_dir)
        writing.enter_context(store.writing())
        params = self.get_params(deep=False)
        del params["checkpoint_dir"]
        round_ = store.commit_labels(
            X,
            y,
            n_new=n_new,
            params=params,
            feature_names_in=getattr(self, "feature_names_in_", None),
            input_shape=input_shape,
            start=start,
            keep_history=keep,
        )
        return store, round_

    def _save_model(self, store: CheckpointStore | None, round_: int | None) -> None:
        if store is not None:
            store.save_model(
                round_,
                self.net_,
                architecture=self.architecture_,
                architecture_history=self.architecture_history_,
                history=self.history_,
                n_labeled=len(self.y_training_),
                # The target encoding's entries are fitted attributes of the same names.
                n_outputs=self._n_outputs(vars(self)),
            )
            committee = [(net.module__architecture, net) for net in self.search_networks_]
            save_committee(store, round_, committee)

    def _restore_from(self, checkpoint: Checkpoint, store: CheckpointStore) -> None:
        """Set the fitted attributes from ``checkpoint``; retrain a round that did not finish."""
        manifest, model = checkpoint.manifest, checkpoint.model
        self.n_features_in_ = manifest.n_features_in
        if manifest.feature_names_in is not None:
            self.feature_names_in_ = np.asarray(manifest.feature_names_in, dtype=object)
        self.input_shape_ = manifest.input_shape
        self.X_training_, self.y_training_ = checkpoint.X, checkpoint.y
        if checkpoint.finished or manifest.history_from_round is not None:
            self.architecture_history_ = list(model.architecture_history)
            self.history_ = model.history
        self._reset_auto_strategy(keep=False)
        if hasattr(self, "query_strategy_"):
            history = getattr(self, "history_", [])
            records = [entry["query"] for entry in history if "query" in entry]
            self.query_strategy_.restore(records)
        if checkpoint.finished:
            encoding = self._target_encoding(checkpoint.y)
            if self._n_outputs(encoding) != model.n_outputs:
                raise ValueError(
                    f"checkpoint {store.path}: {MODEL} holds a network of {model.n_outputs} "
                    f"outputs, but its labels give {type(self).__name__} "
                    f"{self._n_outputs(encoding)} outputs."
                )
            device = self._restoring_device(store)
            config = self._training_config(self.input_shape_, self._n_outputs(encoding), device)
            self.net_ = store.load_weights(model, build_net(model.architecture, config))
            committee = load_committee(store, model.round, lambda a: build_net(a, config))
            if committee is not None:
                self.search_networks_ = committee
            self.device_, self.architecture_ = device, model.architecture
            self.__dict__.update(encoding)
            return
        warnings.warn(
            f"The last training of checkpoint {str(store.path)!r} did not finish (its "
            f"{len(checkpoint.y)} labels are newer than its weights); retraining from the "
            f"restored labels, starting the search at {manifest.start}.",
            UserWarning,
            stacklevel=3,
        )
        with store.writing():
            self._search_and_train(manifest.start, self.input_shape_)
            self._save_model(store, manifest.round)

    def _restoring_device(self, store: CheckpointStore) -> str:
        """The device to load weights onto: the CPU when they were saved for an absent GPU.

        As when unpickling, the ``device`` parameter is left as it was.
        """
        if device_type(self.device) == "cuda" and not torch.cuda.is_available():
            warnings.warn(
                f"Checkpoint {str(store.path)!r} was written with device={self.device!r}, but "
                "CUDA is not available: its network is restored on the CPU. Pass "
                "device='cpu' to from_checkpoint to train on the CPU too.",
                DeviceWarning,
                stacklevel=4,
            )
            return "cpu"
        return resolve_device(self.device)
