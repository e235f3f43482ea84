"""dl-lab home: what the app is, a map of the labs, and the device that trains."""

import streamlit as st

from ui.page import HOME, LABS, device_line, setup_page

setup_page(HOME)
st.title(":material/neurology: dl-lab")
st.markdown(
    "**Learn how neural networks work by building them, training them live, and looking inside.** "
    "Every number on these pages is computed by a real PyTorch network running on this server: "
    "nothing is pre-recorded. Any state you see can be shared as a link and reopens as the same run."
)
st.subheader("The labs")
for lab in LABS:
    with st.container(border=True):
        st.page_link(lab.path, label=lab.title, icon=lab.icon)
        st.write(lab.summary)
st.caption(f"Training on: {device_line()}")
