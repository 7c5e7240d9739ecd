"""Co-attendance ties and per-member tie statistics on tiny hand-made frames."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from dashboard.days import DAYS_PER_MONTH
from dashboard.model import Community
from dashboard.ties import (
    EDGE_COLUMNS,
    TIE_STAT_COLUMNS,
    co_attendance_ties,
    community_ties,
    member_tie_stats,
    oversized_events,
    ties_among,
)

AS_OF = pd.Timestamp("2024-06-30")


def _events(**starts: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"event_id": list(starts), "starts_at": pd.to_datetime(list(starts.values()), format="ISO8601")}
    )


def _attendance(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["member_id", "event_id", "status"])


def _pairs(edges: pd.DataFrame) -> dict[tuple[str, str], tuple[int, float]]:
    return {
        (str(r.member_a), str(r.member_b)): (int(r.meetings), float(r.strength))
        for r in edges.itertuples()
    }


@pytest.fixture
def tiny() -> tuple[pd.DataFrame, pd.DataFrame]:
    # e_now is on as_of (later that day), e_old 61 days before, e_future after as_of
    events = _events(e_now="2024-06-30 19:00", e_old="2024-04-30", e_future="2024-07-01")
    attendance = _attendance(
        [
            ("ann", "e_now", "attended"),
            ("bob", "e_now", "attended"),
            ("cat", "e_now", "no_show"),
            ("ann", "e_old", "attended"),
            ("bob", "e_old", "attended"),
            ("cat", "e_old", "attended"),
            ("cat", "e_future", "attended"),
            ("dan", "e_future", "attended"),
        ]
    )
    return attendance, events


def test_hand_computed_meetings_and_strength(tiny):
    attendance, events = tiny
    edges = co_attendance_ties(attendance, events, AS_OF)
    old = 0.9 ** (61 / DAYS_PER_MONTH)  # 0.8105...
    got = _pairs(edges)
    assert set(got) == {("ann", "bob"), ("ann", "cat"), ("bob", "cat")}
    assert got[("ann", "bob")][0] == 2
    assert got[("ann", "bob")][1] == pytest.approx(1.0 + old)
    assert got[("ann", "cat")] == (1, pytest.approx(old))
    assert got[("bob", "cat")] == (1, pytest.approx(old))


def test_columns_and_order(tiny):
    attendance, events = tiny
    edges = co_attendance_ties(attendance, events, AS_OF)
    assert tuple(edges.columns) == EDGE_COLUMNS
    assert (edges["member_a"].astype(str) < edges["member_b"].astype(str)).all()
    assert (edges["member_a"] < edges["member_b"]).all()


def test_last_met_is_latest_shared_event(tiny):
    attendance, events = tiny
    edges = co_attendance_ties(attendance, events, AS_OF).set_index(["member_a", "member_b"])
    assert edges.loc[("ann", "bob"), "last_met"] == pd.Timestamp("2024-06-30 19:00")
    assert edges.loc[("ann", "cat"), "last_met"] == pd.Timestamp("2024-04-30")


def test_future_events_and_no_shows_make_no_ties(tiny):
    attendance, events = tiny
    edges = co_attendance_ties(attendance, events, AS_OF)
    assert "dan" not in set(edges["member_a"].astype(str)) | set(edges["member_b"].astype(str))
    # cat was a no-show at e_now, so ann–cat met once, not twice
    assert _pairs(edges)[("ann", "cat")][0] == 1


def test_decay_of_one_makes_strength_equal_meetings(tiny):
    attendance, events = tiny
    edges = co_attendance_ties(attendance, events, AS_OF, decay_per_month=1.0)
    assert np.allclose(edges["strength"], edges["meetings"])


def test_duplicate_rows_count_once():
    events = _events(e1="2024-06-30")
    attendance = _attendance([("a", "e1", "attended")] * 3 + [("b", "e1", "attended")])
    assert _pairs(co_attendance_ties(attendance, events, AS_OF)) == {("a", "b"): (1, 1.0)}


def test_unknown_events_and_missing_dates_are_ignored():
    events = pd.DataFrame({"event_id": ["e1", "e2"], "starts_at": [pd.NaT, pd.Timestamp("2024-06-30")]})
    attendance = _attendance(
        [("a", "e1", "attended"), ("b", "e1", "attended"), ("a", "e9", "attended"),
         ("b", "e9", "attended"), ("c", "e2", "attended")]
    )
    assert co_attendance_ties(attendance, events, AS_OF).empty


def test_crowds_make_no_ties_and_are_listed():
    events = _events(small="2024-06-01", crowd="2024-06-02")
    rows = [(m, "small", "attended") for m in ("a", "b")]
    rows += [(f"p{i}", "crowd", "attended") for i in range(4)]
    attendance = _attendance(rows)
    edges = co_attendance_ties(attendance, events, AS_OF, max_event_size=3)
    assert set(_pairs(edges)) == {("a", "b")}
    big = oversized_events(attendance, events, AS_OF, max_event_size=3)
    assert big.to_dict("records") == [{"event_id": "crowd", "attended": 4}]


@pytest.mark.parametrize("n_rows", [0, 1])
def test_too_little_attendance_gives_empty_edges(n_rows):
    events = _events(e1="2024-06-30")
    attendance = _attendance([("a", "e1", "attended")][:n_rows])
    edges = co_attendance_ties(attendance, events, AS_OF)
    assert edges.empty and tuple(edges.columns) == EDGE_COLUMNS


def test_inputs_are_not_mutated(tiny):
    attendance, events = tiny
    before = attendance.copy(), events.copy()
    co_attendance_ties(attendance, events, AS_OF)
    pd.testing.assert_frame_equal(attendance, before[0])
    pd.testing.assert_frame_equal(events, before[1])


def test_matches_naive_pair_count_on_random_frame():
    rng = np.random.default_rng(3)
    n_events = 40
    starts = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 600, n_events), unit="D")
    events = pd.DataFrame({"event_id": [f"e{i}" for i in range(n_events)], "starts_at": starts})
    attendance = _attendance(
        [
            (f"m{rng.integers(0, 25)}", f"e{rng.integers(0, n_events)}",
             str(rng.choice(["attended", "attended", "no_show"])))
            for _ in range(300)
        ]
    )
    expected: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    as_of = pd.Timestamp("2024-03-01")
    attended = attendance[attendance["status"] == "attended"].drop_duplicates()
    for event_id, group in attended.groupby("event_id"):
        start = starts[int(event_id[1:])]
        if start > as_of or not 2 <= len(group) <= 8:
            continue
        weight = 0.9 ** ((as_of - start).days / DAYS_PER_MONTH)
        for a, b in combinations(sorted(group["member_id"]), 2):
            expected[(a, b)][0] += 1
            expected[(a, b)][1] += weight
    got = _pairs(co_attendance_ties(attendance, events, as_of, max_event_size=8))
    assert set(got) == set(expected)
    for pair, (meetings, strength) in expected.items():
        assert got[pair] == (meetings, pytest.approx(strength))


# --- member_tie_stats ----------------------------------------------------------


@pytest.fixture
def edges() -> pd.DataFrame:
    # plain string columns, as someone might build by hand
    return pd.DataFrame(
        {
            "member_a": ["a", "a", "b", "c"],
            "member_b": ["b", "c", "c", "d"],
            "meetings": [3, 1, 2, 1],
            "strength": [2.5, 0.4, 2.5, 0.9],
            "last_met": pd.to_datetime(["2024-06-01"] * 4),
        }
    )


def test_tie_counts(edges):
    stats = member_tie_stats(edges, ["a", "b", "c", "d", "e"])
    assert tuple(stats.columns) == TIE_STAT_COLUMNS
    assert stats["ties"].to_dict() == {"a": 2, "b": 2, "c": 3, "d": 1, "e": 0}
    assert stats["repeat_ties"].to_dict() == {"a": 1, "b": 2, "c": 1, "d": 0, "e": 0}


def test_strongest_tie_breaks_ties_by_smallest_id(edges):
    stats = member_tie_stats(edges, ["a", "b", "c", "d", "e"])
    # b has two ties of strength 2.5 (a and c): the smaller id wins
    assert stats.loc["b", "strongest_tie_id"] == "a"
    assert stats.loc["c", "strongest_tie_id"] == "b"
    assert stats.loc["d", "strongest_tie_strength"] == pytest.approx(0.9)
    assert stats.loc["e", "strongest_tie_id"] == ""
    assert stats.loc["e", "strongest_tie_strength"] == 0.0


def test_regulars_known(edges):
    stats = member_tie_stats(edges, ["a", "b", "c", "d"], regulars=["c", "d"])
    assert stats["regulars_known"].to_dict() == {"a": 1, "b": 1, "c": 1, "d": 1}
    assert member_tie_stats(edges, ["a"])["regulars_known"].tolist() == [0]


def test_stats_from_computed_edges_match_hand_made(tiny):
    attendance, events = tiny
    computed = co_attendance_ties(attendance, events, AS_OF)
    stats = member_tie_stats(computed, ["ann", "bob", "cat", "dan"])
    assert stats["ties"].tolist() == [2, 2, 2, 0]
    assert stats["repeat_ties"].tolist() == [1, 1, 0, 0]
    assert stats.loc["cat", "strongest_tie_id"] == "ann"


def test_stats_on_empty_edges_and_no_mutation(edges):
    before = edges.copy()
    member_tie_stats(edges, ["a"])
    pd.testing.assert_frame_equal(edges, before)
    stats = member_tie_stats(edges.iloc[:0], ["a", "b"])
    assert stats["ties"].tolist() == [0, 0]


def test_huge_id_spaces_fall_back_to_an_argsort(tiny, monkeypatch):
    """When (pair, event) codes would overflow one int64 the slower path gives the same ties."""
    attendance, events = tiny
    packed = co_attendance_ties(attendance, events, AS_OF)
    monkeypatch.setattr("dashboard.ties.PACK_LIMIT", 0)
    pd.testing.assert_frame_equal(co_attendance_ties(attendance, events, AS_OF), packed)


# --- the packed fast path against a plain reference ------------------------------


def _random_community(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random events (some in the future, some undated) and attendance with no-shows, repeats, NaN ids."""
    rng = np.random.default_rng(seed)
    n_events, n_members = int(rng.integers(1, 30)), int(rng.integers(1, 40))
    starts = pd.Timestamp("2023-06-01") + pd.to_timedelta(rng.integers(0, 450, n_events), unit="D")
    starts = starts.where(rng.random(n_events) > 0.1)  # a few without a date
    events = pd.DataFrame({"event_id": [f"e{i}" for i in range(n_events)], "starts_at": starts})
    n_rows = int(rng.integers(0, 250))
    member = [f"m{i:02d}" for i in rng.integers(0, n_members, n_rows)]
    attendance = pd.DataFrame(
        {
            "member_id": pd.Series(member, dtype="str").where(rng.random(n_rows) > 0.03),
            "event_id": [f"e{i}" for i in rng.integers(0, n_events + 2, n_rows)],  # some unknown events
            "status": rng.choice(["attended", "attended", "attended", "no_show"], n_rows),
        }
    )
    return attendance, events


