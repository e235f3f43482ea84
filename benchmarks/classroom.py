"""A class on one server (issue 12): N learners as real sessions, each a headless Chromium context (one browser)
that opens the Playground and presses Play; every second learner also has the Builder open in a second tab,
training the LeNet-style digits CNN live (its Play). Learners join one by one, up to each N in turn (1, 5, 10, 20,
30 unless told), and all of them play while it measures for a few seconds. For each N it prints:

- Playground frames a second per learner (mean, and the slowest learner's), counted in each page as in
  benchmarks/live_view.py (a requestAnimationFrame probe on the status line), and how many learners see ≥ 10;
- the slowest learner's longest interval between two frames, and the training steps a second learners see;
- the Builder tabs' frames and steps a second (mean);
- the server's CPU (% of one core; 100 × the cores is the whole machine) and resident memory, and the memory per
  session above the server's after a warm-up visit (each tab is a Streamlit session);
- the browser's CPU beside it: here the browsers share the server's cores, as in the issue's measurements.

The server and the browser are stopped on the way out, Ctrl-C or SIGTERM included.

Run: .venv/bin/python benchmarks/classroom.py [--quick] [--learners 1,5,10,20,30] [--seconds 10] [--no-builder]
     (needs `make test`'s playwright and chromium)
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import arguments  # noqa: E402
from live_view import (  # noqa: E402
    CpuMeter, Server, Shown, launch, new_page, open_playground, page_clock, press_play, resident_mb, shown,
    stop_on_signals,
)

GOAL_FRAMES = 10  # issue 12: 30 learners a two-core server, each at ≥ 10 frames a second


@dataclass
class Learner:
    playground: object  # a playwright Page
    builder: object | None = None

    @property
    def pages(self) -> list:
        return [self.playground] + ([self.builder] if self.builder else [])

    def close(self) -> None:
        self.playground.context.close()


def join(browser, server: Server, with_builder: bool) -> Learner:
    """A new learner: its own context; the Playground playing, and the Builder's CNN training in a second tab."""
    page = new_page(browser)
    open_playground(page, server)
    press_play(page)
    learner = Learner(page)
    if with_builder:
        builder = new_page(browser, page.context)
        builder.goto(f"{server.url}/Builder")
        play = builder.locator(".live-charts .play")  # the live charts' own button, in their shadow root
        play.wait_for()
        play.click()
        builder.locator(".live-charts .play", has_text="Pause").wait_for()
        learner.builder = builder
    return learner


def warm_up(browser, server: Server) -> None:
    """One visit to both pages, so that the baseline memory holds the imported modules and caches, not sessions."""
    page = new_page(browser)
    try:
        open_playground(page, server)
        page.goto(f"{server.url}/Builder")
        page.locator(".live-charts .play").wait_for()
    finally:
        page.context.close()


@dataclass(frozen=True)
class Row:
    learners: int
    sessions: int
    playground: list[Shown]
    builder: list[Shown]
    server_cpu: float  # CPU seconds per wall second
    browser_cpu: float
    server_mb: float
    baseline_mb: float


def measure(learners: list[Learner], server: Server, seconds: float, baseline_mb: float) -> Row:
    pages = [page for learner in learners for page in learner.pages]
    starts = [page_clock(page) for page in pages]
    meter = CpuMeter(server).start()
    pages[0].wait_for_timeout(seconds * 1000)
    server_cpu, browser_cpu = meter.stop()
    server_mb = resident_mb(server.pid)
    seen = {id(page): shown(page, start, page_clock(page)) for page, start in zip(pages, starts)}
    return Row(len(learners), len(pages), [seen[id(learner.playground)] for learner in learners],
               [seen[id(learner.builder)] for learner in learners if learner.builder], server_cpu, browser_cpu,
               server_mb, baseline_mb)


HEADER = (f"{'learners':>8} {'tabs':>5} │ {'frames/s':>8} {'slowest':>8} {'≥' + str(GOAL_FRAMES) + '/s':>6} "
          f"{'longest gap':>11} {'steps/s':>8} │ {'Builder':>8} {'steps/s':>8} │ {'server CPU':>10} {'memory':>8} "
          f"{'per tab':>8} │ {'browser CPU':>11}")
UNITS = (f"{'':>8} {'':>5} │ {'mean':>8} {'learner':>8} {'':>6} {'(slowest)':>11} {'mean':>8} │ {'frames/s':>8} "
         f"{'mean':>8} │ {'% of core':>10} {'MB':>8} {'MB':>8} │ {'% of core':>11}")


def print_row(row: Row) -> None:
    rates = [s.frames_per_second for s in row.playground]
    slowest = min(row.playground, key=lambda s: s.frames_per_second)
    builder = f"{'–':>8} {'–':>8}"
    if row.builder:
        builder = (f"{statistics.mean(s.frames_per_second for s in row.builder):8.1f} "
                   f"{statistics.mean(s.steps_per_second for s in row.builder):8,.0f}")
    per_tab = (row.server_mb - row.baseline_mb) / row.sessions
    print(f"{row.learners:>8} {row.sessions:>5} │ {statistics.mean(rates):8.1f} {min(rates):8.1f} "
          f"{sum(r >= GOAL_FRAMES for r in rates):>3}/{row.learners:<2} {slowest.longest_interval * 1000:9,.0f}ms "
          f"{statistics.mean(s.steps_per_second for s in row.playground):8,.0f} │ {builder} │ "
          f"{row.server_cpu * 100:9.0f}% {row.server_mb:8,.0f} {per_tab:8.1f} │ {row.browser_cpu * 100:10.0f}%",
          flush=True)


def main() -> None:
    args = arguments(__doc__, learners=dict(default=None, help="how many learners, e.g. 1,5,10,20,30"),
                     seconds=dict(type=float, default=None, help="seconds measured for each number of learners (10)"),
                     no_builder=dict(action="store_true", help="the Playground only, no Builder tabs"))
    counts = sorted({int(n) for n in (args.learners or ("1,5" if args.quick else "1,5,10,20,30")).split(",")})
    seconds = args.seconds or (5.0 if args.quick else 10.0)
    from playwright.sync_api import sync_playwright

    print(f"A class on one server: {', '.join(map(str, counts))} learners, each playing the default Playground"
          + ("" if args.no_builder else ", every second one also training the Builder's CNN in a second tab")
          + f"; {seconds:g} s measured each; server and headless Chromium share this machine's {os.cpu_count()} "
          "cores" + (" (--quick: a check that it runs, not figures)" if args.quick else ""), flush=True)
    began = time.monotonic()
    learners: list[Learner] = []
    with Server() as server, sync_playwright() as playwright:
        stop_on_signals(server)
        browser = launch(playwright)
        try:
            warm_up(browser, server)
            time.sleep(2)
            baseline = resident_mb(server.pid)
            print(f"server after a warm-up visit: {baseline:,.0f} MB resident\n\n{HEADER}\n{UNITS}", flush=True)
            for count in counts:
                while len(learners) < count:
                    learners.append(join(browser, server, with_builder=not args.no_builder and len(learners) % 2 == 1))
                pages = [page for learner in learners for page in learner.pages]
                pages[0].wait_for_timeout(3000)  # the newest learners' first ticks rerun their pages
                print_row(measure(learners, server, seconds, baseline))
        finally:
            for learner in learners:
                with contextlib.suppress(Exception):  # a browser already gone (Ctrl-C reaches it too)
                    learner.close()
            with contextlib.suppress(Exception):
                browser.close()
    print(f"\n(took {time.monotonic() - began:,.0f} s)")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("\ninterrupted: the server and the browser are stopped")
