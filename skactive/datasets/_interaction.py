"""A synthetic pairwise-interaction screen: find the few gene pairs of strongest effect."""

from __future__ import annotations

import math
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from ._base import Dataset
from ._regression import split_regression

INTERACTION_SEED = 0
"""Seed of ``load_dataset("interaction")``: :func:`make_interaction` with its defaults."""


def _pathway_size(n_synergistic: int, n_genes: int) -> int:
    """Genes of the hidden pathway: the fewest whose pairs number at least twice the
    synergistic pairs, so that half of the pathway's pairs are synergistic at most."""
    size = math.ceil((1 + math.sqrt(1 + 16 * n_synergistic)) / 2)
    return min(max(size, 2), n_genes)


@validate_params(
    {
        "n_genes": [Interval(Integral, 3, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "rank": [Interval(Integral, 1, None, closed="left")],
        "n_synergistic": [Interval(Integral, 0, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "synergy": [Interval(Real, 0, None, closed="left")],
        "top_fraction": [Interval(Real, 0, 1, closed="right")],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_interaction(
    n_genes: int = 110,
    n_features: int = 8,
    rank: int = 3,
    n_synergistic: int = 20,
    noise: float = 0.25,
    *,
    synergy: float = 4.0,
    top_fraction: float = 0.01,
    test_size: float = 0.2,
    random_state=None,
) -> Dataset:
    """A double-knockdown screen in miniature: every pair of genes, a few strongly synergistic.

    After the setting of Zhu et al. (2025), who search all pairwise knockdowns of 356 genes
    for the pairs that inhibit a virus most, from gene embeddings: each gene has an
    embedding of ``n_features`` standard normal values, each sample is an unordered pair of
    distinct genes ``(a, b)``, and its features are ``e_a + e_b`` and ``e_a * e_b`` (2 *
    ``n_features`` values, the same for ``(b, a)``). Its target is the sum of

    - a low-rank interaction, learnable from the embeddings: ``sum_k w_k u_ak u_bk`` with gene
      factors ``u = tanh(e P)`` for a random ``P`` of ``rank`` columns and random weights
      ``w``, scaled to mean 0 and standard deviation 1 over all pairs;
    - a synergy of ``synergy`` on ``n_synergistic`` pairs, drawn among the pairs of a hidden
      pathway: the genes whose embeddings reach furthest along a random direction, as few as
      give twice as many pairs as are synergistic. A model can learn where the pathway lies,
      not which of its pairs are synergistic;
    - Gaussian noise of standard deviation ``noise``, the measurement's.

    The goal of the screen is to find the pairs of largest target: ``top_fraction`` (1%) of the
    pool, which the synergistic pairs mostly fall into. :func:`skactive.experiment.run_experiment`
    with ``top_fraction`` records the share of them labeled after each round (their recall)
    beside the test error.

    The defaults make 110 genes, 5,995 pairs, split at random into 4,796 for the pool and
    1,199 for the test set (``test_size=0.2``); the top 1% of the pool is 48 pairs.

    Parameters
    ----------
    n_genes : int, default=110
        Genes; the samples are their ``n_genes * (n_genes - 1) / 2`` pairs.
    n_features : int, default=8
        Values of a gene's embedding; a pair has twice as many features.
    rank : int, default=3
        Rank of the low-rank interaction.
    n_synergistic : int, default=20
        Synergistic pairs, at most the number of pairs.
    noise : float, default=0.25
        Standard deviation of the measurement noise, in units of the low-rank part's.
    synergy : float, default=4.0
        What a synergistic pair adds to its target, in the same units.
    top_fraction : float, default=0.01
        The fraction of the pool with the largest targets that the screen looks for, kept in
        the dataset's ``top_fraction``.
    test_size : float, default=0.2
        Fraction of the pairs in the test set, drawn at random.
    random_state : int, RandomState instance or None, default=None
        Seed of the embeddings, the interaction, the synergistic pairs, the noise and the split;
        ``load_dataset("interaction")`` uses :data:`INTERACTION_SEED`.

    Returns
    -------
    Dataset
        Named ``"interaction"``, ``task="regression"``, ``top_fraction`` as given; features
        standardised with the pool's statistics, float32; targets float64.

    Raises
    ------
    ValueError
        If ``n_synergistic`` exceeds the number of pairs.

    References
    ----------
    H. Zhu, M. Silva, J. Cadena, B. Soper, M. Lisicki, B. Peetoom, S. E. Baranzini,
    S. Sundaram, P. Ray and J. Drocco, "Deep Active Learning based Experimental Design to
    Uncover Synergistic Genetic Interactions for Host Targeted Therapeutics", GLBIO 2025,
    arXiv:2502.01012.

    Examples
    --------
    >>> from skactive.datasets import make_interaction
    >>> data = make_interaction(random_state=0)
    >>> data.X_train.shape, data.X_test.shape, data.top_fraction
    ((4796, 16), (1199, 16), 0.01)
    """
    first, second = np.triu_indices(n_genes, k=1)
    n_pairs = len(first)
    if n_synergistic > n_pairs:
        raise ValueError(
            f"n_synergistic={n_synergistic} exceeds the {n_pairs} pairs of {n_genes} genes."
        )
    rng = check_random_state(random_state)
    embeddings = rng.standard_normal((n_genes, n_features))
    factors = np.tanh(embeddings @ rng.standard_normal((n_features, rank)) / math.sqrt(n_features))
    weights = rng.standard_normal(rank)
    low_rank = (factors[first] * factors[second]) @ weights
    low_rank = (low_rank - low_rank.mean()) / low_rank.std()
    reach = embeddings @ rng.standard_normal(n_features)
    pathway = np.argsort(-reach)[: _pathway_size(n_synergistic, n_genes)]
    within = np.flatnonzero(np.isin(first, pathway) & np.isin(second, pathway))
    bonus = np.zeros(n_pairs)
    bonus[rng.choice(within, n_synergistic, replace=False)] = synergy
    y = low_rank + bonus + noise * rng.standard_normal(n_pairs)
    X = np.hstack([embeddings[first] + embeddings[second], embeddings[first] * embeddings[second]])
    split = split_regression("interaction", X, y, test_size, rng)
    return replace(split, top_fraction=float(top_fraction))
