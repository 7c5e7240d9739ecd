"""Header mapping: known exports need no help; the organiser's overrides win."""

import pandas as pd
import pytest

from dashboard.ingest.mapping import IGNORE, apply_mapping, normalise_header, shared_field_notes, suggest_mapping
from dashboard.ingest.read import ROW_COLUMN


def mapping(columns, kind, overrides=None):
    return {m.column: m.field for m in suggest_mapping(columns, kind, overrides)}


def test_google_forms_signup():
    cols = [
        "Timestamp", "Email Address", "What's your name?", "Which town or city do you live in?",
        "When did you move to your city?", "How often do you feel that you lack companionship?",
        "How often do you feel left out?", "How often do you feel isolated from others?",
        "How often do you feel lonely?",
    ]
    assert mapping(cols, "members") == {
        "Timestamp": "joined_on", "Email Address": "email", "What's your name?": "name",
        "Which town or city do you live in?": "city", "When did you move to your city?": "moved_on",
        "How often do you feel that you lack companionship?": "ucla_companionship",
        "How often do you feel left out?": "ucla_left_out",
        "How often do you feel isolated from others?": "ucla_isolated",
        "How often do you feel lonely?": "ons_lonely",
    }


def test_eventbrite_attendee_report():
    cols = ["Order #", "Order Date", "First Name", "Last Name", "Email", "Attendee Status", "Event Name", "Event ID", "Ticket Type"]
    got = mapping(cols, "attendance")
    assert got == {
        "Order Date": "registered_on", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
        "Attendee Status": "status", "Event Name": "event_title", "Event ID": "event_id",
    }


def test_meetup_member_list():
    cols = ["Name", "User ID", "Title", "Location", "Joined Group on", "Last visited group on", "Last Attended", "Meetups attended", "No shows", "RSVPed Yes"]
    got = mapping(cols, "members")
    assert got["User ID"] == "member_id"
    assert got["Location"] == "city"
    assert got["Joined Group on"] == "joined_on"
    assert got["Last Attended"] == "agg_last_attended"
    assert got["Meetups attended"] == "agg_events_attended"
    assert got["No shows"] == "agg_no_shows"
    assert got["RSVPed Yes"] == "agg_rsvps"


@pytest.mark.parametrize(("header", "field"), [("E-mail", "email"), ("EMAIL ADDRESS:", "email"), ("Emial", "email"), ("Surnmae", "last_name"), ("Twon", "city"), ("home city", "city"), ("Nom", "name"), ("Courriel", "email")])
def test_case_punctuation_and_typos(header, field):
    assert mapping([header], "members") == {header: field}


def test_unrelated_headers_stay_unmapped():
    assert mapping(["Shoe size", "Favourite colour"], "members") == {}


def test_overrides_win_and_can_ignore():
    got = mapping(["Email", "Contact"], "members", {"Contact": "email", "Email": IGNORE})
    assert got == {"Contact": "email"}


def test_overrides_win_whatever_the_column_is_called():
    # the reader renames a file's column called like its own row column; the mapper honours any name
    matches = suggest_mapping([ROW_COLUMN, "Email"], "members", {ROW_COLUMN: "name"})
    assert [(m.column, m.field, m.how) for m in matches] == [(ROW_COLUMN, "name", "yours"), ("Email", "email", "exact")]


def test_each_field_is_filled_once():
    got = mapping(["Email", "Email (2)"], "members")
    assert list(got.values()).count("email") == 1


def test_normalise_header():
    assert normalise_header("  E-Mail Address: ") == "e mail address"
    assert normalise_header("Zürich (2)") == "zurich"


def test_two_columns_for_one_field_fill_each_others_gaps_and_say_so():
    frame = pd.DataFrame({"City": ["Leeds", "", "York", ""], "Other city": ["", "Hull", "Bath", ""],
                          ROW_COLUMN: [2, 3, 4, 5]})
    matches = suggest_mapping(["City", "Other city"], "members", {"City": "city", "Other city": "city"})
    assert apply_mapping(frame, matches)["city"].tolist() == ["Leeds", "Hull", "York", ""]
    (note,) = shared_field_notes(frame, matches)
    assert "'City', then 'Other city'" in note
    assert "On 1 row(s)" in note and "row 4" in note


def test_one_column_per_field_needs_no_note():
    frame = pd.DataFrame({"City": ["Leeds"], "Email": ["a@b.org"], ROW_COLUMN: [2]})
    assert shared_field_notes(frame, suggest_mapping(["City", "Email"], "members")) == ()
