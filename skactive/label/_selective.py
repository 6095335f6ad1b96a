"""May the person stop? The share of the unlabeled samples the model would label at a risk.

A building block of :class:`~skactive.label.LabelSession`. The held-out labels of the model
on the page are the person's answers it was not trained on: given after its training started,
not retracted, and of samples outside its training set (a correction of a sample it was
trained on does not count: it has seen that sample). On them, selection with guaranteed risk
(:func:`~skactive.selective.sgr_threshold`, with the softmax response as confidence) chooses
the threshold whose selective risk is at most ``risk`` with probability at least
1 − ``delta``; the coverage is the share of the unlabeled samples whose confidence reaches
it, which is what :meth:`~skactive.ActiveINASClassifier.predict_selective` accepts there once
the estimator's ``selective_threshold`` has been chosen on the same labels.

Both reuse the probabilities the session keeps after each training, so reading them costs no
forward pass, and the model itself is never touched (a training may be using it). The next
training absorbs the held-out labels: they accumulate only between trainings.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..checkpoint import Event
from ..selective import sgr_threshold

NO_THRESHOLD = "No threshold keeps the selective risk"
"""Start of the warning of :func:`~skactive.selective.sgr_threshold` when it finds none: the
report says so itself."""


class CoverageMixin:
    """The held-out labels of a labeling session's model, its coverage and accepted labels."""

    def held_out(self) -> dict[str, str]:
        """The person's labels that the model on the page was not trained on.

        Returns
        -------
        dict
            Sample identifier to label, in the order samples were first answered: the
            answers given after the model's training started that count (not retracted,
            not skips) and are of samples outside its training set; empty when there is no
            model.
        """
        with self._lock:
            if self._model is None:
                return {}
            started = self._model_started()
            return {
                sample: answer.label
                for sample, answer in self._journal.current().items()
                if answer.seq > started
                and answer.label is not None
                and sample not in self._trained
                and sample in self._index
            }

    def _model_started(self) -> int:
        """``seq`` of the ``train`` event of the model on the page: the last one finished."""
        finished = False
        for record in reversed(self._journal.records):
            if isinstance(record, Event) and record.kind == "trained":
                finished = True
            elif finished and isinstance(record, Event) and record.kind == "train":
                return record.seq
        return len(self._journal.records)  # no record of its training: nothing is held out

    def coverage(self) -> dict | None:
        """What the model would label by itself at the session's ``risk``, and on what basis.

        Returns
        -------
        dict or None
            None before the first model. Otherwise ``risk`` and ``delta``, ``n_held_out``
            (:meth:`held_out` labels), ``n_pool`` (the unlabeled samples: nobody answered
            them, not even with a skip, and the dataset does not label them), and, when SGR
            finds a threshold on the held-out labels, ``threshold``, ``risk_bound`` (the
            bound on the selective risk that holds with probability at least 1 − ``delta``),
            ``n_accepted`` and ``coverage`` (their share of the unlabeled samples, None when
            none is left); these are None, and ``n_accepted`` 0, when it finds none: too few
            held-out labels, or too many errors among them, for ``risk``.
        """
        with self._lock:
            report = self._selection()[0]
            return None if report is None else dict(report)

    def model_labels(self) -> list[tuple[str, str, float]]:
        """The model's labels of the unlabeled samples it accepts at the session's ``risk``.

        Returns
        -------
        list of tuple
            ``(sample, label, confidence)`` for each accepted sample, in the dataset's
            order; empty when there is no threshold.
        """
        with self._lock:
            return list(self._selection()[1])

    def _selection(self) -> tuple[dict | None, list]:
        # Kept until the journal or the model changes: every read of the page asks for it.
        key = (len(self._journal.records), id(self._proba), id(self._model))
        if self._selected[0] != key:
            self._selected = (key, self._select())
        return self._selected[1]

    def _select(self) -> tuple[dict | None, list]:
        if self._model is None or self._proba is None:
            return None, []
        held = self.held_out()
        pool = self._pool()
        report = {
            "risk": self.risk,
            "delta": self.delta,
            "n_held_out": len(held),
            "n_pool": len(pool),
            "threshold": None,
            "risk_bound": None,
            "n_accepted": 0,
            "coverage": None,
        }
        if not held:
            return report, []
        proba = self._proba[[self._index[s] for s in held]]
        guesses = self._model_classes[np.argmax(proba, axis=1)].astype(str)
        correct = guesses == np.array(list(held.values()), dtype=str)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=NO_THRESHOLD, category=UserWarning)
            result = sgr_threshold(proba.max(axis=1), correct, risk=self.risk, delta=self.delta)
        if math.isinf(result.threshold):
            return report, []
        confidence = self._proba[pool].max(axis=1) if pool else np.empty(0)
        accepted = confidence >= result.threshold
        labels = self._model_classes[np.argmax(self._proba[pool], axis=1)] if pool else []
        report.update(
            threshold=result.threshold,
            risk_bound=result.risk_bound,
            n_accepted=int(accepted.sum()),
            coverage=float(accepted.mean()) if pool else None,
        )
        chosen = [
            (self.samples.ids[i], str(label), float(c))
            for i, label, c, ok in zip(pool, labels, confidence, accepted)
            if ok
        ]
        return report, chosen