def _reference_ties(
    attendance: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp, max_size: int
) -> dict[tuple[str, str], tuple[int, float, pd.Timestamp]]:
    """Pairs by brute force: every attended event's members, pair by pair, in chronological order."""
    held = events[events["starts_at"].notna() & (events["starts_at"] < as_of.normalize() + pd.Timedelta(days=1))]
    out: dict[tuple[str, str], tuple[int, float, pd.Timestamp]] = {}
    for event_id, start in held.sort_values("starts_at", kind="stable").itertuples(index=False):
        rows = attendance[(attendance["event_id"] == event_id) & (attendance["status"] == "attended")]
        people = sorted(set(rows["member_id"].dropna()))
        if len(people) > max_size:
            continue
        days = (as_of.normalize() - start.normalize()).days
        weight = 0.9 ** (max(days, 0) / DAYS_PER_MONTH)
        for pair in combinations(people, 2):
            meetings, strength, _ = out.get(pair, (0, 0.0, None))
            out[pair] = (meetings + 1, strength + weight, start)
    return out


@pytest.mark.parametrize("seed", range(25))
def test_matches_brute_force_on_random_communities(seed):
    attendance, events = _random_community(seed)
    as_of = pd.Timestamp("2024-03-01 12:00")
    max_size = 6
    edges = co_attendance_ties(attendance, events, as_of, max_event_size=max_size)
    expected = _reference_ties(attendance, events, as_of, max_size)
    got = {
        (str(r.member_a), str(r.member_b)): (int(r.meetings), float(r.strength), r.last_met)
        for r in edges.itertuples()
    }
    assert set(got) == set(expected)
    for pair, (meetings, strength, last_met) in expected.items():
        assert got[pair] == (meetings, pytest.approx(strength, rel=1e-12), last_met)
    assert list(zip(edges["member_a"].astype(str), edges["member_b"].astype(str))) == sorted(expected)


