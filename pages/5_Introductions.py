"""Introductions: buddy suggestions to approve, where to meet next, quiet cities, who knows whom."""

import pandas as pd
import streamlit as st

from dashboard import charts, introductions
from dashboard.export import to_csv_bytes
from dashboard.ui import intros, shell
from dashboard.ui.state import KEY_TEMPLATE
from dashboard.words import plural

ctx = shell.page("Introductions")
st.title("Introductions")
st.caption(
    "Suggestions for a friendly introduction: people who might welcome a check-in, matched with "
    "nearby regulars. Nothing is sent from here; approve the ones you like and export them."
)
shell.stop_if_empty(ctx)
settings = ctx.settings

# --- buddies -------------------------------------------------------------------------------
st.subheader("Buddy suggestions")
st.caption(
    f"For each person at medium or high risk, up to {settings.buddies_per_member} active regulars at low risk "
    f"within {settings.buddy_radius_km:g} km (same city when a place has no coordinates) who haven't already "
    f"met them twice, sharing an interest where possible. No regular is asked to take more than "
    f"{plural(settings.buddy_capacity, 'person')}. Everyone gets a first suggestion before anyone gets a second."
)
if not ctx.policy.per_person:
    shell.role_note(ctx.policy, "Suggestions name people, so they are for organisers and helpers")
else:
    every = ctx.buddies()  # without declined pairs and people who asked not to be contacted
    # decisions are kept in the workspace: the editor's own state goes when the organiser opens another page
    table = introductions.review_table(every, ctx.members["member_id"], intros.decisions(ctx.followed, ctx.is_demo))
    c1, c2, c3 = st.columns(3)
    c1.metric("People at risk in view", introductions.at_risk_count(ctx.members))
    c2.metric("With a suggestion", int(table["member_id"].nunique()))
    c3.metric("Suggestions", len(table))

    shown = table.head(introductions.REVIEW_SHOWN)
    if table.empty:
        st.info("No suggestions here: nobody at risk has an active regular nearby with room left.")
        edited = shown
    else:
        if len(shown) < len(table):
            st.caption(f"The first {len(shown):,} of {plural(len(table), 'suggestion')} are shown: pick fewer cities in "
                       "the sidebar to review others. The others keep their decisions, and the export holds every "
                       "approved one.")
        edited = st.data_editor(
            shown,
            key=f"intro_review_{introductions.review_key(shown)}",
            hide_index=True,
            width="stretch",
            disabled=[c for c in table.columns if c != "decision"],
            column_order=[
                "decision", "name", "city", "risk_tier", "rank", "buddy_name", "buddy_city", "distance_km", "reason",
            ],
            column_config={
                "decision": st.column_config.SelectboxColumn(
                    "Decision", options=list(introductions.DECISIONS), required=True,
                ),
                "name": st.column_config.TextColumn("Person"),
                "city": st.column_config.TextColumn("City"),
                "risk_tier": st.column_config.TextColumn("Risk"),
                "rank": st.column_config.NumberColumn("Choice", help="1 = best available match"),
                "buddy_name": st.column_config.TextColumn("Buddy"),
                "buddy_city": st.column_config.TextColumn("Buddy's city"),
                "distance_km": st.column_config.NumberColumn("km", format="%.1f"),
                "reason": st.column_config.TextColumn("Why", width="large"),
            },
        )
    reviewed = pd.concat([edited, table.iloc[len(shown):]])  # the rest as decided before
    # only the rows shown can have changed: compared there, not over every suggestion
    if intros.keep_changes(shown, edited, ctx.followed, ctx.policy.log_contacts, ctx.is_demo):
        st.rerun()  # a declined pair makes way for another suggestion
    approved = introductions.approved_introductions(reviewed)
    st.text(intros.decided_line(reviewed, ctx.followed, ctx.is_demo))

    with st.expander("Export approved introductions", icon=":material/download:", expanded=not approved.empty):
        if "intro_template" not in st.session_state:  # the box is new (first visit, or back from another page)
            st.session_state["intro_template"] = st.session_state.get(KEY_TEMPLATE, introductions.message_template)
        template = st.text_area(
            "Message template", key="intro_template",
            help="Placeholders: {name}, {buddy_name}, {city}, {reason}. Anything else is left exactly as typed.",
        )
        st.session_state[KEY_TEMPLATE] = template
        messages = introductions.render_messages(approved, template)
        if messages.empty:
            st.info("Approve some suggestions above to export them with a message.")
        else:
            export = messages[["member_id", "name", "city", "buddy_id", "buddy_name", "buddy_city", "reason", "message"]]
            st.dataframe(export[["name", "buddy_name", "message"]], hide_index=True, width="stretch")
            shell.personal_download(ctx.policy, "Download introductions (CSV)", lambda: to_csv_bytes(export),
                                    "introductions.csv", "text/csv", f"approved introductions, {plural(len(export), 'row')}")

    if not ctx.is_demo:
        intros.made(ctx.followed, ctx.members, ctx.policy.log_contacts)

