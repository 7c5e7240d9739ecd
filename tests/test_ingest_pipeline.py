"""From uploads to a Community: statuses, grids, identities, problems listed."""

import pandas as pd
import pytest

from dashboard.ingest import InputError, Upload, load_community

MEMBERS = b"""Timestamp,Full name,Email Address,Which town or city do you live in?
14/06/2025 10:22:31,Serena Q,serena@x.org,London
15/06/2025 09:00:00,Bob Stone,bob@x.org,Leeds
16/07/2025 10:22:31,Serena Q,  SERENA@X.org ,
"""
EVENTS = b"""Event ID,Event name,Date,City,Venue,Online
1,Coffee,2026-03-14 19:00,London,Cafe,No
2,Walk,2026-04-14 19:00,Leeds,Park,No
3,Planned,2026-12-14 19:00,Leeds,Park,No
"""
EVENTBRITE = b"""Event ID,Event Name,First Name,Last Name,Email,Attendee Status,Order Date
1,Coffee,Serena,Q,serena@x.org,Checked In,2026-03-01
2,Walk,Bob,Stone,bob@x.org,Attending,2026-03-01
2,Walk,Nia,Okafor,nia@x.org,Checked In,2026-03-01
9,Ghost event,Ann,Lee,ann@x.org,Checked In,2026-03-01
3,Planned,Bob,Stone,bob@x.org,Attending,2026-03-01
1,Coffee,Bob,Stone,bob@x.org,Refunded,2026-03-01
"""


def load(members=MEMBERS, events=EVENTS, attendance=EVENTBRITE, **kw):
    up = lambda name, data: None if data is None else Upload(name, data)  # noqa: E731
    return load_community(up("members.csv", members), up("events.csv", events), up("attendance.csv", attendance), **kw)


def status_of(c, email, event_id):
    mid = c.members.loc[c.members["email"] == email, "member_id"].item()
    rows = c.attendance[(c.attendance["member_id"] == mid) & (c.attendance["event_id"] == event_id)]
    return rows["status"].item()


def problems_with(c, words):
    return c.problems[c.problems["problem"].str.contains(words)]


def test_duplicate_signups_merge_by_email_earliest_wins_gaps_filled():
    c = load()
    serena = c.members[c.members["email"] == "serena@x.org"]
    assert len(serena) == 1
    assert serena["joined_on"].item() == pd.Timestamp("2025-06-14 10:22:31")
    assert serena["city"].item() == "London"
    merged = problems_with(c, "same person")
    assert merged["row"].tolist() == [4] and merged["file"].tolist() == ["members.csv"]


@pytest.mark.parametrize(
    ("email", "event_id", "status"),
    [
        ("serena@x.org", "1", "attended"),  # Checked In
        ("bob@x.org", "2", "no_show"),  # Attending at a past event, no check-in
        ("bob@x.org", "3", "registered"),  # Attending a future event
        ("bob@x.org", "1", "cancelled"),  # Refunded
    ],
)
def test_eventbrite_statuses(email, event_id, status):
    assert status_of(load(), email, event_id) == status


def test_people_only_in_attendance_are_members_and_listed():
    c = load()
    assert "nia@x.org" in set(c.members["email"])
    assert problems_with(c, "added as a member")["value"].tolist() == ["nia@x.org", "ann@x.org"]


def test_an_email_typed_in_another_case_is_the_same_person():
    att = (EVENTBRITE.decode() + "1,Coffee,Bob,Stone,BOB@X.org,Checked In,2026-03-02\n"
           "1,Coffee,Nia,O,NIA@x.org,Checked In,2026-03-02\n").encode()
    c = load(attendance=att)
    assert status_of(c, "bob@x.org", "1") == "attended"  # the check-in outranks the refund
    assert c.members["email"].tolist().count("nia@x.org") == 1
    assert problems_with(c, "added as a member")["value"].tolist() == ["nia@x.org", "ann@x.org"]


def test_attendance_without_event_ids_is_matched_by_title_and_by_title_and_date():
    events = b"Event ID,Event name,Date\n1,Coffee morning,2026-03-14 10:00\n2,Coffee Morning!,2026-04-11 10:00\n3,Walk,2026-04-12 10:00\n"
    att = (b"Event name,Event date,Email,Status\n"
           b"coffee morning,11/04/2026,serena@x.org,attended\nWALK,,bob@x.org,attended\n"
           b"Coffee morning,2026-05-01,bob@x.org,attended\n")
    c = load(events=events, attendance=att)
    assert status_of(c, "serena@x.org", "2") == "attended"
    assert status_of(c, "bob@x.org", "3") == "attended"
    assert problems_with(c, "event not found")["value"].tolist() == ["Coffee morning"]


