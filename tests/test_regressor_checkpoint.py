"""ActiveINASRegressor's checkpoints: float targets, their scale, and the same next query."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import FAST
from sklearn.datasets import make_friedman1

import skactive.training.fit
from skactive import ActiveINASClassifier, ActiveINASRegressor
from skactive.checkpoint import MODEL, CheckpointReader

SMALL = dict(FAST, max_blocks=2, max_stacks=2)


@pytest.fixture(scope="module")
def friedman():
    X, y = make_friedman1(n_samples=300, noise=0.1, random_state=0)
    return X.astype(np.float32), y


def _files(directory):
    return {p.name: p.read_bytes() for p in sorted(Path(directory).iterdir())}


def _crash(*args, **kwargs):
    """A training killed at once, as by Ctrl-C."""
    raise KeyboardInterrupt


def _assert_same_regressor(restored, reg, X_pool):
    np.testing.assert_array_equal(restored.X_training_, reg.X_training_)
    np.testing.assert_array_equal(restored.y_training_, reg.y_training_)
    assert restored.y_training_.dtype == reg.y_training_.dtype == np.float64
    np.testing.assert_array_equal(restored.y_mean_, reg.y_mean_)
    np.testing.assert_array_equal(restored.y_std_, reg.y_std_)
    assert restored.architecture_ == reg.architecture_
    assert restored.architecture_history_ == reg.architecture_history_
    assert (restored.input_shape_, restored.n_features_in_) == (reg.input_shape_, 10)
    np.testing.assert_array_equal(restored.predict(X_pool), reg.predict(X_pool))
    restored_std = restored.predict(X_pool, return_std=True)[1]
    np.testing.assert_array_equal(restored_std, reg.predict(X_pool, return_std=True)[1])


def test_a_restored_regressor_predicts_and_queries_as_the_original(tmp_path, friedman):
    X, y = friedman
    reg = ActiveINASRegressor(checkpoint_dir=tmp_path, **dict(SMALL, inas_iterations=1))
    reg.fit(X[:80], y[:80])
    indices, samples = reg.query(X[100:], n_instances=10)
    reg.teach(samples, y[100:][indices])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        restored = ActiveINASRegressor.from_checkpoint(tmp_path)
    assert restored.get_params() == reg.get_params()
    assert restored.history_ == reg.history_ and len(reg.history_[1]["candidates"]) >= 2
    # The last search step's networks, for committees, come back beside the model.
    assert len(restored.search_networks_) == len(reg.search_networks_) >= 1
    _assert_same_regressor(restored, reg, X[100:])
    pool = X[200:]
    expected = reg.query(pool, n_instances=5, return_utilities=True)
    got = restored.query(pool, n_instances=5, return_utilities=True)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[2], expected[2])
    # Both go on alike: the search resumes from the same architecture with the same seeds.
    for estimator in (reg, restored):
        estimator.teach(pool[expected[0]], y[200:][expected[0]])
    _assert_same_regressor(restored, reg, X[100:])
    assert len(CheckpointReader(tmp_path).read_labels()[1]) == 95


def test_multi_output_targets_are_stored_as_floats_without_pickle(tmp_path, friedman):
    X, y = friedman
    Y = np.column_stack([y, -2 * y + 100, np.round(y)])
    reg = ActiveINASRegressor(checkpoint_dir=tmp_path, **dict(SMALL, inas_iterations=0))
    reg.fit(X[:60], Y[:60]).teach(X[60:70], Y[60:70])
    for batch in sorted(tmp_path.glob("labels-*.npz")):
        with np.load(batch, allow_pickle=False) as archive:
            assert archive["y"].dtype == np.float64 and archive["y"].shape[1:] == (3,)
    restored = ActiveINASRegressor.from_checkpoint(tmp_path)
    assert restored.y_training_.shape == (70, 3) and restored.y_mean_.shape == (3,)
    _assert_same_regressor(restored, reg, X[100:])
    assert restored.predict(X[:4]).shape == (4, 3)
    np.testing.assert_array_equal(
        restored.query(X[100:], n_instances=3)[0], reg.query(X[100:], n_instances=3)[0]
    )


def test_labels_of_a_crashed_teach_are_kept_and_retrained_on_restore(
    tmp_path, friedman, monkeypatch
):
    X, y = friedman
    settings = dict(SMALL, inas_iterations=0)
    reg = ActiveINASRegressor(checkpoint_dir=tmp_path, **settings).fit(X[:60], y[:60])
    monkeypatch.setattr(skactive.training.fit, "train_net", _crash)
    with pytest.raises(KeyboardInterrupt):
        reg.teach(X[60:70], y[60:70])
    monkeypatch.undo()
    np.testing.assert_array_equal(CheckpointReader(tmp_path).read_labels()[1], y[:70])
    with pytest.warns(UserWarning, match="did not finish"):
        restored = ActiveINASRegressor.from_checkpoint(tmp_path)
    uninterrupted = ActiveINASRegressor(**settings).fit(X[:60], y[:60]).teach(X[60:70], y[60:70])
    _assert_same_regressor(restored, uninterrupted, X[100:])
    assert restored.y_mean_ == pytest.approx(y[:70].mean())


def test_a_failed_teach_leaves_memory_and_disk_unchanged(tmp_path, friedman):
    X, y = friedman
    reg = ActiveINASRegressor(checkpoint_dir=tmp_path, **dict(SMALL, inas_iterations=0))
    reg.fit(X[:60], y[:60])
    before, predictions = _files(tmp_path), reg.predict(X[100:])
    for bad in (np.full(5, np.nan), np.column_stack([y[60:65]] * 2), np.array(["a"] * 5)):
        with pytest.raises(ValueError, match="NaN|outputs|class labels"):
            reg.teach(X[60:65], bad)
    assert _files(tmp_path) == before
    assert len(reg.y_training_) == 60 and len(reg.history_) == 1
    np.testing.assert_array_equal(reg.predict(X[100:]), predictions)


def test_a_twin_refuses_the_other_twins_checkpoint(tmp_path, friedman):
    X, y = friedman
    ActiveINASRegressor(checkpoint_dir=tmp_path / "reg", **dict(SMALL, inas_iterations=0)).fit(
        X[:40], y[:40]
    )
    ActiveINASClassifier(checkpoint_dir=tmp_path / "clf", **dict(SMALL, inas_iterations=0)).fit(
        X[:40], (y[:40] > 14).astype(int)
    )
    with pytest.raises(ValueError, match="do not fit ActiveINASClassifier"):
        ActiveINASClassifier.from_checkpoint(tmp_path / "reg")
    with pytest.raises(ValueError, match="do not fit ActiveINASRegressor"):
        ActiveINASRegressor.from_checkpoint(tmp_path / "clf")


def test_a_model_record_of_another_number_of_outputs_is_refused(tmp_path, friedman):
    X, y = friedman
    reg = ActiveINASRegressor(checkpoint_dir=tmp_path, **dict(SMALL, inas_iterations=0))
    reg.fit(X[:40], np.column_stack([y[:40], y[:40]]))
    record = json.loads((tmp_path / MODEL).read_text())
    assert record["n_outputs"] == 2
    record["n_outputs"] = 1
    (tmp_path / MODEL).write_text(json.dumps(record))
    with pytest.raises(ValueError, match="network of 1 outputs.*2 outputs"):
        ActiveINASRegressor.from_checkpoint(tmp_path)
