import math

import numpy as np
import pytest
from conftest import FAST
from scipy.optimize import brentq
from scipy.stats import binom
from sklearn.exceptions import NotFittedError

from skactive import ActiveINASClassifier
from skactive.selective import SelectiveThreshold, binomial_risk_bound, sgr_threshold


def _tail_bound(errors, n, delta):
    """B*: the risk b at which P(Binomial(n, b) <= errors) = delta, solved by brentq."""
    if errors == n:
        return 1.0
    return brentq(lambda b: binom.cdf(errors, n, b) - delta, errors / n, 1.0, xtol=1e-14)


def _reference_sgr(confidence, correct, risk, delta):
    """Algorithm 1 of the paper written plainly, with B* solved from binom.cdf by brentq.

    Returns every threshold the search looked at, as (threshold, bound, n_accepted).
    """
    m = len(confidence)
    ascending = np.sort(confidence)
    k = max(1, math.ceil(math.log2(m)))
    z_min, z_max, visited = 1, m, []
    for _ in range(k):
        z = math.ceil((z_min + z_max) / 2)
        theta = ascending[z - 1]
        accepted = confidence >= theta
        n, errors = int(accepted.sum()), int((~correct[accepted]).sum())
        bound = _tail_bound(errors, n, delta / k)
        visited.append((theta, bound, n))
        if bound <= risk:
            z_max = z
        else:
            z_min = z
    return visited


def _errors_at_the_bottom(m=1024, n_errors=50):
    """Distinct confidences; the ``n_errors`` least confident predictions are the wrong ones."""
    confidence = np.linspace(0.1, 1.0, m)
    correct = np.ones(m, dtype=bool)
    correct[:n_errors] = False
    return confidence, correct


# ---------------------------------------------------------------------------- the bound


@pytest.mark.parametrize("n", [1, 7, 100, 5000])
@pytest.mark.parametrize("delta", [0.001, 0.05, 0.5])
def test_bound_with_no_error_is_one_minus_delta_to_the_one_over_n(n, delta):
    assert binomial_risk_bound(0, n, delta) == pytest.approx(1 - delta ** (1 / n), rel=1e-9)


@pytest.mark.parametrize("errors, n", [(1, 10), (3, 100), (40, 1000), (99, 100)])
def test_bound_is_the_risk_at_which_the_observed_errors_have_probability_delta(errors, n):
    bound = binomial_risk_bound(errors, n, 0.01)
    assert errors / n < bound < 1
    assert binom.cdf(errors, n, bound) == pytest.approx(0.01, rel=1e-6)


def test_bound_is_one_when_every_sample_is_an_error():
    assert binomial_risk_bound(10, 10, 0.05) == 1.0


def test_bound_grows_with_errors_and_confidence_and_shrinks_with_samples():
    by_errors = [binomial_risk_bound(e, 200, 0.05) for e in range(0, 201, 10)]
    by_samples = [binomial_risk_bound(n // 10, n, 0.05) for n in (20, 50, 100, 1000, 10000)]
    by_delta = [binomial_risk_bound(5, 200, d) for d in (0.001, 0.01, 0.1, 0.5)]
    assert np.all(np.diff(by_errors) > 0)
    assert np.all(np.diff(by_samples) < 0) and by_samples[-1] == pytest.approx(0.1, abs=0.01)
    assert np.all(np.diff(by_delta) < 0)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_errors": -1}, "n_errors"),
        ({"n_errors": 11}, "n_errors"),
        ({"n_samples": 0, "n_errors": 0}, "n_samples"),
        ({"n_samples": 2.5}, "n_samples"),
        ({"delta": 0.0}, "delta"),
        ({"delta": 1.0}, "delta"),
    ],
)
def test_bound_rejects_bad_input_naming_it(kwargs, name):
    with pytest.raises(ValueError, match=name):
        binomial_risk_bound(**{"n_errors": 1, "n_samples": 10, "delta": 0.05, **kwargs})


# ---------------------------------------------------------------------------- the search


@pytest.mark.filterwarnings("ignore:No threshold keeps")
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("risk", [0.01, 0.05, 0.2])
def test_threshold_is_the_widest_of_the_paper_search_whose_bound_is_within_risk(seed, risk):
    rng = np.random.RandomState(seed)
    m = rng.randint(50, 3000)
    confidence = np.round(rng.uniform(size=m), 2)  # ties, as probabilities have
    correct = rng.uniform(size=m) > 0.3 * (1 - confidence) ** 2
    result = sgr_threshold(confidence, correct, risk=risk, delta=0.05)
    passing = [
        (n, theta, bound) for theta, bound, n in _reference_sgr(confidence, correct, risk, 0.05)
    ]
    passing = [visit for visit in passing if visit[2] <= risk]
    if not passing:
        assert result.threshold == math.inf and result.coverage == 0
        return
    n, theta, bound = max(passing)
    accepted = confidence >= result.threshold
    assert result.threshold == theta
    assert result.risk_bound == pytest.approx(bound, rel=1e-6) and result.risk_bound <= risk
    assert result.coverage == accepted.mean() == n / m
    assert result.risk == pytest.approx(1 - correct[accepted].mean())


