"""One policy per role, applied to every frame a page is given."""

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from dashboard import geo, mapviz
from dashboard.analysis import analyse, buddy_suggestions
from dashboard.auth.roles import (
    HELPER,
    ORGANISER,
    USER_ROLES,
    VIEWER,
    policy_for,
    redaction,
    unclassified,
)
from dashboard.filters import Filters, apply_filters, rows_for
from dashboard.ingest import Upload, load_community
from dashboard.model import default_as_of
from dashboard.overview import headline
from dashboard.settings import Settings
from tests.factories import AS_OF, days_before, make_community

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small():
    community = make_community(
        members=[
            {"member_id": "m1", "name": "Ana Lopez", "email": "ana@example.org", "city": "Leeds",
             "joined_on": days_before(400), "ons_lonely": "Often/always", "interests": ("books",)},
            {"member_id": "m2", "name": "Bo Chen", "email": "bo@example.org", "city": "Leeds",
             "joined_on": days_before(400), "interests": ("books",)},
            {"member_id": "m3", "name": "Cy Obi", "email": "cy@example.org", "city": "York",
             "joined_on": days_before(100)},
        ],
        events=[{"event_id": "e1", "starts_at": days_before(200), "city": "Leeds"},
                {"event_id": "e2", "starts_at": days_before(10), "city": "Leeds"}],
        attendance=[("m1", "e1"), ("m2", "e1"), ("m2", "e2")],
    )
    community = community.with_(problems=pd.DataFrame([{"file": "members.csv", "row": 7, "column": "email",
                                                        "value": "dan@example.org", "problem": "duplicate"}]))
    return community, analyse(community, AS_OF, Settings())


@pytest.fixture(scope="module")
def demo():
    files = [ROOT / "data" / f"demo_{kind}.csv" for kind in ("members", "events", "attendance")]
    community = geo.geocode_community(load_community(*[Upload(f.name, f.read_bytes()) for f in files]))
    return community, analyse(community, default_as_of(community), Settings())


def frames_of(community, result, buddies):
    return {
        **{f"community.{f.name}": getattr(community, f.name) for f in dataclasses.fields(community)
           if isinstance(getattr(community, f.name), pd.DataFrame)},
        **{f"analysis.{f.name}": getattr(result, f.name) for f in dataclasses.fields(result)
           if isinstance(getattr(result, f.name), pd.DataFrame)},
        "buddies": buddies,
    }


def cells(frame):
    """Every cell and index label of a frame as text."""
    texts = [str(v) for v in frame.index]
    for col in frame.columns:
        texts.extend(str(v) for v in frame[col].tolist())
    return texts


# --- the policy ---------------------------------------------------------------------


def test_there_are_three_roles():
    assert USER_ROLES == ("organiser", "helper", "viewer")


@pytest.mark.parametrize("role", ["", "admin", "Organiser", None])
def test_anything_else_is_refused(role):
    with pytest.raises(ValueError, match="is not a role; use one of organiser, helper, viewer"):
        policy_for(role)


def test_an_organiser_may_do_everything():
    p = policy_for(ORGANISER)
    assert all(getattr(p, f.name) for f in dataclasses.fields(p) if f.name != "role")


def test_a_helper_sees_people_but_no_emails_and_changes_no_data():
    p = policy_for(HELPER)
    assert p.names and p.reasons and p.log_contacts and p.per_person
    assert not (p.emails or p.uploads or p.erasure or p.manage_users)


def test_a_viewer_sees_aggregates_only():
    p = policy_for(VIEWER)
    assert not (p.names or p.emails or p.reasons or p.per_person or p.personal_downloads or p.log_contacts
                or p.uploads or p.erasure or p.manage_users)


# --- redaction on small frames --------------------------------------------------------


def test_an_organiser_gets_the_frames_untouched(small):
    community, result = small
    r = redaction(ORGANISER, community)
    assert r.community(community) is community and r.analysis(result) is result


def test_a_helper_gets_names_and_reasons_but_no_emails(small):
    community, result = small
    r = redaction(HELPER, community)
    members = r.frame(result.members)
    assert members["name"].tolist() == ["Ana Lopez", "Bo Chen", "Cy Obi"]
    assert members["member_id"].tolist() == ["m1", "m2", "m3"]
    assert (members["email"] == "").all()
    assert members["risk_reasons_text"].tolist() == result.members["risk_reasons_text"].tolist()
    assert (members["ons_lonely"] == "").all()  # raw survey answers stay with organisers
    assert r.community(community).problems["value"].tolist() == [""]


