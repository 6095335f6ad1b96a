"""Property-based tests: over shapes, dtypes and label sets, labels are only ever appended."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skactive import ActiveINASClassifier

TINY = dict(
    max_epochs=1, base_width=2, inas_iterations=0, batch_size=16, random_state=0, device="cpu"
)

_step = st.fixed_dictionaries(
    {
        "n_pool": st.integers(1, 8),
        "n_query": st.integers(1, 8),
        "new_classes": st.integers(0, 2),
        "wrong_type": st.booleans(),
    }
)
_scenario = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**16),
        "shape": st.sampled_from([(1,), (2,), (5,), (2, 6), (1, 4, 4)]),
        "dtype": st.sampled_from([np.float32, np.float64, np.int64]),
        "text_labels": st.booleans(),
        "n_fit": st.integers(2, 10),
        "n_classes": st.integers(1, 3),
        "strategy": st.sampled_from(["random", "softmax_response"]),
        "steps": st.lists(_step, min_size=1, max_size=3),
    }
)


def _labels(codes, text):
    return np.array([f"class{c}" for c in codes]) if text else np.asarray(codes, dtype=np.int64)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(scenario=_scenario)
def test_labeled_set_is_only_appended_and_queries_are_valid(scenario):
    rng = np.random.default_rng(scenario["seed"])
    shape, dtype, text = scenario["shape"], scenario["dtype"], scenario["text_labels"]

    def samples(n):
        return (rng.normal(size=(n, *shape)) * 4).astype(dtype)

    n_classes = scenario["n_classes"]
    clf = ActiveINASClassifier(query_strategy=scenario["strategy"], **TINY)
    clf.fit(
        samples(scenario["n_fit"]), _labels(rng.integers(0, n_classes, scenario["n_fit"]), text)
    )
    assert len(clf.X_training_) == len(clf.y_training_) == scenario["n_fit"]

    for step in scenario["steps"]:
        pool = samples(step["n_pool"])
        n_query = min(step["n_query"], step["n_pool"])
        indices, queried = clf.query(pool, n_instances=n_query)
        assert len(indices) == n_query == len(set(indices.tolist()))
        assert all(0 <= i < len(pool) for i in indices)
        np.testing.assert_array_equal(queried, pool[indices])

        X_before, y_before = clf.X_training_.copy(), clf.y_training_.copy()
        codes = rng.integers(0, n_classes + step["new_classes"], n_query)
        if step["wrong_type"]:
            with pytest.raises(TypeError):
                clf.teach(queried, _labels(codes, not text))
            np.testing.assert_array_equal(clf.X_training_, X_before)
            np.testing.assert_array_equal(clf.y_training_, y_before)
            continue
        y_new = _labels(codes, text)
        clf.teach(queried, y_new)
        n_classes += step["new_classes"]
        assert len(clf.X_training_) == len(clf.y_training_) == len(X_before) + n_query
        np.testing.assert_array_equal(clf.X_training_[: len(X_before)], X_before)
        np.testing.assert_array_equal(clf.y_training_[: len(y_before)], y_before)
        np.testing.assert_array_equal(
            clf.X_training_[len(X_before) :], queried.astype(X_before.dtype)
        )
        np.testing.assert_array_equal(clf.y_training_[len(y_before) :], y_new)
        np.testing.assert_array_equal(clf.classes_, np.unique(clf.y_training_))
        assert clf.predict_proba(pool).shape == (len(pool), len(clf.classes_))
        assert set(clf.predict(pool).tolist()) <= set(clf.classes_.tolist())
