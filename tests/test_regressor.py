"""ActiveINASRegressor: the classifier's twin for continuous targets."""

import numpy as np
import pytest
import torch
from conftest import FAST
from sklearn.datasets import make_friedman1
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skactive import ActiveINASClassifier, ActiveINASRegressor, Architecture
from skactive.datasets import load_regression
from skactive.search_space import neighbours
from skactive.strategies import variance_sampling


@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=400, noise=0.1, random_state=0)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def fitted(friedman):
    """One regressor fitted on 150 samples, shared: every bad call must leave it as it was."""
    X, y = friedman
    return ActiveINASRegressor(**dict(FAST, max_epochs=40)).fit(X[:150], y[:150])


def test_flat_features_search_mlp_and_learn(friedman, fitted):
    X, y = friedman
    assert fitted.architecture_.block == "mlp"
    assert fitted.architecture_ in neighbours(Architecture("mlp", 1, 1), 12, 5)
    # The search compares candidates by validation MSE on standardised targets, not by an
    # error rate bounded by 1.
    assert all(c["val_error"] >= 0 for c in fitted.history_[0]["candidates"])
    assert isinstance(fitted.net_.criterion_, torch.nn.MSELoss)
    assert fitted.predict(X[300:]).shape == (100,)
    assert fitted.score(X[300:], y[300:]) > 0.5


def test_targets_standardised_in_fit_and_restored_in_predict(friedman, fitted):
    X, y = friedman
    scaled = ActiveINASRegressor(**dict(FAST, max_epochs=40)).fit(X[:150], 1000 * y[:150])
    assert scaled.y_mean_ == pytest.approx(1000 * fitted.y_mean_)
    assert scaled.y_std_ == pytest.approx(1000 * fitted.y_std_)
    assert np.isclose(fitted.y_mean_, y[:150].mean()) and np.isclose(fitted.y_std_, y[:150].std())
    # The network sees the same standardised targets, so it predicts at the targets' scale.
    np.testing.assert_allclose(scaled.predict(X[300:]), 1000 * fitted.predict(X[300:]), rtol=1e-3)
    assert scaled.score(X[300:], 1000 * y[300:]) > 0.5


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_multi_output_predictions_and_std_have_the_targets_shape(friedman, n_outputs):
    X, y = friedman
    Y = np.column_stack([y * (k + 1) + k for k in range(n_outputs)])
    reg = ActiveINASRegressor(**FAST).fit(X[:100], Y[:100])
    assert reg.net_.module_.head[-1].out_features == n_outputs
    assert reg.y_mean_.shape == reg.y_std_.shape == (n_outputs,)
    mean, std = reg.predict(X[100:120], return_std=True)
    assert mean.shape == std.shape == (20, n_outputs)
    assert (std > 0).all()
    np.testing.assert_array_equal(mean, reg.predict(X[100:120]))


def test_return_std_is_positive_reproducible_and_on_the_targets_scale(friedman, fitted):
    X, y = friedman
    mean, std = fitted.predict(X[300:], return_std=True)
    assert mean.shape == std.shape == (100,)
    assert np.isfinite(std).all() and (std > 0).all()
    np.testing.assert_array_equal(std, fitted.predict(X[300:], return_std=True)[1])
    # The passes' spread is computed in standardised units, then scaled back.
    assert np.median(std) < fitted.y_std_


def test_return_std_needs_dropout(friedman):
    X, y = friedman
    reg = ActiveINASRegressor(**dict(FAST, dropout=0.0, inas_iterations=0)).fit(X[:60], y[:60])
    assert reg.predict(X[:5]).shape == (5,)
    with pytest.raises(ValueError, match="dropout"):
        reg.predict(X[:5], return_std=True)


def test_query_picks_the_highest_variance_and_teach_grows_the_labeled_set(friedman):
    X, y = friedman
    reg = ActiveINASRegressor(**FAST).fit(X[:80], y[:80])
    assert reg.query_strategy == "variance"
    pool = X[80:]
    indices, samples, utilities = reg.query(pool, n_instances=10, return_utilities=True)
    assert len(set(indices.tolist())) == 10
    np.testing.assert_array_equal(samples, pool[indices])
    assert utilities[indices].min() >= np.delete(utilities, indices).max()
    first = reg.architecture_
    reg.teach(samples, y[80:][indices])
    assert len(reg.y_training_) == len(reg.X_training_) == 90
    np.testing.assert_array_equal(reg.y_training_[80:], y[80:][indices])
    assert reg.architecture_.depth >= first.depth
    assert len(reg.architecture_history_) == 2
    assert reg.y_mean_ == pytest.approx(reg.y_training_.mean())


