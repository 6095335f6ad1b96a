"""``skactive label``: its command line, export and the store's lock."""

import pytest
from conftest import LABEL_FAST

from skactive.__main__ import main
from skactive._cli import build_parser
from skactive.checkpoint import CheckpointStore
from skactive.label import LabelSession, default_store, load_samples, run_app


def test_the_command_line_has_label():
    args = build_parser().parse_args(["label", "photos", "--classes", "a,b", "--base-width", "4"])
    assert (args.data, args.classes, args.host, args.cold_start) == (
        "photos",
        ["a", "b"],
        "127.0.0.1",
        "kmeans",
    )
    assert (args.base_width, args.query_strategy, args.query_size) == (4, "softmax_response", 10)
    assert (args.risk, args.delta) == (0.02, 0.05)


@pytest.mark.parametrize("flag", ["--risk", "--delta"])
@pytest.mark.parametrize("value", ["0", "1", "1.5", "-0.1", "nan", "two"])
def test_risk_and_delta_are_probabilities(flag, value, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["label", "photos", flag, value])
    message = f"argument {flag}: expected a number in (0, 1), got '{value}'"
    assert message in capsys.readouterr().err


def test_default_store_is_beside_the_data(tmp_path):
    (tmp_path / "photos").mkdir()
    assert default_store(tmp_path / "photos") == tmp_path / "photos-labels"
    assert default_store(tmp_path / "rows.csv") == tmp_path / "rows-labels"


def test_export_from_the_command_line(stripes, tmp_path, capsys):
    folder, truth = stripes
    store = tmp_path / "store"
    session = LabelSession(
        load_samples(folder, image_size=8),
        store,
        classes=["h", "v"],
        batch_size=4,
        estimator_params=LABEL_FAST,
    )
    with session:
        for _ in range(4):
            current = session.current()
            session.answer(current["index"], truth[current["id"]])
    argv = ["label", str(folder), "--classes", "h,v", "--store", str(store)]
    assert main([*argv, "--image-size", "8", "--export", str(tmp_path / "out")]) == 0
    assert "labels.csv (0 labels by the model at risk 0.02)" in capsys.readouterr().out
    assert len((tmp_path / "out" / "labels.csv").read_text().splitlines()) == 5
    assert (tmp_path / "out" / "model" / "checkpoint.json").is_file()


def test_a_second_app_on_the_store_gets_the_lock_error(stripes, tmp_path, capsys):
    store = CheckpointStore(tmp_path / "store")
    with store.writing():
        status = run_app(stripes[0], classes=["h", "v"], store=tmp_path / "store", port=0)
    assert status == 1
    assert "is open in another labeling app" in capsys.readouterr().err


def test_classes_are_needed(stripes, capsys):
    with pytest.raises(SystemExit):
        main(["label", str(stripes[0])])
    assert "--classes" in capsys.readouterr().err
