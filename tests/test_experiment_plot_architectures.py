"""The architecture-per-round figure (tests of skactive/experiment/_plot_architectures.py)."""

import numpy as np
import pytest

from skactive.experiment import ExperimentResult, architecture_paths, plot_architectures


def _rows(method, strategy, architectures, repeat=0):
    return [
        dict(
            method=method,
            strategy=strategy,
            repeat=repeat,
            round=k,
            n_labeled=200 * (k + 1),
            accuracy=0.9,
            architecture=architecture,
            fit_seconds=1.0,
            query_seconds=0.0,
        )
        for k, architecture in enumerate(architectures)
    ]


GROWN = ["A(resnet1d, 1, 2)", "A(resnet1d, 2, 2)", "A(resnet1d, 2, 3)"]
STILL = ["A(resnet1d, 1, 2)"] * 3


@pytest.fixture
def result():
    rows = _rows("active-inas", "margin", GROWN, 0) + _rows("active-inas", "margin", STILL, 1)
    rows += _rows("fixed-2x4", "margin", ["A(resnet1d, 2, 4)"] * 3)
    rows += _rows("active-inas", "coreset", STILL)
    # Rows out of order: the paths follow the rounds, not the table's order.
    return ExperimentResult(rows[::-1])


def test_paths_give_each_repetition_its_blocks_and_stacks_in_round_order(result):
    paths = architecture_paths(result, "margin")
    assert sorted(paths) == [0, 1]
    n_labeled, blocks, stacks = paths[0]
    np.testing.assert_array_equal(n_labeled, [200, 400, 600])
    np.testing.assert_array_equal(blocks, [1, 2, 2])
    np.testing.assert_array_equal(stacks, [2, 2, 3])
    np.testing.assert_array_equal(paths[1][2], [2, 2, 2])
    np.testing.assert_array_equal(architecture_paths(result, "margin", "fixed-2x4")[0][1], [2] * 3)


def test_paths_name_what_is_missing_or_unreadable(result):
    with pytest.raises(ValueError, match="method 'active-inas' and strategy 'random'"):
        architecture_paths(result, "random")
    bad = ExperimentResult(_rows("active-inas", "margin", ["resnet-18"]))
    with pytest.raises(ValueError, match="Not an architecture A\\(B, i, j\\): 'resnet-18'"):
        architecture_paths(bad, "margin")


def test_the_figure_has_two_panels_per_strategy_and_a_line_per_repetition(result):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import pyplot

    fig = plot_architectures(result, title="digits")
    try:
        assert len(fig.axes) == 4  # two rows: blocks above, stacks below
        titles = [ax.get_title() for ax in fig.axes[:2]]
        assert sorted(titles) == ["coreset", "margin"]
        column = titles.index("margin")
        top, bottom = fig.axes[column], fig.axes[2 + column]
        assert len(top.lines) == 2 and len(fig.axes[1 - column].lines) == 1
        # The repetition that grew reaches 3 stacks; both are shifted by a hair, not more.
        assert max(line.get_ydata().max() for line in bottom.lines) == pytest.approx(2.97)
        with pytest.raises(ValueError, match="no rows for method 'fixed-1x2'"):
            plot_architectures(result, method="fixed-1x2")
    finally:
        pyplot.close("all")
