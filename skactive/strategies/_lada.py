"""LADA: look-ahead data acquisition via augmentation, the InfoMixup variant.

Kim, Song, Kim & Moon (NeurIPS 2021), "LADA: Look-Ahead Data Acquisition via Augmentation for
Deep Active Learning". Training with augmentation will also train on the virtual samples made
from what is labeled, so LADA scores a candidate together with its virtual sample: the pool is
cut into random pairs, each pair is mixed at the ratio that makes the mixed sample most
informative (InfoMixup), and a pair is worth the acquisition scores of its two members and of
their mix. Learned from the authors' code (github.com/YoonyeongKim/LADA, ``utils_al.py`` and
``method_InfoManifoldAcqBeta.py``), which scores a random pool subset split into two halves,
``U(x_i) + U(x_j) + U(mix)`` with max entropy, and acquires both members of the best pairs.
"""

from __future__ import annotations

from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..pool import map_pool
from ..training import forward_batches
from ..utils import derive_seed, draw_seed
from ._base import check_n_instances, network_estimator, pool_result, select_top
from ._docs import fill_doc
from ._uncertainty import entropy

LADA_ACQUISITIONS = ("entropy", "least_confidence")
"""Values of ``acquisition`` of :func:`lada`: the paper's max entropy, or softmax response."""

_RATIO_BOUND = 1e-3
"""Mixing ratios stay in [0.001, 0.999]: at 0 or 1 the mix is one of the pair, no new sample."""


def _acquisition(proba: torch.Tensor, acquisition: str) -> torch.Tensor:
    if acquisition == "entropy":
        return entropy(proba)
    return 1.0 - proba.max(dim=-1).values


def _pair_scores(module, batch, *, acquisition, mixup_ratio, n_steps, step_size):
    """``[U(a) + U(b) + U(mix), ratio]`` for a batch of pairs ``batch[:, 0], batch[:, 1]``."""

    def score(x):
        return _acquisition(torch.softmax(module(x).float(), dim=-1), acquisition)

    # forward_batches runs under inference mode; the ratio's gradient needs a graph, so the
    # pairs are copied out of it (an inference tensor cannot be saved for backward).
    with torch.inference_mode(False), torch.enable_grad():
        first, second = batch[:, 0].clone(), batch[:, 1].clone()
        with torch.no_grad():
            own = score(first) + score(second)
        shape = (-1, *[1] * (first.ndim - 1))
        ratio = torch.full((len(first),), mixup_ratio, device=first.device)
        best = torch.full_like(ratio, -torch.inf)
        best_ratio = ratio.clone()
        # n_steps of gradient ascent visit n_steps + 1 ratios; the best one seen is kept, so
        # the optimised ratio never scores below the initial one, whatever the step size.
        for step in range(n_steps + 1):
            ratio = ratio.detach().requires_grad_(step < n_steps)
            share = ratio.reshape(shape).to(first.dtype)
            mixed = score(share * first + (1 - share) * second)
            better = mixed.detach() > best
            best = torch.where(better, mixed.detach(), best)
            best_ratio = torch.where(better, ratio.detach(), best_ratio)
            if step < n_steps:
                # Pairs are independent in eval mode: d(sum)/d(ratio_i) = dU_i/d(ratio_i).
                (gradient,) = torch.autograd.grad(mixed.sum(), ratio)
                ratio = ratio + step_size * gradient
                ratio = ratio.clamp(_RATIO_BOUND, 1 - _RATIO_BOUND)
    return torch.stack([own + best, best_ratio], dim=1)


