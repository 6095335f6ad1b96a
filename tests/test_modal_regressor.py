"""ActiveINASRegressor under modAL: an ActiveLearner with a regression strategy, and Bayesian
optimisation, whose acquisitions read ``predict(X, return_std=True)``."""

from itertools import pairwise

import numpy as np
import pytest
from conftest import FAST
from modAL.acquisition import max_EI, max_UCB, optimizer_EI, optimizer_UCB
from sklearn.datasets import make_friedman1

from skactive import ActiveINASRegressor
from skactive.modal import ActiveLearner, BayesianOptimizer
from skactive.strategies import random_sampling, variance_sampling

# A base width of 16: at 4, a few samples end with no active feature before the dropout head,
# so their predictive spread is exactly 0 and modAL's acquisitions divide by it.
TINY = dict(FAST, base_width=16, max_epochs=2, inas_iterations=1, max_blocks=2, max_stacks=2)


@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=200, noise=0.1, random_state=0)
    return X.astype(np.float32), y


@pytest.mark.parametrize("strategy", [variance_sampling, random_sampling])
def test_active_learner_queries_with_a_regression_strategy(friedman, strategy):
    X, y = friedman
    reg = ActiveINASRegressor(warm_start=True, **TINY)
    learner = ActiveLearner(reg, query_strategy=strategy, X_training=X[:40], y_training=y[:40])
    pool = X[40:]
    indices, samples = learner.query(pool, n_instances=5, random_state=0)
    np.testing.assert_array_equal(indices, strategy(reg, pool, 5, random_state=0)[0])
    np.testing.assert_array_equal(samples, pool[indices])
    learner.teach(samples, y[40:][indices])
    np.testing.assert_array_equal(reg.X_training_, learner.X_training)
    np.testing.assert_array_equal(reg.y_training_, learner.y_training)
    # modAL refits on the whole labeled set; warm_start resumes the search where it was.
    assert reg.history_[1]["start"] == reg.architecture_history_[0]
    assert all(a <= b for a, b in pairwise(reg.architecture_history_))
    assert learner.score(X[100:], y[100:]) == reg.score(X[100:], y[100:])


@pytest.mark.parametrize(
    ("acquisition", "utility"), [(max_EI, optimizer_EI), (max_UCB, optimizer_UCB)]
)
def test_bayesian_optimizer_reads_the_regressors_predictive_std(friedman, acquisition, utility):
    X, y = friedman
    reg = ActiveINASRegressor(warm_start=True, **TINY)
    optimizer = BayesianOptimizer(
        reg, query_strategy=acquisition, X_training=X[:30], y_training=y[:30]
    )
    pool = X[30:]
    mean, std = optimizer.predict(pool, return_std=True)
    assert mean.shape == std.shape == (len(pool),)
    assert np.isfinite(std).all() and (std > 0).all()
    for _ in range(2):
        scores = utility(optimizer, pool)
        assert np.isfinite(scores).all()
        index, point = optimizer.query(pool)
        # The acquisition's best point, from the regressor's own (mean, std).
        assert scores[index[0]] == scores.max()
        optimizer.teach(point, y[30:][index])
    assert len(optimizer.y_training) == len(reg.y_training_) == 32
    x_max, y_max = optimizer.get_max()
    assert y_max == optimizer.y_training.max() >= y[:30].max()
    np.testing.assert_array_equal(x_max, optimizer.X_training[np.argmax(optimizer.y_training)])
