"""The Playground's view: one live view (the network drawn neuron by neuron, the output over the plane, the
loss curves and the confusion matrix) repainted in the browser from compact frames while playing; Play, Pause,
Step, Reset and edits of the diagram are made in the view itself.

While playing, the server reruns five times a second and trains each tick's steps in ``PARTS`` chunks, with a
frame after each; the browser shows a tick's frames one after another until the next tick arrives. A rerun has
a fixed cost on the server and in the browser whatever it carries, so this shows eight times the states a
second that one frame a rerun would, for the same CPU."""

from __future__ import annotations

import math

import streamlit as st

from dl_core.analyses.frames import bundle
from dl_core.analyses.live_frames import playground_frame
from ui import state
from ui.components.live_view import live_view, selected_neuron, trigger
from ui.live import TRAIN_SHARE, apply_command, let_the_frame_go, paced, tick_in_parts
from ui.page import guarded

FRAME_SECONDS = 0.2  # the live fragment's timer while playing; how much is learnt depends on the clock only
PARTS = 8  # frames a tick: the states of the run a second the browser shows are PARTS / FRAME_SECONDS
PACED_FRAMES_A_SECOND = 16  # when a busy server ticks less often (ui.live.paced), a tick carries more frames


def _edit(slot: str, edit: object) -> None:
    changed = state.current(slot).draft.edited(edit)
    if changed is not None:
        state.propose(slot, changed)


def show(slot: str) -> None:
    key = state.widget_key(slot, "live_view")
    entry = state.live(slot)
    entry.frames.static_key = None  # a page run may mount the view afresh: its first frame carries everything
    playing, drawn_spec = entry.playing, state.current(slot).valid
    every = paced(FRAME_SECONDS)  # longer when many learners play on this server

    @st.fragment(run_every=every if playing else None)
    @guarded
    def panel() -> None:
        handled = state.live(slot).frames.extra
        command, edit = trigger(key, "command", handled), trigger(key, "edit", handled)
        if command:
            apply_command(slot, command)
        if edit:
            _edit(slot, edit)
        live = state.live(slot)
        if live.playing != playing or state.current(slot).valid != drawn_spec:
            st.rerun()  # Play/Pause start or stop the timer; an edit on the diagram redraws the controls too
        if playing and not 2 / 3 < paced(FRAME_SECONDS) / every < 3 / 2:
            st.rerun()  # many more (or fewer) learners play on this server than when the timer was set: reset it
        selected, frames = selected_neuron(key), []
        parts = max(PARTS, math.ceil(PACED_FRAMES_A_SECOND * every))  # a frame costs less than a rerun
        for _ in tick_in_parts([live], every, share=TRAIN_SHARE, parts=parts):  # a slow server: fewer steps
            frames.append(playground_frame(live.run, live.frames, selected, live.playing, live.run.spec.view.speed))
        live_view(bundle(frames, every), key)
        let_the_frame_go()

    panel()
    with st.expander("The network in PyTorch terms"):
        st.code(repr(state.live(slot).run.model), language=None)
