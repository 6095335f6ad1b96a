"""The labeling session: answers in the journal, the queue, training off the path, resuming."""

import pytest
from conftest import answer_truly, stripes_session

from skactive import ActiveINASClassifier
from skactive.checkpoint import Answer, CheckpointLockedError, CheckpointReader, Retraction


def test_every_answer_is_in_the_journal_when_answer_returns(stripes, tmp_path):
    folder, truth = stripes
    with stripes_session(folder, tmp_path / "store") as session:
        first = session.current()
        assert first["source"] == "cold_start" and "guess" not in first
        result = session.answer(first["index"], "v")
        journal = CheckpointReader(tmp_path / "store").read_journal()
        assert journal.records[-1] == Answer(result["seq"], first["id"], "v", "")
        assert session.current()["id"] != first["id"]


def test_the_model_queries_once_it_has_trained(stripes, tmp_path):
    folder, truth = stripes
    with stripes_session(folder, tmp_path / "store") as session:
        shown = answer_truly(session, truth, 6)
        assert {s["source"] for s in shown} == {"cold_start"}
        assert session.wait_idle(timeout=120)
        current = session.current()
        assert current["source"] == "query"
        assert current["guess"] in ("h", "v") and 0.5 <= current["confidence"] <= 1.0
        progress = session.progress()
        assert progress["counts"] == {
            "h": sum(truth[s["id"]] == "h" for s in shown),
            "v": sum(truth[s["id"]] == "v" for s in shown),
        }
        assert [p["n_labeled"] for p in progress["curve"]] == [6]
        assert progress["architecture"] == "A(resnet, 1, 1)"


def test_undo_and_corrections_are_new_records(stripes, tmp_path):
    folder, truth = stripes
    with stripes_session(folder, tmp_path / "store") as session:
        first, second = answer_truly(session, truth, 2)
        undone = session.undo()
        assert undone["index"] == second["index"]
        assert session.current()["id"] == second["id"]
        assert session.current()["source"] == "undo"
        assert second["id"] not in session.labels()
        wrong = "h" if truth[first["id"]] == "v" else "v"
        session.answer(first["index"], wrong)
        assert session.labels()[first["id"]] == wrong
    records = CheckpointReader(tmp_path / "store").read_journal().records
    answers = [r for r in records if isinstance(r, Answer) and r.sample == first["id"]]
    assert [a.label for a in answers] == [truth[first["id"]], wrong]
    assert any(isinstance(r, Retraction) for r in records)


def test_a_skip_is_recorded_and_not_aanswer_truly(stripes, tmp_path):
    folder, _ = stripes
    with stripes_session(folder, tmp_path / "store") as session:
        current = session.current()
        session.answer(current["index"], None)
        assert current["id"] not in session.labels()
        assert session.progress()["n_skipped"] == 1
        assert session.current()["id"] != current["id"]


def test_the_same_store_resumes_labels_queue_and_model(stripes, tmp_path):
    folder, truth = stripes
    with stripes_session(folder, tmp_path / "store") as session:
        answer_truly(session, truth, 8)
        session.wait_idle()
        answer_truly(session, truth, 2)
        session.wait_idle()
        labels, current, queue = session.labels(), session.current(), session.current()["queued"]
        curve = session.progress()["curve"]
    with stripes_session(folder, tmp_path / "store") as session:
        assert session.labels() == labels
        resumed = session.current()
        assert (resumed["id"], resumed["source"], resumed["queued"]) == (
            current["id"],
            current["source"],
            queue,
        )
        assert session.wait_idle(timeout=120)
        assert "guess" in session.current()
        # restoring a finished training adds no point to the learning curve
        assert session.progress()["curve"] == curve


def test_a_second_session_on_the_store_is_refused(stripes, tmp_path):
    folder, _ = stripes
    with stripes_session(folder, tmp_path / "store"):
        with pytest.raises(CheckpointLockedError):
            stripes_session(folder, tmp_path / "store").open()


def test_a_correction_of_a_trained_label_retrains_a_new_generation(stripes, tmp_path):
    folder, truth = stripes
    store = tmp_path / "store"
    with stripes_session(folder, store, batch_size=4) as session:
        first = answer_truly(session, truth, 4)[0]
        session.wait_idle()
        assert (store / "model-000001").is_dir()
        flipped = "h" if truth[first["id"]] == "v" else "v"
        session.answer(first["index"], flipped)
        answer_truly(session, truth, 3)
        session.wait_idle()
        assert not (store / "model-000001").exists()
        model = ActiveINASClassifier.from_checkpoint(store / "model-000002")
    assert flipped in model.y_training_.tolist()


def test_unreadable_images_are_recorded_once(stripes, tmp_path):
    folder, _ = stripes
    (folder / "broken.png").write_bytes(b"not an image")
    for _ in range(2):
        with stripes_session(folder, tmp_path / "store") as session:
            assert len(session.progress()["errors"]) == 1
            with pytest.raises(ValueError, match="cannot be shown"):
                session.answer(session.samples.ids.index("broken.png"), "h")
    journal = CheckpointReader(tmp_path / "store").read_journal()
    notes = [r.note for r in journal.records if isinstance(r, Answer)]
    assert len(notes) == 1 and notes[0].startswith("error: broken.png")


@pytest.mark.parametrize(
    "index, label, match",
    [(999, "h", "index"), (0, "cat", "label must be one of"), ("0", "h", "integer")],
)
def test_bad_answers_change_nothing(stripes, tmp_path, index, label, match):
    folder, _ = stripes
    with stripes_session(folder, tmp_path / "store") as session:
        before = len(CheckpointReader(tmp_path / "store").read_journal().records)
        with pytest.raises(ValueError, match=match):
            session.answer(index, label)
        assert len(CheckpointReader(tmp_path / "store").read_journal().records) == before


def test_classes_are_checked(stripes, tmp_path):
    with pytest.raises(ValueError, match="classes"):
        stripes_session(stripes[0], tmp_path / "store", classes=["h", "h"])


@pytest.mark.parametrize("name", ["risk", "delta"])
def test_the_session_checks_risk_and_delta(stripes, tmp_path, name):
    with pytest.raises(ValueError, match=f"{name} must be a number in \\(0, 1\\), got 2"):
        stripes_session(stripes[0], tmp_path / "store", **{name: 2})
    assert not (tmp_path / "store").exists()


def test_a_file_removed_since_keeps_its_label_but_is_not_shown(stripes, tmp_path):
    folder, truth = stripes
    with stripes_session(folder, tmp_path / "store") as session:
        first = session.current()
        session.answer(first["index"], truth[first["id"]])
        second = session.current()
    (folder / second["id"]).unlink()
    with stripes_session(folder, tmp_path / "store") as session:
        assert session.labels() == {first["id"]: truth[first["id"]]}
        assert session.current()["id"] not in (first["id"], second["id"])
        answer_truly(session, truth, 6)
        assert session.wait_idle(timeout=120)
        assert session.progress()["curve"], "no training on the labels of the files left"
