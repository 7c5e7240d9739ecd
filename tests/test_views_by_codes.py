"""A filtered view and the staff-free community are cut by the attendance codes (positions),
not by hashing every attendance id again: the same frames as matching the ids as strings, and
codes that are what the view's own ids say (issue 15)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.columns import isin
from dashboard.engagement import exclude_staff
from dashboard.filters import Filters, _date_mask, _in_area, _online, apply_filters, members_in_area
from dashboard.model import Community, attendance_codes
from dashboard.settings import Settings
from tests.factories import make_community

CITIES = ({"city": "Leeds", "lat": 53.8, "lon": -1.55}, {"city": "York", "lat": 53.96, "lon": -1.08},
          {"city": "London", "lat": 51.5, "lon": -0.12}, {"city": ""})


def _by_strings(community: Community, f: Filters) -> Community:
    """The filter as it was written before codes: every attendance id matched as a string."""
    members, events, attendance = community.members, community.events, community.attendance
    center, member_keep = members_in_area(community, f)
    members_view = members[member_keep].reset_index(drop=True)
    ids = members_view["member_id"]
    event_keep = _date_mask(events, f)
    if f.geographic and len(events):
        online = _online(events)
        in_person = _in_area(events, f, center, online) & ~online.to_numpy()
        came = attendance.loc[
            isin(attendance["member_id"], ids) & (attendance["status"] != "cancelled").to_numpy(), "event_id"
        ] if len(attendance) else pd.Series([], dtype=object)
        event_keep = event_keep & (in_person | (online.to_numpy() & isin(events["event_id"], came)))
    events_view = events[event_keep].reset_index(drop=True)
    keep = isin(attendance["member_id"], ids) & isin(attendance["event_id"], events_view["event_id"])
    return community.with_(members=members_view, events=events_view, attendance=attendance[keep].reset_index(drop=True))


def _random_community(seed: int, repeats: bool) -> Community:
    """Members in a few cities (some staff), events in person and online, attendance with every
    status, ids of nobody, and (``repeats``) an id given to two members and to two events."""
    rng = np.random.default_rng(seed)
    n_members, n_events = int(rng.integers(3, 25)), int(rng.integers(2, 12))
    members = [{"member_id": f"m{i}", "role": rng.choice(["member", "member", "host", "organiser"]),
                **CITIES[int(rng.integers(0, len(CITIES)))]} for i in range(n_members)]
    events = [{"event_id": f"e{i}", "starts_at": f"2026-0{1 + i % 6}-1{i % 9} 18:00", "online": bool(rng.random() < 0.3),
               **CITIES[int(rng.integers(0, 3))]} for i in range(n_events)]
    if repeats:
        members.append({**members[0], **CITIES[2]})  # the same id, elsewhere
        events.append({**events[0], **CITIES[1], "starts_at": "2026-02-02 10:00"})
    rows = [(f"m{rng.integers(0, n_members + 2)}", f"e{rng.integers(0, n_events + 1)}",
             rng.choice(["attended", "no_show", "registered", "cancelled"])) for _ in range(int(rng.integers(0, 80)))]
    return make_community(members=members, events=events, attendance=rows)


FILTERS = [Filters(), Filters(cities=("Leeds",)), Filters(cities=("York", "London")),
           Filters(near_city="Leeds", radius_km=50.0), Filters(cities=("Leeds",), date_from=date(2026, 3, 1)),
           Filters(date_to=date(2026, 2, 28))]


def _same(got: Community, expected: Community) -> None:
    for name in ("members", "events", "attendance"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name), obj=name)
    worked_out = attendance_codes(got.members, got.events, got.attendance)
    for part in ("member", "event", "status"):  # carried over or worked out: what the ids say
        assert getattr(got.codes, part).tolist() == getattr(worked_out, part).tolist(), part


@pytest.mark.parametrize("repeats", [False, True], ids=["unique ids", "repeated ids"])
@pytest.mark.parametrize("seed", range(12))
def test_a_view_by_codes_is_the_view_by_ids(seed, repeats):
    community = _random_community(seed, repeats)
    for f in FILTERS:
        _same(apply_filters(community, f), _by_strings(community, f))


@pytest.mark.parametrize("repeats", [False, True], ids=["unique ids", "repeated ids"])
@pytest.mark.parametrize("seed", range(12))
def test_leaving_staff_out_by_codes_drops_their_rows_as_the_ids_say(seed, repeats):
    community = _random_community(seed, repeats)
    got = exclude_staff(community, Settings())
    staff_ids = community.members.loc[community.members["role"].isin(["host", "organiser"]), "member_id"]
    if staff_ids.empty:
        assert got is community
        return
    att = community.attendance
    expected = community.with_(
        members=community.members[~community.members["role"].isin(["host", "organiser"])].reset_index(drop=True),
        attendance=att[~isin(att["member_id"], staff_ids)].reset_index(drop=True))
    _same(got, expected)


def test_a_view_of_a_view_carries_the_codes_along():
    community = _random_community(3, repeats=False)
    community.codes  # noqa: B018 - worked out, as a loaded community's are
    view = apply_filters(community, Filters(cities=("Leeds", "York")))
    assert "codes" in vars(view), "the view's codes were renumbered, not left to be worked out"
    staff_free = exclude_staff(view, Settings())
    assert staff_free is view or "codes" in vars(staff_free)
