"""Cold-start selection: TypiClust, ProbCover, the k-means baseline and their strategies."""

import numpy as np
import pytest
from conftest import FAST
from modAL.models import ActiveLearner
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression

from skactive import ActiveINASClassifier
from skactive.strategies import (
    COLD_START_STRATEGIES,
    STRATEGIES,
    cold_start_features,
    kmeans_representatives,
    kmeans_sampling,
    probcover,
    probcover_delta,
    probcover_sampling,
    typicality,
    typiclust,
    typiclust_sampling,
)

SELECTIONS = [typiclust, probcover, kmeans_representatives]
SAMPLINGS = [typiclust_sampling, probcover_sampling, kmeans_sampling]

BIG, SMALL = range(40), range(40, 55)
OUTLIERS = range(55, 58)


@pytest.fixture(scope="module")
def blobs():
    """A blob of 40 points, one of 15 six units away, and three outliers far from both."""
    rng = np.random.RandomState(0)
    big = rng.normal(0.0, 0.5, size=(40, 2))
    small = rng.normal([6.0, 0.0], 0.5, size=(15, 2))
    outliers = np.array([[3.0, 4.0], [3.0, -4.0], [-4.0, 4.0]])
    return np.vstack([big, small, outliers])


@pytest.fixture(scope="module")
def pool(digits):
    return digits[0][:200]


@pytest.fixture(scope="module")
def fitted(digits):
    """A tiny network fitted on 60 digits."""
    X_train, _, y_train, _ = digits
    clf = ActiveINASClassifier(input_shape=(1, 8, 8), inas_iterations=0, **FAST)
    return clf.fit(X_train[200:260], y_train[200:260])


def _distances(points):
    return np.linalg.norm(points[:, None] - points[None], axis=2)


def _typicality_by_hand(points, k):
    """1 / mean distance to the k nearest other points, from the full distance matrix."""
    nearest = np.sort(_distances(points), axis=1)[:, 1 : k + 1]
    return 1.0 / nearest.mean(axis=1)


def _kmeans(points, n_clusters, seed):
    """The clustering the selections make: scikit-learn's KMeans seeded alike."""
    kmeans = KMeans(n_clusters, random_state=np.random.RandomState(seed)).fit(points)
    return kmeans.labels_, kmeans.cluster_centers_


def _probcover_by_hand(points, n_labeled, n_instances, delta):
    """Greedy max coverage as written in the paper, on the dense ball matrix."""
    ball = _distances(points) < delta
    covered = ball[:n_labeled].any(axis=0)
    picks = []
    for _ in range(n_instances):
        gain = (ball[n_labeled:] & ~covered).sum(axis=1)
        if gain.max() == 0:
            break
        picks.append(int(np.argmax(gain)))
        covered |= ball[n_labeled + picks[-1]]
    return picks, covered


# ---------------------------------------------------------------- representation


def test_cold_start_features_are_the_principal_components_of_the_flat_rows(pool):
    expected = PCA(50, random_state=0).fit_transform(pool)
    images = pool.reshape(-1, 1, 8, 8)
    np.testing.assert_allclose(cold_start_features(images, random_state=0), expected, atol=1e-4)
    assert cold_start_features(pool[:10], n_components=50).shape == (10, 10)


# ---------------------------------------------------------------- TypiClust


def test_typicality_is_the_inverse_mean_distance_to_the_nearest_neighbours():
    points = np.array([[0.0], [1.0], [3.0], [7.0]])
    np.testing.assert_allclose(typicality(points, 2), [1 / 2, 1 / 1.5, 1 / 2.5, 1 / 5])
    # K is capped at the other points: 20 neighbours of 4 points are 3.
    np.testing.assert_allclose(typicality(points), _typicality_by_hand(points, 3))
    assert typicality(points[:1]).tolist() == [0.0]
    assert typicality(np.zeros((3, 2)), 2).tolist() == [np.inf] * 3


def test_typiclust_first_picks_the_densest_point_never_an_outlier(blobs):
    # One cluster holds everything: the pick is the most typical point of the whole set.
    (first,) = typiclust(blobs, 1, random_state=0)
    assert first == np.argmax(_typicality_by_hand(blobs, 20)) and first in BIG
    for n in (2, 3, 4):
        assert not set(typiclust(blobs, n, random_state=0)) & set(OUTLIERS)
    # The k-means baseline takes whatever point is nearest a centre, outliers included.
    assert set(kmeans_representatives(blobs, 3, random_state=0)) & set(OUTLIERS)


def test_typiclust_takes_the_most_typical_point_of_each_cluster_largest_first(blobs):
    picks = typiclust(blobs, 2, random_state=0)
    clusters, _ = _kmeans(blobs, 2, seed=0)
    sizes = np.bincount(clusters)
    expected = []
    for cluster in np.argsort(-sizes):
        members = np.flatnonzero(clusters == cluster)
        expected.append(members[np.argmax(_typicality_by_hand(blobs[members], 20))])
    assert picks.tolist() == expected
    assert picks[0] in BIG and picks[1] in SMALL


