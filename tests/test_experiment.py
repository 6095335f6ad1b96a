"""Simulated active-learning experiments: the loop, the fair comparison, the summaries."""

import csv
import math
import re

import numpy as np
import pytest
from conftest import FAST, curve_rows
from scipy import stats
from sklearn.utils._param_validation import InvalidParameterError

from skactive import ActiveINASClassifier, Architecture
from skactive.datasets import load_digits_images
from skactive.experiment import (
    COLUMNS,
    ExperimentResult,
    normalized_auc,
    parse_baseline,
    run_experiment,
    t_interval,
)
from skactive.strategies import (
    pool_result,
    random_sampling,
    softmax_response,
    typiclust_sampling,
)

SETTINGS = dict(initial_size=40, query_size=40, budget=80, n_repeats=2, random_state=0)


def _recording(strategy, name, seen):
    """A strategy that logs who queries with which labeled set, then defers to ``strategy``."""

    def record(classifier, X_pool, n_instances=1, **kwargs):
        seen.append(
            {
                "strategy": name,
                "seed": classifier.random_state,
                "fixed": classifier.inas_iterations == 0,
                "X_training": classifier.X_training_.copy(),
                "y_training": classifier.y_training_.copy(),
            }
        )
        return strategy(classifier, X_pool, n_instances, **kwargs)

    record.__name__ = name
    return record


@pytest.fixture(scope="module")
def data():
    digits = load_digits_images()
    return digits.X_train[:300], digits.y_train[:300], digits.X_test[:150], digits.y_test[:150]


@pytest.fixture(scope="module")
def experiment(data):
    """Two strategies x (Active-iNAS, fixed 1x3) x 2 repetitions x 2 rounds on tiny digits."""
    seen = []
    fast = {k: v for k, v in FAST.items() if k != "random_state"}
    template = ActiveINASClassifier(max_blocks=2, max_stacks=2, **fast)
    strategies = [
        _recording(softmax_response, "sr", seen),
        _recording(random_sampling, "rand", seen),
    ]
    result = run_experiment(
        *data,
        estimator=template,
        strategies=strategies,
        baselines=["1x3"],
        progress=False,
        **SETTINGS,
    )
    return result, seen


def test_table_has_one_row_per_method_strategy_repeat_and_round(experiment):
    result, _ = experiment
    assert len(result.rows) == 2 * 2 * 2 * 2
    assert all(tuple(row) == COLUMNS for row in result.rows)
    assert result.methods == ["active-inas", "fixed-1x3"]
    assert result.strategies == ["sr", "rand"]
    for row in result.rows:
        assert row["n_labeled"] == 40 * (row["round"] + 1)
        assert 0.0 <= row["accuracy"] <= 1.0
        assert row["fit_seconds"] > 0
        assert (row["query_seconds"] > 0) == (row["round"] > 0)
        assert row["cpu_seconds"] > 0
        assert sum(row["labels_per_class"]) == row["n_labeled"]
        assert len(row["labels_per_class"]) == 10
    assert result.settings["seeds"][0] != result.settings["seeds"][1]


def test_labels_per_class_count_the_labeled_set_of_each_round(experiment):
    result, seen = experiment
    # Every query saw the labeled set of round 0 (the budget allows one query per run).
    for record in seen:
        method = "fixed-1x3" if record["fixed"] else "active-inas"
        (row,) = [
            r
            for r in result.rows
            if (r["method"], r["strategy"], r["round"]) == (method, record["strategy"], 0)
            and result.settings["seeds"][r["repeat"]] == record["seed"]
        ]
        assert row["labels_per_class"] == np.bincount(record["y_training"], minlength=10).tolist()


def test_baseline_is_frozen_and_active_inas_never_shrinks(experiment):
    result, _ = experiment
    for strategy in result.strategies:
        for repeat in (0, 1):
            runs = {
                method: [
                    row["architecture"]
                    for row in result.rows
                    if (row["method"], row["strategy"], row["repeat"])
                    == (method, strategy, repeat)
                ]
                for method in result.methods
            }
            # The template's search space stops at 2 stacks; the frozen 1x3 lies beyond it.
            assert runs["fixed-1x3"] == ["A(resnet, 1, 3)"] * 2
            archs = [
                Architecture("resnet", *map(int, re.findall(r"\d+", a)))
                for a in runs["active-inas"]
            ]
            assert archs == sorted(archs) and archs[-1].n_stacks <= 2


