"""The typed records of a checkpoint: JSON round trips, and errors that name the bad field."""

import json

import numpy as np
import pytest

from skactive import Architecture
from skactive.checkpoint import (
    CheckpointStore,
    Manifest,
    ModelRecord,
    WeightsFile,
    encode_params,
)
from skactive.strategies import STRATEGIES

START = Architecture("mlp", 1, 2)


@pytest.fixture
def manifest(tmp_path):
    store = CheckpointStore(tmp_path)
    params = {"initial_architecture": START, "input_shape": (1, 2), "query_strategy": "margin"}
    with store.writing():
        store.commit_labels(
            np.arange(6.0).reshape(3, 2),
            np.array(["a", "b", "a"], dtype=object),
            n_new=None,
            params=params,
            feature_names_in=np.array(["x0", "x1"], dtype=object),
            input_shape=(1, 2),
            start=START,
            keep_history=False,
        )
    return store.read_manifest()


def _model_record():
    history = [{"n_labeled": np.int64(3), "start": START, "architecture": START}]
    weights = WeightsFile("weights-000001.pt", "0" * 64)
    return ModelRecord(1, 3, 2, START, (START,), history, weights)


def _through_json(record):
    return type(record).from_json(json.loads(json.dumps(record.to_json())))


def test_records_survive_a_json_round_trip(manifest):
    assert _through_json(manifest) == manifest
    assert manifest.start == START and manifest.feature_names_in == ("x0", "x1")
    assert manifest.y_dtype == np.dtype(object) and manifest.n_labeled == 3
    record = _model_record()
    restored = _through_json(record)
    assert restored.history == [{"n_labeled": 3, "start": START, "architecture": START}]
    assert (restored.architecture, restored.weights) == (START, record.weights)


def _edited(record, edit):
    obj = json.loads(json.dumps(record.to_json()))
    edit(obj)
    return obj


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda m: m.pop("round"), "checkpoint.json: field 'round' is missing"),
        (lambda m: m.update(round=0), "field 'round' must be an integer >= 1"),
        (lambda m: m.update(round=True), "field 'round' must be an integer >= 1"),
        (lambda m: m.update(extra=1), "unknown field 'extra'"),
        (lambda m: m.update(version=99), "format version 99"),
        (lambda m: m.update(input_shape=[]), "field 'input_shape'"),
        (lambda m: m.update(X_dtype="<i8"), "field 'X_dtype'"),
        (lambda m: m.update(start={"block": "mlp"}), "field 'start'"),
        (lambda m: m["params"].update(lr=[1]), "field 'params'.*'lr'"),
        (lambda m: m["batches"][0].update(sha256="x"), "field 'batches'.*'sha256'"),
        (lambda m: m["batches"][0].pop("n"), "field 'batches'.*'n' is missing"),
        (lambda m: m.update(feature_names_in=[1]), "field 'feature_names_in'"),
    ],
)
def test_a_bad_manifest_field_is_named(manifest, edit, message):
    with pytest.raises(ValueError, match=message):
        Manifest.from_json(_edited(manifest, edit))


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda m: m.pop("weights"), "model.json: field 'weights' is missing"),
        (lambda m: m["weights"].update(file="../x.pt"), "field 'weights'.*'file'"),
        (lambda m: m.update(n_outputs="2"), "field 'n_outputs'"),
        (lambda m: m.update(architecture_history=[{"block": "mlp"}]), "architecture_history"),
        (lambda m: m.update(history={}), "field 'history'"),
        (lambda m: m.update(format="other"), "not a skactive checkpoint file"),
    ],
)
def test_a_bad_model_record_field_is_named(edit, message):
    with pytest.raises(ValueError, match=message):
        ModelRecord.from_json(_edited(_model_record(), edit))


def test_estimator_params_decode_tags_and_keep_old_checkpoints_readable(manifest):
    params = manifest.estimator_params({})
    assert params["initial_architecture"] == START and params["input_shape"] == (1, 2)
    # Checkpoints from before the pooling parameter hold globally pooled networks.
    assert params["pooling"] == "global"
    assert manifest.estimator_params({"pooling": "pyramid"})["pooling"] == "pyramid"


def test_a_parameter_stored_by_name_only_must_be_passed_again():
    def mine(classifier, X_pool, n_instances=1):
        return np.arange(n_instances), X_pool[:n_instances]

    encoded = encode_params({"query_strategy": mine, "random_state": np.random.RandomState(0)})
    assert encode_params({"query_strategy": STRATEGIES["margin"]}) == {
        "query_strategy": {"strategy": "margin"}
    }
    assert encoded["query_strategy"] == {"unstored": f"{__name__}.{mine.__qualname__}"}
    manifest = Manifest(1, encoded, 2, None, (2,), (2,), *[np.dtype("f4")] * 2, (), START, None)
    with pytest.raises(ValueError, match="query_strategy=.*mine.*pass it again"):
        manifest.estimator_params({})
    with pytest.raises(ValueError, match="random_state=.*RandomState"):
        manifest.estimator_params({"query_strategy": mine})
    assert (
        manifest.estimator_params({"query_strategy": mine, "random_state": 1})["query_strategy"]
        is mine
    )


def test_writing_outside_the_lock_is_refused(tmp_path, manifest):
    store = CheckpointStore(tmp_path)
    with pytest.raises(RuntimeError, match="store.writing"):
        store.commit_labels(
            np.zeros((1, 2)),
            np.zeros(1),
            n_new=1,
            params={},
            feature_names_in=None,
            input_shape=(2,),
            start=START,
            keep_history=True,
        )
    assert store.read_manifest() == manifest


def test_records_written_before_regression_targets_stay_readable(manifest):
    """Older checkpoints name a network's outputs ``n_classes`` and hold no target shape."""
    record = _model_record().to_json()
    record["n_classes"] = record.pop("n_outputs")
    assert ModelRecord.from_json(record) == _model_record()
    old = manifest.to_json()
    del old["target_shape"]
    assert Manifest.from_json(old) == manifest and manifest.target_shape == ()


def test_multi_output_targets_round_trip_with_their_shape(tmp_path):
    store = CheckpointStore(tmp_path)
    X, Y = np.arange(8.0).reshape(4, 2), np.linspace(0, 1, 12).reshape(4, 3)
    with store.writing():
        for n_new, end in [(None, 3), (1, 4)]:
            store.commit_labels(
                X[:end],
                Y[:end],
                n_new=n_new,
                params={},
                feature_names_in=None,
                input_shape=(2,),
                start=START,
                keep_history=False,
            )
    assert store.read_manifest().target_shape == (3,)
    X_back, Y_back = store.read_labels()
    np.testing.assert_array_equal(X_back, X)
    np.testing.assert_array_equal(Y_back, Y)
    assert Y_back.dtype == Y.dtype
    with store.writing(), pytest.raises(ValueError, match="not the first 4"):
        # A labeled set whose targets have another number of outputs does not extend it.
        store.commit_labels(
            X,
            Y[:, :2],
            n_new=None,
            params={},
            feature_names_in=None,
            input_shape=(2,),
            start=START,
            keep_history=False,
        )
