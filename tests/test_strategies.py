import copy
import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from conftest import FAST
from modAL.models import ActiveLearner
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError
from torch import nn

from skactive import ActiveINASClassifier
from skactive.strategies import (
    STRATEGIES,
    accepts_random_state,
    badge,
    bald,
    coreset,
    entropy,
    entropy_sampling,
    gradient_embedding,
    kcenter_greedy,
    kmeanspp_seeding,
    labeled_set,
    least_confidence,
    margin,
    margin_sampling,
    mc_dropout,
    mc_dropout_proba,
    mc_dropout_utility,
    pool_result,
    prediction_residual,
    random_sampling,
    resolve_strategy,
    select_top,
    softmax_response,
)

PROBA = np.array([[0.7, 0.2, 0.1], [0.4, 0.4, 0.2], [1.0, 0.0, 0.0], [0.5, 0.3, 0.2]])


def _entropy_rows(p):
    """Shannon entropy along the last axis, written out: -sum p log p with 0 log 0 = 0."""
    p = np.asarray(p, dtype=np.float64)
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=-1)


@pytest.fixture(scope="module")
def fitted(digits):
    """A tiny fitted network on 8x8 digits, with dropout 0.5 for MC-dropout, and its pool."""
    X_train, _, y_train, _ = digits
    clf = ActiveINASClassifier(
        input_shape=(1, 8, 8), inas_iterations=0, dropout=0.5, query_strategy="badge", **FAST
    )
    clf.fit(X_train[:120], y_train[:120])
    return clf, X_train[120:220]


# ---------------------------------------------------------------- uncertainty


def test_scores_match_hand_computation():
    np.testing.assert_allclose(least_confidence(PROBA), [0.3, 0.6, 0.0, 0.5])
    np.testing.assert_allclose(margin(PROBA), [-0.5, 0.0, -1.0, -0.2])
    expected = [
        -(0.7 * np.log(0.7) + 0.2 * np.log(0.2) + 0.1 * np.log(0.1)),
        -(2 * 0.4 * np.log(0.4) + 0.2 * np.log(0.2)),
        0.0,
        -(0.5 * np.log(0.5) + 0.3 * np.log(0.3) + 0.2 * np.log(0.2)),
    ]
    np.testing.assert_allclose(entropy(PROBA), expected)
    # The same function scores MC-dropout's torch samples, over the last axis.
    samples = torch.as_tensor(np.stack([PROBA, PROBA[::-1]]))
    np.testing.assert_allclose(entropy(samples).numpy(), [expected, expected[::-1]])