def test_attendance_for_an_unknown_event_is_listed_not_counted():
    c = load()
    unknown = problems_with(c, "event not found")
    assert unknown[["file", "row", "value"]].values.tolist() == [["attendance.csv", 5, "9"]]
    assert "9" not in set(c.attendance["event_id"])


def test_a_name_alone_never_merges_two_people():
    members = b"Name,Email\nAlex Kim,alex1@x.org\nAlex Kim,alex2@x.org\n"
    c = load(members=members, events=None, attendance=None) if False else load_community(Upload("m.csv", members))
    assert len(c.members) == 2
    assert len(problems_with(c, "same name")) == 1


def test_attendance_links_by_unique_exact_name_when_no_email():
    att = b"Event ID,Name,Status\n1,Bob Stone,attended\n1,Nobody Known,attended\n"
    c = load(attendance=att)
    assert status_of(c, "bob@x.org", "1") == "attended"
    assert problems_with(c, "name matches no single member")["value"].tolist() == ["Nobody Known"]


def test_no_identity_column_names_the_columns_found():
    with pytest.raises(InputError, match="Columns found: Shoe size, Colour"):
        load_community(Upload("m.csv", b"Shoe size,Colour\n9,red\n"))


def test_attendance_grid_is_turned_long():
    grid = "Name,Email,Coffee,Walk\nSerena Q,serena@x.org,x,\nBob Stone,bob@x.org,✓,Y\n".encode()
    c = load(attendance=grid)
    assert sorted(c.attendance.assign(e=c.attendance["event_id"]).groupby("member_id").size().tolist()) == [1, 2]
    assert set(c.attendance["status"]) == {"attended"}
    assert any("attendance grid" in n for s in c.sources for n in s.notes)


def test_meetup_aggregates_without_attendance_log():
    meetup = b"Name,User ID,Location,Joined Group on,Last Attended,Meetups attended,No shows,RSVPed Yes\nAnn,111,Leeds,03/25/2025,04/01/2026,12,1,14\n"
    c = load_community(Upload("meetup.csv", meetup))
    row = c.members.iloc[0]
    assert row["member_id"] == "111"
    assert row["agg_events_attended"] == 12 and row["agg_no_shows"] == 1
    assert row["agg_last_attended"] == pd.Timestamp("2026-04-01")


def test_registrations_without_any_checkin_count_as_attendance():
    att = b"Event ID,Email,RSVP\n1,serena@x.org,yes\n2,bob@x.org,yes\n"
    c = load(attendance=att)
    assert set(c.attendance["status"]) == {"attended"}
    assert any("No check-in information" in n for s in c.sources for n in s.notes)


def test_rows_with_no_identity_are_listed():
    members = b"Name,Email,City\n,,Leeds\nAnn,ann@x.org,York\n"
    c = load_community(Upload("m.csv", members))
    assert len(c.members) == 1
    assert problems_with(c, "no name, email or id")["row"].tolist() == [2]


def test_invalid_email_is_listed_and_the_person_kept():
    c = load_community(Upload("m.csv", b"Name,Email\nAnn,not-an-email\n"))
    assert c.members["name"].tolist() == ["Ann"] and c.members["email"].tolist() == [""]
    assert len(problems_with(c, "not an email")) == 1


def test_join_dates_in_the_future_are_listed():
    members = b"Name,Email,Joined\nAnn,ann@x.org,2031-01-01\n"
    c = load_community(Upload("m.csv", members), reference_date=pd.Timestamp("2026-11-25"))
    assert len(problems_with(c, "in the future")) == 1
    assert len(c.members) == 1


def test_unreadable_dates_are_listed():
    c = load_community(Upload("m.csv", b"Name,Email,Joined\nAnn,ann@x.org,soon\n"))
    assert problems_with(c, "not a date")[["row", "value"]].values.tolist() == [[2, "soon"]]


def test_date_order_override():
    members = b"Name,Email,Joined\nAnn,ann@x.org,01/02/2026\n"
    day = load_community(Upload("m.csv", members))
    month = load_community(Upload("m.csv", members, date_orders={"joined_on": "month-first"}))
    assert day.members["joined_on"].item() == pd.Timestamp("2026-02-01")
    assert month.members["joined_on"].item() == pd.Timestamp("2026-01-02")


