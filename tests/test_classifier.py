import math
import pickle

import joblib
import numpy as np
import pytest
import torch
from conftest import FAST
from scipy import sparse
from sklearn.base import clone

from skactive import PAPER_SEARCH, ActiveINASClassifier, Architecture
from skactive.search_space import neighbours
from skactive.training import training_budget


def _snapshot(clf):
    return (
        clf.X_training_.copy(),
        clf.y_training_.copy(),
        clf.architecture_,
        clf.classes_.copy(),
        clf.n_features_in_,
        len(clf.history_),
        clf.predict_proba(clf.X_training_[:5]),
    )


def _assert_unchanged(clf, snapshot):
    X, y, arch, classes, n_features, n_rounds, proba = snapshot
    np.testing.assert_array_equal(clf.X_training_, X)
    np.testing.assert_array_equal(clf.y_training_, y)
    assert clf.X_training_.dtype == X.dtype and clf.y_training_.dtype == y.dtype
    assert clf.architecture_ == arch
    np.testing.assert_array_equal(clf.classes_, classes)
    assert clf.n_features_in_ == n_features and len(clf.history_) == n_rounds
    np.testing.assert_array_equal(clf.predict_proba(clf.X_training_[:5]), proba)


@pytest.fixture(scope="module")
def fitted(digits):
    """One estimator fitted on 120 digits, shared: every bad call must leave it as it was."""
    X_train, _, y_train, _ = digits
    params = dict(FAST, inas_iterations=0)
    return ActiveINASClassifier(input_shape=(1, 8, 8), **params).fit(X_train[:120], y_train[:120])


def test_acceptance_digits_active_inas(digits):
    """A whole active-learning run: 200 random labels, then 3 rounds of 100 queries."""
    X_train, X_test, y_train, y_test = digits
    rng = np.random.RandomState(0)
    labeled = rng.choice(len(X_train), 200, replace=False)
    pool = np.setdiff1d(np.arange(len(X_train)), labeled)
    clf = ActiveINASClassifier(
        input_shape=(1, 8, 8), max_blocks=3, max_stacks=3, random_state=0
    ).fit(X_train[labeled], y_train[labeled])
    assert clf.architecture_history_[0] in neighbours(Architecture("resnet", 1, 1), 3, 3)
    for _ in range(3):
        indices, samples = clf.query(X_train[pool], n_instances=100)
        clf.teach(samples, y_train[pool][indices])
        pool = np.delete(pool, indices)
    history = [Architecture("resnet", 1, 1), *clf.architecture_history_]
    for before, after in zip(history, history[1:]):
        assert after in neighbours(before, 3, 3)
        assert after.depth >= before.depth
    for entry in clf.history_:
        steps = [e for e in entry["candidates"] if e["chosen"]]
        assert all(0.0 <= e["val_error"] <= 1.0 for e in entry["candidates"])
        assert steps[-1]["architecture"] == entry["architecture"] or not steps
    assert len(clf.y_training_) == 500 == len(clf.X_training_)
    assert len(np.unique(clf.X_training_, axis=0)) == 500
    assert clf.score(X_test, y_test) >= 0.90


def test_defaults_learn_digits_from_100_labels(digits):
    """With its default parameters the estimator learns from a labeled set of 100 digits.

    The recipe's budget, pooling, crops and weight decay are what this pins: with 30 epochs
    of 128 and global pooling the same fit scored 0.12, and before the crops, decay 0.05 and
    1,200 steps 0.944 (the search then stopped at A(1, 1)).
    """
    X_train, X_test, y_train, y_test = digits
    labeled = np.random.RandomState(0).choice(len(X_train), 100, replace=False)
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), device="cpu", random_state=0)
    clf.fit(X_train[labeled], y_train[labeled])
    assert (clf.net_.max_epochs, clf.net_.batch_size) == training_budget(100)
    assert clf.score(X_test, y_test) >= 0.93


