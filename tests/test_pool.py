import copy
import subprocess
import sys

import numpy as np
import pytest
from conftest import FAST

import skactive.pool
from skactive import ActiveINASClassifier
from skactive.pool import chunk_rows, is_lazy_pool, map_pool, take_rows
from skactive.strategies import mc_dropout

CHUNK = 64
"""Rows per chunk in these tests: the 300-sample pool is scored in 5 chunks."""


@pytest.fixture(scope="module")
def fitted(digits):
    """A tiny fitted network on 8x8 digits, a 300-sample pool and its copy on disk."""
    X_train, _, y_train, _ = digits
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), inas_iterations=0, dropout=0.5, **FAST)
    clf.fit(X_train[:120], y_train[:120])
    return clf, X_train[120:420]


@pytest.fixture
def memmap_pool(fitted, tmp_path, monkeypatch):
    """The pool as a read-only memmap of a .npy file, read in chunks of CHUNK rows."""
    pool = fitted[1]
    np.save(tmp_path / "pool.npy", pool)
    # CHUNK rows of 64 float32 values each.
    monkeypatch.setattr(skactive.pool, "CHUNK_BYTES", CHUNK * pool.shape[1] * 4)
    return np.load(tmp_path / "pool.npy", mmap_mode="r")


@pytest.fixture
def pool_reads(monkeypatch):
    """Rows of every pool array the estimator validates (the labeled set left out)."""
    reads = []
    validate = ActiveINASClassifier._validate_X

    def spy(self, X, *, reset):
        if X is not getattr(self, "X_training_", None):
            reads.append(len(X))
        return validate(self, X, reset=reset)

    monkeypatch.setattr(ActiveINASClassifier, "_validate_X", spy)
    return reads


def _query(clf, name, pool, **kwargs):
    return copy.deepcopy(clf).set_params(query_strategy=name).query(pool, 7, **kwargs)


@pytest.mark.parametrize(
    "name", ["random", "softmax_response", "margin", "entropy", "coreset", "badge"]
)
def test_memmap_pool_is_queried_chunk_by_chunk_like_the_array(
    name, fitted, memmap_pool, pool_reads
):
    clf, pool = fitted
    expected, _ = _query(clf, name, pool)
    pool_reads.clear()
    indices, samples = _query(clf, name, memmap_pool)
    assert indices.tolist() == expected.tolist()
    assert type(samples) is np.ndarray
    np.testing.assert_array_equal(samples, pool[indices])
    # Never the whole pool at once: every row validated once, in chunks; random reads none.
    assert max(pool_reads, default=0) <= CHUNK
    assert sum(pool_reads) == (0 if name == "random" else len(pool))


@pytest.mark.parametrize("name", ["softmax_response", "coreset", "badge"])
def test_dask_pool_is_queried_block_by_block_like_the_array(name, fitted, pool_reads):
    da = pytest.importorskip("dask.array")
    import dask

    clf, pool = fitted
    expected, _ = _query(clf, name, pool)
    dask_pool = da.from_array(pool, chunks=(CHUNK, 16))
    pool_reads.clear()
    with dask.config.set(scheduler="synchronous"):
        indices, samples = _query(clf, name, dask_pool)
    assert indices.tolist() == expected.tolist()
    assert type(samples) is np.ndarray
    np.testing.assert_array_equal(samples, pool[indices])
    assert max(pool_reads) <= CHUNK and sum(pool_reads) == len(pool)


def test_mc_dropout_on_chunked_pools_is_reproducible_wherever_chunks_run(fitted, memmap_pool):
    da = pytest.importorskip("dask.array")
    import dask

    clf, pool = fitted
    on_disk, _ = mc_dropout(clf, memmap_pool, 7, random_state=3)
    assert on_disk.tolist() == mc_dropout(clf, memmap_pool, 7, random_state=3)[0].tolist()
    # Chunked alike, in a pool of threads sharing the network: the same masks whatever the
    # order in which chunks run.
    with dask.config.set(scheduler="threads", num_workers=4):
        on_dask, _ = mc_dropout(clf, da.from_array(pool, chunks=CHUNK), 7, random_state=3)
    assert on_dask.tolist() == on_disk.tolist()


