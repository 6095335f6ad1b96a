"""skactive.modal.ActiveLearner: the real modAL ActiveLearner, working on current scikit-learn."""

import importlib
import subprocess
import sys
from importlib.metadata import version
from itertools import pairwise

import numpy as np
import pytest
from conftest import FAST
from modAL.batch import uncertainty_batch_sampling
from modAL.models import ActiveLearner as ModALActiveLearner
from modAL.uncertainty import entropy_sampling, margin_sampling, uncertainty_sampling
from scipy.stats import entropy
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveINASClassifier, query
from skactive.modal import ActiveLearner, BayesianOptimizer
from skactive.strategies import random_sampling, softmax_response


def test_import_skactive_does_not_import_modal():
    code = "import sys, skactive; print(any(m.startswith('modAL') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_modal_raises_import_error_with_install_command(monkeypatch):
    for name in [m for m in sys.modules if m == "modAL" or m.startswith("modAL.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "skactive.modal")
    with pytest.raises(ImportError, match="pip install --no-deps modAL-python"):
        importlib.import_module("skactive.modal")


@pytest.mark.skipif(
    version("modAL-python") != "0.4.2.1", reason="documents modAL 0.4.2.1 specifically"
)
def test_unpatched_modal_teach_fails_on_current_sklearn():
    """Why the subclass exists: modAL's own teach passes an argument scikit-learn removed."""
    X, y = np.array([[0.0], [1.0], [0.2], [0.9]]), np.array([0, 1, 0, 1])
    learner = ModALActiveLearner(LogisticRegression(), X_training=X[:2], y_training=y[:2])
    with pytest.raises(TypeError, match="force_all_finite"):
        learner.teach(X[2:], y[2:])
    patched = ActiveLearner(LogisticRegression(), X_training=X[:2], y_training=y[:2])
    patched.teach(X[2:], y[2:])
    assert isinstance(patched, ModALActiveLearner)
    np.testing.assert_array_equal(patched.X_training, X)


def test_rounds_with_warm_start_never_shrink_the_architecture(small_digits):
    X, y, X_pool, y_pool = small_digits
    # The mlp block keeps this fast; warm starting works the same for every block.
    clf = ActiveINASClassifier(block="mlp", warm_start=True, **{**FAST, "max_epochs": 1})
    learner = ActiveLearner(
        estimator=clf, query_strategy=uncertainty_sampling, X_training=X[:40], y_training=y[:40]
    )
    remaining = np.arange(len(X_pool))
    for _ in range(3):
        indices, samples = learner.query(X_pool[remaining], n_instances=8)
        np.testing.assert_array_equal(samples, X_pool[remaining[indices]])
        learner.teach(samples, y_pool[remaining[indices]])
        remaining = np.delete(remaining, indices)
    assert len(learner.X_training) == len(clf.y_training_) == 64
    np.testing.assert_array_equal(clf.X_training_, learner.X_training)
    assert len(clf.architecture_history_) == 4
    assert all(a <= b for a, b in pairwise(clf.architecture_history_))
    # Each refit by modAL resumed the search where the previous one ended.
    for entry, previous in zip(clf.history_[1:], clf.architecture_history_):
        assert entry["start"] == previous


@pytest.mark.parametrize(
    "strategy, utility",
    [
        (uncertainty_sampling, lambda p: 1 - p.max(axis=1)),
        (margin_sampling, lambda p: -np.diff(np.sort(p, axis=1)[:, -2:], axis=1)[:, 0]),
        (entropy_sampling, lambda p: entropy(p, axis=1)),
        (softmax_response, lambda p: 1 - p.max(axis=1)),
    ],
)
def test_uncertainty_strategies_pick_the_highest_utility(small_digits, strategy, utility):
    X, y, X_pool, y_pool = small_digits
    clf = ActiveINASClassifier(block="mlp", inas_iterations=0, warm_start=True, **FAST)
    learner = ActiveLearner(estimator=clf, query_strategy=strategy, X_training=X, y_training=y)
    indices, samples = learner.query(X_pool, n_instances=5)
    scores = utility(learner.predict_proba(X_pool))
    assert np.sort(scores[indices]).min() >= np.sort(scores)[-5] - 1e-6
    learner.teach(samples, y_pool[indices])
    assert len(clf.y_training_) == len(y) + 5


def test_random_sampling_through_the_learner(small_digits):
    X, y, X_pool, y_pool = small_digits
    clf = ActiveINASClassifier(block="mlp", inas_iterations=0, **FAST)
    learner = ActiveLearner(clf, query_strategy=random_sampling, X_training=X, y_training=y)
    indices, samples = learner.query(X_pool, n_instances=7, random_state=0)
    again, _ = learner.query(X_pool, n_instances=7, random_state=0)
    np.testing.assert_array_equal(indices, again)
    assert len(set(indices.tolist())) == 7
    np.testing.assert_array_equal(samples, X_pool[indices])


def test_bootstrap_init_fits_on_a_bootstrap_sample(small_digits):
    X, y, _, _ = small_digits
    clf = ActiveINASClassifier(block="mlp", inas_iterations=0, **FAST)
    learner = ActiveLearner(clf, X_training=X, y_training=y, bootstrap_init=True)
    seen = clf.X_training_
    assert len(seen) == len(X)
    # A bootstrap sample of 120 rows repeats some (all distinct has probability ~1e-51).
    assert len(np.unique(seen, axis=0)) < len(np.unique(X, axis=0))
    assert (seen[:, None, :] == X[None, :, :]).all(axis=2).any(axis=1).all()
    np.testing.assert_array_equal(learner.X_training, X)


def test_pipeline_estimator_queries_the_raw_pool(small_digits):
    X, y, X_pool, y_pool = small_digits
    pipe = make_pipeline(
        StandardScaler(), ActiveINASClassifier(block="mlp", inas_iterations=0, **FAST)
    )
    learner = ActiveLearner(pipe, query_strategy=softmax_response, X_training=X, y_training=y)
    indices, samples = learner.query(X_pool, n_instances=6)
    expected, _ = query(pipe, X_pool, n_instances=6)
    np.testing.assert_array_equal(indices, expected)
    np.testing.assert_array_equal(samples, X_pool[indices])
    learner.teach(samples, y_pool[indices])
    assert len(pipe[-1].y_training_) == len(y) + 6


def test_on_transformed_batch_sampling_through_a_pipeline(small_digits):
    X, y, X_pool, y_pool = small_digits
    pipe = make_pipeline(
        StandardScaler(), ActiveINASClassifier(block="mlp", inas_iterations=0, **FAST)
    )
    learner = ActiveLearner(
        pipe,
        query_strategy=uncertainty_batch_sampling,
        X_training=X,
        y_training=y,
        on_transformed=True,
    )
    np.testing.assert_allclose(
        learner.transform_without_estimating(X_pool), pipe[0].transform(X_pool)
    )
    indices, samples = learner.query(X_pool, n_instances=5)
    assert len(set(indices.tolist())) == 5
    np.testing.assert_array_equal(samples, X_pool[indices])
    learner.teach(samples, y_pool[indices])
    assert len(learner.X_training) == len(X) + 5


def test_fit_replaces_the_labeled_set():
    X, y = np.array([[0.0], [1.0], [0.2], [0.9]]), np.array([0, 1, 0, 1])
    learner = ActiveLearner(DummyClassifier(), X_training=X[:2], y_training=y[:2])
    learner.fit(X[1:], y[1:])
    np.testing.assert_array_equal(learner.X_training, X[1:])
    learner.teach(X[:1], y[:1], only_new=True)
    np.testing.assert_array_equal(learner.X_training, X[1:])


def test_teach_appends_in_place_without_touching_earlier_arrays():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10) % 2
    initial = X[:2].copy()
    learner = ActiveLearner(DummyClassifier(), X_training=initial, y_training=y[:2])
    views, buffers = [], []
    for i in range(2, 10):
        learner.teach(X[i : i + 1], y[i : i + 1])
        views.append(learner.X_training)
        buffers.append(learner.X_training.base)
    np.testing.assert_array_equal(learner.X_training, X)
    np.testing.assert_array_equal(learner.y_training, y)
    np.testing.assert_array_equal(initial, X[:2])
    for n, view in enumerate(views, start=3):
        np.testing.assert_array_equal(view, X[:n])
    # Capacity doubles: 8 single-row teaches reallocate 3 times (2 -> 4 -> 8 -> 16 rows).
    assert len({id(b) for b in buffers}) == 3


@pytest.mark.parametrize(
    "X_new, y_new, error",
    [
        (np.array([[np.nan]]), np.array([0]), ValueError),
        (np.array([[0.5, 0.5]]), np.array([0]), ValueError),
        (np.array([[0.5]]), np.array(["a"]), TypeError),
        (np.array([[0.5]]), np.array([0.5]), ValueError),
    ],
)
def test_bad_teach_leaves_the_labeled_set_unchanged(X_new, y_new, error):
    X, y = np.array([[0.0], [1.0], [0.2]]), np.array([0, 1, 0])
    learner = ActiveLearner(LogisticRegression(), X_training=X, y_training=y)
    with pytest.raises(error):
        learner.teach(X_new, y_new)
    np.testing.assert_array_equal(learner.X_training, X)
    np.testing.assert_array_equal(learner.y_training, y)
    learner.teach(np.array([[0.8]]), np.array([1]))
    np.testing.assert_array_equal(learner.y_training, [0, 1, 0, 1])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_unpatched_modal_bayesian_optimizer_fails_and_ours_tracks_the_maximum():
    from modAL.acquisition import max_EI
    from modAL.models import BayesianOptimizer as ModALBayesianOptimizer
    from sklearn.gaussian_process import GaussianProcessRegressor

    X = np.linspace(0, 10, 50).reshape(-1, 1)
    y = -((X.ravel() - 7.0) ** 2)
    modal = ModALBayesianOptimizer(GaussianProcessRegressor(), X_training=X[:1], y_training=y[:1])
    with pytest.raises(TypeError, match="force_all_finite"):
        modal.teach(X[1:2], y[1:2])
    optimizer = BayesianOptimizer(
        GaussianProcessRegressor(), query_strategy=max_EI, X_training=X[:1], y_training=y[:1]
    )
    assert isinstance(optimizer, ModALBayesianOptimizer)
    for _ in range(6):
        index, _ = optimizer.query(X)
        optimizer.teach(X[index], y[index])
    assert len(optimizer.y_training) == 7
    x_max, y_max = optimizer.get_max()
    assert y_max == optimizer.y_training.max() and y_max > y[0]
    assert x_max.ravel()[0] == X[np.flatnonzero(y == y_max)[0], 0]
    before = optimizer.X_training.copy()
    with pytest.raises(ValueError):
        optimizer.teach(X[:2], np.array([np.nan, 1.0]))  # a failed refit keeps every point
    np.testing.assert_array_equal(optimizer.X_training, before)


def test_committee_of_fixed_learners_queries_and_teaches(small_digits):
    from modAL.disagreement import vote_entropy_sampling
    from modAL.models import Committee

    X, y, X_pool, y_pool = small_digits
    committee = Committee(
        [
            ActiveLearner(LogisticRegression(max_iter=500), X_training=X, y_training=y),
            ActiveLearner(
                ActiveINASClassifier(**FAST, input_shape=(1, 8, 8)), X_training=X, y_training=y
            ),
        ],
        query_strategy=vote_entropy_sampling,
    )
    indices, samples = committee.query(X_pool, n_instances=5)
    committee.teach(samples, y_pool[indices])
    assert all(len(learner.y_training) == len(y) + 5 for learner in committee.learner_list)
    assert committee.predict(X_pool).shape == (len(X_pool),)
    assert committee.score(X_pool, y_pool) > 0.5
