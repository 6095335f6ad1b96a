"""BatchBALD: a batch whose labels, taken together, tell most about the weights.

Kirsch, van Amersfoort & Gal, "BatchBALD: Efficient and Diverse Batch Acquisition for Deep
Bayesian Active Learning", NeurIPS 2019. BALD scores each sample alone, so a top-k batch of BALD
scores can be made of near copies that all teach the same thing. BatchBALD scores a batch by the
mutual information between its labels *jointly* and the weights,
``I(y_1, ..., y_b; w) = H(y_1, ..., y_b) - sum_i E_w H(y_i | w)``, the ``T`` MC-dropout passes
standing for equally likely weights. That score is submodular, so a batch built greedily, one
sample at a time, comes within ``1 - 1/e`` of the best one.

The joint entropy sums over the ``C**n`` label configurations of the ``n`` samples picked so far.
They are listed while they number at most ``n_configurations``; beyond that,
``n_configurations`` of them are drawn and the entropy is a Monte-Carlo estimate over the draws
(the paper's Section 4). The draws are stratified over the passes, each pass drawing an equal
share, and each drawn configuration takes the label of every later pick from its own pass.

The score cannot exceed ``log T``, the entropy of the passes: once the batch's labels all but
name the pass, every gain is close to zero and later picks hardly differ from one another.
Large batches need more passes.
"""

from __future__ import annotations

from functools import partial
from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, validate_params

from ..pool import is_lazy_pool, map_pool
from ..utils import derive_seed
from ._base import check_n_instances, network_estimator, pool_result, torch_generator
from ._configurations import CHUNK_ELEMENTS, LabelConfigurations
from ._docs import fill_doc
from ._mc_dropout import bald, mc_chunk_scores, mc_dropout_proba

N_CONFIGURATIONS = 1_000
"""Default ``n_configurations``: label configurations kept once they are too many to list."""

LOOKAHEAD = 1024
"""Candidates ranked at a time, highest bound first, by one ``topk`` over the pool."""


def _as_probs(probs, device) -> torch.Tensor:
    probs = torch.as_tensor(probs, device=device)
    if not probs.is_floating_point():
        probs = probs.to(torch.float64)
    if probs.ndim != 3 or 0 in probs.shape:
        raise ValueError(
            f"probs must have shape (n_passes, n_samples, n_classes), got {tuple(probs.shape)}."
        )
    # NaN fails both comparisons.
    if not (probs.min() >= 0 and probs.max() <= 1):
        raise ValueError("probs must hold probabilities, in [0, 1].")
    return probs


