"""The labeling app's routes, through an in-process server on 127.0.0.1 and urllib."""

import json
import urllib.error
import urllib.request

import pytest
from conftest import LABEL_FAST

from skactive.checkpoint import Answer, CheckpointReader
from skactive.label import LabelServer, LabelSession, load_samples


@pytest.fixture
def app(stripes, tmp_path):
    """A running app on the striped images, with their true labels."""
    folder, truth = stripes
    samples = load_samples(folder, image_size=8)
    session = LabelSession(
        samples, tmp_path / "store", classes=["h", "v"], batch_size=6, estimator_params=LABEL_FAST
    )
    with session, LabelServer(session, token=None) as server:
        server.start()
        yield server, truth


def _get(server, path, token=None):
    headers = {"X-Token": token} if token else {}
    request = urllib.request.Request(server.url.split("?")[0] + path, headers=headers)
    with urllib.request.urlopen(request) as response:
        return response.status, response.headers["Content-Type"], response.read()


def _post(server, path, body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def _status(call, *args):
    with pytest.raises(urllib.error.HTTPError) as error:
        call(*args)
    return error.value.code, json.load(error.value)["error"]


def test_the_page_and_its_files(app):
    server, _ = app
    status, kind, page = _get(server, "")
    assert status == 200 and kind.startswith("text/html") and b"app.js" in page
    assert _get(server, "app.js")[1].startswith("text/javascript")
    assert _get(server, "style.css")[1].startswith("text/css")


def test_an_answer_is_durable_before_the_response(app):
    server, truth = app
    state = json.loads(_get(server, "api/state")[2])
    assert state["classes"] == ["h", "v"]
    current = state["current"]
    assert current["source"] == "cold_start" and current["view"]["kind"] == "image"
    label = truth[current["id"]]
    reply = _post(server, "api/answer", {"index": current["index"], "label": label})
    journal = CheckpointReader(server.session.store.path).read_journal()
    assert journal.records[-1] == Answer(reply["result"]["seq"], current["id"], label, "")
    assert reply["current"]["index"] != current["index"]
    assert reply["progress"]["counts"][label] == 1


def test_undo_shows_the_sample_again(app):
    server, truth = app
    current = json.loads(_get(server, "api/state")[2])["current"]
    _post(server, "api/answer", {"index": current["index"], "label": truth[current["id"]]})
    reply = _post(server, "api/undo", {})
    assert reply["result"]["index"] == current["index"]
    assert reply["current"]["index"] == current["index"]
    assert reply["current"]["source"] == "undo"
    assert reply["progress"]["n_labeled"] == 0
    assert _post(server, "api/undo", {})["result"] is None


def test_a_sample_by_index_to_correct_it(app):
    server, truth = app
    current = json.loads(_get(server, "api/state")[2])["current"]
    shown = json.loads(_get(server, f"api/sample/{current['index']}")[2])
    assert (shown["id"], shown["label"], shown["view"]["kind"]) == (current["id"], None, "image")
    _post(server, "api/answer", {"index": current["index"], "label": truth[current["id"]]})
    shown = json.loads(_get(server, f"api/sample/{current['index']}")[2])
    assert shown["label"] == truth[current["id"]]
    other = "h" if shown["label"] == "v" else "v"
    _post(server, "api/answer", {"index": current["index"], "label": other})
    assert json.loads(_get(server, f"api/sample/{current['index']}")[2])["label"] == other
    assert _status(_get, server, "api/sample/40")[0] == 404


def test_labels_csv(app):
    server, truth = app
    current = json.loads(_get(server, "api/state")[2])["current"]
    _post(server, "api/answer", {"index": current["index"], "label": truth[current["id"]]})
    status, kind, body = _get(server, "api/labels.csv")
    assert kind.startswith("text/csv")
    assert body.decode().splitlines() == [
        "sample,label,source,confidence",
        f"{current['id']},{truth[current['id']]},person,",
    ]


def test_images_are_served_by_index_only(app):
    server, _ = app
    status, kind, body = _get(server, "api/sample/3.png")
    assert kind == "image/png" and body.startswith(b"\x89PNG")
    for path in ("api/sample/40.png", "api/sample/../../etc/passwd", "../images/img_00.png"):
        assert _status(_get, server, path)[0] == 404


def test_bad_requests_are_refused_with_a_reason(app):
    server, _ = app
    assert _status(_post, server, "api/answer", b"[1, 2]") == (
        400,
        "the body must be a JSON object",
    )
    code, message = _status(_post, server, "api/answer", {"index": 0, "label": "cat"})
    assert code == 400 and "label must be one of" in message
    assert _status(_post, server, "api/nothing", {})[0] == 404
    assert len(CheckpointReader(server.session.store.path).read_journal().records) == 1


def test_other_sites_cannot_use_the_app(app):
    server, _ = app
    # a form of another site posts text/plain, which needs no preflight
    request = urllib.request.Request(
        server.url + "api/answer", b'{"index": 0, "label": "h"}', {"Content-Type": "text/plain"}
    )
    assert _status(urllib.request.urlopen, request)[0] == 415
    # a page of a domain rebound to 127.0.0.1 sends its own name as the host
    request = urllib.request.Request(server.url + "api/state", headers={"Host": "evil.example"})
    assert _status(urllib.request.urlopen, request)[0] == 403
    assert len(CheckpointReader(server.session.store.path).read_journal().records) == 1


def test_export(app, tmp_path):
    server, _ = app
    server.export_dir = tmp_path / "out"
    reply = _post(server, "api/export", {})
    labels = str(tmp_path / "out" / "labels.csv")
    assert reply["result"] == {"labels": labels, "model": None, "n_model": 0}
    assert (tmp_path / "out" / "labels.csv").read_text() == "sample,label,source,confidence\n"


def test_a_token_guards_every_request(stripes, tmp_path):
    samples = load_samples(stripes[0], image_size=8)
    with LabelSession(samples, tmp_path / "store", classes=["h", "v"]) as session:
        with pytest.raises(ValueError, match="token"):
            LabelServer(session, host="0.0.0.0")
        with LabelServer(session, token="s3cret") as server:
            server.start()
            assert server.url.endswith("/?token=s3cret")
            for path in ("", "app.js", "api/state", "api/sample/0.png"):
                assert _status(_get, server, path)[0] == 403
            page = _get(server, "", token="s3cret")[2]
            assert b'"app.js?token=s3cret"' in page and b'"style.css?token=s3cret"' in page
            with urllib.request.urlopen(server.url.replace("/?", "/api/state?")) as response:
                assert json.load(response)["classes"] == ["h", "v"]
