"""dl-lab's router: every page comes from the one registry (ui/registry.py) through st.navigation.

Each page file's stem is its URL path, so a cold deep link such as /Playground?dataset=xor opens that
page with that state on a freshly started server. Every page runs inside the guard (ui/page.py).
"""

import streamlit as st

from ui import state
from ui.page import device_line, guarded, navigation, page_config

page_config()
page = navigation()
state.set_routed()
st.sidebar.caption(f"Training on: {device_line()}")
guarded(page.run)()
