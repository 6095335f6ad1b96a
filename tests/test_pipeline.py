"""ActiveINASClassifier inside scikit-learn Pipelines, and skactive.query through them."""

import numpy as np
import pytest
from conftest import FAST
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skactive import ActiveINASClassifier, query


@pytest.fixture(scope="module")
def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, train_size=150, test_size=200, random_state=0, stratify=y)


def _pixels_to_unit(X):
    return np.asarray(X, dtype=np.float32) / 16.0


def test_scaler_then_mlp_on_tabular_data(breast_cancer):
    X_train, X_test, y_train, y_test = breast_cancer
    pipe = make_pipeline(
        StandardScaler(),
        ActiveINASClassifier(block="auto", inas_iterations=0, **{**FAST, "max_epochs": 5}),
    )
    pipe.fit(X_train, y_train)
    assert pipe[-1].architecture_.block == "mlp"
    # Unscaled, these features span 0.001 to 2500; scaled, a tiny MLP separates the classes.
    assert pipe.score(X_test, y_test) > 0.85


def test_transformer_feeding_flat_image_rows(digits):
    X_train, X_test, y_train, y_test = digits
    raw = X_train[:60] * 16.0
    pipe = make_pipeline(
        FunctionTransformer(_pixels_to_unit),
        ActiveINASClassifier(
            input_shape=(1, 8, 8), inas_iterations=0, **{**FAST, "max_epochs": 1}
        ),
    )
    pipe.fit(raw, y_train[:60])
    assert pipe[-1].architecture_.block == "resnet"
    assert pipe[-1].input_shape_ == (1, 8, 8)
    proba = pipe.predict_proba(X_test[:50] * 16.0)
    np.testing.assert_allclose(proba, pipe[-1].predict_proba(X_test[:50]), rtol=1e-5)


def test_query_through_a_pipeline_returns_raw_rows(breast_cancer):
    X_train, X_pool, y_train, _ = breast_cancer
    pipe = make_pipeline(
        StandardScaler(), ActiveINASClassifier(block="mlp", inas_iterations=0, **FAST)
    )
    pipe.fit(X_train, y_train)
    indices, samples = query(pipe, X_pool, n_instances=8)
    expected, _ = pipe[-1].query(pipe[0].transform(X_pool), n_instances=8)
    np.testing.assert_array_equal(indices, expected)
    np.testing.assert_array_equal(samples, X_pool[indices])


def test_query_on_a_bare_estimator_and_a_one_step_pipeline(small_digits):
    X, y, X_pool, _ = small_digits
    clf = ActiveINASClassifier(block="mlp", inas_iterations=0, **FAST).fit(X, y)
    indices, samples = query(clf, X_pool, n_instances=4)
    np.testing.assert_array_equal(indices, clf.query(X_pool, n_instances=4)[0])
    np.testing.assert_array_equal(query(make_pipeline(clf), X_pool, 4)[0], indices)
    np.testing.assert_array_equal(samples, X_pool[indices])


def test_query_forwards_keyword_arguments(small_digits):
    X, y, X_pool, _ = small_digits
    clf = ActiveINASClassifier(block="mlp", inas_iterations=0, query_strategy="random", **FAST)
    pipe = make_pipeline(StandardScaler(), clf).fit(X, y)
    first, _ = query(pipe, X_pool, 5, random_state=1)
    np.testing.assert_array_equal(query(pipe, X_pool, 5, random_state=1)[0], first)
    assert not np.array_equal(query(pipe, X_pool, 5, random_state=2)[0], first)


def test_query_needs_an_active_learner_at_the_end(breast_cancer):
    X_train, X_pool, y_train, _ = breast_cancer
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
    with pytest.raises(TypeError, match="LogisticRegression has no query method"):
        query(pipe, X_pool, 3)
