"""A real server and a real Chromium: start streamlit on a free port, drive it with playwright."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
DOCS = ROOT / "docs"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling out, which this machine refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``streamlit run app.py`` on localhost, started fresh, stopped at the end."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.log = open(ARTIFACTS / f"server-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, "DL_LAB_DEVICE": "cpu"},
        )
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the server did not start; see {self.log.name}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def fresh_server():
    """A server nobody has visited yet: the first visitor's deep link must work cold."""
    ARTIFACTS.mkdir(exist_ok=True)
    server = Server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server():
    ARTIFACTS.mkdir(exist_ok=True)
    server = Server()
    yield server
    server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def settle(page, quiet: float = 1.5, timeout: float = 120.0) -> None:
    """Waits until no script has run for ``quiet`` seconds (a page load is one run, a lesson's stored progress
    another; text typed during a rerun can be lost, and a picture taken then is of the last run)."""
    running = page.get_by_test_id("stStatusWidget")
    deadline = time.time() + timeout
    calm_since = time.time()
    while time.time() < deadline:
        if running.count() and running.first.is_visible():
            calm_since = time.time()
        elif time.time() - calm_since >= quiet:
            return
        time.sleep(0.1)
    raise AssertionError("the page kept running")


def screenshot(page, name: str, for_readme: bool = True) -> Path:
    """Saves into tests/e2e/artifacts; with DL_LAB_UPDATE_SCREENSHOTS=1 the README's pictures also go to docs/."""
    path = ARTIFACTS / f"{name}.png"
    page.mouse.move(0, 0)  # no tooltip over the picture
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    if for_readme and os.environ.get("DL_LAB_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copy(path, DOCS / path.name)
    return path


# ---------------------------------------------------------------- a live view while it plays

# For ``ms`` milliseconds, on every animation frame: each of the view's canvases (``selector``) shrunk onto 48×24
# pixels, and whether any pixel carries ink (a canvas cleared and not yet repainted has none); and each change of
# the status line, a state of the run shown. It runs as the page's own animation callback, so it sees each
# canvas as the compositor shows it. The view's data attributes are read before and after.
WATCH_CANVASES = """(root, [ms, selector]) => new Promise((done) => {
  const end = performance.now() + ms, probe = document.createElement('canvas');
  probe.width = 48; probe.height = 24;
  const ctx = probe.getContext('2d', { willReadFrequently: true });
  const seen = { frames: 0, blank: 0, states: 0, before: { ...root.dataset } };
  let status = null;
  const look = (now) => {
    seen.frames += 1;
    for (const canvas of root.querySelectorAll(selector)) {
      ctx.clearRect(0, 0, 48, 24);
      ctx.drawImage(canvas, 0, 0, 48, 24);
      const data = ctx.getImageData(0, 0, 48, 24).data;
      let ink = false;
      for (let k = 3; k < data.length && !ink; k += 4) ink = data[k] > 0;
      if (!ink) seen.blank += 1;
    }
    const text = root.querySelector('.status').textContent;
    if (text !== status) { seen.states += 1; status = text; }
    if (now < end) return requestAnimationFrame(look);
    seen.after = { ...root.dataset };
    done(seen);
  };
  requestAnimationFrame(look);
})"""


def watch_canvases(view, seconds: float, selector: str) -> dict:
    """``WATCH_CANVASES`` on a live view (a locator) for ``seconds``: animation frames, blank canvases seen, states
    of the run shown, and ``grew(name)``: how much the view's data attribute ``name`` rose meanwhile."""
    seen = view.evaluate(WATCH_CANVASES, [seconds * 1000, selector])
    seen["grew"] = lambda name: int(float(seen["after"].get(name, 0))) - int(float(seen["before"].get(name, 0)))
    return seen


# ---------------------------------------------------------------- the Playground's live view (a canvas component)
# Its elements live in a shadow root: playwright's CSS locators pierce it, document.querySelector does not.

LIVE_STATUS = re.compile(r"Step ([\d,]+) · epoch [\d.,]+ · train loss ([\d.]+)")


def status(page, timeout: float = 15.0) -> tuple[int, float]:
    """(step, train loss) as the live view's status line shows them (it reads "Loading…" until the first frame)."""
    deadline, text = time.time() + timeout, ""
    while time.time() < deadline:
        text = page.locator(".live-view .status").inner_text()
        match = LIVE_STATUS.search(text)
        if match:
            return int(match.group(1).replace(",", "")), float(match.group(2))
        time.sleep(0.1)
    raise AssertionError(f"the live view's status line says {text!r}")


def wait_for_status(page, condition, timeout=30.0) -> tuple[int, float]:
    deadline = time.time() + timeout
    now = None
    while time.time() < deadline:
        now = status(page)
        if condition(*now):
            return now
        time.sleep(0.1)
    raise AssertionError(f"status stayed at {now}")


def play_button(page):
    return page.locator(".live-view button.play")


def step_button(page):
    return page.locator(".live-view button.step")


class LostFrame:
    """One live view's message dropped on its way to the page (``lose_one_frame``), and the page's "resync"."""

    def __init__(self) -> None:
        self.armed, self.passed, self.dropped, self.asked = False, 0, [], []
        self.healed = None  # whether the next frame after the lost one brought everything anyway (a new layout)

    def arm(self) -> None:
        """The second frame with news only from now on is lost. Arm once the view plays steadily: a page run's
        frame brings the layout again, so a frame lost just before one is made good without asking."""
        self.armed = True

    def wait_for_the_ask(self, page, timeout: float = 30.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline and not self.asked and not self.healed:
            page.wait_for_timeout(200)
        assert self.dropped, "no frame was dropped: the test did not run as meant"
        # the next frame may carry the layout anyway (a panel's layout changed): nothing is missing then
        assert self.asked or self.healed, "the view did not ask for what it lost"


def lose_one_frame(page) -> LostFrame:
    """Routes the page's websocket through the test: once armed, the next message carrying a live view's frame
    (a components-v2 element) with news only never reaches the page, as when a busy server's Streamlit drops it.
    Messages from the page that carry the command "resync" are noted."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from dl_core.analyses.frames import decode
    from ui.components.loader import payload

    lost = LostFrame()

    def is_frame(message, news_only: bool = True) -> bool:
        """A live view's frame; with ``news_only``, one that only carries news (not the layout, which a later
        frame would bring again)."""
        if not isinstance(message, bytes):
            return False
        forward = ForwardMsg.FromString(message)
        if forward.WhichOneof("type") != "delta" or forward.delta.WhichOneof("type") != "new_element":
            return False
        element = forward.delta.new_element
        if (element.WhichOneof("type") != "bidi_component" or element.bidi_component.WhichOneof("data") != "bytes"
                or "live" not in element.bidi_component.component_name):
            return False
        if not news_only:
            return True
        header, blobs = decode(payload(element.bidi_component.bytes))
        if "parts" in header:  # a tick's frames together: its first
            header, _ = decode(blobs["part0"].tobytes())
        return "static" not in header and "layout" not in header

    def route(socket) -> None:
        upstream = socket.connect_to_server()

        def to_page(message) -> None:
            if lost.dropped and lost.healed is None and is_frame(message, news_only=False):
                lost.healed = not is_frame(message)
            if lost.armed and not lost.dropped and is_frame(message):
                lost.passed += 1
                if lost.passed == 2:
                    lost.dropped.append(message)
                    return
            socket.send(message)

        def to_server(message) -> None:
            if isinstance(message, bytes) and b"resync" in message:
                lost.asked.append(time.time())
            upstream.send(message)

        socket.on_message(to_server)
        upstream.on_message(to_page)

    page.route_web_socket(re.compile(r".*/_stcore/stream"), route)
    return lost