def test_resnet18_layout_learns_digits_from_100_labels(digits):
    """The deepest network of the recipe's table, fixed A(resnet, 2, 4), learns as well.

    Random crops are what lift it: without them (``augment=False``) the same fit scores 0.87.
    """
    X_train, X_test, y_train, y_test = digits
    labeled = np.random.RandomState(0).choice(len(X_train), 100, replace=False)
    clf = ActiveINASClassifier(
        input_shape=(1, 8, 8), initial_architecture=(2, 4), inas_iterations=0, random_state=0
    )
    clf.set_params(device="cpu").fit(X_train[labeled], y_train[labeled])
    assert clf.score(X_test, y_test) >= 0.90


def test_budget_parameters_are_validated_and_explicit_ones_kept(small_digits):
    X, y, _, _ = small_digits
    for params in ({"max_epochs": "many"}, {"batch_size": 0}, {"min_steps": 0}, {"pooling": 2}):
        with pytest.raises(ValueError, match=next(iter(params))):
            ActiveINASClassifier(**params).fit(X, y)
    clf = ActiveINASClassifier(**{**FAST, "max_epochs": 2, "batch_size": 50}).fit(X, y)
    assert (clf.net_.max_epochs, clf.net_.batch_size, len(clf.net_.history)) == (2, 50, 2)


def test_fit_attributes_and_search_history(small_digits):
    X, y, _, _ = small_digits
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), **FAST).fit(X, y)
    assert clf.n_features_in_ == 64 and clf.input_shape_ == (1, 8, 8)
    assert clf.architecture_.block == "resnet"
    assert clf.architecture_history_ == [clf.architecture_]
    entry = clf.history_[0]
    assert entry["n_labeled"] == 120 and entry["start"] == Architecture("resnet", 1, 1)
    assert len(entry["candidates"]) == 3
    assert {e["architecture"] for e in entry["candidates"]} == set(
        neighbours(Architecture("resnet", 1, 1))
    )
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    assert clf.embed(X[:4]).shape == (4, clf.net_.module_.n_features_out)


def test_teach_appends_in_arrival_order_and_restarts_from_architecture(small_digits):
    X, y, X_pool, y_pool = small_digits
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), **FAST).fit(X, y)
    first = clf.architecture_
    indices, samples = clf.query(X_pool, n_instances=7)
    assert len(set(indices)) == 7
    np.testing.assert_array_equal(samples, X_pool[indices])
    clf.teach(samples, y_pool[indices])
    np.testing.assert_array_equal(clf.X_training_[:120], X)
    np.testing.assert_array_equal(clf.X_training_[120:], samples)
    np.testing.assert_array_equal(clf.y_training_[120:], y_pool[indices])
    assert clf.history_[1]["start"] == first
    assert clf.architecture_ >= first


def test_same_seed_same_architectures_queries_and_predictions(small_digits):
    X, y, X_pool, y_pool = small_digits

    def run():
        clf = ActiveINASClassifier(input_shape=(1, 8, 8), query_strategy="random", **FAST)
        clf.fit(X, y)
        idx, samples = clf.query(X_pool, 5)
        clf.teach(samples, y_pool[idx])
        return clf.architecture_history_, idx, clf.predict_proba(X_pool)

    a, b = run(), run()
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[2], b[2])


def test_warm_start_refit_never_shrinks(small_digits):
    X, y, X_pool, y_pool = small_digits
    clf = ActiveINASClassifier(
        input_shape=(1, 8, 8), initial_architecture=(1, 2), warm_start=True, **FAST
    ).fit(X, y)
    clf.fit(np.vstack([X, X_pool[:20]]), np.concatenate([y, y_pool[:20]]))
    assert clf.history_[1]["start"] == clf.architecture_history_[0]
    assert len(clf.architecture_history_) == 2
    cold = clone(clf).set_params(warm_start=False).fit(X, y)
    assert len(cold.architecture_history_) == 1


def test_frozen_architecture_is_a_fixed_baseline(small_digits):
    X, y, _, _ = small_digits
    clf = ActiveINASClassifier(
        input_shape=(1, 8, 8), initial_architecture=(2, 2), inas_iterations=0, **FAST
    ).fit(X, y)
    assert clf.architecture_ == Architecture("resnet", 2, 2)
    assert clf.history_[0]["candidates"] == []


