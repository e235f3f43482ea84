"""How many learners one server holds when each learner's browser runs on their own machine (issue 12).

benchmarks/classroom.py runs every learner's Chromium on the server's own two cores, so from five learners on it
measures the browsers more than the server. Here the learners are websocket clients that speak Streamlit's own
protocol and send what a browser sends, and nothing else runs on the machine:

1. one real Chromium opens the Playground and presses Play once, and the messages it sends are recorded: the
   page's first run, the Play (a trigger of the live view) and the live fragment's timed reruns; then it closes;
2. N clients join one by one, each a session of its own: the first run, Play, then a timed rerun at the
   interval the server sets (``FRAME_SECONDS``, longer when many learners play), as the browser's timer sends
   them;
3. while all N play, it counts per learner the frames that arrive (a tick's message carries several) and the
   steps they show, and the server's CPU and memory.

What a learner would see is the frames that arrive, as long as their own browser draws them (one Chromium draws
the Playground's 40 a second on one laptop core: benchmarks/live_view.py). For each N it prints frames a second
per learner (mean and slowest), the learners with ≥ 10, training steps a second per learner, server CPU and
resident memory.

Run: .venv/bin/python benchmarks/server_capacity.py [--quick] [--learners 1,5,10,20,30] [--seconds 10]
     (needs `make test`'s playwright and chromium for the recording)
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from _timing import arguments  # noqa: E402
from dl_core.analyses.frames import decode, parts  # noqa: E402
from live_view import CpuMeter, Server, launch, new_page, open_playground, resident_mb, stop_on_signals  # noqa: E402
from ui.components.loader import payload  # noqa: E402
from ui.labs.playground import FRAME_SECONDS  # noqa: E402

GOAL_FRAMES = 10  # issue 12: 30 learners a two-core server, each at ≥ 10 frames a second
# The recorded browser's session goes; each client is a new one. The XSRF token of a browser's cookie is not
# replayed: the benchmark's server runs without that check (it guards forms, not speed).
SERVER_SETTINGS = ("--server.enableXsrfProtection", "false")


@dataclass
class Script:
    """What a browser sent: the page's first run, Play, a timed rerun of the live fragment (BackMsg bytes)."""

    first: bytes
    play: bytes
    tick: bytes


def record(server: Server) -> Script:
    """One Chromium opens the Playground and plays for a moment; its websocket messages are kept."""
    from playwright.sync_api import sync_playwright

    sent: list[bytes] = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = new_page(browser)
        page.on("websocket", lambda socket: socket.on(
            "framesent", lambda data: sent.append(data if isinstance(data, bytes) else data.encode())))
        open_playground(page, server)
        played_from = len(sent)
        page.locator(".live-view button.play").click()
        page.wait_for_timeout(int(4 * FRAME_SECONDS * 1000) + 1500)
        browser.close()
    reruns = [(k, BackMsg.FromString(raw)) for k, raw in enumerate(sent)]
    reruns = [(k, m.rerun_script) for k, m in reruns if m.WhichOneof("type") == "rerun_script"]
    first = next(sent[k] for k, state in reruns if not state.fragment_id)
    play = next(sent[k] for k, state in reruns if k >= played_from and state.fragment_id and not state.is_auto_rerun)
    tick = next(sent[k] for k, state in reruns if k >= played_from and state.is_auto_rerun)
    return Script(first, play, tick)


@dataclass
class Seen:
    """What one learner's client received."""

    frames: list[float] = field(default_factory=list)  # arrival time of each frame (a tick's frames arrive together)
    steps: list[tuple[float, int]] = field(default_factory=list)  # (time, step) of each message's last frame
    errors: int = 0


def frames_in(forward: ForwardMsg) -> tuple[int, int] | None:
    """(frames, the last frame's step) when a ForwardMsg carries the live view's frame; None otherwise."""
    if forward.WhichOneof("type") != "delta" or forward.delta.WhichOneof("type") != "new_element":
        return None
    element = forward.delta.new_element
    if element.WhichOneof("type") != "bidi_component" or element.bidi_component.WhichOneof("data") != "bytes":
        return None
    frames = parts(payload(element.bidi_component.bytes))
    header, _ = decode(frames[-1])
    return (len(frames), int(header["step"])) if "step" in header else None


