"""Compare: up to four panes answer the same conversation at once, measured side by side, with a
blind mode that hides the names until a vote, and a leaderboard of the votes. The page only lays
things out: state and sending in ui/compare_state.py, drawing and streaming in ui/compare_view.py."""

from __future__ import annotations

import streamlit as st

from lib import compare
from ui import compare_state as cs
from ui import compare_view as view

cs.init()
cs.settle()
current = cs.running()
panes = cs.panes()

st.html(view.STYLE)
view.page_script()
st.title("Compare", anchor=False)
if st.session_state.get(cs.NOTICE):
    st.warning(st.session_state.pop(cs.NOTICE))
if cs.store_problem():
    st.caption(f"History is off: {cs.store_problem()} Votes count for this session only.")
if cs.hidden():  # no name may reach the address bar either
    for name in ("models", "model", "provider", "base_url"):
        if name in st.query_params:
            del st.query_params[name]

# The panes' tab fits the window (ui/compare_view.py sizes their boxes to it), so nothing below
# them grows the page when a round ends: measures, the diff and the leaderboard have their own tabs.
compare_tab, measures_tab, diff_tab, board_tab = st.tabs(["Compare", "Measures", "Diff", "Leaderboard"])
with compare_tab:
    row = st.container(horizontal=True, vertical_alignment="center")
    row.button("Add pane", icon=":material/add:", on_click=cs.add_pane, key="compare-add",
               disabled=len(panes) >= compare.MAX_PANES or current is not None)  # fmt: skip
    # Both drawn on every run; the round's style shows the live one (ui/compare_view.py round_style).
    row.button("Stop all", icon=":material/stop_circle:", key="compare-stop-all-idle", disabled=True)
    row.button("Stop all", icon=":material/stop_circle:", key="compare-stop-all", on_click=cs.stop_all)
    row.toggle(
        "Blind mode",
        key=cs.BLIND,
        on_change=cs.on_blind_toggle,
        disabled=current is not None,
        help="Hides models, providers and base URLs (Model A, B, …, in a shuffled order) until you vote.",
    )
    with row.popover("System prompt", icon=":material/edit_note:"):
        st.text_area("System prompt", key=cs.SYSTEM, height=120, placeholder="Not sent · sent to every pane")
    requests = [cs.request_of(p) for p in panes]
    sent = [r for r in requests if r is not None]
    last = current or st.session_state.get(cs.LAST)
    if last is not None and len(last.requests) >= 2:
        sent = [last.requests[i] for i in sorted(last.requests)]
    if not view.vote_row() and len(sent) >= 2:  # the vote, when one is due, stands in its place
        st.caption(compare.differs_line(sent))
    views, slots = {}, {}
    with st.container(key="compare-panes"):
        columns = st.columns(len(panes), gap="small")
        for position, index in enumerate(cs.order()):
            with columns[position]:
                drawn, slots[index] = view.draw_pane(position, index, current)
                if drawn is not None:
                    views[index] = drawn
# While a round streams these wait for its end: drawn now, their tables and chart would hold the
# panes' first tokens back (the page's run and the browser's drawing both come before them).
if current is None:
    with measures_tab:
        view.summary()
    with diff_tab:
        view.diff_box()
    with board_tab:
        view.leaderboard_tab()
else:
    for tab in (measures_tab, diff_tab, board_tab):
        tab.caption("Shown when the round ends.")

# The chat input (pinned to the bottom) and the round: a message reruns only this fragment.
view.round_input(slots, views)
