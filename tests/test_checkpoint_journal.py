"""The label journal: answers, corrections and undos as durable records, never rewrites."""

import pytest

from skactive.checkpoint import (
    JOURNAL,
    Answer,
    CheckpointReader,
    CheckpointStore,
    Event,
    Journal,
    Retraction,
)


def _write(store, *records):
    with store.writing():
        for record in records:
            store.append_journal(record)


def test_the_latest_answer_is_the_current_label(tmp_path):
    store = CheckpointStore(tmp_path / "store")
    _write(
        store,
        Answer(1, "a.png", "cat"),
        Answer(2, "b.png", None, "skip"),
        Answer(3, "a.png", "dog"),
        Event(4, "queue", {"samples": [2, 3]}),
    )
    journal = CheckpointReader(tmp_path / "store").read_journal()
    assert journal.current_labels() == {"a.png": "dog"}
    assert journal.current()["b.png"].note == "skip"
    # the correction is a new record: the first label is still on disk
    assert [r.label for r in journal.records if isinstance(r, Answer)] == ["cat", None, "dog"]
    assert journal.events("queue")[0].data == {"samples": [2, 3]}


def test_a_retraction_brings_back_the_previous_answer(tmp_path):
    journal = Journal([Answer(1, "a", "cat"), Answer(2, "a", "dog"), Retraction(3, 2)])
    assert journal.current_labels() == {"a": "cat"}
    assert journal.retracted() == {2}
    assert Journal([Answer(1, "a", "cat"), Retraction(2, 1)]).current_labels() == {}


def test_appending_needs_the_lock(tmp_path):
    with pytest.raises(RuntimeError, match="writing"):
        CheckpointStore(tmp_path).append_journal(Answer(1, "a", "cat"))


def test_a_torn_last_line_is_ignored_then_cut(tmp_path):
    store = CheckpointStore(tmp_path)
    _write(store, Answer(1, "a", "cat"))
    with open(tmp_path / JOURNAL, "ab") as file:
        file.write(b'{"seq": 2, "sample": "b", "lab' + b"x" * 5000)
    assert CheckpointReader(tmp_path).read_journal().current_labels() == {"a": "cat"}
    _write(store, Answer(2, "b", "dog"))
    assert CheckpointReader(tmp_path).read_journal().current_labels() == {"a": "cat", "b": "dog"}


def test_a_damaged_line_is_an_error(tmp_path):
    store = CheckpointStore(tmp_path)
    _write(store, Answer(1, "a", "cat"), Answer(2, "b", "dog"))
    text = (tmp_path / JOURNAL).read_text().replace('"a"', "a")
    (tmp_path / JOURNAL).write_text(text)
    with pytest.raises(ValueError, match="line 1"):
        CheckpointReader(tmp_path).read_journal()


def test_records_out_of_order_are_refused(tmp_path):
    store = CheckpointStore(tmp_path)
    _write(store, Answer(2, "a", "cat"))
    with pytest.raises(ValueError, match="numbered 1"):
        CheckpointReader(tmp_path).read_journal()


def test_no_journal_is_an_empty_one(tmp_path):
    assert CheckpointReader(tmp_path).read_journal().records == []
