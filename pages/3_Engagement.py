"""Engagement: who comes, who comes back, who is drifting (issue 4)."""

import streamlit as st

from dashboard import activity, charts
from dashboard import engagement as eng
from dashboard.export import to_csv_bytes
from dashboard.filters import rows_for
from dashboard.risk import SIGNAL_LABELS, SIGNALS
from dashboard.ui import shell
from dashboard.ui.pick import pick_person
from dashboard.words import plural

ctx = shell.page("Engagement")
st.title("Engagement")
st.caption("Who comes, who comes back, and who is drifting away, for the cities in the sidebar.")
shell.stop_if_empty(ctx)

settings = ctx.settings
view = shell.without_staff(ctx, "these statistics")
metrics = rows_for(ctx.analysis.metrics, view)

numbers = eng.summary(view, ctx.analysis.metrics, ctx.as_of, settings)
for col, (label, value, help_text) in zip(st.columns(6), eng.summary_cards(numbers), strict=True):
    col.metric(label, value, help=help_text)

missing = eng.uncomputable_metrics(metrics)
if missing:
    st.info(
        "Some members are known only from Meetup totals, so these could not be computed for them: "
        + ", ".join(eng.METRIC_LABELS[m] for m in missing)
        + ". Upload an attendance export to get them.",
        icon=":material/info:",
    )

attended = activity.attended_events(view)  # once per rerun, for the charts and the events table
by_city = st.toggle("Attendance per city", value=True, key="eng_by_city")
c1, c2 = st.columns(2)
shell.chart(charts.attendance_over_time(activity.attendance_by_month(view, by_city=by_city, rows=attended)), c1)
shell.chart(charts.new_vs_returning(activity.new_vs_returning_by_month(view, attended)), c2)
c3, c4 = st.columns(2)
shell.chart(
    charts.cohort_heatmap(activity.cohort_retention(view, 12, ctx.as_of, attended), activity.cohort_sizes(view, ctx.as_of)),
    c3,
)
shell.chart(charts.segment_mix(eng.segment_mix_by_city(view.members, metrics)), c4)

with st.expander("How the engagement score and segments work", icon=":material/help:"):
    st.write(eng.SCORE_EXPLANATION)
    st.write(
        f"Segments, first match wins: *never attended* (joined {plural(settings.never_attended_days, 'day')} or more ago, "
        f"no events), *new* (joined in the last {plural(settings.new_member_days, 'day')}), *lapsed* (nothing for "
        f"{plural(settings.lapsed_days, 'day')} or more), *drifting* ({plural(settings.drifting_min_events, 'event')} or more and the silence "
        f"is over {settings.drifting_gap_factor:g}× their usual gap, or the last "
        f"{plural(settings.active_window_days, 'day')} hold under half of the {settings.active_window_days} before), *core* (score "
        f"{settings.core_score:g}+ or {settings.core_min_events_6m}+ events in six months), else *active*."
    )

st.subheader("Events")
events = activity.events_table(view, attended)
shown = events.head(activity.EVENTS_SHOWN)
if len(shown) < len(events):
    st.caption(f"The latest {len(shown):,} of {plural(len(events), 'event')}; the download holds them all.")
    st.download_button("Download every event (CSV)", lambda: to_csv_bytes(events), "events.csv", "text/csv",
                       on_click="ignore", icon=":material/download:")
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    column_order=["event", "date", "city", "registered", "attended", "first_timers", "no_shows", "turnout"],
    column_config={
        "event": st.column_config.TextColumn("Event"),
        "city": st.column_config.TextColumn("City"),
        "registered": st.column_config.NumberColumn("Registered", help="RSVPs: registered, attended or no-show"),
        "attended": st.column_config.NumberColumn("Attended"),
        "first_timers": st.column_config.NumberColumn("First-timers", help="Came to an event for the first time"),
        "date": st.column_config.DatetimeColumn("Date", format="D MMM YYYY"),
        "no_shows": st.column_config.NumberColumn("No-shows"),
        "turnout": st.column_config.ProgressColumn(
            "Turnout", help="Attended ÷ registered (empty when only check-ins are known)",
            min_value=0.0, max_value=1.0, format="percent",
        ),
    },
)

st.subheader("A member's profile")
picked = None
if not ctx.policy.per_person:
    shell.role_note(ctx.policy, "Profiles of single members are for organisers and helpers")
else:
    picked = pick_person(ctx.members[["member_id", "name"]], "Member", "eng_member", "Pick a member")
if picked is not None:
    for col, (label, value) in zip(st.columns(5), eng.profile_cards(ctx.analysis.metrics, picked), strict=True):
        col.metric(label, value)
    row = ctx.analysis.metrics.loc[picked]
    st.text(f"Why: {row['segment_reason']}  ·  figures from: {row['metrics_source']}")
    t1, t2 = st.columns(2)
    shell.chart(charts.member_timeline(activity.member_timeline(ctx.community, picked)), t1)
    parts = eng.score_breakdown(ctx.community, picked, ctx.as_of, settings)
    shell.chart(charts.score_breakdown(parts), t2)
    risk_row = ctx.analysis.risk.loc[picked]
    fired = [SIGNAL_LABELS[s] for s in SIGNALS if risk_row[f"sig_{s}"]]
    st.text(
        f"Connection risk: {risk_row['risk_tier']} ({risk_row['risk_score']})"
        + ("" if not fired else " · " + "; ".join(risk_row["risk_reasons"]))
    )
st.caption(f"Computed as of {ctx.as_of:%d %B %Y}.")