def test_variance_sampling_works_through_its_name_and_directly(friedman, fitted):
    X, _ = friedman
    direct, _, utilities = variance_sampling(
        fitted, X[300:], n_instances=4, random_state=0, return_utilities=True
    )
    np.testing.assert_array_equal(direct, np.argsort(-utilities, kind="stable")[:4])
    random_indices, _ = (
        ActiveINASRegressor(**dict(FAST, query_strategy="random"))
        .fit(X[:60], np.asarray(fitted.y_training_[:60]))
        .query(X[300:], n_instances=4)
    )
    assert len(set(random_indices.tolist())) == 4


def test_huber_loss_option(friedman, fitted):
    X, y = friedman
    huber = ActiveINASRegressor(**dict(FAST, max_epochs=40, loss="huber")).fit(X[:150], y[:150])
    assert isinstance(huber.net_.criterion_, torch.nn.HuberLoss)
    assert not np.allclose(huber.predict(X[300:]), fitted.predict(X[300:]))
    assert huber.score(X[300:], y[300:]) > 0.5


def test_integer_valued_targets_are_split_at_random_not_by_class(friedman):
    """Repeated target values would stratify a classifier's folds; a regressor never does."""
    X, y = friedman
    Y = np.column_stack([np.round(y), np.round(y) % 3])
    reg = ActiveINASRegressor(**dict(FAST, min_validation_size=100)).fit(X[:200], Y[:200])
    assert reg.history_[0]["candidates"][0]["folds"] == 3


def test_a_regressors_winner_goes_on_after_folds_too(friedman):
    # A classifier's winner compared on folds trains anew; a regressor's goes on.
    X, y = friedman
    reg = ActiveINASRegressor(**dict(FAST, min_validation_size=100)).fit(X[:200], y[:200])
    entry = reg.history_[0]
    assert entry["candidates"][0]["folds"] == 3 and entry["continued"]


def test_strategies_of_the_other_task_are_refused(friedman):
    X, y = friedman
    with pytest.raises(InvalidParameterError, match="query_strategy"):
        ActiveINASRegressor(query_strategy="softmax_response").fit(X[:20], y[:20])
    with pytest.raises(InvalidParameterError, match="query_strategy"):
        ActiveINASClassifier(query_strategy="variance").fit(X[:20], (y[:20] > 14).astype(int))
    with pytest.raises(InvalidParameterError, match="loss"):
        ActiveINASRegressor(loss="absolute_error").fit(X[:20], y[:20])


def _snapshot(reg, X):
    """What a rejected call must leave as it was: the labeled set, the history, the model."""
    return {
        "X": reg.X_training_.copy(),
        "y": reg.y_training_.copy(),
        "history": [entry["architecture"] for entry in reg.history_],
        "architectures": list(reg.architecture_history_),
        "encoding": (np.copy(reg.y_mean_), np.copy(reg.y_std_)),
        "n_features_in": reg.n_features_in_,
        "predictions": reg.predict(X),
    }


def _assert_unchanged(reg, before, X):
    after = _snapshot(reg, X)
    for name in ("X", "y", "predictions"):
        np.testing.assert_array_equal(after[name], before[name])
        assert after[name].dtype == before[name].dtype
    np.testing.assert_array_equal(after["encoding"], before["encoding"])
    assert [after[k] == before[k] for k in ("history", "architectures", "n_features_in")] == [
        True
    ] * 3


def _at(y, index, value):
    bad = np.array(y, dtype=object if value is None else float)
    bad[index] = value
    return bad


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (lambda y: _at(y, 3, np.nan), "NaN"),
        (lambda y: _at(y, 3, np.inf), "infinity"),
        (lambda y: _at(y, 0, -np.inf), "infinity"),
        (lambda y: _at(y, 2, None), "NaN"),
        (lambda y: y.reshape(-1, 1, 1), r"shape \(n_samples,\) or \(n_samples, n_outputs\)"),
        (lambda y: np.empty((len(y), 0)), "no outputs"),
        (lambda y: np.where(y > 14, "high", "low"), "class labels"),
        (lambda y: np.array(["a"] * len(y), dtype=object), "class labels"),
        (lambda y: np.array([str(v) for v in y], dtype=object), "class labels.*'"),
        (lambda y: np.array([b"x"] * len(y)), "class labels"),
        (lambda y: np.array([{}] * len(y), dtype=object), "real numbers.*object"),
        (lambda y: y + 1j, "Complex data not supported: y"),
    ],
    ids=[
        "nan",
        "inf",
        "-inf",
        "none",
        "3-d",
        "no-outputs",
        "strings",
        "objects",
        "numeric-strings",
        "bytes",
        "dicts",
        "complex",
    ],
)
def test_bad_targets_are_refused_and_the_labeled_set_unchanged(friedman, fitted, bad, match):
    X, y = friedman
    before = _snapshot(fitted, X[300:])
    with pytest.raises(ValueError, match=match):
        ActiveINASRegressor(**FAST).fit(X[:20], bad(y[:20]))
    with pytest.raises(ValueError, match=match):
        fitted.teach(X[200:210], bad(y[200:210]))
    # A rejected fit of a fitted regressor leaves it as it was too.
    with pytest.raises(ValueError, match=match):
        fitted.fit(X[:20], bad(y[:20]))
    _assert_unchanged(fitted, before, X[300:])


