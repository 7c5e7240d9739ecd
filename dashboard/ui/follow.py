"""Follow-through in the app: the workspace's contact log and introductions matched to the page's
community, the "Log a contact" form, a person's history, "Follow-ups due" and "Did it help?".

The rules are the core's (``dashboard.contacts``, ``dashboard.follow_through``,
``dashboard.introductions.lifecycle``); the facts live in the workspace
(``dashboard.store.follow``). Everything is matched on the whole, unredacted community
(``state``), then given the ids the signed-in role sees (``for_role``). Notes, names and
anything else from people are shown as text (``st.text``, dataframes), never as markdown or
HTML. Who logged a contact is the signed-in user (``signin.current_email``), blank when the
app runs without sign-in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import contacts
from dashboard.analysis import Exclusions
from dashboard.auth.roles import Policy
from dashboard.contacts import (
    CHANNEL_LABELS,
    NOTE_MAX_CHARS,
    OUTCOME_LABELS,
    Contact,
    ContactError,
    FollowUps,
    empty_log,
    resolved,
)
from dashboard.follow_through import Followed, Helped, sentences
from dashboard.introductions import lifecycle
from dashboard.introductions.lifecycle import empty_introductions
from dashboard.model import Community
from dashboard.settings import Settings
from dashboard.store.follow import FollowThrough
from dashboard.ui import loaders, signin, workspace
from dashboard.ui.pick import pick_person
from dashboard.words import plural

NO_FOLLOW_THROUGH = Followed(FollowUps(), Exclusions(), lifecycle.resolved(empty_introductions(), pd.DataFrame()), {},
                             empty_log(), resolved(empty_log(), pd.DataFrame()), pd.Series(dtype=str))


def kept() -> FollowThrough | None:
    """The workspace's follow-through (None when the workspace can't be used)."""
    s = workspace.store()
    return None if s is None else FollowThrough(s)


def today() -> date:
    """The front end's clock: contacts happen in real time, whatever date the data runs to."""
    return date.today()


def state(community: Community, data_key: str, settings: Settings, is_demo: bool) -> Followed:
    """The workspace's contact log and introductions matched to ``community`` (nothing for the
    demo: its contacts aren't kept); introductions this community shows met are kept as met."""
    follow = kept()
    if follow is None or is_demo:
        return NO_FOLLOW_THROUGH
    found = loaders.followed(data_key, community, follow.contacts(), follow.introductions(), today(),
                             repr(settings), settings)
    if found.newly_met:
        follow.record_met(found.newly_met)
    return found


def for_role(found: Followed, community: Community, data_key: str, policy: Policy) -> Followed:
    """``found`` with the member ids the role sees (a viewer's are pseudonyms: the cached redaction
    of the community under ``data_key``), so its follow-ups still apply to the page's frames."""
    if policy.names or found is NO_FOLLOW_THROUGH:
        return found
    r = loaders.role_redaction(data_key, community, policy.role)
    last = found.follow_ups.last.set_axis(pd.Index(r.ids(found.follow_ups.last.index), name="member_id"))
    entries = found.entries.assign(member_id=pd.Series(r.ids(found.entries["member_id"]), index=found.entries.index))
    pairs = found.introductions.assign(
        now_member=pd.Series(r.ids(found.introductions["now_member"]), index=found.introductions.index),
        now_buddy=pd.Series(r.ids(found.introductions["now_buddy"]), index=found.introductions.index))
    return replace(found, follow_ups=replace(found.follow_ups, last=last), entries=entries, introductions=pairs,
                   keys=found.keys.set_axis(pd.Index(r.ids(found.keys.index))))


def helped(found: Followed, community: Community, data_key: str, settings: Settings) -> Callable[[], Helped | None]:
    """"Did it help?" for the page, worked out (on the whole, unredacted community) only when asked."""
    if found is NO_FOLLOW_THROUGH:
        return lambda: None
    return lambda: loaders.helped(data_key, community, found.log, found.introductions, today(), repr(settings),
                                  settings)


def people_choices(checkins: pd.DataFrame, members: pd.DataFrame, follow_ups: FollowUps) -> pd.DataFrame:
    """Who the forms offer (``member_id``, ``name``): the check-in list in its order, then anyone
    in ``members`` with a contact logged."""
    logged = members[members["member_id"].astype(str).isin(set(follow_ups.last.index))]
    rows = [f[["member_id", "name"]] for f in (checkins, logged) if not f.empty]
    if not rows:
        return pd.DataFrame({"member_id": pd.Series(dtype=str), "name": pd.Series(dtype=str)})
    return pd.concat(rows, ignore_index=True).astype(str).drop_duplicates("member_id").reset_index(drop=True)


