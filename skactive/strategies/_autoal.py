"""AutoAL: a differentiable search over candidate query strategies, fitted on the labeled set.

Wang, Zhan & Huang, "AutoAL: Automated Active Learning with Differentiable Query Strategy
Search" (ICML 2025, arXiv:2410.13853; reference code ``haizailache999/AutoAL``, whose
``AL_model.py`` holds the bi-level step). Two networks work on the labeled set, split in a part
to fit on and a held-out part, as a search splits it. FitNet, the task network with Yoo &
Kweon's loss-prediction module, fits the first part (lower level). SearchNet scores every
sample by a mixture of the candidate strategies' scores whose weights it computes for that
sample, and is updated so that its scores put their mass on the held-out samples that FitNet
gets most wrong (upper level). The query is the pool's top samples by SearchNet's score.

How this module makes it cheap enough to run at every query, on the CPU:

- FitNet's body is the estimator's trained network, not a second network trained per query:
  the lower level refits FitNet's classifier, a softmax layer over the network's penultimate
  features, on the fitting part (L-BFGS, a few hundred samples), and its cross-entropy on
  each held-out sample is how hard FitNet finds it. The reference code's upper step uses that
  true loss too; the held-out samples are labeled, so it needs no estimate.
- A candidate's score of a sample is its place in the candidate's batch: a pick at position
  ``r`` of ``m`` scores ``(m - r) / m``, a sample not picked 0. The reference code uses 0/1
  membership of the batch; the order keeps ties rarer and works for every candidate, the
  set-based ones (core-set, BADGE) and random sampling included. On the held-out part the
  candidates see the fitting part as the labeled set.
- SearchNet's input is not the image, as in the paper (a ResNet-18 there), but a vector of
  fixed size per sample: the candidates' scores and FitNet's predicted loss (the rank of the
  loss head's output, 0 without a head). Its size does not change when iNAS changes the
  network, so SearchNet warm-starts from the previous round, as the reference keeps its
  SearchNet, and its weights fit in a record. One linear layer gives the per-sample softmax
  weights over the candidates.
- The paper's query fits a Gaussian mixture to the scores and passes them through a steep
  sigmoid at its upper quantile to relax the selection; here the upper level maximises the
  softmax-weighted mean loss of the held-out part instead, a relaxation whose size needs no
  budget penalty, and the query takes the top ``n_instances``, as the reference's query does.
"""

from __future__ import annotations

import copy
import math
import time
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from ..utils import draw_seed
from ._base import check_n_instances, network_estimator, pool_result, select_top
from ._docs import fill_doc
from ._loss_prediction import predicted_loss
from ._registry import STRATEGY_NAMES, accepts_random_state, named_strategy
from ._searchnet import batch_scores, fit_searchnet, heldout_losses, searchnet_weights

MIN_PART_SIZE = 2
"""Fewest labeled samples in each of the two parts the labeled set is split into."""