def test_nd_input_and_sequences(small_digits):
    X, y, _, _ = small_digits
    images = ActiveINASClassifier(**FAST).fit(X.reshape(-1, 1, 8, 8), y)
    assert images.architecture_.block == "resnet"
    assert images.predict(X[:3].reshape(-1, 1, 8, 8)).shape == (3,)
    seqs = ActiveINASClassifier(input_shape=(1, 64), **FAST).fit(X, y)
    assert seqs.architecture_.block == "resnet1d"
    flat = ActiveINASClassifier(**FAST).fit(X, y)
    assert flat.architecture_.block == "mlp"


def test_string_labels_and_a_new_class_in_teach(small_digits):
    X, y, X_pool, y_pool = small_digits
    names = np.array([f"digit{d}" for d in range(10)])
    keep = y < 9
    clf = ActiveINASClassifier(**FAST).fit(X[keep], names[y[keep]])
    assert len(clf.classes_) == 9
    nines = X_pool[y_pool == 9][:3]
    clf.teach(nines, np.array(["digit9"] * 3))
    assert clf.classes_.tolist() == sorted(names.tolist())
    assert clf.predict_proba(X[:2]).shape == (2, 10)
    assert clf.net_.module_.head[-1].out_features == 10
    assert set(clf.predict(X_pool)) <= set(names)


@pytest.mark.parametrize(
    "X_new,y_new,error",
    [
        (np.full((2, 64), np.nan), [1, 2], ValueError),
        (np.full((2, 64), np.inf), [1, 2], ValueError),
        (np.zeros((2, 63)), [1, 2], ValueError),
        (np.zeros((3, 64)), [1, 2], ValueError),
        (np.zeros((0, 64)), [], ValueError),
        (np.zeros((2, 64)), [0.5, 1.5], ValueError),
        (np.zeros((2, 64)), ["a", "b"], TypeError),
        (np.zeros((2, 64)), [1.0, 2.0], TypeError),
        (np.zeros((2, 1, 8, 8)), [1, 2], ValueError),
        (sparse.csr_matrix(np.ones((2, 64))), [1, 2], TypeError),
        (np.zeros((2, 64)), np.zeros((2, 2), dtype=int), ValueError),
    ],
)
def test_bad_teach_leaves_the_labeled_set_and_model_unchanged(fitted, X_new, y_new, error):
    before = _snapshot(fitted)
    with pytest.raises(error):
        fitted.teach(X_new, np.asarray(y_new))
    _assert_unchanged(fitted, before)


def test_sparse_input_is_rejected_with_a_clear_message(small_digits):
    X, y, _, _ = small_digits
    with pytest.raises(TypeError, match="[Ss]parse"):
        ActiveINASClassifier(**FAST).fit(sparse.csr_matrix(X), y)


def test_teaching_numbers_to_a_string_labeled_set_is_a_type_error(small_digits):
    X, y, X_pool, _ = small_digits
    names = np.array([f"digit{d}" for d in range(10)], dtype=object)
    clf = ActiveINASClassifier(inas_iterations=0, **FAST).fit(X, names[y])
    before = _snapshot(clf)
    with pytest.raises(TypeError, match="same type"):
        clf.teach(X_pool[:2], np.array([3, 4]))
    _assert_unchanged(clf, before)
    clf.teach(X_pool[:2], np.array(["digit3", "digit4"]))
    assert clf.y_training_.dtype == object and len(clf.y_training_) == 122


@pytest.mark.parametrize(
    "X_new,y_new,match",
    [
        (np.full((5, 64), np.nan), np.arange(5), "NaN"),
        (np.full((5, 64), np.inf), np.arange(5), "infinity"),
        (np.zeros((5, 64)), np.arange(4), "inconsistent numbers of samples"),
        (np.zeros((0, 64)), np.arange(0), "0 sample"),
        (sparse.csr_matrix(np.ones((5, 64))), np.arange(5), "[Ss]parse"),
        (np.zeros((5, 64)), np.linspace(0, 1, 5), "continuous"),
        (np.zeros((5, 63)), np.arange(5), "input_shape"),
        (np.zeros((5, 64)), np.array(["a", 1, "b", 2, "c"], dtype=object), "str"),
    ],
)
def test_bad_refit_leaves_the_fitted_estimator_unchanged(fitted, X_new, y_new, match):
    before = _snapshot(fitted)
    with pytest.raises((ValueError, TypeError), match=match):
        fitted.fit(X_new, y_new)
    _assert_unchanged(fitted, before)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "embed", "query"])
