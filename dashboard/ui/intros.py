"""Introductions with a life, in the app: the organiser's decisions on buddy suggestions kept in the
workspace (a declined pair is never suggested again), "Mark as introduced", and the introduced
and met counts and lists. The rules are ``dashboard.introductions.lifecycle``'s; names are shown
in dataframes and as text only.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.follow_through import Followed
from dashboard.introductions import lifecycle
from dashboard.introductions.lifecycle import APPROVED, DECLINED, INTRODUCED, MET, Pair
from dashboard.introductions.review import decision_counts, decisions_from
from dashboard.ui import follow, signin
from dashboard.words import plural

#: the demo's decisions, kept for the session only (the demo is not kept in the workspace)
KEY_DEMO_DECISIONS = "_intro_decisions"


def decisions(found: Followed, is_demo: bool) -> dict[tuple[str, str], str]:
    """The decision on every pair, by (member_id, buddy_id) as the page sees them."""
    if is_demo:
        return dict(st.session_state.get(KEY_DEMO_DECISIONS) or {})
    return lifecycle.decisions_of(found.introductions)


def keep_changes(before: pd.DataFrame, after: pd.DataFrame, found: Followed, allowed: bool, is_demo: bool) -> bool:
    """Keep the decisions the organiser changed in the review table (the demo's in the session);
    True when the workspace changed (the page reruns: a declined pair makes way for another)."""
    if is_demo:
        st.session_state[KEY_DEMO_DECISIONS] = {**decisions(found, True), **decisions_from(after)}
        return False
    if not allowed or after.empty:
        return False
    was = decisions_from(before)
    changed = {pair: d for pair, d in decisions_from(after).items() if was.get(pair) != d}
    store = follow.kept()
    if not changed or store is None:
        return False
    frame = pd.DataFrame({"member_id": [m for m, _ in changed], "buddy_id": [b for _, b in changed]})
    pairs = lifecycle.pairs_for(frame, found.keys)
    store.decide(dict(zip(pairs, changed.values(), strict=True)), logged_by=signin.current_email())
    return True


def decided_line(reviewed: pd.DataFrame, found: Followed, is_demo: bool) -> str:
    """How many are approved and declined, in words."""
    if is_demo:
        counts = decision_counts(reviewed)
        return f"{counts['approve']} approved, {counts['decline']} declined."
    kept = lifecycle.counts(found.introductions)
    return (f"{kept[APPROVED]} approved (not introduced yet), {kept[DECLINED]} declined: "
            "declined pairs are not suggested again.")


def _pair(row: pd.Series) -> Pair:
    return Pair(str(row["person_key"]), str(row["now_member"] or row["member_id"]), str(row["buddy_key"]),
                str(row["now_buddy"] or row["buddy_id"]))


def made(found: Followed, members: pd.DataFrame, allowed: bool) -> None:
    """Counts, "Mark as introduced" for approved pairs, and the introduced and met lists."""
    st.subheader("Introductions made")
    counts = lifecycle.counts(found.introductions)
    c1, c2, c3 = st.columns(3)
    c1.metric("Approved, not introduced yet", f"{counts[APPROVED]:,}")
    c2.metric("Introduced", f"{counts[INTRODUCED]:,}", help="Marked as introduced (met or not).")
    c3.metric("Met since", f"{counts[MET]:,}",
              help="Seen at the same event after the day they were introduced, in the latest data.")
    pairs = found.introductions
    approved = pairs[(pairs["status"] == APPROVED) & (pairs["now_member"] != "") & (pairs["now_buddy"] != "")]
    store = follow.kept()
    if allowed and store is not None and not approved.empty:
        names = dict(zip(members["member_id"].astype(str), members["name"].astype(str), strict=False))
        labels = {int(r.id): f"{names.get(r.now_member, r.now_member)} and {names.get(r.now_buddy, r.now_buddy)}"
                  for r in approved.itertuples()}
        with st.form("intro_made", clear_on_submit=True):
            chosen = st.selectbox("Approved pair", list(labels), format_func=lambda i: labels[i], key="intro_pair")
            on = st.date_input("Introduced on", value=follow.today(), max_value=follow.today(), key="intro_on")
            if st.form_submit_button("Mark as introduced", icon=":material/handshake:") and chosen is not None:
                row = approved[approved["id"].astype(int) == int(chosen)].iloc[0]
                store.introduce(_pair(row), on, logged_by=signin.current_email())
                st.rerun()
    for status, title in ((INTRODUCED, "Introduced, not met yet"), (MET, "Met since")):
        shown = lifecycle.table(pairs, members, (status,))
        if shown.empty:
            continue
        st.text(f"{title}: {plural(len(shown), 'pair')}")
        st.dataframe(
            shown, hide_index=True, width="stretch", key=f"intro_{status}",
            column_order=["name", "buddy_name", "introduced_on", "met_on"],
            column_config={"name": st.column_config.TextColumn("Person"),
                           "buddy_name": st.column_config.TextColumn("Buddy"),
                           "introduced_on": st.column_config.TextColumn("Introduced on"),
                           "met_on": st.column_config.TextColumn("Met on")},
        )
