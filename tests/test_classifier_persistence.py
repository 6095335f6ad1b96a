"""Pickle and joblib round trips of a fitted ActiveINASClassifier, and CUDA-to-CPU unpickling."""

import os
import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
import torch
from conftest import FAST
from skorch.exceptions import DeviceWarning

from skactive import ActiveINASClassifier


@pytest.fixture
def taught(small_digits):
    """An estimator fitted, then taught once, and the pool it queries."""
    X, y, X_pool, y_pool = small_digits
    settings = {**FAST, "max_epochs": 1, "inas_iterations": 0, "query_strategy": "random"}
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), **settings)
    clf.fit(X[:40], y[:40]).teach(X[40:60], y[40:60])
    return clf, X_pool[:100], y_pool[:100]


def _assert_same_behaviour(restored, clf, X_pool, y_pool):
    np.testing.assert_array_equal(restored.predict_proba(X_pool), clf.predict_proba(X_pool))
    np.testing.assert_array_equal(restored.embed(X_pool), clf.embed(X_pool))
    for strategy in ("random", "softmax_response"):
        restored.set_params(query_strategy=strategy)
        clf.set_params(query_strategy=strategy)
        np.testing.assert_array_equal(restored.query(X_pool, 5)[0], clf.query(X_pool, 5)[0])
    assert restored.architecture_history_ == clf.architecture_history_
    np.testing.assert_array_equal(restored.y_training_, clf.y_training_)
    # The restored estimator keeps learning exactly as the original does.
    indices, samples = clf.query(X_pool, 6)
    restored.teach(samples, y_pool[indices])
    clf.teach(samples, y_pool[indices])
    np.testing.assert_array_equal(restored.predict_proba(X_pool), clf.predict_proba(X_pool))


def test_pickle_round_trip_predicts_queries_and_teaches_identically(taught):
    clf, X_pool, y_pool = taught
    restored = pickle.loads(pickle.dumps(clf))
    _assert_same_behaviour(restored, clf, X_pool, y_pool)


def test_joblib_round_trip_predicts_queries_and_teaches_identically(taught, tmp_path):
    clf, X_pool, y_pool = taught
    joblib.dump(clf, tmp_path / "clf.joblib")
    restored = joblib.load(tmp_path / "clf.joblib")
    _assert_same_behaviour(restored, clf, X_pool, y_pool)


def test_unpickling_a_cuda_estimator_without_cuda_falls_back_to_cpu(taught, monkeypatch):
    """Simulated: the pickle *says* CUDA (``device_`` and skorch's ``net_.device``), but its
    weights are CPU tensors because this test must run without a GPU. What it checks is the
    device bookkeeping on load: skorch maps the weights to the CPU and sets ``net_.device``;
    ``__setstate__`` sets ``device_``; predictions, queries and further teaching then work.
    Moving weights that really live on a GPU is checked by the CUDA-only test below."""
    clf, X_pool, y_pool = taught
    expected = clf.predict_proba(X_pool)
    clf.device_ = "cuda"
    clf.net_.device = "cuda"
    payload = pickle.dumps(clf)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(DeviceWarning):
        restored = pickle.loads(payload)
    assert restored.device_ == "cpu"
    assert str(restored.net_.device) == "cpu"
    np.testing.assert_array_equal(restored.predict_proba(X_pool), expected)
    indices, samples = restored.query(X_pool, 4)
    restored.teach(samples, y_pool[indices])
    assert restored.device_ == "cpu"
    assert len(restored.y_training_) == len(clf.y_training_) + 4


def test_unpickling_keeps_cuda_when_it_is_available(monkeypatch):
    clf = ActiveINASClassifier()
    clf.device_ = "cuda:0"
    state = clf.__getstate__()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    restored = ActiveINASClassifier.__new__(ActiveINASClassifier)
    restored.__setstate__(state)
    assert restored.device_ == "cuda:0"


CPU_ONLY_LOAD = """
import pickle, sys
import numpy as np, torch
assert not torch.cuda.is_available()
clf = pickle.load(open(sys.argv[1], "rb"))
assert clf.device_ == "cpu" and not next(clf.net_.module_.parameters()).is_cuda
np.save(sys.argv[2], clf.predict_proba(np.load(sys.argv[3])))
"""


@pytest.mark.cuda
def test_estimator_fitted_on_cuda_unpickles_in_a_cpu_only_process(small_digits, tmp_path):
    X, y, X_pool, _ = small_digits
    settings = {**FAST, "device": "cuda", "precision": "fp32"}
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), inas_iterations=0, **settings)
    clf.fit(X, y)
    assert next(clf.net_.module_.parameters()).is_cuda
    with open(tmp_path / "clf.pkl", "wb") as file:
        pickle.dump(clf, file)
    np.save(tmp_path / "pool.npy", X_pool)
    paths = [tmp_path / "clf.pkl", tmp_path / "proba.npy", tmp_path / "pool.npy"]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    subprocess.run([sys.executable, "-c", CPU_ONLY_LOAD, *paths], env=env, check=True)
    cpu_proba = np.load(tmp_path / "proba.npy")
    # The same float32 weights; CUDA's and the CPU's kernels sum in different orders.
    np.testing.assert_allclose(cpu_proba, clf.predict_proba(X_pool), atol=1e-3)
