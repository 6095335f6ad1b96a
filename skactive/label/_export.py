"""What a labeling session hands over: its labels as CSV, and the last model's checkpoint.

A building block of :class:`~skactive.label.LabelSession`. Each row of ``labels.csv`` says
whose label it is: ``person`` (an answer in the journal), ``dataset`` (a label the data came
with) or ``model`` (the model's label of an unlabeled sample it accepts at the session's risk,
with its confidence; :meth:`~skactive.label.LabelSession.model_labels`). The model labels
only samples nobody answered, so its rows never replace or repeat a person's; a skipped
sample is in neither.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

COLUMNS = ("sample", "label", "source", "confidence")
"""The header of ``labels.csv``."""


class ExportMixin:
    """``labels_csv`` and ``export`` of a labeling session."""

    def labels_csv(self) -> bytes:
        """The labels as CSV: ``sample``, ``label``, ``source`` and ``confidence``.

        Returns
        -------
        bytes
            UTF-8 text with a header row: first every label a person or the dataset gave
            (``source`` ``person`` or ``dataset``, no confidence), then the model's
            accepted labels of unlabeled samples (``source`` ``model``, its confidence),
            present only while SGR finds a threshold (:meth:`coverage`).
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        with self._lock:
            answered = self._journal.current_labels()
            for sample, label in self.labels().items():
                writer.writerow([sample, label, "person" if sample in answered else "dataset", ""])
            for sample, label, confidence in self.model_labels():
                writer.writerow([sample, label, "model", f"{confidence:.4f}"])
        return buffer.getvalue().encode("utf-8")

    def export(self, out) -> dict:
        """Write ``labels.csv`` and the last trained estimator's checkpoint into ``out``.

        Waits for a running training to finish, so the checkpoint copied is whole and the
        model's rows of ``labels.csv`` are that checkpoint's.

        Parameters
        ----------
        out : str or path-like
            Folder to write into; its ``model`` sub-folder is replaced.

        Returns
        -------
        dict
            ``labels`` (the CSV's path), ``model`` (the checkpoint's, or None before the
            first training; ``ActiveINASClassifier.from_checkpoint`` reads it) and
            ``n_model`` (rows of the model's labels in the CSV).
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._idle.wait_for(lambda: not self._training)
            (out / "labels.csv").write_bytes(self.labels_csv())
            written = {
                "labels": str(out / "labels.csv"),
                "model": None,
                "n_model": len(self.model_labels()),
            }
            folder = self.store.path / f"model-{self._generation:06d}"
            if self._model is not None and folder.is_dir():
                shutil.rmtree(out / "model", ignore_errors=True)
                shutil.copytree(folder, out / "model", ignore=shutil.ignore_patterns("*.lock"))
                written["model"] = str(out / "model")
            return written
