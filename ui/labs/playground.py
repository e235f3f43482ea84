"""The Playground's view: one live view (the network drawn neuron by neuron, the output over the plane, the
loss curves and the confusion matrix) repainted in the browser from compact frames, about 30 a second while
playing; Play, Pause, Step, Reset and edits of the diagram are made in the view itself."""

from __future__ import annotations

import streamlit as st

from dl_core.analyses.live_frames import playground_frame
from ui import state
from ui.components.live_view import live_view, selected_neuron, trigger
from ui.live import TRAIN_SHARE, apply_command, tick
from ui.page import guarded

FRAME_SECONDS = 1 / 30  # the live fragment's timer while playing; how much is learnt depends on the clock only


def _edit(slot: str, edit: object) -> None:
    changed = state.current(slot).draft.edited(edit)
    if changed is not None:
        state.propose(slot, changed)


def show(slot: str) -> None:
    key = state.widget_key(slot, "live_view")
    entry = state.live(slot)
    entry.frames.static_key = None  # a page run may mount the view afresh: its first frame carries everything
    playing, drawn_spec = entry.playing, state.current(slot).valid

    @st.fragment(run_every=FRAME_SECONDS if playing else None)
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
        tick([live], FRAME_SECONDS, share=TRAIN_SHARE)  # a slow server: fewer steps, not frames
        frame = playground_frame(live.run, live.frames, selected_neuron(key), live.playing, live.run.spec.view.speed)
        live_view(frame, key)

    panel()
    with st.expander("The network in PyTorch terms"):
        st.code(repr(state.live(slot).run.model), language=None)
