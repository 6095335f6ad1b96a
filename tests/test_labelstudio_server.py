"""The backend with a real Label Studio server, driven through Label Studio's own REST API.

Label Studio's pins clash with ours, so it lives in its own environment: the test runs when
``SKACTIVE_LABEL_STUDIO`` names its ``label-studio`` executable (``.ci/run`` installs it and
sets it), and is skipped otherwise. The server starts on a free port with SQLite in a
temporary folder, a user and a token made on the command line; starting it takes most of
the test's time.
"""

import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from skactive import ActiveINASClassifier
from skactive.labelstudio import ImageResolver, LabelStudioBackend, make_server

EXECUTABLE = os.environ.get("SKACTIVE_LABEL_STUDIO")
TOKEN = "skactive0test0token"
CONFIG = (
    '<View><Image name="img" value="$image"/><Choices name="digit" toName="img">'
    + "".join(f'<Choice value="{k}"/>' for k in range(10))
    + "</Choices></View>"
)
N_TASKS, N_ANNOTATED, TOP = 200, 30, 10
PARAMS = dict(base_width=4, max_epochs=3, inas_iterations=0, random_state=0, device="cpu")

pytestmark = pytest.mark.skipif(
    not EXECUTABLE or not os.access(EXECUTABLE, os.X_OK),
    reason="set SKACTIVE_LABEL_STUDIO to a label-studio executable (pip install label-studio "
    "in its own environment) to test with a real Label Studio server",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Api:
    """Label Studio's REST API with a legacy token."""

    def __init__(self, url: str):
        self.url = url

    def __call__(self, method: str, route: str, body=None):
        request = urllib.request.Request(
            self.url + route,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read() or b"null")


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory):
    """A Label Studio server on a free port, its image folder, and its API."""
    base = tmp_path_factory.mktemp("label-studio")
    images = base / "images"
    images.mkdir()
    port = _free_port()
    env = {
        **os.environ,
        "LABEL_STUDIO_BASE_DATA_DIR": str(base / "data"),
        # A backend and its webhook on this machine are refused unless these are off.
        "ML_BLOCK_LOCAL_IP": "false",
        "SSRF_PROTECTION_ENABLED": "false",
        "LOCAL_FILES_SERVING_ENABLED": "true",
        "LOCAL_FILES_DOCUMENT_ROOT": str(images),
        "COLLECT_ANALYTICS": "false",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
    }
    command = [EXECUTABLE, "start", "--no-browser", "--port", str(port)]
    command += ["--data-dir", str(base / "data"), "--username", "test@example.com"]
    command += ["--password", "skactive-test", "--user-token", TOKEN]
    command += ["--enable-legacy-api-token"]
    with open(base / "server.log", "wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        "Label Studio did not start:\n" + (base / "server.log").read_text()[-3000:]
                    )
                time.sleep(1)
        yield _Api(url), images
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture
def backend(tmp_path, label_studio):
    """The skactive backend serving on a free port, as the command would start it."""
    _, images = label_studio
    backend = LabelStudioBackend(
        tmp_path / "checkpoint",
        ActiveINASClassifier(**PARAMS),
        images=ImageResolver(image_shape=(1, 16, 16), roots=[images]),
        min_labels=N_ANNOTATED,
    )
    server = make_server(backend, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield backend, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()
    server.server_close()
    backend.close()


def test_label_studio_sorted_by_prediction_score_is_the_query(label_studio, backend):
    api, images = label_studio
    backend, backend_url = backend
    X, y = load_digits(return_X_y=True)
    for i, pixels in enumerate(X[:N_TASKS]):
        image = Image.fromarray((pixels.reshape(8, 8) * 255 / 16).astype(np.uint8), mode="L")
        image.resize((32, 32), Image.Resampling.NEAREST).save(images / f"{i:03d}.png")
    project = api("POST", "/api/projects", {"title": "skactive digits", "label_config": CONFIG})
    tasks = [{"image": f"/data/local-files/?d={i:03d}.png", "index": i} for i in range(N_TASKS)]
    api("POST", f"/api/projects/{project['id']}/import", tasks)
    listed = api("GET", f"/api/tasks?project={project['id']}&page_size={N_TASKS}")["tasks"]
    task_of = {task["data"]["index"]: task["id"] for task in listed}
    assert len(task_of) == N_TASKS
    # Label Studio checks /health and /setup when the backend is connected.
    ml = api("POST", "/api/ml", {"url": backend_url, "project": project["id"], "title": "sk"})
    for i in range(N_ANNOTATED):
        result = {"from_name": "digit", "to_name": "img", "type": "choices",
                  "value": {"choices": [str(y[i])]}}  # fmt: skip
        api("POST", f"/api/tasks/{task_of[i]}/annotations", {"result": [result]})
    # Each annotation reached the backend's webhook, and the label store, as it was made.
    assert [r["label"] for r in backend.records_] == [str(label) for label in y[:N_ANNOTATED]]
    assert backend.wait(timeout=300) and backend.error_ is None
    assert backend.model_version == f"skactive-{N_ANNOTATED}"
    # "Start training" sends every annotated task to /train: nothing new to learn.
    api("POST", f"/api/ml/{ml['id']}/train", {})
    assert len(backend.records_) == N_ANNOTATED
    api(
        "POST",
        f"/api/dm/actions?id=retrieve_tasks_predictions&project={project['id']}",
        {"selectedItems": {"all": True, "excluded": []}},
    )
    predictions = api("GET", f"/api/predictions?project={project['id']}")
    by_task = {p["task"]: p for p in predictions}
    assert len(by_task) == N_TASKS
    assert {p["model_version"] for p in predictions} == {f"skactive-{N_ANNOTATED}"}
    # The same estimator fitted here on the same labels queries the tasks scored highest.
    images = np.stack([backend.images.load(f"{i:03d}.png") for i in range(N_TASKS)])
    model = ActiveINASClassifier(**PARAMS).fit(
        images[:N_ANNOTATED], np.array([str(label) for label in y[:N_ANNOTATED]])
    )
    pool = np.arange(N_ANNOTATED, N_TASKS)
    scores = np.array([by_task[task_of[i]]["score"] for i in pool])
    X_pool = images[N_ANNOTATED:]
    picked, _, utilities = model.query(X_pool, n_instances=TOP, return_utilities=True)
    np.testing.assert_allclose(scores, utilities, rtol=1e-6)
    assert set(pool[np.argsort(-scores, kind="stable")[:TOP]]) == set(pool[picked])
    guesses = [by_task[task_of[i]]["result"][0]["value"]["choices"][0] for i in pool]
    assert guesses == [str(label) for label in model.predict(X_pool)]
