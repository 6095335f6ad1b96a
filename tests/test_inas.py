import warnings
from functools import partial

import joblib
import numpy as np
import pytest

from skactive import Architecture
from skactive.inas import search, split_labeled, validation_splits
from skactive.search_space import neighbours
from skactive.training import TrainingConfig, train_and_score

X = np.arange(100, dtype=float).reshape(50, 2)
y = np.array([0, 1] * 25)


def _preferring(target):
    """A toy score: the error falls as the candidate gets closer to ``target``."""

    def score(arch, X_train, y_train, X_val, y_val, seed):
        return abs(arch.n_blocks - target.n_blocks) + abs(arch.n_stacks - target.n_stacks)

    return score


def test_moves_towards_lower_error_and_obeys_the_neighbour_rule():
    start = Architecture("mlp", 1, 1)
    best, log = search(X, y, start, _preferring(Architecture("mlp", 3, 3)), n_iterations=10)
    assert best == Architecture("mlp", 3, 3)
    chosen = [start] + [e["architecture"] for e in log if e["chosen"]]
    for before, after in zip(chosen, chosen[1:]):
        assert after in neighbours(before)
        assert after.depth >= before.depth


def test_stops_when_the_current_architecture_stays_put():
    start = Architecture("mlp", 2, 2)
    best, log = search(X, y, start, _preferring(start), n_iterations=5)
    assert best == start
    assert {e["step"] for e in log} == {0}
    assert len(log) == 3


def test_respects_the_iteration_budget_and_bounds():
    start = Architecture("mlp", 1, 1)
    best, log = search(
        X, y, start, _preferring(Architecture("mlp", 9, 9)), n_iterations=2, max_blocks=2
    )
    assert max(e["step"] for e in log) == 1
    assert best.n_blocks <= 2
    assert all(e["architecture"].n_blocks <= 2 for e in log)


def test_ties_keep_the_current_architecture():
    start = Architecture("mlp", 1, 1)
    best, _ = search(X, y, start, lambda *args: 0.5, n_iterations=3)
    assert best == start


def test_log_records_every_candidate_once_with_time():
    best, log = search(
        X, y, Architecture("mlp", 1, 1), _preferring(Architecture("mlp", 4, 1)), n_iterations=3
    )
    archs = [e["architecture"] for e in log]
    assert len(archs) == len(set(archs))
    assert all(e["seconds"] >= 0 and isinstance(e["val_error"], float) for e in log)
    assert sum(e["chosen"] for e in log if e["step"] == 0) == 1


def test_zero_iterations_or_too_few_samples_train_nothing():
    calls = []

    def score(*args):
        calls.append(args)
        return 0.0

    start = Architecture("mlp", 1, 1)
    assert search(X, y, start, score, n_iterations=0) == (start, [])
    assert search(X[:1], y[:1], start, score) == (start, [])
    assert calls == []


def test_score_receives_a_disjoint_stratified_split_and_one_seed():
    seen = []

    def score(arch, X_train, y_train, X_val, y_val, seed):
        seen.append((X_train, y_train, X_val, y_val, seed))
        return float(arch.depth)

    search(X, y, Architecture("mlp", 1, 1), score, validation_fraction=0.2, random_state=0)
    X_train, y_train, X_val, y_val, seed = seen[0]
    assert len(X_val) == 10 and len(X_train) == 40
    assert not set(X_train[:, 0]) & set(X_val[:, 0])
    assert np.bincount(y_val).tolist() == [5, 5]
    assert len({s[-1] for s in seen}) == 1


def test_split_is_plain_when_a_class_has_one_sample():
    y_odd = np.array([0] * 9 + [1])
    X_train, X_val, y_train, y_val = split_labeled(X[:10], y_odd, 0.3, random_state=0)
    assert len(y_val) == 3 and len(y_train) == 7


def test_one_split_when_its_validation_part_is_large_enough():
    # 50 samples: V' holds 10, enough for min_validation_size=10, so exactly the paper's split.
    rng_state = np.random.RandomState(3)
    ((X_train, X_val, y_train, y_val),) = validation_splits(X, y, 0.2, 10, random_state=3)
    expected = split_labeled(X, y, 0.2, random_state=rng_state)
    for got, want in zip((X_train, X_val, y_train, y_val), expected, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("minimum", "n_folds"), [(11, 2), (30, 3), (50, 5), (1000, 5)])
def test_small_validation_parts_become_disjoint_stratified_folds(minimum, n_folds):
    splits = validation_splits(X, y, 0.2, minimum, random_state=0)
    assert len(splits) == n_folds
    validated = np.concatenate([X_val[:, 0] for _, X_val, _, _ in splits])
    assert len(validated) == len(set(validated)) == 10 * n_folds
    for X_train, X_val, _, y_val in splits:
        assert len(X_train) == 40 and not set(X_train[:, 0]) & set(X_val[:, 0])
        assert np.bincount(y_val).tolist() == [5, 5]


