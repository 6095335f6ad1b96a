"""The synthetic pairwise-interaction screen, after Zhu et al. (2025)."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skactive.datasets import (
    DATASET_TASKS,
    DATASETS,
    SEARCH_DATASETS,
    load_dataset,
    make_interaction,
)


def test_the_registered_screen_pairs_110_genes_and_seeks_the_top_percent():
    data = load_dataset("interaction")
    assert "interaction" in DATASETS and "interaction" in SEARCH_DATASETS
    assert DATASET_TASKS["interaction"] == "regression"
    assert (data.task, data.top_fraction) == ("regression", 0.01)
    assert len(data.y_train) + len(data.y_test) == 110 * 109 // 2
    assert data.X_train.shape == (4796, 16) and data.X_test.shape == (1199, 16)
    assert data.X_train.dtype == np.float32 and data.y_train.dtype == np.float64
    np.testing.assert_array_equal(load_dataset("interaction").y_train, data.y_train)


def test_the_seed_decides_everything():
    first, same = (make_interaction(n_genes=12, random_state=1) for _ in range(2))
    np.testing.assert_array_equal(first.X_train, same.X_train)
    assert not np.array_equal(first.y_train, make_interaction(n_genes=12, random_state=2).y_train)


def test_without_synergy_or_noise_the_target_is_the_standardised_low_rank_part():
    data = make_interaction(n_genes=30, n_synergistic=0, noise=0.0, random_state=0)
    y = np.r_[data.y_train, data.y_test]
    assert y.mean() == pytest.approx(0.0, abs=1e-12) and y.std() == pytest.approx(1.0)


def test_synergistic_pairs_stand_out_and_are_as_many_as_asked():
    data = make_interaction(n_genes=30, n_synergistic=7, noise=0.0, synergy=100.0, random_state=0)
    y = np.r_[data.y_train, data.y_test]
    assert np.sum(y > 50) == 7


def test_bad_sizes_are_refused_naming_the_parameter():
    with pytest.raises(ValueError, match="n_synergistic=11 exceeds the 10 pairs of 5 genes"):
        make_interaction(n_genes=5, n_synergistic=11)
    with pytest.raises(InvalidParameterError, match="'n_genes' parameter"):
        make_interaction(n_genes=2)
    with pytest.raises(InvalidParameterError, match="'top_fraction' parameter"):
        make_interaction(top_fraction=0.0)