@pytest.mark.parametrize(
    "X_bad,match",
    [
        (np.full((5, 64), np.nan), "NaN"),
        (np.full((5, 64), -np.inf), "infinity"),
        (np.zeros((5, 63)), "features"),
        (np.zeros((0, 64)), "0 sample"),
        (sparse.csr_matrix(np.ones((5, 64))), "[Ss]parse"),
        (np.array([["a"] * 64] * 5), "float"),
    ],
)
def test_bad_input_to_predict_and_query_is_a_clear_error(fitted, method, X_bad, match):
    before = _snapshot(fitted)
    with pytest.raises((ValueError, TypeError), match=match):
        getattr(fitted, method)(X_bad)
    _assert_unchanged(fitted, before)


@pytest.mark.parametrize(
    "n_instances,error",
    [(0, ValueError), (-1, ValueError), (201, ValueError), (2.5, TypeError), (True, TypeError)],
)
def test_query_rejects_bad_counts(fitted, small_digits, n_instances, error):
    _, _, X_pool, _ = small_digits
    before = _snapshot(fitted)
    with pytest.raises(error, match="n_instances"):
        fitted.query(X_pool, n_instances=n_instances)
    _assert_unchanged(fitted, before)


def test_query_rejects_bad_pools_and_counts(small_digits):
    X, y, X_pool, _ = small_digits
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), **FAST).fit(X, y)
    before = _snapshot(clf)
    with pytest.raises(ValueError, match="n_instances"):
        clf.query(X_pool, n_instances=0)
    with pytest.raises(ValueError, match="n_instances"):
        clf.query(X_pool[:3], n_instances=4)
    with pytest.raises(ValueError, match="features"):
        clf.query(X_pool[:, :10])
    _assert_unchanged(clf, before)


def test_input_shape_mismatch_and_bad_start_are_clear_errors(small_digits):
    X, y, _, _ = small_digits
    with pytest.raises(ValueError, match="input_shape"):
        ActiveINASClassifier(input_shape=(1, 7, 7), **FAST).fit(X, y)
    with pytest.raises(ValueError, match="outside the search space"):
        ActiveINASClassifier(initial_architecture=(3, 1), max_blocks=2, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="initial_architecture"):
        ActiveINASClassifier(initial_architecture=(1, 1, 1), **FAST).fit(X, y)


def test_callable_strategy_receives_the_estimator(small_digits):
    X, y, X_pool, _ = small_digits
    seen = {}

    def first_ones(classifier, X_pool, n_instances=1):
        seen["classifier"] = classifier
        return np.arange(n_instances), X_pool[:n_instances]

    clf = ActiveINASClassifier(query_strategy=first_ones, **FAST).fit(X, y)
    indices, _ = clf.query(X_pool, 3)
    assert indices.tolist() == [0, 1, 2] and seen["classifier"] is clf


def test_pickle_round_trip_keeps_predictions(small_digits):
    X, y, X_pool, _ = small_digits
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), **FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X_pool), clf.predict_proba(X_pool))
    np.testing.assert_array_equal(restored.query(X_pool, 4)[0], clf.query(X_pool, 4)[0])


@pytest.mark.cuda
def test_auto_device_trains_on_cuda(small_digits):
    X, y, X_pool, y_pool = small_digits
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), **{**FAST, "device": "auto"}).fit(X, y)
    assert clf.device_ == f"cuda:{torch.cuda.current_device()}"
    assert next(clf.net_.module_.parameters()).is_cuda
    idx, samples = clf.query(X_pool, 3)
    clf.teach(samples, y_pool[idx])
    assert next(clf.net_.module_.parameters()).is_cuda


