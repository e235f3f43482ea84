"""The Playground's view: the network drawn neuron by neuron and the decision boundary, live; the curves
and the confusion matrix below."""

from __future__ import annotations

import streamlit as st

from dl_core.analyses.playground_pictures import confusion_figure, learning_curves, snapshot
from ui import state
from ui.components.network_view import clicked_neuron, network_view
from ui.live import every_while_playing, live_panel

CURVES_SECONDS = 1.0  # plotly charts are slow to rebuild: curves and the confusion matrix once a second


def show(slot: str) -> None:
    view_key = state.widget_key(slot, "network_view")

    def draw(run) -> None:
        picture = snapshot(run, clicked_neuron(view_key))
        left, right = st.columns([1.25, 1])
        with left:
            network_view(picture.network, key=view_key)
        with right:
            st.plotly_chart(picture.boundary, key=state.widget_key(slot, "boundary"),
                            config={"displayModeBar": False})

    live_panel(slot, draw)

    @st.fragment(run_every=every_while_playing(slot, CURVES_SECONDS))
    def progress_panel() -> None:
        trainer = state.live(slot).run.trainer
        curves, confusion = st.columns([1.6, 1])
        curves.plotly_chart(learning_curves(trainer), key=state.widget_key(slot, "curves"),
                            config={"displayModeBar": False})
        if trainer.objective.is_classification:
            confusion.plotly_chart(confusion_figure(trainer), key=state.widget_key(slot, "confusion"),
                                   config={"displayModeBar": False})
        with st.expander("The network in PyTorch terms"):
            st.code(repr(trainer.model), language=None)

    progress_panel()
