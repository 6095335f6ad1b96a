"""A Label Studio ML backend for :class:`~skactive.ActiveINASClassifier`: active learning there.

Label Studio (https://labelstud.io) talks to a machine-learning backend over a few HTTP
routes; this package answers them with the standard library's HTTP server:

- ``GET /health``: the backend is up, with its model version and label counts;
- ``POST /setup``: Label Studio connects a project; the answer is the current model version;
- ``POST /predict``: tasks in, one prediction per task out. Its ``result`` is the model's
  class in the project's ``<Choices>`` control, its ``score`` the utility that the
  estimator's query strategy gives the task, so **a project sorted by prediction score is
  active learning with Active-iNAS**: the tasks first in the list are those that
  :meth:`ActiveINASClassifier.query <skactive.ActiveINASClassifier.query>` picks (with
  ``score_order="ascending"`` the score is minus the utility, for Label Studio's own
  "Uncertainty sampling", which serves the lowest score first);
- ``POST /webhook``: annotation events (``ANNOTATION_CREATED``, ``ANNOTATION_UPDATED``,
  ``ANNOTATIONS_CREATED``) become labels, stored at once beside the estimator's
  checkpoint and taught (``fit``, then ``teach``) by a trainer thread; ``START_TRAINING``
  wakes it;
- ``POST /train``: Label Studio's "Start training" sends every annotated task; the answers the
  backend lacks are added.

The labels live in the estimator's durable checkpoint (:mod:`skactive.checkpoint`), so a
restarted backend comes back with every label and its model. Images are read only from data
URLs, from files under the folders given, and from the Label Studio instance named
(:class:`ImageResolver`); the server listens on 127.0.0.1 unless told otherwise. Start it with
``python -m skactive labelstudio --checkpoint-dir DIR`` (``--help`` lists the options).

Label Studio refuses backends and webhooks on local addresses unless started with
``ML_BLOCK_LOCAL_IP=false`` and ``SSRF_PROTECTION_ENABLED=false``.
"""

from ._answers import TASKS_FILE
from ._backend import SCORE_ORDERS, LabelStudioBackend
from ._config import (
    ChoicesConfig,
    annotation_label,
    parse_label_config,
    train_annotations,
    webhook_annotations,
)
from ._images import ImageResolver
from ._server import make_server

__all__ = [
    "SCORE_ORDERS",
    "TASKS_FILE",
    "ChoicesConfig",
    "ImageResolver",
    "LabelStudioBackend",
    "annotation_label",
    "make_server",
    "parse_label_config",
    "train_annotations",
    "webhook_annotations",
]