# --- meetups -------------------------------------------------------------------------------
st.subheader("Where the next meetup would reach most people at risk")
c1, c2 = st.columns(2)
k = int(c1.number_input("How many places", min_value=1, max_value=10, value=3, step=1, key="intro_k"))
radius = float(
    c2.number_input(
        "Reach (km)", min_value=1.0, max_value=200.0, value=float(settings.meetup_radius_km), step=5.0, key="intro_radius"
    )
)
ranked, chosen = introductions.plan_meetups(ctx.members, ctx.view.events, settings, k=k, radius_km=radius)
if chosen.empty:
    st.info("Nobody at risk in this view has a known place, so there is nothing to cover.")
else:
    st.caption(
        "Chosen one at a time, each reaching the most people at risk not already reached by the ones before. "
        "Share covered is of the people at risk whose place is known."
    )
    st.dataframe(
        chosen,
        hide_index=True,
        width="stretch",
        column_config={
            "order": st.column_config.NumberColumn("#"),
            "city": st.column_config.TextColumn("Place"),
            "lat": None,
            "lon": None,
            "newly_covered": st.column_config.NumberColumn("Newly reached"),
            "cumulative_covered": st.column_config.NumberColumn("Reached so far"),
            "share_covered": st.column_config.ProgressColumn("Share covered", min_value=0.0, max_value=1.0, format="percent"),
        },
    )
    with st.expander("All candidate places, ranked"):
        st.dataframe(
            ranked,
            hide_index=True,
            width="stretch",
            column_config={
                "city": st.column_config.TextColumn("Place"),
                "lat": None,
                "lon": None,
                "at_risk_within_radius": st.column_config.NumberColumn("People at risk within reach"),
            },
        )

# --- quiet cities --------------------------------------------------------------------------
st.subheader("Quiet cities")
min_members = int(st.number_input("At least this many members", min_value=1, value=5, step=1, key="intro_min_members"))
quiet = introductions.dormant_cities(ctx.members, ctx.community.events, ctx.as_of, min_members=min_members, days=90)
st.caption("Cities with enough members but no in-person event in the 90 days up to the date the indicators are computed at.")
if quiet.empty:
    st.success("Every city with that many members had an event in the last 90 days.")
else:
    st.dataframe(
        quiet,
        hide_index=True,
        width="stretch",
        column_config={
            "city": st.column_config.TextColumn("City"),
            "members": st.column_config.NumberColumn("Members"),
            "at_risk": st.column_config.NumberColumn("At risk"),
            "last_event_on": st.column_config.DateColumn("Last event"),
            "days_since_last_event": st.column_config.NumberColumn("Days since"),
            "next_event_on": st.column_config.DateColumn("Next planned"),
        },
    )

# --- network -------------------------------------------------------------------------------
st.subheader("Who has met whom")
cities = introductions.city_choices(ctx.members)
if not ctx.policy.per_person:
    shell.role_note(ctx.policy, "Who has met whom is drawn person by person, so it is for organisers and helpers")
elif not cities:
    st.info("Nobody in this view has a known city.")
else:
    city = st.selectbox("City", cities, key="intro_city")
    st.caption(
        "Lines join people who attended the same event (thicker: met twice or more). People at risk are "
        "coloured; people with no tie to anyone shown sit on the outer ring. At most 60 people are drawn: "
        "those at risk first, then the best connected."
    )
    shell.chart(charts.network_figure(ctx.members, ctx.analysis.edges, city))