async def learner(url: str, script: Script, playing: asyncio.Event, stop: asyncio.Event, seen: Seen) -> None:
    """One learner: the page, Play, then the browser's timer until ``stop``, at the interval the server sets
    (``auto_rerun``: a busy server ticks each learner less often)."""
    interval = [FRAME_SECONDS]
    async with websockets.connect(url, subprotocols=["streamlit"], max_size=None) as socket:
        async def receive() -> None:
            async for message in socket:
                if not isinstance(message, bytes):
                    continue
                forward = ForwardMsg.FromString(message)
                if forward.WhichOneof("type") == "auto_rerun":
                    interval[0] = forward.auto_rerun.interval
                found = frames_in(forward)
                if found:
                    now = time.monotonic()
                    seen.frames.extend([now] * found[0])
                    seen.steps.append((now, found[1]))

        reader = asyncio.create_task(receive())
        await socket.send(script.first)
        while not seen.steps:  # the page's first frame: Step 0
            await asyncio.sleep(0.05)
        await socket.send(script.play)
        playing.set()
        while not stop.is_set():
            await asyncio.sleep(interval[0])
            await socket.send(script.tick)
        reader.cancel()


@dataclass(frozen=True)
class Row:
    learners: int
    frames_mean: float
    frames_slowest: float
    reaching_goal: int
    steps_mean: float
    cpu: float
    memory_mb: float
    clients_cpu: float  # this benchmark's own, all learners' clients: on the same cores, it is not the server's


async def measure(server: Server, script: Script, n: int, seconds: float) -> Row:
    url = server.url.replace("http", "ws") + "/_stcore/stream"
    stop = asyncio.Event()
    seen = [Seen() for _ in range(n)]
    events = [asyncio.Event() for _ in range(n)]
    tasks = []
    for k in range(n):  # one by one, as a class joins
        tasks.append(asyncio.create_task(learner(url, script, events[k], stop, seen[k])))
        await asyncio.wait_for(events[k].wait(), 120)
    await asyncio.sleep(2.0)  # warm-up: each Play reruns its page once
    meter = CpuMeter(server).start()
    start, own = time.monotonic(), time.process_time()
    await asyncio.sleep(seconds)
    end, own = time.monotonic(), time.process_time() - own
    cpu, _ = meter.stop()
    memory = resident_mb(server.pid)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    rates, steps = [], []
    for s in seen:
        rates.append(sum(start <= t <= end for t in s.frames) / (end - start))
        inside = [step for t, step in s.steps if start <= t <= end]
        before = [step for t, step in s.steps if t < start]
        steps.append(((inside[-1] - (before[-1] if before else inside[0])) / (end - start)) if inside else 0.0)
    return Row(n, statistics.mean(rates), min(rates), sum(r >= GOAL_FRAMES for r in rates), statistics.mean(steps),
               cpu, memory, own / (end - start))


def main() -> None:
    args = arguments(__doc__, learners={"help": "learner counts, e.g. 1,5,10,20,30"},
                     seconds={"type": float, "help": "seconds measured for each count"})
    counts = [int(n) for n in (args.learners or ("1,5" if args.quick else "1,5,10,20,30")).split(",")]
    seconds = args.seconds or (4.0 if args.quick else 10.0)
    with Server(*SERVER_SETTINGS) as server:
        stop_on_signals(server)
        script = record(server)
        print(f"Learners on one server, their browsers elsewhere: each a websocket session replaying a browser's "
              f"messages (the Playground, Play, a timed rerun every {FRAME_SECONDS:g} s or as the server says); "
              f"{seconds:g} s measured "
              f"each; nothing else runs on this machine's cores")
        print(f"\n{'learners':>8} │ {'frames/s':>8} {'slowest':>8} {'≥10/s':>7} │ {'steps/s':>8} │ "
              f"{'server CPU':>10} {'memory':>8} │ {'clients CPU':>11}")
        print(f"{'':>8} │ {'mean':>8} {'learner':>8} {'':>7} │ {'mean':>8} │ {'% of core':>10} {'MB':>8} │ "
              f"{'% of core':>11}")
        for n in counts:
            row = asyncio.run(measure(server, script, n, seconds))
            print(f"{row.learners:>8} │ {row.frames_mean:>8.1f} {row.frames_slowest:>8.1f} "
                  f"{f'{row.reaching_goal}/{row.learners}':>7} │ {row.steps_mean:>8,.0f} │ {row.cpu:>9.0%} "
                  f"{row.memory_mb:>8.0f} │ {row.clients_cpu:>10.0%}")


if __name__ == "__main__":
    main()
