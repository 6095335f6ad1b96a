"""Docstring entries that several strategies share, each written once.

A numpydoc entry that two docstrings would repeat word for word, a parameter such as
``n_instances`` or a result such as ``samples``, is written here; a docstring names it by a line
``%(key)s`` that :func:`fill_doc` replaces when the module is imported, the way skorch and MNE
share theirs. ``help()`` and the API pages show the full text.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import TypeVar

DOCS = {
    # What a query strategy is given.
    "classifier_proba": """\
classifier : fitted classifier
    Anything with ``predict_proba``: an ActiveINASClassifier, a modAL ActiveLearner, a
    scikit-learn classifier.""",
    "classifier_network": """\
classifier : ActiveINASClassifier or modAL ActiveLearner wrapping one
    A fitted estimator.""",
    "classifier_dropout": """\
classifier : ActiveINASClassifier or modAL ActiveLearner wrapping one
    A fitted estimator, trained with ``dropout > 0``.""",
    "estimator_network": """\
estimator : ActiveINASClassifier
    Fitted, as :func:`network_estimator` returns it.""",
    "classifier_cold_start": """\
classifier : ActiveINASClassifier, modAL ActiveLearner, other classifier or None
    Where the labeled set (``X_training_``, or an ActiveLearner's ``X_training``) and the
    network come from; None or an unfitted one when nothing is labeled yet.""",
    "classifier_loss_head": """\
classifier : ActiveINASClassifier or modAL ActiveLearner wrapping one
    A fitted estimator whose network has a loss-prediction head (``loss_prediction``).""",
    "raises_no_loss_head": """\
ValueError
    If the network was trained without its loss-prediction head.""",
    "regressor_predict": """\
regressor : fitted ActiveINASRegressor or modAL ActiveLearner
    Gives the labeled set (``X_training_`` and ``y_training_``, or an ActiveLearner's
    ``X_training`` and ``y_training``) and the pool's predicted outputs (``predict``).""",
    "rounds_records": """\
rounds : list of dict
    Records of :attr:`rounds_`, in order.""",
    # What the bandit's re-weighting is given and returns.
    "labels_taught": """\
labels : dict of bytes to label
    The labels taught so far, by sample digest (:func:`taught_labels`).""",
    "learning_rate_exp3": """\
learning_rate : float
    Step of the EXP3 weights.""",
    "arm_names": """\
names : list of str
    The arms' names.""",
    "log_weights_reweighted": """\
log_weights : ndarray of shape (n_arms,)
    The re-weighted log-weights.""",
    "X_pool": """\
X_pool : array-like of shape (n_pool, ...)
    Unlabeled samples.""",
    "X_pool_chunked": """\
X_pool : array-like of shape (n_pool, ...)
    Unlabeled samples; a NumPy memmap or a dask array is read chunk by chunk
    (:func:`skactive.pool.map_pool`).""",
    "X_pool_network": """\
X_pool : array-like of shape (n_pool, n_features) or (n_pool,) + input_shape
    Unlabeled samples; a NumPy memmap or a dask array is read chunk by chunk
    (:func:`skactive.pool.map_pool`).""",
    "X_pool_cold_start": """\
X_pool : array-like of shape (n_pool, n_features) or (n_pool, ...)
    Unlabeled samples; see :func:`kmeans_sampling` for what is held in memory.""",
    "X_pool_greedy": """\
X_pool : array-like of shape (n_pool, n_features) or (n_pool, ...)
    Unlabeled samples, held in memory as flattened rows of floats.""",
    "n_instances": """\
n_instances : int, default=1
    Number of samples to query.""",
    "n_passes": """\
n_passes : int, default=20
    Number of stochastic passes T.""",
    "batch_mode": """\
batch_mode : {"top", "power", "softmax", "softrank"}, default="top"
    How the batch is chosen from the utilities (:func:`select_batch`): the top ones, or
    a sample favouring them (stochastic batch acquisition, Kirsch et al., 2023).""",
    "beta": """\
beta : float, default=1.0
    Inverse temperature of the stochastic modes.""",
    "random_state_stochastic": """\
random_state : int, RandomState instance or None, default=None
    Seed of the stochastic modes.""",
    "random_state_greedy": """\
random_state : int, RandomState instance or None, default=None
    Unused: the picks are deterministic, ties to the lower index. Accepted for the common
    strategy signature.""",
    "random_state_representation": """\
random_state : int, RandomState instance or None, default=None
    Seeds the representation's PCA and k-means.""",
    "return_utilities": """\
return_utilities : bool, default=False
    Also return every pool sample's utility.""",
    "predict_proba_kwargs": """\
**predict_proba_kwargs
    Passed to ``classifier.predict_proba``.""",
    # What the active-search strategies of a regressor share.
    "regressor_search": """\
regressor : ActiveINASRegressor or modAL ActiveLearner wrapping one
    A fitted estimator, with ``dropout > 0`` for ``source="mc_dropout"``.""",
    "maximize": """\
maximize : bool, default=True
    Search for the largest target; False for the smallest.""",
    "output": """\
output : int or None, default=None
    Index of the target searched, required when the regressor predicts several.""",
    "source_search": """\
source : {"mc_dropout", "members", "candidates"}, default="mc_dropout"
    Where the predictive samples come from (:func:`predictive_samples`): the dropout head,
    a deep ensemble, or the networks of the search's last step.""",
    "n_samples_search": """\
n_samples : int, default=20
    Number of MC-dropout samples; a committee gives one per network.""",
    "n_members_search": """\
n_members : int, default=5
    Size of the ``"members"`` ensemble, ``net_`` included.""",
    "penalize": """\
penalize : bool, default=True
    Spread a batch by local penalisation (:func:`local_penalization`); False takes the
    top ``n_instances`` utilities, which may all sit on one peak.""",
    "random_state_search": """\
random_state : int, RandomState instance or None, default=None
    Seeds the dropout masks (and Thompson sampling's order of the draws).""",
    # What a query strategy returns.
    "indices_picked": """\
indices : ndarray of shape (n_instances,)
    Indices into ``X_pool``, in the order picked.""",
    "indices_uncertain": """\
indices : ndarray of shape (n_instances,)
    Indices into ``X_pool``, most uncertain first.""",
    "indices_clusters": """\
indices : ndarray of shape (n_instances,)
    Indices into ``X_pool``, the largest cluster's first.""",
    "samples": """\
samples : array-like
    ``X_pool[indices]``, a NumPy array for a memmap or dask array pool.""",
    "utilities": """\
utilities : ndarray of shape (n_pool,)
    Only with ``return_utilities=True``.""",
    "utilities_every": """\
utilities : ndarray of shape (n_pool,)
    Only with ``return_utilities=True``: the utility of every pool sample.""",
    # Scores and selection routines.
    "proba": """\
proba : ndarray of shape (n_samples, n_classes)
    Predicted class probabilities.""",
    "probs": """\
probs : ndarray or torch.Tensor of shape (n_passes, n_samples, n_classes)
    Class probabilities of every stochastic pass.""",
    "probs_members": """\
probs : array-like of shape (n_members, n_samples, n_classes)
    Class probabilities of every member of an ensemble.""",
    "features_representation": """\
features : array-like of shape (n_pool, n_features)
    Representation of the unlabeled samples, e.g. :func:`cold_start_features`; the paper
    uses a self-supervised embedding (SimCLR).""",
    "pool_features": """\
pool : ndarray of shape (n_pool, n_features)
    The pool's features.""",
    "n_indices": """\
n_instances : int
    Number of indices to return.""",
    "n_points": """\
n_instances : int
    Number of pool points to pick.""",
    "device": """\
device : str, torch.device or None, default=None
    Where to compute; None keeps a tensor on its device and puts arrays on the CPU.""",
    "module_logits": """\
module : torch.nn.Module
    A classifier mapping a batch to logits; the gradients are taken over its parameters
    that require them.""",
    "n_configurations": """\
n_configurations : int, default=1000
    Most label configurations kept: listed while they fit, drawn beyond.""",
    "random_state_kmeans": """\
random_state : int, RandomState instance or None, default=None
    Seeds k-means.""",
    "purity": """\
purity : float, default=0.95
    Fraction of pure balls of the purity rule.""",
    "min_cluster_size": """\
min_cluster_size : int, default=5
    Clusters with fewer points are picked from only once the larger ones are exhausted.""",
    "indices_pool_clusters": """\
indices : ndarray of shape (n_instances,)
    Indices into the pool, the largest cluster's first.""",
}
"""Shared entries by key: the entry's first line, then its description indented by four spaces."""

# Only a placeholder alone on its line is replaced: its indentation is the entry's.
_PLACEHOLDER = re.compile(r"^(?P<indent>[ ]*)%\((?P<key>\w+)\)s$", re.MULTILINE)

F = TypeVar("F", bound=Callable)


def fill_doc(func: F) -> F:
    """Replace each ``%(key)s`` line of ``func``'s docstring by the entry ``DOCS[key]``.

    Apply it beneath ``validate_params``, which copies the docstring when it wraps.

    Parameters
    ----------
    func : callable
        A function or method whose docstring names shared entries.

    Returns
    -------
    callable
        ``func`` itself, its ``__doc__`` filled in, each entry at its placeholder's indentation.

    Raises
    ------
    KeyError
        If the docstring names an entry that :data:`DOCS` does not hold.
    """
    # Python run with -OO strips docstrings: there is nothing to fill.
    if func.__doc__:
        func.__doc__ = _PLACEHOLDER.sub(
            lambda match: textwrap.indent(DOCS[match["key"]], match["indent"]), func.__doc__
        )
    return func
