"""The model's coverage of the unlabeled samples at a risk, on the labels it was not trained on."""

import warnings

import pytest
from conftest import LABEL_SURE, answer_truly, stripes_session

from skactive import ActiveINASClassifier


def test_held_out_is_the_untrained_unretracted_answers(stripes, tmp_path):
    folder, truth = stripes
    with stripes_session(folder, tmp_path / "store") as session:
        assert session.coverage() is None and session.held_out() == {}
        trained = answer_truly(session, truth, 6)
        assert session.wait_idle(timeout=120)
        assert session.held_out() == {}
        after = answer_truly(session, truth, 4)
        session.undo()
        flipped = "h" if truth[trained[0]["id"]] == "v" else "v"
        session.answer(trained[0]["index"], flipped)  # a correction: the model saw the sample
        session.answer(after[0]["index"], None)  # a skip is no label
        assert not session.progress()["training"]
        expected = {shown["id"]: truth[shown["id"]] for shown in after[1:3]}
        assert session.held_out() == expected
    with stripes_session(folder, tmp_path / "store") as session:  # the journal says the same
        assert session.wait_idle(timeout=120)
        assert session.held_out() == expected and not session.progress()["training"]


def test_too_few_held_out_labels_give_no_threshold_and_no_warning(stripes, tmp_path):
    folder, truth = stripes
    with stripes_session(folder, tmp_path / "store") as session:
        answer_truly(session, truth, 6)
        assert session.wait_idle(timeout=120)
        answer_truly(session, truth, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            coverage = session.progress()["coverage"]
        assert coverage == {
            "risk": 0.02,
            "delta": 0.05,
            "n_held_out": 3,
            "n_pool": 31,
            "threshold": None,
            "risk_bound": None,
            "n_accepted": 0,
            "coverage": None,
        }
        assert session.model_labels() == []


def test_coverage_is_what_predict_selective_accepts_on_the_pool(stripes, tmp_path):
    folder, truth = stripes
    store, risk, delta = tmp_path / "store", 0.5, 0.5
    with stripes_session(
        folder, store, estimator_params=LABEL_SURE, risk=risk, delta=delta
    ) as session:
        answer_truly(session, truth, 6)
        assert session.wait_idle(timeout=120)
        answer_truly(session, truth, 5)
        coverage, accepted_rows = session.coverage(), session.model_labels()
        held = session.held_out()
        labels = session.labels()
        model = ActiveINASClassifier.from_checkpoint(session.export(tmp_path / "out")["model"])
        X, ids = session.samples.X, session.samples.ids
    pool = [i for i, sample in enumerate(ids) if sample not in labels]
    result = model.selective_threshold(
        X[[ids.index(s) for s in held]], list(held.values()), risk=risk, delta=delta
    )
    predictions, accepted = model.predict_selective(X[pool])
    assert coverage["n_held_out"] == 5 and coverage["n_pool"] == len(pool)
    assert coverage["threshold"] == pytest.approx(result.threshold)
    assert coverage["risk_bound"] == pytest.approx(result.risk_bound) and result.risk_bound <= risk
    assert coverage["n_accepted"] == accepted.sum() > 0
    assert coverage["coverage"] == pytest.approx(accepted.mean())
    assert [(s, y) for s, y, _ in accepted_rows] == [
        (ids[i], y) for i, y, ok in zip(pool, predictions, accepted) if ok
    ]
    assert all(c >= coverage["threshold"] for _, _, c in accepted_rows)
    assert not set(labels) & {s for s, _, _ in accepted_rows}
