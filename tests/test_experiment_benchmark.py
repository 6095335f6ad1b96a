"""The benchmark matrix, its rank table and its page (tests of skactive/experiment/_benchmark.py,
_ranks.py and _benchmark_page.py)."""

import dataclasses
import math

import matplotlib
import numpy as np
import pytest

import skactive.experiment._benchmark as benchmark_module
from skactive import ActiveINASClassifier
from skactive.datasets import Dataset
from skactive.experiment import (
    DOMAINS,
    Domain,
    ExperimentResult,
    default_strategies,
    load_benchmark,
    rank_table,
    run_benchmark,
    write_benchmark_page,
)

matplotlib.use("Agg")

TINY = {"base_width": 4, "max_epochs": 1, "inas_iterations": 0}


def _result(aucs: dict[str, list[float]]) -> ExperimentResult:
    """One-round curves, so each repetition's normalised AUC is its accuracy."""
    rows = [
        dict(method="active-inas", strategy=strategy, repeat=r, round=0, n_labeled=10,
             accuracy=auc, architecture="", fit_seconds=0.0, query_seconds=0.0)
        for strategy, values in aucs.items()
        for r, auc in enumerate(values)
    ]  # fmt: skip
    return ExperimentResult(rows)


def _rows(table, key="domains"):
    return {(row.get("domain"), row["strategy"]): row for row in table[key]}


def test_ranks_average_ties_and_average_over_repetitions_then_domains():
    results = {
        "a": _result({"random": [0.5, 0.5, 0.5], "x": [0.7, 0.5, 0.6], "y": [0.6, 0.6, 0.4]}),
        "b": _result({"random": [0.9, 0.9], "x": [0.1, 0.2], "y": [0.5, 0.5]}),
    }
    table = rank_table(results)
    ranks = {key: row["mean_rank"] for key, row in _rows(table).items()}
    # Domain a: (x, y, random) ranks (1, 2, 3), (2.5, 1, 2.5) with a tie, (1, 3, 2).
    assert ranks[("a", "x")] == pytest.approx(4.5 / 3)
    assert ranks[("a", "y")] == pytest.approx(2)
    assert ranks[("a", "random")] == pytest.approx(7.5 / 3)
    assert (ranks[("b", "random")], ranks[("b", "y")], ranks[("b", "x")]) == (1, 2, 3)
    overall = {row["strategy"]: row for row in table["overall"]}
    # Each domain counts once, whatever its repetitions.
    assert overall["x"]["mean_rank"] == pytest.approx((1.5 + 3) / 2)
    assert [row["strategy"] for row in table["overall"]] == ["random", "y", "x"]
    assert all(row["n_domains"] == 2 for row in table["overall"])


def test_rank_intervals_are_a_seeded_bootstrap_over_repetitions():
    rng = np.random.default_rng(0)
    aucs = {
        s: list(0.5 + shift + 0.1 * rng.random(20)) for s, shift in (("random", 0), ("x", 0.05))
    }
    results = {"a": _result(aucs), "b": _result({"random": [0.4] * 5, "x": [0.3] * 5})}
    table = rank_table(results)
    assert table == rank_table(results)  # seeded: the same draws every call
    assert table["n_bootstrap"] == 1000 and table["confidence"] == 0.95
    rows = _rows(table)
    row = rows[("a", "x")]
    assert row["rank_ci_low"] < row["mean_rank"] < row["rank_ci_high"]
    assert 1 <= row["rank_ci_low"] and row["rank_ci_high"] <= 2
    # Ranks that never change have a zero-width interval.
    assert rows[("b", "x")]["rank_ci_low"] == rows[("b", "x")]["rank_ci_high"] == 2
    overall = {row["strategy"]: row for row in table["overall"]}["x"]
    assert overall["rank_ci_low"] <= overall["mean_rank"] <= overall["rank_ci_high"]
    single = rank_table({"a": _result({"random": [0.5], "x": [0.6]})})
    assert math.isnan(single["overall"][0]["rank_ci_low"])


def test_beats_random_needs_a_paired_interval_above_zero():
    random = [0.50, 0.60, 0.55, 0.52, 0.58]
    results = {
        "a": _result(
            {
                "random": random,
                "steady": [v + 0.02 for v in random],  # small, but every repetition
                "noisy": [v + d for v, d in zip(random, (0.2, -0.15, 0.1, -0.1, 0.05))],
            }
        )
    }
    table = rank_table(results)
    rows = _rows(table)
    assert rows[("a", "steady")]["beats_random"] and rows[("a", "steady")]["gain_ci_low"] > 0
    assert not rows[("a", "noisy")]["beats_random"]
    assert not rows[("a", "random")]["beats_random"]
    assert math.isnan(rows[("a", "random")]["gain_mean"])
    overall = {row["strategy"]: row for row in table["overall"]}
    assert overall["steady"]["beats_random"] == ["a"] and overall["noisy"]["beats_random"] == []
    low, high = rows[("a", "random")]["auc_ci_low"], rows[("a", "random")]["auc_ci_high"]
    assert low < np.mean(random) < high


