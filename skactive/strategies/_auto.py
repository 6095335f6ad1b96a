"""Choosing the query strategy while learning: a bandit over candidate strategies.

Active Learning by Learning (ALBL; Hsu & Lin, AAAI 2015) treats query strategies as the arms
of a bandit, draws an arm for every query and rewards it from the labels the query brings.
Every round each candidate proposes its batch, and :class:`AutoStrategy` spends the batch in
one of two ways (``method``):

- ``"mix"`` (the default): ALBL's draw per query, made for every slot of the batch. Each slot
  draws an arm with the bandit's probabilities (its EXP3 weights, mixed with ``exploration``
  spread evenly over the arms) and takes that arm's best pick not taken yet
  (:func:`~skactive.strategies.mix_batches`). A slot's reward is 1 when the model that chose
  it misclassified the sample, known as soon as its label is taught: the labels found the
  model's mistakes. Each arm's mean reward is estimated from the slots that drew it with EXP3's
  importance weights (:func:`~skactive.strategies.slot_reward_estimates`), so a round's labels
  re-weight the arms at the very next query, from as many draws as the batch has slots.
- ``"albl"``: the whole batch from one drawn arm, rewarded by the gain in pool accuracy from
  the model before its labels to the model after them. Every batch queried later was
  predicted by both models before either was trained on it, so each gives an unbiased estimate
  of that gain with Horvitz-Thompson weights
  (:func:`~skactive.strategies.importance_weighted_gain`) over every sample's known
  probability of being queried (:func:`~skactive.strategies.inclusion_probabilities`; the
  random arm keeps it above zero). A network fits the labels it is trained on, so accuracy on
  those (ALBL's estimate) would say nothing here. A round's first estimate arrives two rounds
  after its draw, from one draw per round.

The mixed reward is biased in a known direction: it sees mistakes, not the redundancy of a
batch, so it favours the arms that hunt for the model's errors (the uncertainty scores) over
those that trade some of that for diversity (core-set, BADGE), and random sampling, which
finds the pool's error rate, least. The gain in accuracy that ``"albl"`` estimates sees both,
but in a run of a few rounds it arrives too late to move a draw. Both find their labels in
the classifier's labeled set (``X_training_``/``y_training_``, or an ActiveLearner's
``X_training``/``y_training``); a batch only partly taught rewards what was taught.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..pool import map_pool, take_rows
from ..utils import draw_seed
from ._autoal import AutoAL
from ._bandit_state import (
    chunk_predictions,
    reweight_gains,
    reweight_slots,
    row_keys,
    taught_labels,
)
from ._base import check_n_instances, pool_result
from ._batch import mix_batches
from ._docs import fill_doc
from ._registry import STRATEGY_NAMES, accepts_random_state, named_strategy
from ._rewards import inclusion_probabilities

DEFAULT_CANDIDATES = (
    "random",
    "softmax_response",
    "margin",
    "mc_dropout:power",
    "coreset",
    "badge",
)
"""The arms of ``query_strategy="auto"``: random sampling, two uncertainty scores, BALD with
power batches, core-set and BADGE."""

AUTO_METHODS = ("mix", "albl", "autoal")
"""How :class:`AutoStrategy` spends a batch: mixed slot by slot, one arm's whole batch, or by
the scores of AutoAL's SearchNet (:class:`AutoAL`)."""

DEFAULT_PRIOR = {"random": 0.1, "coreset": 0.1}
"""The arms' starting weights when ``prior=None``, by name; an arm not named weighs 1.

Random sampling and core-set start at a tenth of the others' weight: on the package's strategy
tables (digits, MNIST-1D) neither beat random sampling with an interval above zero, while the
uncertainty scores, power BALD and BADGE did, and in a run of four or five queried rounds
``"albl"``'s rewards arrive too late to learn this (see :class:`AutoStrategy`). On MNIST-5k
core-set did beat random sampling, so the prior is a bet, not a rule. The rewards move these
weights like any others, and ``exploration`` still draws every arm."""