@pytest.mark.parametrize("seed", range(10))
def test_packed_and_unpacked_paths_agree_on_random_communities(seed, monkeypatch):
    attendance, events = _random_community(seed)
    packed = co_attendance_ties(attendance, events, AS_OF, max_event_size=6)
    monkeypatch.setattr("dashboard.ties.PACK_LIMIT", 0)
    pd.testing.assert_frame_equal(co_attendance_ties(attendance, events, AS_OF, max_event_size=6), packed)


def test_object_and_integer_ids_give_the_same_ties_as_strings():
    attendance, events = _random_community(7)
    attendance = attendance.dropna(subset=["member_id"])
    as_str = co_attendance_ties(attendance, events, AS_OF)
    as_object = co_attendance_ties(attendance.astype({"member_id": object}), events, AS_OF)
    pd.testing.assert_frame_equal(as_object, as_str)
    numbered = attendance.assign(member_id=attendance["member_id"].str[1:].astype(int))
    as_int = co_attendance_ties(numbered, events.astype({"event_id": object}), AS_OF)
    pd.testing.assert_frame_equal(as_int[["meetings", "strength", "last_met"]], as_str[["meetings", "strength", "last_met"]])
    assert list(as_int["member_a"].astype(str)) == [s.lstrip("m0") or "0" for s in as_str["member_a"].astype(str)]


