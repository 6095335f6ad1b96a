"""MC-dropout: stochastic forward passes of the network and the uncertainty scores built on them.

Gal, Islam & Ghahramani (2017), "Deep Bayesian active learning with image data": keep dropout
active at inference, run ``T`` passes, and score each sample by how much the passes disagree.
The scores take probabilities of shape ``(T, n_samples, n_classes)``, as NumPy arrays or torch
tensors (on any device), and return one value per sample of the same kind.
"""

from __future__ import annotations

from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from torch import nn

from ..pool import is_lazy_pool, map_pool
from ..utils import derive_seed, draw_seed
from ._base import (
    check_n_instances,
    network_estimator,
    pool_result,
    torch_generator,
)
from ._batch import BATCH_MODES, select_batch
from ._docs import fill_doc
from ._uncertainty import entropy


def _max_entropy(probs: torch.Tensor) -> torch.Tensor:
    return entropy(probs.mean(dim=0))


def _bald(probs: torch.Tensor) -> torch.Tensor:
    return entropy(probs.mean(dim=0)) - entropy(probs).mean(dim=0)


def _variation_ratios(probs: torch.Tensor) -> torch.Tensor:
    votes = nn.functional.one_hot(probs.argmax(dim=-1), probs.shape[-1]).sum(dim=0)
    return 1.0 - votes.max(dim=-1).values.to(probs.dtype) / probs.shape[0]


def _mean_std(probs: torch.Tensor) -> torch.Tensor:
    return probs.std(dim=0, correction=0).mean(dim=-1)


_UTILITIES = {
    "bald": _bald,
    "max_entropy": _max_entropy,
    "variation_ratios": _variation_ratios,
    "mean_std": _mean_std,
}
MC_DROPOUT_METHODS = tuple(_UTILITIES)
"""Values of ``method`` accepted by :func:`mc_dropout` and :func:`mc_dropout_utility`."""


@validate_params(
    {"probs": ["array-like"], "method": [StrOptions(set(MC_DROPOUT_METHODS))]},
    prefer_skip_nested_validation=True,
)
@fill_doc
def mc_dropout_utility(probs, method: str = "bald"):
    """Score each sample from ``T`` stochastic predictions; higher means more uncertain.

    Parameters
    ----------
    %(probs)s
    method : {"bald", "max_entropy", "variation_ratios", "mean_std"}, default="bald"
        - ``"bald"``: mutual information between prediction and weights,
          ``H(mean_t p_t) - mean_t H(p_t)`` (Houlsby et al., 2011).
        - ``"max_entropy"``: entropy of the mean prediction, ``H(mean_t p_t)``.
        - ``"variation_ratios"``: ``1 - f / T`` where ``f`` counts the passes that vote
          for the most voted class.
        - ``"mean_std"``: standard deviation over passes of each class probability,
          averaged over classes.

    Returns
    -------
    ndarray or torch.Tensor of shape (n_samples,)
        The scores, of the same kind (and device) as ``probs``. Entropies are in nats.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import mc_dropout_utility
    >>> probs = np.array([[[1.0, 0.0], [0.5, 0.5]],
    ...                   [[0.0, 1.0], [0.5, 0.5]]])
    >>> mc_dropout_utility(probs, "bald").round(4)
    array([0.6931, 0.    ])
    >>> mc_dropout_utility(probs, "variation_ratios")
    array([0.5, 0. ])
    """
    is_tensor = isinstance(probs, torch.Tensor)
    tensor = probs if is_tensor else torch.from_numpy(np.asarray(probs, dtype=np.float64))
    if tensor.ndim != 3:
        raise ValueError(
            f"probs must have shape (n_passes, n_samples, n_classes), got {tuple(tensor.shape)}."
        )
    utility = _UTILITIES[method](tensor)
    return utility if is_tensor else utility.numpy()


@fill_doc
def bald(probs):
    """BALD score: ``H(mean_t p_t) - mean_t H(p_t)``, see :func:`mc_dropout_utility`.

    Parameters
    ----------
    %(probs)s

    Returns
    -------
    ndarray or torch.Tensor of shape (n_samples,)
        Mutual information in nats; zero where all passes agree.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import bald
    >>> bald(np.array([[[0.9, 0.1]], [[0.1, 0.9]]])).round(4)
    array([0.3681])
    """
    return mc_dropout_utility(probs, "bald")


def _mc_forward(classifier, X, n_passes, random_state, reduce) -> np.ndarray:
    """Run the stochastic passes batch by batch on the network's device; ``reduce`` each batch."""
    estimator = network_estimator(classifier, "mc_dropout")
    if estimator.net_.module_.head[0].p == 0:
        raise ValueError(
            "MC-dropout samples (mc_dropout, batch_bald) need dropout in the network: the "
            "estimator was trained with dropout=0; refit it with dropout > 0 or use another "
            "strategy."
        )
    generator = torch_generator(random_state, estimator.device_)

    def passes(module, x):
        # The features once, the dropout head T times: the network's only dropout is there.
        scores = module.head_samples(module.features(x), n_passes, generator)
        return reduce(torch.softmax(scores.float(), dim=-1))

    return estimator.forward_batches(X, passes)


