"""The Gaussian-process baseline: modAL's BayesianOptimizer and max_EI as a learner."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skactive.experiment import GPBaseline


def test_expected_improvement_climbs_to_the_largest_target():
    X = np.linspace(0, 1, 101).reshape(-1, 1)
    y = -((X.ravel() - 0.73) ** 2)
    learner = GPBaseline(random_state=0).fit(X[[0, 50, 100]], y[[0, 50, 100]])
    for _ in range(6):
        indices, samples = learner.query(X, n_instances=1)
        np.testing.assert_array_equal(samples, X[indices])
        learner.teach(samples, y[indices])
    best = learner.optimizer_.X_training[np.argmax(learner.optimizer_.y_training)]
    assert abs(best[0] - 0.73) <= 0.03
    assert len(learner.optimizer_.y_training) == 9
    assert learner.architecture_ == "GP"


def test_samples_of_any_shape_are_flattened_and_predictions_follow_the_targets():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 1, 4))
    y = X.reshape(30, -1).sum(axis=1)
    learner = GPBaseline().fit(X[:20], y[:20])
    indices, samples = learner.query(X[20:], n_instances=3)
    assert len(set(indices.tolist())) == 3 and samples.shape == (3, 1, 4)
    assert np.corrcoef(learner.predict(X[20:]), y[20:])[0, 1] > 0.9


def test_it_must_be_fitted_first_and_takes_a_nonnegative_tradeoff():
    with pytest.raises(NotFittedError):
        GPBaseline().query(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="'tradeoff' parameter of GPBaseline"):
        GPBaseline(tradeoff=-1.0).fit(np.zeros((3, 2)), np.zeros(3))
