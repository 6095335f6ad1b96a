"""Greedy BatchBALD (tests of skactive/strategies/_batch_bald.py)."""

import copy
import itertools

import numpy as np
import pytest
from conftest import FAST
from sklearn.linear_model import LogisticRegression

import skactive.pool
from skactive import ActiveINASClassifier
from skactive.strategies import (
    bald,
    batch_bald,
    batch_bald_select,
    joint_mutual_information,
    select_top,
)


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _probs(seed, n_passes=40, n_pool=30, n_classes=4):
    """MC samples that mostly agree around a per-sample mean, as MC-dropout's do."""
    rng = np.random.RandomState(seed)
    shared = rng.randn(1, n_pool, n_classes)
    return _softmax(1.5 * shared + 1.5 * rng.randn(n_passes, n_pool, n_classes))


def _brute_force_information(probs, batch):
    """I(y_batch; w) with every label configuration of the batch written out."""
    joint_entropy = 0.0
    for labels in itertools.product(range(probs.shape[2]), repeat=len(batch)):
        p = np.mean(np.prod([probs[:, i, y] for i, y in zip(batch, labels)], axis=0))
        joint_entropy -= p * np.log(p)
    conditional = -np.sum(probs[:, batch] * np.log(probs[:, batch]), axis=2).mean(axis=0)
    return joint_entropy - conditional.sum()


def _brute_force_greedy(probs, n_instances):
    picks = []
    for _ in range(n_instances):
        candidates = [i for i in range(probs.shape[1]) if i not in picks]
        gains = [_brute_force_information(probs, picks + [i]) for i in candidates]
        picks.append(candidates[int(np.argmax(gains))])
    return picks


@pytest.mark.parametrize("seed", range(4))
def test_exact_picks_match_brute_force(seed):
    probs = _softmax(2.0 * np.random.RandomState(seed).randn(4, 6, 3))
    expected = _brute_force_greedy(probs, 3)
    assert batch_bald_select(probs, 3).tolist() == expected
    assert joint_mutual_information(probs[:, expected]) == pytest.approx(
        _brute_force_information(probs, expected), abs=1e-12
    )


@pytest.mark.parametrize("seed", range(3))
def test_lazy_scoring_picks_as_the_plain_greedy(seed, monkeypatch):
    probs = _probs(seed, n_passes=10, n_pool=40, n_classes=3)
    plain = []
    for _ in range(5):
        gains = [
            -np.inf if i in plain else joint_mutual_information(probs[:, plain + [i]])
            for i in range(40)
        ]
        plain.append(int(np.argmax(gains)))
    # Blocks of one candidate and four ranked at a time: every path of the lazy loop is taken.
    monkeypatch.setattr("skactive.strategies._batch_bald.CHUNK_ELEMENTS", 30)
    monkeypatch.setattr("skactive.strategies._batch_bald.LOOKAHEAD", 4)
    assert batch_bald_select(probs, 5).tolist() == plain


@pytest.mark.parametrize("seed", range(3))
def test_drawn_configurations_pick_as_the_listed_ones(seed):
    probs = _probs(seed, n_pool=12)
    exact = batch_bald_select(probs, 6, n_configurations=4**6)
    # With 500 configurations the 5th and 6th picks compare estimates over drawn ones.
    for random_state in range(3):
        sampled = batch_bald_select(probs, 6, n_configurations=500, random_state=random_state)
        assert sampled.tolist() == exact.tolist()


@pytest.mark.parametrize("seed", range(3))
def test_drawn_configurations_pick_a_batch_as_informative(seed):
    probs = _probs(seed)
    exact = batch_bald_select(probs, 6, n_configurations=4**6)
    sampled = batch_bald_select(probs, 6, n_configurations=500, random_state=seed)
    information = [
        joint_mutual_information(probs[:, b], n_configurations=4**6) for b in (exact, sampled)
    ]
    assert information[1] == pytest.approx(information[0], abs=0.03)


def test_drawn_joint_entropy_estimates_the_exact_one():
    probs = _probs(0)[:, :6]
    exact = joint_mutual_information(probs, n_configurations=4**6)
    estimates = [
        joint_mutual_information(probs, n_configurations=1000, random_state=seed)
        for seed in range(10)
    ]
    # One estimate's standard deviation is about 0.03 here, their mean's 0.01.
    assert np.mean(estimates) == pytest.approx(exact, abs=0.04)
    assert len(set(estimates)) == len(estimates)


def test_first_pick_is_the_bald_argmax():
    probs = _probs(3, n_pool=200, n_classes=10)
    assert batch_bald_select(probs, 5, random_state=0)[0] == np.argmax(bald(probs))


