"""Durable checkpoints: no label lost to a crash, nothing executed from a tampered checkpoint."""

import hashlib
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import FAST
from sklearn.datasets import load_digits
from skorch.exceptions import DeviceWarning

import skactive.training.fit
from skactive import ActiveINASClassifier, Architecture
from skactive.checkpoint import (
    COMMITTEE,
    LOCK,
    MANIFEST,
    MODEL,
    CheckpointLockedError,
    CheckpointReader,
    CheckpointStore,
    write_atomic,
)

SMALL = dict(FAST, inas_iterations=0, max_blocks=2, max_stacks=2)
_TIMINGS = ("seconds", "search_seconds", "train_seconds")


def _labels(directory):
    return CheckpointReader(directory).read_labels()


def _files(directory):
    return {p.name: p.read_bytes() for p in sorted(Path(directory).iterdir())}


def _fit_and_teach(path, X, y, X_pool, y_pool, **params):
    clf = ActiveINASClassifier(checkpoint_dir=path, **{**SMALL, **params}).fit(X, y)
    clf.teach(X_pool[:10], y_pool[:10])
    return clf


def _crash(*args, **kwargs):
    """A training killed at once, as by Ctrl-C."""
    raise KeyboardInterrupt


def _without_timings(value):
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k not in _TIMINGS}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def _assert_same_estimator(restored, clf, X):
    np.testing.assert_array_equal(restored.X_training_, clf.X_training_)
    np.testing.assert_array_equal(restored.y_training_, clf.y_training_)
    assert restored.X_training_.dtype == clf.X_training_.dtype
    assert restored.y_training_.dtype == clf.y_training_.dtype
    np.testing.assert_array_equal(restored.classes_, clf.classes_)
    assert restored.architecture_ == clf.architecture_
    assert restored.architecture_history_ == clf.architecture_history_
    assert _without_timings(restored.history_) == _without_timings(clf.history_)
    assert restored.input_shape_ == clf.input_shape_
    assert restored.n_features_in_ == clf.n_features_in_
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X), atol=1e-6)