def _second_minus_first(proba):
    ordered = np.sort(proba, axis=1)  # NaN sorts last, as in margin's partition
    return ordered[:, -2] - ordered[:, -1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize(
    "score, formula, one_class",
    [
        (least_confidence, lambda p: 1.0 - np.max(p, axis=1), lambda p: 1.0 - p[:, 0]),
        (margin, _second_minus_first, lambda p: -p[:, 0]),
    ],
)
def test_uncertainty_scores_follow_their_formula_and_a_nan_spoils_its_row(
    score, formula, one_class, dtype
):
    rng = np.random.RandomState(0)
    proba = rng.randint(0, 100, size=(50, 7)).astype(dtype)
    if dtype != np.int64:
        proba[[3, 17], [0, 6]] = np.nan
    scores = score(proba)
    np.testing.assert_array_equal(scores, formula(proba))
    assert np.isnan(scores[[3, 17]]).all() == (dtype != np.int64)
    assert scores.dtype == formula(proba).dtype
    np.testing.assert_array_equal(score(proba[:, :1]), one_class(proba))


def test_select_top_orders_best_first_with_stable_ties():
    assert select_top(np.array([0.2, 0.9, 0.9, 0.1]), 3).tolist() == [1, 2, 0]


@pytest.mark.parametrize("seed", range(5))
def test_select_top_picks_and_orders_as_a_stable_sort(seed):
    # Few distinct values, so ties cross the cut; infinities and NaN at the ends.
    rng = np.random.RandomState(seed)
    utility = rng.randint(0, 6, size=200).astype(np.float64)
    utility[rng.choice(200, 10, replace=False)] = -np.inf
    utility[rng.choice(200, 3, replace=False)] = np.inf
    if seed % 2:
        utility[rng.choice(200, 5, replace=False)] = np.nan
    reference = np.argsort(-utility, kind="stable")
    for n in (1, 7, 50, 150, 199, 200):
        assert select_top(utility, n).tolist() == reference[:n].tolist()


class _FixedProba:
    def __init__(self, proba=PROBA):
        self.proba = proba

    def predict_proba(self, X):
        return self.proba[: len(X)]


def test_softmax_response_queries_least_confident():
    X_pool = np.arange(8).reshape(4, 2)
    indices, samples = softmax_response(_FixedProba(), X_pool, n_instances=2)
    assert indices.tolist() == [1, 3]
    np.testing.assert_array_equal(samples, X_pool[[1, 3]])


# Row 0 has its top two classes tied (margin 0, lowest entropy); row 1 is flatter (margin -0.1,
# highest entropy, lowest maximum): margin prefers row 0, the other two row 1.
_SPLIT = np.array([[0.45, 0.45, 0.1], [0.4, 0.3, 0.3], [0.8, 0.1, 0.1]])


@pytest.mark.parametrize(
    "strategy, expected",
    [(softmax_response, [1, 0]), (margin_sampling, [0, 1]), (entropy_sampling, [1, 0])],
)
def test_uncertainty_strategies_rank_by_their_own_score(strategy, expected):
    indices, _ = strategy(_FixedProba(_SPLIT), np.zeros((3, 2)), n_instances=2)
    assert indices.tolist() == expected


@pytest.mark.parametrize("strategy", [softmax_response, margin_sampling, entropy_sampling])
def test_uncertainty_works_on_any_sklearn_classifier(strategy):
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    y = (X[:, 0] > 0).astype(int)
    clf = LogisticRegression().fit(X, y)
    indices, _ = strategy(clf, X, n_instances=5)
    assert len(set(indices)) == 5
    # With two classes all three scores rank by closeness of p to 1/2.
    p = clf.predict_proba(X)[:, 1]
    assert np.abs(p[indices] - 0.5).max() <= np.sort(np.abs(p - 0.5))[4] + 1e-12


def test_random_sampling_is_reproducible_and_without_replacement():
    X_pool = np.arange(100).reshape(50, 2)
    a, _ = random_sampling(None, X_pool, 10, random_state=0)
    b, _ = random_sampling(None, X_pool, 10, random_state=0)
    assert a.tolist() == b.tolist() and len(set(a)) == 10


# ---------------------------------------------------------------- MC-dropout scores


def test_mc_dropout_utilities_match_hand_computation():
    # Two passes, three samples, two classes.
    probs = np.array([[[0.9, 0.1], [0.5, 0.5], [0.6, 0.4]], [[0.1, 0.9], [0.5, 0.5], [0.8, 0.2]]])
    h = _entropy_rows
    mean = probs.mean(axis=0)
    np.testing.assert_allclose(mc_dropout_utility(probs, "max_entropy"), h(mean))
    np.testing.assert_allclose(
        mc_dropout_utility(probs, "bald"),
        [np.log(2) - h([0.9, 0.1]), 0.0, h([0.7, 0.3]) - (h([0.6, 0.4]) + h([0.8, 0.2])) / 2],
        atol=1e-12,
    )
    # Sample 0: the passes vote 0 then 1; samples 1 and 2: both passes vote class 0.
    np.testing.assert_allclose(mc_dropout_utility(probs, "variation_ratios"), [0.5, 0.0, 0.0])
    np.testing.assert_allclose(mc_dropout_utility(probs, "mean_std"), [0.4, 0.0, 0.1])
    torch_scores = mc_dropout_utility(torch.as_tensor(probs), "bald")
    assert isinstance(torch_scores, torch.Tensor)
    np.testing.assert_allclose(torch_scores.numpy(), bald(probs))


def test_mc_dropout_utility_rejects_bad_input():
    with pytest.raises(ValueError, match="method"):
        mc_dropout_utility(np.ones((2, 3, 2)) / 2, "nope")
    with pytest.raises(ValueError, match="shape"):
        mc_dropout_utility(np.ones((3, 2)) / 2)


# ---------------------------------------------------------------- MC-dropout on a network


def test_bald_matches_its_definition_on_a_toy_network(digits):
    X_train, _, y_train, _ = digits
    # Global pooling of width 4 leaves 4 features, so that the masks can be enumerated.
    clf = ActiveINASClassifier(
        input_shape=(1, 8, 8), inas_iterations=0, dropout=0.5, pooling="global", **FAST
    ).fit(X_train[:120], y_train[:120])
    X = X_train[120:132]
    probs = mc_dropout_proba(clf, X, n_passes=6, random_state=0)
    assert probs.shape == (6, 12, 10)
    # Every pass is the head applied to the features through some dropout mask: enumerate the
    # 2**4 masks of the 4 features (dropout 0.5, survivors scaled by 2).
    features = clf.embed(X).astype(np.float64)
    assert features.shape == (12, 4)
    linear = clf.net_.module_.head[1]
    W, b = linear.weight.detach().double().numpy(), linear.bias.detach().double().numpy()
    masks = np.array(list(itertools.product([0.0, 2.0], repeat=features.shape[1])))
    logits = np.einsum("nf,mf,kf->mnk", features, masks, W) + b
    candidates = np.exp(logits - logits.max(-1, keepdims=True))
    candidates /= candidates.sum(-1, keepdims=True)
    gaps = np.abs(candidates[None] - probs[:, None]).max(axis=-1).min(axis=1)
    assert gaps.max() < 1e-5
    assert np.ptp(probs, axis=0).max() > 1e-3, "dropout was not active"
    by_hand = _entropy_rows(probs.mean(axis=0)) - _entropy_rows(probs).mean(axis=0)
    np.testing.assert_allclose(mc_dropout_utility(probs, "bald"), by_hand, atol=1e-6)
    indices, _ = mc_dropout(clf, X, n_instances=4, n_passes=6, random_state=0)
    np.testing.assert_allclose(by_hand[indices], np.sort(by_hand)[::-1][:4], atol=1e-6)


def test_mc_dropout_is_reproducible_and_leaves_the_global_rng_alone(fitted):
    clf, X_pool = fitted
    probs = mc_dropout_proba(clf, X_pool, n_passes=5, random_state=1)
    np.testing.assert_array_equal(probs, mc_dropout_proba(clf, X_pool, 5, random_state=1))
    assert not np.allclose(probs, mc_dropout_proba(clf, X_pool, 5, random_state=2))
    state = torch.random.get_rng_state()
    mc_dropout(clf, X_pool, 3, random_state=1)
    assert torch.equal(state, torch.random.get_rng_state()), "global RNG was used"


def test_mc_dropout_never_runs_the_networks_forward(fitted, monkeypatch):
    # A compiled forward ignored MC-dropout's sampling once; the passes now go through
    # features and head_samples only, as this spy on forward shows.
    clf = copy.deepcopy(fitted[0])
    expected = mc_dropout_proba(clf, fitted[1], 4, random_state=0)

    def forward(x):
        raise AssertionError("MC-dropout ran the network's forward")

    monkeypatch.setattr(clf.net_.module_, "forward", forward)
    np.testing.assert_array_equal(mc_dropout_proba(clf, fitted[1], 4, random_state=0), expected)


def test_mc_dropout_queries_in_threads_equal_the_serial_one(fitted):
    clf, X_pool = fitted
    serial = mc_dropout_proba(clf, X_pool, 6, random_state=3)
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: mc_dropout_proba(clf, X_pool, 6, random_state=3), range(4)))
    for probs in runs:
        np.testing.assert_array_equal(probs, serial)


