"""``skactive label DATA``: load the data, open the store, serve the page until interrupted."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from ..checkpoint import CheckpointLockedError
from ._data import load_samples
from ._server import LOOPBACK, LabelServer
from ._session import LabelSession


def default_store(data) -> Path:
    """The store of a dataset when none is named: ``DATA-labels`` beside it.

    Parameters
    ----------
    data : str or path-like
        The dataset's folder or file.

    Returns
    -------
    Path
        ``photos-labels`` for ``photos/``, ``rows-labels`` for ``rows.csv``.

    Examples
    --------
    >>> from skactive.label import default_store
    >>> default_store("data/rows.csv").as_posix()
    'data/rows-labels'
    """
    path = Path(data)
    return path.with_name(f"{path.name if path.is_dir() else path.stem}-labels")


def run_app(
    data,
    *,
    classes=(),
    store=None,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    batch_size: int = 10,
    cold_start: str = "kmeans",
    image_size: int = 32,
    rgb: bool = False,
    random_state: int = 0,
    estimator_params: dict | None = None,
    export: str | None = None,
    risk: float = 0.02,
    delta: float = 0.05,
) -> int:
    """Serve the labeling app on ``data`` until interrupted, or export and return.

    Parameters
    ----------
    data : str or path-like
        What to label (:func:`load_samples`).
    classes : sequence of str, default=()
        The labels; class sub-folders of an image folder and a CSV's ``label`` column add
        theirs.
    store : str, path-like or None, default=None
        The session's folder; :func:`default_store` when None.
    host, port : str, int
        Where to serve.
    token : str or None, default=None
        Secret of every request; one is generated when ``host`` is not the loopback.
    batch_size, cold_start, random_state, estimator_params, risk, delta
        As :class:`LabelSession` takes them.
    image_size, rgb
        As :func:`load_samples` takes them.
    export : str or None, default=None
        Write ``labels.csv`` (with the model's labels it accepts at ``risk``) and the last
        model's checkpoint into this folder and return, without serving.

    Returns
    -------
    int
        The exit status: 0, or 1 when the store is held by another app, with a message.
    """
    samples = load_samples(data, image_size=image_size, rgb=rgb)
    names = list(classes)
    names += sorted(set(samples.labels.values()) - set(names))
    if not names:
        raise ValueError(
            "no classes: pass --classes a,b,c, or put already-labeled files in sub-folders."
        )
    store = Path(store) if store is not None else default_store(data)
    session = LabelSession(
        samples,
        store,
        classes=names,
        batch_size=batch_size,
        cold_start=cold_start,
        estimator_params=estimator_params,
        random_state=random_state,
        risk=risk,
        delta=delta,
    )
    try:
        session.open()
    except CheckpointLockedError:
        print(
            f"skactive label: the store {store} is open in another labeling app (or an "
            "estimator is writing to it). Close that app first, or pass another --store.",
            file=sys.stderr,
        )
        return 1
    try:
        if export is not None:
            written = session.export(export)
            model = written["model"] or "no model (nothing trained yet)"
            print(
                f"wrote {written['labels']} ({written['n_model']} labels by the model at "
                f"risk {risk}) and {model}"
            )
            return 0
        if host not in LOOPBACK and not token:
            token = secrets.token_urlsafe(16)
        with LabelServer(session, host, port, token=token) as server:
            print(f"skactive label: {len(samples)} samples, store {store}", flush=True)
            print(f"open {server.url}", flush=True)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                print("stopping; every acknowledged answer is in the store", flush=True)
    finally:
        session.close()
    return 0
