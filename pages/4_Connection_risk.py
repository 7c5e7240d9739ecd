"""Connection risk: who might welcome a check-in, and why (issue 5)."""

import pandas as pd
import streamlit as st

from dashboard import charts, export, outreach, overview, risk
from dashboard.filters import rows_for
from dashboard.ui import follow, shell
from dashboard.ui.state import KEY_SHOW_CONTACTS
from dashboard.words import plural

ctx = shell.page("Connection risk")
st.title("Connection risk")
st.info(risk.RISK_FRAMING, icon=":material/favorite:")
shell.stop_if_empty(ctx)

settings = ctx.settings
view = shell.without_staff(ctx, "this list")
view_risk = rows_for(ctx.analysis.risk, view)
follow_ups = ctx.followed.follow_ups

st.subheader("Check in this week")
week = overview.this_week(ctx.members, settings, view_risk, follow_ups=follow_ups)
st.caption(week.caption + " How many: *Check-ins I can do this week* in *Settings and thresholds*.")
if not week.people.empty and not ctx.policy.per_person:
    shell.role_note(ctx.policy, "Who they are is shown to organisers and helpers")
elif not week.people.empty:
    st.dataframe(week.people, hide_index=True, width="stretch", key="week_list")
for col, (label, value, help_text) in zip(st.columns(3), overview.tier_cards(risk.tier_counts(view_risk), settings),
                                          strict=True):
    col.metric(label, value, help=help_text)

g1, g2 = st.columns(2)
shell.chart(charts.tiers_by_city(risk.tier_mix_by_city(view.members, view_risk)), g1)
shell.chart(charts.signal_bars(risk.signal_counts(view_risk)), g2)

with st.expander("How the score works", icon=":material/help:"):
    st.dataframe(
        pd.DataFrame(
            {"signal": [sig.label for sig in risk.RISK_SIGNALS],
             "points": [sig.points(settings) for sig in risk.RISK_SIGNALS]}
        ),
        hide_index=True,
    )
    st.write(
        f"Points of the signals that fire are added up (at most 100): high from {settings.risk_high}, "
        f"medium from {settings.risk_medium}. Weights and thresholds are in *Settings and thresholds*."
    )
    unknown = risk.unknown_survey_answers(ctx.view.members)
    if not unknown.empty:
        st.text("Survey answers not recognised (not scored, not guessed):")
        st.dataframe(unknown, hide_index=True)

# --- the check-in list ---------------------------------------------------------------------
st.subheader("Full check-in list")
if not ctx.policy.per_person:
    shell.role_note(ctx.policy, "The check-in list names people, so it is for organisers and helpers")
    st.caption(f"Computed as of {ctx.as_of:%d %B %Y}.")
    st.stop()
f1, f2 = st.columns([2, 1])
tiers = f1.multiselect(
    "Tiers", list(reversed(risk.TIERS)), default=list(reversed(risk.AT_RISK_TIERS)), key="risk_tiers",
    format_func=risk.TIER_LABELS.get,
)
show_contacts = ctx.policy.emails and f2.toggle("Show contact details", key=KEY_SHOW_CONTACTS, value=False)
if not ctx.policy.emails:
    with f2:
        shell.role_note(ctx.policy, "Emails are for organisers")


def checkin_list(buddies: pd.DataFrame | None) -> pd.DataFrame:
    return outreach.outreach_list(ctx.members, view_risk, show_contacts, tiers=tuple(tiers), buddies=buddies,
                                  follow_ups=follow_ups)


def draw(where, checkins: pd.DataFrame) -> None:
    where.dataframe(
        checkins.head(outreach.LIST_SHOWN),
        hide_index=True,
        width="stretch",
        column_order=[
            c for c in ("name", "email", "city", "risk_tier", "risk_score", "risk_reasons", "last_contacted_on",
                        "last_outcome", "follow_up_on", "next_event", "buddy")
            if c in checkins.columns
        ],
        column_config={
            "name": st.column_config.TextColumn("Name"),
            "email": st.column_config.TextColumn("Email"),
            "city": st.column_config.TextColumn("City"),
            "risk_tier": st.column_config.TextColumn("Risk"),
            "risk_score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100, format="%d"),
            "risk_reasons": st.column_config.TextColumn("Why", width="large"),
            "last_contacted_on": st.column_config.TextColumn("Last contact"),
            "last_outcome": st.column_config.TextColumn("Outcome"),
            "follow_up_on": st.column_config.TextColumn("Follow up on"),
            "next_event": st.column_config.TextColumn("Next event near them"),
            "buddy": st.column_config.TextColumn("Buddy to introduce",
                                                 help="First suggestion from the Introductions page"),
        },
    )


# the buddy column needs the buddy matching (seconds for a big community, once): the list is shown
# at once, and the column filled in when the matching is done
buddies = ctx.buddies.ready()
checkins = checkin_list(buddies)
follow.due_list(checkins)
st.text(follow.list_counts(checkins, ctx.members, follow_ups))
if len(checkins) > outreach.LIST_SHOWN:
    st.caption(f"The first {outreach.LIST_SHOWN:,} are shown, in the list's order"
               + (f"; the downloads below hold all {len(checkins):,}." if ctx.policy.personal_downloads else "."))
table = st.empty()
draw(table, checkins)
if buddies is None:
    with st.spinner("Finding a buddy to introduce for each person on the list…"):
        checkins = checkin_list(ctx.buddies())
    draw(table, checkins)
d1, d2 = st.columns(2)
with d1:  # the files are built when asked for, not on every rerun (an Excel list of 20k people takes seconds)
    shell.personal_download(ctx.policy, "Download list (CSV)", lambda: export.to_csv_bytes(checkins),
                            "check-in-list.csv", "text/csv", f"check-in list, {plural(len(checkins), 'person')}")
with d2:
    shell.personal_download(
        ctx.policy, "Download list (Excel)", lambda: export.to_xlsx_bytes(checkins, "Check-in list"),
        "check-in-list.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"check-in list, {plural(len(checkins), 'person')}",
    )

# --- contacts ------------------------------------------------------------------------------
people = follow.people_choices(checkins, ctx.members, follow_ups)
c1, c2 = st.columns(2)
with c1:
    st.markdown("**Log a contact**")
    follow.log_form(people, ctx.followed, "risk_log", allowed=ctx.policy.log_contacts, is_demo=ctx.is_demo)
with c2:
    st.markdown("**A person's history**")
    follow.history_panel(ctx.followed, people, "risk_history")
follow.helped_panel(ctx.helped)
st.caption(f"Computed as of {ctx.as_of:%d %B %Y}.")
