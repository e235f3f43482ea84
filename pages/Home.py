"""dl-lab home: what the app is, a map of the labs, and the device that trains."""

import streamlit as st

from ui.page import device_line
from ui.registry import LABS

st.title(":material/neurology: dl-lab")
st.markdown(
    "**Learn how neural networks work by building them, training them live, and looking inside.** "
    "Every number on these pages is computed by a real PyTorch network running on this server: "
    "nothing is pre-recorded. Any state you see can be shared as a link and reopens as the same run."
)
for section in dict.fromkeys(entry.section for entry in LABS):
    st.subheader(section)
    columns = st.columns(2)
    for k, entry in enumerate(e for e in LABS if e.section == section):
        with columns[k % 2].container(border=True):
            st.page_link(entry.script, label=entry.title, icon=entry.icon)
            st.write(entry.summary)
st.caption(f"Training on: {device_line()}")
