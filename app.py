"""Neighbourly: the entry page (Overview) and the app's router in legacy pages/ mode.

Every page, this one included, calls ``shell.page`` so the shared sidebar and
data are there whether a page is opened by clicking or by a deep link.
"""

import streamlit as st

from dashboard.filters import rows_for
from dashboard.overview import headline, this_week, tier_cards
from dashboard.risk import tier_counts
from dashboard.ui import follow, shell, whatchanged

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

st.subheader("Check in this week")
week = this_week(members, ctx.settings, follow_ups=ctx.followed.follow_ups)
if week.people.empty:
    st.success(week.caption)
elif not ctx.policy.per_person:
    st.caption(week.caption)
    shell.role_note(ctx.policy, "Who they are is shown to organisers and helpers")
else:
    st.caption(week.caption + " How many: *Check-ins I can do this week* in *Settings and thresholds*.")
    st.dataframe(week.people, hide_index=True, width="stretch")
if ctx.policy.per_person:
    with st.expander("Log a contact", icon=":material/call:"):
        # the week's check-in list, then anyone with a contact logged
        follow.log_form(follow.people_choices(week.listed, members, ctx.followed.follow_ups), ctx.followed,
                        "overview_log", allowed=ctx.policy.log_contacts, is_demo=ctx.is_demo)
tiers = st.columns(3)
for col, (label, value, help_text) in zip(tiers, tier_cards(tier_counts(members), ctx.settings), strict=True):
    col.metric(label, value, help=help_text)
c1, c2, c3 = st.columns(3)
with c1:
    shell.page_link("Connection risk", "Full check-in list")
with c2:
    shell.page_link("Introductions", "Suggested buddies")
with c3:
    shell.page_link("Data", "Upload your own spreadsheets")
whatchanged.panel(ctx)
st.caption(f"Indicators computed as of {ctx.as_of:%d %B %Y}.")
