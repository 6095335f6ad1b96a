"""Durable checkpoints of an active learner, so that no paid-for label is ever lost.

A checkpoint is a directory that :class:`CheckpointStore` writes and :class:`CheckpointReader`
reads: one ``.npz`` file per batch of labels, two JSON records (:class:`Manifest`, the commit
point of the labeled set, and :class:`ModelRecord`, that of the last finished training) and
the weights of that training, beside the networks of its last search step
(:class:`CommitteeRecord`, for ensemble queries). A ``fit`` or ``teach`` writes its new
labels and the manifest before any training starts, and the weights and the model record
after it; a model record of an older round than the manifest's means the last training did
not finish.

A person labeling by hand answers one sample at a time: each answer, correction and undo is
a line of the label journal (``labels.jsonl``, :class:`Journal`), appended and fsync'ed
before :meth:`CheckpointStore.append_journal` returns and never rewritten, so the current
label of a sample is its latest answer that was not retracted.

One file per batch: a teach writes only its own labels and never rewrites earlier ones, so
n labels taught in T batches cost O(n) bytes written in all instead of the O(n T) of
rewriting one growing array. Only the small manifest is rewritten at each batch.

Nothing in a checkpoint is pickled: arrays are read with ``np.load(allow_pickle=False)``,
text labels are stored as fixed-width unicode arrays, the records are JSON, and weights are
read with ``torch.load(weights_only=True)``. A parameter that JSON cannot hold without naming
code to run (a callable ``query_strategy`` other than a built-in strategy, a ``RandomState``
instance) is recorded by name only and must be passed again on restoring.

The store knows nothing of the estimator: ``ActiveINASClassifier`` or ``ActiveINASRegressor``
hands it arrays (class labels, or float targets with a column per output), parameters and its
trained network, and restores its own fitted attributes from what
:meth:`CheckpointReader.read` returns.
"""

from ._committee import COMMITTEE, CommitteeRecord, load_committee, save_committee
from ._files import write_atomic
from ._journal import JOURNAL, Answer, Event, Journal, Retraction
from ._reader import Checkpoint, CheckpointReader
from ._records import MANIFEST, MODEL, LabelBatch, Manifest, ModelRecord, WeightsFile
from ._store import LOCK, CheckpointLockedError, CheckpointStore
from ._values import encode_params

__all__ = [
    "COMMITTEE",
    "CommitteeRecord",
    "JOURNAL",
    "LOCK",
    "MANIFEST",
    "MODEL",
    "Answer",
    "Checkpoint",
    "CheckpointLockedError",
    "CheckpointReader",
    "CheckpointStore",
    "Event",
    "Journal",
    "LabelBatch",
    "Manifest",
    "Retraction",
    "ModelRecord",
    "WeightsFile",
    "encode_params",
    "load_committee",
    "save_committee",
    "write_atomic",
]