def test_every_method_and_strategy_starts_from_the_same_labels_within_a_repetition(experiment):
    _, seen = experiment
    first_queries = [q for q in seen if len(q["X_training"]) == SETTINGS["initial_size"]]
    assert len(first_queries) == 2 * 2 * 2
    by_seed = {}
    for query in first_queries:
        by_seed.setdefault(query["seed"], []).append(query)
    assert len(by_seed) == 2
    for queries in by_seed.values():
        assert {(q["strategy"], q["fixed"]) for q in queries} == {
            (s, f) for s in ("sr", "rand") for f in (True, False)
        }
        for query in queries[1:]:
            np.testing.assert_array_equal(query["X_training"], queries[0]["X_training"])
    first, second = (queries[0]["X_training"] for queries in by_seed.values())
    assert not np.array_equal(first, second)


def test_runs_in_worker_processes_give_the_same_table(data):
    fast = {k: v for k, v in FAST.items() if k != "random_state"}
    template = ActiveINASClassifier(max_blocks=2, max_stacks=2, **fast)
    settings = dict(SETTINGS, estimator=template, baselines=["1x2"], progress=False)
    tables = [
        [
            {k: v for k, v in row.items() if not k.endswith("seconds")}
            for row in run_experiment(*data, strategies=["random"], n_jobs=n_jobs, **settings).rows
        ]
        for n_jobs in (1, 2)
    ]
    assert tables[0] == tables[1] and len(tables[0]) == 2 * 2 * 2


def test_rows_are_logged_round_by_round_in_process(data, capsys):
    printed_before_query = []

    def counting(classifier, X_pool, n_instances=1, **kwargs):
        printed_before_query.append(capsys.readouterr().out.count(" labels "))
        return random_sampling(classifier, X_pool, n_instances, **kwargs)

    fast = {k: v for k, v in FAST.items() if k != "random_state"}
    run_experiment(
        *data,
        estimator=ActiveINASClassifier(inas_iterations=0, **fast),
        strategies=[counting],
        **dict(SETTINGS, n_repeats=1, budget=120),
        progress=False,
        verbose=1,
    )
    assert printed_before_query == [1, 1]


def test_strategy_names_pass_through_and_unknown_ones_fail_before_training(data):
    with pytest.raises(ValueError, match="Unknown query strategy 'nonexistent'"):
        run_experiment(
            *data, strategies=["softmax_response", "nonexistent"], progress=False, **SETTINGS
        )


def _first_labels(data, **settings):
    """The labeled set at the first query of a one-repetition run, and the run's settings."""
    seen = []
    fast = {k: v for k, v in FAST.items() if k != "random_state"}
    result = run_experiment(
        *data,
        estimator=ActiveINASClassifier(inas_iterations=0, **fast),
        strategies=[_recording(random_sampling, "rand", seen)],
        progress=False,
        **{**SETTINGS, "n_repeats": 1, **settings},
    )
    return seen[0]["X_training"], result.settings


def test_random_initial_labels_are_the_draws_of_earlier_versions(data):
    X_training, settings = _first_labels(data)
    seed = settings["seeds"][0]
    chosen = np.random.RandomState(seed).choice(300, SETTINGS["initial_size"], replace=False)
    np.testing.assert_array_equal(X_training, data[0][chosen])
    assert settings["initial_strategy"] == "random"


