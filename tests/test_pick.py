"""A long list of people is searched before it is offered (dashboard.people.offered)."""

import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.ingest import Upload
from dashboard.people import OFFER_ALL_UP_TO, OFFERED_MATCHES, offered
from tests.apptest import run_page


def _people(n: int) -> pd.DataFrame:
    return pd.DataFrame({"member_id": [f"M{i:05d}" for i in range(n)], "name": [f"Person {i}" for i in range(n)]})


def test_a_short_list_is_offered_whole_whatever_is_typed():
    few = _people(OFFER_ALL_UP_TO)
    assert offered(few)[0].equals(few) and offered(few, "zzz")[0].equals(few) and offered(few, "zzz")[1] == len(few)


def test_a_long_list_offers_the_first_matches_of_a_name_or_id_in_any_case():
    many = _people(OFFER_ALL_UP_TO + 500)
    first, matched = offered(many)
    assert first["member_id"].tolist() == [f"M{i:05d}" for i in range(OFFERED_MATCHES)] and matched == len(many)
    assert offered(many, "  person 1234 ")[0]["name"].tolist() == ["Person 1234"]
    assert offered(many, "m0099")[0]["member_id"].tolist() == [f"M0099{i}" for i in range(10)]
    assert offered(many, "nobody")[0].empty and offered(many, "nobody")[1] == 0
    three, matched = offered(many, "person 1", limit=3)
    assert three["name"].tolist() == ["Person 1", "Person 10", "Person 11"]
    assert matched == 1 + 10 + 100 + 500  # Person 1, 10-19, 100-199, 1000-1499 (of 1,500)


def test_the_engagement_page_searches_a_long_member_list_and_shows_the_one_picked():



    n = OFFER_ALL_UP_TO + 200
    members = "Name,Email,City\n" + "".join(f"Person {i},p{i}@example.org,Leeds\n" for i in range(n))
    at = run_page("pages/3_Engagement.py", {"members": Upload("members.csv", members.encode())}, timeout=60)
    box = at.selectbox(key="eng_member")
    assert len(box.options) == OFFERED_MATCHES  # not the whole community
    at.text_input(key="eng_member_find").input("person 1187").run()
    box = at.selectbox(key="eng_member")
    assert [o.split(" (")[0] for o in box.options] == ["Person 1187"]
    member_id = box.options[0].split(" (")[1].rstrip(")")
    box.set_value(member_id).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(t.value.startswith("Why:") for t in at.text)  # the picked member's profile is drawn


def test_the_engagement_page_shows_the_latest_events_and_offers_them_all():


    from dashboard.activity import EVENTS_SHOWN

    n = EVENTS_SHOWN + 30
    events = "Event ID,Event name,Date,City\n" + "".join(
        f"e{i},Walk {i},{(pd.Timestamp('2020-01-01') + pd.Timedelta(days=i)):%Y-%m-%d},Leeds\n" for i in range(n))
    attendance = "Event ID,Email\n" + "".join(f"e{i},p{i % 7}@example.org\n" for i in range(n))
    at = run_page("pages/3_Engagement.py", {"events": Upload("events.csv", events.encode()),
                                            "attendance": Upload("attendance.csv", attendance.encode())}, timeout=60)
    table = next(d.value for d in at.dataframe if "turnout" in d.value)
    assert len(table) == EVENTS_SHOWN and table["event"].iloc[0] == f"Walk {n - 1}"  # the latest first
    assert any(f"The latest {EVENTS_SHOWN:,} of {n:,} events" in c.value for c in at.caption)


def test_the_full_check_in_list_shows_its_first_rows_and_says_the_downloads_hold_all(monkeypatch):


    from dashboard import outreach

    monkeypatch.setattr(outreach, "LIST_SHOWN", 5)  # the demo's list is longer than five
    at = run_page("pages/4_Connection_risk.py", timeout=60)
    full = [d.value for d in at.dataframe if "risk_reasons" in d.value and len(d.value) == 5]
    assert full, [len(d.value) for d in at.dataframe]
    assert any(c.value.startswith("The first 5 are shown, in the list's order; the downloads below hold all")
               for c in at.caption)


def test_the_review_table_shows_its_first_suggestions_and_approvals_beyond_them_still_export(monkeypatch):


    from dashboard import introductions
    from dashboard.ui.intros import KEY_DEMO_DECISIONS

    def review(at: AppTest) -> pd.DataFrame:
        assert not at.exception, [e.value for e in at.exception]
        return next(d.value for d in at.dataframe if "decision" in d.value)

    at = run_page("pages/5_Introductions.py", timeout=60)
    every = review(at)
    assert len(every) > 3
    last = (str(every["member_id"].iloc[-1]), str(every["buddy_id"].iloc[-1]))
    at.session_state[KEY_DEMO_DECISIONS] = {last: "approve"}  # a pair far down the list, approved earlier
    monkeypatch.setattr(introductions, "REVIEW_SHOWN", 2)
    at.run()
    assert len(review(at)) == 2
    assert any(c.value.startswith(f"The first 2 of {len(every)} suggestions are shown") for c in at.caption)
    exported = next(d.value for d in at.dataframe if "message" in d.value)
    assert exported["name"].tolist() == [every["name"].iloc[-1]]  # still approved, still exported


def test_the_data_page_lists_the_first_problem_rows_and_says_the_download_holds_all(monkeypatch):


    from dashboard.ingest import describe

    monkeypatch.setattr(describe, "PROBLEMS_SHOWN", 3)  # the page imports it afresh on each run
    at = run_page("pages/1_Data.py", timeout=60)
    shown = int(next(m.value for m in at.main.metric if m.label == "Rows with a problem").replace(",", ""))
    assert shown > 3
    listed = next(d.value for d in at.dataframe if "problem" in d.value and "value" in d.value)
    assert len(listed) == 3
    assert any(c.value.startswith(f"The first 3 of {shown} rows are listed; the download holds them all")
               for c in at.caption)
