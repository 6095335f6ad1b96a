"""ActiveINASClassifier in scikit-learn's model selection: clone, params, CV, searches."""

import numpy as np
import pytest
from conftest import FAST
from scipy.stats import randint
from sklearn.base import clone
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
    cross_val_score,
)

from skactive import ActiveINASClassifier, Architecture

TINY = {**FAST, "max_epochs": 1, "block": "mlp", "inas_iterations": 0}


@pytest.fixture
def tiny_digits(digits):
    X_train, _, y_train, _ = digits
    return X_train[:120], y_train[:120]


def test_clone_copies_params_and_drops_fitted_state(tiny_digits):
    X, y = tiny_digits
    clf = ActiveINASClassifier(**TINY, initial_architecture=Architecture("mlp", 1, 2)).fit(X, y)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    assert not hasattr(twin, "architecture_")
    np.testing.assert_array_equal(twin.fit(X, y).predict_proba(X), clf.predict_proba(X))


def test_cross_val_score_scores_each_fold_as_a_fit_on_the_others_would(tiny_digits):
    # get_params, set_params and clone are scikit-learn's estimator contract
    # (tests/test_sklearn_checks.py); here, that cross-validation fits and scores each fold.
    X, y = tiny_digits
    folds = StratifiedKFold(2, shuffle=True, random_state=0)
    estimator = ActiveINASClassifier(**TINY)
    scores = cross_val_score(estimator, X, y, cv=folds)
    by_hand = [
        clone(estimator).fit(X[train], y[train]).score(X[test], y[test])
        for train, test in folds.split(X, y)
    ]
    np.testing.assert_array_equal(scores, by_hand)


def test_grid_search_over_skactive_params_serial_and_parallel(tiny_digits):
    X, y = tiny_digits
    grid = {"initial_architecture": [(1, 1), (1, 2)], "base_width": [4]}
    searches = [
        GridSearchCV(ActiveINASClassifier(**TINY), grid, cv=2, n_jobs=n_jobs).fit(X, y)
        for n_jobs in (1, 2)
    ]
    for search in searches:
        assert len(search.cv_results_["params"]) == 2
        best = search.best_estimator_
        assert best.base_width == search.best_params_["base_width"]
        assert best.architecture_ == Architecture(
            "mlp", *search.best_params_["initial_architecture"]
        )
        assert len(best.y_training_) == len(y)
    # Every fit is seeded by random_state, so worker processes reproduce the serial scores.
    serial, parallel = (search.cv_results_["mean_test_score"] for search in searches)
    np.testing.assert_allclose(parallel, serial)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_randomized_search_over_skactive_params(tiny_digits, n_jobs):
    X, y = tiny_digits
    distributions = {"max_epochs": randint(1, 3), "dropout": [0.0, 0.5]}
    search = RandomizedSearchCV(
        ActiveINASClassifier(**TINY), distributions, n_iter=2, cv=2, n_jobs=n_jobs, random_state=0
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert search.best_params_["max_epochs"] in (1, 2)
    assert search.best_estimator_.max_epochs == search.best_params_["max_epochs"]