def test_folds_are_at_most_one_over_the_validation_fraction_and_plain_for_rare_classes():
    y_rare = np.array([0] * 48 + [1] * 2)
    with warnings.catch_warnings():
        # StratifiedKFold would warn that a class has fewer members than folds.
        warnings.simplefilter("error")
        splits = validation_splits(X, y_rare, 0.3, 1000, random_state=0)
    assert len(splits) == 3  # three folds of about a third, not four
    assert sorted(len(s[3]) for s in splits) == [16, 17, 17]


def test_a_labeled_set_smaller_than_the_partition_has_one_fold_per_sample():
    splits = validation_splits(X[:3], y[:3], 0.2, 100, random_state=0)
    assert [len(y_val) for *_, y_val in splits] == [1, 1, 1]
    assert validation_splits(X[:1], y[:1], 0.2, 100, random_state=0) == []
    best, log = search(
        X[:3], y[:3], Architecture("mlp", 1, 1), lambda *args: 0.5, min_validation_size=100
    )
    assert best == Architecture("mlp", 1, 1) and [e["folds"] for e in log] == [3, 3, 3]


def test_candidates_are_compared_by_their_mean_error_over_the_same_folds():
    seen = []
    errors = {1: [0.1, 0.5, 0.6], 2: [0.3, 0.3, 0.3]}

    def score(arch, X_train, y_train, X_val, y_val, seed):
        fold = sum(1 for a, *_ in seen if a == arch)
        seen.append((arch, tuple(X_val[:, 0]), seed))
        return errors[arch.n_stacks if arch.n_blocks == 1 else 1][fold]

    start = Architecture("mlp", 1, 1)
    best, log = search(X, y, start, score, min_validation_size=30, random_state=0)
    # A(1, 1) and A(2, 1) score 0.4 on average, A(1, 2) 0.3: the single first fold (0.1) would
    # have kept A(1, 1).
    assert best == Architecture("mlp", 1, 2)
    assert [e["folds"] for e in log] == [3, 3, 3]
    assert [e["val_error"] for e in log] == pytest.approx([0.4, 0.3, 0.4])
    folds_of = {a: [v for b, v, _ in seen if b == a] for a, _, _ in seen}
    assert len({tuple(v) for v in folds_of.values()}) == 1
    assert len({seed for *_, seed in seen}) == 1


def test_same_result_with_parallel_candidates():
    def score(arch, X_train, y_train, X_val, y_val, seed):
        return float(np.random.RandomState(seed + arch.depth).rand())

    start = Architecture("mlp", 1, 1)
    serial = search(X, y, start, score, n_iterations=3, random_state=1)
    parallel = search(X, y, start, score, n_iterations=3, random_state=1, n_jobs=2)
    assert serial[0] == parallel[0]
    assert [e["val_error"] for e in serial[1]] == pytest.approx(
        [e["val_error"] for e in parallel[1]]
    )


def test_candidates_train_as_tasks_on_dask_workers_like_a_local_run(dask_client, digits):
    from distributed import get_task_stream  # the dask_client fixture skips without it

    X_digits, _, y_digits, _ = digits
    X_train, y_train = X_digits[:200], y_digits[:200]
    config = TrainingConfig(
        input_shape=(64,), n_classes=10, base_width=4, max_epochs=2, batch_size=32, lr=1e-2
    )
    score = partial(train_and_score, config=config)
    start = Architecture("mlp", 1, 1)
    # This seed moves the search twice, through candidates of different errors.
    local = search(X_train, y_train, start, score, n_iterations=2, random_state=2)
    with joblib.parallel_config(backend="dask"), get_task_stream(dask_client) as tasks:
        remote = search(X_train, y_train, start, score, n_iterations=2, random_state=2)
    workers = set(dask_client.scheduler_info()["workers"])
    ran = [t for t in tasks.data if "_timed_score" in t["key"]]
    # A task the scheduler retried shows up twice in the stream: count distinct keys.
    assert len({t["key"] for t in ran}) == len(remote[1])
    assert {t["worker"] for t in ran} <= workers
    assert remote[0] == local[0] != start
    keys = ("step", "architecture", "val_error", "chosen")
    assert [[e[k] for k in keys] for e in remote[1]] == [[e[k] for k in keys] for e in local[1]]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_iterations": -1}, "n_iterations"),
        ({"max_blocks": 0}, "max_blocks"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_search_validates_its_parameters(kwargs, match):
    X, y = np.zeros((10, 2)), np.array([0, 1] * 5)
    with pytest.raises(ValueError, match=match):
        search(X, y, Architecture("mlp", 1, 1), lambda *args: 0.0, **kwargs)
