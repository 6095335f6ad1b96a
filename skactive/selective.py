"""Selective classification with guaranteed risk: abstain where the network is unsure.

Selection with guaranteed risk (SGR; Geifman & El-Yaniv, "Selective Classification for Deep
Neural Networks", NeurIPS 2017, Algorithm 1) turns a confidence score into a selective
classifier: predict where the confidence κ(x) reaches a threshold θ, abstain elsewhere. Given
a desired risk r*, a confidence δ and m labeled samples the classifier was not trained on,
it chooses θ so that, with probability at least 1 − δ over those samples, the error rate of
the accepted samples (the selective risk) is at most r*, keeping as many samples as the
search finds.

The search halves the range of the sorted confidences ⌈log2 m⌉ times. At each threshold it
bounds the selective risk from above by the binomial tail bound B* of the accepted samples'
errors (:func:`binomial_risk_bound`, the Clopper–Pearson upper limit) at confidence
δ / ⌈log2 m⌉, so that by the union bound all the thresholds it looks at hold together with
probability 1 − δ; it moves towards more coverage when the bound is within r*, towards less
otherwise, and returns, of the thresholds whose bound is within r*, the one that accepts the
most samples.

:class:`SelectiveMixin` gives a classifier with ``predict_proba`` the method
``selective_threshold``, which runs the search on held-out labeled samples with the softmax
response (the largest predicted probability) as κ, and ``predict_selective``.
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy.stats import beta
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_is_fitted, column_or_1d

_FITTED = ("selective_threshold_", "selective_risk_bound_", "selective_coverage_")
_FITTED += ("selective_risk_",)
_OPEN_UNIT = [Interval(Real, 0, 1, closed="neither")]


class SelectiveThreshold(NamedTuple):
    """The threshold chosen by :func:`sgr_threshold`, and what it gives on the calibration set.

    Attributes
    ----------
    threshold : float
        Accept a sample when its confidence is at least this; ``inf`` when no threshold the
        search looked at has a risk bound within the desired risk (abstain everywhere).
    risk_bound : float
        The bound B* on the selective risk that holds, with the requested confidence, for
        this threshold; ``nan`` when nothing is accepted.
    coverage : float
        Share of the calibration samples accepted.
    risk : float
        Error rate of the accepted calibration samples (the empirical selective risk);
        ``nan`` when nothing is accepted.
    """

    threshold: float
    risk_bound: float
    coverage: float
    risk: float


@validate_params(
    {
        "n_errors": [Interval(Integral, 0, None, closed="left")],
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "delta": _OPEN_UNIT,
    },
    prefer_skip_nested_validation=True,
)
def binomial_risk_bound(n_errors: int, n_samples: int, delta: float) -> float:
    """Upper confidence bound on an error rate from ``n_errors`` errors in ``n_samples``.

    SGR's B*: the largest risk b for which ``n_errors`` or fewer errors still have probability
    at least ``delta``, i.e. the solution of P(Binomial(n_samples, b) ≤ n_errors) = δ, which
    is the Clopper–Pearson upper limit, the (1 − δ) quantile of Beta(n_errors + 1,
    n_samples − n_errors). The true risk is at most this with probability at least 1 − δ.

    Parameters
    ----------
    n_errors : int
        Errors observed, at most ``n_samples``.
    n_samples : int
        Samples observed, at least 1.
    delta : float
        Probability, in (0, 1), that the bound may fail.

    Returns
    -------
    float
        The bound, in (n_errors / n_samples, 1]; 1.0 when every sample is an error.

    Examples
    --------
    >>> from skactive.selective import binomial_risk_bound
    >>> round(binomial_risk_bound(0, 100, 0.05), 4)  # 1 - 0.05 ** (1 / 100)
    0.0295
    """
    if n_errors > n_samples:
        raise ValueError(
            f"n_errors={n_errors} is larger than n_samples={n_samples}; it counts errors "
            "among those samples."
        )
    if n_errors == n_samples:
        return 1.0
    return float(beta.ppf(1.0 - delta, n_errors + 1, n_samples - n_errors))


@validate_params(
    {
        "confidence": ["array-like"],
        "correct": ["array-like"],
        "risk": _OPEN_UNIT,
        "delta": _OPEN_UNIT,
    },
    prefer_skip_nested_validation=True,
)
def sgr_threshold(confidence, correct, *, risk=0.02, delta=0.05) -> SelectiveThreshold:
    """Threshold on the confidence whose selective risk is at most ``risk`` w.p. 1 − ``delta``.

    SGR (Geifman & El-Yaniv, 2017, Algorithm 1) on m labeled samples: a binary search over the
    sorted confidences, ⌈log2 m⌉ steps, each bounding the risk of the samples at or above its
    threshold with :func:`binomial_risk_bound` at confidence δ / ⌈log2 m⌉. Of the thresholds
    whose bound is at most ``risk``, the one accepting the most samples is returned (the
    paper returns the last one it looked at, whose bound can exceed ``risk``).

    The guarantee holds for new samples drawn like these, so the samples must be held out
    from the classifier's training: on its own training labels the errors are too few.

    The search starts at the median confidence: when the most confident half of the samples
    already has a bound above ``risk``, it looks only at fewer samples, whose bounds are
    looser, and may find none (with m = 1,000 and ``risk=0.02``, even no error among fewer
    than 263 samples is not enough).

    Parameters
    ----------
    confidence : array-like of shape (m,)
        Confidence κ of each sample's prediction, higher for surer ones (e.g. the largest
        predicted probability).
    correct : array-like of shape (m,)
        Whether each prediction is right: booleans, or 0 and 1.
    risk : float, default=0.02
        The desired selective risk r*, in (0, 1).
    delta : float, default=0.05
        Probability, in (0, 1), that the guarantee may fail.

    Returns
    -------
    SelectiveThreshold
        The threshold, its risk bound, and the coverage and empirical risk it gives on these
        samples. When no threshold qualifies (too few samples or too many errors for
        ``risk``), the threshold is ``inf``, the coverage 0, and a warning says so.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.selective import sgr_threshold
    >>> rng = np.random.RandomState(0)
    >>> confidence = rng.uniform(size=2000)
    >>> correct = rng.uniform(size=2000) > 0.1 * (1 - confidence)  # surer, righter
    >>> result = sgr_threshold(confidence, correct, risk=0.05, delta=0.05)
    >>> bool(result.risk_bound <= 0.05), bool(0 < result.coverage < 1)
    (True, True)
    """
    confidence = column_or_1d(confidence, dtype=np.float64)
    correct = column_or_1d(correct)
    m = len(confidence)
    if m == 0:
        raise ValueError("confidence is empty; SGR needs at least one labeled sample.")
    if len(correct) != m:
        raise ValueError(
            f"correct has {len(correct)} values, but confidence has {m}; one each per sample."
        )
    if not np.all(np.isfinite(confidence)):
        raise ValueError("confidence holds NaN or infinite values.")
    if not np.all((correct == 0) | (correct == 1)):
        raise ValueError("correct must hold booleans or 0 and 1.")
    # Ascending order, as in the paper: index z (1-based) gives the threshold κ(x_z), which
    # accepts every sample from z on and any below it that ties with it.
    order = np.argsort(confidence, kind="stable")
    ascending = confidence[order]
    # errors_from[i]: errors among the samples at sorted positions i, i + 1, ..., m - 1.
    errors_from = np.append(np.cumsum((1 - correct[order].astype(np.int64))[::-1])[::-1], 0)
    n_steps = max(1, math.ceil(math.log2(m)))
    step_delta = delta / n_steps
    best = SelectiveThreshold(math.inf, math.nan, 0.0, math.nan)
    z_min, z_max = 1, m
    for _ in range(n_steps):
        z = math.ceil((z_min + z_max) / 2)
        theta = ascending[z - 1]
        first = int(np.searchsorted(ascending, theta, side="left"))
        n_accepted, n_errors = m - first, int(errors_from[first])
        bound = binomial_risk_bound(n_errors, n_accepted, step_delta)
        if bound <= risk:
            # A lower z accepts more, so the last threshold that passes accepts the most.
            best = SelectiveThreshold(float(theta), bound, n_accepted / m, n_errors / n_accepted)
            z_max = z
        else:
            z_min = z
    if best.coverage == 0.0:
        warnings.warn(
            f"No threshold keeps the selective risk within risk={risk} with delta={delta} on "
            f"{m} samples: every sample is rejected. More held-out samples, a larger risk "
            "or a larger delta allow some.",
            UserWarning,
            stacklevel=3,  # the caller, past validate_params' wrapper
        )
    return best


class SelectiveMixin:
    """``selective_threshold`` and ``predict_selective`` for a classifier with ``predict_proba``.

    The confidence is the softmax response, the largest predicted probability; the prediction
    is the most probable class of ``classes_``. A classifier that keeps its labeled set in
    ``X_training_`` gets a warning when it is calibrated on its own training samples.
    """

    @validate_params({"risk": _OPEN_UNIT, "delta": _OPEN_UNIT}, prefer_skip_nested_validation=True)
    def selective_threshold(self, X, y, *, risk=0.02, delta=0.05) -> SelectiveThreshold:
        """Choose the confidence threshold of selective prediction by SGR on held-out labels.

        Runs :func:`sgr_threshold` with the softmax response on ``(X, y)`` and keeps the
        result in the ``selective_*_`` attributes that :meth:`predict_selective` uses. With
        probability at least 1 − ``delta`` over ``(X, y)``, the error rate of the samples it
        accepts is then at most ``risk``, for samples drawn like ``(X, y)``.

        ``(X, y)`` must be labeled samples the network was NOT trained on, e.g. labels kept
        apart for this: the network is trained on every label it was given, and on those
        its errors are too few for the bound to mean anything. A warning names training
        samples found in ``X``. A later ``fit`` or ``teach`` trains a new network and drops
        the threshold; it is not kept in a checkpoint.

        Parameters
        ----------
        X : array-like of shape (m, n_features) or (m,) + input_shape
            Held-out samples.
        y : array-like of shape (m,)
            Their labels.
        risk : float, default=0.02
            The desired selective risk r*, in (0, 1).
        delta : float, default=0.05
            Probability, in (0, 1), that the guarantee may fail.

        Returns
        -------
        SelectiveThreshold
            The threshold, its risk bound, and its coverage and risk on ``(X, y)``, also
            stored as ``selective_threshold_``, ``selective_risk_bound_``,
            ``selective_coverage_`` and ``selective_risk_``.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from skactive import ActiveINASClassifier
        >>> X, y = load_digits(return_X_y=True)
        >>> X = X / 16.0
        >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), base_width=4, max_epochs=10,
        ...                            batch_size=32, inas_iterations=0, random_state=0)
        >>> clf = clf.fit(X[:500], y[:500])
        >>> result = clf.selective_threshold(X[500:1500], y[500:1500], risk=0.1)
        >>> bool(result.risk_bound <= 0.1), bool(result.coverage > 0)
        (True, True)
        >>> predictions, accepted = clf.predict_selective(X[1500:])
        >>> predictions.shape == accepted.shape
        True
        """
        check_is_fitted(self)
        y = column_or_1d(y)
        proba = self.predict_proba(X)
        if len(y) != len(proba):
            raise ValueError(f"y has {len(y)} labels, but X has {len(proba)} samples.")
        predictions = self.classes_[np.argmax(proba, axis=1)]
        result = sgr_threshold(proba.max(axis=1), predictions == y, risk=risk, delta=delta)
        self._warn_training_samples(X)
        (
            self.selective_threshold_,
            self.selective_risk_bound_,
            self.selective_coverage_,
            self.selective_risk_,
        ) = result
        return result

    def predict_selective(self, X):
        """Predictions, and which of them to trust under the threshold of ``selective_threshold``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,) + input_shape
            Samples.

        Returns
        -------
        predictions : ndarray of shape (n_samples,)
            The most probable class of each sample, as :meth:`predict` gives it.
        accepted : ndarray of shape (n_samples,), bool
            True where the softmax response reaches ``selective_threshold_``: the samples
            whose error rate the bound covers; the rest are abstentions.
        """
        check_is_fitted(
            self,
            "selective_threshold_",
            msg=(
                "This %(name)s has no selective threshold; call selective_threshold with "
                "held-out labeled samples first."
            ),
        )
        proba = self.predict_proba(X)
        predictions = self.classes_[np.argmax(proba, axis=1)]
        return predictions, proba.max(axis=1) >= self.selective_threshold_

    def _drop_selective_threshold(self) -> None:
        """Forget the threshold: it was chosen for a network that is being replaced."""
        for name in _FITTED:
            self.__dict__.pop(name, None)

    def _warn_training_samples(self, X) -> None:
        training = getattr(self, "X_training_", None)
        if training is None:
            return
        # Rows compared byte for byte, in the labeled set's dtype, as flat vectors.
        seen = {row.tobytes() for row in training.reshape(len(training), -1)}
        X = np.asarray(X, dtype=training.dtype)
        n_seen = sum(row.tobytes() in seen for row in X.reshape(len(X), -1))
        if n_seen:
            warnings.warn(
                f"{n_seen} of the {len(X)} samples given to selective_threshold are in the "
                "labeled set the network was trained on; the risk guarantee holds only for "
                "held-out samples.",
                UserWarning,
                stacklevel=4,  # the caller, past validate_params' wrapper
            )
