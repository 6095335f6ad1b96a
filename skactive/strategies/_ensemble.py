"""Deep ensembles: several networks, and the pool samples on which they disagree most.

Beluch et al. (CVPR 2018), "The power of ensembles for active learning in image
classification": ``M`` networks trained from different initialisations estimate the model's
uncertainty better than MC-dropout's samples of one network, and their disagreement picks the
batch. The scores are those of MC-dropout over passes (:mod:`._mc_dropout`), taken over the
members instead: BALD, the variation ratio, and the entropy of the mean prediction. Active-iNAS
also has a committee that costs no training: the candidates each search step trains anyway
(:meth:`~skactive.ActiveINASClassifier.committee`).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..pool import map_pool
from ..training import network_proba
from ._base import check_n_instances, network_estimator, pool_result
from ._batch import BATCH_MODES, select_batch
from ._docs import fill_doc
from ._mc_dropout import bald, mc_dropout_utility
from ._uncertainty import entropy

COMMITTEES = ("members", "candidates")
"""Values of ``kind`` accepted by :meth:`~skactive.ActiveINASClassifier.committee`."""


ENSEMBLE_METHODS = ("bald", "variation_ratio", "entropy")
"""Values of ``method`` accepted by :func:`ensemble` and :func:`ensemble_utility`."""


def _member_probs(probs) -> np.ndarray:
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 3:
        raise ValueError(
            f"probs must have shape (n_members, n_samples, n_classes), got {probs.shape}."
        )
    return probs


@fill_doc
def variation_ratio(probs) -> np.ndarray:
    """Variation ratio: the share of members that do not vote for the modal class.

    Freeman (1965); ``1 - f / M``, where ``f`` counts the members whose most probable class is
    the one most of them choose. 0 where every member votes alike.

    Parameters
    ----------
    %(probs_members)s

    Returns
    -------
    ndarray of shape (n_samples,)
        The scores, in ``[0, 1 - 1 / n_members]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import variation_ratio
    >>> probs = np.array([[[0.9, 0.1], [0.8, 0.2]],
    ...                   [[0.2, 0.8], [0.7, 0.3]],
    ...                   [[0.6, 0.4], [0.9, 0.1]]])
    >>> variation_ratio(probs).round(4)
    array([0.3333, 0.    ])
    """
    return mc_dropout_utility(_member_probs(probs), "variation_ratios")


@fill_doc
def predictive_entropy(probs) -> np.ndarray:
    """Entropy of the members' mean prediction, in nats.

    The total uncertainty of the ensemble: high where the members disagree, and also where
    they agree on a flat prediction. BALD is its part that is disagreement.

    Parameters
    ----------
    %(probs_members)s

    Returns
    -------
    ndarray of shape (n_samples,)
        ``H(mean_m p_m)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import predictive_entropy
    >>> probs = np.array([[[1.0, 0.0], [0.5, 0.5]],
    ...                   [[0.0, 1.0], [0.5, 0.5]]])
    >>> predictive_entropy(probs).round(4)
    array([0.6931, 0.6931])
    """
    return entropy(_member_probs(probs).mean(axis=0))


_UTILITIES = {
    "bald": bald,
    "variation_ratio": variation_ratio,
    "entropy": predictive_entropy,
}


@validate_params(
    {"probs": ["array-like"], "method": [StrOptions(set(ENSEMBLE_METHODS))]},
    prefer_skip_nested_validation=True,
)
@fill_doc
def ensemble_utility(probs, method: str = "bald") -> np.ndarray:
    """Score each sample by the disagreement of an ensemble; higher means more uncertain.

    Parameters
    ----------
    %(probs_members)s
    method : {"bald", "variation_ratio", "entropy"}, default="bald"
        - ``"bald"``: mutual information between the prediction and the member,
          ``H(mean_m p_m) - mean_m H(p_m)`` (:func:`bald`, the formula of MC-dropout's
          BALD over members instead of dropout masks): 0 for identical members, ``log 2``
          for two members sure of different classes.
        - ``"variation_ratio"``: the share of members outvoted by the modal class
          (:func:`variation_ratio`).
        - ``"entropy"``: entropy of the mean prediction (:func:`predictive_entropy`).

    Returns
    -------
    ndarray of shape (n_samples,)
        The scores, float64; entropies in nats.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import ensemble_utility
    >>> probs = np.array([[[1.0, 0.0], [0.5, 0.5]],
    ...                   [[0.0, 1.0], [0.5, 0.5]]])
    >>> ensemble_utility(probs, "bald").round(4)
    array([0.6931, 0.    ])
    """
    return np.asarray(_UTILITIES[method](_member_probs(probs)), dtype=np.float64)


def _committee_chunk(chunk, start, estimator, networks, method):
    X = estimator.network_input(chunk)
    return ensemble_utility(np.stack([network_proba(net, X) for net in networks]), method)


@validate_params(
    {
        "classifier": "no_validation",
        "X_pool": "no_validation",
        "n_instances": "no_validation",
        "n_members": [Interval(Integral, 2, None, closed="left")],
        "committee": [StrOptions(set(COMMITTEES))],
        "method": [StrOptions(set(ENSEMBLE_METHODS))],
        "batch_mode": [StrOptions(set(BATCH_MODES))],
        "beta": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "return_utilities": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def ensemble(
    classifier,
    X_pool,
    n_instances: int = 1,
    *,
    n_members: int = 5,
    committee: str = "members",
    method: str = "bald",
    batch_mode: str = "top",
    beta: float = 1.0,
    random_state=None,
    return_utilities: bool = False,
):
    """Query the pool samples on which a committee of networks disagrees most.

    Deep-ensemble active learning (Beluch et al., 2018): every network of the committee
    scores the pool, and :func:`ensemble_utility` turns their predictions into one score per
    sample.

    - ``committee="members"``: ``n_members`` networks of the current architecture trained on
      the whole labeled set from different seeds, ``net_`` among them. The others train on
      the first query for a labeled set (``n_members - 1`` trainings of the final network's
      budget) and are kept until labels are taught; their cost goes into the round's
      ``history_`` entry (``ensemble_seconds``, ``ensemble_steps``). Their seeds come from
      the estimator's ``random_state`` and the number of labels, not from this query's
      ``random_state``, so the same labels and seed give the same members.
    - ``committee="candidates"``: the networks of the last search step, free: they trained
      anyway, on the search's split of the labels, each of its own architecture.

    See :meth:`~skactive.ActiveINASClassifier.committee`.

    Parameters
    ----------
    %(classifier_network)s
    %(X_pool_network)s
    %(n_instances)s
    n_members : int, default=5
        Size of the ``"members"`` committee, ``net_`` included; at least 2. Ignored by
        ``"candidates"``.
    committee : {"members", "candidates"}, default="members"
        Which networks vote.
    method : {"bald", "variation_ratio", "entropy"}, default="bald"
        Disagreement score, see :func:`ensemble_utility`.
    %(batch_mode)s
    %(beta)s
    random_state : int, RandomState instance or None, default=None
        Seed of the stochastic batch modes.
    return_utilities : bool, default=False
        Also return every pool sample's utility, the committee's disagreement on it.

    Returns
    -------
    %(indices_uncertain)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.strategies import ensemble
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), base_width=4, max_epochs=1,
    ...                            inas_iterations=0, random_state=0).fit(X[:50], y[:50])
    >>> indices, samples = ensemble(clf, X[50:150], n_instances=3, n_members=2)
    >>> samples.shape
    (3, 64)
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    estimator = network_estimator(classifier, "ensemble")
    networks = estimator.committee(committee, n_members)
    utility = map_pool(_committee_chunk, X_pool, estimator, networks, method)
    if batch_mode == "power":
        # Every ensemble utility is >= 0 but for float rounding, which power weights refuse.
        utility = np.maximum(utility, 0)
    rng = check_random_state(random_state)
    indices = select_batch(utility, n_instances, batch_mode, beta, rng)
    return pool_result(X_pool, indices, utility if return_utilities else None)
