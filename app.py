"""Neighbourly: the entry page (Overview) and the app's router in legacy pages/ mode.

Every page, this one included, calls ``shell.page`` so the shared sidebar and
data are there whether a page is opened by clicking or by a deep link.
"""

import streamlit as st

from dashboard.overview import headline, top_checkins
from dashboard.ui import shell

ctx = shell.page("Overview")
st.title("Neighbourly")
st.caption(
    "Who might welcome a check-in, who could be introduced to whom, and where the next meetup "
    "would reach most people. Prompts for a friendly hello, never a diagnosis."
)
shell.stop_if_empty(ctx)

numbers = headline(ctx.members, ctx.view, ctx.analysis.metrics, ctx.as_of, ctx.settings)
cols = st.columns(len(numbers))
for col, (label, value, help_text) in zip(cols, numbers, strict=True):
    col.metric(label, value, help=help_text)

st.subheader("Start here: who might welcome a check-in")
table = top_checkins(ctx.members, n=8)
if table.empty:
    st.success("Nobody in this view has a connection-risk signal right now.")
else:
    st.dataframe(table, hide_index=True, width="stretch")
c1, c2, c3 = st.columns(3)
c1.page_link("pages/4_Connection_risk.py", label="Full check-in list", icon=":material/volunteer_activism:")
c2.page_link("pages/5_Introductions.py", label="Suggested buddies", icon=":material/diversity_3:")
c3.page_link("pages/1_Data.py", label="Upload your own spreadsheets", icon=":material/upload_file:")
st.caption(f"Indicators computed as of {ctx.as_of:%d %B %Y}.")
