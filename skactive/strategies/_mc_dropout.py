"""MC-dropout: stochastic forward passes of the network and the uncertainty scores built on them.

Gal, Islam & Ghahramani (2017), "Deep Bayesian active learning with image data": keep dropout
active at inference, run ``T`` passes, and score each sample by how much the passes disagree.
The scores take probabilities of shape ``(T, n_samples, n_classes)``, as NumPy arrays or torch
tensors (on any device), and return one value per sample of the same kind.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from functools import partial
from numbers import Integral

import numpy as np
import torch
from sklearn.utils import check_random_state
from torch import nn

from ..pool import is_lazy_pool, map_pool
from ..training import generator_dropout
from ..utils import SEED_MAX, draw_seed
from ._base import (
    check_n_instances,
    network_estimator,
    pool_result,
    torch_generator,
)
from ._batch import select_batch
from ._uncertainty import entropy

_DROPOUT = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)
"""Dropout layers that MC-dropout samples; the channel-wise ones drop whole channels."""


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


def mc_dropout_utility(probs, method: str = "bald"):
    """Score each sample from ``T`` stochastic predictions; higher means more uncertain.

    Parameters
    ----------
    probs : ndarray or torch.Tensor of shape (n_passes, n_samples, n_classes)
        Class probabilities of every stochastic pass.
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
    if method not in _UTILITIES:
        raise ValueError(f"method must be one of {MC_DROPOUT_METHODS}, got {method!r}.")
    is_tensor = isinstance(probs, torch.Tensor)
    tensor = probs if is_tensor else torch.from_numpy(np.asarray(probs, dtype=np.float64))
    if tensor.ndim != 3:
        raise ValueError(
            f"probs must have shape (n_passes, n_samples, n_classes), got {tuple(tensor.shape)}."
        )
    utility = _UTILITIES[method](tensor)
    return utility if is_tensor else utility.numpy()


def bald(probs):
    """BALD score: ``H(mean_t p_t) - mean_t H(p_t)``, see :func:`mc_dropout_utility`.

    Parameters
    ----------
    probs : ndarray or torch.Tensor of shape (n_passes, n_samples, n_classes)
        Class probabilities of every stochastic pass.

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


@contextmanager
def _sampled_dropout(module: nn.Module, generator: torch.Generator):
    """Make the dropout layers of ``module`` drop with masks from ``generator``, in eval mode.

    The network stays in eval mode, so batch norm uses its running statistics; a forward hook
    replaces each dropout layer's identity output with a freshly masked input. Drawing the masks
    from our own generator keeps the global torch RNG untouched and the passes reproducible.
    Yields the number of layers sampled.
    """

    def drop(layer, inputs, output):
        x = inputs[0]
        shape = None if isinstance(layer, nn.Dropout) else (*x.shape[:2],) + (1,) * (x.ndim - 2)
        return generator_dropout(x, layer.p, generator, shape)

    layers = [m for m in module.modules() if isinstance(m, _DROPOUT) and m.p > 0]
    handles = [layer.register_forward_hook(drop) for layer in layers]
    try:
        yield len(layers)
    finally:
        for handle in handles:
            handle.remove()


def _stochastic_passes(module, x, n_passes: int, head_only: bool) -> torch.Tensor:
    """Softmax outputs of ``n_passes`` passes of one batch, shape (n_passes, batch, classes)."""
    if head_only:
        features = module.features(x)
        outputs = [module.head(features) for _ in range(n_passes)]
    else:
        outputs = [module(x) for _ in range(n_passes)]
    return torch.softmax(torch.stack(outputs).float(), dim=-1)


def _mc_forward(classifier, X, n_passes, head_only, random_state, reduce) -> np.ndarray:
    """Run the stochastic passes batch by batch on the network's device; ``reduce`` each batch."""
    if isinstance(n_passes, bool) or not isinstance(n_passes, Integral) or n_passes < 1:
        raise ValueError(f"n_passes must be an integer >= 1, got {n_passes!r}.")
    estimator = network_estimator(classifier, "mc_dropout")
    module = estimator.net_.module_
    sampled = module.head if head_only else module
    if head_only:
        head_layers = set(module.head.modules())
        if any(
            isinstance(m, _DROPOUT) and m.p > 0 and m not in head_layers for m in module.modules()
        ):
            warnings.warn(
                "head_only=True samples only the dropout of the head, but this network also has "
                "dropout before it; use head_only=False for full MC-dropout.",
                UserWarning,
                stacklevel=3,
            )
    generator = torch_generator(random_state, estimator.device_)
    with _sampled_dropout(sampled, generator) as n_layers:
        if n_layers == 0:
            raise ValueError(
                "mc_dropout needs dropout in the network: the estimator was trained with "
                "dropout=0; refit it with dropout > 0 or use another strategy."
            )
        return estimator.forward_batches(
            X, lambda m, x: reduce(_stochastic_passes(m, x, n_passes, head_only))
        )


