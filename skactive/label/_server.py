"""The labeling app's routes: a small JSON API and one static page, on the standard library.

Routes (every one needs ``?token=`` or an ``X-Token`` header when the app has a token)::

    GET  /                     the page (static/index.html, app.js, style.css)
    GET  /api/state            the sample to show, where it came from, the model's guess,
                               the classes and the progress, with the model's coverage
                               of the unlabeled samples at the risk
    GET  /api/sample/<i>       sample i with its current label and the model's guess, to
                               correct it (answering it again adds a newer answer)
    GET  /api/sample/<i>.png   sample i as PNG (images only)
    POST /api/answer           {"index": i, "label": "cat"}; label null skips. Returns once
                               the answer is fsync'ed in the label journal.
    POST /api/undo             takes back the last answer
    GET  /api/labels.csv       the current labels, then the model's it accepts at the risk
    POST /api/export           writes labels.csv and the model's checkpoint to the export folder

Samples are addressed by their index only, and the only files served are the page's own
and the dataset's images, decoded and re-encoded as PNG: no client-given path is opened.
"""

from __future__ import annotations

import hmac
import json
import re
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from ._session import LabelSession

_STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")
"""Hosts the app serves on without a token."""

_SAMPLE = re.compile(r"/api/sample/(\d+)\.png")
_VIEW = re.compile(r"/api/sample/(\d+)")
_MAX_BODY = 1 << 16


class _Handler(BaseHTTPRequestHandler):
    server: LabelServer

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, obj, status: int = HTTPStatus.OK) -> None:
        self._send(status, json.dumps(obj).encode("utf-8"), "application/json")

    def _error(self, status: int, message: str) -> None:
        self._json({"error": message}, status)

    def _authorised(self, url) -> bool:
        token = self.server.token
        if token is None:
            # Without a token only the loopback's own names are served, so that a web page
            # whose domain is made to resolve to 127.0.0.1 (DNS rebinding) cannot use the app.
            host = urlsplit(f"//{self.headers.get('Host', '')}").hostname
            if host in LOOPBACK:
                return True
            self._error(HTTPStatus.FORBIDDEN, f"host {host!r} is not served")
            return False
        given = self.headers.get("X-Token") or parse_qs(url.query).get("token", [""])[0]
        if hmac.compare_digest(given.encode(), token.encode()):
            return True
        self._error(HTTPStatus.FORBIDDEN, "this app needs its token: open the address it printed")
        return False

    def _body(self) -> dict | None:
        # A JSON content type makes a cross-site request need the browser's CORS preflight,
        # which this server never grants: another site's form cannot post answers.
        if self.headers.get_content_type() != "application/json":
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "the body must be application/json")
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= _MAX_BODY:
            self._error(HTTPStatus.BAD_REQUEST, "a JSON body of at most 64 KiB is expected")
            return None
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._error(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
            return None
        return body

    def do_GET(self):  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        if not self._authorised(url):
            return
        session = self.server.session
        if url.path in _STATIC:
            name, content_type = _STATIC[url.path]
            page = resources.files(__package__).joinpath("static", name).read_bytes()
            if name == "index.html" and self.server.token:
                # The page's own files are requests too, so they carry the token.
                query = f"?token={quote(self.server.token)}".encode()
                for asset in (b"style.css", b"app.js"):
                    page = page.replace(b'"' + asset + b'"', b'"' + asset + query + b'"')
            self._send(HTTPStatus.OK, page, content_type)
        elif url.path == "/api/state":
            self._json(self.server.state())
        elif url.path == "/api/labels.csv":
            self._send(HTTPStatus.OK, session.labels_csv(), "text/csv; charset=utf-8")
        elif match := _VIEW.fullmatch(url.path):
            try:
                self._json(session.sample(int(match.group(1))))
            except ValueError as err:
                self._error(HTTPStatus.NOT_FOUND, str(err))
        elif match := _SAMPLE.fullmatch(url.path):
            index = int(match.group(1))
            samples = session.samples
            if samples.kind != "image" or index >= len(samples) or index in samples.errors:
                self._error(HTTPStatus.NOT_FOUND, f"no image {index}")
                return
            self._send(HTTPStatus.OK, samples.image_png(index), "image/png")
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no page {url.path}")

    def do_POST(self):  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        if not self._authorised(url):
            return
        body = self._body()
        if body is None:
            return
        session = self.server.session
        try:
            if url.path == "/api/answer":
                result = session.answer(body.get("index"), body.get("label"))
            elif url.path == "/api/undo":
                result = session.undo()
            elif url.path == "/api/export":
                result = session.export(self.server.export_dir)
            else:
                self._error(HTTPStatus.NOT_FOUND, f"no action {url.path}")
                return
        except ValueError as err:
            self._error(HTTPStatus.BAD_REQUEST, str(err))
            return
        self._json({"result": result, **self.server.state()})


class LabelServer(ThreadingHTTPServer):
    """The labeling app: a threading HTTP server over a :class:`LabelSession`.

    Parameters
    ----------
    session : LabelSession
        The open session it serves.
    host : str, default="127.0.0.1"
        Address to bind. Any other than the loopback needs ``token``.
    port : int, default=0
        Port; 0 picks a free one (see :attr:`url`).
    token : str or None, default=None
        Secret every request must carry (``?token=`` or an ``X-Token`` header).
    export_dir : str or path-like or None, default=None
        Where the export action writes; defaults to the store's ``export`` folder.
    verbose : bool, default=False
        Log every request to stderr.

    Examples
    --------
    >>> import json, tempfile, urllib.request
    >>> import numpy as np
    >>> from skactive.label import LabelServer, LabelSession, Samples
    >>> samples = Samples(np.eye(4, dtype=np.float32), ["0", "1", "2", "3"], "row")
    >>> with tempfile.TemporaryDirectory() as store:
    ...     with LabelSession(samples, store, classes=["a", "b"], batch_size=2) as session:
    ...         with LabelServer(session) as server:
    ...             _ = server.start()
    ...             state = json.load(urllib.request.urlopen(server.url + "api/state"))
    >>> state["classes"], state["current"]["source"]
    (['a', 'b'], 'cold_start')
    """

    daemon_threads = True

    def __init__(
        self,
        session: LabelSession,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str | None = None,
        export_dir=None,
        verbose: bool = False,
    ):
        if host not in LOOPBACK and not token:
            raise ValueError(f"host {host!r} is not the loopback: a token is required.")
        super().__init__((host, port), _Handler)
        self.session = session
        self.token = token
        self.export_dir = Path(export_dir) if export_dir else session.store.path / "export"
        self.verbose = verbose
        self._thread = None

    @property
    def url(self) -> str:
        """The page's address, with the token when there is one."""
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        query = f"?token={quote(self.token)}" if self.token else ""
        return f"http://{host}:{port}/{query}"

    def state(self) -> dict:
        """What the page shows: the current sample, the classes and the progress.

        Returns
        -------
        dict
            ``current`` (:meth:`LabelSession.current`), ``classes``, ``progress``
            (:meth:`LabelSession.progress`).
        """
        session = self.session
        return {
            "current": session.current(),
            "classes": session.classes,
            "progress": session.progress(),
        }

    def handle_error(self, request, client_address):
        """Log a request's error, unless the browser just left (closed, reloaded)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def start(self) -> LabelServer:
        """Serve in a background thread; :meth:`shutdown` stops it.

        Returns
        -------
        LabelServer
            This server.
        """
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
        super().__exit__(*exc)