def test_mc_dropout_refuses_a_network_without_dropout(fitted):
    clf = copy.deepcopy(fitted[0])
    clf.net_.module_.head[0].p = 0.0
    with pytest.raises(ValueError, match="dropout"):
        mc_dropout(clf, fitted[1], 2)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda clf, X: mc_dropout(clf, X, 2, n_passes=0), "n_passes"),
        (lambda clf, X: mc_dropout(clf, X, 2, n_passes=2.5), "n_passes"),
        (lambda clf, X: mc_dropout(clf, X, 2, method="bold"), "method"),
        (lambda clf, X: mc_dropout(clf, X, 2, batch_mode="best"), "batch_mode"),
        (lambda clf, X: mc_dropout(clf, X, 2, beta=-1.0), "beta"),
        (lambda clf, X: mc_dropout_proba(clf, X, n_passes=0), "n_passes"),
        (lambda clf, X: mc_dropout_utility(np.ones((2, 3, 2)) / 2, "bold"), "method"),
    ],
)
def test_mc_dropout_parameters_are_validated(fitted, call, match):
    with pytest.raises(ValueError, match=match):
        call(fitted[0], fitted[1])


# ---------------------------------------------------------------- core-set


def _brute_force_kcenter(pool, labeled, n, first=None):
    """The k-center greedy as written in the paper, on full NumPy distance matrices."""
    pairwise = ((pool[:, None, :] - pool[None, :, :]) ** 2).sum(-1)
    if labeled is None:
        nearest = np.full(len(pool), np.inf)
    else:
        nearest = ((pool[:, None, :] - labeled[None, :, :]) ** 2).sum(-1).min(axis=1)
    picked = []
    for _ in range(n):
        i = first if first is not None and not picked else int(np.argmax(nearest))
        picked.append(i)
        nearest = np.minimum(nearest, pairwise[i])
        nearest[picked] = -1.0
    return picked