def test_initial_labels_by_a_cold_start_strategy_or_a_function(data):
    X_training, settings = _first_labels(data, initial_strategy="typiclust")
    chosen, _ = typiclust_sampling(None, data[0], 40, random_state=settings["seeds"][0])
    np.testing.assert_array_equal(X_training, data[0][chosen])
    assert settings["initial_strategy"] == "typiclust"

    def first_rows(classifier, X_pool, n_instances):
        assert classifier is None
        return pool_result(X_pool, np.arange(n_instances))

    X_training, settings = _first_labels(data, initial_strategy=first_rows)
    np.testing.assert_array_equal(X_training, data[0][:40])
    assert settings["initial_strategy"] == "first_rows"


def test_initial_strategy_must_give_distinct_indices_before_any_training(data, monkeypatch):
    def twice(classifier, X_pool, n_instances):
        return pool_result(X_pool, np.zeros(n_instances, dtype=int))

    monkeypatch.setattr(ActiveINASClassifier, "fit", None)  # nothing may train
    with pytest.raises(ValueError, match="'twice' must return 40 distinct indices into X_train"):
        run_experiment(*data, initial_strategy=twice, progress=False, **SETTINGS)


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(initial_strategy="coreset"), "'initial_strategy' parameter of run_experiment"),
        (dict(budget=301), "'budget' parameter of run_experiment must be between 40 and the 300"),
        (dict(initial_size=0), "'initial_size' parameter of run_experiment must be an int"),
        (dict(query_size=2.5), "'query_size' parameter of run_experiment must be an int"),
        (dict(baselines=["2by4"]), "'baselines' parameter .* written IxJ"),
        (dict(baselines=["1x2", (1, 2)]), "'baselines' parameter .* given twice"),
        (dict(strategies=[]), "'strategies' parameter .* at least one"),
        (dict(strategies="margin"), "'strategies' parameter of run_experiment must be an "),
        (dict(estimator=object()), "'estimator' parameter of run_experiment must be an object"),
        (
            dict(strategies=["ensemble_candidates:power"], baselines=["1x2"]),
            r"\['ensemble_candidates:power'\] query .* \['fixed-1x2'\] never search",
        ),
        (
            dict(
                strategies=["ensemble_candidates"],
                baselines=[],
                estimator=ActiveINASClassifier(inas_iterations=0),
            ),
            r"\['active-inas'\] never search",
        ),
    ],
)
def test_bad_settings_are_rejected_with_a_clear_message(data, change, match):
    # sklearn's InvalidParameterError is both a ValueError and a TypeError.
    with pytest.raises(InvalidParameterError, match=match):
        run_experiment(*data, **{**SETTINGS, "progress": False, **change})


def test_parse_baseline_accepts_strings_tuples_and_architectures():
    assert parse_baseline("2X4") == parse_baseline((2, 4))
    name, params = parse_baseline(Architecture("resnet1d", 1, 2))
    assert name == "fixed-1x2" and params["inas_iterations"] == 0
    assert params["initial_architecture"] == Architecture("resnet1d", 1, 2)
    with pytest.raises(TypeError):
        parse_baseline([2, 4])


def test_normalized_auc_is_the_mean_accuracy_over_the_label_range():
    assert normalized_auc([10, 20, 30], [0.4, 0.4, 0.4]) == pytest.approx(0.4)
    # Trapezoids of widths 100 and 300: (0.5 + 0.6) / 2 * 100 + (0.6 + 1.0) / 2 * 300.
    assert normalized_auc([100, 200, 500], [0.5, 0.6, 1.0]) == pytest.approx(0.7375)
    assert normalized_auc([100], [0.3]) == 0.3
    with pytest.raises(ValueError, match="strictly increasing"):
        normalized_auc([100, 100], [0.3, 0.4])


@pytest.mark.parametrize(
    "n_labeled, accuracy, match",
    [(None, [0.5], "'n_labeled' parameter"), ([100], 0.5, "'accuracy' parameter")],
)
def test_normalized_auc_rejects_bad_arguments(n_labeled, accuracy, match):
    with pytest.raises(InvalidParameterError, match=match):
        normalized_auc(n_labeled, accuracy)


