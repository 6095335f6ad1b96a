"""The HTTP face of the backend: Label Studio's ML-backend routes on the standard library."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ._backend import LabelStudioBackend

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 256 * 2**20
"""Largest request body read: a batch of tasks whose images are data URLs."""


def make_server(
    backend: LabelStudioBackend, host: str = "127.0.0.1", port: int = 9090
) -> ThreadingHTTPServer:
    """An HTTP server answering Label Studio for ``backend``; call ``serve_forever()`` on it.

    Routes: ``GET /`` and ``GET /health`` (:meth:`LabelStudioBackend.health`),
    ``GET /versions``, ``POST /setup``, ``POST /predict``, ``POST /webhook`` and
    ``POST /train``, each a JSON body in and a JSON body out. A ``ValueError`` or
    ``TypeError`` of the backend is answered with status 400 and ``{"error": message}``.

    Parameters
    ----------
    backend : LabelStudioBackend
        What answers the requests.
    host : str, default="127.0.0.1"
        Address to listen on; the default accepts this machine only. Give ``"0.0.0.0"``
        only on a network you trust: the routes need no credentials.
    port : int, default=9090
        Port to listen on; 0 picks a free one (``server.server_address[1]``).

    Returns
    -------
    http.server.ThreadingHTTPServer
        The bound server, one thread per request.

    Examples
    --------
    >>> import json, tempfile, threading, urllib.request
    >>> from skactive.labelstudio import LabelStudioBackend, make_server
    >>> with tempfile.TemporaryDirectory() as path:
    ...     backend = LabelStudioBackend(path)
    ...     server = make_server(backend, port=0)
    ...     thread = threading.Thread(target=server.serve_forever)
    ...     thread.start()
    ...     url = f"http://127.0.0.1:{server.server_address[1]}/health"
    ...     with urllib.request.urlopen(url) as response:
    ...         status = json.load(response)["status"]
    ...     server.shutdown(); thread.join(); server.server_close(); backend.close()
    >>> status
    'UP'
    """
    handler = type("Handler", (_Handler,), {"backend": backend})
    return ThreadingHTTPServer((host, port), handler)


class _Handler(BaseHTTPRequestHandler):
    backend: LabelStudioBackend
    server_version = "skactive-labelstudio"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        if path in ("/", "/health"):
            self._send(HTTPStatus.OK, self.backend.health())
        elif path == "/versions":
            self._send(HTTPStatus.OK, {"versions": [self.backend.model_version]})
        else:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no route GET {path}"})

    def do_POST(self):  # noqa: N802
        path = self.path.split("?", 1)[0].rstrip("/")
        routes = {
            "/setup": self.backend.setup,
            "/predict": self.backend.predict,
            "/webhook": self.backend.webhook,
            "/train": self.backend.train_request,
        }
        if path not in routes:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no route POST {path}"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_REQUEST_BYTES:
            self._send(HTTPStatus.BAD_REQUEST, {"error": "bad or too large Content-Length"})
            return
        try:
            payload = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(payload, dict):
                raise ValueError("the request body must be a JSON object.")
            answer = routes[path](payload)
        except (ValueError, TypeError) as err:
            logger.warning("POST %s refused: %s", path, err)
            self._send(HTTPStatus.BAD_REQUEST, {"error": str(err)})
            return
        status = HTTPStatus.CREATED if path in ("/webhook", "/train") else HTTPStatus.OK
        self._send(status, answer)

    def _send(self, status: HTTPStatus, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        logger.info("%s - %s", self.address_string(), format % args)