def test_with_no_error_every_step_passes_and_the_search_stops_at_the_second_lowest():
    # The paper's z = ⌈(z_min + z_max) / 2⌉ never reaches z = 1: ⌈log2 1024⌉ = 10 steps
    # accept 512, 768, ..., 1022, then 1023 of the 1024 samples.
    confidence, correct = _errors_at_the_bottom(n_errors=0)
    result = sgr_threshold(confidence, correct, risk=0.02, delta=0.05)
    assert result.threshold == confidence[1]
    assert result.coverage == 1023 / 1024 and result.risk == 0
    assert result.risk_bound == pytest.approx(1 - (0.05 / 10) ** (1 / 1023))


def test_the_threshold_stops_where_the_errors_begin():
    confidence, correct = _errors_at_the_bottom(n_errors=50)
    result = sgr_threshold(confidence, correct, risk=0.012, delta=0.05)
    # 974 right predictions above 50 wrong ones. With e errors among n = 974 + e samples the
    # bound at δ/10 is 0.0054, 0.0076, 0.0095, 0.0112, 0.0128 for e = 0, ..., 4: within
    # 0.012 up to 3 errors, 977 samples, where the ten steps end (accepting 512, 768, 896,
    # 960, 992 ✗, 976, 984 ✗, 980 ✗, 978 ✗, 977).
    assert result.coverage * 1024 == 977
    assert result.risk == 3 / 977
    assert result.risk_bound == pytest.approx(binomial_risk_bound(3, 977, 0.005))
    assert result.threshold == confidence[1024 - 977]


def test_coverage_never_shrinks_as_the_risk_or_delta_allowed_grows():
    confidence, correct = _errors_at_the_bottom(n_errors=50)
    by_risk = [
        sgr_threshold(confidence, correct, risk=r).coverage for r in np.linspace(0.011, 0.2, 20)
    ]
    by_delta = [
        sgr_threshold(confidence, correct, risk=0.02, delta=d).coverage
        for d in (0.001, 0.01, 0.05, 0.2, 0.5)
    ]
    assert np.all(np.diff(by_risk) >= 0) and by_risk[-1] > by_risk[0]
    assert np.all(np.diff(by_delta) >= 0) and by_delta[-1] > by_delta[0]


def test_nothing_is_accepted_when_no_threshold_qualifies_and_a_warning_says_so():
    confidence, correct = _errors_at_the_bottom(m=100, n_errors=0)
    with pytest.warns(UserWarning, match="every sample is rejected"):
        result = sgr_threshold(confidence, correct, risk=0.01, delta=0.05)
    assert result.threshold == math.inf and result.coverage == 0
    assert math.isnan(result.risk) and math.isnan(result.risk_bound)


def test_one_sample_is_enough_to_run():
    with pytest.warns(UserWarning):
        assert sgr_threshold([0.9], [True], risk=0.5).coverage == 0
    assert sgr_threshold([0.9], [1], risk=0.99).coverage == 1


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"risk": 0.0}, "risk"),
        ({"risk": 1.0}, "risk"),
        ({"risk": "low"}, "risk"),
        ({"delta": 0.0}, "delta"),
        ({"delta": 1.5}, "delta"),
        ({"correct": [True, False]}, "correct"),
        ({"confidence": [], "correct": []}, "confidence"),
        ({"confidence": [0.5, np.nan, 0.9]}, "confidence"),
        ({"correct": [1, 2, 0]}, "correct"),
    ],
)
def test_search_rejects_bad_input_naming_it(kwargs, name):
    arguments = {"confidence": [0.5, 0.7, 0.9], "correct": [True, False, True], **kwargs}
    with pytest.raises(ValueError, match=name):
        sgr_threshold(**arguments)


@pytest.mark.filterwarnings("ignore:No threshold keeps")
def test_the_guarantee_holds_in_at_least_one_minus_delta_of_many_draws():
    """Synthetic predictions with a known risk: κ ~ U(0, 1), P(error | κ) = 0.1 (1 − κ)².

    The true selective risk of a threshold θ is E[0.1 (1 − κ)² | κ ≥ θ] = 0.1 (1 − θ)² / 3,
    within r* = 0.02 from θ = 1 − √0.6, a coverage of 77%. SGR's threshold must meet it in at
    least 1 − δ of the draws, where the plain plug-in choice (the widest threshold whose
    calibration risk is within r*) does not, so the check can fail.
    """
    risk, delta, m, draws = 0.02, 0.05, 2000, 400
    rng = np.random.RandomState(0)
    sgr_risk, plug_in_risk, coverage = [], [], []
    for _ in range(draws):
        confidence = rng.uniform(size=m)
        correct = rng.uniform(size=m) >= 0.1 * (1 - confidence) ** 2
        result = sgr_threshold(confidence, correct, risk=risk, delta=delta)
        theta = min(result.threshold, 1.0)  # inf: nothing accepted, nothing wrong
        sgr_risk.append(0.1 * (1 - theta) ** 2 / 3)
        coverage.append(result.coverage)
        order = np.argsort(-confidence)
        running = np.cumsum(~correct[order]) / np.arange(1, m + 1)
        widest = np.flatnonzero(running <= risk).max()
        plug_in_risk.append(0.1 * (1 - confidence[order][widest]) ** 2 / 3)
    assert np.mean(np.array(sgr_risk) <= risk) >= 1 - delta
    assert np.mean(np.array(plug_in_risk) <= risk) < 1 - delta
    # Not met by rejecting everything: SGR keeps a good part of the 77%.
    assert 0.3 < np.mean(coverage) < np.sqrt(0.6)