@pytest.mark.parametrize(
    ("fit_targets", "taught"),
    [
        (lambda y: y, lambda y: np.column_stack([y, y])),
        (lambda y: y, lambda y: y[:, None]),
        (lambda y: np.column_stack([y, y]), lambda y: y),
        (lambda y: np.column_stack([y, y]), lambda y: np.column_stack([y, y, y])),
    ],
    ids=["1-d+2", "1-d+column", "2+1-d", "2+3"],
)
def test_teach_refuses_targets_of_another_shape(friedman, fitted, fit_targets, taught):
    X, y = friedman
    reg = fitted
    if fit_targets(y[:3]).ndim == 2:
        reg = ActiveINASRegressor(**dict(FAST, inas_iterations=0)).fit(X[:40], fit_targets(y[:40]))
    before = _snapshot(reg, X[300:])
    with pytest.raises(ValueError, match=r"as many outputs.*shape \("):
        reg.teach(X[200:205], taught(y[200:205]))
    _assert_unchanged(reg, before, X[300:])


def test_teach_refuses_samples_and_targets_of_other_lengths(friedman, fitted):
    X, y = friedman
    before = _snapshot(fitted, X[300:])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        fitted.teach(X[200:205], y[200:204])
    with pytest.raises(ValueError, match="features"):
        fitted.teach(X[200:205, :4], y[200:205])
    _assert_unchanged(fitted, before, X[300:])


@pytest.mark.parametrize(
    "as_numbers",
    [
        lambda y: np.round(y).astype(np.int64) % 3,
        lambda y: y > 14,
        lambda y: np.array(list(y), dtype=object),
        lambda y: y.astype(np.float32),
    ],
    ids=["few-integers", "booleans", "float-objects", "float32"],
)
def test_numeric_targets_of_any_dtype_are_regressed_as_floats(friedman, as_numbers):
    """As scikit-learn's regressors: integers with few values are numbers, not classes."""
    X, y = friedman
    targets = as_numbers(y[:40])
    reg = ActiveINASRegressor(**dict(FAST, inas_iterations=0)).fit(X[:40], targets)
    assert reg.y_training_.dtype == np.float64
    np.testing.assert_array_equal(reg.y_training_, targets.astype(np.float64))
    assert reg.y_mean_ == pytest.approx(targets.astype(np.float64).mean())
    reg.teach(X[40:45], as_numbers(y[40:45]))
    assert reg.y_training_.dtype == np.float64 and len(reg.y_training_) == 45
    assert reg.predict(X[:3]).dtype == np.float64


def test_pipeline_and_grid_search(friedman):
    X, y = friedman
    pipe = make_pipeline(StandardScaler(), ActiveINASRegressor(**dict(FAST, inas_iterations=0)))
    grid = GridSearchCV(pipe, {"activeinasregressor__loss": ["squared_error", "huber"]}, cv=2)
    grid.fit(X[:80], y[:80])
    assert grid.best_params_["activeinasregressor__loss"] in ("squared_error", "huber")
    assert grid.predict(X[:7]).shape == (7,)
    assert np.isfinite(grid.score(X[80:120], y[80:120]))


def test_default_regressor_does_not_fit_the_noise_of_a_small_tabular_set():
    # 100 rows of the diabetes data, whose targets are mostly noise: the classifier's recipe
    # (1,200 steps, AdamW decay 0.05) fitted it and scored R² 0.07 where ridge scores 0.34.
    data = load_regression("diabetes")
    rows = np.random.RandomState(100).choice(len(data.X_train), 100, replace=False)
    reg = ActiveINASRegressor(device="cpu", random_state=0)
    reg.fit(data.X_train[rows], data.y_train[rows])
    assert reg.score(data.X_test, data.y_test) > 0.25