def test_typiclust_skips_clusters_that_hold_a_labeled_point(blobs):
    # The labeled point sits in the big blob: its cluster is taken last, the small blob first.
    labeled, pool = blobs[[13]], np.delete(blobs, 13, axis=0)
    picks = typiclust(pool, 1, labeled=labeled, random_state=0)
    assert picks[0] + 1 in SMALL  # pool indices past 13 are shifted by one
    assert typiclust(pool, 1, random_state=0)[0] + 1 in BIG


def test_typiclust_ignores_small_clusters_until_the_large_ones_are_exhausted():
    points = np.array([0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 15, 100.0]).reshape(-1, 1)
    picks = typiclust(points, 3, random_state=0)
    assert picks.tolist() == [7, 2, 8]  # 12, 2 and 13: never the lone 100
    assert 11 in typiclust(points, 12, random_state=0)  # when nothing else is left
    assert typiclust(points, 3, min_cluster_size=1, random_state=0).tolist() == [7, 2, 11]


# ---------------------------------------------------------------- ProbCover


def test_probcover_picks_the_ball_covering_most_then_covers_the_rest():
    points = np.array([[0.0], [1.0], [2.0], [3.0], [10.0], [11.0]])
    # Ball of 1 (radius 1.5, open): {0, 1, 2}, the largest; then 10's ball {10, 11}.
    assert probcover(points, 2, delta=1.5).tolist() == [1, 4]
    # A labeled point at 1 covers 0, 1 and 2 from the start.
    assert probcover(points, 1, labeled=np.array([[1.0]]), delta=1.5).tolist() == [4]
    # The ball is open: at delta=1 every point covers only itself.
    assert probcover(points, 2, delta=1.0).tolist() == [0, 1]


@pytest.mark.parametrize("n_labeled", [0, 5])
def test_probcover_is_the_greedy_max_coverage_of_its_definition(n_labeled):
    points = np.random.RandomState(1).uniform(size=(80, 2))
    labeled, pool = (points[:n_labeled], points[n_labeled:]) if n_labeled else (None, points)
    picks = probcover(pool, 12, labeled=labeled, delta=0.15, random_state=0)
    expected, covered = _probcover_by_hand(points, n_labeled, 12, 0.15)
    assert picks.tolist() == expected and not covered.all()


def test_probcover_draws_the_rest_at_random_once_everything_is_covered():
    points = np.array([[0.0], [1.0], [2.0], [3.0], [10.0], [11.0]])
    picks = probcover(points, 5, delta=1.5, random_state=0)
    # After 1 and 4 only 3 is uncovered; 2's ball and 3's hold it, ties go to the lower index.
    assert picks[:3].tolist() == [1, 4, 2]
    assert len(set(picks.tolist())) == 5
    assert picks.tolist() == probcover(points, 5, delta=1.5, random_state=0).tolist()


def test_probcover_delta_is_the_largest_radius_with_pure_enough_balls(blobs):
    clusters, _ = _kmeans(blobs, 3, seed=0)
    ball_distance = _distances(blobs)

    def purity(delta):
        return np.mean(
            [np.all(clusters[row < delta] == clusters[i]) for i, row in enumerate(ball_distance)]
        )

    for alpha in (0.8, 0.95, 1.0):
        delta = probcover_delta(blobs, 3, purity=alpha, random_state=0)
        assert purity(delta * (1 - 1e-9)) >= alpha > purity(delta * (1 + 1e-6))


def test_probcover_without_delta_uses_the_purity_rule(blobs):
    delta = probcover_delta(blobs, 4, purity=0.9, random_state=0)
    expected = probcover(blobs, 3, delta=delta)
    picks = probcover(blobs, 3, n_clusters=4, purity=0.9, random_state=0)
    assert picks.tolist() == expected.tolist()


# ---------------------------------------------------------------- k-means


def test_kmeans_representatives_are_the_points_nearest_the_centres(blobs):
    picks = kmeans_representatives(blobs, 4, random_state=0)
    clusters, centres = _kmeans(blobs, 4, seed=0)
    nearest = [np.argmin(np.linalg.norm(blobs - centre, axis=1)) for centre in centres]
    sizes = np.bincount(clusters)
    assert picks.tolist() == [nearest[c] for c in np.argsort(-sizes, kind="stable")]


def test_kmeans_representatives_skip_labeled_clusters():
    points = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    assert kmeans_representatives(points, 1, random_state=0).tolist() == [2]  # the mean, 4.8
    picks = kmeans_representatives(points, 1, labeled=np.array([[10.5]]), random_state=0)
    assert picks.tolist() == [1]


# ---------------------------------------------------------------- common behaviour


