"""A person in the loop: label a dataset in the browser while Active-iNAS learns from it.

``python -m skactive label DATA`` (:func:`run_app`) serves a local page that shows one sample
at a time. The first samples come from a cold start (k-means by default), the next ones from
the estimator's query once it has trained; training runs in a background thread, so the
person never waits for it. Every answer, skip and undo is a record of the store's label
journal (:class:`~skactive.checkpoint.Journal`), fsync'ed before the page moves on, and the
same command on the same store rebuilds the same labels and queue from it.

The layers: :func:`load_samples` reads the data, :class:`LabelSession` owns the queue, the
journal and the training, and :class:`LabelServer` only moves samples and answers between
the page and the session.
"""

from ._app import default_store, run_app
from ._data import Samples, load_samples, read_image
from ._server import LabelServer
from ._session import LabelSession

__all__ = [
    "LabelServer",
    "LabelSession",
    "Samples",
    "default_store",
    "load_samples",
    "read_image",
    "run_app",
]
