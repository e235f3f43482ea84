"""A lab's live charts: one keyed components-v2 element that keeps a canvas per panel in the browser and repaints
it in place from each compact frame (dl_core/analyses/chart_frames.py). Its Play/Pause, Step and Reset come back
as trigger values with ids (read them with ``ui.components.live_view.trigger``)."""

from __future__ import annotations

from pathlib import Path


from ui.components.loader import LiveComponent

_HERE = Path(__file__).parent
# its code goes to a tab once, not with every frame
_component = LiveComponent("dl_lab_live_charts", _HERE / "live_charts.js", _HERE / "live_charts.css")


def live_charts(frame: bytes, key: str) -> None:
    """Draws (or repaints) the charts from ``frame``; a click on its buttons arrives as the trigger value
    ``command`` ("play", "pause", "step" or "reset") of the next run."""
    _component(frame, key, on_command_change=lambda: None)