def test_pool_is_scored_on_dask_workers(fitted, dask_client):
    da = pytest.importorskip("dask.array")
    from distributed import get_task_stream

    clf, pool = fitted
    expected, _ = _query(clf, "badge", pool)
    dask_pool = da.from_array(pool, chunks=CHUNK)
    with get_task_stream(dask_client) as tasks:
        indices, samples = _query(clf, "badge", dask_pool)
    assert indices.tolist() == expected.tolist()
    np.testing.assert_array_equal(samples, pool[indices])
    scored = [t for t in tasks.data if "_score_chunk" in t["key"]]
    assert len(scored) == dask_pool.numblocks[0]
    assert {t["worker"] for t in scored} <= set(dask_client.scheduler_info()["workers"])


def test_lazy_pools_are_checked_before_any_chunk_is_read(
    fitted, memmap_pool, pool_reads, tmp_path
):
    da = pytest.importorskip("dask.array")
    clf, pool = fitted
    wide = np.lib.format.open_memmap(tmp_path / "wide.npy", mode="w+", shape=(3, 65))
    with pytest.raises(ValueError, match="65 features"):
        clf.query(wide)
    with pytest.raises(ValueError, match="unknown number of rows"):
        clf.query(da.from_array(pool, chunks=CHUNK)[da.from_array(pool[:, 0] > 0.5)])
    with pytest.raises(ValueError, match="between 1 and the pool size"):
        clf.query(memmap_pool, n_instances=len(pool) + 1)
    assert pool_reads == []


def test_bad_values_in_a_chunk_are_refused_and_leave_the_estimator_as_it_was(
    fitted, tmp_path, monkeypatch
):
    clf, pool = fitted
    clf = copy.deepcopy(clf)
    labeled = clf.X_training_.copy()
    monkeypatch.setattr(skactive.pool, "CHUNK_BYTES", CHUNK * pool.shape[1] * 4)
    bad = np.lib.format.open_memmap(tmp_path / "bad.npy", mode="w+", shape=pool.shape)
    bad[:] = pool
    bad[250, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.query(bad)
    np.testing.assert_array_equal(clf.X_training_, labeled)


def test_map_pool_hands_out_chunks_in_pool_order(tmp_path, monkeypatch):
    da = pytest.importorskip("dask.array")
    import dask

    monkeypatch.setitem(dask.config.config, "scheduler", "synchronous")
    X = np.arange(40.0).reshape(10, 4)
    np.save(tmp_path / "X.npy", X)
    on_disk = np.load(tmp_path / "X.npy", mmap_mode="r")
    on_dask = da.from_array(X, chunks=(4, 2))
    monkeypatch.setattr(skactive.pool, "CHUNK_BYTES", 3 * X.shape[1] * 4)
    assert chunk_rows(on_disk) == 3

    def starts(chunk, start):
        return np.full(len(chunk), start)

    assert map_pool(starts, X).tolist() == [0] * 10
    assert map_pool(starts, on_disk).tolist() == [0, 0, 0, 3, 3, 3, 6, 6, 6, 9]
    assert map_pool(starts, on_dask).tolist() == [0] * 4 + [4] * 4 + [8] * 2
    for pool in (X, on_disk, on_dask):
        scaled = map_pool(lambda chunk, start, k: chunk.sum(axis=1) * k, pool, 2)
        np.testing.assert_array_equal(scaled, X.sum(axis=1) * 2)
        np.testing.assert_array_equal(take_rows(pool, [7, 2]), X[[7, 2]])
    assert [is_lazy_pool(p) for p in (X, on_disk, on_dask, [[1.0]])] == [False, True, True, False]


def test_importing_skactive_does_not_import_dask():
    code = "import skactive, sys; assert not {'dask', 'distributed'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