@validate_params(
    {
        "classifier": "no_validation",
        "X": "no_validation",
        "n_passes": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def mc_dropout_proba(classifier, X, n_passes: int = 20, *, random_state=None) -> np.ndarray:
    """Class probabilities of ``n_passes`` stochastic forward passes, dropout active.

    Batch norm stays in eval mode; the pool goes to the network's device one batch at a time.

    Parameters
    ----------
    %(classifier_dropout)s
    X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
        Samples.
    %(n_passes)s
    random_state : int, RandomState instance or None, default=None
        Seeds the dropout masks, through a torch generator of their own.

    Returns
    -------
    ndarray of shape (n_passes, n_samples, n_classes)
        Probabilities of every pass.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.strategies import mc_dropout_proba
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), base_width=4, max_epochs=1,
    ...                            inas_iterations=0, random_state=0).fit(X[:50] / 16, y[:50])
    >>> mc_dropout_proba(clf, X[50:60] / 16, n_passes=5, random_state=0).shape
    (5, 10, 10)
    """
    probs = _mc_forward(classifier, X, n_passes, random_state, lambda p: p.transpose(0, 1))
    return probs.transpose(1, 0, 2)


def mc_chunk_scores(chunk, start, estimator, n_passes, seed, reduce):
    """The stochastic passes over one chunk of a lazy pool, reduced batch by batch.

    Serves :func:`skactive.pool.map_pool` for the MC-dropout strategies.

    Parameters
    ----------
    chunk : array-like of shape (n_chunk, ...)
        Rows of the pool.
    start : int
        Index of the chunk's first row in the pool.
    estimator : ActiveINASClassifier
        Fitted, trained with ``dropout > 0``.
    n_passes : int
        Number of stochastic passes.
    seed : int
        The query's seed for the dropout masks.
    reduce : callable
        Maps one batch's probabilities, a tensor of shape (n_passes, n_batch, n_classes),
        to what is kept of it, samples first.

    Returns
    -------
    ndarray
        ``reduce``'s results for the chunk's batches, concatenated along the samples.
    """
    # Each chunk's masks come from its own seed, fixed by the query's seed and the chunk's
    # place in the pool, so they do not depend on which worker scores it or when.
    chunk_seed = derive_seed(seed, start)
    return _mc_forward(estimator, chunk, n_passes, chunk_seed, reduce)


@validate_params(
    {
        "classifier": "no_validation",
        "X_pool": "no_validation",
        "n_instances": "no_validation",
        "n_passes": [Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions(set(MC_DROPOUT_METHODS))],
        "batch_mode": [StrOptions(set(BATCH_MODES))],
        "beta": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def mc_dropout(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    n_passes: int = 20,
    method: str = "bald",
    batch_mode: str = "top",
    beta: float = 1.0,
    random_state=None,
    return_utilities: bool = False,
):
    """Query the pool samples on which ``n_passes`` dropout samples of the network disagree most.

    The MC-dropout query function of the paper (Gal et al., 2017): dropout stays active at
    inference, batch norm in eval mode, and each sample is scored by
    :func:`mc_dropout_utility` of its stochastic predictions, batch by batch on the network's
    device, so only one batch of the pool and its scores sit on the device at a time.

    The network's only dropout layer sits before its linear head
    (:class:`~skactive.networks.HomogeneousNet`), and the body is deterministic at inference
    (no dropout, batch norm in eval mode). So the body runs once per batch and only the head is
    sampled ``n_passes`` times (:meth:`~skactive.networks.HomogeneousNet.head_samples`): the
    same probabilities as ``n_passes`` full passes, about ``n_passes`` times cheaper. The
    network is not modified, so queries may run in several threads at once.

    A memmap or dask array pool is scored chunk by chunk (:func:`skactive.pool.map_pool`):
    memory holds one chunk and one utility per pool sample. Each chunk then draws its masks from
    a seed of its own, derived from ``random_state`` and the chunk's first row, so the query is
    reproducible wherever the chunks run, and equal for a memmap and a dask array chunked
    alike, but not equal to the query of the same pool held in memory.

    Parameters
    ----------
    %(classifier_dropout)s
    %(X_pool_network)s
    %(n_instances)s
    %(n_passes)s
    method : {"bald", "max_entropy", "variation_ratios", "mean_std"}, default="bald"
        Uncertainty score, see :func:`mc_dropout_utility`.
    batch_mode : {"top", "power", "softmax", "softrank"}, default="top"
        How the batch is chosen from the utilities (:func:`select_batch`). A top-k batch of
        BALD scores can crowd onto a few classes; ``"power"`` samples it in proportion to
        ``utility ** beta`` instead (stochastic batch acquisition, Kirsch et al., 2023).
    %(beta)s
    random_state : int, RandomState instance or None, default=None
        Seeds the dropout masks, through a torch generator of their own, and the stochastic
        batch modes.
    return_utilities : bool, default=False
        Also return every pool sample's utility (its ``method`` score).

    Returns
    -------
    %(indices_uncertain)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.strategies import mc_dropout
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), base_width=4, max_epochs=1,
    ...                            inas_iterations=0, random_state=0).fit(X[:50] / 16, y[:50])
    >>> indices, samples = mc_dropout(clf, X[50:150] / 16, n_instances=3, random_state=0)
    >>> samples.shape
    (3, 64)
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    reduce = _UTILITIES[method]
    if is_lazy_pool(X_pool):
        seed = draw_seed(random_state)
        score = partial(mc_chunk_scores, n_passes=n_passes, seed=seed, reduce=reduce)
        utility = map_pool(score, X_pool, network_estimator(classifier, "mc_dropout"))
    else:
        utility = _mc_forward(classifier, X_pool, n_passes, random_state, reduce)
    if batch_mode == "power":
        # Every MC-dropout utility is >= 0 but for float rounding, which power weights refuse.
        utility = np.maximum(utility, 0)
    rng = check_random_state(random_state)
    indices = select_batch(utility, n_instances, batch_mode, beta, rng)
    return pool_result(X_pool, indices, utility if return_utilities else None)