@pytest.mark.parametrize("seed", range(8))
def test_ties_among_matches_regulars_known(seed):
    attendance, events = _random_community(seed)
    computed = co_attendance_ties(attendance, events, AS_OF)
    plain = computed.astype({"member_a": str, "member_b": str})
    rng = np.random.default_rng(seed)
    ids = [f"m{i:02d}" for i in rng.permutation(45)[: int(rng.integers(0, 45))]]
    for edges in (computed, plain):
        expected = member_tie_stats(edges, ids, regulars=ids)["regulars_known"]
        pd.testing.assert_series_equal(ties_among(edges, ids), expected)


# --- the community's attendance codes give the same ties -----------------------------


def _as_community(attendance: pd.DataFrame, events: pd.DataFrame, member_ids: list[str]) -> Community:
    members = pd.DataFrame({"member_id": pd.Series(member_ids, dtype="str")})
    return Community(members=members, events=events.astype({"event_id": "str"}),
                     attendance=attendance.astype({"member_id": "str", "event_id": "str", "status": "str"}))


@pytest.mark.parametrize("seed", range(20))
def test_community_ties_match_the_strings_path(seed):
    attendance, events = _random_community(seed)
    attendance = attendance.dropna(subset=["member_id"])
    ids = sorted(set(attendance["member_id"])) + ["z-never-came"]
    rng = np.random.default_rng(seed)
    community = _as_community(attendance, events, list(rng.permutation(ids)))  # members in any order
    expected = co_attendance_ties(community.attendance, community.events, AS_OF, max_event_size=6)
    pd.testing.assert_frame_equal(community_ties(community, AS_OF, max_event_size=6), expected)


@pytest.mark.parametrize("case", ["unknown member", "missing member id", "repeated member id", "repeated event id"])
def test_community_ties_fall_back_to_the_strings_when_codes_cannot_say(case):
    attendance, events = _random_community(3)
    ids = sorted(set(attendance["member_id"].dropna()))
    if case == "unknown member":
        ids = ids[1:]  # someone came who isn't in the members frame
    elif case != "missing member id":
        attendance = attendance.dropna(subset=["member_id"])
        if case == "repeated member id":
            ids = ids + ids[:1]
        else:  # the same event id twice, the first undated: the second is the held one
            events = pd.concat([events.assign(starts_at=pd.NaT).head(1), events], ignore_index=True)
    community = _as_community(attendance, events, ids)
    expected = co_attendance_ties(community.attendance, community.events, AS_OF)
    pd.testing.assert_frame_equal(community_ties(community, AS_OF), expected)


def test_codes_are_worked_out_once_and_kept_while_they_hold():
    attendance, events = _random_community(5)
    attendance = attendance.dropna(subset=["member_id"])
    community = _as_community(attendance, events, sorted(set(attendance["member_id"])))
    codes = community.codes
    assert community.codes is codes
    assert not codes.member.flags.writeable  # shared: nobody may change them in place
    expected = [community.members["member_id"].tolist().index(m) for m in community.attendance["member_id"]]
    assert codes.member.tolist() == expected
    # new columns on the same members and events: the codes still hold
    placed = community.with_(members=community.members.assign(lat=1.0), events=community.events.assign(city="x"))
    assert placed.codes is codes
    # other members (or another log): worked out again
    fewer = community.with_(members=community.members.iloc[1:].reset_index(drop=True))
    assert fewer.codes is not codes
    assert (fewer.codes.member == -1).sum() == (community.attendance["member_id"] == community.members["member_id"][0]).sum()
