"""Learning loss (tests of skactive/strategies/_loss_prediction.py)."""

import numpy as np
import pytest
import torch
from conftest import FAST
from modAL.models import ActiveLearner

from skactive import ActiveINASClassifier
from skactive.strategies import (
    STRATEGIES,
    STRATEGY_NAMES,
    loss_prediction,
    predicted_loss,
    resolve_strategy,
    uses_loss_prediction,
)

PARAMS = dict(FAST, inas_iterations=0, input_shape=(1, 8, 8))


@pytest.fixture(scope="module")
def fitted(digits):
    X_train, _, y_train, _ = digits
    clf = ActiveINASClassifier(**PARAMS, loss_prediction=True).fit(X_train[:120], y_train[:120])
    return clf, X_train[120:220], y_train[120:220]


def test_predicted_losses_are_the_heads_output(fitted):
    clf, X_pool, _ = fitted
    module = clf.net_.module_.eval()
    with torch.no_grad():
        x = torch.as_tensor(X_pool.reshape(-1, 1, 8, 8))
        expected = module.loss_head(module.stack_outputs(x)).numpy()
    np.testing.assert_allclose(predicted_loss(clf, X_pool), expected, rtol=1e-5, atol=1e-6)


def test_picks_the_highest_predicted_losses(fitted):
    clf, X_pool, _ = fitted
    indices, samples, utilities = loss_prediction(clf, X_pool, 5, return_utilities=True)
    np.testing.assert_allclose(utilities, predicted_loss(clf, X_pool))
    np.testing.assert_array_equal(indices, np.argsort(-utilities, kind="stable")[:5])
    np.testing.assert_array_equal(samples, X_pool[indices])
    # The estimator's own query, by name, gives the same.
    np.testing.assert_array_equal(
        clf.set_params(query_strategy="loss_prediction").query(X_pool, 5)[0], indices
    )


def test_a_memmap_pool_gets_the_same_losses(fitted, tmp_path):
    clf, X_pool, _ = fitted
    path = tmp_path / "pool.npy"
    np.save(path, X_pool)
    lazy = np.load(path, mmap_mode="r")
    np.testing.assert_allclose(predicted_loss(clf, lazy), predicted_loss(clf, X_pool))


def test_softrank_batch_is_reproducible_and_differs_from_the_top(fitted):
    clf, X_pool, _ = fitted
    first = loss_prediction(clf, X_pool, 10, batch_mode="softrank", random_state=3)[0]
    again = loss_prediction(clf, X_pool, 10, batch_mode="softrank", random_state=3)[0]
    np.testing.assert_array_equal(first, again)
    assert len(set(first.tolist())) == 10
    assert set(first.tolist()) != set(loss_prediction(clf, X_pool, 10)[0].tolist())


def test_works_through_a_modal_active_learner(fitted):
    clf, X_pool, _ = fitted
    learner = ActiveLearner(estimator=clf, query_strategy=loss_prediction)
    indices, _ = learner.query(X_pool, n_instances=3)
    np.testing.assert_array_equal(indices, loss_prediction(clf, X_pool, 3)[0])


def test_a_network_without_the_head_says_to_set_the_option(digits):
    X_train, _, y_train, _ = digits
    clf = ActiveINASClassifier(**PARAMS).fit(X_train[:60], y_train[:60])
    assert clf.net_.module_.loss_head is None
    with pytest.raises(ValueError, match="loss_prediction=True"):
        loss_prediction(clf, X_train[60:100], 2)
    with pytest.raises(TypeError, match="network"):
        loss_prediction(object(), X_train[60:100], 2)
    off = ActiveINASClassifier(**PARAMS, loss_prediction=False, query_strategy="loss_prediction")
    with pytest.raises(ValueError, match="loss_prediction=True"):
        off.fit(X_train[:60], y_train[:60]).query(X_train[60:100], 2)


@pytest.mark.parametrize(
    "kwargs,name",
    [
        ({"batch_mode": "power"}, "batch_mode"),
        ({"beta": -1.0}, "beta"),
        ({"return_utilities": "yes"}, "return_utilities"),
    ],
)
def test_bad_arguments_name_the_parameter(fitted, kwargs, name):
    clf, X_pool, _ = fitted
    with pytest.raises(ValueError, match=name):
        loss_prediction(clf, X_pool, 2, **kwargs)


@pytest.mark.parametrize("n", [0, 101])
def test_bad_n_instances(fitted, n):
    clf, X_pool, _ = fitted
    with pytest.raises(ValueError, match="n_instances"):
        loss_prediction(clf, X_pool, n)


def test_bad_option_names_the_parameter(digits):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match="loss_prediction"):
        ActiveINASClassifier(**PARAMS, loss_prediction="yes").fit(X_train[:60], y_train[:60])


def test_auto_turns_the_head_on_for_this_strategy_only():
    assert STRATEGIES["loss_prediction"] is loss_prediction
    assert "loss_prediction:softrank" in STRATEGY_NAMES
    assert uses_loss_prediction("loss_prediction")
    assert uses_loss_prediction(resolve_strategy("loss_prediction:softrank"))
    assert not uses_loss_prediction("margin") and not uses_loss_prediction(len)


def test_query_strategy_loss_prediction_end_to_end(digits):
    """The search's candidates and the winner train the head; the loop queries and teaches."""
    X_train, _, y_train, _ = digits
    X, y, X_pool, y_pool = X_train[:100], y_train[:100], X_train[100:300], y_train[100:300]
    params = {**PARAMS, "inas_iterations": 1}
    clf = ActiveINASClassifier(**params, query_strategy="loss_prediction")
    clf.fit(X, y)
    assert clf.net_.module_.loss_head is not None
    assert clf.search_networks_ and all(n.module_.loss_head for n in clf.search_networks_)
    entry = clf.history_[-1]
    assert entry["train_steps"] > 0 and entry["train_seconds"] > 0
    assert all(c["steps"] > 0 for c in entry["candidates"])
    indices, samples, utilities = clf.query(X_pool, 5, return_utilities=True)
    assert len(set(indices.tolist())) == 5 and utilities.shape == (200,)
    clf.teach(samples, y_pool[indices])
    assert len(clf.y_training_) == 105 and clf.net_.module_.loss_head is not None
    # Other strategies train exactly as before: no head.
    plain = ActiveINASClassifier(**PARAMS, query_strategy="margin").fit(X, y)
    assert plain.net_.module_.loss_head is None


def test_a_restored_checkpoint_queries_the_same(digits, tmp_path):
    X_train, _, y_train, _ = digits
    X, y, X_pool = X_train[:60], y_train[:60], X_train[60:200]
    clf = ActiveINASClassifier(
        **PARAMS, query_strategy="loss_prediction", checkpoint_dir=tmp_path
    ).fit(X, y)
    restored = ActiveINASClassifier.from_checkpoint(tmp_path)
    assert restored.net_.module_.loss_head is not None
    state, again = clf.net_.module_.state_dict(), restored.net_.module_.state_dict()
    assert any(k.startswith("loss_head.") for k in again)
    for key, value in state.items():
        torch.testing.assert_close(again[key], value)
    np.testing.assert_allclose(predicted_loss(restored, X_pool), predicted_loss(clf, X_pool))
    np.testing.assert_array_equal(restored.query(X_pool, 5)[0], clf.query(X_pool, 5)[0])
