import numpy as np
import pytest

from skactive.utils import SEED_MAX, derive_seed, draw_seed


def test_draw_seed_is_reproducible_and_in_range():
    seeds = draw_seed(0, size=100)
    assert seeds == draw_seed(0, size=100)
    assert all(0 <= seed < SEED_MAX for seed in seeds)
    assert draw_seed(np.random.RandomState(0)) == draw_seed(0)


def test_derive_seed_is_the_seed_sequence_of_the_seed_and_keys():
    expected = np.random.SeedSequence([7, 200, 1]).generate_state(1)[0]
    assert derive_seed(7, 200, 1) == expected
    assert derive_seed(7, size=2) == list(np.random.SeedSequence(7).generate_state(2))


def test_derive_seed_keys_give_distinct_streams():
    seeds = {derive_seed(0, n) for n in range(1000)}
    assert len(seeds) == 1000
    assert derive_seed(0, 1, 2) != derive_seed(0, 2, 1)


@pytest.mark.parametrize("state", [np.random.RandomState(3), 3])
def test_derive_seed_from_a_random_state_draws_its_base_seed_first(state):
    base = draw_seed(np.random.RandomState(3)) if not isinstance(state, int) else 3
    assert derive_seed(state, 5) == derive_seed(base, 5)


def test_derived_seeds_seed_numpy_and_torch():
    torch = pytest.importorskip("torch")
    seed = max(derive_seed(k, 0) for k in range(20))
    assert seed >= SEED_MAX  # above draw_seed's range, still a valid seed
    np.random.RandomState(seed)
    torch.Generator().manual_seed(seed)
