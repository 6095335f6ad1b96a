"""The Label Studio ML backend in-process: protocol, label store, images, HTTP and command."""

import base64
import io
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from skactive import ActiveINASClassifier
from skactive.__main__ import main
from skactive.checkpoint import CheckpointLockedError
from skactive.labelstudio import (
    TASKS_FILE,
    ImageResolver,
    LabelStudioBackend,
    annotation_label,
    make_server,
    parse_label_config,
    webhook_annotations,
)

CONFIG = """<View>
  <Image name="img" value="$image"/>
  <Choices name="digit" toName="img">
    <Choice value="0"/><Choice value="1"/><Choice value="2"/>
  </Choices>
</View>"""
TINY = dict(base_width=4, max_epochs=2, inas_iterations=0, random_state=0, device="cpu")


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def _data_url(pixels: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(_png(pixels)).decode()


@pytest.fixture(scope="module")
def digits():
    """Tasks of digits 0-2 as Label Studio holds them (data URLs), and their classes."""
    X, y = load_digits(n_class=3, return_X_y=True)
    X, y = X[:60], y[:60]
    tasks = [
        {"id": 100 + i, "data": {"image": _data_url(x.reshape(8, 8) * 255 / 16)}}
        for i, x in enumerate(X)
    ]
    return tasks, [str(label) for label in y]


def _event(task, label, annotation_id=None, action="ANNOTATION_CREATED", **fields):
    annotation = {
        "id": task["id"] if annotation_id is None else annotation_id,
        "task": task["id"],
        "result": [
            {
                "from_name": "digit",
                "to_name": "img",
                "type": "choices",
                "value": {"choices": [label]},
            }
        ],
        **fields,
    }
    return {"action": action, "annotation": annotation, "task": task, "project": {"id": 1}}


def _backend(path, **kwargs):
    kwargs.setdefault("images", ImageResolver(image_shape=(1, 8, 8)))
    kwargs.setdefault("min_labels", 6)
    kwargs.setdefault("background", False)
    return LabelStudioBackend(path, ActiveINASClassifier(**TINY), **kwargs)


def _teach(backend, tasks, labels, n):
    for task, label in zip(tasks[:n], labels[:n]):
        backend.webhook(_event(task, label))


# ---------------------------------------------------------------------- config and answers


def test_label_config_gives_the_choices_on_the_image():
    config = parse_label_config(CONFIG)
    assert (config.from_name, config.to_name, config.data_key) == ("digit", "img", "image")
    assert config.choices == ("0", "1", "2")


@pytest.mark.parametrize(
    "text", ["<View><Image name='i' value='$image'/></View>", "<View><Choices", None]
)
def test_label_config_without_choices_on_an_image_is_refused(text):
    with pytest.raises(ValueError, match="label_config"):
        parse_label_config(text)


def test_skipped_and_empty_annotations_give_no_label():
    assert annotation_label({"id": 1, "result": [], "was_cancelled": False}) is None
    assert (
        annotation_label(
            {
                "id": 1,
                "was_cancelled": True,
                "result": [{"type": "choices", "value": {"choices": ["1"]}}],
            }
        )
        is None
    )
    labeled = {
        "id": 1,
        "result": [{"type": "choices", "from_name": "a", "value": {"choices": ["1"]}}],
    }
    assert annotation_label(labeled, from_name="b") is None
    assert annotation_label(labeled, from_name="a") == "1"


def test_bulk_annotation_events_pair_each_annotation_with_its_task():
    payload = {
        "action": "ANNOTATIONS_CREATED",
        "annotation": [{"id": 1, "task": 7}, {"id": 2, "task": 8}],
        "task": [{"id": 8}, {"id": 7}],
    }
    assert [(a["id"], t["id"]) for a, t in webhook_annotations(payload)] == [(1, 7), (2, 8)]
    assert webhook_annotations({"action": "PROJECT_UPDATED"}) == []


# ---------------------------------------------------------------------- images


def test_data_url_images_are_read_in_grayscale_or_rgb_at_the_given_size():
    pixels = np.zeros((4, 6))
    pixels[:, 3:] = 255
    gray = ImageResolver(image_shape=(1, 4, 6)).load(_data_url(pixels))
    assert gray.shape == (1, 4, 6) and gray.dtype == np.float32
    np.testing.assert_allclose(gray[0], pixels / 255)
    assert ImageResolver(image_shape=(3, 8, 8)).load(_data_url(pixels)).shape == (3, 8, 8)


def test_local_files_are_read_only_inside_the_roots(tmp_path):
    root = tmp_path / "images"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.png").write_bytes(_png(np.full((2, 2), 255)))
    (tmp_path / "secret.png").write_bytes(_png(np.zeros((2, 2))))
    resolver = ImageResolver(image_shape=(1, 2, 2), roots=[root])
    for reference in ["/data/local-files/?d=sub/a.png", "sub/a.png", str(root / "sub/a.png")]:
        assert resolver.load(reference).min() == 1.0
    for reference in [
        "/data/local-files/?d=../secret.png",
        str(tmp_path / "secret.png"),
        "file://" + str(tmp_path / "secret.png"),
        "../secret.png",
    ]:
        with pytest.raises(ValueError, match="not a file inside the image roots"):
            resolver.load(reference)


@pytest.mark.parametrize(
    "reference",
    [
        "http://example.com/a.png",
        "https://127.0.0.1:8080/data/upload/1/a.png",
        "/data/upload/1/a.png",
        "//evil.example/a.png",
        "ftp://host/a.png",
    ],
)
def test_other_hosts_and_uploads_without_label_studio_url_are_refused(reference):
    with pytest.raises(ValueError, match="not an allowed source"):
        ImageResolver().load(reference)


@pytest.mark.parametrize(
    "reference, message",
    [
        ("data:text/plain;base64,aGVsbG8=", "data URL must be"),
        ("data:image/png;base64,@@@", "bad base64"),
        ("data:image/png;base64,aGVsbG8=", "cannot be read"),
    ],
)
def test_data_urls_that_are_no_images_are_refused(reference, message):
    with pytest.raises(ValueError, match=message):
        ImageResolver().load(reference)


def test_label_studio_uploads_are_fetched_from_it_with_the_token():
    png, seen = _png(np.full((3, 3), 255)), []

    class Uploads(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append((self.path, self.headers.get("Authorization")))
            self.send_response(200)
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Uploads)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        resolver = ImageResolver(image_shape=(1, 3, 3), label_studio_url=url, api_key="k")
        assert resolver.load("/data/upload/1/a.png").min() == 1.0
        assert resolver.load(url + "/data/upload/1/b.png").min() == 1.0
        with pytest.raises(ValueError, match="not an allowed source"):
            resolver.load(url + "/api/projects")
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    assert seen == [("/data/upload/1/a.png", "Token k"), ("/data/upload/1/b.png", "Token k")]


# ---------------------------------------------------------------------- the protocol


def test_predictions_are_empty_until_min_labels_then_scored_by_the_query_strategy(
    tmp_path, digits
):
    tasks, labels = digits
    backend = _backend(tmp_path / "ckpt")
    try:
        assert backend.setup({"schema": CONFIG}) == {"model_version": "skactive-0"}
        _teach(backend, tasks, labels, 5)
        empty = backend.predict({"tasks": tasks[:3], "label_config": CONFIG})
        assert empty["model_version"] == "skactive-0"
        assert [r["result"] for r in empty["results"]] == [[], [], []]
        _teach(backend, tasks[5:], labels[5:], 3)
        assert backend.setup({})["model_version"] == "skactive-8"
        pool = tasks[8:]
        answer = backend.predict({"tasks": pool, "label_config": CONFIG})
    finally:
        backend.close()
    model = ActiveINASClassifier.from_checkpoint(tmp_path / "ckpt")
    X = np.stack([ImageResolver(image_shape=(1, 8, 8)).load(t["data"]["image"]) for t in pool])
    indices, _, utilities = model.query(X, n_instances=5, return_utilities=True)
    scores = np.array([r["score"] for r in answer["results"]])
    np.testing.assert_allclose(scores, utilities)
    assert set(np.argsort(-scores, kind="stable")[:5]) == set(indices)
    first = answer["results"][0]["result"][0]
    assert first["from_name"] == "digit" and first["to_name"] == "img"
    assert first["type"] == "choices"
    assert first["value"]["choices"] == [str(model.predict(X[:1])[0])]
    assert answer["results"][0]["model_version"] == "skactive-8"


def test_answers_are_stored_before_training_and_a_restart_restores_labels_and_model(
    tmp_path, digits
):
    tasks, labels = digits
    backend = _backend(tmp_path / "ckpt")
    _teach(backend, tasks, labels, 4)
    stored = json.loads((tmp_path / "ckpt" / TASKS_FILE).read_text())["records"]
    assert [r["label"] for r in stored] == labels[:4] and backend.estimator_ is None
    _teach(backend, tasks[4:], labels[4:], 4)
    before = backend.predict({"tasks": tasks[10:20], "label_config": CONFIG})
    backend.close()
    restarted = _backend(tmp_path / "ckpt")
    try:
        assert restarted.health()["n_labels"] == 8 and restarted.model_version == "skactive-8"
        assert restarted.predict({"tasks": tasks[10:20], "label_config": CONFIG}) == before
        assert list(restarted.estimator_.y_training_) == labels[:8]
    finally:
        restarted.close()


def test_answers_a_crash_left_untaught_are_taught_on_restart(tmp_path, digits):
    tasks, labels = digits
    backend = _backend(tmp_path / "ckpt")
    _teach(backend, tasks, labels, 6)
    backend.close()
    # As if the process died after storing two answers and before teaching them.
    path = tmp_path / "ckpt" / TASKS_FILE
    stored = json.loads(path.read_text())
    stored["records"] += [
        {"annotation": t["id"], "task": t["id"], "label": label, "image": t["data"]["image"]}
        for t, label in zip(tasks[6:8], labels[6:8])
    ]
    path.write_text(json.dumps(stored))
    restarted = _backend(tmp_path / "ckpt")
    try:
        assert restarted.model_version == "skactive-8"
        assert list(restarted.estimator_.y_training_) == labels[:8]
    finally:
        restarted.close()


def test_updates_add_a_changed_label_only_and_skips_add_none(tmp_path, digits):
    tasks, labels = digits
    backend = _backend(tmp_path / "ckpt", min_labels=100)
    try:
        backend.webhook(_event(tasks[0], "0"))
        assert backend.webhook(_event(tasks[0], "0"))["added"] == 0  # a retried webhook
        assert backend.webhook(_event(tasks[0], "0", action="ANNOTATION_UPDATED"))["added"] == 0
        assert backend.webhook(_event(tasks[0], "2", action="ANNOTATION_UPDATED"))["added"] == 1
        assert backend.webhook(_event(tasks[1], "1", was_cancelled=True))["added"] == 0
        assert backend.webhook({"action": "PROJECT_UPDATED", "project": {}})["added"] == 0
        assert [r["label"] for r in backend.records_] == ["0", "2"]
    finally:
        backend.close()


def test_a_bad_answer_stores_nothing(tmp_path, digits):
    tasks, labels = digits
    backend = _backend(tmp_path / "ckpt", min_labels=100)
    try:
        elsewhere = {"id": 1, "data": {"image": "http://example.com/a.png"}}
        payload = {
            "action": "ANNOTATIONS_CREATED",
            "annotation": [
                _event(tasks[0], "0")["annotation"],
                _event(elsewhere, "1")["annotation"],
            ],
            "task": [tasks[0], elsewhere],
        }
        with pytest.raises(ValueError, match="not an allowed source"):
            backend.webhook(payload)
        with pytest.raises(ValueError, match="an object with an action"):
            backend.webhook({"annotation": {}})
        assert backend.records_ == [] and not (tmp_path / "ckpt" / TASKS_FILE).exists()
    finally:
        backend.close()


def test_train_requests_add_the_answers_the_backend_lacks(tmp_path, digits):
    tasks, labels = digits
    backend = _backend(tmp_path / "ckpt")
    try:
        _teach(backend, tasks, labels, 3)
        annotated = [
            {**task, "annotations": [_event(task, label)["annotation"]]}
            for task, label in zip(tasks[:7], labels[:7])
        ]
        assert backend.train_request({"annotations": annotated})["added"] == 4
        assert backend.model_version == "skactive-7"
    finally:
        backend.close()


def test_a_second_backend_on_the_same_directory_is_refused(tmp_path):
    backend = _backend(tmp_path / "ckpt")
    try:
        with pytest.raises(CheckpointLockedError, match="another Label Studio backend"):
            _backend(tmp_path / "ckpt")
    finally:
        backend.close()


def test_background_training_over_http(tmp_path, digits):
    tasks, labels = digits
    backend = _backend(tmp_path / "ckpt", background=True)
    server = make_server(backend, port=0)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"

    def post(route, body):
        request = urllib.request.Request(
            url + route,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)

    try:
        for task, label in zip(tasks[:8], labels[:8]):
            assert post("/webhook", _event(task, label))[0] == 201
        assert backend.wait(timeout=120)
        with urllib.request.urlopen(url + "/health") as response:
            health = json.load(response)
        assert health["model_version"] == "skactive-8" and health["n_pending"] == 0
        status, answer = post("/predict", {"tasks": tasks[8:12], "label_config": CONFIG})
        assert status == 200 and len(answer["results"]) == 4
        with pytest.raises(urllib.error.HTTPError) as refused:
            post("/predict", {"tasks": [], "label_config": CONFIG})
        assert refused.value.code == 400 and "tasks" in json.load(refused.value)["error"]
        with pytest.raises(urllib.error.HTTPError) as missing:
            post("/nowhere", {})
        assert missing.value.code == 404
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        backend.close()


# ---------------------------------------------------------------------- command line


def test_labelstudio_command_serves_health(tmp_path):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "skactive",
            "labelstudio",
            "--checkpoint-dir",
            str(tmp_path / "ckpt"),
            "--port",
            "0",
            "--image-shape",
            "1,8,8",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Label Studio ML backend on http://127.0.0.1:")
        url = line.split()[5]
        with urllib.request.urlopen(url + "/health") as response:
            assert json.load(response)["model_version"] == "skactive-0"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_labelstudio_command_refuses_a_bad_image_shape(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["labelstudio", "--checkpoint-dir", "x", "--image-shape", "2,8,8"])
    assert exit_.value.code == 2 and "C,H,W" in capsys.readouterr().err


def test_ascending_scores_are_minus_the_utilities(tmp_path, digits):
    tasks, labels = digits
    payload = {"tasks": tasks[10:20], "label_config": CONFIG}
    scores = {}
    for order in ("descending", "ascending"):
        backend = _backend(tmp_path / order, score_order=order)
        try:
            _teach(backend, tasks, labels, 6)
            scores[order] = [r["score"] for r in backend.predict(payload)["results"]]
        finally:
            backend.close()
    np.testing.assert_allclose(scores["ascending"], -np.array(scores["descending"]))
    with pytest.raises(ValueError, match="score_order"):
        _backend(tmp_path / "bad", score_order="up")


def test_after_setup_answers_are_read_from_the_projects_choices_and_image(tmp_path, digits):
    tasks, _ = digits
    config = CONFIG.replace('value="$image"', 'value="$picture"')
    backend = _backend(tmp_path / "ckpt", min_labels=100)
    try:
        backend.setup({"schema": config})
        task = {"id": 1, "data": {"picture": tasks[0]["data"]["image"]}}
        other = _event(task, "1")
        other["annotation"]["result"][0]["from_name"] = "other"
        assert backend.webhook(other)["added"] == 0
        assert backend.webhook(_event(task, "1"))["added"] == 1
        with pytest.raises(ValueError, match="data\\['picture'\\]"):
            backend.webhook(_event(tasks[1], "2"))
    finally:
        backend.close()


def test_a_damaged_answers_file_is_refused_and_leaves_the_directory_free(tmp_path):
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / TASKS_FILE).write_text("{not json")
    with pytest.raises(ValueError, match="is damaged"):
        _backend(tmp_path / "ckpt")
    (tmp_path / "ckpt" / TASKS_FILE).unlink()
    _backend(tmp_path / "ckpt").close()