class AutoStrategy(BaseEstimator):
    """Query strategy that chooses among candidate strategies while learning (ALBL's bandit).

    Each call scores the pool with every candidate and spends the batch by the arms' EXP3
    probabilities: mixed slot by slot (``method="mix"``) or one drawn arm's batch
    (``"albl"``); the rewards (see the module's description) move the weights towards the
    candidates whose labels paid. ``query_strategy="auto"`` uses one with the default
    candidates, ``"auto:albl"`` one with ``method="albl"``. ``method="autoal"``
    (``"auto:autoal"``) hands every query to an :class:`AutoAL` over the same candidates,
    which learns a per-sample mixture of their scores on the labeled set instead of a bandit.

    Cost: every candidate's query each round (so BALD's passes and BADGE's seeding run even
    when neither is drawn), plus one digest per labeled sample; ``"mix"`` predicts the queried
    batch once, ``"albl"`` predicts and digests the whole pool.

    Parameters
    ----------
    candidates : tuple of str or callable, default=DEFAULT_CANDIDATES
        Names of :data:`STRATEGY_NAMES`, or strategy functions (known by their ``__name__``);
        ``"random"`` must be among them, as it gives every pool sample a chance to be queried,
        which keeps the importance weights finite.
    method : {"mix", "albl", "autoal"}, default="mix"
        ``"mix"``: every slot of the batch draws its arm, rewarded at the next query by the
        model's mistakes its sample showed. ``"albl"``: the batch draws one arm, rewarded two
        rounds later by the estimated gain in pool accuracy. ``"autoal"``: the batch is the
        top of :class:`AutoAL`'s SearchNet scores (``"random"`` need not be a candidate; two
        or more are); ``prior``, ``exploration`` and ``learning_rate`` are unused, and the
        log-weights are the logs of the candidates' mean SearchNet weights on the last pool.
    prior : dict of str to float or None, default=None
        Starting weight of an arm, by name (its log is the arm's first log-weight); an arm not
        named weighs 1. None means :data:`DEFAULT_PRIOR`; ``{}`` starts every arm even, as ALBL
        does. In short runs the prior decides most of ``"albl"``'s draws.
    exploration : float, default=0.2
        Share of the arm probabilities spread evenly over the arms, so that none is abandoned.
    learning_rate : float, default=2.0
        Step of the EXP3 weights: an arm's log-weight grows by ``learning_rate`` times its
        estimated reward (``"mix"``: its share of mistakes per slot, importance-weighted;
        ``"albl"``: ``gain / p``, ``p`` its probability when drawn).

    Attributes
    ----------
    log_weights_ : ndarray of shape (n_candidates,)
        The arms' EXP3 log-weights.
    rounds_ : list of dict
        One record per call: ``strategy`` (the arm drawn; with ``"mix"``, the arm of the
        most slots), ``shares`` and ``slots`` (``"mix"`` only: the slots of every arm, and
        every slot's sample digest, arm and predicted label, from which :meth:`restore`
        replays the rewards), ``probabilities``
        and ``log_weights`` (by arm, when drawing), and the estimates the call re-computed
        from the labels taught so far: ``"mix"``'s ``rewards``, every earlier round's share
        of mistakes by arm (``{"round", "strategy", "reward", "n_samples"}``), or
        ``"albl"``'s ``gains``, the estimated gain of every earlier round with an estimate
        (``{"strategy": the arm credited, "gain": ..., "n_batches": the batches averaged}``).
        With ``"autoal"``, :class:`AutoAL`'s records.
    autoal_ : AutoAL
        With ``method="autoal"`` only: the strategy the queries are handed to.

    Examples
    --------
    >>> from skactive.strategies import AutoStrategy
    >>> AutoStrategy(candidates=("random", "margin")).probabilities().round(3).tolist()
    [0.173, 0.827]
    >>> AutoStrategy(candidates=("random", "margin"), prior={}).probabilities().tolist()
    [0.5, 0.5]
    """

    _parameter_constraints = {
        "candidates": [tuple, list],
        "method": [StrOptions(set(AUTO_METHODS))],
        "prior": [dict, None],
        "exploration": [Interval(Real, 0, 1, closed="right")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        candidates=DEFAULT_CANDIDATES,
        *,
        method="mix",
        prior=None,
        exploration=0.2,
        learning_rate=2.0,
    ):
        self.candidates = candidates
        self.method = method
        self.prior = prior
        self.exploration = exploration
        self.learning_rate = learning_rate

    @property
    def uses_loss_prediction(self) -> bool:
        """Whether the network's loss head is needed: AutoAL's FitNet carries it."""
        return self.method == "autoal"

    def _autoal(self) -> AutoAL:
        return AutoAL(candidates=self.candidates)

    def _check_candidates(self) -> list[str]:
        if self.method == "autoal":
            return self._autoal().check_candidates()
        names = [c if isinstance(c, str) else getattr(c, "__name__", "") for c in self.candidates]
        known = set(STRATEGY_NAMES) - {"auto"}
        unknown = [c for c in self.candidates if not (callable(c) or c in known)]
        if unknown or len(set(names)) != len(names) or "random" not in names or "" in names:
            raise ValueError(
                "candidates must be distinct names of skactive.strategies.STRATEGY_NAMES other "
                "than 'auto', or named strategy functions, with 'random' among them; got "
                f"{list(self.candidates)}."
            )
        return names

    def _prior_log_weights(self) -> np.ndarray:
        names = self._check_candidates()
        prior = DEFAULT_PRIOR if self.prior is None else self.prior
        weights = np.array([prior.get(name, 1.0) for name in names], dtype=float)
        unknown = set() if self.prior is None else set(prior) - set(names)
        if unknown or not np.all(np.isfinite(weights) & (weights > 0)):
            raise ValueError(
                "prior must map names of candidates to positive finite weights; got "
                f"{prior!r} for candidates {names}."
            )
        return np.log(weights)

    def probabilities(self) -> np.ndarray:
        """The arms' probabilities of being drawn now.

        Returns
        -------
        ndarray of shape (n_candidates,)
            ``(1 - exploration) * softmax(log_weights_) + exploration / n_candidates``; before
            the first call, from the prior's log-weights.
        """
        n_arms = len(self.candidates)
        log_weights = getattr(self, "log_weights_", None)
        if log_weights is None:
            log_weights = self._prior_log_weights()
        weights = np.exp(log_weights - log_weights.max())
        return (1 - self.exploration) * weights / weights.sum() + self.exploration / n_arms

    @fill_doc
    def restore(self, rounds):
        """Take up the state written in ``rounds_`` records, e.g. read from a checkpoint.

        With ``method="mix"`` the records hold every slot's sample, arm and prediction, so
        the restored bandit replays every reward, the last round's too, and draws as the one
        that wrote them would. ``"albl"``'s rewards need the models' predictions of the whole
        pool, which are not in the records: its rounds before the restore keep the weights
        they had earned, and only later rounds are re-estimated. So do ``"mix"`` records
        written without slots.

        Parameters
        ----------
        %(rounds_records)s

        Returns
        -------
        self : AutoStrategy
        """
        names = self._check_candidates()
        if self.method == "autoal":
            self.autoal_ = self._autoal().restore(rounds)
            self.rounds_ = self.autoal_.rounds_  # one list: AutoAL's records are the rounds
            self._log_mean_weights()
            return self
        self.rounds_ = [dict(record) for record in rounds]
        self.log_weights_ = self._prior_log_weights()
        if self.rounds_:
            last = self.rounds_[-1]
            self.log_weights_ = np.array([last["log_weights"][n] for n in names], dtype=float)
        # Rounds before a restore keep the weights they earned; their models are not stored.
        self._base_log_weights = self.log_weights_.copy()
        self._models, self._batches, self._draws, self._slots = [], [], [], []
        if self.method == "mix" and self.rounds_ and all("slots" in r for r in self.rounds_):
            # Every slot is on record: replay all rewards from the prior, as the bandit did.
            self._base_log_weights = self._prior_log_weights()
            for record in self.rounds_:
                slots = record["slots"]
                keys = np.array([bytes.fromhex(key) for key in slots["keys"]], dtype="S16")
                probabilities = np.array([record["probabilities"][n] for n in names])
                self._slots.append(
                    (keys, np.array(slots["arms"]), np.array(slots["predicted"]), probabilities)
                )
        return self

    @fill_doc
    def __call__(
        self, classifier, X_pool, n_instances: int = 1, random_state=None, return_utilities=False
    ):
        """Re-estimate the rewards from the labels taught, draw arms, return their batch.

        Parameters
        ----------
        classifier : ActiveINASClassifier or modAL ActiveLearner
            The fitted learner, holding its labeled set; every candidate must work on it.
        %(X_pool)s
        %(n_instances)s
        random_state : int, RandomState instance or None, default=None
            Seeds the candidates and the draws.
        return_utilities : bool, default=False
            Also return every pool sample's utility: the probability of the arms whose batch
            holds it, plus the random arm's even share (its inclusion probability under
            ``"albl"``).

        Returns
        -------
        indices : ndarray of shape (n_instances,)
            Indices into ``X_pool``: by slot (``"mix"``), or in the drawn arm's order.
        %(samples)s
        %(utilities)s
        """
        self._validate_params()
        names = self._check_candidates()
        n_pool = len(X_pool)
        n_instances = check_n_instances(n_instances, n_pool)
        rng = check_random_state(random_state)
        if not hasattr(self, "log_weights_"):
            self.restore([])
        if self.method == "autoal":
            result = self.autoal_(classifier, X_pool, n_instances, rng, return_utilities)
            self._log_mean_weights()
            return result
        labels = taught_labels(classifier)
        if self.method == "mix":
            first = len(self.rounds_) - len(self._slots)
            self.log_weights_, rewards = reweight_slots(
                self._slots, labels, self._base_log_weights, self.learning_rate, names, first
            )
            estimates = {"rewards": rewards}
        else:
            self.log_weights_, gains = reweight_gains(
                self._models,
                self._batches,
                self._draws,
                labels,
                self._base_log_weights,
                self.learning_rate,
                names,
            )
            estimates = {"gains": gains}
        probabilities = self.probabilities()
        batches = []
        for name, candidate in zip(names, self.candidates):
            seed = draw_seed(rng)
            if name == "random":
                batches.append(None)
                continue
            strategy = candidate if callable(candidate) else named_strategy(candidate)
            kwargs = {"random_state": seed} if accepts_random_state(strategy) else {}
            batches.append(np.asarray(strategy(classifier, X_pool, n_instances, **kwargs)[0]))
        inclusion = inclusion_probabilities(batches, probabilities, n_pool, n_instances)
        if self.method == "mix":
            chosen, record = self._mix(
                classifier, X_pool, n_instances, batches, probabilities, rng
            )
        else:
            chosen, record = self._draw(
                classifier, X_pool, n_instances, batches, probabilities, inclusion, rng
            )
        self.rounds_.append(
            {
                **record,
                "probabilities": dict(zip(names, probabilities.tolist())),
                "log_weights": dict(zip(names, self.log_weights_.tolist())),
                **estimates,
            }
        )
        return pool_result(X_pool, chosen, inclusion if return_utilities else None)

    def _log_mean_weights(self) -> None:
        """AutoAL's arm probabilities: its candidates' mean weights on the last pool."""
        last = self.rounds_[-1]["weights"] if self.rounds_ else {}
        self.log_weights_ = np.log([last.get(name, 1.0) for name in self._check_candidates()])

    def _draw(self, classifier, X_pool, n_instances, batches, probabilities, inclusion, rng):
        """One arm's whole batch; keeps the pool's predictions for the later rewards."""
        names = self._check_candidates()
        arm = int(rng.choice(len(names), p=probabilities))
        chosen = batches[arm]
        if chosen is None:
            chosen = rng.choice(len(X_pool), n_instances, replace=False)
        keys = map_pool(row_keys, X_pool)
        order = np.argsort(keys)
        predictions = map_pool(chunk_predictions, X_pool, classifier)
        self._models.append((keys[order], predictions[order]))
        self._batches.append((keys[chosen], inclusion[chosen], len(X_pool)))
        self._draws.append((names[arm], float(probabilities[arm])))
        return chosen, {"strategy": names[arm]}

    def _mix(self, classifier, X_pool, n_instances, batches, probabilities, rng):
        """A batch mixed slot by slot; keeps the model's predictions of it for the rewards."""
        names = self._check_candidates()
        arms = rng.choice(len(names), n_instances, p=probabilities)
        filled = [
            rng.choice(len(X_pool), n_instances, replace=False) if batch is None else batch
            for batch in batches
        ]
        chosen = mix_batches(filled, arms)
        samples = take_rows(X_pool, chosen)
        predicted = np.asarray(classifier.predict(samples))
        keys = row_keys(samples, 0)
        self._slots.append((keys, arms, predicted, probabilities))
        shares = np.bincount(arms, minlength=len(names))
        record = {
            "strategy": names[int(shares.argmax())],
            "shares": dict(zip(names, shares.tolist())),
            "slots": {
                "keys": [key.hex() for key in keys.tolist()],
                "arms": arms.tolist(),
                "predicted": predicted.tolist(),
            },
        }
        return chosen, record