def list_counts(checkins: pd.DataFrame, members: pd.DataFrame, follow_ups: FollowUps) -> str:
    """How many are listed, and how many the contact log keeps off the list, in words."""
    in_view = set(members["member_id"].astype(str))
    resting, never = len(follow_ups.resting() & in_view), len(follow_ups.do_not_contact() & in_view)
    return (plural(len(checkins), "person") + (f" · {resting:,} reached recently, hidden for now" if resting else "")
            + (f" · {never:,} asked not to be contacted, never listed" if never else ""))


def _who(people: pd.DataFrame, key: str) -> str | None:
    return pick_person(people, "Person", key, "Choose someone")


def log_form(people: pd.DataFrame, found: Followed, key: str, allowed: bool = True, is_demo: bool = False) -> None:
    """"Log a contact" with one of ``people``, kept under their key (``found.keys``)."""
    if is_demo:
        st.caption("Contacts with the demo community aren't kept: keep your own data on the Data page first.")
        return
    if not allowed:
        st.caption("Your role can't log contacts.")
        return
    follow = kept()
    if follow is None:
        st.caption("The workspace can't be used, so contacts can't be kept.")
        return
    with st.form(key, clear_on_submit=True):
        member_id = _who(people, f"{key}_person")
        c1, c2, c3 = st.columns(3)
        on = c1.date_input("On", value=today(), max_value=today(), key=f"{key}_on")
        channel = c2.selectbox("How", list(contacts.CHANNELS), format_func=lambda c: CHANNEL_LABELS[c],
                               key=f"{key}_channel")
        outcome = c3.selectbox("Outcome", list(contacts.OUTCOMES), format_func=lambda o: OUTCOME_LABELS[o],
                               key=f"{key}_outcome")
        note = st.text_area("Note (optional)", max_chars=NOTE_MAX_CHARS, key=f"{key}_note",
                            help="Kept in the workspace; deleted after the retention period (Settings).")
        follow_up = st.date_input("Follow up on (optional)", value=None, min_value=on, key=f"{key}_follow_up")
        if st.form_submit_button("Log contact", icon=":material/check:"):
            if member_id is None:
                st.error("Choose who you contacted.")
                return
            person_key = str(found.keys.get(member_id, f"id:{member_id}"))
            try:
                follow.log_contact(Contact(person_key, member_id, on, str(outcome), str(channel), note, follow_up),
                                   logged_by=signin.current_email())
            except ContactError as exc:
                st.error(f"Not logged: {exc}.")  # our own words about the form, no uploaded text
                return
            st.rerun()


def due_list(checkins: pd.DataFrame) -> None:
    """"Follow-ups due": the people on the list whose follow-up date has come, as text."""
    if "follow_up_due" not in checkins or not checkins["follow_up_due"].any():
        return
    due = checkins[checkins["follow_up_due"].astype(bool)]
    with st.container(border=True):
        st.markdown(f"**Follow-ups due ({len(due)})**")
        for row in due.itertuples():
            last = OUTCOME_LABELS.get(row.last_outcome, row.last_outcome)
            st.text(f"{row.name}: follow-up due {row.follow_up_on} (last contact {row.last_contacted_on}, {last})")


def history_panel(found: Followed, people: pd.DataFrame, key: str) -> None:
    """A person's contact history, newest first; notes as text."""
    if people.empty:
        return
    member_id = _who(people, key)
    if member_id is None:
        return
    entries = contacts.history(found.entries, member_id)
    if member_id in found.follow_ups.do_not_contact():
        st.warning("Asked not to be contacted: left out of the check-in list and the buddy suggestions.",
                   icon=":material/block:")
    if entries.empty:
        st.caption("No contact logged yet.")
    for row in entries.itertuples():
        with st.container(border=True):
            extra = f" · follow up on {row.follow_up_on}" if row.follow_up_on else ""
            by = f" · logged by {row.logged_by}" if row.logged_by else ""
            st.text(f"{row.on} · {row.channel} · {row.outcome}{extra}{by}")
            if row.note:
                st.text(row.note)


def helped_panel(helped_now: Callable[[], Helped | None]) -> None:
    """"Did it help?": what happened after contacts, beside people not contacted (a description)."""
    result = helped_now()
    if result is None:
        return
    with st.expander("Did it help?", icon=":material/insights:"):
        for line in sentences(result):
            st.write(line)