def test_a_viewer_gets_no_names_emails_reasons_or_real_ids(small):
    community, result = small
    r = redaction(VIEWER, community)
    members = r.frame(result.members)
    for col in ("name", "email", "risk_reasons_text", "segment_reason", "ons_lonely"):
        assert (members[col] == "").all(), col
    assert members["risk_reasons"].map(len).eq(0).all()
    assert members["member_id"].tolist() == ["P00001", "P00002", "P00003"]
    assert members["risk_tier"].tolist() == result.members["risk_tier"].tolist()  # aggregates stay


def test_a_viewers_pseudonyms_agree_across_frames(small):
    community, result = small
    r = redaction(VIEWER, community)
    redacted = r.analysis(result)
    view = r.community(community)
    assert set(view.attendance["member_id"]) <= set(view.members["member_id"])
    assert list(redacted.metrics.index) == list(redacted.members["member_id"])
    assert redacted.metrics.index.name == "member_id"
    pairs = set(redacted.edges["member_a"]) | set(redacted.edges["member_b"])
    assert pairs and pairs <= set(view.members["member_id"])


def test_a_filtered_view_gets_the_same_pseudonyms_as_the_whole(small):
    community, _ = small
    r = redaction(VIEWER, community)
    york = r.community(apply_filters(community, Filters(cities=("York",))))
    assert york.members["member_id"].tolist() == ["P00003"]


def test_an_id_of_nobody_is_blanked_and_a_missing_one_stays_missing(small):
    community, _ = small
    r = redaction(VIEWER, community)
    frame = pd.DataFrame({"member_id": ["m2", "stranger", "", None]})
    ids = r.frame(frame)["member_id"].tolist()
    assert ids[:3] == ["P00002", "", ""] and pd.isna(ids[3])


def test_an_unclassified_column_is_dropped_for_all_but_organisers(small):
    community, _ = small
    frame = pd.DataFrame({"member_id": ["m1"], "phone": ["07700 900000"]})
    assert "phone" not in redaction(HELPER, community).frame(frame)
    assert "phone" not in redaction(VIEWER, community).frame(frame)
    assert "phone" in redaction(ORGANISER, community).frame(frame)


def test_redaction_never_changes_its_input(small):
    community, result = small
    before = result.members.copy()
    redaction(VIEWER, community).analysis(result)
    pd.testing.assert_frame_equal(result.members, before)


# --- the demo community ---------------------------------------------------------------


def test_every_column_the_core_produces_is_classified(demo):
    community, result = demo
    buddies = buddy_suggestions(result, Settings())
    missing = {name: unclassified(frame.columns) for name, frame in frames_of(community, result, buddies).items()}
    assert {k: v for k, v in missing.items() if v} == {}


def test_a_viewer_is_given_no_name_email_or_real_id_anywhere(demo):
    community, result = demo
    r = redaction(VIEWER, community)
    secrets = set(community.members["name"]) | set(community.members["email"]) | set(community.members["member_id"])
    secrets.discard("")
    given = frames_of(r.community(community), r.analysis(result), r.frame(buddy_suggestions(result, Settings())))
    for name, frame in given.items():
        leaked = secrets.intersection(cells(frame))
        assert not leaked, (name, sorted(leaked)[:5])
    first_names = {n.split()[0] for n in community.members["name"] if n}
    assert not any(first in text for text in cells(given["buddies"]) for first in first_names if len(first) > 3)


def test_a_helper_is_given_no_email_anywhere(demo):
    community, result = demo
    r = redaction(HELPER, community)
    emails = set(community.members["email"]) - {""}
    given = frames_of(r.community(community), r.analysis(result), r.frame(buddy_suggestions(result, Settings())))
    for name, frame in given.items():
        assert not any("@" in text and text in emails for text in cells(frame)), name
    assert all(not s.notes for s in r.community(community).sources)


def test_a_viewers_aggregates_match_the_organisers(demo):
    community, result = demo
    r = redaction(VIEWER, community)
    as_of = default_as_of(community)
    members = rows_for(result.members, community)
    seen, seen_analysis = r.frame(members), r.analysis(result)
    assert (headline(seen, r.community(community), seen_analysis.metrics, as_of, Settings())
            == headline(members, community, result.metrics, as_of, Settings()))
    pd.testing.assert_frame_equal(mapviz.city_summary(seen), mapviz.city_summary(members))


def test_categorical_ids_keep_their_codes(small):
    community, _ = small
    r = redaction(VIEWER, community)
    ends = pd.Series(pd.Categorical(["m3", "m1", "m3"], categories=["m1", "m3"], ordered=True))
    assert list(r.ids(ends)) == ["P00003", "P00001", "P00003"]
    strangers = pd.Series(pd.Categorical(["x", "y", "m2"]))  # two unknown ids would share "" as a category
    assert list(r.ids(strangers)) == ["", "", "P00002"]
