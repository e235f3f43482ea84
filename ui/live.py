"""The one live-fragment helper every lab uses: Play/Pause, Step and Reset, then (while playing) one tick
of training and a redraw, on a timer. How fast the network learns is the spec's speed in steps a second,
measured against the clock, so it does not depend on how often the browser manages to redraw.

Ways to redraw: the Playground's own live view (ui/labs/playground.py) and ``live_charts_panel`` send compact
frames to canvas views that repaint in place (the Builder, Gradient Flow, the Loss Landscape's path use the latter);
``live_panel`` reruns Streamlit elements (plotly charts) a few times a second, for the labs not moved yet.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Iterator, Sequence
from weakref import WeakKeyDictionary

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType

from dl_core import Run
from dl_core.analyses.chart_frames import Panel, chart_frame
from dl_core.analyses.frames import run_status
from ui import state
from ui.components.live_charts import live_charts
from ui.components.live_view import trigger
from ui.page import guarded

TICK_SECONDS = 0.1  # a redraw every tick while playing
CHART_TICK_SECONDS = 0.1  # the live charts' data ticks; the browser spreads each tick's records over the next tick
TICK_PARTS = 4  # a tick trains in parts; a click during one ends the tick after the part (asked_meanwhile)
FLUSH_SECONDS = 0.04  # let_the_frame_go (20 ms let 88 % of the frames out at 30 learners, 40 ms 90 %)
MAX_CATCH_UP = 4  # a late tick trains at most this many ticks' worth of steps
FIRST_STEPS = 8  # a run's first tick, while what a step costs on this server is not known
TRAIN_SHARE = 0.8  # of the process's time between two ticks, at most, for training and frames (all learners on it
# together: sessions are threads of one process, and its Python runs on one core at a time); the rest sends them


# One session ticks at a time: its steps and the pictures of the run taken between them. Sessions are threads of
# one process: several computing at once would take turns for the interpreter at every small tensor operation,
# and that handing over cost more than the work itself (benchmarks/server_capacity.py: five learners, 445 steps a
# second between them and 12.7 frames a second each when only training was not shared, 820–1,130 steps and
# 17–27 frames with it; 30 learners, 1.5 frames a second each with the pictures shared, 11 without).
_ONE_AT_A_TIME = threading.Lock()
LEARNERS_AT_FULL_PACE = 8  # live views ticking at their own pace on one process; more, and each ticks less often
_ticked: dict[int, float] = {}  # a live view (id of its state.Live) → when it last ticked, on this process
# a trainer → what a step (with its record) and a picture of the run for a frame cost lately on this server, in
# CPU time of the session's thread; weak, so that they go with the run
_seconds_per_step: WeakKeyDictionary = WeakKeyDictionary()
_seconds_per_picture: WeakKeyDictionary = WeakKeyDictionary()


def steps_per_step_button(run: Run) -> int:
    """What Step trains: a tenth of a second's worth at the spec's speed, at least one step."""
    return max(1, round(run.spec.view.speed / 10))


def buttons(slot_names: tuple[str, ...]) -> None:
    """Play/Pause, Step and Reset for one run or several trained together. Play and Pause rerun the whole page
    so the timer starts or stops."""
    entries = [state.live(name) for name in slot_names]
    diverged = all(entry.run.trainer.diverged for entry in entries)
    play, step, restart = st.columns(3)
    key = lambda name: state.widget_key(slot_names[0], "run", name)  # noqa: E731
    if entries[0].playing:
        if play.button("Pause", icon=":material/pause:", key=key("pause"), width="stretch",
                       help="Stop training; nothing is lost"):
            for entry in entries:
                entry.playing = False
            st.rerun()
    elif play.button("Play", icon=":material/play_arrow:", key=key("play"), type="primary", width="stretch",
                     disabled=diverged, help="Train continuously and redraw as it learns"):
        for entry in entries:
            entry.playing, entry.last_tick = not entry.run.trainer.diverged, time.monotonic()
        st.rerun()
    n = steps_per_step_button(entries[0].run)
    if step.button("Step", icon=":material/skip_next:", key=key("step"), width="stretch", disabled=diverged,
                   help=f"Train {n} step{'s' if n > 1 else ''}, then stop"):
        for entry in entries:
            entry.run.trainer.step(n)
        st.rerun()  # the whole page: views outside the live fragment follow the new weights too
    if restart.button("Reset", icon=":material/restart_alt:", key=key("reset"), width="stretch",
                      help="Back to the initial weights of this seed; the step count goes back to 0"):
        for name in slot_names:
            state.reset(name)
        st.rerun()


def apply_command(slot: str, command: str) -> None:
    """What a live view's own buttons ask for: "play", "pause", "step" or "reset", or "resync" when the view
    missed a frame (anything else is ignored)."""
    entry = state.live(slot)
    if command == "play" and not entry.run.trainer.diverged:
        entry.playing, entry.last_tick = True, time.monotonic()
    elif command == "pause":
        entry.playing = False
    elif command == "step" and not entry.run.trainer.diverged:
        entry.run.trainer.step(steps_per_step_button(entry.run))
    elif command == "reset":
        state.reset(slot)
    elif command == "resync":  # the browser lost a frame: the next one carries everything
        entry.frames.static_key, entry.frames.history_sent = None, 0


def tick(entries: list[state.Live], every: float, share: float | None = None) -> None:
    """One tick of playing runs: the steps the clock has paid for since the last one (at most ``MAX_CATCH_UP``
    ticks' worth), the same number for every run trained together, then the divergence check. A fraction of a
    step carries over to the next tick, so a speed below the tick rate trains at that speed, not a step a tick.

    ``share``: the share of the time between two ticks that training and the tick's frames may take (the rest
    sends them), divided among the learners playing on this process and judged from what a step and a frame have
    cost lately (CPU time). A server that cannot keep up with the speed then trains fewer steps, not fewer frames:
    the view stays smooth and says the step count it reached. A tick that comes late (a busy server) trains no
    longer: training longer would make the next tick later still. It trains in ``TICK_PARTS`` parts, so that a
    click waits for one part, not the tick (``asked_meanwhile``)."""
    for _ in tick_in_parts(entries, every, share, parts=TICK_PARTS):
        pass


def tick_in_parts(entries: list[state.Live], every: float, share: float | None = None,
                  parts: int = 1) -> Iterator[None]:
    """``tick``, its steps trained in ``parts`` even chunks: it yields after each chunk (once when nothing is
    due), so that the caller can take a picture of the run there. The Playground sends a tick's pictures
    together and the browser shows them one after another until the next tick: more states of the run a second
    than the server reruns."""
    due = _steps_due(entries, every, share, parts)
    if not due:
        yield
        return
    with _ONE_AT_A_TIME:  # the whole tick, the caller's pictures with it
        started, training = time.thread_time(), [0.0] * len(entries)  # CPU time: other sessions' is theirs
        done = pictures = 0
        for k in range(1, parts + 1):
            chunk = due * k // parts - done
            if not chunk:
                continue
            for e, entry in enumerate(entries):
                chunk_started = time.thread_time()
                entry.run.trainer.step(chunk)
                training[e] += time.thread_time() - chunk_started
            done += chunk
            if any(entry.run.trainer.diverged for entry in entries):
                for entry in entries:
                    entry.playing = False
                st.rerun()
            yield  # the caller's picture of the run is part of the tick's cost
            pictures += 1
            if k < parts and asked_meanwhile():
                break  # a click waits for this tick: it ends here, and the time its other parts had is dropped
        # what a step cost this tick, and a picture of the run (taken between the chunks), each run's share of it
        picture = (time.thread_time() - started - sum(training)) / len(entries) / max(1, pictures)
    for e, entry in enumerate(entries):
        _remember(_seconds_per_step, entry.run.trainer, training[e] / done)
        _remember(_seconds_per_picture, entry.run.trainer, picture)


def _remember(costs: WeakKeyDictionary, trainer: object, cost: float) -> None:
    before = costs.get(trainer)
    costs[trainer] = cost if before is None else 0.7 * before + 0.3 * cost


_TRIGGERS = ("trigger_value", "string_trigger_value", "json_trigger_value")


def asked_meanwhile() -> bool:
    """Whether the learner clicked or changed something since this run began (the live view's timer aside).

    Streamlit holds a click inside a running fragment until that run ends, and a tick trains for most of its
    interval: on the heaviest network Pause took 180–260 ms to stop the steps (benchmarks/live_view.py). A tick
    asks this between its parts and ends early. Streamlit has no public call for it, so this reads the session's
    pending request (Streamlit's version is pinned; tests/app/test_live_ticks.py holds this to it) and says no
    when that is not where it expects."""
    pending = _waiting_rerun()
    if pending is None:
        return False
    if not getattr(pending, "is_auto_rerun", True):
        return True
    # a click folded into the timer's rerun that came after it: the click's trigger is among the widget states
    states = getattr(getattr(pending, "widget_states", None), "widgets", ())
    return any(state.WhichOneof("value") in _TRIGGERS and getattr(state, state.WhichOneof("value")) for state in states)


def _waiting_rerun() -> object | None:
    """The rerun this session's browser asked for while this run goes on (Streamlit's RerunData), or None."""
    requests = getattr(get_script_run_ctx(suppress_warning=True), "script_requests", None)
    if getattr(requests, "_state", None) != ScriptRequestType.RERUN:
        return None
    return getattr(requests, "_rerun_data", None)


def let_the_frame_go() -> None:
    """A moment for the frame just drawn to leave, when the next run is already waiting.

    Streamlit drops a fragment's messages not yet sent when the fragment's next run starts, and sends them from
    another thread that takes its turn for the interpreter. On a busy server a tick's run often ended with the
    next one already asked for by the browser's timer, which then started at once: with 30 learners, 40 % of the
    ticks' frames never left the server (benchmarks/server_capacity.py); with this sleep about a tenth, and the
    views ask for what they missed ("resync"). The thread sleeps: no CPU. A tick that ends with nothing waiting
    goes on at once."""
    if _waiting_rerun() is not None:
        time.sleep(FLUSH_SECONDS)


def paced(every: float) -> float:
    """How often a live view ticks: ``every`` while few learners play on this server process, and longer in
    proportion when more do. Every rerun costs the process some Python whatever it trains, and Python runs on
    one core at a time: past a handful of learners, ticks as often as one learner's would fill that core with
    reruns (benchmarks/server_capacity.py), so each tick carries more frames' worth of time instead."""
    now = time.monotonic()
    for key, seen in list(_ticked.items()):
        if now - seen > 2.0:  # a view that stopped ticking: paused, closed, gone
            _ticked.pop(key, None)
    return every * max(1.0, len(_ticked) / LEARNERS_AT_FULL_PACE)


def _steps_due(entries: list[state.Live], every: float, share: float | None, pictures: int = 1) -> int:
    """The steps the clock has paid for since the last tick, within ``share`` of the process's time divided
    among the learners playing on it, less what the tick's ``pictures`` cost; the clock moves on."""
    if not entries[0].playing:
        return 0
    now = time.monotonic()
    _ticked[id(entries[0])] = now
    speed = entries[0].run.spec.view.speed
    elapsed = min(max(0.0, now - entries[0].last_tick), MAX_CATCH_UP * every)
    due = int(speed * elapsed)
    if not due:
        return 0
    trainers = [entry.run.trainer for entry in entries]
    if share is not None and not all(t in _seconds_per_step for t in trainers):
        due = min(due, FIRST_STEPS)  # what a step costs here is not known yet: a few, to learn it
        elapsed = min(elapsed, due / speed)
    elif share is not None:
        share /= max(1, len(_ticked))  # the learners playing on this process share its one core for Python
        budget = share * every - pictures * sum(_seconds_per_picture.get(t, 0.0) for t in trainers)
        # at least a step a picture, so that each picture shows the run move
        affordable = max(min(due, pictures), int(budget / sum(_seconds_per_step[t] for t in trainers)))
        if due > affordable:
            due = affordable
            elapsed = due / speed  # the rest of the time is not owed: it is dropped
    for entry in entries:
        entry.last_tick = now - (elapsed - due / speed)
    return due


def status_line(run: Run, label: str = "") -> None:
    trainer = run.trainer
    h = trainer.history
    accuracy = h.last("test_accuracy")
    st.markdown(
        (f"{label} · " if label else "") + f"**Step {trainer.step_count:,}** · epoch {trainer.epoch:,.1f} · "
        f"train loss **{h.last('train_loss'):.4f}** · test loss **{h.last('test_loss'):.4f}**"
        + ("" if accuracy != accuracy else f" · test accuracy **{accuracy:.1%}**")
    )


def live_panel(slot_names: str | tuple[str, ...], draw: Callable[..., None], every: float = TICK_SECONDS,
               labels: tuple[str, ...] = ()) -> None:
    """The buttons, a tick, the status line and ``draw(run, …)`` (one run per slot), rerun on a timer while
    playing. Several slots train together (the same buttons, the same ticks); ``labels`` name them."""
    names = (slot_names,) if isinstance(slot_names, str) else tuple(slot_names)
    playing = state.live(names[0]).playing

    @st.fragment(run_every=every if playing else None)
    @guarded
    def panel() -> None:
        buttons(names)
        entries = [state.live(name) for name in names]
        tick(entries, every)
        for label, entry in zip(labels or ("",) * len(entries), entries):
            notice = st.container()  # one slot, empty or not: what follows keeps its place when a run diverges
            if entry.run.trainer.diverged:
                notice.error(f"{label}: {entry.run.trainer.diverged}" if label else entry.run.trainer.diverged,
                             icon=":material/warning:")
            status_line(entry.run, label)
        draw(*(entry.run for entry in entries))

    panel()


def live_charts_panel(slot: str, panels: Callable[[Run], Sequence[Panel]], every: float = CHART_TICK_SECONDS) -> None:
    """A lab's live view: the charts ``panels(run)`` describes, under their own Play/Pause, Step and Reset and
    status line, fed one compact frame a tick while playing (every ``every`` seconds).

    A tick: the command a button sent (once), the steps the clock says are due, then the frame, which carries
    only what the browser does not have yet (new records, changed panels). The browser shows a tick's records
    one after another over the time until the next tick, repainting about 30 times a second, so the view moves
    smoothly while the server reruns only ten times a second: a server rerun costs a few milliseconds of CPU
    whatever it sends, and that, times the learners playing, is what bounds a classroom (issue 12).
    A command reruns the whole page once its frame has gone out: Play and Pause start or stop the timer, and views
    outside the live view follow Step and Reset (and the verdicts, the 2D slice: the paused weights)."""
    key = state.widget_key(slot, "live_charts")
    entry = state.live(slot)
    entry.frames.static_key = None  # a page run may mount the view afresh: its first frame carries everything
    playing = entry.playing

    @st.fragment(run_every=every if playing else None)
    @guarded
    def view() -> None:
        command = trigger(key, "command", state.live(slot).frames.extra)
        if command:
            apply_command(slot, command)
        live = state.live(slot)
        tick([live], every, share=TRAIN_SHARE)
        run = live.run
        status = run_status(run, live.playing, run.spec.view.speed)
        live_charts(chart_frame(panels(run), live.frames, status, identity=id(run.trainer)), key)
        let_the_frame_go()
        # after the frame: the view shows the paused state, the last step ("resync" only asks for a full frame)
        if (command and command != "resync") or live.playing != playing:
            st.rerun()

    view()


def every_while_playing(slot_name: str, seconds: float) -> float | None:
    """A slower timer for views beside the live panel (curves, a confusion matrix)."""
    return seconds if state.live(slot_name).playing else None
