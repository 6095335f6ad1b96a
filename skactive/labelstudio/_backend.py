"""The Label Studio ML backend's logic: setup, predict with query scores, learn from answers."""

from __future__ import annotations

import copy
import logging
import threading
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout
from sklearn.base import clone

from .._classifier import ActiveINASClassifier
from ..checkpoint import MANIFEST, CheckpointLockedError
from ._answers import read_answers, write_answers
from ._config import annotation_label, parse_label_config, train_annotations, webhook_annotations
from ._images import ImageResolver

logger = logging.getLogger(__name__)

SCORE_ORDERS = ("descending", "ascending")
"""Values of ``score_order``: the tasks to label next have the highest, or the lowest, score."""
BACKEND_LOCK = "labelstudio.lock"
"""Held while a backend serves a checkpoint directory, so that a second one is refused."""


class LabelStudioBackend:
    """An ActiveINASClassifier behind Label Studio's ML-backend protocol.

    Label Studio sends tasks to :meth:`predict`, which answers each with the model's class
    (a ``"choices"`` result of the project's ``<Choices>`` control) and, as the prediction's
    ``score``, the utility that the estimator's ``query_strategy`` gives the task: a project
    sorted by prediction score puts first the tasks that :meth:`ActiveINASClassifier.query
    <skactive.ActiveINASClassifier.query>` would pick. :meth:`webhook` receives the
    annotations: each is written at once to ``labelstudio-tasks.json`` in ``checkpoint_dir``
    (annotation, task, label and image reference), and a trainer thread then fits (once
    ``min_labels`` answers have come) or teaches the estimator with every answer not yet
    learned, through the checkpoint, so that a restarted backend restores its labels and
    model and teaches what a crash left untaught.

    The label store only ever grows: an annotation updated to another class is taught as a
    new label, and the earlier one stays.

    Parameters
    ----------
    checkpoint_dir : str or path-like
        The estimator's checkpoint directory, created if needed. When it holds a checkpoint,
        the estimator is restored from it and ``estimator`` is ignored.
    estimator : ActiveINASClassifier or None, default=None
        The parameters of the first fit (cloned; its ``checkpoint_dir`` is replaced). None is
        ``ActiveINASClassifier()``.
    images : ImageResolver or None, default=None
        How task images are read and shaped; None reads data URLs only, as (3, 32, 32).
    min_labels : int, default=10
        Answers needed before the first fit; predictions before it are empty.
    score_order : {"descending", "ascending"}, default="descending"
        How the prediction ``score`` ranks tasks. ``"descending"``: the score is the
        utility, and the Data Manager sorted by score, highest first, lists the tasks to
        label next. ``"ascending"``: the score is minus the utility, so that Label Studio's
        own "Uncertainty sampling" (the labeling stream serves the lowest score first) serves
        them.
    background : bool, default=True
        Train in a thread, so that webhooks return at once (Label Studio waits one second);
        False trains inside :meth:`webhook`, for tests.

    Attributes
    ----------
    estimator_ : ActiveINASClassifier or None
        The current model, None before the first fit.
    records_ : list of dict
        Every answer received: ``annotation``, ``task``, ``label``, ``image``.
    error_ : str or None
        Why the last training failed, None when it did not; the next answer retries.

    Examples
    --------
    >>> import base64, io, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.labelstudio import ImageResolver, LabelStudioBackend
    >>> def png(value):
    ...     buffer = io.BytesIO()
    ...     Image.new("L", (8, 8), color=value).save(buffer, format="PNG")
    ...     return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    >>> config = '''<View><Image name="img" value="$image"/><Choices name="c" toName="img">
    ...   <Choice value="dark"/><Choice value="light"/></Choices></View>'''
    >>> tasks = [{"id": i, "data": {"image": png(30 * i)}} for i in range(8)]
    >>> with tempfile.TemporaryDirectory() as path:
    ...     backend = LabelStudioBackend(
    ...         path, ActiveINASClassifier(max_epochs=2, base_width=4, inas_iterations=0,
    ...                                    random_state=0),
    ...         images=ImageResolver(image_shape=(1, 8, 8)), min_labels=4, background=False)
    ...     for i in (0, 1, 6, 7):
    ...         _ = backend.webhook({"action": "ANNOTATION_CREATED", "task": tasks[i],
    ...             "annotation": {"id": i, "task": i, "result": [{"type": "choices",
    ...             "value": {"choices": ["dark" if i < 4 else "light"]}}]}})
    ...     response = backend.predict({"tasks": tasks, "label_config": config})
    ...     backend.close()
    >>> response["model_version"], len(response["results"])
    ('skactive-4', 8)
    >>> sorted(response["results"][0])
    ['model_version', 'result', 'score']
    """

    def __init__(
        self,
        checkpoint_dir,
        estimator=None,
        *,
        images=None,
        min_labels=10,
        score_order="descending",
        background=True,
    ):
        if estimator is not None and not isinstance(estimator, ActiveINASClassifier):
            raise TypeError(
                f"estimator must be an ActiveINASClassifier; got {type(estimator).__name__}."
            )
        if int(min_labels) < 1:
            raise ValueError(f"min_labels must be at least 1; got {min_labels}.")
        if score_order not in SCORE_ORDERS:
            raise ValueError(f"score_order must be one of {SCORE_ORDERS}; got {score_order!r}.")
        self.checkpoint_dir = Path(checkpoint_dir)
        self.images = images if images is not None else ImageResolver()
        self.min_labels = int(min_labels)
        self.score_order = score_order
        self.background = background
        self.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        self._dir_lock = FileLock(self.checkpoint_dir / BACKEND_LOCK)
        try:
            self._dir_lock.acquire(timeout=0)
        except Timeout:
            raise CheckpointLockedError(
                f"another Label Studio backend serves {str(self.checkpoint_dir)!r}."
            ) from None
        try:
            self._open(estimator)
        except BaseException:
            self._dir_lock.release()
            raise

    def _open(self, estimator) -> None:
        """Restore the model and the answers, and start the trainer."""
        self._template = clone(estimator if estimator is not None else ActiveINASClassifier())
        self._template.set_params(checkpoint_dir=str(self.checkpoint_dir))
        self._lock = threading.Lock()  # guards records_, estimator_ and the pending state
        # One answer at a time, so that a webhook retried at once is not stored twice.
        self._adding = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stop = False
        self._training = False
        self.error_ = None
        self.estimator_ = None
        if (self.checkpoint_dir / MANIFEST).is_file():
            self.estimator_ = ActiveINASClassifier.from_checkpoint(self.checkpoint_dir)
        n_seeded = 0 if self.estimator_ is None else len(self.estimator_.y_training_)
        self.records_, self._first_row = read_answers(self.checkpoint_dir, n_seeded)
        self._config = None  # the project's ChoicesConfig, once /setup or /predict sent it
        self._thread = None
        if self.background:
            self._thread = threading.Thread(target=self._train_forever, daemon=True)
            self._thread.start()
        else:
            self.train()

    # ------------------------------------------------------------------ the protocol

    @property
    def model_version(self) -> str:
        """``"skactive-N"``: the model trained on N labels (``"skactive-0"`` before any)."""
        return _version(self.estimator_)

    def health(self) -> dict:
        """The answer to ``GET /health``: status, model version, labels, pending, errors."""
        with self._lock:
            n_learned = self._n_learned()
            return {
                "status": "UP",
                "model_version": self.model_version,
                "n_labels": len(self.records_),
                "n_pending": len(self.records_) - n_learned,
                "training": self._training,
                "error": self.error_,
            }

    def setup(self, payload: dict) -> dict:
        """The answer to ``POST /setup``: the current model version.

        Label Studio calls it before every batch of predictions, and skips the tasks that
        already hold a prediction of the version returned. Without an ``api_key``, the
        project owner's ``access_token`` is used to fetch Label Studio's own images.
        """
        if payload.get("schema"):
            self._config = parse_label_config(payload["schema"])
        if self.images.api_key is None and payload.get("access_token"):
            self.images.api_key = str(payload["access_token"])
        return {"model_version": self.model_version}

    def predict(self, payload: dict) -> dict:
        """The answer to ``POST /predict``: one prediction per task, scored for querying.

        Parameters
        ----------
        payload : dict
            ``{"tasks": [...], "label_config": "<View>...</View>", ...}``.

        Returns
        -------
        dict
            ``{"results": [{"result", "score", "model_version"}, ...], "model_version"}``,
            results in the order of the tasks. ``score`` is the task's utility under the
            estimator's ``query_strategy`` (higher: label it sooner); ``result`` holds the
            predicted class with its probability as ``score``. Before the first fit, each
            result is empty and has no score.

        Raises
        ------
        ValueError
            If the payload has no tasks, its config no ``<Choices>`` on an ``<Image>``, or a
            task's image cannot be read.
        """
        tasks = payload.get("tasks")
        if not isinstance(tasks, list) or not tasks:
            raise ValueError("a predict request must hold a non-empty list of tasks.")
        config = parse_label_config(payload.get("label_config"))
        self._config = config
        model = self.estimator_  # one model for the whole answer, while another may train
        version = _version(model)
        if model is None:
            return {
                "results": [{"result": [], "model_version": version} for _ in tasks],
                "model_version": version,
            }
        X = np.stack([self.images.load(_image_of(task, config.data_key)) for task in tasks])
        proba = model.predict_proba(X)
        _, _, utilities = model.query(X, n_instances=1, return_utilities=True)
        if self.score_order == "ascending":
            utilities = -utilities
        results = []
        for p, utility in zip(proba, utilities):
            guess = int(np.argmax(p))
            result = {
                "from_name": config.from_name,
                "to_name": config.to_name,
                "type": "choices",
                "value": {"choices": [str(model.classes_[guess])]},
                "score": float(p[guess]),
            }
            results.append({"result": [result], "score": float(utility), "model_version": version})
        return {"results": results, "model_version": version}

    def webhook(self, payload: dict) -> dict:
        """The answer to ``POST /webhook``: store each new answer durably, then learn from it.

        ``ANNOTATION_CREATED``, ``ANNOTATION_UPDATED`` and ``ANNOTATIONS_CREATED`` add their
        labels (an annotation already stored with the same class is ignored);
        ``START_TRAINING`` only wakes the trainer; other actions are ignored. Every answer
        is checked, and its image read, before any is stored.

        Parameters
        ----------
        payload : dict
            The event, as Label Studio posts it.

        Returns
        -------
        dict
            ``{"status", "added", "n_labels"}``.

        Raises
        ------
        ValueError
            If an annotation event is malformed or an answered task's image cannot be read.
        """
        if not isinstance(payload, dict) or not isinstance(payload.get("action"), str):
            raise ValueError("a webhook must be an object with an action.")
        added = self.add_annotations(webhook_annotations(payload))
        if payload["action"] == "START_TRAINING":
            self._wake()
        return {"status": "ok", "added": added, "n_labels": len(self.records_)}

    def train_request(self, payload: dict) -> dict:
        """The answer to ``POST /train``: every annotated task Label Studio holds.

        Label Studio's "Start training" sends the project's annotated tasks; the answers the
        backend lacks (e.g. given while it was down) are added as by :meth:`webhook`.
        """
        added = self.add_annotations(train_annotations(payload))
        self._wake()
        return {"status": "ok", "added": added, "n_labels": len(self.records_)}

    # ------------------------------------------------------------------ labels and training

    def add_annotations(self, pairs) -> int:
        """Store the answers of ``(annotation, task)`` pairs that are new; return how many.

        The images are read first, so a bad answer stores nothing; the records file is
        written atomically before this returns, then the trainer is woken.
        """
        with self._adding:
            new = self._new_records(pairs)
            if new:
                with self._lock:
                    self.records_ = [*self.records_, *new]
                    write_answers(self.checkpoint_dir, self.records_, self._first_row)
        if new:
            self._wake()
        return len(new)

    def _new_records(self, pairs) -> list[dict]:
        """The records of the answers not stored yet, each image read; nothing is changed."""
        new, config = [], self._config
        data_key = "image" if config is None else config.data_key
        from_name = None if config is None else config.from_name
        with self._lock:
            latest = {record["annotation"]: record["label"] for record in self.records_}
        for annotation, task in pairs:
            label = annotation_label(annotation, from_name)
            if label is None or latest.get(annotation.get("id")) == label:
                continue  # skipped, empty, or already stored with this class
            image = _image_of(task, data_key)
            self.images.load(image)  # refuse what the trainer could not read
            latest[annotation.get("id")] = label
            new.append(
                {
                    "annotation": annotation.get("id"),
                    "task": task.get("id"),
                    "label": label,
                    "image": image,
                }
            )
        return new

    def train(self) -> None:
        """Fit or teach the estimator with the stored answers it has not learned yet.

        The background thread calls this whenever answers arrive; call it directly when
        ``background=False``. Errors are logged and kept in :attr:`error_`; the answers stay
        stored and are taught at the next call.
        """
        with self._lock:
            if not self._ready():
                return
            pending = self.records_[self._n_learned() :]
            self._training = True
        try:
            X = np.stack([self.images.load(record["image"]) for record in pending])
            y = np.array([record["label"] for record in pending])
            if self.estimator_ is None:
                model = clone(self._template).fit(X, y)
            else:
                model = copy.deepcopy(self.estimator_).teach(X, y)
            with self._lock:
                self.estimator_, self.error_ = model, None
        except Exception as err:  # a server must go on serving; the labels are stored
            logger.exception("training on %d new labels failed", len(pending))
            with self._lock:
                self.error_ = f"{type(err).__name__}: {err}"
        finally:
            with self._lock:
                self._training = False
                self._changed.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every stored answer is learned; True unless ``timeout`` ran out.

        Answers below ``min_labels``, or a training that failed, count as settled.
        """
        with self._lock:
            return self._changed.wait_for(
                lambda: not self._training and (not self._ready() or self.error_ is not None),
                timeout,
            )

    def close(self) -> None:
        """Stop the trainer after its current training and release the directory."""
        with self._lock:
            self._stop = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join()
        self._dir_lock.release()

    def _n_learned(self) -> int:
        """Records already in the estimator's labeled set (the rest are pending)."""
        model = self.estimator_
        return 0 if model is None else max(0, len(model.y_training_) - self._first_row)

    def _ready(self) -> bool:
        """Whether answers wait to be learned, and enough of them for a first fit."""
        pending = self._n_learned() < len(self.records_)
        return pending and (self.estimator_ is not None or len(self.records_) >= self.min_labels)

    def _wake(self) -> None:
        """Train on what is pending, retrying a training that failed."""
        with self._lock:
            self.error_ = None
            self._changed.notify_all()
        if not self.background:
            self.train()

    def _train_forever(self) -> None:
        while True:
            with self._lock:
                self._changed.wait_for(
                    lambda: self._stop or (self._ready() and self.error_ is None)
                )
                if self._stop:
                    return
            self.train()


def _version(model) -> str:
    return f"skactive-{0 if model is None else len(model.y_training_)}"


def _image_of(task: dict, data_key: str) -> str:
    data = task.get("data") if isinstance(task, dict) else None
    if not isinstance(data, dict) or data_key not in data:
        raise ValueError(
            f"task {task.get('id') if isinstance(task, dict) else task!r} has no "
            f"data[{data_key!r}] naming its image."
        )
    return data[data_key]
