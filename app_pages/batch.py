"""Batch: a prompt template over a whole data set, on one to four models, in the background (a closed tab
does not stop it), resumable, exported. The page only lays things out: state and actions in
ui/batch_state.py, drawing in ui/batch_view.py, the engine in lib/batch/."""

from __future__ import annotations

import streamlit as st

from ui import batch_state as bs
from ui import batch_view as view
from ui.history_state import banner

bs.init()
st.title("Batch", anchor=False)
banner()
view.notice()
view.live_box()
view.downloads()
left, right = st.columns(2, gap="large")
with left:
    view.dataset_box()
with right:
    view.template_box()
view.models_box()
view.actions()
view.evaluation_box()
