"""The learning-curve figure (tests of skactive/experiment/_plot.py)."""

import pytest

from skactive.experiment import ExperimentResult, plot_learning_curves

GROWN = ["A(resnet1d, 1, 1)", "A(resnet1d, 1, 1)", "A(resnet1d, 1, 2)", "A(resnet1d, 2, 2)"]
"""Active-iNAS's architectures of a hand-made run: it grows in its third and fourth rounds."""


def _rows(method, strategy, architectures, repeat=0):
    return [
        dict(
            method=method,
            strategy=strategy,
            repeat=repeat,
            round=k,
            n_labeled=200 * (k + 1),
            accuracy=0.6 + 0.1 * k,
            architecture=architecture,
            fit_seconds=1.0,
            query_seconds=0.0,
        )
        for k, architecture in enumerate(architectures)
    ]


@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import pyplot

    yield pyplot
    pyplot.close("all")


def _marks(ax):
    """The architecture marks of a panel: (text, labels, accuracy %) of each annotation."""
    return [(text.get_text(), *(round(v, 6) for v in text.xy)) for text in ax.texts]


def test_the_rounds_where_the_architecture_grows_are_marked_with_the_new_one(pyplot):
    fixed = ["A(resnet1d, 2, 4)"] * 4
    rows = []
    for strategy in ("softmax_response", "random"):
        rows += _rows("active-inas", strategy, GROWN) + _rows("fixed-2x4", strategy, fixed)
    figure = plot_learning_curves(ExperimentResult(rows))
    (ax,) = figure.axes
    # The first architecture, then each new one at the round it was chosen; none for the
    # fixed network nor on the dashed random-sampling curves.
    assert _marks(ax) == [("1,1", 200, 60.0), ("1,2", 600, 80.0), ("2,2", 800, 90.0)]
    assert any("A(B, i, j)" in text.get_text() for text in figure.texts)


def test_a_run_that_never_grows_is_not_marked(pyplot):
    rows = _rows("active-inas", "margin", ["A(resnet, 1, 1)"] * 3)
    figure = plot_learning_curves(ExperimentResult(rows))
    assert len(figure.axes[0].texts) == 0 and len(figure.texts) == 0


def test_marks_follow_the_architecture_most_repetitions_chose(pyplot):
    rows = _rows("active-inas", "margin", GROWN, repeat=0)
    rows += _rows("active-inas", "margin", GROWN, repeat=1)
    rows += _rows("active-inas", "margin", ["A(resnet1d, 1, 1)"] * 4, repeat=2)
    figure = plot_learning_curves(ExperimentResult(rows))
    assert [text for text, *_ in _marks(figure.axes[0])] == ["1,1", "1,2", "2,2"]


def _regression_rows(method, strategy, recall):
    return [
        dict(method=method, strategy=strategy, repeat=0, round=k, n_labeled=100 * (k + 1),
             rmse=60.0 - 5 * k, r2=0.1 * k, top_recall=recall and 0.2 * k,
             architecture=architecture, fit_seconds=1.0, query_seconds=0.0)
        for k, architecture in enumerate(GROWN)
    ]  # fmt: skip


def test_regression_curves_are_the_rmse_in_target_units(pyplot):
    rows = [r for s in ("variance", "random") for r in _regression_rows("active-inas", s, None)]
    figure = plot_learning_curves(ExperimentResult(rows))
    (ax,) = figure.axes
    assert ax.get_ylabel() == "test RMSE (target units)"
    assert ax.get_lines()[0].get_ydata().tolist() == [60.0, 55.0, 50.0, 45.0]
    assert [text for text, *_ in _marks(ax)] == ["1,1", "1,2", "2,2"]


def test_an_active_search_adds_a_row_of_recall_curves(pyplot):
    rows = _regression_rows("active-inas", "variance", True) + _regression_rows(
        "gp-bo", "variance", True
    )
    figure = plot_learning_curves(ExperimentResult(rows, {"top_fraction": 0.01}))
    rmse, recall = figure.axes
    assert recall.get_ylabel() == "top 1% of the pool labeled (%)"
    assert recall.get_lines()[0].get_ydata().tolist() == pytest.approx([0.0, 20.0, 40.0, 60.0])
    assert len(recall.texts) == 0 and len(rmse.texts) == 6  # architectures marked once
    assert [t.get_text() for t in recall.get_legend().get_texts()] == ["active-inas", "gp-bo"]