@pytest.mark.parametrize("select", SELECTIONS)
def test_selections_are_reproducible_distinct_and_validated(select, blobs):
    picks = select(blobs, 10, random_state=0)
    assert picks.tolist() == select(blobs, 10, random_state=0).tolist()
    assert len(set(picks.tolist())) == 10 and picks.dtype == np.intp
    for n in (0, 59):
        with pytest.raises(ValueError, match="n_instances"):
            select(blobs, n)
    with pytest.raises(ValueError, match="labeled has 3 features, but features has 2"):
        select(blobs, 2, labeled=np.zeros((1, 3)))
    with pytest.raises(ValueError, match="NaN"):
        select(np.full((5, 2), np.nan), 2)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda X: typiclust(X, 2, n_neighbors=0), "'n_neighbors' parameter of typiclust"),
        (lambda X: typiclust(X, 2, min_cluster_size=0), "'min_cluster_size' parameter"),
        (lambda X: probcover(X, 2, delta=0.0), "'delta' parameter of probcover"),
        (lambda X: probcover(X, 2, purity=1.5), "'purity' parameter of probcover"),
        (lambda X: probcover_delta(X, 1), "'n_clusters' parameter of probcover_delta"),
        (lambda X: probcover_delta(X[:3], 5), "n_clusters=5 pseudo-classes need at least"),
        (lambda X: typiclust_sampling(None, X, 2, representation="pixels"), "representation"),
    ],
)
def test_bad_parameters_are_rejected(call, match, blobs):
    with pytest.raises(ValueError, match=match):
        call(blobs)


# ---------------------------------------------------------------- strategies


@pytest.mark.parametrize(
    "sampling, select",
    [(typiclust_sampling, typiclust), (kmeans_sampling, kmeans_representatives)],
)
def test_strategies_without_a_model_select_on_the_principal_components(sampling, select, pool):
    indices, samples = sampling(None, pool, 8, random_state=0)
    rng = np.random.RandomState(0)
    expected = select(cold_start_features(pool, random_state=rng), 8, random_state=rng)
    assert indices.tolist() == expected.tolist()
    np.testing.assert_array_equal(samples, pool[indices])
    # Images are flattened; an unfitted estimator or a plain classifier knows no labeled set.
    images = pool.reshape(-1, 1, 8, 8)
    assert sampling(None, images, 8, random_state=0)[0].tolist() == expected.tolist()
    unfitted = ActiveINASClassifier()
    assert sampling(unfitted, pool, 8, random_state=0)[0].tolist() == expected.tolist()


def test_strategies_use_the_network_and_its_labeled_set_when_fitted(fitted, pool):
    indices, _ = typiclust_sampling(fitted, pool, 6, random_state=0)
    features, labeled = fitted.embed(pool), fitted.embed(fitted.X_training_)
    expected = typiclust(features, 6, labeled=labeled, random_state=0)
    assert indices.tolist() == expected.tolist()
    indices, _ = typiclust_sampling(fitted, pool, 6, representation="input", random_state=0)
    rng = np.random.RandomState(0)
    both = cold_start_features(np.concatenate([fitted.X_training_, pool]), random_state=rng)
    expected = typiclust(both[60:], 6, labeled=both[:60], random_state=rng)
    assert indices.tolist() == expected.tolist()
    with pytest.raises(TypeError, match="needs the network of a fitted ActiveINASClassifier"):
        kmeans_sampling(None, pool, 2, representation="network")


def test_strategies_read_the_labeled_set_of_a_modal_learner(digits, pool):
    X_train, _, y_train, _ = digits
    learner = ActiveLearner(
        estimator=LogisticRegression(max_iter=200),
        X_training=X_train[300:340],
        y_training=y_train[300:340],
    )
    indices, _ = kmeans_sampling(learner, pool, 5, random_state=0)
    rng = np.random.RandomState(0)
    both = cold_start_features(np.concatenate([X_train[300:340], pool]), random_state=rng)
    expected = kmeans_representatives(both[40:], 5, labeled=both[:40], random_state=rng)
    assert indices.tolist() == expected.tolist()


def test_cold_start_strategies_are_registered_by_name():
    assert STRATEGIES["typiclust"] is typiclust_sampling
    assert STRATEGIES["probcover"] is probcover_sampling
    assert STRATEGIES["kmeans"] is kmeans_sampling
    assert set(COLD_START_STRATEGIES) <= set(STRATEGIES)
    for name in COLD_START_STRATEGIES:
        indices, _ = STRATEGIES[name](None, np.random.RandomState(0).randn(30, 3), 4)
        assert len(set(indices.tolist())) == 4


def test_probcover_sampling_takes_the_classifiers_classes_as_pseudo_classes(digits, pool):
    X_train, _, y_train, _ = digits
    three = np.isin(y_train, [0, 1, 2])
    clf = LogisticRegression(max_iter=200).fit(X_train[three][:30], y_train[three][:30])
    indices, _ = probcover_sampling(clf, pool, 4, random_state=0)
    rng = np.random.RandomState(0)
    features = cold_start_features(pool, random_state=rng)
    expected = probcover(features, 4, n_clusters=3, random_state=rng)
    assert indices.tolist() == expected.tolist()