def test_column_override_wins():
    members = b"Name,Contact,City\nAnn,ann@x.org,Leeds\n"
    c = load_community(Upload("m.csv", members, overrides={"Contact": "email"}))
    assert c.members["email"].tolist() == ["ann@x.org"]


def test_only_attendance_is_enough():
    c = load_community(attendance=Upload("a.csv", EVENTBRITE))
    assert len(c.members) == 4  # serena, bob, nia, ann
    assert len(c.events) == 4  # events are built from the export


def test_nothing_uploaded():
    with pytest.raises(InputError, match="Upload a members file"):
        load_community()


def test_every_problem_row_names_its_file():
    c = load()
    assert c.problems["file"].isin(["members.csv", "events.csv", "attendance.csv"]).all()


SHARED_ID = b"""Event ID,Event Name,Member ID,Name,Email,Attendee Status
1,Coffee,7,Ann Lee,ann@x.org,Checked In
1,Coffee,7,Bo Chan,bo@x.org,Checked In
2,Walk,7,Bo Chan,bo@x.org,Checked In
2,Walk,,Cy Dee,cy@x.org,Checked In
"""


@pytest.mark.parametrize("members", [None, MEMBERS])
def test_newcomers_sharing_a_member_id_stay_two_people_with_ids_of_their_own(members):
    c = load(members=members, attendance=SHARED_ID)
    assert c.members["member_id"].is_unique
    ann = c.members.loc[c.members["email"] == "ann@x.org", "member_id"].item()
    bo = c.members.loc[c.members["email"] == "bo@x.org", "member_id"].item()
    assert ann == "7" and bo != "7"
    assert sorted(c.attendance.loc[c.attendance["member_id"] == bo, "event_id"]) == ["1", "2"]
    listed = problems_with(c, "member id 7 is also")
    assert listed["row"].tolist() == [3] and listed["value"].item() == "bo@x.org"


def test_a_generated_id_never_takes_an_id_the_file_already_uses():
    attendance = b"""Event ID,Member ID,Email,Attendee Status
1,A00001,ann@x.org,Checked In
1,,bo@x.org,Checked In
"""
    c = load(members=None, attendance=attendance)
    assert c.members["member_id"].is_unique
    assert len(c.members) == 2


def test_two_columns_chosen_for_city_fill_each_other_and_the_data_page_is_told():
    members = b"""Name,Email,City,Other city
Ann,ann@x.org,Leeds,
Bo,bo@x.org,,Hull
"""
    c = load_community(Upload("m.csv", members, overrides={"City": "city", "Other city": "city"}))
    assert c.members["city"].tolist() == ["Leeds", "Hull"]
    assert any("'City', then 'Other city'" in n for n in c.sources[0].notes)


@pytest.mark.parametrize("members", [MEMBERS, None])
def test_member_text_columns_are_strings_however_the_rows_got_there(members):
    c = load(members=members)  # MEMBERS merges a duplicate sign-up; None builds members from attendance
    for col in ("member_id", "name", "email", "city", "country", "role", "ucla_companionship", "ons_lonely"):
        assert c.members[col].dtype == "str", col


def test_a_column_named_like_the_readers_own_can_be_chosen_on_the_data_page():
    members = Upload("m.csv", b"__row__,Email\nAnn Lee,ann@example.org\n",
                     overrides={"__row__ (column 1)": "name"})
    community = load_community(members)
    assert community.members[["name", "email"]].values.tolist() == [["Ann Lee", "ann@example.org"]]


@pytest.mark.parametrize("case", ["all three", "attendance only", "grid", "shared id", "no events file"])
def test_the_loads_attendance_codes_are_what_the_ids_say(case):
    from dashboard.model import attendance_codes

    grid = "Name,Email,Coffee,Walk\nSerena Q,serena@x.org,x,\nBob Stone,bob@x.org,✓,Y\n".encode()
    c = {
        "all three": lambda: load(),
        "attendance only": lambda: load_community(attendance=Upload("a.csv", EVENTBRITE)),
        "grid": lambda: load(attendance=grid),
        "shared id": lambda: load(members=None, attendance=SHARED_ID),
        "no events file": lambda: load(events=None),
    }[case]()
    assert "codes" in c.__dict__, "the load hands over the codes it linked the rows with"
    given = c.codes
    worked_out = attendance_codes(c.members, c.events, c.attendance)
    for name in ("member", "event", "status"):
        assert getattr(given, name).tolist() == getattr(worked_out, name).tolist(), name
    assert (given.member >= 0).all() and (given.event >= 0).all() and (given.status >= 0).all()
