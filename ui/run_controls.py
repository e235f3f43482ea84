"""A live run kept in the session: the Trainer for the current spec, its probes, and play/pause/step/reset."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, TypeVar

import streamlit as st

from dl_core import Spec, Trainer

TICK_SECONDS = 0.1  # the network and boundary redraw this often while playing; faster, the browser falls behind
CURVES_SECONDS = 1.0  # loss curves and confusion matrix: plotly charts are slow to rebuild, once a second is enough
P = TypeVar("P")


def playground_trainer(spec: Spec) -> Trainer:
    return Trainer(spec, record_every=None)


@dataclass
class LiveRun:
    trainer: Trainer
    playing: bool = False
    probes: dict[str, object] = field(default_factory=dict)
    make: Callable[[object], Trainer] = playground_trainer  # how a reset rebuilds the trainer from its spec

    def probe(self, name: str, attach: Callable[[Trainer], P]) -> P:
        """A probe on this run's trainer (path recorder, gradient flow), attached the first time a lab asks."""
        if name not in self.probes:
            self.probes[name] = attach(self.trainer)
        return self.probes[name]


def live_run(key: str, spec, make: Callable[[object], Trainer] = playground_trainer) -> LiveRun:
    """This session's run for ``spec``: kept while only learning rate, batch size, regularisation or
    clipping change (as in TensorFlow Playground); rebuilt, probes and all, when anything else does."""
    run: LiveRun | None = st.session_state.get(key)
    if run is None or run.trainer.spec.rebuild_key() != spec.rebuild_key():
        run = LiveRun(make(spec), playing=run.playing if run else False, make=make)
        st.session_state[key] = run
    elif run.trainer.spec.train != spec.train:
        run.trainer.set_hyper(spec.train)
    return run


def reset(key: str) -> None:
    run: LiveRun = st.session_state[key]
    st.session_state[key] = LiveRun(run.make(run.trainer.spec), playing=False, make=run.make)


def run_buttons(key: str, steps_per_tick: int) -> LiveRun:
    """Play/Pause, Step and Reset. Play and Pause rerun the whole page so the timer starts or stops."""
    run: LiveRun = st.session_state[key]
    play, step, restart = st.columns(3)
    if run.playing:
        if play.button("Pause", icon=":material/pause:", key=f"{key}.pause", width="stretch",
                       help="Stop training; nothing is lost"):
            run.playing = False
            st.rerun()
    elif play.button("Play", icon=":material/play_arrow:", key=f"{key}.play", type="primary", width="stretch",
                     disabled=bool(run.trainer.diverged), help="Train continuously and redraw as it learns"):
        run.playing = True
        st.rerun()
    if step.button("Step", icon=":material/skip_next:", key=f"{key}.step", width="stretch",
                   disabled=bool(run.trainer.diverged), help=f"Train {steps_per_tick} step(s), then stop"):
        run.trainer.step(steps_per_tick)
        st.rerun()  # the whole page: views outside the live fragment follow the new weights too
    if restart.button("Reset", icon=":material/restart_alt:", key=f"{key}.reset", width="stretch",
                      help="New initial weights from the seed; the step count goes back to 0"):
        reset(key)
        st.rerun()
    return st.session_state[key]


def advance(key: str, steps_per_tick: int) -> LiveRun:
    """One tick of a playing run; on divergence, stops the timer and redraws the page."""
    run: LiveRun = st.session_state[key]
    if run.playing:
        run.trainer.step(steps_per_tick)
        if run.trainer.diverged:
            run.playing = False
            st.rerun()
    if run.trainer.diverged:
        st.error(run.trainer.diverged, icon=":material/warning:")
    return run


def live_controls(key: str, steps_per_tick: int) -> Trainer:
    """What every lab's live fragment starts with: the buttons, one tick of training, the status line."""
    run_buttons(key, steps_per_tick)
    trainer = advance(key, steps_per_tick).trainer
    status_line(trainer)
    return trainer


def status_line(trainer: Trainer) -> None:
    h = trainer.history
    accuracy = h.last("test_accuracy")
    st.markdown(
        f"**Step {trainer.step_count:,}** · epoch {trainer.epoch:,.1f} · "
        f"train loss **{h.last('train_loss'):.4f}** · test loss **{h.last('test_loss'):.4f}**"
        + ("" if accuracy != accuracy else f" · test accuracy **{accuracy:.1%}**")
    )
