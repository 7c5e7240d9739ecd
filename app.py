"""Neighbourly: the entry page (Overview) and the app's router in legacy pages/ mode.

Every page, this one included, calls ``shell.page`` so the shared sidebar and
data are there whether a page is opened by clicking or by a deep link.
"""

import streamlit as st

from dashboard.filters import rows_for
from dashboard.overview import headline, top_checkins
from dashboard.ui import shell, whatchanged

ctx = shell.page("Overview")
st.title("Neighbourly")
st.caption(
    "Who might welcome a check-in, who could be introduced to whom, and where the next meetup "
    "would reach most people. Prompts for a friendly hello, never a diagnosis."
)
shell.stop_if_empty(ctx)

view = shell.without_staff(ctx, "these numbers and the check-ins")
members = rows_for(ctx.analysis.members, view)
numbers = headline(members, view, ctx.analysis.metrics, ctx.as_of, ctx.settings)
cols = st.columns(len(numbers))
for col, (label, value, help_text) in zip(cols, numbers, strict=True):
    col.metric(label, value, help=help_text)

st.subheader("Start here: who might welcome a check-in")
table = top_checkins(members, n=8)
if table.empty:
    st.success("Nobody in this view has a connection-risk signal right now.")
else:
    st.dataframe(table, hide_index=True, width="stretch")
c1, c2, c3 = st.columns(3)
with c1:
    shell.page_link("Connection risk", "Full check-in list")
with c2:
    shell.page_link("Introductions", "Suggested buddies")
with c3:
    shell.page_link("Data", "Upload your own spreadsheets")
whatchanged.panel(ctx)
st.caption(f"Indicators computed as of {ctx.as_of:%d %B %Y}.")