def test_the_oracle_is_the_ceiling_and_is_not_ranked():
    results = {"a": _result({"random": [0.5, 0.6], "x": [0.6, 0.7], "oracle": [0.9, 0.95]})}
    table = rank_table(results)
    assert {row["strategy"] for row in table["overall"]} == {"random", "x"}
    assert table["ceilings"]["a"]["auc_mean"] == pytest.approx(0.925)
    assert rank_table({"a": _result({"random": [0.5], "x": [0.6]})})["ceilings"] == {}


def test_domains_are_sized_for_the_benchmark():
    assert set(DOMAINS) == {
        "wine", "breast_cancer", "iris", "digits_flat", "honeypot", "diverging_sine",
        "mnist1d_5k", "digits", "mnist_5k",
    }  # fmt: skip
    for name, domain in DOMAINS.items():
        assert domain.name == name
        assert domain.initial_size < domain.budget
        cheap = domain.family in ("tabular", "synthetic")
        assert domain.n_repeats == 50 if cheap else domain.n_repeats >= 10
        ActiveINASClassifier(**domain.estimator_params)._validate_params()
    assert "50 -> 300 labels by 50, 10 repetitions" == DOMAINS["digits"].protocol


def test_the_oracle_is_a_default_strategy():
    assert default_strategies()[-1] == "oracle"
    assert {"random", "auto", "softmax_response", "coreset"} <= set(default_strategies())


@pytest.fixture
def no_training(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("trained before the arguments were checked")

    monkeypatch.setattr(ActiveINASClassifier, "fit", fail)


def test_every_bad_argument_is_named_at_once_before_any_training(tmp_path, no_training):
    with pytest.raises(ValueError) as error:
        run_benchmark(["digits", "cifar"], ["random", "guess"], n_repeats=0, out_dir=tmp_path)
    message = str(error.value)
    assert "'cifar'" in message and "'guess'" in message and "n_repeats=0" in message
    small = Domain("small", "digits", "image", 50, 10, 40, 2, {"widht": 4})
    big = dataclasses.replace(DOMAINS["digits"], budget=5000)
    with pytest.raises(ValueError) as error:
        run_benchmark([small, big], "random", out_dir=tmp_path)
    message = str(error.value)
    assert "initial_size=50 is larger than budget=40" in message
    assert "budget=5000 is not below the 1257 training samples" in message
    assert "widht" in message
    assert not any(tmp_path.iterdir())  # nothing written either


def test_budget_is_checked_against_the_pool_of_the_dataset_by_its_name(
    tmp_path, monkeypatch, no_training
):
    def load(name, data_dir=None):
        X = np.zeros((40, 3), dtype=np.float32)
        return Dataset(name, X[:30], np.arange(30) % 3, X[30:], np.arange(10) % 3)

    monkeypatch.setattr(benchmark_module, "load_dataset", load)
    with pytest.raises(ValueError, match="budget=54 is not below the 30 training samples"):
        run_benchmark(["wine"], ["random"], out_dir=tmp_path)


def test_a_tiny_benchmark_writes_tables_page_and_figures_and_resumes(tmp_path, monkeypatch):
    args = (["digits"], ["random", "softmax_response"])
    kwargs = dict(budget=60, estimator_params=TINY, out_dir=tmp_path, progress=False)
    results = run_benchmark(*args, n_repeats=2, **kwargs)
    result = results["digits"]
    assert result.strategies == ["random", "softmax_response"]
    assert sorted({row["repeat"] for row in result.rows}) == [0, 1]
    assert [row["n_labeled"] for row in result.rows[:2]] == [50, 60]
    assert result.settings["domain"]["estimator_params"]["base_width"] == 4
    assert (tmp_path / "digits" / "results.json").is_file()
    assert load_benchmark(tmp_path)["digits"].rows == result.rows

    paths = write_benchmark_page(results, tmp_path, image_dir="_static")
    assert [p.name for p in paths] == ["benchmark.rst", "benchmark_digits.png"]
    page = paths[0].read_text()
    assert "softmax_response" in page and "50 → 60 by 50" in page
    assert ".. figure:: _static/benchmark_digits.png" in page
    assert paths[1].stat().st_size > 0

    with pytest.raises(ValueError, match="resume=True"):
        run_benchmark(*args, n_repeats=2, **kwargs)
    fits, fit = [], ActiveINASClassifier.fit

    def counted_fit(self, *args, **kwargs):
        fits.append(1)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(ActiveINASClassifier, "fit", counted_fit)
    more = run_benchmark(*args, n_repeats=3, resume=True, **kwargs)["digits"]
    assert len(fits) == 2  # only the new repetition of each strategy trains
    assert [row for row in more.rows if row["repeat"] < 2] == result.rows
