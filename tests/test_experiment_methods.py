"""What an experiment compares, checked against its task before any training (tests of
skactive/experiment/_methods.py)."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skactive import ActiveINASClassifier, ActiveINASRegressor
from skactive.experiment import GP_BO, GPBaseline, run_experiment
from skactive.experiment._methods import experiment_methods

SETTINGS = dict(initial_size=10, query_size=10, budget=20, n_repeats=1, progress=False)


@pytest.fixture
def untrainable(monkeypatch):
    """Estimators whose training fails loudly: the checks must come before any of it."""

    def fit(self, X, y):
        raise AssertionError("trained before the arguments were checked")

    monkeypatch.setattr(ActiveINASRegressor, "fit", fit)
    monkeypatch.setattr(ActiveINASClassifier, "fit", fit)


@pytest.fixture(scope="module")
def regression_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3)).astype(np.float32)
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=60)
    return X[:40], y[:40], X[40:], y[40:]


@pytest.mark.parametrize("strategy", ["softmax_response", "margin", "oracle", "mc_dropout:power"])
def test_a_classification_strategy_on_a_regression_task_fails_naming_both(
    regression_data, untrainable, strategy
):
    with pytest.raises(InvalidParameterError) as error:
        run_experiment(
            *regression_data, estimator=ActiveINASRegressor(), strategies=[strategy], **SETTINGS
        )
    message = str(error.value)
    assert f"strategy {strategy!r} is a classification strategy" in message
    assert "a regression task" in message and "'random', 'variance'" in message


def test_a_regression_strategy_on_a_classification_task_fails_naming_both(untrainable):
    X, y = np.zeros((40, 2), np.float32), np.arange(40) % 2
    with pytest.raises(InvalidParameterError, match="'variance' is a regression strategy"):
        run_experiment(X, y, X, y, strategies=["variance"], **SETTINGS)


def test_unknown_strategies_are_unknown_whatever_the_task(regression_data, untrainable):
    with pytest.raises(InvalidParameterError, match="Unknown query strategy 'psychic'"):
        run_experiment(
            *regression_data, estimator=ActiveINASRegressor(), strategies=["psychic"], **SETTINGS
        )


def test_targets_and_goals_of_the_other_task_are_refused(regression_data, untrainable):
    X_train, y_train, X_test, y_test = regression_data
    with pytest.raises(InvalidParameterError, match="continuous targets, but the estimator"):
        run_experiment(X_train, y_train, X_test, y_test, strategies=["random"], **SETTINGS)
    labels = np.array(["cat", "dog"] * 20)
    with pytest.raises(InvalidParameterError, match="class labels .* is a regressor"):
        run_experiment(
            X_train, labels, X_test, labels[:20], estimator=ActiveINASRegressor(),
            strategies=["random"], **SETTINGS,
        )  # fmt: skip
    classes = np.arange(40) % 2
    with pytest.raises(InvalidParameterError, match="top_fraction is the goal of an active"):
        run_experiment(
            X_train, classes, X_test, classes[:20], strategies=["random"], top_fraction=0.1,
            **SETTINGS,
        )  # fmt: skip


def test_the_gp_baseline_is_for_regression_and_listed_once(untrainable):
    X, y = np.zeros((40, 2), np.float32), np.arange(40) % 2
    with pytest.raises(InvalidParameterError, match="'gp-bo' is a baseline of regression"):
        run_experiment(X, y, X, y, strategies=["random"], baselines=[GP_BO], **SETTINGS)
    with pytest.raises(ValueError, match="'gp-bo' is given twice"):
        experiment_methods(ActiveINASRegressor(), [GP_BO, GP_BO])
    methods = experiment_methods(ActiveINASRegressor(max_blocks=1), ["2x4", GP_BO])
    assert list(methods) == ["active-inas", "fixed-2x4", GP_BO]
    assert isinstance(methods[GP_BO], GPBaseline)
    # A frozen regressor, its search bounds widened to admit its architecture.
    assert isinstance(methods["fixed-2x4"], ActiveINASRegressor)
    assert methods["fixed-2x4"].get_params()["max_blocks"] == 2