def test_kcenter_greedy_matches_brute_force():
    rng = np.random.RandomState(0)
    pool, labeled = rng.randn(300, 6), rng.randn(40, 6)
    expected = _brute_force_kcenter(pool, labeled, 25)
    assert kcenter_greedy(pool, labeled, 25).tolist() == expected
    assert kcenter_greedy(pool, labeled, 25, chunk_size=7).tolist() == expected
    with pytest.raises(ValueError, match="chunk_size"):
        kcenter_greedy(pool, labeled, 25, chunk_size=0)
    assert kcenter_greedy(torch.as_tensor(pool), labeled, 25).tolist() == expected
    picked = kcenter_greedy(pool, None, 10, random_state=0)
    assert picked.tolist() == _brute_force_kcenter(pool, None, 10, first=picked[0])
    assert picked.tolist() == kcenter_greedy(pool, None, 10, random_state=0).tolist()


@pytest.mark.parametrize("labeled", [True, False])
def test_kcenter_greedy_updating_only_the_farthest_points_picks_what_brute_force_picks(
    monkeypatch, labeled
):
    from skactive.strategies import _coreset

    # A small active set forces many partitions and refreshes of the stale points, and clusters
    # make the farthest points change as centres are added.
    monkeypatch.setattr(_coreset, "ACTIVE_MIN", 8)
    monkeypatch.setattr(_coreset, "ACTIVE_PER_PICK", 0)
    refreshes = []
    distance_to_set = _coreset._distance_to_set

    def counted(*args):
        refreshes.append(len(args[0]))
        return distance_to_set(*args)

    monkeypatch.setattr(_coreset, "_distance_to_set", counted)
    rng = np.random.RandomState(0)
    pool = rng.randn(400, 3) + 4 * rng.randint(0, 5, (400, 1))
    labeled_set = pool[:5] if labeled else None
    picked = kcenter_greedy(pool, labeled_set, 120, random_state=0)
    assert picked.tolist() == _brute_force_kcenter(
        pool, labeled_set, 120, first=None if labeled else picked[0]
    )
    # The first call is the labeled set's; every other refreshes the points left stale.
    assert len(refreshes) - labeled > 5
    assert max(refreshes[labeled:]) < len(pool)


def test_kcenter_greedy_never_repeats_when_distances_run_out():
    pool = np.zeros((5, 2))
    assert sorted(kcenter_greedy(pool, np.zeros((1, 2)), 5).tolist()) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="rows of shape"):
        kcenter_greedy(pool, np.zeros((1, 3)), 2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(features_pool=None), "'features_pool' parameter"),
        (dict(features_labeled=3.0), "'features_labeled' parameter"),
        (dict(n_instances=0), "'n_instances' parameter"),
        (dict(n_instances=2.0), "'n_instances' parameter"),
        (dict(chunk_size=0), "'chunk_size' parameter"),
        (dict(random_state="seed"), "'random_state' parameter"),
    ],
)
def test_kcenter_greedy_rejects_bad_arguments(kwargs, match):
    args = dict(features_pool=np.zeros((5, 2)), features_labeled=None, n_instances=2)
    # sklearn's InvalidParameterError is both a ValueError and a TypeError.
    with pytest.raises(InvalidParameterError, match=match):
        kcenter_greedy(**{**args, **kwargs})


def test_coreset_runs_kcenter_on_the_embeddings(fitted):
    clf, X_pool = fitted
    indices, samples = coreset(clf, X_pool, n_instances=7)
    expected = kcenter_greedy(clf.embed(X_pool), clf.embed(clf.X_training_), 7)
    assert indices.tolist() == expected.tolist()
    np.testing.assert_array_equal(samples, X_pool[indices])


# ---------------------------------------------------------------- BADGE