def test_t_interval_matches_the_textbook_formula():
    values = np.array([0.02, 0.05, -0.01, 0.04])
    mean, low, high = t_interval(values, confidence=0.9)
    half = stats.t.ppf(0.95, 3) * values.std(ddof=1) / 2
    assert (mean, low, high) == pytest.approx((0.025, 0.025 - half, 0.025 + half))
    assert math.isnan(t_interval([0.1])[1])
    assert t_interval([0.02, 0.02, 0.02]) == pytest.approx((0.02, 0.02, 0.02))
    with pytest.raises(ValueError, match="confidence"):
        t_interval(values, confidence=95)


def test_summary_tables_keep_their_columns_under_long_strategy_names():
    from skactive.experiment import format_summary

    long_name = "softmax_response:softrank"
    rows = curve_rows({"active-inas": [[0.6, 0.7], [0.5, 0.6]]}, strategy=long_name)
    rows += curve_rows({"active-inas": [[0.5, 0.6], [0.4, 0.5]]}, strategy="random")
    text = format_summary(ExperimentResult(rows).summary())
    tables = [table.splitlines() for table in text.split("\n\n")]
    assert len(tables) == 2  # the AUC table and the gains over random
    for lines, title in zip(tables, ("AUC", "gain"), strict=True):
        header = next(line for line in lines if line.startswith("strategy"))
        body = lines[lines.index(header) + 1 :]
        assert any(line.startswith(long_name) for line in body)
        # The first number of every row ends under its column's title.
        ends = {re.search(r"-?\d+\.\d\d", line).end() for line in body}
        assert ends == {header.index(f" {title} ") + len(title) + 1}, "\n".join(lines)


def test_curves_with_different_schedules_are_not_averaged():
    rows = curve_rows({"active-inas": [[0.5, 0.6, 0.7], [0.5, 0.6, 0.7]]})
    rows[-1]["n_labeled"] = 250
    with pytest.raises(ValueError, match="different numbers"):
        ExperimentResult(rows).learning_curve("active-inas", "sr")


def test_csv_json_and_frame_round_trip(experiment, tmp_path):
    result, _ = experiment
    result.to_csv(tmp_path / "table.csv")
    with open(tmp_path / "table.csv", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert tuple(table[0]) == COLUMNS and len(table) == len(result.rows)
    assert float(table[5]["accuracy"]) == pytest.approx(result.rows[5]["accuracy"])
    result.to_json(tmp_path / "table.json")
    again = ExperimentResult.from_json(tmp_path / "table.json")
    assert again.rows == result.rows and again.settings == result.settings
    assert again.auc_table() == result.auc_table()
    pytest.importorskip("pandas")
    frame = result.to_frame()
    assert list(frame.columns) == list(COLUMNS) and len(frame) == len(result.rows)


def test_plot_draws_one_panel_per_strategy_and_one_curve_per_method(experiment):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    result, _ = experiment
    figure = result.plot(title="digits")
    axes = figure.get_axes()
    assert [ax.get_title() for ax in axes] == ["sr", "rand"]
    for ax in axes:
        assert [line.get_label() for line in ax.get_lines()] == result.methods
        np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [40, 80])
    matplotlib.pyplot.close(figure)


def test_the_greedy_oracle_runs_with_the_labels_and_is_drawn_as_the_ceiling(data):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    fast = {k: v for k, v in FAST.items() if k != "random_state"}
    result = run_experiment(
        *data,
        estimator=ActiveINASClassifier(inas_iterations=0, **fast),
        strategies=["oracle", "random"],
        progress=False,
        **{**SETTINGS, "n_repeats": 1},
    )
    rows = [row for row in result.rows if row["strategy"] == "oracle"]
    assert [row["n_labeled"] for row in rows] == [40, 80]
    assert rows[1]["queried_by"] == "oracle" and 0 <= rows[1]["accuracy"] <= 1
    figure = result.plot()
    (ax,) = [ax for ax in figure.get_axes() if ax.get_visible()]
    assert ax.get_title() == "random"
    (ceiling,) = [line for line in ax.get_lines() if line.get_label() == "greedy oracle (ceiling)"]
    assert ceiling.get_linestyle() == "--" and ceiling.get_color() == "k"
    np.testing.assert_allclose(ceiling.get_ydata(), [100 * row["accuracy"] for row in rows])
    matplotlib.pyplot.close(figure)


