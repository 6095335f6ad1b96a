"""The labeling app as a person uses it: a real (headless) browser presses the keys.

The test then reads the store, not the page's own claim: every answer the page saw
acknowledged is in the label journal once, also after the server is killed with SIGKILL in
the middle of a training and started again with the same command. It needs Debian's
chromium and chromium-driver and the selenium package, and is skipped without them.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from skactive.checkpoint import Answer, CheckpointReader

webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs chromium and chromedriver (apt-get install chromium chromium-driver)",
)

# The screenshots of the documentation's labeling page are taken here; they are written only
# when SKACTIVE_SCREENSHOTS names a folder (docs/images), so a test run changes no tracked file.
SCREENSHOTS = os.environ.get("SKACTIVE_SCREENSHOTS")
KEYS = {"h": "1", "v": "2"}
ACK = re.compile(r"(?P<sample>\S+) → (?P<label>\S+) \(#(?P<seq>\d+)\)")


def _start(command):
    """Start the app; return the process and the address it prints."""
    # Ctrl-C (SIGINT) stops the app; a shell that starts the tests in the background ignores
    # it, and the app would inherit that, so the child gets the default back.
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    for line in process.stdout:
        if line.startswith("open "):
            return process, line.split()[1]
    raise AssertionError(f"the app exited with {process.wait()} before serving")


def _browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1200,820")
    return webdriver.Chrome(service=webdriver.ChromeService(CHROMEDRIVER), options=options)


def _text(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def _acked(driver):
    return int(driver.find_element(By.ID, "acked").get_attribute("data-acked"))


def _press(driver, key):
    """Press ``key`` and wait until the page shows the server's acknowledgement."""
    before = _acked(driver)
    driver.find_element(By.TAG_NAME, "body").send_keys(key)
    WebDriverWait(driver, 20).until(
        lambda d: _acked(d) > before, f"no acknowledgement of key {key!r}"
    )
    return driver.find_element(By.CSS_SELECTOR, "#recent li").text


def _label_one(driver, truth, seen):
    """Label the sample on screen by its true class; return what the page acknowledged."""
    WebDriverWait(driver, 20).until(lambda d: _text(d, "sample-id") in truth)
    seen.append(driver.find_element(By.ID, "source").get_attribute("data-source"))
    text = _press(driver, KEYS[truth[_text(driver, "sample-id")]])
    return ACK.fullmatch(text).groupdict()


def test_a_person_labels_with_the_keyboard_through_a_crash(stripes, tmp_path):
    folder, truth = stripes
    shots = Path(SCREENSHOTS or tmp_path)
    store = tmp_path / "store"
    command = [
        sys.executable, "-m", "skactive", "label", str(folder), "--classes", "h,v",
        "--store", str(store), "--port", "0", "--image-size", "8", "--query-size", "8",
        "--base-width", "4", "--max-epochs", "40", "--inas-iterations", "1",
        "--min-validation-size", "0", "--device", "cpu",
    ]  # fmt: skip
    process, url = _start(command)
    driver = _browser()
    acked, sources = [], []
    try:
        driver.get(url)
        WebDriverWait(driver, 20).until(lambda d: _text(d, "sample-id") in truth)
        assert driver.find_element(By.ID, "source").get_attribute("data-source") == "cold_start"
        driver.save_screenshot(str(shots / "label_cold_start.png"))
        for _ in range(12):
            acked.append(_label_one(driver, truth, sources))
        # one undo: the last answer is retracted and its sample shown again
        undone = acked[-1]
        assert _press(driver, "u") == f"undo of #{undone['seq']}"
        acked.append({"undo": undone["seq"]})
        assert _text(driver, "sample-id") == undone["sample"]
        while len([a for a in acked if "sample" in a]) < 30:
            acked.append(_label_one(driver, truth, sources))
        # a correction: click the first answer, give the other label; both stay in the store
        driver.find_element(By.CSS_SELECTOR, "#recent li:last-child").click()
        WebDriverWait(driver, 20).until(lambda d: _text(d, "sample-id") == acked[0]["sample"])
        other = "h" if acked[0]["label"] == "v" else "v"
        acked.append(ACK.fullmatch(_press(driver, KEYS[other])).groupdict())
        assert (acked[-1]["sample"], acked[-1]["label"]) == (acked[0]["sample"], other)
        # the first batch comes from the cold start, later ones from the model's query
        assert sources[:8] == ["cold_start"] * 8
        assert "query" in sources
        WebDriverWait(driver, 60).until(lambda d: "%" in _text(d, "accuracy"))
        # a few answers the model has not seen are far too few for a guarantee at 2%
        assert re.fullmatch(r"needs more held-out labels: \d+ so far", _text(driver, "coverage"))
        assert _text(driver, "coverage-risk") == "2.0%"
        driver.execute_script("document.getElementById('recent').scrollTop = 0;")
        driver.save_screenshot(str(shots / "label_model.png"))
        # a training starts with the next batch of labels; kill the server in its middle
        while driver.find_element(By.ID, "training").get_attribute("data-training") != "true":
            acked.append(_label_one(driver, truth, sources))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        process, url = _start(command)
        driver.get(url)
        WebDriverWait(driver, 20).until(lambda d: _text(d, "sample-id") in truth)
        for _ in range(3):
            acked.append(_label_one(driver, truth, []))
        driver.save_screenshot(str(shots / "label_resumed.png"))
    finally:
        driver.quit()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    journal = CheckpointReader(store).read_journal()
    records = {r.seq: r for r in journal.records}
    answers = [a for a in acked if "sample" in a]
    for answer in answers:
        assert records[int(answer["seq"])] == Answer(
            int(answer["seq"]), answer["sample"], answer["label"], ""
        )
    # none doubled: the journal holds exactly the acknowledged answers, and one retraction
    assert sum(isinstance(r, Answer) and not r.note for r in journal.records) == len(answers)
    expected = {a["sample"]: a["label"] for a in answers if a["seq"] != undone["seq"]}
    assert journal.current_labels() == expected
    assert len(expected) >= 30
