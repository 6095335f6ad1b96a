"""Regression experiments: RMSE and R² each round, the recall of the top targets, the AUC
and gains signed so that > 0 is better (tests of skactive/experiment/_metrics.py)."""

import csv
import math

import numpy as np
import pytest
from conftest import FAST

from skactive import ActiveINASRegressor
from skactive.datasets import load_dataset
from skactive.experiment import REGRESSION_COLUMNS, ExperimentResult, run_experiment
from skactive.experiment._metrics import top_targets

SETTINGS = dict(initial_size=30, query_size=15, budget=60, n_repeats=2, random_state=0)


def regressor(**params):
    fast = {k: v for k, v in FAST.items() if k not in ("random_state", "max_epochs")}
    return ActiveINASRegressor(max_epochs=2, max_stacks=2, **fast, **params)


@pytest.fixture(scope="module")
def data():
    diabetes = load_dataset("diabetes")
    return diabetes.X_train[:120], diabetes.y_train[:120], diabetes.X_test, diabetes.y_test


@pytest.fixture(scope="module")
def experiment(data):
    """random and variance x (Active-iNAS, fixed 1x2, gp-bo) x 2 repetitions x 3 rounds."""
    return run_experiment(
        *data,
        estimator=regressor(),
        strategies=["random", "variance"],
        baselines=["1x2", "gp-bo"],
        progress=False,
        **SETTINGS,
    )


def test_every_round_is_scored_by_rmse_in_target_units_and_r2(experiment, data):
    y_test = data[3]
    assert len(experiment.rows) == 2 * 3 * 2 * 3
    assert all(tuple(row) == REGRESSION_COLUMNS for row in experiment.rows)
    assert experiment.metric == "rmse" and experiment.settings["task"] == "regression"
    for row in experiment.rows:
        # R² = 1 - MSE / Var(y_test): the RMSE is in the targets' units, not standardised.
        assert row["r2"] == pytest.approx(1 - row["rmse"] ** 2 / y_test.var(), rel=1e-9)
        assert row["top_recall"] is None
    assert [row["n_labeled"] for row in experiment.rows[:3]] == [30, 45, 60]


def test_the_gp_baseline_queries_by_expected_improvement_whatever_the_strategy(experiment):
    rows = {
        s: [r for r in experiment.rows if r["method"] == "gp-bo" and r["strategy"] == s]
        for s in ("random", "variance")
    }
    assert {r["queried_by"] for r in rows["random"] if r["round"]} == {"max_EI"}
    assert {r["architecture"] for r in rows["random"]} == {"GP"}
    # The same seeds and first labels: the same run, beside each strategy for pairing.
    assert [r["rmse"] for r in rows["random"]] == [r["rmse"] for r in rows["variance"]]
    assert {r["queried_by"] for r in experiment.rows if r["method"] == "fixed-1x2"} >= {
        "random",
        "variance",
    }


def test_the_auc_is_the_mean_rmse_and_a_gain_is_the_error_saved(experiment):
    auc = {(r["strategy"], r["method"]): r for r in experiment.auc_table()}
    n_labeled, rmse = experiment.learning_curve("active-inas", "variance")
    expected = np.trapezoid(rmse, n_labeled, axis=1) / (n_labeled[-1] - n_labeled[0])
    assert auc["variance", "active-inas"]["auc_mean"] == pytest.approx(expected.mean())
    assert auc["variance", "active-inas"]["final_rmse_mean"] == pytest.approx(rmse[:, -1].mean())
    assert "final_r2_mean" in auc["variance", "gp-bo"]
    assert "final_accuracy_mean" not in auc["variance", "gp-bo"]
    for gain in experiment.summary()["gains"]:
        ours = experiment.aucs("active-inas", gain["strategy"])
        theirs = experiment.aucs(gain["baseline"], gain["strategy"])
        assert gain["gain_mean"] == pytest.approx(np.mean(theirs - ours))
        assert gain["wins"] == np.sum(ours < theirs)


def test_a_lower_error_is_a_positive_gain_on_a_hand_made_table():
    rows = [
        dict(method=m, strategy="random", repeat=r, round=k, n_labeled=n, rmse=e + r - k,
             r2=0.5, architecture="", fit_seconds=0.0, query_seconds=0.0)
        for m, e in (("active-inas", 10.0), ("fixed-2x4", 12.0))
        for r in (0, 1)
        for k, n in enumerate((100, 200))
    ]  # fmt: skip
    summary = ExperimentResult(rows).summary()
    (gain,) = summary["gains"]
    assert summary["metric"] == "rmse"
    assert (gain["gain_mean"], gain["wins"]) == (pytest.approx(2.0), 2)
    assert gain["relative_gain"] == pytest.approx(2.0 / 12.0)


def test_the_table_is_written_with_its_regression_columns(experiment, tmp_path):
    experiment.to_csv(tmp_path / "results.csv")
    with open(tmp_path / "results.csv", newline="") as handle:
        assert tuple(next(csv.reader(handle))) == REGRESSION_COLUMNS
    experiment.to_json(tmp_path / "results.json")
    back = ExperimentResult.from_json(tmp_path / "results.json")
    assert back.rows == experiment.rows and back.metric == "rmse"
    assert list(back.to_frame().columns) == list(REGRESSION_COLUMNS)


def test_the_recall_counts_the_top_targets_labeled_so_far(data):
    X_train, y_train, X_test, y_test = data
    pool = slice(0, 40)
    result = run_experiment(
        X_train[pool], y_train[pool], X_test, y_test,
        estimator=regressor(inas_iterations=0),
        strategies=["variance"],
        initial_size=20, query_size=10, budget=40, n_repeats=1,
        progress=False, top_fraction=0.1,
    )  # fmt: skip
    top = top_targets(y_train[pool], 0.1)
    assert len(top) == 4 and set(top) == set(np.argsort(-y_train[pool])[:4])
    # The first labels are random_sampling's, the draws of RandomState(seed).choice.
    seed = result.settings["seeds"][0]
    initial = np.random.RandomState(seed).choice(40, 20, replace=False)
    recall = [row["top_recall"] for row in result.rows]
    assert recall[0] == np.isin(top, initial).mean()
    assert recall == sorted(recall) and recall[-1] == 1.0  # the whole pool in the end
    assert result.searched and result.settings["top_fraction"] == 0.1
    (row,) = result.auc_table()
    n_labeled, curve = result.learning_curve("active-inas", "variance", "top_recall")
    assert row["recall_auc_mean"] == pytest.approx(
        np.trapezoid(curve[0], n_labeled) / (n_labeled[-1] - n_labeled[0])
    )
    assert row["final_top_recall_mean"] == 1.0


def test_top_targets_rounds_up_and_needs_one_target_per_sample():
    assert top_targets([0.5, 3.0, 1.0, 2.0], 0.5).tolist() == [1, 3]
    assert len(top_targets(np.arange(201.0), 0.01)) == math.ceil(2.01)
    with pytest.raises(ValueError, match="one target per sample"):
        top_targets(np.zeros((4, 2)), 0.5)