def test_result_is_a_named_tuple():
    result = sgr_threshold([0.2, 0.9, 0.95, 0.99], [False, True, True, True], risk=0.9)
    assert isinstance(result, SelectiveThreshold)
    threshold, bound, coverage, risk = result
    assert (threshold, coverage, risk) == (0.9, 0.75, 0.0) and bound == result.risk_bound


# ---------------------------------------------------------------------------- the estimator


@pytest.fixture(scope="module")
def calibrated(digits):
    """A classifier fitted on 300 digits and calibrated on 700 others it was not trained on."""
    X_train, X_test, y_train, y_test = digits
    params = dict(FAST, max_epochs=10, inas_iterations=0)
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), **params).fit(X_train[:300], y_train[:300])
    result = clf.selective_threshold(X_train[300:1000], y_train[300:1000], risk=0.1)
    return clf, result, (X_train[300:1000], y_train[300:1000]), (X_test, y_test)


def test_estimator_threshold_is_sgr_on_the_softmax_response(calibrated):
    clf, result, (X_cal, y_cal), _ = calibrated
    proba = clf.predict_proba(X_cal)
    correct = clf.classes_[proba.argmax(axis=1)] == y_cal
    assert result == sgr_threshold(proba.max(axis=1), correct, risk=0.1, delta=0.05)
    assert 0 < result.coverage < 1 and result.risk_bound <= 0.1
    assert (
        clf.selective_threshold_,
        clf.selective_risk_bound_,
        clf.selective_coverage_,
        clf.selective_risk_,
    ) == result


def test_predict_selective_marks_the_samples_at_or_above_the_threshold(calibrated):
    clf, result, (X_cal, y_cal), (X_test, _) = calibrated
    predictions, accepted = clf.predict_selective(X_test)
    np.testing.assert_array_equal(predictions, clf.predict(X_test))
    np.testing.assert_array_equal(
        accepted, clf.predict_proba(X_test).max(axis=1) >= result.threshold
    )
    assert accepted.dtype == bool and 0 < accepted.sum() < len(X_test)
    predictions, accepted = clf.predict_selective(X_cal)
    assert accepted.mean() == result.coverage
    assert np.mean(predictions[accepted] != y_cal[accepted]) == pytest.approx(result.risk)


def test_bad_calls_leave_the_threshold_as_it_was(calibrated):
    clf, result, (X_cal, y_cal), _ = calibrated
    with pytest.raises(ValueError, match="risk"):
        clf.selective_threshold(X_cal, y_cal, risk=1.5)
    with pytest.raises(ValueError, match="delta"):
        clf.selective_threshold(X_cal, y_cal, delta=0)
    with pytest.raises(ValueError, match="y has 10 labels"):
        clf.selective_threshold(X_cal, y_cal[:10])
    with pytest.raises(ValueError, match="features"):
        clf.selective_threshold(X_cal[:, :10], y_cal)
    assert clf.selective_threshold_ == result.threshold


def test_calibrating_on_training_samples_warns(calibrated, digits):
    clf = calibrated[0]
    X_train, _, y_train, _ = digits
    with pytest.warns(UserWarning, match="20 of the 120 samples .* trained on"):
        clf.selective_threshold(X_train[280:400], y_train[280:400], risk=0.5)
    clf.selective_threshold(*calibrated[2], risk=0.1)  # as the other tests expect it


def test_predict_selective_needs_a_threshold_and_fit_needs_nothing_new(small_digits):
    X, y, X_pool, y_pool = small_digits
    with pytest.raises(NotFittedError):
        ActiveINASClassifier().selective_threshold(X, y)
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), **dict(FAST, inas_iterations=0)).fit(X, y)
    with pytest.raises(NotFittedError, match="selective_threshold"):
        clf.predict_selective(X_pool)
    clf.selective_threshold(X_pool, y_pool, risk=0.9)
    assert hasattr(clf, "selective_threshold_")
    clf.teach(X_pool[:20], y_pool[:20])  # a new network: the old threshold does not apply
    assert not hasattr(clf, "selective_threshold_")
    clf.selective_threshold(X_pool[20:], y_pool[20:], risk=0.9)
    clf.fit(X, y)
    assert not any(name.startswith("selective_") for name in vars(clf))
