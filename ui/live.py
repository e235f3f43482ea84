"""The one live-fragment helper every lab uses: Play/Pause, Step and Reset, then (while playing) one tick
of training and a redraw, on a timer. How fast the network learns is the spec's speed in steps a second,
measured against the clock, so it does not depend on how often the browser manages to redraw.
"""

from __future__ import annotations

import time
from typing import Callable

import streamlit as st

from dl_core import Run
from ui import state
from ui.page import guarded

TICK_SECONDS = 0.1  # a redraw every tick while playing
MAX_CATCH_UP = 4  # a late tick trains at most this many ticks' worth of steps


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


def tick(entries: list[state.Live], every: float) -> None:
    """One tick of playing runs: the steps the clock says are due (bounded), the same number for every run
    trained together, then the divergence check."""
    if not entries[0].playing:
        return
    now = time.monotonic()
    elapsed = min(max(now - entries[0].last_tick, every), MAX_CATCH_UP * every)
    due = max(1, round(entries[0].run.spec.view.speed * elapsed))
    for entry in entries:
        entry.last_tick = now
        entry.run.trainer.step(due)
    if any(entry.run.trainer.diverged for entry in entries):
        for entry in entries:
            entry.playing = False
        st.rerun()


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
            if entry.run.trainer.diverged:
                st.error(f"{label}: {entry.run.trainer.diverged}" if label else entry.run.trainer.diverged,
                         icon=":material/warning:")
            status_line(entry.run, label)
        draw(*(entry.run for entry in entries))

    panel()


def every_while_playing(slot_name: str, seconds: float) -> float | None:
    """A slower timer for views beside the live panel (curves, a confusion matrix)."""
    return seconds if state.live(slot_name).playing else None