def test_candidates_in_threads_match_serial_search(small_digits):
    """A step's candidates in threads (``n_jobs``, or a joblib context) change speed, not
    results, at one torch thread per candidate."""
    X, y, _, _ = small_digits
    params = dict(FAST, input_shape=(1, 8, 8), inas_iterations=2, dropout=0.5, augment=True)
    serial = ActiveINASClassifier(**params).fit(X, y)
    with joblib.parallel_config(backend="threading", n_jobs=3):
        in_context = ActiveINASClassifier(**params).fit(X, y)
    assert len(serial.history_[0]["candidates"]) >= 3
    for threaded in (in_context, ActiveINASClassifier(**params, n_jobs=3).fit(X, y)):
        pairs = zip(serial.history_[0]["candidates"], threaded.history_[0]["candidates"])
        for a, b in pairs:
            assert (a["architecture"], a["val_error"]) == (b["architecture"], b["val_error"])
        assert threaded.architecture_ == serial.architecture_
        np.testing.assert_array_equal(threaded.predict_proba(X), serial.predict_proba(X))


def test_engine_parameters_are_validated(small_digits):
    X, y, _, _ = small_digits
    with pytest.raises(ValueError, match="precision"):
        ActiveINASClassifier(precision="fp16").fit(X, y)
    clf = ActiveINASClassifier(**FAST, precision="bf16", inas_iterations=0).fit(X, y)
    assert clf.net_.precision == "bf16"
    assert clf.predict_proba(X).dtype == np.float32


def test_training_that_raises_keeps_the_labels_and_the_previous_model_whole(
    small_digits, monkeypatch
):
    X, y, X_pool, y_pool = small_digits
    keep = y < 9
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), **FAST).fit(X[keep], y[keep])
    proba = clf.predict_proba(X_pool)
    history, classes = list(clf.history_), clf.classes_.copy()

    def out_of_memory(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory")

    monkeypatch.setattr("skactive._search.train_net_with_oom_retry", out_of_memory)
    nines = X_pool[y_pool == 9][:2]
    with pytest.raises(torch.OutOfMemoryError):
        clf.teach(nines, np.array([9, 9]))
    # The paid-for labels stay; the model, its classes and its history still belong together.
    assert len(clf.y_training_) == keep.sum() + 2 and clf.y_training_[-1] == 9
    np.testing.assert_array_equal(clf.classes_, classes)
    np.testing.assert_array_equal(clf.predict_proba(X_pool), proba)
    assert clf.history_ == history
    with pytest.raises(torch.OutOfMemoryError):
        clf.fit(X, y)
    assert clf.history_ == history and len(clf.architecture_history_) == 1


def test_images_of_another_size_are_rejected_not_reshaped(small_digits):
    X, y, X_pool, _ = small_digits
    clf = ActiveINASClassifier(**FAST).fit(X.reshape(-1, 1, 8, 8), y)
    wrong = X_pool.reshape(-1, 1, 4, 16)
    for method in (clf.predict, clf.predict_proba, clf.embed, clf.query):
        with pytest.raises(ValueError, match=r"shape \(1, 4, 16\)"):
            method(wrong)


def test_tags_declare_nd_input_and_determinism_by_device(monkeypatch):
    tags = ActiveINASClassifier(device="cpu").__sklearn_tags__()
    assert tags.input_tags.three_d_array and not tags.non_deterministic
    assert ActiveINASClassifier(device="cuda").__sklearn_tags__().non_deterministic
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert ActiveINASClassifier().__sklearn_tags__().non_deterministic  # "auto" on a GPU box


def test_the_papers_search_trains_candidates_as_long_as_the_winner_then_anew(small_digits):
    X, y, _, _ = small_digits
    params = dict(FAST, input_shape=(1, 8, 8), max_epochs=4)
    clf = ActiveINASClassifier(**{**params, **PAPER_SEARCH}).fit(X, y)
    entry = clf.history_[0]
    assert len(entry["candidates"]) == 3 and not entry["continued"]
    n_train = len(y) - math.ceil(0.2 * len(y))
    for candidate in entry["candidates"]:
        assert (candidate["epochs"], candidate["steps"]) == (4, 4 * math.ceil(n_train / 32))
    assert entry["train_steps"] == 4 * math.ceil(len(y) / 32) and len(clf.net_.history) == 4


def test_candidates_get_a_share_of_the_final_networks_epochs(small_digits):
    # On all 100 labels the rule gives 50 epochs of 7 batches (350 steps); on the 80 of S' it
    # would give 70 epochs of 5. Candidates get a tenth of the final network's 50.
    X, y, _, _ = small_digits
    params = {**FAST, "input_shape": (1, 8, 8), "max_epochs": "auto", "batch_size": "auto"}
    clf = ActiveINASClassifier(**params, min_steps=350, candidate_budget=0.1)
    entry = clf.fit(X[:100], y[:100]).history_[0]
    assert training_budget(100, min_steps=350) == (50, 16)
    assert [c["epochs"] for c in entry["candidates"]] == [5, 5, 5]
    assert len(clf.net_.history) == 50 and entry["continued"]


def test_by_default_a_small_labeled_set_scores_candidates_on_folds(small_digits):
    # 120 labels: one V' would hold 24, so validating on 100 takes 5 folds of 96 + 24.
    X, y, _, _ = small_digits
    params = dict(FAST, input_shape=(1, 8, 8), max_epochs=8)
    params.pop("min_validation_size")
    clf = ActiveINASClassifier(**params).fit(X, y)
    entry = clf.history_[0]
    for candidate in entry["candidates"]:
        assert (candidate["folds"], candidate["epochs"]) == (5, 2)
        assert candidate["steps"] == 5 * 2 * math.ceil(96 / 32)
    # The winner's network saw four folds of five: the final network trains anew.
    assert not entry["continued"] and len(clf.net_.history) == 8
    assert entry["train_steps"] == 8 * math.ceil(120 / 32)


def test_by_default_short_candidates_and_the_winner_goes_on_to_the_full_budget(small_digits):
    X, y, X_pool, y_pool = small_digits
    params = dict(FAST, input_shape=(1, 8, 8), max_epochs=8)
    clf = ActiveINASClassifier(**params).fit(X, y)
    entry = clf.history_[0]
    assert entry["continued"] and [c["epochs"] for c in entry["candidates"]] == [2, 2, 2]
    assert len(clf.net_.history) == 8  # 2 epochs as a candidate, 6 more on every label
    assert entry["train_steps"] == 6 * math.ceil(len(y) / 32)
    first = clf.predict_proba(X_pool)
    clf.teach(X_pool[:40], y_pool[:40])
    assert clf.history_[1]["continued"] and len(clf.net_.history) == 8
    again = ActiveINASClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X_pool), first)


