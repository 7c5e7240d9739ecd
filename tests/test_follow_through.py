"""Follow-through rules on hand-made communities: "Did it help?" counts, an introduction becomes
``met`` on the first shared event after its day, and buddy matching leaves out do-not-contact
people and declined pairs (giving the person another buddy)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.contacts import LOG_COLUMNS
from dashboard.follow_through import did_it_help, followed, sentences
from dashboard.introductions import lifecycle, suggest_buddies
from dashboard.introductions.lifecycle import INTRO_COLUMNS
from dashboard.settings import Settings
from tests.factories import make_community
from tests.test_introductions import no_edges, person

TODAY = pd.Timestamp("2026-06-30")  # the window: 2 April to 30 June 2026 (90 days)
JOINED = "2025-01-01"


def log(*entries: tuple[str, str, str]) -> pd.DataFrame:
    """(member id, outcome, day) entries, about people keyed by their emails."""
    rows = [(i, f"{m}@example.org", m, pd.Timestamp(on).date(), "call", outcome, "", None, "", TODAY)
            for i, (m, outcome, on) in enumerate(entries, start=1)]
    return pd.DataFrame(rows, columns=list(LOG_COLUMNS))


def intros(*rows: tuple[str, str, str, str | None, str | None]) -> pd.DataFrame:
    """(member, buddy, status, introduced_on, met_on) pairs as the workspace keeps them."""
    out = [(i, f"{m}@example.org", m, f"{b}@example.org", b, status, TODAY,
            pd.Timestamp(on).date() if on else None, pd.Timestamp(met).date() if met else None, "")
           for i, (m, b, status, on, met) in enumerate(rows, start=1)]
    return pd.DataFrame(out, columns=list(INTRO_COLUMNS))


def community():
    people = ["a", "b", "c", "d", "e", "f", "g", "h"]
    return make_community(
        members=[{"member_id": m, "email": f"{m}@example.org", "joined_on": JOINED, "city": "Leeds",
                  "role": "organiser" if m == "g" else "member"} for m in people],
        events=[{"event_id": e, "starts_at": d, "city": "Leeds"} for e, d in (
            ("R1", "2026-03-01"), ("R2", "2026-03-15"), ("R3", "2026-03-25"),
            ("E1", "2026-04-20"), ("E2", "2026-05-15"), ("E3", "2026-06-20"))],
        attendance=[("h", "R1"), ("h", "R2"), ("h", "R3"),  # h: a regular, not on the list
                    ("a", "E1"), ("b", "E1"), ("c", "E2"), ("a", "E3"), ("c", "E3")],
    )


def test_did_it_help_describes_people_reached_beside_people_not_contacted():
    entries = log(("a", "reached", "2026-04-10"),  # came on 20 April: within 60 days
                  ("b", "reached", "2026-05-20"),  # came on 20 April only: before being reached
                  ("e", "do_not_contact", "2025-12-01"),  # never counted as "not contacted"
                  ("f", "no_answer", "2026-05-01"),  # contacted, not reached: in neither group
                  ("d", "reached", "2026-01-05"))  # before the window: d counts as not contacted
    made = intros(("a", "h", "introduced", "2026-05-01", None), ("b", "h", "met", "2026-04-01", "2026-04-20"),
                  ("c", "h", "approved", None, None))
    helped = did_it_help(entries, made, community(), TODAY, Settings())
    assert (helped.since, helped.until) == ("2026-04-01", "2026-06-30")
    assert (helped.reached, helped.reached_came) == (2, 1)
    # on the list on 1 April: a, b, c, d, e, f (g is staff, h a regular); not contacted since: c, d
    assert (helped.not_contacted, helped.not_contacted_came) == (2, 1)  # c came on 15 May
    assert (helped.introduced, helped.met) == (2, 1)
    words = " ".join(sentences(helped))
    assert "Of 2 people reached since 1 April 2026, 1 came to an event within 60 days of being reached." in words
    assert "does not show that a contact caused it" in words
    assert helped.as_json()["wording"] == sentences(helped)


def test_an_introduction_is_met_on_the_first_shared_event_after_its_day():
    made = intros(("a", "c", "introduced", "2026-05-15", None),  # E2 (15 May) is that day: E3 counts
                  ("a", "b", "introduced", "2026-04-20", None),  # together at E1 that day only: not met
                  ("c", "h", "introduced", "2026-01-01", None))  # never at one event
    assert lifecycle.met_dates(made, community()) == {1: date(2026, 6, 20)}
    state = followed(log(), made, community(), TODAY, Settings())
    assert state.newly_met == {1: date(2026, 6, 20)}
    assert lifecycle.table(state.introductions, community().members, (lifecycle.MET,))[
        ["member_id", "buddy_id", "met_on"]].values.tolist() == [["a", "c", "2026-06-20"]]
    assert lifecycle.counts(state.introductions) == {"approved": 0, "declined": 0, "introduced": 3, "met": 1}


def test_a_pair_found_by_email_after_the_ids_moved():
    made = intros(("a", "c", "introduced", "2026-05-15", None))
    moved = community()
    ids = {"a": "M9", "c": "M8"}
    moved = moved.with_(members=moved.members.assign(member_id=moved.members["member_id"].replace(ids)),
                        attendance=moved.attendance.assign(member_id=moved.attendance["member_id"].replace(ids)))
    assert lifecycle.met_dates(made, moved) == {1: date(2026, 6, 20)}
    assert lifecycle.decisions_of(lifecycle.resolved(made, moved.members)) == {("M9", "M8"): "approve"}


def town() -> pd.DataFrame:
    return pd.DataFrame([person("p1", "Leeds", tier="high"), person("p2", "Leeds", tier="medium"),
                         person("r1", "Leeds", score=90), person("r2", "Leeds", score=60),
                         person("r3", "Leeds", score=30)])


def test_do_not_contact_people_are_neither_given_nor_made_a_buddy():
    every = suggest_buddies(town(), no_edges(), Settings(), max_per_member=3)
    assert {"p1", "p2"} <= set(every["member_id"]) and "r1" in set(every["buddy_id"])
    got = suggest_buddies(town(), no_edges(), Settings(), max_per_member=3, exclude_ids={"p2", "r1"})
    assert set(got["member_id"]) == {"p1"} and "r1" not in set(got["buddy_id"])


def test_a_declined_pair_is_not_suggested_again_and_the_person_gets_another_buddy():
    first = suggest_buddies(town(), no_edges(), Settings(), max_per_member=1)
    best = first.set_index("member_id").loc["p1", "buddy_id"]
    again = suggest_buddies(town(), no_edges(), Settings(), max_per_member=1, exclude_pairs={("p1", best)})
    assert again.set_index("member_id").loc["p1", "buddy_id"] != best
    assert set(again["member_id"]) == {"p1", "p2"}
