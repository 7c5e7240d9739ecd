"""The contact log's rules (dashboard.contacts) and what they do to the check-in list (outreach)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard import outreach
from dashboard.contacts import (
    LOG_COLUMNS,
    Contact,
    ContactError,
    FollowUps,
    checked,
    history,
    last_contacts,
    resolved,
    retention_cutoff,
)
from dashboard.overview import this_week
from dashboard.settings import Settings

TODAY = pd.Timestamp("2026-07-01")
MEMBERS = pd.DataFrame({
    "member_id": ["a", "b", "c", "d"],
    "name": ["Ann", "Bo", "Cy", "Di"],
    "email": ["ann@example.org", "bo@example.org", "", "di@example.org"],
    "city_label": ["Leeds"] * 4,
    "risk_tier": ["high", "medium", "medium", "low"],
    "risk_score": [80, 40, 35, 0],
    "risk_reasons_text": ["x", "y", "z", ""],
})


def log(*entries: tuple) -> pd.DataFrame:
    """Entries as (person_key, member_id, on, outcome, follow_up_on[, note])."""
    rows = []
    for i, e in enumerate(entries, start=1):
        key, mid, on, outcome, follow = e[:5]
        note = e[5] if len(e) > 5 else ""
        rows.append((i, key, mid, on, "call", outcome, note, follow, "", pd.Timestamp("2026-07-01", tz="UTC")))
    return pd.DataFrame(rows, columns=list(LOG_COLUMNS))


def checkins(entries: pd.DataFrame, recent_days: int = 30, **kwargs) -> pd.DataFrame:
    risk = MEMBERS.set_index(MEMBERS["member_id"].to_numpy())
    follow = FollowUps.of(entries, MEMBERS, TODAY, recent_days)
    return outreach.outreach_list(MEMBERS, risk, False, follow_ups=follow, **kwargs)


def test_the_last_contact_says_the_outcome_and_its_follow_up_replaces_earlier_ones():
    entries = log(("ann@example.org", "a", date(2026, 6, 1), "no_answer", date(2026, 6, 8)),
                  ("ann@example.org", "a", date(2026, 6, 10), "reached", None))
    last = last_contacts(entries, MEMBERS)
    assert last.loc["a", "last_outcome"] == "reached"
    assert last.loc["a", "last_contacted_on"] == pd.Timestamp("2026-06-10")
    assert pd.isna(last.loc["a", "follow_up_on"])  # the later contact did the follow-up
    assert list(last.index) == ["a"]


def test_entries_find_people_by_email_when_their_generated_ids_moved():
    moved = MEMBERS.assign(member_id=["M9", "M8", "c", "M7"])
    entries = log(("bo@example.org", "b", date(2026, 6, 1), "reached", None),
                  ("id:c", "c", date(2026, 6, 2), "no_answer", None),
                  ("gone@example.org", "zz", date(2026, 6, 3), "reached", None))
    last = last_contacts(entries, moved)
    assert sorted(last.index) == ["M8", "c"]


def test_do_not_contact_never_lapses_and_is_never_listed_even_when_a_follow_up_is_due():
    entries = log(("bo@example.org", "b", date(2025, 1, 1), "do_not_contact", None),
                  ("bo@example.org", "b", date(2026, 6, 1), "no_answer", date(2026, 6, 20)))
    follow = FollowUps.of(entries, MEMBERS, TODAY, 30)
    assert follow.do_not_contact() == {"b"}
    assert follow.due() == set()
    assert "b" not in set(checkins(entries)["member_id"])


@pytest.mark.parametrize(("days_ago", "listed"), [(29, False), (30, True)])
def test_people_reached_recently_leave_the_list_for_the_window(days_ago, listed):
    on = (TODAY - pd.Timedelta(days=days_ago)).date()
    entries = log(("ann@example.org", "a", on, "reached", None))
    assert ("a" in set(checkins(entries)["member_id"])) is listed


def test_no_answer_keeps_someone_on_the_list_and_a_window_of_0_hides_nobody():
    assert "a" in set(checkins(log(("ann@example.org", "a", TODAY.date(), "no_answer", None)))["member_id"])
    assert "a" in set(checkins(log(("ann@example.org", "a", TODAY.date(), "reached", None)), recent_days=0)["member_id"])


def test_follow_ups_due_come_first_whatever_the_score_or_tier_filter():
    entries = log(("di@example.org", "d", date(2026, 6, 1), "reached", date(2026, 6, 25)),
                  ("id:c", "c", date(2026, 6, 1), "reached", date(2026, 6, 20)),
                  ("bo@example.org", "b", date(2026, 6, 1), "reached", date(2026, 7, 2)))  # not due yet
    out = checkins(entries, tiers=("high",))
    assert out["member_id"].tolist() == ["c", "d", "a"]  # earliest due first; d scores 0 and is low
    assert out["follow_up_due"].tolist() == [True, True, False]
    assert out.loc[0, "last_outcome"] == "reached" and out.loc[0, "last_contacted_on"] == "2026-06-01"
    assert out.loc[0, "follow_up_on"] == "2026-06-20"
    assert "b" not in set(out["member_id"])  # reached within 30 days, follow-up not due yet


def test_the_list_without_a_log_has_blank_contact_columns():
    risk = MEMBERS.set_index(MEMBERS["member_id"].to_numpy())
    out = outreach.outreach_list(MEMBERS, risk, False)
    assert out["member_id"].tolist() == ["a", "b", "c"]
    assert out["last_outcome"].tolist() == ["", "", ""] and not out["follow_up_due"].any()
    assert tuple(out.columns) == tuple(c for c in outreach.OUTREACH_COLUMNS if c != "email")


def test_the_week_s_short_list_leaves_out_do_not_contact_and_leads_with_due_follow_ups():
    entries = log(("ann@example.org", "a", date(2026, 6, 1), "do_not_contact", None),
                  ("id:c", "c", date(2026, 6, 1), "no_answer", date(2026, 6, 30)))
    follow = FollowUps.of(entries, MEMBERS, TODAY, 30)
    week = this_week(MEMBERS, Settings(checkins_per_week=1), follow_ups=follow)
    assert week.people["name"].tolist() == ["Cy"] and week.waiting == 1


def test_a_person_s_history_is_newest_first_with_the_note_as_typed():
    entries = log(("ann@example.org", "a", date(2026, 6, 1), "no_answer", None, "rang twice"),
                  ("ann@example.org", "a", date(2026, 6, 3), "reached", date(2026, 6, 30), "**loves** <b>walks</b>"),
                  ("bo@example.org", "b", date(2026, 6, 2), "reached", None, "other"))
    h = history(resolved(entries, MEMBERS), "a")
    assert h["on"].tolist() == ["2026-06-03", "2026-06-01"]
    assert h["note"].tolist() == ["**loves** <b>walks</b>", "rang twice"]
    assert h["outcome"].tolist() == ["Reached", "No answer"] and h["follow_up_on"].tolist() == ["2026-06-30", ""]


@pytest.mark.parametrize(("change", "message"), [
    ({"outcome": "maybe"}, "outcome 'maybe' is not one of"),
    ({"channel": "pigeon"}, "channel 'pigeon'"),
    ({"note": "x" * 501}, "keep it to 500"),
    ({"follow_up_on": date(2026, 5, 1)}, "before the contact"),
    ({"outcome": "do_not_contact", "follow_up_on": date(2026, 7, 9)}, "gets no follow-up"),
    ({"person_key": ""}, "say who"),
])
def test_a_contact_that_makes_no_sense_is_refused_in_one_line(change, message):
    base = {"person_key": "ann@example.org", "member_id": "a", "on": date(2026, 6, 1), "outcome": "reached"}
    with pytest.raises(ContactError, match=message) as err:
        checked(Contact(**{**base, **change}))
    assert "\n" not in str(err.value)


def test_retention_counts_whole_months_back():
    assert retention_cutoff(date(2026, 12, 3), 24) == date(2024, 12, 3)
    assert retention_cutoff(date(2026, 3, 31), 1) == date(2026, 2, 28)