@validate_params(
    {
        "classifier": "no_validation",
        "X_first": "no_validation",
        "X_second": "no_validation",
        "acquisition": [StrOptions(set(LADA_ACQUISITIONS))],
        "mixup_ratio": [Interval(Real, 0, 1, closed="neither")],
        "n_steps": [Interval(Integral, 0, None, closed="left")],
        "step_size": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def lada_scores(
    classifier,
    X_first,
    X_second,
    *,
    acquisition: str = "entropy",
    mixup_ratio: float = 0.5,
    n_steps: int = 10,
    step_size: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """LADA's score of pairs of samples, with the InfoMixup ratio of each pair.

    For a pair ``(a, b)`` and the network's acquisition score ``U``, the virtual sample is
    ``mix(r) = r * a + (1 - r) * b``; InfoMixup finds the ratio ``r*`` that maximises
    ``U(mix(r))`` by ``n_steps`` of gradient ascent, ``r <- clip(r + step_size * dU/dr)`` within
    (0, 1) from ``r = mixup_ratio``, the network in eval mode and the gradient by autograd,
    keeping the best ratio visited. The pair's score is ``U(a) + U(b) + U(mix(r*))``.

    Parameters
    ----------
    %(classifier_network)s
    X_first, X_second : array-like of shape (n_pairs, n_features) or (n_pairs,) + input_shape
        The pairs' members.
    acquisition : {"entropy", "least_confidence"}, default="entropy"
        ``U``: the entropy of the predicted distribution in nats (the paper's max entropy),
        or one minus its largest probability (softmax response).
    mixup_ratio : float, default=0.5
        Initial ratio, in (0, 1).
    n_steps : int, default=10
        Gradient-ascent steps on the ratio; 0 keeps ``mixup_ratio``.
    step_size : float, default=0.05
        Step of the ascent on the ratio.

    Returns
    -------
    scores : ndarray of shape (n_pairs,)
        ``U(a) + U(b) + U(mix(r*))``.
    ratios : ndarray of shape (n_pairs,)
        ``r*``, each pair's optimised ratio.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.strategies import lada_scores
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ActiveINASClassifier(block="mlp", base_width=4, max_epochs=1,
    ...                            inas_iterations=0, random_state=0).fit(X[:50] / 16, y[:50])
    >>> scores, ratios = lada_scores(clf, X[50:53] / 16, X[53:56] / 16, n_steps=3)
    >>> scores.shape, bool(((ratios > 0) & (ratios < 1)).all())
    ((3,), True)
    """
    estimator = network_estimator(classifier, "lada")
    first, second = estimator.network_input(X_first), estimator.network_input(X_second)
    if first.shape != second.shape:
        raise ValueError(
            f"X_first and X_second must hold as many samples of one shape; got {first.shape} "
            f"and {second.shape}."
        )
    settings = {
        "acquisition": acquisition,
        "mixup_ratio": mixup_ratio,
        "n_steps": n_steps,
        "step_size": step_size,
    }
    return _network_scores(estimator, first, second, settings)


def _network_scores(estimator, first, second, settings):
    """:func:`lada_scores` of pairs already shaped as the network's input."""
    score = partial(_pair_scores, **settings)
    rows = forward_batches(estimator.net_, np.stack([first, second], axis=1), score)
    return rows[:, 0].astype(np.float64), rows[:, 1].astype(np.float64)


def random_pairs(n_samples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``n_samples`` samples into random pairs, as LADA's look-ahead scores them.

    A random permutation's first half is paired with its second half; with an odd number of
    samples the one left over gets a partner drawn among the others (with one sample, itself).

    Parameters
    ----------
    n_samples : int
        Number of samples.
    rng : numpy.random.Generator
        Source of the permutation.

    Returns
    -------
    first, second : ndarray of shape (ceil(n_samples / 2),), int
        The pairs' members; every sample is in ``first`` or ``second``, the one left over
        as the last of ``first``.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import random_pairs
    >>> first, second = random_pairs(5, np.random.default_rng(0))
    >>> len(first), sorted(set(first.tolist()) | set(second.tolist()))
    (3, [0, 1, 2, 3, 4])
    """
    order = rng.permutation(n_samples)
    half = n_samples // 2
    first, second = order[:half], order[half : 2 * half]
    if n_samples % 2:
        partner = order[rng.integers(n_samples - 1)] if n_samples > 1 else order[0]
        first, second = np.append(first, order[-1]), np.append(second, partner)
    return first, second


def _chunk_utility(chunk, start, estimator, seed, settings):
    # Pairs are drawn within a chunk, from a seed fixed by the query's seed and the chunk's
    # place in the pool, so a lazy pool gives the same pairs wherever its chunks are scored.
    first, second = random_pairs(len(chunk), np.random.default_rng(derive_seed(seed, start)))
    X = estimator.network_input(chunk)
    scores, _ = _network_scores(estimator, X[first], X[second], settings)
    utility = np.empty(len(chunk))
    half = len(chunk) // 2
    # The sample left over shares its pair's score; its partner keeps its own pair's.
    utility[second[:half]] = scores[:half]
    utility[first] = scores
    return utility


@validate_params(
    {
        "classifier": "no_validation",
        "X_pool": "no_validation",
        "n_instances": "no_validation",
        "acquisition": [StrOptions(set(LADA_ACQUISITIONS))],
        "mixup_ratio": [Interval(Real, 0, 1, closed="neither")],
        "n_steps": [Interval(Integral, 0, None, closed="left")],
        "step_size": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def lada(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    acquisition: str = "entropy",
    mixup_ratio: float = 0.5,
    n_steps: int = 10,
    step_size: float = 0.05,
    random_state=None,
    return_utilities: bool = False,
):
    """Query the pool pairs most informative together with their InfoMixup virtual sample.

    LADA with InfoMixup (Kim et al., NeurIPS 2021): the pool is cut into random pairs
    (:func:`random_pairs`), each pair scored by :func:`lada_scores`,
    ``U(x_i) + U(x_j) + U(mix(r*))`` with ``r*`` the ratio maximising the mix's acquisition
    score, and every sample gets its pair's score as utility; the top utilities are queried,
    so the best pairs come in whole (but the last, when ``n_instances`` is odd).

    What the reference code does otherwise, and why not here:

    - It mixes feature maps of a randomly drawn early layer (manifold mixup); here the inputs
      are mixed, which is what the estimator's ``mixup`` training trains on and works for
      every block.
    - A small policy network there outputs, per pair, the ``alpha`` of a ``Beta(alpha,
      alpha)`` from which ratios are drawn, trained by Adam on the mixes' entropy; here each
      pair's ratio is optimised directly, the paper's InfoMixup objective without the policy
      network.
    - It then trains on the acquired pairs mixed at their learned ratios. Here training
      with ``ActiveINASClassifier(mixup=alpha)`` mixes labeled samples with partners of their
      batch at ratios drawn from ``Beta(alpha, alpha)`` (the reference's fixed-ratio
      setting, ``alpha=2``), derived from the training's seed: the queried pairs and their
      ratios are not carried to training. They belong to the network that scored them,
      which is replaced at the next training, and keeping them would store more than the
      paid-for labels in the estimator and its checkpoint; a pair may also not be labeled
      whole.
    - It scores a random subset of 2,000 pool samples; here the whole pool is scored (pass
      a subset to score fewer).
    - InfoSTN, LADA's learned spatial transform, is not implemented.

    Parameters
    ----------
    %(classifier_network)s
    %(X_pool_network)s
        The pairs are drawn within each chunk.
    %(n_instances)s
    acquisition : {"entropy", "least_confidence"}, default="entropy"
        The acquisition score ``U``: max entropy, the paper's, or softmax response.
    mixup_ratio : float, default=0.5
        Ratio the ascent starts from, in (0, 1).
    n_steps : int, default=10
        Gradient-ascent steps on each pair's ratio; 0 scores the mix at ``mixup_ratio``.
    step_size : float, default=0.05
        Step of the ascent, see :func:`lada_scores`. Over 100 pairs of 8x8 digits scored by
        a network trained on 300, 10 steps of 0.05 raised the mixes' entropy more on
        average than steps of 0.01, 0.2 or 1.
    random_state : int, RandomState instance or None, default=None
        Seeds the pairs.
    return_utilities : bool, default=False
        Also return every pool sample's utility, its pair's score.

    Returns
    -------
    %(indices_picked)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.strategies import lada
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), base_width=4, max_epochs=1,
    ...                            inas_iterations=0, random_state=0).fit(X[:50] / 16, y[:50])
    >>> indices, samples = lada(clf, X[50:150] / 16, n_instances=4, random_state=0)
    >>> samples.shape
    (4, 64)
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    estimator = network_estimator(classifier, "lada")
    settings = {
        "acquisition": acquisition,
        "mixup_ratio": mixup_ratio,
        "n_steps": n_steps,
        "step_size": step_size,
    }
    score = partial(_chunk_utility, seed=draw_seed(random_state), settings=settings)
    utility = map_pool(score, X_pool, estimator)
    indices = select_top(utility, n_instances)
    return pool_result(X_pool, indices, utility if return_utilities else None)
