"""A labeling session: the queue a person answers, its label journal, and its model.

Everything the session knows is in its store's label journal
(:class:`~skactive.checkpoint.Journal`): each answer, skip and undo, each queue it handed out
(and whether a cold start or the model's query chose it), each training it started and
finished. Opening the same store again rebuilds the same labels and the same queue from
it; the trainings run in a background thread (the training module of this package).
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from ..checkpoint import Answer, CheckpointStore, Event, Retraction
from ..strategies import named_strategy
from ._data import Samples
from ._export import ExportMixin
from ._selective import CoverageMixin
from ._training import TrainingMixin

ERROR_NOTE = "error"
"""Note of the journal's answer recording a sample that could not be shown."""


class LabelSession(TrainingMixin, CoverageMixin, ExportMixin):
    """A person labels the samples the cold start, then the model, ask for.

    Parameters
    ----------
    samples : Samples
        What is labeled (:func:`load_samples`).
    store : str or path-like
        The session's folder: its label journal and model checkpoints.
    classes : list of str
        The labels a person may give.
    batch_size : int, default=10
        Samples per queue, and new labels between trainings.
    cold_start : str, default="kmeans"
        Strategy of :data:`~skactive.strategies.COLD_START_STRATEGIES` that picks samples
        while there is no model.
    estimator_params : dict or None, default=None
        Parameters of the :class:`~skactive.ActiveINASClassifier` trained in the background.
    random_state : int, default=0
        Seeds the cold start and the estimator.
    risk, delta : float, default=0.02, 0.05
        The selective risk, in (0, 1), at which the model's :meth:`coverage` of the unlabeled
        samples is given, and the probability, in (0, 1), that its bound may fail.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from skactive.label import LabelSession, Samples
    >>> samples = Samples(np.eye(6, dtype=np.float32), [str(i) for i in range(6)], "row")
    >>> with tempfile.TemporaryDirectory() as store:
    ...     with LabelSession(samples, store, classes=["a", "b"], batch_size=3) as session:
    ...         first = session.current()
    ...         _ = session.answer(first["index"], "a")
    ...         labels = session.labels()
    >>> first["source"], list(labels.values())
    ('cold_start', ['a'])
    """

    def __init__(
        self,
        samples: Samples,
        store,
        *,
        classes: list[str],
        batch_size: int = 10,
        cold_start: str = "kmeans",
        estimator_params: dict | None = None,
        random_state: int = 0,
        risk: float = 0.02,
        delta: float = 0.05,
    ):
        if not classes or len(set(classes)) != len(classes):
            raise ValueError(f"classes must be distinct names, at least one, got {classes!r}.")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size!r}.")
        for name, value in (("risk", risk), ("delta", delta)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
                raise ValueError(f"{name} must be a number in (0, 1), got {value!r}.")
        self.samples = samples
        self.store = CheckpointStore(store)
        self.classes = list(classes)
        self.batch_size = batch_size
        self.cold_start = named_strategy(cold_start)
        self.estimator_params = dict(estimator_params or {})
        self.random_state = random_state
        self.risk = risk
        self.delta = delta
        self._index = {sample_id: i for i, sample_id in enumerate(samples.ids)}
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._writing = contextlib.ExitStack()
        self._model = None
        self._trained: dict[str, str] = {}
        self._trained_order: list[str] = []
        self._generation = 0
        self._proba = None
        self._selected = (None, (None, []))
        self._thread = None
        self._training = False
        self._closed = False
        self.training_error = None

    # ------------------------------------------------------------------ life

    def __enter__(self) -> LabelSession:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        """Lock the store, rebuild the session from its journal and resume training.

        Raises
        ------
        skactive.checkpoint.CheckpointLockedError
            If another session (or estimator) holds the store.
        """
        self._writing.enter_context(self.store.writing())
        self._journal = self.store.read_journal()
        self._seq = len(self._journal.records)
        answered = self._journal.current()
        for index, message in self.samples.errors.items():
            if self.samples.ids[index] not in answered:
                self._append(Answer(0, self.samples.ids[index], None, f"{ERROR_NOTE}: {message}"))
        trainings = self._journal.events("train")
        if trainings:
            self._resume_model(trainings[-1].data)
        else:
            self._after_answer()

    def close(self) -> None:
        """Wait for a running training to finish, then release the store."""
        with self._lock:
            self._closed = True
        self.wait_idle()
        self._writing.close()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no training runs in the background.

        Parameters
        ----------
        timeout : float or None, default=None
            Seconds to wait at most; None waits as long as it takes.

        Returns
        -------
        bool
            False when ``timeout`` passed first.
        """
        with self._lock:
            return self._idle.wait_for(lambda: not self._training, timeout)

    def _append(self, record) -> None:
        """Write ``record`` to the journal, numbered next; it is durable when this returns."""
        self._seq += 1
        if isinstance(record, Answer):
            record = Answer(self._seq, record.sample, record.label, record.note)
        elif isinstance(record, Retraction):
            record = Retraction(self._seq, record.of)
        else:
            record = Event(self._seq, record.kind, record.data)
        try:
            self.store.append_journal(record)
        except BaseException:
            self._seq -= 1
            raise
        self._journal.records.append(record)

    # ------------------------------------------------------------------ what is known

    def labels(self) -> dict[str, str]:
        """The current label of every labeled sample: the dataset's own, then the journal's.

        Returns
        -------
        dict
            Sample identifier to label; a journal answer (a correction, a skip) overrides
            a label the dataset holds.
        """
        with self._lock:
            answered = self._journal.current()
            labels = {s: y for s, y in self.samples.labels.items() if s not in answered}
            labels.update(self._journal.current_labels())
            return labels

    def _queue(self) -> list[tuple[str, str]]:
        """The samples still to answer, with where each comes from, in the order shown."""
        answered = set(self._journal.current()) | set(self.samples.labels)
        undone = []
        for record in reversed(self._journal.records):
            if isinstance(record, Retraction):
                sample = self._journal_answer(record.of).sample
                if sample not in answered and sample not in undone:
                    undone.append(sample)
        queue = [(s, "undo") for s in undone]
        queues = self._journal.events("queue")
        if queues:
            last = queues[-1].data
            queue += [(s, last["source"]) for s in last["samples"] if s not in answered]
        seen, order = set(), []
        for sample, source in queue:
            # A file removed from the dataset since keeps its answers but is not shown.
            if sample not in seen and sample in self._index:
                seen.add(sample)
                order.append((sample, source))
        return order

    def _journal_answer(self, seq: int) -> Answer:
        return self._journal.records[seq - 1]

    def _pool(self) -> list[int]:
        """Indices of the samples nobody answered and the dataset does not label."""
        answered = set(self._journal.current()) | set(self.samples.labels)
        return [i for i, s in enumerate(self.samples.ids) if s not in answered]

    def current(self) -> dict | None:
        """The sample to show now, or None when every sample has an answer.

        Returns
        -------
        dict or None
            As :meth:`sample` gives it, with ``source`` (``"cold_start"``, ``"query"`` or
            ``"undo"``: where the queue got it) and ``queued`` (samples in the queue).
        """
        with self._lock:
            queue = self._queue()
            if not queue:
                return None
            sample, source = queue[0]
            return {**self.sample(self._index[sample]), "source": source, "queued": len(queue)}

    def sample(self, index: int) -> dict:
        """Sample ``index`` as the page shows it, e.g. to correct its label.

        Parameters
        ----------
        index : int
            Position of the sample.

        Returns
        -------
        dict
            ``index``, ``id``, ``view`` (:meth:`Samples.view`), ``label`` (its current
            label, or None), and the model's ``guess`` and ``confidence`` once there is a
            model.

        Raises
        ------
        ValueError
            If ``index`` is not a sample's position.
        """
        self._check_index(index)
        with self._lock:
            sample = self.samples.ids[index]
            shown = {
                "index": index,
                "id": sample,
                "view": self.samples.view(index),
                "label": self.labels().get(sample),
            }
            if self._proba is not None:
                proba = self._proba[index]
                best = int(np.argmax(proba))
                shown["guess"] = str(self._model_classes[best])
                shown["confidence"] = float(proba[best])
            return shown

    def _check_index(self, index) -> None:
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValueError(f"index must be an integer, got {index!r}.")
        if not 0 <= index < len(self.samples):
            raise ValueError(f"index must be in [0, {len(self.samples)}), got {index}.")

    def progress(self) -> dict:
        """Labels per class, the model's architecture and the search's learning curve.

        Returns
        -------
        dict
            ``counts`` (labels per class), ``n_labeled``, ``n_skipped``, ``errors``,
            ``training``, ``architecture``, ``validation_accuracy``, ``curve`` (one point
            per finished training: labels, validation accuracy, architecture) and
            ``coverage`` (:meth:`coverage`).
        """
        with self._lock:
            labels = self.labels()
            counts = {c: 0 for c in self.classes}
            for label in labels.values():
                counts[label] = counts.get(label, 0) + 1
            answers = self._journal.current().values()
            curve = [event.data for event in self._journal.events("trained")]
            return {
                "counts": counts,
                "n_labeled": len(labels),
                "n_samples": len(self.samples),
                "n_skipped": sum(a.label is None and a.note == "skip" for a in answers),
                "errors": [a.note for a in answers if a.note.startswith(ERROR_NOTE)],
                "training": self._training,
                "training_error": self.training_error,
                "architecture": curve[-1]["architecture"] if curve else None,
                "validation_accuracy": curve[-1]["validation_accuracy"] if curve else None,
                "curve": curve,
                "coverage": self.coverage(),
            }

    # ------------------------------------------------------------------ answers

    def answer(self, index: int, label: str | None) -> dict:
        """Record a person's answer about sample ``index``: a label, or None to skip it.

        The answer is in the journal, fsync'ed, when this returns. Answering a sample
        that already has a label records a correction; the earlier answer stays on disk.

        Parameters
        ----------
        index : int
            Position of the sample.
        label : str or None
            One of ``classes``, or None to skip.

        Returns
        -------
        dict
            The answer's ``seq`` in the journal.

        Raises
        ------
        ValueError
            If ``index`` or ``label`` is not one of the session's.
        """
        with self._lock:
            self._check_index(index)
            if label is not None and label not in self.classes:
                raise ValueError(f"label must be one of {self.classes}, got {label!r}.")
            if index in self.samples.errors:
                raise ValueError(f"sample {index} cannot be shown: {self.samples.errors[index]}")
            note = "" if label is not None else "skip"
            self._append(Answer(0, self.samples.ids[index], label, note))
            seq = self._seq
            self._after_answer()
            return {"seq": seq}

    def undo(self) -> dict | None:
        """Take back the person's last answer that still counts; its sample is shown again.

        Returns
        -------
        dict or None
            The retracted answer's ``index`` and ``seq``, or None when there is none.
        """
        with self._lock:
            gone = self._journal.retracted()
            for record in reversed(self._journal.records):
                if (
                    isinstance(record, Answer)
                    and record.seq not in gone
                    and not record.note.startswith(ERROR_NOTE)
                ):
                    self._append(Retraction(0, record.seq))
                    self._after_answer()
                    return {"index": self._index.get(record.sample), "seq": record.seq}
            return None

    def _after_answer(self) -> None:
        """Start a training when enough labels changed, and keep something to show."""
        self._maybe_train()
        if not self._queue():
            self._queue_cold_start()

    def _queue_cold_start(self) -> None:
        pool = self._pool()
        if not pool:
            return
        n = min(self.batch_size, len(pool))
        picked, _ = self.cold_start(
            None, self.samples.X[pool], n_instances=n, random_state=self.random_state + self._seq
        )
        ids = [self.samples.ids[pool[i]] for i in picked]
        self._append(Event(0, "queue", {"source": "cold_start", "samples": ids}))