def test_gradient_embedding_is_the_last_layer_gradient():
    torch.manual_seed(0)
    body, head = nn.Sequential(nn.Linear(5, 4), nn.ReLU()), nn.Linear(4, 3)
    x = torch.randn(6, 5)
    features = body(x).detach()
    logits = head(features)
    expected = []
    for i in range(len(x)):
        loss = nn.functional.cross_entropy(logits[i : i + 1], logits[i : i + 1].argmax(dim=1))
        (grad,) = torch.autograd.grad(loss, head.weight, retain_graph=True)
        expected.append(grad.flatten().numpy())
    proba = torch.softmax(logits, dim=1).detach().numpy()
    np.testing.assert_allclose(gradient_embedding(proba, features.numpy()), expected, atol=1e-6)
    np.testing.assert_allclose(prediction_residual(PROBA)[0], [-0.3, 0.2, 0.1])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: prediction_residual(None), "'proba' parameter of prediction_residual"),
        (lambda: gradient_embedding(0.5, np.ones((1, 2))), "'proba' parameter"),
        (lambda: gradient_embedding(PROBA, None), "'features' parameter"),
        (lambda: kmeanspp_seeding(None, 2), "'features' parameter"),
        (lambda: kmeanspp_seeding(np.ones((4, 2)), 0), "'n_instances' parameter"),
        (lambda: kmeanspp_seeding(np.ones((4, 2)), 2, outer=1.0), "'outer' parameter"),
    ],
)
def test_badge_functions_reject_bad_arguments(call, match):
    with pytest.raises(InvalidParameterError, match=match):
        call()


def test_kmeanspp_seeding_on_factors_equals_seeding_on_the_embedding():
    rng = np.random.RandomState(0)
    proba = rng.dirichlet(np.ones(4), size=80)
    features = rng.randn(80, 6)
    embedding = gradient_embedding(proba, features)
    residual = prediction_residual(proba)
    for seed in range(3):
        direct = kmeanspp_seeding(embedding, 12, random_state=seed)
        factored = kmeanspp_seeding(features, 12, outer=residual, random_state=seed)
        assert direct.tolist() == factored.tolist()
        assert direct[0] == np.argmax(np.linalg.norm(embedding, axis=1))
    assert len(set(direct.tolist())) == 12