def test_round_trip_restores_labels_params_history_and_weights(tmp_path, small_digits):
    X, y, X_pool, y_pool = small_digits
    clf = _fit_and_teach(tmp_path, X, y, X_pool, y_pool, inas_iterations=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        restored = ActiveINASClassifier.from_checkpoint(tmp_path)
    _assert_same_estimator(restored, clf, X_pool)
    assert restored.history_ == clf.history_ and len(clf.history_[1]["candidates"]) >= 1
    assert restored.get_params() == clf.get_params()
    # The networks of the last search step, for ensemble queries, beside the model.
    committee = [f"committee-000002-{k:02d}.pt" for k in range(len(clf.search_networks_))]
    assert sorted(os.listdir(tmp_path)) == sorted(
        [
            MANIFEST,
            LOCK,
            "labels-000001.npz",
            "labels-000002.npz",
            MODEL,
            "weights-000002.pt",
            COMMITTEE,
            *committee,
        ]
    )
    restored.teach(X_pool[10:15], y_pool[10:15])
    assert len(_labels(tmp_path)[1]) == 135
    np.testing.assert_array_equal(_labels(tmp_path)[0], restored.X_training_)


def test_string_labels_and_a_new_class_are_stored_without_pickle(tmp_path, small_digits):
    X, y, X_pool, y_pool = small_digits
    names = np.array([f"digit{d}" for d in range(10)], dtype=object)
    keep = y < 9
    clf = ActiveINASClassifier(checkpoint_dir=tmp_path, input_shape=(1, 8, 8), **SMALL)
    clf.fit(X[keep], names[y[keep]])
    clf.teach(X_pool[y_pool == 9][:3], np.array(["digit9"] * 3))
    for batch in sorted(tmp_path.glob("labels-*.npz")):
        with np.load(batch, allow_pickle=False) as archive:
            assert archive["y"].dtype.kind == "U"
    restored = ActiveINASClassifier.from_checkpoint(tmp_path)
    assert restored.y_training_.dtype == object and len(restored.classes_) == 10
    _assert_same_estimator(restored, clf, X_pool)


def test_labels_are_durable_before_training_and_an_unfinished_round_is_retrained(
    tmp_path, small_digits, monkeypatch
):
    X, y, X_pool, y_pool = small_digits
    clf = ActiveINASClassifier(checkpoint_dir=tmp_path, **SMALL).fit(X, y)
    model_before = (tmp_path / MODEL).read_bytes()
    monkeypatch.setattr(skactive.training.fit, "train_net", _crash)
    with pytest.raises(KeyboardInterrupt):
        clf.teach(X_pool[:10], y_pool[:10])
    monkeypatch.undo()
    assert (tmp_path / MODEL).read_bytes() == model_before
    np.testing.assert_array_equal(_labels(tmp_path)[1], np.concatenate([y, y_pool[:10]]))

    with pytest.warns(UserWarning, match="did not finish"):
        restored = ActiveINASClassifier.from_checkpoint(tmp_path)
    uninterrupted = _fit_and_teach(tmp_path / "other", X, y, X_pool, y_pool)
    _assert_same_estimator(restored, uninterrupted, X_pool)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = ActiveINASClassifier.from_checkpoint(tmp_path)
    _assert_same_estimator(again, uninterrupted, X_pool)


def test_a_crash_in_the_first_fit_keeps_its_labels(tmp_path, small_digits, monkeypatch):
    X, y, X_pool, _ = small_digits
    monkeypatch.setattr(skactive.training.fit, "train_net", _crash)
    with pytest.raises(KeyboardInterrupt):
        ActiveINASClassifier(checkpoint_dir=tmp_path, **SMALL).fit(X, y)
    monkeypatch.undo()
    assert not (tmp_path / MODEL).exists()
    with pytest.warns(UserWarning, match="did not finish"):
        restored = ActiveINASClassifier.from_checkpoint(tmp_path)
    _assert_same_estimator(restored, ActiveINASClassifier(**SMALL).fit(X, y), X_pool)


@pytest.mark.skipif(os.name != "posix", reason="directories are fsync'ed on POSIX only")
def test_atomic_write_fsyncs_the_file_before_the_rename_and_the_directory_after(
    tmp_path, monkeypatch
):
    events = []
    fsync, replace = os.fsync, os.replace

    def recording_fsync(fd):
        events.append(("fsync", "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"))
        fsync(fd)

    def recording_replace(src, dst):
        events.append(("replace", Path(dst).name))
        replace(src, dst)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(os, "replace", recording_replace)
    write_atomic(tmp_path / "a.bin", b"label")
    assert events[:3] == [("fsync", "file"), ("replace", "a.bin"), ("fsync", "dir")]
    assert os.listdir(tmp_path) == ["a.bin"]


_CHILD = """
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from skorch.exceptions import DeviceWarning

import skactive.training.fit
from skactive import ActiveINASClassifier

path, ready = Path(sys.argv[1]), Path(sys.argv[2])
X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
clf = ActiveINASClassifier(checkpoint_dir=path, **{settings}).fit(X[:100], y[:100])
train_net = skactive.training.fit.train_net


def endless_training(architecture, config, X, y, seed):
    # The teach's labels are on disk: say so, then train for as long as it takes to be killed.
    ready.touch()
    return train_net(architecture, replace(config, max_epochs=10**6), X, y, seed)


skactive.training.fit.train_net = endless_training
clf.teach(X[100:130], y[100:130])
sys.exit("the teach finished: the parent should have killed it first")
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_in_the_middle_of_a_teach_loses_no_label(tmp_path):
    path, ready = tmp_path / "checkpoint", tmp_path / "ready"
    script = tmp_path / "child.py"
    script.write_text(_CHILD.format(settings=repr(SMALL)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    child = subprocess.Popen([sys.executable, str(script), str(path), str(ready)], env=env)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ready.exists(), f"the child did not reach the teach's training ({child.poll()})"
        # Restoring would retrain the round the child is training: the child's lock refuses it.
        before = _files(path)
        with pytest.raises(CheckpointLockedError), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ActiveINASClassifier.from_checkpoint(path)
        assert _files(path) == before
        child.send_signal(signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL

    # The operating system released the dead child's lock.
    with pytest.warns(UserWarning, match="did not finish"):
        restored = ActiveINASClassifier.from_checkpoint(path)
    X, y = load_digits(return_X_y=True)
    X, y = (X[:130] / 16.0).astype(np.float32), y[:130]
    uninterrupted = ActiveINASClassifier(**SMALL).fit(X[:100], y[:100]).teach(X[100:], y[100:])
    _assert_same_estimator(restored, uninterrupted, X)
    assert restored.history_[1]["n_labeled"] == 130


def test_fit_refuses_a_directory_whose_labels_it_would_discard(tmp_path, small_digits):
    X, y, X_pool, y_pool = small_digits
    _fit_and_teach(tmp_path, X, y, X_pool, y_pool)
    before = _files(tmp_path)
    fresh = ActiveINASClassifier(checkpoint_dir=tmp_path, **SMALL)
    with pytest.raises(ValueError, match="from_checkpoint"):
        fresh.fit(X, y)
    assert not hasattr(fresh, "n_features_in_")
    assert _files(tmp_path) == before


def test_refit_on_a_grown_labeled_set_appends_only_the_new_labels(tmp_path, small_digits):
    X, y, X_pool, y_pool = small_digits
    clf = ActiveINASClassifier(checkpoint_dir=tmp_path, warm_start=True, **SMALL).fit(X, y)
    clf.fit(np.vstack([X, X_pool[:7]]), np.concatenate([y, y_pool[:7]]))
    with np.load(tmp_path / "labels-000002.npz", allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["X"], X_pool[:7])
    restored = ActiveINASClassifier.from_checkpoint(tmp_path)
    _assert_same_estimator(restored, clf, X_pool)


def test_bad_teach_and_failed_write_leave_memory_and_disk_unchanged(
    tmp_path, small_digits, monkeypatch
):
    X, y, X_pool, y_pool = small_digits
    clf = ActiveINASClassifier(checkpoint_dir=tmp_path, **SMALL).fit(X, y)
    before, proba = _files(tmp_path), clf.predict_proba(X_pool)
    with pytest.raises(ValueError, match="NaN"):
        clf.teach(np.full((2, 64), np.nan), y_pool[:2])
    assert _files(tmp_path) == before

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        clf.teach(X_pool[:5], y_pool[:5])
    monkeypatch.undo()
    assert _files(tmp_path) == before
    assert len(clf.y_training_) == 120
    np.testing.assert_array_equal(clf.predict_proba(X_pool), proba)


class _Payload:
    """Unpickling this creates the file ``marker``: proof that the checkpoint ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _sign(directory, json_name, entry_path, data_name, data):
    """Write a tampered file and update its SHA-256, as a careful attacker would."""
    (directory / data_name).write_bytes(data)
    meta = json.loads((directory / json_name).read_text())
    entry = meta
    for key in entry_path:
        entry = entry[key]
    entry["sha256"] = hashlib.sha256(data).hexdigest()
    (directory / json_name).write_text(json.dumps(meta))


def _pickled_labels(directory, marker):
    buffer = io.BytesIO()
    np.savez(buffer, X=np.array([_Payload(marker)], dtype=object), y=np.array([0]))
    _sign(directory, MANIFEST, ["batches", 0], "labels-000001.npz", buffer.getvalue())


def _pickled_weights(directory, marker):
    buffer = io.BytesIO()
    torch.save({"head.1.weight": _Payload(marker)}, buffer)
    _sign(directory, MODEL, ["weights"], "weights-000002.pt", buffer.getvalue())


def _narrow_labels(directory, marker):
    buffer = io.BytesIO()
    np.savez(buffer, X=np.zeros((120, 63), dtype=np.float32), y=np.zeros(120, dtype=np.int64))
    _sign(directory, MANIFEST, ["batches", 0], "labels-000001.npz", buffer.getvalue())


def _other_weights(directory, marker):
    from skactive.networks import HomogeneousNet

    net = HomogeneousNet(Architecture("mlp", 2, 2), (64,), n_classes=10, base_width=4)
    buffer = io.BytesIO()
    torch.save(net.state_dict(), buffer)
    _sign(directory, MODEL, ["weights"], "weights-000002.pt", buffer.getvalue())


def _unsigned_labels(directory, marker):
    path = directory / "labels-000002.npz"
    data = bytearray(path.read_bytes())
    data[-30] ^= 1
    path.write_bytes(bytes(data))


def _json_edit(name, edit):
    def tamper(directory, marker):
        meta = json.loads((directory / name).read_text())
        edit(meta)
        (directory / name).write_text(json.dumps(meta))

    return tamper


def _truncated(name):
    def tamper(directory, marker):
        (directory / name).write_text((directory / name).read_text()[:-5])

    return tamper


def _outside_file(meta):
    meta["batches"][0]["file"] = "../labels-000001.npz"


def _wrong_count(meta):
    meta["batches"][1]["n"] = 11


def _unknown_param(meta):
    meta["params"]["exec"] = "import os"


@pytest.mark.parametrize(
    "tamper,message",
    [
        (_truncated(MANIFEST), "not valid JSON"),
        (_truncated(MODEL), "not valid JSON"),
        (_unsigned_labels, "SHA-256"),
        (_pickled_labels, "cannot read labels-000001.npz"),
        (_pickled_weights, "not a plain tensor state_dict"),
        (_narrow_labels, "shape"),
        (_other_weights, "do not fit"),
        (_json_edit(MANIFEST, _outside_file), "labels-000001.npz"),
        (_json_edit(MANIFEST, _wrong_count), "shape"),
        (_json_edit(MANIFEST, _unknown_param), "parameters do not fit"),
        (_json_edit(MODEL, lambda m: m["architecture"].update(x=1)), "model.json"),
        (_json_edit(MODEL, lambda m: m.update(n_outputs=3)), "3 outputs"),
    ],
)
def test_a_tampered_checkpoint_raises_and_runs_nothing(tmp_path, small_digits, tamper, message):
    X, y, X_pool, y_pool = small_digits
    directory, marker = tmp_path / "checkpoint", tmp_path / "executed"
    _fit_and_teach(directory, X, y, X_pool, y_pool, inas_iterations=0)
    tamper(directory, marker)
    with pytest.raises(ValueError, match=message):
        ActiveINASClassifier.from_checkpoint(directory)
    assert not marker.exists()


def test_a_callable_strategy_must_be_passed_again(tmp_path, small_digits):
    X, y, X_pool, y_pool = small_digits

    def first_ones(classifier, X_pool, n_instances=1):
        return np.arange(n_instances), X_pool[:n_instances]

    _fit_and_teach(tmp_path, X, y, X_pool, y_pool, query_strategy=first_ones, inas_iterations=0)
    with pytest.raises(ValueError, match="query_strategy=.*first_ones"):
        ActiveINASClassifier.from_checkpoint(tmp_path)
    restored = ActiveINASClassifier.from_checkpoint(tmp_path, query_strategy=first_ones)
    assert restored.query(X_pool, 2)[0].tolist() == [0, 1]


def test_from_checkpoint_of_an_empty_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no skactive checkpoint"):
        ActiveINASClassifier.from_checkpoint(tmp_path)


def test_a_checkpoint_from_before_the_pooling_parameter_restores_global_pooling(
    tmp_path, small_digits
):
    X, y, X_pool, y_pool = small_digits
    clf = _fit_and_teach(tmp_path, X, y, X_pool, y_pool, input_shape=(1, 8, 8), pooling="global")
    _json_edit(MANIFEST, lambda meta: meta["params"].pop("pooling"))(tmp_path, None)
    restored = ActiveINASClassifier.from_checkpoint(tmp_path)
    assert restored.pooling == "global"
    _assert_same_estimator(restored, clf, X_pool)


_HOLDER = """
import sys
from skactive.checkpoint import CheckpointStore

with CheckpointStore(sys.argv[1]).writing():
    print("locked", flush=True)
    sys.stdin.read()
"""


def test_a_second_process_cannot_write_while_the_first_holds_the_lock(tmp_path, small_digits):
    X, y, X_pool, y_pool = small_digits
    clf = ActiveINASClassifier(checkpoint_dir=tmp_path, **SMALL).fit(X, y)
    before = _files(tmp_path)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(CheckpointLockedError, match=re.escape(repr(str(tmp_path)))):
            clf.teach(X_pool[:5], y_pool[:5])
        fresh = ActiveINASClassifier(checkpoint_dir=tmp_path, warm_start=True, **SMALL)
        with pytest.raises(CheckpointLockedError, match="another estimator or process"):
            fresh.fit(np.vstack([X, X_pool[:5]]), np.concatenate([y, y_pool[:5]]))
        assert _files(tmp_path) == before
        assert len(clf.y_training_) == len(y) and not hasattr(fresh, "n_features_in_")
    finally:
        holder.communicate("", timeout=60)
    assert holder.returncode == 0
    # Closed by the other process: the lock is free again.
    clf.teach(X_pool[:5], y_pool[:5])
    assert len(_labels(tmp_path)[1]) == len(y) + 5


def test_a_second_estimator_in_the_same_process_is_refused_until_the_first_finishes(
    tmp_path, small_digits, monkeypatch
):
    X, y, X_pool, y_pool = small_digits
    clf = ActiveINASClassifier(checkpoint_dir=tmp_path, **SMALL).fit(X, y)
    other = ActiveINASClassifier.from_checkpoint(tmp_path)
    seen = []

    def train_while_another_writes(*args, **kwargs):
        # In the middle of clf's teach, the other estimator tries to teach the same directory.
        with pytest.raises(CheckpointLockedError):
            other.teach(X_pool[10:12], y_pool[10:12])
        seen.append(len(other.y_training_))
        return train_net(*args, **kwargs)

    train_net = skactive.training.fit.train_net
    monkeypatch.setattr(skactive.training.fit, "train_net", train_while_another_writes)
    clf.teach(X_pool[:10], y_pool[:10])
    monkeypatch.undo()
    assert seen and seen[0] == len(y)
    np.testing.assert_array_equal(_labels(tmp_path)[1], np.concatenate([y, y_pool[:10]]))
    # The teach has finished and released the lock; a refused writer keeps its labels.
    clf.teach(X_pool[10:12], y_pool[10:12])
    assert len(_labels(tmp_path)[1]) == len(y) + 12


def test_a_failed_teach_releases_the_lock(tmp_path, small_digits, monkeypatch):
    X, y, X_pool, y_pool = small_digits
    clf = ActiveINASClassifier(checkpoint_dir=tmp_path, **SMALL).fit(X, y)
    monkeypatch.setattr(skactive.training.fit, "train_net", _crash)
    with pytest.raises(KeyboardInterrupt):
        clf.teach(X_pool[:10], y_pool[:10])
    monkeypatch.undo()
    with CheckpointStore(tmp_path).writing() as store:
        assert store.read_manifest().n_labeled == len(y) + 10


def test_a_checkpoint_written_for_cuda_restores_on_the_cpu_with_a_warning(
    tmp_path, small_digits, monkeypatch
):
    X, y, X_pool, y_pool = small_digits
    clf = ActiveINASClassifier(checkpoint_dir=tmp_path, **SMALL).fit(X, y)
    _json_edit(MANIFEST, lambda meta: meta["params"].update(device="cuda"))(tmp_path, None)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(DeviceWarning, match="CUDA is not available"):
        restored = ActiveINASClassifier.from_checkpoint(tmp_path)
    assert restored.device == "cuda" and restored.device_ == "cpu"
    assert str(restored.net_.device) == "cpu"
    expected = clf.predict_proba(X_pool)
    np.testing.assert_allclose(restored.predict_proba(X_pool), expected, atol=1e-6)
    restored.set_params(device="cpu").teach(X_pool[:5], y_pool[:5])
    assert len(_labels(tmp_path)[1]) == len(y) + 5