def mc_dropout_proba(
    classifier, X, n_passes: int = 20, *, head_only: bool = True, random_state=None
) -> np.ndarray:
    """Class probabilities of ``n_passes`` stochastic forward passes, dropout active.

    Batch norm stays in eval mode; the pool goes to the network's device one batch at a time.

    Parameters
    ----------
    classifier : ActiveINASClassifier or modAL ActiveLearner wrapping one
        A fitted estimator, trained with ``dropout > 0``.
    X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
        Samples.
    n_passes : int, default=20
        Number of stochastic passes T.
    head_only : bool, default=True
        Compute the features once and sample only the dropout head T times (see
        :func:`mc_dropout` for when this equals full passes); False runs the whole network
        T times.
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
    probs = _mc_forward(
        classifier, X, n_passes, head_only, random_state, lambda p: p.transpose(0, 1)
    )
    return probs.transpose(1, 0, 2)


def _chunk_mc_utility(chunk, start, estimator, n_passes, head_only, seed, reduce):
    # Each chunk's masks come from its own seed, fixed by the query's seed and the chunk's
    # place in the pool, so they do not depend on which worker scores it or when.
    chunk_seed = int(np.random.SeedSequence([seed, start]).generate_state(1)[0] % SEED_MAX)
    return _mc_forward(estimator, chunk, n_passes, head_only, chunk_seed, reduce)


def mc_dropout(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    n_passes: int = 20,
    method: str = "bald",
    head_only: bool = True,
    batch_mode: str = "top",
    beta: float = 1.0,
    random_state=None,
):
    """Query the pool samples on which ``n_passes`` dropout samples of the network disagree most.

    The MC-dropout query function of the paper (Gal et al., 2017): dropout stays active at
    inference, batch norm in eval mode, and each sample is scored by
    :func:`mc_dropout_utility` of its stochastic predictions, batch by batch on the network's
    device, so only one batch of the pool and its scores sit on the device at a time.

    With ``head_only=True`` the body runs once per batch and only the head (dropout, then the
    linear layer) is sampled ``n_passes`` times: about ``n_passes`` times cheaper. This equals
    full MC-dropout exactly when dropout sits only in the head, because the body's output is
    then deterministic (no dropout, batch norm in eval mode) and identical in every pass. That
    is the case for every network of the search space (:class:`~skactive.search_space.
    HomogeneousNet` has a single dropout layer, before its head), where both variants give the
    same probabilities for the same ``random_state``. For a network with dropout in its body,
    ``head_only=True`` warns and ``head_only=False`` samples every dropout layer.

    A memmap or dask array pool is scored chunk by chunk (:func:`skactive.pool.map_pool`):
    memory holds one chunk and one utility per pool sample. Each chunk then draws its masks from
    a seed of its own, derived from ``random_state`` and the chunk's first row, so the query is
    reproducible wherever the chunks run, and equal for a memmap and a dask array chunked
    alike, but not equal to the query of the same pool held in memory.

    Parameters
    ----------
    classifier : ActiveINASClassifier or modAL ActiveLearner wrapping one
        A fitted estimator, trained with ``dropout > 0``.
    X_pool : array-like of shape (n_pool, n_features) or (n_pool,) + input_shape
        Unlabeled samples; a NumPy memmap or a dask array is read chunk by chunk
        (:func:`skactive.pool.map_pool`).
    n_instances : int, default=1
        Number of samples to query.
    n_passes : int, default=20
        Number of stochastic passes T.
    method : {"bald", "max_entropy", "variation_ratios", "mean_std"}, default="bald"
        Uncertainty score, see :func:`mc_dropout_utility`.
    head_only : bool, default=True
        Sample only the dropout head on features computed once.
    batch_mode : {"top", "power", "softmax", "softrank"}, default="top"
        How the batch is chosen from the utilities (:func:`select_batch`). A top-k batch of
        BALD scores can crowd onto a few classes; ``"power"`` samples it in proportion to
        ``utility ** beta`` instead (stochastic batch acquisition, Kirsch et al., 2023).
    beta : float, default=1.0
        Inverse temperature of the stochastic modes.
    random_state : int, RandomState instance or None, default=None
        Seeds the dropout masks, through a torch generator of their own, and the stochastic
        batch modes.

    Returns
    -------
    indices : ndarray of shape (n_instances,)
        Indices into ``X_pool``, most uncertain first.
    samples : array-like
        ``X_pool[indices]``, a NumPy array for a memmap or dask array pool.

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
    if method not in _UTILITIES:
        raise ValueError(f"method must be one of {MC_DROPOUT_METHODS}, got {method!r}.")
    reduce = _UTILITIES[method]
    if is_lazy_pool(X_pool):
        seed = draw_seed(random_state)
        score = partial(
            _chunk_mc_utility, n_passes=n_passes, head_only=head_only, seed=seed, reduce=reduce
        )
        utility = map_pool(score, X_pool, network_estimator(classifier, "mc_dropout"))
    else:
        utility = _mc_forward(classifier, X_pool, n_passes, head_only, random_state, reduce)
    if batch_mode == "power":
        # Every MC-dropout utility is >= 0 but for float rounding, which power weights refuse.
        utility = np.maximum(utility, 0)
    rng = check_random_state(random_state)
    return pool_result(X_pool, select_batch(utility, n_instances, batch_mode, beta, rng))
