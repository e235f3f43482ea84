"""A heavy job on a page: its progress bar, and its place in the server's queue while it waits for a turn
(``dl_core.jobs.HEAVY``). Every lab runs its grids, sweeps and side-by-side trainings through ``heavy``.

Work shared between sessions through ``st.cache_data`` (``ui.cached``) takes its turn inside the cached
function, with ``wait=False``: a cache hit costs no turn, and a miss while the server is busy comes back out as
``Busy``, to wait here, where the page can say so (a cached function may not draw on the page)."""

from __future__ import annotations

from typing import Callable, TypeVar

import streamlit as st

from dl_core.jobs import HEAVY, Busy

T = TypeVar("T")
REPORT_EVERY = 0.02  # a message to the browser every 2 % of the work, not every batch


def heavy(label: str, work: Callable[[Callable[[float], None]], T], cached: bool = False) -> T:
    """``work(progress)`` once this session's turn comes, with a progress bar labelled ``label``; while other
    learners' jobs run, the bar says how many are ahead. ``cached``: the work's heavy parts are ``ui.cached``
    functions that take their own turn (so a cache hit runs at once, without one)."""
    bar = st.progress(0.0, text=label)

    def waiting(ahead: int) -> None:
        jobs = "job" if ahead == 1 else "jobs"
        bar.progress(0.0, text=f"Waiting for a turn: {ahead} heavy {jobs} from other learners ahead of yours "
                               "on this server. Yours starts by itself.")

    reported = [-1.0]

    def progress(share: float) -> None:
        share = min(1.0, max(0.0, float(share)))
        if share >= reported[0] + REPORT_EVERY or share >= 1.0:
            reported[0] = share
            bar.progress(share, text=label)

    try:
        if cached:
            try:
                return work(progress)
            except Busy:
                pass  # a miss, and no free turn: wait for one below, where the bar can say so
        with HEAVY.turn(waiting):
            bar.progress(0.0, text=label)
            return work(progress)
    finally:
        bar.empty()
