"""Training off the person's path: a background thread that teaches, refits and queries.

A building block of :class:`~skactive.label.LabelSession`. The model lives in the store's
``model-<generation>`` sub-folders, checkpoints of :class:`~skactive.ActiveINASClassifier`
written through its ``checkpoint_dir``: new labels are taught to the same checkpoint; a
correction or an undo of a label the model was trained on starts a new generation, fitted on
all current labels from the last architecture, since a checkpoint's labeled set is only ever
appended to. Each training is recorded in the label journal (a ``train`` event with the
samples in the order the estimator holds them, before it starts; a ``trained`` event with its
architecture and validation accuracy after), so that a restarted session restores the last
model from its checkpoint and knows which sample each of its labels belongs to.
"""

from __future__ import annotations

import shutil
import threading
import time
import traceback
from pathlib import Path

import numpy as np

from .._classifier import ActiveINASClassifier
from ..checkpoint import CheckpointReader, Event

TRAIN = ("train", "trained")
"""Kinds of the journal's events of a training: its start, its end."""


class TrainingMixin:
    """Start, finish and resume the background trainings of a labeling session."""

    def _changed(self, labels: dict[str, str]) -> int:
        """How many labels differ from those the model was trained on."""
        changed = sum(self._trained.get(s) != y for s, y in labels.items())
        return changed + sum(s not in labels for s in self._trained)

    def _maybe_train(self) -> None:
        if self._training or self._closed:
            return
        labels = {s: y for s, y in self.labels().items() if s in self._index}
        if len(set(labels.values())) < 2:
            return
        changed = self._changed(labels)
        # Train after every batch of changed labels, or sooner when nothing is left to show.
        if changed >= self.batch_size or (changed and not self._queue()):
            self._start(self._train, labels)

    def _start(self, target, *args) -> None:
        self._training = True
        self._thread = threading.Thread(target=target, args=args, daemon=True)
        self._thread.start()

    def _estimator(self, generation: int, start) -> ActiveINASClassifier:
        params = {"random_state": self.random_state, **self.estimator_params}
        if start is not None:
            params["initial_architecture"] = start
        folder = self.store.path / f"model-{generation:06d}"
        return ActiveINASClassifier(**params, checkpoint_dir=folder)

    def _train(self, labels: dict[str, str]) -> None:
        """One training in the background: teach the new labels, or refit after a correction."""
        try:
            model = self._model
            teach = model is not None and all(labels.get(s) == y for s, y in self._trained.items())
            if teach:
                new = [s for s in labels if s not in self._trained]
                order = self._trained_order + new
            else:
                start = None if model is None else model.architecture_
                generation = self._generation + 1
                model = self._estimator(generation, start)
                order = list(labels)
            with self._lock:
                data = {"generation": self._generation if teach else generation, "ids": order}
                self._append(Event(0, "train", data))
            began = time.perf_counter()
            if teach:
                rows = [self._index[s] for s in new]
                model.teach(self.samples.X[rows], np.array([labels[s] for s in new], dtype=object))
            else:
                rows = [self._index[s] for s in order]
                y = np.array([labels[s] for s in order], dtype=object)
                model.fit(self.samples.X[rows], y)
            seconds = time.perf_counter() - began
            if not teach:
                self._drop_generations(keep=generation)
                self._generation = generation
            self._finish(model, order, labels, seconds)
        except Exception:
            with self._lock:
                self.training_error = traceback.format_exc(limit=3)
                self._model, self._trained, self._trained_order = None, {}, []
                self._training = False
                self._idle.notify_all()

    def _drop_generations(self, keep: int) -> None:
        for folder in self.store.path.glob("model-*"):
            if folder.name != f"model-{keep:06d}":
                shutil.rmtree(folder, ignore_errors=True)

    def _finish(self, model, order, labels, seconds) -> None:
        """Query the next batch with the new model and put it in front of the person."""
        proba = model.predict_proba(self.samples.X)
        with self._lock:
            pool = self._pool()
        picked = []
        if pool:
            n = min(self.batch_size, len(pool))
            indices, _ = model.query(self.samples.X[pool], n_instances=n)
            picked = [self.samples.ids[pool[i]] for i in indices]
        with self._lock:
            self._model, self._proba, self._model_classes = model, proba, model.classes_
            self._trained = {s: labels[s] for s in order}
            self._trained_order = list(order)
            answered = set(self._journal.current())
            picked = [s for s in picked if s not in answered]
            if picked:
                self._append(Event(0, "queue", {"source": "query", "samples": picked}))
            self._append(Event(0, "trained", self._summary(model, len(order), seconds)))
            self.training_error = None
            self._training = False
            self._idle.notify_all()
            self._after_answer()

    @staticmethod
    def _summary(model, n_labeled: int, seconds: float) -> dict:
        chosen = [c for c in model.history_[-1]["candidates"] if c["chosen"]]
        accuracy = 1.0 - float(chosen[-1]["val_error"]) if chosen else None
        return {
            "n_labeled": n_labeled,
            "architecture": str(model.architecture_),
            "validation_accuracy": accuracy,
            "seconds": round(seconds, 3),
        }

    def _resume_model(self, last: dict) -> None:
        """Restore the model of the last training in the background, then go on."""
        folder = self.store.path / f"model-{last['generation']:06d}"
        self._generation = last["generation"]
        if CheckpointReader(folder).read_manifest() is None:
            self._after_answer()
            return
        self._start(self._restore, folder, last["ids"])

    def _restore(self, folder: Path, ids: list[str]) -> None:
        try:
            began = time.perf_counter()
            model = ActiveINASClassifier.from_checkpoint(folder)
            order = ids[: len(model.y_training_)]
            labels = dict(zip(order, (str(y) for y in model.y_training_)))
            proba = model.predict_proba(self.samples.X)
            with self._lock:
                self._model, self._proba, self._model_classes = model, proba, model.classes_
                self._trained, self._trained_order = labels, order
                trainings = [r for r in self._journal.records if getattr(r, "kind", "") in TRAIN]
                if trainings[-1].kind == "train":  # the last training was cut off: redone
                    summary = self._summary(model, len(order), time.perf_counter() - began)
                    self._append(Event(0, "trained", summary))
                self._training = False
                self._idle.notify_all()
                self._after_answer()
        except Exception:
            with self._lock:
                self.training_error = traceback.format_exc(limit=3)
                self._training = False
                self._idle.notify_all()
                self._after_answer()