def test_copies_are_not_picked_twice_unlike_top_bald():
    # Six samples, three copies of each: the passes disagree sharply on every one.
    rng = np.random.RandomState(0)
    probs = np.repeat(_softmax(3.0 * rng.randn(20, 6, 4)), 3, axis=1)
    top = select_top(bald(probs), 3)
    assert len({i // 3 for i in top.tolist()}) == 1
    picks = batch_bald_select(probs, 3)
    assert len({i // 3 for i in picks.tolist()}) == 3
    assert picks[0] == top[0]


def test_picks_are_distinct_and_reproducible():
    probs = _probs(2, n_pool=60, n_classes=5)
    picks = batch_bald_select(probs, 12, n_configurations=200, random_state=7)
    assert len(set(picks.tolist())) == 12
    again = batch_bald_select(probs, 12, n_configurations=200, random_state=7)
    assert again.tolist() == picks.tolist()
    # A torch tensor is taken as it is, on its device.
    torch = pytest.importorskip("torch")
    on_tensor = batch_bald_select(torch.as_tensor(probs), 12, n_configurations=200, random_state=7)
    assert on_tensor.tolist() == picks.tolist()


def test_every_sample_can_be_picked():
    probs = _probs(4, n_pool=7, n_classes=3)
    assert sorted(batch_bald_select(probs, 7, n_configurations=30, random_state=0)) == list(
        range(7)
    )


@pytest.mark.cuda
def test_a_tensor_on_cuda_is_selected_there_as_on_the_cpu():
    torch = pytest.importorskip("torch")
    probs = _probs(5, n_pool=300)
    # Exact for 4 picks of 4 classes: the same gains in float64 on either device.
    on_gpu = batch_bald_select(torch.as_tensor(probs, device="cuda"), 4, n_configurations=256)
    assert on_gpu.tolist() == batch_bald_select(probs, 4, n_configurations=256).tolist()
    drawn = batch_bald_select(probs, 8, n_configurations=100, device="cuda", random_state=0)
    assert len(set(drawn.tolist())) == 8


@pytest.mark.parametrize("n_instances", [0, 31])
def test_bad_n_instances(n_instances):
    with pytest.raises(ValueError, match="n_instances"):
        batch_bald_select(_probs(0), n_instances)


@pytest.mark.parametrize("n_configurations", [0, -5, 2.5])
def test_bad_n_configurations(n_configurations):
    with pytest.raises(ValueError, match="n_configurations"):
        batch_bald_select(_probs(0), 2, n_configurations=n_configurations)
    with pytest.raises(ValueError, match="n_configurations"):
        joint_mutual_information(_probs(0), n_configurations=n_configurations)


@pytest.mark.parametrize(
    "probs, match",
    [
        (np.full((3, 4), 0.25), "shape"),
        (np.full((3, 0, 4), 0.25), "shape"),
        (np.full((3, 4, 2), -0.5), "probabilities"),
        (np.full((3, 4, 2), np.nan), "probabilities"),
    ],
)
def test_bad_probs(probs, match):
    with pytest.raises(ValueError, match=match):
        batch_bald_select(probs, 1)


# ---------------------------------------------------------------- the strategy


@pytest.fixture(scope="module")
def fitted(digits):
    """A tiny fitted network on 8x8 digits, with dropout for MC samples, and a pool."""
    X_train, _, y_train, _ = digits
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), inas_iterations=0, dropout=0.5, **FAST)
    clf.fit(X_train[:120], y_train[:120])
    return clf, X_train[120:320]


def test_strategy_queries_distinct_samples_reproducibly(fitted):
    clf, X_pool = fitted
    indices, samples = batch_bald(clf, X_pool, 6, random_state=0)
    assert len(set(indices.tolist())) == 6
    np.testing.assert_array_equal(samples, X_pool[indices])
    assert batch_bald(clf, X_pool, 6, random_state=0)[0].tolist() == indices.tolist()
    assert batch_bald(clf, X_pool, 6, n_passes=5, random_state=0)[0].tolist() != indices.tolist()


def test_strategy_by_name(fitted):
    clf, X_pool = fitted
    clf = copy.deepcopy(clf).set_params(query_strategy="batch_bald")
    indices, _ = clf.query(X_pool, n_instances=4)
    assert len(set(indices.tolist())) == 4
    assert clf.query(X_pool, n_instances=4)[0].tolist() == indices.tolist()


def test_strategy_on_a_memmap_pool(fitted, tmp_path, monkeypatch):
    clf, X_pool = fitted
    np.save(tmp_path / "pool.npy", X_pool)
    # Chunks of 64 rows: the pool runs through the network in four.
    monkeypatch.setattr(skactive.pool, "CHUNK_BYTES", 64 * X_pool.shape[1] * 4)
    pool = np.load(tmp_path / "pool.npy", mmap_mode="r")
    indices, samples = batch_bald(clf, pool, 5, random_state=0)
    assert type(samples) is np.ndarray and len(set(indices.tolist())) == 5
    np.testing.assert_array_equal(samples, X_pool[indices])
    assert batch_bald(clf, pool, 5, random_state=0)[0].tolist() == indices.tolist()
    # Chunked alike, a dask array gets the same dropout masks, so the same picks.
    da = pytest.importorskip("dask.array")
    import dask

    with dask.config.set(scheduler="synchronous"):
        on_dask, _ = batch_bald(clf, da.from_array(X_pool, chunks=64), 5, random_state=0)
    assert on_dask.tolist() == indices.tolist()


def test_strategy_needs_a_network_with_dropout(fitted, digits):
    X = np.random.RandomState(0).randn(20, 3)
    with pytest.raises(TypeError, match="ActiveINASClassifier"):
        batch_bald(LogisticRegression().fit(X, X[:, 0] > 0), X, 2)
    X_train, _, y_train, _ = digits
    no_dropout = ActiveINASClassifier(
        input_shape=(1, 8, 8), inas_iterations=0, dropout=0.0, **FAST
    )
    no_dropout.fit(X_train[:60], y_train[:60])
    with pytest.raises(ValueError, match="dropout"):
        batch_bald(no_dropout, fitted[1], 2)
