"""A closed tab frees its session: once Streamlit drops a session (``server.disconnectedSessionTTL`` after the
tab closes), nothing else on the server holds its runs, models or data: no module-level cache, no
``st.cache_resource``, no heavy-job queue."""

import gc
import weakref

import pytest
from conftest import click, open_page, step

from dl_core import PRESETS, to_query
from ui import state

PAGES = {
    "playground": None,
    "builder": to_query(PRESETS["lenet"].spec),
    "loss_landscape": None,
    "gradient_flow": None,
    "forward_backward": None,
    "attribution": None,
    "compare": None,
}




def opened(page: str):
    at = open_page(page, PAGES[page])
    if page == "compare":  # two runs start once the learner names the change
        at.selectbox(key="cmp.field").set_value("lr").run()
        at.text_input(key="cmp.value.lr").input("0.3").run()
        click(at, "cmp.start")
    return at


@pytest.mark.parametrize("page", list(PAGES))
def test_nothing_outlives_a_dropped_session(page):
    at = opened(page)
    live = at.session_state[state.LIVE]
    for name in list(live):
        step(at, name)
    held = []
    for entry in at.session_state[state.LIVE].values():
        held += [weakref.ref(entry.run), weakref.ref(entry.run.trainer), weakref.ref(entry.run.model),
                 weakref.ref(entry.run.trainer.x_train)]
    assert held, f"the {page} page opened no run"
    del at, live, entry
    gc.collect()
    alive = [ref() for ref in held if ref() is not None]
    assert not alive, f"{len(alive)} of the {page} session's objects outlive it: {[type(a).__name__ for a in alive]}"
