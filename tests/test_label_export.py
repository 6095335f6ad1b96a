"""The export: whose each label is (person, dataset, model), and the last model's checkpoint."""

import csv
import io

import numpy as np
from conftest import LABEL_SURE, answer_truly, stripes_session

from skactive import ActiveINASClassifier


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_export_writes_labels_and_a_checkpoint(stripes, tmp_path):
    folder, truth = stripes
    with stripes_session(folder, tmp_path / "store") as session:
        answer_truly(session, truth, 6)
        written = session.export(tmp_path / "out")
    lines = (tmp_path / "out" / "labels.csv").read_text().splitlines()
    assert lines[0] == "sample,label,source,confidence" and len(lines) == 7
    rows = _rows(tmp_path / "out" / "labels.csv")
    assert all(truth[r["sample"]] == r["label"] and r["source"] == "person" for r in rows)
    assert written["n_model"] == 0  # six held-out labels are too few for a risk of 2%
    model = ActiveINASClassifier.from_checkpoint(written["model"])
    assert len(model.y_training_) == 6
    assert model.predict(np.zeros((1, 1, 8, 8), dtype=np.float32))[0] in ("h", "v")


def test_the_model_labels_only_what_nobody_labeled(stripes, tmp_path):
    folder, truth = stripes
    (folder / "h").mkdir()
    (folder / "img_00.png").rename(folder / "h" / "img_00.png")
    # one answer against the model's guess among five held out: a risk of 0.9 still passes some
    params = {"estimator_params": LABEL_SURE, "risk": 0.9, "delta": 0.5}
    with stripes_session(folder, tmp_path / "store", **params) as s:
        answer_truly(s, truth, 5)  # with the dataset's label, six: a training
        assert s.wait_idle(timeout=120)
        answer_truly(s, truth, 4)
        # the person disagrees with the model's guess on a sample nobody labeled yet
        pool = [i for i, sample in enumerate(s.samples.ids) if sample not in s.labels()]
        contested = s.sample(pool[0])
        other = "h" if contested["guess"] == "v" else "v"
        s.answer(contested["index"], other)
        assert not s.progress()["training"] and s.coverage()["n_accepted"] > 0
        labels, model_labels = s.labels(), s.model_labels()
        written = s.export(tmp_path / "out")
    rows = _rows(tmp_path / "out" / "labels.csv")
    by_source = {
        source: {r["sample"]: r["label"] for r in rows if r["source"] == source}
        for source in ("person", "dataset", "model")
    }
    assert by_source["dataset"] == {"h/img_00.png": "h"}
    assert {**by_source["person"], **by_source["dataset"]} == labels
    assert by_source["person"][contested["id"]] == other
    assert by_source["model"] == {sample: label for sample, label, _ in model_labels}
    assert not set(by_source["model"]) & set(labels)
    assert len(rows) == len(labels) + written["n_model"] == len(labels) + len(model_labels)
    confidences = [float(r["confidence"]) for r in rows if r["source"] == "model"]
    assert all(0.5 <= c <= 1 for c in confidences)
    assert all(r["confidence"] == "" for r in rows if r["source"] != "model")