def test_labels_per_class_are_read_per_round_and_drawn_stacked_by_round(experiment):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from skactive.experiment import plot_labels_per_class

    result, _ = experiment
    n_labeled, counts = result.labels_per_class("fixed-1x3", "rand")
    assert counts.shape == (2, 2, 10)
    np.testing.assert_array_equal(counts.sum(axis=2), [n_labeled, n_labeled])
    assert np.all(counts[:, 1] >= counts[:, 0])
    figure = plot_labels_per_class(result, ["rand"], method="fixed-1x3", repeat=1)
    (ax,) = figure.get_axes()
    heights = [bar.get_height() for bar in ax.patches]
    # Ten bars of the initial labels, then ten of the round's batch on top of them.
    np.testing.assert_array_equal(heights[:10], counts[1, 0])
    np.testing.assert_array_equal(heights[10:], counts[1, 1] - counts[1, 0])
    matplotlib.pyplot.close(figure)
    with pytest.raises(ValueError, match="no repetition 2"):
        plot_labels_per_class(result, ["rand"], repeat=2)
    old = ExperimentResult(
        [{k: v for k, v in row.items() if k != "labels_per_class"} for row in result.rows]
    )
    with pytest.raises(ValueError, match="labels_per_class"):
        old.labels_per_class("fixed-1x3", "rand")
    # The AUC table gives the class-share range of the queried round, and the CPU time.
    from skactive.experiment import class_share_range

    def mine(table):
        return next(r for r in table if (r["method"], r["strategy"]) == ("fixed-1x3", "rand"))

    row = mine(result.auc_table())
    assert row["class_share"] == list(class_share_range(n_labeled[1:], counts[:, 1:]))
    low, high = row["class_share"]
    assert 0 <= low <= 1 <= high
    cpu = [
        r["cpu_seconds"]
        for r in result.rows
        if (r["method"], r["strategy"]) == ("fixed-1x3", "rand")
    ]
    assert row["cpu_seconds_mean"] == pytest.approx(sum(cpu) / 2)
    assert mine(old.auc_table())["class_share"] is None


def test_the_table_says_which_candidate_auto_queried_with_and_draws_it(data):
    import matplotlib

    matplotlib.use("Agg")
    from skactive.experiment import plot_strategy_choices
    from skactive.strategies import DEFAULT_CANDIDATES

    estimator = ActiveINASClassifier(**{**FAST, "inas_iterations": 0})
    result = run_experiment(
        *data,
        estimator=estimator,
        strategies=["auto", "margin"],
        baselines=[],
        initial_size=40,
        query_size=20,
        budget=80,
        n_repeats=1,
        random_state=0,
    )
    by_strategy = {}
    for row in result.rows:
        by_strategy.setdefault(row["strategy"], []).append(row["queried_by"])
    assert by_strategy["margin"] == ["", "margin", "margin"]
    assert by_strategy["auto"][0] == "" and set(by_strategy["auto"][1:]) <= set(DEFAULT_CANDIDATES)
    # auto mixes its batches: every candidate's labels are counted, the most-used one named.
    for row in result.rows:
        shares = row["query_shares"]
        if row["strategy"] == "margin" or row["round"] == 0:
            assert shares is None
        else:
            assert sum(shares.values()) == 20 and set(shares) == set(DEFAULT_CANDIDATES)
            assert shares[row["queried_by"]] == max(shares.values())
    figure = plot_strategy_choices(result)
    assert figure.axes[0].get_title() == "active-inas: auto's choices"
    heights = {}
    for bar in figure.axes[0].patches:
        heights[bar.get_x()] = heights.get(bar.get_x(), 0.0) + bar.get_height()
    np.testing.assert_allclose(list(heights.values()), 1.0)
    with pytest.raises(ValueError, match="no choice of strategy 'margin'"):
        plot_strategy_choices(
            ExperimentResult([r for r in result.rows if r["round"] == 0]), "margin"
        )
