"""ActiveINASRegressor inside scikit-learn's meta-estimators: pipelines, CV, target transforms."""

import numpy as np
import pytest
from conftest import FAST
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_friedman1
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveINASRegressor, query

TINY = dict(FAST, max_epochs=2, inas_iterations=0)


@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=200, noise=0.1, random_state=0)
    # Raw features on scales a scaler must fix; positive targets for a log transform.
    return 100 * X.astype(np.float32), y


def test_query_through_a_scaling_pipeline_returns_raw_rows(friedman):
    X, y = friedman
    pipe = make_pipeline(StandardScaler(), ActiveINASRegressor(warm_start=True, **TINY))
    pipe.fit(X[:60], y[:60])
    pool = X[60:]
    indices, samples = query(pipe, pool, n_instances=5)
    np.testing.assert_array_equal(samples, pool[indices])
    # The regressor scored the pool as it was trained: scaled.
    direct = pipe[-1].query(pipe[0].transform(pool), n_instances=5)[0]
    np.testing.assert_array_equal(indices, direct)
    pipe.fit(np.concatenate([X[:60], samples]), np.concatenate([y[:60], y[60:][indices]]))
    assert len(pipe[-1].y_training_) == 65 and len(pipe[-1].architecture_history_) == 2


def test_cross_val_score_scores_independent_clones_reproducibly(friedman):
    X, y = friedman
    reg = ActiveINASRegressor(**TINY)
    cv = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(reg, X[:90], y[:90], cv=cv)
    assert scores.shape == (3,) and np.isfinite(scores).all()
    expected = [
        clone(reg).fit(X[train], y[train]).score(X[test], y[test])
        for train, test in cv.split(X[:90])
    ]
    np.testing.assert_allclose(scores, expected)
    assert not hasattr(reg, "net_")  # the template stays unfitted


def test_transformed_target_regressor_trains_on_log_targets(friedman):
    X, y = friedman
    ttr = TransformedTargetRegressor(
        regressor=ActiveINASRegressor(**TINY), func=np.log, inverse_func=np.exp
    )
    ttr.fit(X[:80], y[:80])
    inner = ttr.regressor_
    np.testing.assert_allclose(inner.y_training_, np.log(y[:80]))
    assert inner.y_mean_ == pytest.approx(np.log(y[:80]).mean())
    predictions = ttr.predict(X[80:100])
    np.testing.assert_allclose(predictions, np.exp(inner.predict(X[80:100])), rtol=1e-6)
    assert predictions.shape == (20,) and (predictions > 0).all()
    assert np.isfinite(ttr.score(X[80:100], y[80:100]))
    # The fitted inner regressor queries and learns in log space.
    indices, samples = inner.query(X[100:], n_instances=4)
    inner.teach(samples, np.log(y[100:][indices]))
    assert len(inner.y_training_) == 84