def _expected_entropy(probs: torch.Tensor) -> torch.Tensor:
    """``E_w H(y | w)`` of every sample, a block of samples at a time."""
    n_passes, n_pool, n_classes = probs.shape
    rows = max(1, CHUNK_ELEMENTS // (n_passes * n_classes))
    return torch.cat(
        [
            torch.special.entr(probs[:, i : i + rows].to(torch.float64)).sum(dim=2).mean(dim=0)
            for i in range(0, n_pool, rows)
        ]
    )


def _next_pick(probs, expected, bound, configurations) -> int:
    """The candidate of largest gain, scored lazily: highest bound first, until none can win.

    ``bound`` holds each candidate's last gain (``inf`` before its first, ``-inf`` once picked)
    and is updated with the gains scored.
    """
    n_pool, n_classes = probs.shape[1:]
    block = max(1, CHUNK_ELEMENTS // (len(configurations.mass) * n_classes))
    scored = torch.zeros(n_pool, dtype=torch.bool, device=probs.device)
    best_gain, best = -np.inf, n_pool
    while True:
        ranked = min(n_pool, max(block, LOOKAHEAD))
        values, index = torch.topk(bound.masked_fill(scored, -torch.inf), ranked)
        values = values.cpu().numpy()
        # Sorted, so a prefix: the candidates not yet scored whose gain may reach the best.
        n_open = int(np.sum((values > -np.inf) & (values >= best_gain)))
        if n_open == 0:
            return best
        for start in range(0, n_open, block):
            if values[start] < best_gain:
                break
            chunk = index[start : min(start + block, n_open)]
            candidates = probs[:, chunk].to(torch.float64)
            gain = configurations.conditional_entropy(candidates) - expected[chunk]
            bound[chunk] = gain
            scored[chunk] = True
            top = float(gain.max())
            first = int(chunk[gain == top].min())
            if top > best_gain or (top == best_gain and first < best):
                best_gain, best = top, first


_SELECT_PARAMS = {
    "probs": ["array-like"],
    "n_configurations": [Interval(Integral, 1, None, closed="left")],
    "device": "no_validation",
    "random_state": ["random_state"],
}


@validate_params(
    {**_SELECT_PARAMS, "n_instances": "no_validation"}, prefer_skip_nested_validation=True
)
@fill_doc
def batch_bald_select(
    probs,
    n_instances: int,
    *,
    n_configurations: int = N_CONFIGURATIONS,
    device=None,
    random_state=None,
) -> np.ndarray:
    """Greedy BatchBALD: add, one at a time, the sample that raises the batch's information most.

    Step ``n + 1`` picks the pool sample ``x`` maximising ``I(y_1, ..., y_n, y; w)`` with the
    ``n`` picked ones (Kirsch et al., 2019), that is the gain ``H(y | y_1..y_n) - E_w H(y | w)``;
    the first pick is the BALD argmax. The ``T`` passes stand for equally likely weights. The
    configurations of the picked labels are listed, so the gains are exact, at least while
    ``C**n <= n_configurations``; beyond that, ``n_configurations`` of them are drawn (seeded by
    ``random_state``) and each gain is a Monte-Carlo estimate over the draws, as in the paper's
    Section 4.

    The score is submodular, so a sample's gain never grows as the batch grows: each step
    scores candidates in blocks, highest previous gain first, and stops once the best fresh
    gain is at least every previous gain not yet rescored (lazy greedy, Minoux 1978). With
    exact gains that picks what the plain greedy, rescoring the whole pool at every step,
    picks, from far fewer candidates; with drawn configurations the gains are estimates, and an
    earlier estimate may fall below a fresh one where two candidates are that close.

    Cost, with ``M = min(C**n, n_configurations)`` configurations after ``n`` picks: scoring
    one candidate takes ``O(M T C)`` time (a matrix product and ``M C`` logarithms), so a step
    takes at most ``O(n_pool M T C)`` and usually far less; drawing the configurations takes
    ``O(M n (T + C))`` once, extending them ``O(M (T + C))`` per step. Memory holds ``probs``
    (in its dtype; scores are float64), three floats per pool sample, the ``M x T``
    configurations and one block of ``2**18`` float64 values, never ``n_pool x M x C``.
    ``benchmarks/bench_queries.py --batch-bald`` times it.

    Parameters
    ----------
    probs : ndarray or torch.Tensor of shape (n_passes, n_samples, n_classes)
        Class probabilities of every stochastic pass, as :func:`mc_dropout_proba` returns them.
    n_instances : int
        Number of samples to pick.
    %(n_configurations)s
    %(device)s
    random_state : int, RandomState instance or None, default=None
        Seeds the drawn configurations, through a torch generator of their own.

    Returns
    -------
    ndarray of shape (n_instances,)
        Indices into the pool, in the order picked, without repeats; ties go to the lower
        index.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import bald, batch_bald_select
    >>> a, b, c, d = [1.0, 0.0], [0.0, 1.0], [0.95, 0.05], [0.05, 0.95]
    >>> # 4 passes x 3 samples: 0 and 1 are copies, 2 splits the passes another way.
    >>> probs = np.array([[a, a, c], [a, a, d], [b, b, c], [b, b, d]])
    >>> bald(probs).round(3)
    array([0.693, 0.693, 0.495])
    >>> batch_bald_select(probs, 2).tolist()
    [0, 2]
    """
    probs = _as_probs(probs, device)
    n_passes, n_pool, n_classes = probs.shape
    n_instances = check_n_instances(n_instances, n_pool)
    generator = torch_generator(random_state, probs.device)
    configurations = LabelConfigurations(n_passes, n_configurations, generator)
    expected = _expected_entropy(probs)
    bound = torch.full((n_pool,), torch.inf, dtype=torch.float64, device=probs.device)
    picks = []
    for step in range(n_instances):
        picks.append(_next_pick(probs, expected, bound, configurations))
        bound[picks[-1]] = -torch.inf
        if step + 1 < n_instances:
            configurations.extend(probs[:, picks[-1:]].to(torch.float64))
    return np.asarray(picks, dtype=np.intp)


@validate_params(_SELECT_PARAMS, prefer_skip_nested_validation=True)
@fill_doc
def joint_mutual_information(
    probs, *, n_configurations: int = N_CONFIGURATIONS, device=None, random_state=None
) -> float:
    """BatchBALD's score of a batch: ``I(y_1, ..., y_b; w)``, the labels taken jointly.

    ``H(y_1, ..., y_b) - sum_i E_w H(y_i | w)`` (Kirsch et al., 2019), the ``T`` passes
    standing for equally likely weights. The joint entropy is exact while the ``C**b``
    label configurations are at most ``n_configurations``, and estimated from
    ``n_configurations`` drawn ones beyond, as :func:`batch_bald_select` does.

    Parameters
    ----------
    probs : ndarray or torch.Tensor of shape (n_passes, n_samples, n_classes)
        Class probabilities of every stochastic pass for the samples of the batch.
    %(n_configurations)s
    %(device)s
    random_state : int, RandomState instance or None, default=None
        Seeds the drawn configurations.

    Returns
    -------
    float
        The mutual information in nats; for one sample, its BALD score.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import joint_mutual_information
    >>> a, b, c, d = [1.0, 0.0], [0.0, 1.0], [0.95, 0.05], [0.05, 0.95]
    >>> probs = np.array([[a, a, c], [a, a, d], [b, b, c], [b, b, d]])
    >>> # A copy tells nothing more; sample 2 splits the passes another way.
    >>> round(joint_mutual_information(probs[:, [0, 1]]), 3)
    0.693
    >>> round(joint_mutual_information(probs[:, [0, 2]]), 3)
    1.188
    """
    probs = _as_probs(probs, device)
    generator = torch_generator(random_state, probs.device)
    configurations = LabelConfigurations(probs.shape[0], n_configurations, generator)
    configurations.extend(probs.to(torch.float64))
    return configurations.entropy() - float(_expected_entropy(probs).sum())


def _pool_first(probs: torch.Tensor) -> torch.Tensor:
    return probs.transpose(0, 1)


@validate_params(
    {
        "classifier": "no_validation",
        "X_pool": "no_validation",
        "n_instances": "no_validation",
        "n_passes": [Interval(Integral, 1, None, closed="left")],
        "n_configurations": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def batch_bald(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    n_passes: int = 20,
    n_configurations: int = N_CONFIGURATIONS,
    random_state=None,
    return_utilities: bool = False,
):
    """Query the batch of pool samples whose labels jointly tell most about the network.

    BatchBALD (Kirsch et al., 2019): ``n_passes`` MC-dropout samples of the network
    (:func:`mc_dropout_proba`, the body once and the dropout head ``n_passes`` times, batch by
    batch on the network's device), then :func:`batch_bald_select` on the network's device.
    Unlike a top-k batch of BALD scores (:func:`mc_dropout`), the batch does not spend labels
    on samples that tell the same thing.

    Memory holds the ``n_passes x n_pool x n_classes`` float32 probabilities (800 MB for 20
    passes, 10 classes and a pool of 1,000,000), never the pool itself. A memmap or dask array
    pool is run through the network chunk by chunk (:func:`skactive.pool.map_pool`), each chunk
    with dropout masks of its own seed, as :func:`mc_dropout` does, and the probabilities are
    gathered where ``batch_bald`` runs.

    Parameters
    ----------
    %(classifier_dropout)s
    %(X_pool_network)s
    %(n_instances)s
    %(n_passes)s
    n_configurations : int, default=1000
        Most label configurations of the batch kept, see :func:`batch_bald_select`.
    random_state : int, RandomState instance or None, default=None
        Seeds the dropout masks and the drawn configurations, each through a torch generator
        of its own.

    return_utilities : bool, default=False
        Also return every pool sample's utility: its BALD score, the criterion of the first
        pick.

    Returns
    -------
    %(indices_picked)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.strategies import batch_bald
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), base_width=4, max_epochs=1,
    ...                            inas_iterations=0, random_state=0).fit(X[:50] / 16, y[:50])
    >>> indices, samples = batch_bald(clf, X[50:150] / 16, n_instances=3, random_state=0)
    >>> len(set(indices.tolist())), samples.shape
    (3, (3, 64))
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    estimator = network_estimator(classifier, "batch_bald")
    masks_seed, draws_seed = derive_seed(random_state, size=2)
    if is_lazy_pool(X_pool):
        score = partial(mc_chunk_scores, n_passes=n_passes, seed=masks_seed, reduce=_pool_first)
        probs = map_pool(score, X_pool, estimator).transpose(1, 0, 2)
    else:
        probs = mc_dropout_proba(estimator, X_pool, n_passes, random_state=masks_seed)
    indices = batch_bald_select(
        probs,
        n_instances,
        n_configurations=n_configurations,
        device=estimator.device_,
        random_state=draws_seed,
    )
    return pool_result(X_pool, indices, bald(probs) if return_utilities else None)