@pytest.mark.parametrize("mixup", [0, -1.0, "beta"])
def test_bad_mixup_is_an_error_naming_it_before_any_change(fitted, small_digits, mixup):
    X, y, X_pool, y_pool = small_digits
    with pytest.raises((ValueError, TypeError), match="mixup"):
        ActiveINASClassifier(**FAST, mixup=mixup).fit(X, y)
    before = _snapshot(fitted)
    try:
        with pytest.raises((ValueError, TypeError), match="mixup"):
            fitted.set_params(mixup=mixup).teach(X_pool[:3], y_pool[:3])
    finally:
        fitted.set_params(mixup=None)
    _assert_unchanged(fitted, before)


def test_mixup_is_a_parameter_that_trains_another_network(small_digits):
    X, y, X_pool, _ = small_digits
    params = dict(FAST, inas_iterations=0, input_shape=(1, 8, 8))
    mixed = ActiveINASClassifier(**params, mixup=2.0)
    assert mixed.get_params()["mixup"] == 2.0 and clone(mixed).mixup == 2.0
    assert ActiveINASClassifier().mixup is None
    mixed.fit(X, y)
    plain = ActiveINASClassifier(**params).fit(X, y)
    assert not np.array_equal(mixed.predict_proba(X_pool), plain.predict_proba(X_pool))
    # Only the labels paid for are kept: the virtual samples are never stored.
    np.testing.assert_array_equal(mixed.X_training_, X)
    np.testing.assert_array_equal(mixed.y_training_, y)
    again = ActiveINASClassifier(**params, mixup=2.0).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X_pool), mixed.predict_proba(X_pool))
