"""The Playground's live view as a learner sees it (issue 9): a real server, a real headless Chromium, Play pressed.

For the default Playground and for the heaviest setting the limits allow (the most hidden layers × 8 neurons,
every input feature, the highest speed), over a window of playing it prints:

- frames a second shown: animation frames in which the view's status line ("Step N · epoch …") changed, read by a
  requestAnimationFrame probe injected into the page (live_view.js has no frame counter of its own), and the
  longest interval between two shown frames;
- training steps a second seen in the browser (the step counter's rise over the window);
- pause latency: Pause clicked (in the page, timed there) until the step counter stops rising;
- websocket bytes the browser receives per frame shown (playwright's frame events), and a second;
- server CPU seconds per wall second while this one learner plays, and once paused (/proc/<pid>/stat of the server);
  the browser's (Chromium and playwright's driver) beside it: on one machine they share the cores.

TensorFlow Playground's figures stand beside them: it trains in the browser, about 60 frames a second, one epoch
(250 points at batch 10: 25 steps) a frame, so about 1,500 steps a second, with no server at all.

Run: .venv/bin/python benchmarks/live_view.py [--quick] [--seconds 10]   (needs `make test`'s playwright and chromium)
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import arguments  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# The tests' flags (no dialling out), and no throttling of pages that are not in front: each page stands for a
# learner's own browser, which has its page in front.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-background-timer-throttling",
                 "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"]
VIEWPORT = {"width": 1400, "height": 1000}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PLAY = ".live-view button.play"

# Injected into every page before its scripts run: on every animation frame, the live view's status line (inside
# the component's open shadow root; the Builder's live charts have one too), or else a status line drawn with
# st.markdown; each change is one frame
# shown, kept as [time (ms, the page's clock), step].
PROBE_JS = r"""
(() => {
  const STEP = /^Step ([\d,]+) · epoch/;
  const probe = { changes: [], animationFrames: 0, text: null, element: null, searched: -1e9 };
  const inShadow = (root) => {
    const hit = root.querySelector(".live-view .status, .live-charts .status");
    if (hit) return hit;
    for (const host of root.querySelectorAll("*")) {
      const found = host.shadowRoot && inShadow(host.shadowRoot);
      if (found) return found;
    }
    return null;
  };
  const find = () => inShadow(document) || [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
    .find((element) => STEP.test(element.textContent)) || null;
  const frame = (now) => {
    probe.animationFrames += 1;
    if (!(probe.element && probe.element.isConnected) && now - probe.searched > 250) {
      probe.searched = now;  // searching every element is not free: at most four times a second
      probe.element = find();
    }
    const text = probe.element && probe.element.isConnected ? probe.element.textContent : null;
    if (text !== null && text !== probe.text) {
      probe.text = text;
      const match = STEP.exec(text);
      if (match) probe.changes.push([now, Number(match[1].replace(/,/g, ""))]);
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  window.__dlProbe = probe;
})();
"""


# ---------------------------------------------------------------- processes: the server, CPU and memory


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``streamlit run app.py`` on a free local port, as `make run` serves it (plus any ``settings``, command-line
    flags); stopped on leaving the block."""

    def __init__(self, *settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile("w+", prefix="dl-lab-bench-server-", suffix=".log", delete=False)
        streamlit = Path(sys.executable).parent / "streamlit"
        command = [str(streamlit)] if streamlit.exists() else [sys.executable, "-m", "streamlit"]
        self.process = subprocess.Popen(
            command + ["run", "app.py", "--server.port", str(self.port), "--server.headless", "true",
                       "--server.address", "127.0.0.1", *settings],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, "DL_LAB_DEVICE": "cpu"})
        self.pid = self.process.pid

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the server did not start; see {self.log.name}")

    def __exit__(self, *_) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process, all its threads (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime and stime: fields 14 and 15 of stat


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children, their children, …)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def browser_cpu_seconds(server: Server) -> float:
    """CPU time of this script's children other than the server: Chromium's processes and playwright's driver."""
    return sum(cpu_seconds(pid) for pid in descendants(os.getpid()) - {server.pid} - descendants(server.pid))


class CpuMeter:
    """CPU seconds per wall second of the server and of the browser, between ``start`` and ``stop``."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def start(self) -> CpuMeter:
        self.wall, self.cpu, self.browser = time.monotonic(), cpu_seconds(self.server.pid), \
            browser_cpu_seconds(self.server)
        return self

    def stop(self) -> tuple[float, float]:
        wall = time.monotonic() - self.wall
        return ((cpu_seconds(self.server.pid) - self.cpu) / wall,
                (browser_cpu_seconds(self.server) - self.browser) / wall)


def stop_on_signals(server: Server) -> None:
    """On Ctrl-C or SIGTERM the server is stopped at once, then the script unwinds (closing the browser). At once,
    because playwright's event loop can swallow a KeyboardInterrupt raised while it waits; then the next call to a
    page fails instead, and the script still ends."""

    def stop(signum, _frame) -> None:
        if server.process.poll() is None:
            server.process.terminate()
        raise KeyboardInterrupt if signum == signal.SIGINT else SystemExit(128 + signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


# ---------------------------------------------------------------- a browser, its pages, what they showed


def launch(playwright):
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def new_page(browser, context=None):
    """A page with the frame probe; in a new context (a learner of its own) unless one is given."""
    if context is None:
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(PROBE_JS)
    page = context.new_page()
    page.set_default_timeout(120_000)
    return page


def open_playground(page, server: Server, query: str = "") -> None:
    page.goto(f"{server.url}/Playground{query}")
    page.locator(PLAY).wait_for()
    page.locator(".live-view .status").filter(has_text="Step 0").wait_for()
    page.wait_for_timeout(1000)  # the layout settles once the first frame has drawn


def press_play(page) -> None:
    button = page.locator(PLAY)
    if "Play" in button.inner_text():
        button.click()


def page_clock(page) -> float:
    return page.evaluate("performance.now()")


def changes(page, since: float = 0.0) -> list[tuple[float, int]]:
    """The frames shown since ``since`` (page clock, ms): (time, step) each."""
    return [tuple(c) for c in page.evaluate("(t) => window.__dlProbe.changes.filter((c) => c[0] >= t)", since)]


@dataclass(frozen=True)
class Shown:
    """What one page showed over a window."""

    frames: int
    seconds: float
    steps: int
    longest_interval: float  # seconds between two shown frames (the window's edges count as frames)

    @property
    def frames_per_second(self) -> float:
        return self.frames / self.seconds

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds


def shown(page, start: float, end: float) -> Shown:
    """Frames shown and steps seen on ``page`` between two readings of its clock (ms)."""
    seen = [c for c in changes(page, start) if c[0] <= end]
    before = [c for c in changes(page) if c[0] < start]
    first_step = before[-1][1] if before else (seen[0][1] if seen else 0)
    times = [start] + [t for t, _ in seen] + [end]
    longest = max(b - a for a, b in zip(times, times[1:]))
    return Shown(len(seen), (end - start) / 1000, (seen[-1][1] - first_step) if seen else 0, longest / 1000)


class Traffic:
    """The websocket frames a page receives and sends while ``counting``: bytes and messages, and how many received
    messages carry the live view's own JavaScript (found by a piece of live_view.js's text)."""

    MARKER = (ROOT / "ui/components/live_view.js").read_bytes()[:80]

    def __init__(self, page) -> None:
        self.counting = False
        self.received = self.sent = self.messages_received = self.messages_sent = self.carrying_script = 0
        page.on("websocket", self.watch)

    def watch(self, websocket) -> None:
        websocket.on("framereceived", self.on_received)
        websocket.on("framesent", self.on_sent)

    def on_received(self, payload) -> None:
        if self.counting:
            payload = payload if isinstance(payload, bytes) else payload.encode()
            self.received += len(payload)
            self.messages_received += 1
            self.carrying_script += self.MARKER in payload

    def on_sent(self, payload) -> None:
        if self.counting:
            self.sent += len(payload)
            self.messages_sent += 1


# ---------------------------------------------------------------- one learner, one setting


@dataclass(frozen=True)
class Figures:
    shown: Shown
    animation_frames_per_second: float
    pause_ms: float
    steps_after_pause: int
    paused_at_once: bool
    bytes_per_frame: float
    bytes_per_second: float
    sent_per_second: float
    sent_per_frame: float  # messages the browser sends (rerun requests) per frame shown
    script_per_frame: float  # received messages carrying live_view.js, per frame shown
    frame_payload: int  # bytes of a later frame as dl_core builds it (live_frames.frame_size)
    server_cpu_playing: float
    server_cpu_paused: float
    browser_cpu_playing: float


def wait_until_still(page, since: float, quiet: float, longest: float = 30.0) -> None:
    """Waits until the step counter has not moved for ``quiet`` seconds after ``since`` (page clock, ms)."""
    deadline = time.monotonic() + longest
    while time.monotonic() < deadline:
        page.wait_for_timeout(250)
        moved = changes(page, since)
        if page_clock(page) - (moved[-1][0] if moved else since) > quiet * 1000:
            return


def measure(browser, server: Server, query: str, payload: int, seconds: float) -> Figures:
    page = new_page(browser)
    try:
        traffic = Traffic(page)
        open_playground(page, server, query)
        press_play(page)
        page.locator(".live-view .status").filter(has_text="epoch").wait_for()
        page.wait_for_timeout(2000)  # warm-up: the first ticks after Play rerun the page
        meter = CpuMeter(server).start()
        animation = page.evaluate("window.__dlProbe.animationFrames")
        start = page_clock(page)
        traffic.counting = True
        page.wait_for_timeout(seconds * 1000)  # playwright hands over the websocket events meanwhile
        traffic.counting = False
        end = page_clock(page)
        animation = (page.evaluate("window.__dlProbe.animationFrames") - animation) / ((end - start) / 1000)
        server_playing, browser_playing = meter.stop()
        window = shown(page, start, end)

        clicked = page.locator(PLAY).evaluate("(button) => { const t = performance.now(); button.click(); return t; }")
        paused_at_once = "Play" in page.locator(PLAY).inner_text()
        wait_until_still(page, clicked, quiet=max(1.0, 3 * window.longest_interval))
        before = [step for t, step in changes(page) if t < clicked]
        step_at_click = before[-1] if before else 0
        later = [(t, step) for t, step in changes(page, clicked) if step > step_at_click]
        pause_ms = (later[-1][0] - clicked) if later else 0.0
        steps_after = (later[-1][1] - step_at_click) if later else 0
        idle = CpuMeter(server).start()
        page.wait_for_timeout(min(seconds, 3) * 1000)
        server_paused, _ = idle.stop()
    finally:
        page.context.close()
    frames = max(window.frames, 1)
    return Figures(window, animation, pause_ms, steps_after, paused_at_once, traffic.received / frames,
                   traffic.received / window.seconds, traffic.sent / window.seconds, traffic.messages_sent / frames,
                   traffic.carrying_script / frames, payload, server_playing, server_paused, browser_playing)


def settings() -> dict[str, tuple[str, int]]:
    """The two settings measured: the query of a link (the default needs none; the heaviest is the one
    benchmarks/playground.py times without a browser) and the bytes of a frame as dl_core builds it."""
    from playground import DEFAULT, HEAVY

    from dl_core import make_run, to_query
    from dl_core.analyses.live_frames import frame_size

    return {"default": ("", frame_size(make_run(DEFAULT))),
            "heaviest": ("?" + urlencode(to_query(HEAVY)), frame_size(make_run(HEAVY)))}


def report(results: dict[str, Figures], names: dict[str, tuple[str, int]]) -> None:
    columns = list(results)
    print(f"\n{'':<44}" + "".join(f"{name:>14}" for name in columns) + f"  {'TF Playground':<27}target (issue 9)")

    def line(label: str, values: list[str], tf: str, target: str = "") -> None:
        print(f"{label:<44}" + "".join(f"{v:>14}" for v in values) + f"  {tf:<27}{target}".rstrip())

    r = [results[c] for c in columns]
    line("frames/s shown", [f"{f.shown.frames_per_second:.1f}" for f in r], "~60", "≥30 default, ≥15 heaviest")
    line("longest interval between frames (ms)", [f"{f.shown.longest_interval * 1000:.0f}" for f in r], "~17")
    line("training steps/s seen", [f"{f.shown.steps_per_second:,.0f}" for f in r],
         "~1,500 (an epoch a frame)", "≥1,500 default")
    line("pause latency: click → steps stop (ms)", [f"{f.pause_ms:.0f}" for f in r], "0 (in the browser)", "≤150")
    line("steps trained after the click", [f"{f.steps_after_pause:,}" for f in r], "0")
    line("button shows the paused state at once", ["yes" if f.paused_at_once else "NO" for f in r], "yes")
    line("websocket bytes received per frame", [f"{f.bytes_per_frame:,.0f}" for f in r], "0 (no server)")
    line("  of which the frame itself (dl_core)", [f"{f.frame_payload:,}" for f in r], "")
    line("  messages carrying live_view.js per frame", [f"{f.script_per_frame:.2f}" for f in r], "")
    line("websocket kB/s received · sent", [f"{f.bytes_per_second / 1e3:,.0f} · {f.sent_per_second / 1e3:,.1f}"
                                            for f in r], "0")
    line("messages the browser sends per frame shown", [f"{f.sent_per_frame:.1f}" for f in r], "0")
    line("server CPU s per wall s, playing", [f"{f.server_cpu_playing:.2f}" for f in r], "0 (trains in the browser)",
         "falls (issue 12: 30 learners a server)")
    line("server CPU s per wall s, paused", [f"{f.server_cpu_paused:.2f}" for f in r], "0")
    line("browser + driver CPU s per wall s, playing", [f"{f.browser_cpu_playing:.2f}" for f in r], "")
    line("animation frames/s the page ran (display)", [f"{f.animation_frames_per_second:.0f}" for f in r], "60")
    for column, (query, _) in names.items():
        print(f"  {column}: /Playground{query[:150]}{'…' if len(query) > 150 else ''}")


def main() -> None:
    args = arguments(__doc__, seconds=dict(type=float, default=None, help="seconds of playing measured (10)"))
    seconds = args.seconds or (4.0 if args.quick else 10.0)
    from playwright.sync_api import sync_playwright

    names = settings()
    print(f"One learner on the Playground, {seconds:g} s of playing each; server and headless Chromium share this "
          f"machine's {os.cpu_count()} cores" + (" (--quick: a check that it runs, not figures)" if args.quick else ""),
          flush=True)
    with Server() as server, sync_playwright() as playwright:
        stop_on_signals(server)
        browser = launch(playwright)
        try:
            results = {}
            for name, (query, payload) in names.items():
                results[name] = measure(browser, server, query, payload, seconds)
                print(f"  {name}: {results[name].shown.frames_per_second:.1f} frames/s", flush=True)
        finally:
            browser.close()
    report(results, names)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("\ninterrupted: the server and the browser are stopped")