def _ranks(values) -> np.ndarray:
    """Ranks scaled to [0, 1]: scale-free, as the loss head's output and losses need."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2:
        return np.zeros(len(values))
    return np.argsort(np.argsort(values, kind="stable"), kind="stable") / (len(values) - 1)


class AutoAL(BaseEstimator):
    """Query strategy that learns a per-sample mixture of candidate strategies (AutoAL).

    Every call splits the labeled set at random into a fitting part and a held-out part
    (``held_out``), fits FitNet's classifier on the first (lower level), trains SearchNet so
    that its scores favour the held-out samples FitNet gets most wrong (upper level), and
    returns the pool's top ``n_instances`` by SearchNet's score; see the module's description
    for the formulation and where it departs from the paper and its code.
    ``query_strategy="auto:autoal"`` runs one over :data:`DEFAULT_CANDIDATES` through
    :class:`AutoStrategy`, and turns on the network's loss-prediction head, FitNet's module.

    Cost: every candidate's query twice, on the pool and on the held-out part; one forward
    pass over the labeled set (its features) and, with the loss head, over the pool; a
    softmax regression and ``n_steps`` Adam steps on a few numbers per held-out sample.

    Parameters
    ----------
    candidates : tuple of str or callable
        Two or more distinct names of :data:`STRATEGY_NAMES` (not the ``"auto"`` ones), or
        strategy functions known by their ``__name__``.
    held_out : float, default=0.5
        Share of the labeled set held out for the upper level (the reference code halves it).
    pick_fraction : float, default=0.25
        Share of the held-out part every candidate picks there, the samples it scores.
    n_steps : int, default=100
        SearchNet's Adam steps per call (:func:`fit_searchnet`).
    learning_rate : float, default=0.05
        Their step size.
    temperature : float, default=0.1
        Of the softmax over held-out samples in the upper objective.

    Attributes
    ----------
    coef_ : ndarray of shape (n_candidates, n_candidates + 1)
        SearchNet's weights, on the candidates' scores and FitNet's predicted loss.
    intercept_ : ndarray of shape (n_candidates,)
        Its bias: the mixture of a sample no candidate picked and of no predicted loss.
    rounds_ : list of dict
        One record per call: ``strategy`` (the candidate of highest mean weight on the pool),
        ``shares`` (the picks by the candidate whose weighted score counts most in each),
        ``weights`` (every candidate's mean weight on the pool), ``searchnet``
        (``{"coef": ..., "intercept": ...}`` after the call, lists of floats),
        ``objective`` (the upper level's expected target before and after), ``n_held_out``,
        and ``seconds`` and ``cpu_seconds`` of the call.

    Examples
    --------
    >>> from skactive.strategies import AutoAL
    >>> AutoAL(candidates=("random", "margin")).restore([]).intercept_.tolist()
    [0.0, 0.0]
    """

    _parameter_constraints = {
        "candidates": [tuple, list],
        "held_out": [Interval(Real, 0, 1, closed="neither")],
        "pick_fraction": [Interval(Real, 0, 1, closed="right")],
        "n_steps": [Interval(Integral, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
    }

    uses_loss_prediction = True
    """FitNet carries the loss-prediction module: ``loss_prediction="auto"`` turns it on."""

    def __init__(
        self,
        candidates,
        *,
        held_out=0.5,
        pick_fraction=0.25,
        n_steps=100,
        learning_rate=0.05,
        temperature=0.1,
    ):
        self.candidates = candidates
        self.held_out = held_out
        self.pick_fraction = pick_fraction
        self.n_steps = n_steps
        self.learning_rate = learning_rate
        self.temperature = temperature

    def check_candidates(self) -> list[str]:
        """The candidates' names, after checking that they are usable.

        Returns
        -------
        list of str

        Raises
        ------
        ValueError
            Unless there are two or more distinct candidates, each a known name other than
            the ``"auto"`` ones or a named strategy function.
        """
        names = [c if isinstance(c, str) else getattr(c, "__name__", "") for c in self.candidates]
        known = {name for name in STRATEGY_NAMES if not name.startswith("auto")}
        unknown = [c for c in self.candidates if not (callable(c) or c in known)]
        if unknown or len(names) < 2 or len(set(names)) != len(names) or "" in names:
            raise ValueError(
                "candidates of AutoAL must be two or more distinct names of "
                "skactive.strategies.STRATEGY_NAMES other than the 'auto' ones, or named "
                f"strategy functions; got {list(self.candidates)}"
                + (f" ({unknown} unknown)." if unknown else ".")
            )
        return names

    @fill_doc
    def restore(self, rounds):
        """Take up SearchNet's weights from ``rounds_`` records, e.g. read from a checkpoint.

        Parameters
        ----------
        %(rounds_records)s

        Returns
        -------
        self : AutoAL
        """
        n_candidates = len(self.check_candidates())
        self.rounds_ = [dict(record) for record in rounds]
        self.coef_ = np.zeros((n_candidates, n_candidates + 1))
        self.intercept_ = np.zeros(n_candidates)
        if self.rounds_:
            searchnet = self.rounds_[-1]["searchnet"]
            self.coef_ = np.array(searchnet["coef"], dtype=np.float64)
            self.intercept_ = np.array(searchnet["intercept"], dtype=np.float64)
        return self

    def _split(self, n_labeled: int, rng) -> tuple[np.ndarray, np.ndarray]:
        n_held_out = int(round(self.held_out * n_labeled))
        if min(n_held_out, n_labeled - n_held_out) < MIN_PART_SIZE:
            raise ValueError(
                f"AutoAL splits the labeled set into a part to fit on and a held-out part "
                f"(held_out={self.held_out}) of at least {MIN_PART_SIZE} samples each; "
                f"{n_labeled} labeled samples are too few. Label more before querying."
            )
        order = rng.permutation(n_labeled)
        return np.sort(order[n_held_out:]), np.sort(order[:n_held_out])

    def _inputs(self, classifier, X, n_picks, rng, head) -> np.ndarray:
        """SearchNet's input of every sample of ``X``: the candidates' scores, predicted loss."""
        columns = []
        for candidate in self.candidates:
            strategy = candidate if callable(candidate) else named_strategy(candidate)
            kwargs = {"random_state": draw_seed(rng)} if accepts_random_state(strategy) else {}
            indices = strategy(classifier, X, n_picks, **kwargs)[0]
            columns.append(batch_scores(indices, len(X)))
        columns.append(_ranks(predicted_loss(head, X)) if head is not None else np.zeros(len(X)))
        return np.column_stack(columns)

    @fill_doc
    def __call__(
        self, classifier, X_pool, n_instances: int = 1, random_state=None, return_utilities=False
    ):
        """Fit FitNet and SearchNet on the labeled set, return the pool's top scores.

        Parameters
        ----------
        classifier : ActiveINASClassifier or modAL ActiveLearner wrapping one
            Fitted; its labeled set is split, and every candidate must work on it.
        %(X_pool)s
        %(n_instances)s
        random_state : int, RandomState instance or None, default=None
            Seeds the split and the candidates.
        return_utilities : bool, default=False
            Also return SearchNet's score of every pool sample.

        Returns
        -------
        indices : ndarray of shape (n_instances,)
            Indices into ``X_pool``, highest score first.
        %(samples)s
        %(utilities)s
        """
        began, cpu_began = time.perf_counter(), time.process_time()
        self._validate_params()
        names = self.check_candidates()
        n_instances = check_n_instances(n_instances, len(X_pool))
        estimator = network_estimator(classifier, "auto:autoal")
        if not hasattr(self, "coef_"):
            self.restore([])
        rng = check_random_state(random_state)
        fit, held_out = self._split(len(estimator.y_training_), rng)
        has_head = getattr(estimator.net_.module_, "loss_head", None) is not None
        head = estimator if has_head else None

        # Lower level: FitNet's classifier on the fitting part, its losses on the held-out one.
        X_labeled = np.asarray(estimator.X_training_)
        y_labeled = np.searchsorted(estimator.classes_, estimator.y_training_)
        features = estimator.embed(X_labeled)
        losses = heldout_losses(
            features[fit],
            y_labeled[fit],
            features[held_out],
            y_labeled[held_out],
            len(estimator.classes_),
        )
        # The candidates score the held-out part as a pool, the fitting part as labeled.
        view = copy.copy(estimator)
        view.X_training_, view.y_training_ = X_labeled[fit], estimator.y_training_[fit]
        n_picks = max(1, math.ceil(self.pick_fraction * len(held_out)))
        inputs = self._inputs(view, X_labeled[held_out], n_picks, rng, head)

        # Upper level: SearchNet, warm-started from the last round.
        self.coef_, self.intercept_, objective = fit_searchnet(
            inputs,
            _ranks(losses),
            self.coef_,
            self.intercept_,
            n_steps=self.n_steps,
            learning_rate=self.learning_rate,
            temperature=self.temperature,
        )

        # The query: SearchNet's scores of the pool.
        pool_inputs = self._inputs(estimator, X_pool, n_instances, rng, head)
        with torch.no_grad():
            weights = searchnet_weights(
                torch.as_tensor(self.coef_),
                torch.as_tensor(self.intercept_),
                torch.as_tensor(pool_inputs),
            ).numpy()
        contributions = weights * pool_inputs[:, : len(names)]
        scores = contributions.sum(axis=1)
        chosen = select_top(scores, n_instances)
        shares = np.bincount(contributions[chosen].argmax(axis=1), minlength=len(names))
        mean_weights = weights.mean(axis=0)
        self.rounds_.append(
            {
                "strategy": names[int(mean_weights.argmax())],
                "shares": dict(zip(names, shares.tolist())),
                "weights": dict(zip(names, mean_weights.tolist())),
                "searchnet": {
                    "coef": self.coef_.tolist(),
                    "intercept": self.intercept_.tolist(),
                },
                "objective": objective,
                "n_held_out": len(held_out),
                "seconds": time.perf_counter() - began,
                "cpu_seconds": time.process_time() - cpu_began,
            }
        )
        return pool_result(X_pool, chosen, scores if return_utilities else None)
