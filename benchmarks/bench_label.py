"""Latency of a label in the labeling app while Active-iNAS trains in the background.

``skactive label`` answers a label's POST only once the answer is fsync'ed in the store's
label journal, while the training of the model runs in a thread of the same process. This
benchmark serves :class:`skactive.label.LabelSession` with :class:`skactive.label.LabelServer`
on 127.0.0.1, as the command does, over ``--images`` striped 32x32 PNG images, and answers
the samples it is shown through HTTP (urllib, as the page's ``fetch``) with their true labels.
It times each ``POST /api/answer`` from request to response, and reports the median and the
90th percentile separately for answers given while a training runs and while none does.
With ``--browser``, a headless Chromium (selenium, chromium-driver) presses the keys on the
page instead, and the times are the page's own: the ``fetch`` of each answer as the browser's
Resource Timing records it.

Usage::

    python benchmarks/bench_label.py                  # about a minute on one CPU core
    python benchmarks/bench_label.py --browser
    python benchmarks/bench_label.py --answers 200 --threads 2

The numbers it printed are in ``docs/labeling.rst``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from skactive.label import LabelServer, LabelSession, load_samples  # noqa: E402


def write_images(folder: Path, n: int, seed: int = 0) -> dict[str, str]:
    """``n`` 32x32 PNG images of horizontal ("h") or vertical ("v") stripes, with noise."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    truth = {}
    for i in range(n):
        pixels = (rng.random((32, 32)) * 80).astype(np.uint8)
        label = "hv"[i % 2]
        offset = rng.integers(4)
        if label == "h":
            pixels[offset::4, :] = 255
        else:
            pixels[:, offset::4] = 255
        Image.fromarray(pixels).save(folder / f"img_{i:04d}.png")
        truth[f"img_{i:04d}.png"] = label
    return truth


def post(url: str, body: dict) -> tuple[float, dict]:
    """POST ``body`` as JSON; return the milliseconds to the whole response, and the response."""
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    began = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        reply = json.load(response)
    return 1000 * (time.perf_counter() - began), reply


def http_answers(server, session, truth, n: int) -> dict[bool, list[float]]:
    """Answer ``n`` samples through urllib; milliseconds per POST, by whether training ran."""
    timings = {True: [], False: []}
    state = server.state()
    for _ in range(n):
        current = state["current"]
        if current is None:
            break
        training = session.progress()["training"]
        body = {"index": current["index"], "label": truth[current["id"]]}
        ms, state = post(server.url + "api/answer", body)
        timings[training].append(ms)
        # a person takes a moment per sample; answers do not arrive back to back
        time.sleep(0.05)
    return timings


def browser_answers(server, session, truth, n: int) -> dict[bool, list[float]]:
    """Answer ``n`` samples with the page's keys in headless Chromium; the page's POST times."""
    import shutil

    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    service = webdriver.ChromeService(shutil.which("chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    keys = {"h": "1", "v": "2"}
    during = []
    try:
        driver.get(server.url)
        # the page polls its state every second: keep every request's timing, not the first 250
        driver.execute_script("performance.setResourceTimingBufferSize(100000);")
        for _ in range(n):
            WebDriverWait(driver, 30).until(
                lambda d: d.find_element(By.ID, "sample-id").text in truth
            )
            sample = driver.find_element(By.ID, "sample-id").text
            acked = driver.find_element(By.ID, "acked").get_attribute("data-acked")
            during.append(session.progress()["training"])
            driver.find_element(By.TAG_NAME, "body").send_keys(keys[truth[sample]])
            WebDriverWait(driver, 30).until(
                lambda d, before=acked: (
                    d.find_element(By.ID, "acked").get_attribute("data-acked") != before
                )
            )
            time.sleep(0.05)
        durations = driver.execute_script(
            "return performance.getEntriesByType('resource')"
            ".filter((e) => e.name.includes('/api/answer')).map((e) => e.duration);"
        )
    finally:
        driver.quit()
    timings = {True: [], False: []}
    for training, ms in zip(during, durations):
        timings[training].append(ms)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=400)
    parser.add_argument("--answers", type=int, default=150, help="answers to time")
    parser.add_argument("--query-size", type=int, default=20)
    parser.add_argument("--max-epochs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--browser", action="store_true", help="press keys in headless Chromium")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    params = dict(base_width=8, max_epochs=args.max_epochs, inas_iterations=1, device="cpu")
    with tempfile.TemporaryDirectory() as tmp:
        truth = write_images(Path(tmp) / "images", args.images)
        samples = load_samples(Path(tmp) / "images")
        session = LabelSession(
            samples,
            Path(tmp) / "store",
            classes=["h", "v"],
            batch_size=args.query_size,
            estimator_params=params,
        )
        with session, LabelServer(session) as server:
            server.start()
            answers = browser_answers if args.browser else http_answers
            timings = answers(server, session, truth, args.answers)
            trainings = len(session.progress()["curve"])
    print(
        f"{args.images} images 32x32, {args.query_size} per query, A(resnet) base width 8, "
        f"{args.max_epochs} epochs, {args.threads} torch thread(s), {trainings} trainings, "
        f"timed by {'the browser' if args.browser else 'urllib'}"
    )
    for training, label in ((True, "while training"), (False, "no training")):
        values = timings[training]
        if values:
            p90 = np.percentile(values, 90)
            print(
                f"label POST {label:>14}: median {statistics.median(values):6.1f} ms, "
                f"p90 {p90:6.1f} ms, max {max(values):6.1f} ms over {len(values)} answers"
            )


if __name__ == "__main__":
    main()