def test_kmeanspp_seeding_covers_separated_clusters():
    rng = np.random.RandomState(0)
    centres = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0]])
    points = np.repeat(centres, 20, axis=0) + rng.randn(60, 2) * 0.01
    for seed in range(5):
        picked = kmeanspp_seeding(points, 3, random_state=seed)
        assert sorted(picked // 20) == [0, 1, 2]
    # Duplicates only: after the first pick all distances vanish, yet picks stay distinct.
    assert sorted(kmeanspp_seeding(np.ones((4, 2)), 4, random_state=0).tolist()) == [0, 1, 2, 3]


def test_badge_seeds_on_the_gradient_embeddings(fitted):
    clf, X_pool = fitted
    indices, samples = badge(clf, X_pool, n_instances=6, random_state=3)
    residual = prediction_residual(clf.predict_proba(X_pool))
    expected = kmeanspp_seeding(clf.embed(X_pool), 6, outer=residual, random_state=3)
    assert indices.tolist() == expected.tolist()
    np.testing.assert_array_equal(samples, X_pool[indices])
    assert indices.tolist() == badge(clf, X_pool, 6, random_state=3)[0].tolist()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_selection_on_cuda_matches_cpu():
    rng = np.random.RandomState(0)
    pool, labeled = rng.randn(500, 8), rng.randn(30, 8)
    on_gpu = kcenter_greedy(pool, labeled, 20, device="cuda")
    assert on_gpu.tolist() == kcenter_greedy(pool, labeled, 20).tolist()
    picked = kmeanspp_seeding(pool, 20, outer=labeled[:1].repeat(500, 0), device="cuda")
    assert len(set(picked.tolist())) == 20 and picked[0] == np.argmax((pool**2).sum(1))


# ---------------------------------------------------------------- every strategy


# The fixture has no search, so no candidates for this committee (see
# tests/test_strategies_ensemble.py), and no loss-prediction head (see
# tests/test_strategies_loss_prediction.py).
NEEDS_SEARCH = {"ensemble_candidates", "loss_prediction"}


@pytest.mark.parametrize("name", sorted(set(STRATEGIES) - NEEDS_SEARCH))
def test_every_strategy_through_the_estimator(name, fitted):
    # The fixture was fitted with query_strategy="badge", so fit validated a new name; the
    # network is shared to keep the test fast.
    clf, X_pool = copy.deepcopy(fitted[0]).set_params(query_strategy=name), fitted[1]
    indices, samples = clf.query(X_pool, n_instances=5)
    assert len(set(indices.tolist())) == 5 and indices.max() < len(X_pool)
    np.testing.assert_array_equal(samples, X_pool[indices])
    again, _ = clf.query(X_pool, n_instances=5)
    assert again.tolist() == indices.tolist()


def test_every_strategy_unwraps_a_modal_active_learner(fitted):
    clf, X_pool = fitted
    X, y = clf.X_training_, clf.y_training_
    # modAL's constructor fits the estimator on X_training, as a learner would start.
    learner = ActiveLearner(estimator=copy.deepcopy(clf), X_training=X, y_training=y)
    for name, strategy in STRATEGIES.items():
        if name in NEEDS_SEARCH:
            continue
        kwargs = {"random_state": 0} if accepts_random_state(strategy) else {}
        wrapped, _ = strategy(learner, X_pool, 4, **kwargs)
        direct, _ = strategy(learner.estimator, X_pool, 4, **kwargs)
        assert wrapped.tolist() == direct.tolist(), name


@pytest.mark.parametrize("name", ["mc_dropout", "coreset", "badge"])
def test_deep_strategies_need_the_network(name):
    X = np.random.RandomState(0).randn(20, 3)
    clf = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    with pytest.raises(TypeError, match="ActiveINASClassifier"):
        STRATEGIES[name](clf, X, 2)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
@pytest.mark.parametrize("n", [0, -1, 101])
def test_bad_n_instances(name, n, fitted):
    clf, X_pool = fitted
    with pytest.raises(ValueError, match="n_instances"):
        STRATEGIES[name](clf, X_pool, n)


def test_non_integer_n_instances():
    with pytest.raises(TypeError, match="n_instances"):
        random_sampling(None, np.zeros((4, 2)), 1.5)


def test_resolve_strategy():
    assert resolve_strategy("softmax_response") is softmax_response
    assert resolve_strategy("badge") is badge
    assert resolve_strategy(random_sampling) is random_sampling
    with pytest.raises(ValueError, match="Unknown query strategy"):
        resolve_strategy("nope")


# ---------------------------------------------------------------- utilities


@pytest.mark.parametrize("name", sorted(set(STRATEGIES) - NEEDS_SEARCH))
def test_every_strategy_returns_its_utilities_on_request(fitted, name):
    clf, X_pool = fitted
    strategy = STRATEGIES[name]
    seed = {"random_state": 0} if accepts_random_state(strategy) else {}
    indices, samples = strategy(clf, X_pool, 5, **seed)
    again, _, utilities = strategy(clf, X_pool, 5, return_utilities=True, **seed)
    np.testing.assert_array_equal(again, indices)
    assert utilities.shape == (len(X_pool),) and utilities.dtype == np.float64
    if name == "random":
        assert not utilities.any()
    elif name in ("coreset", "badge", "probcover", "batch_bald"):
        assert indices[0] == np.argmax(utilities)  # the criterion of the first pick
    elif name in ("typiclust", "kmeans"):
        assert np.isfinite(utilities).all()  # the best of its cluster, not of the pool
    else:
        assert set(indices) == set(np.argsort(-utilities, kind="stable")[:5])


def test_the_estimators_query_passes_the_utilities_on(fitted):
    clf, X_pool = fitted
    indices, samples, utilities = clf.query(X_pool, 3, return_utilities=True)
    assert utilities.shape == (len(X_pool),) and np.array_equal(samples, X_pool[indices])
    assert len(clf.query(X_pool, 3)) == 2


def test_pool_result_refuses_utilities_that_do_not_match_the_pool():
    with pytest.raises(ValueError, match="utilities"):
        pool_result(np.zeros((3, 2)), [0], utilities=[1.0, 2.0])


def test_labeled_set_is_found_on_the_estimator_or_through_its_wrappers():
    X, y = np.eye(4), np.array([0, 1, 0, 1])
    learner = ActiveLearner(LogisticRegression(), X_training=X, y_training=y)
    X_held, y_held = labeled_set(learner)
    np.testing.assert_array_equal(X_held, X)
    np.testing.assert_array_equal(y_held, y)

    class Holder:
        X_training_, y_training_ = X[:2], y[:2]

    class Wrapper:
        estimator = Holder()

    np.testing.assert_array_equal(labeled_set(Wrapper())[1], y[:2])
    # A learner with no label yet holds an empty set; an estimator holds none at all.
    assert labeled_set(ActiveLearner(LogisticRegression())) == (None, None)
    assert labeled_set(LogisticRegression()) is None
    assert labeled_set(None) is None
