"""Buddies, meetup placement, dormant cities, the network picture and messages."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from geopy.distance import great_circle

import dashboard.introductions as intro
from dashboard.charts import network_figure
from dashboard.distance import EARTH_RADIUS_KM
from dashboard.introductions import (
    BUDDY_COLUMNS,
    CHOSEN_COLUMNS,
    DORMANT_COLUMNS,
    RANKED_COLUMNS,
    approved_introductions,
    assign_rounds,
    at_risk_count,
    buddies,
    buddy_reason,
    candidates,
    city_choices,
    decision_counts,
    decisions_from,
    dormant_cities,
    matching,
    message_template,
    plan_meetups,
    render_messages,
    review_key,
    review_table,
    suggest_buddies,
)
from dashboard.settings import Settings

LEEDS, BRADFORD, YORK = (53.7997, -1.5492), (53.7960, -1.7594), (53.9590, -1.0815)
PLACES = {"Leeds": LEEDS, "Bradford": BRADFORD, "York": YORK, "(no city)": (np.nan, np.nan)}


def person(
    member_id: str,
    city: str,
    tier: str = "low",
    segment: str = "active",
    events: int = 5,
    interests: tuple[str, ...] = (),
    name: str | None = None,
    score: float = 50.0,
    coords: bool = True,
) -> dict:
    """One member row with every column introductions read."""
    lat, lon = PLACES[city] if coords else (np.nan, np.nan)
    return {
        "member_id": member_id,
        "name": name or member_id.title(),
        "city_label": city,
        "lat": lat,
        "lon": lon,
        "risk_tier": tier,
        "risk_score": {"low": 5.0, "medium": 40.0, "high": 75.0}[tier],
        "segment": segment,
        "events_attended": events,
        "engagement_score": score,
        "interests": interests,
    }


def no_edges() -> pd.DataFrame:
    return pd.DataFrame({"member_a": [], "member_b": [], "meetings": [], "strength": []})


@pytest.fixture
def town() -> pd.DataFrame:
    return pd.DataFrame(
        [
            person("nia", "Leeds", "high", "new", 1, ("running",), name="Nia Jones"),
            person("omar", "Leeds", "medium", "drifting", 4),
            person("pat", "Bradford", "medium", "lapsed", 3, ("chess",)),
            person("yan", "York", "high", "new", 0),
            person("priya", "Leeds", events=14, interests=("running", "cooking"), name="Priya Shah", score=90),
            person("quinn", "Bradford", events=5, interests=("chess",)),
            person("raj", "Leeds", segment="core", events=8),
            person("sam", "Leeds", segment="lapsed", events=20),  # not active: not a regular
            person("tess", "Leeds", "medium", "active", 9),  # at risk: never a buddy
            person("uma", "Leeds", events=2),  # too few events to be a regular
        ]
    )


def pairs(buddies: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(buddies["member_id"], buddies["buddy_id"]))


# --- suggest_buddies: who may be suggested ------------------------------------------


def test_columns_and_reason(town):
    got = suggest_buddies(town, no_edges(), Settings())
    assert tuple(got.columns) == BUDDY_COLUMNS
    nia = got[got["member_id"].eq("nia") & got["rank"].eq(1)].iloc[0]
    assert nia["buddy_id"] == "priya"
    assert nia["reason"] == "both in Leeds, both into running; Priya has been to 14 events"


def test_only_active_low_risk_regulars_are_buddies(town):
    got = suggest_buddies(town, no_edges(), Settings())
    assert set(got["buddy_id"]) <= {"priya", "quinn", "raj"}
    assert set(got["member_id"]) <= {"nia", "omar", "pat", "yan", "tess"}
    assert not set(got["buddy_id"]) & set(got["member_id"])


def test_nobody_beyond_the_radius(town):
    got = suggest_buddies(town, no_edges(), Settings())
    # York is ~35 km from Leeds and ~48 km from Bradford: nobody within 25 km
    assert "yan" not in set(got["member_id"])
    for row in got.itertuples():
        a = town.set_index("member_id").loc[row.member_id]
        b = town.set_index("member_id").loc[row.buddy_id]
        km = great_circle((a.lat, a.lon), (b.lat, b.lon), radius=EARTH_RADIUS_KM).km
        assert km <= 25.0
        assert row.distance_km == pytest.approx(km, abs=0.06)


def test_radius_setting_is_honoured(town):
    got = suggest_buddies(town, no_edges(), replace(Settings(), buddy_radius_km=40.0))
    assert "yan" in set(got["member_id"])
    got = suggest_buddies(town, no_edges(), replace(Settings(), buddy_radius_km=5.0))
    assert ("pat", "priya") not in pairs(got) and ("nia", "quinn") not in pairs(got)


def test_people_who_already_met_twice_are_not_suggested(town):
    edges = pd.DataFrame(
        {"member_a": ["nia", "omar"], "member_b": ["priya", "raj"], "meetings": [2, 1], "strength": [1.5, 0.9]}
    )
    got = suggest_buddies(town, edges, Settings())
    assert ("nia", "priya") not in pairs(got)
    # met once is fine: with room for everyone, omar–raj is suggested
    everyone = suggest_buddies(town, edges, replace(Settings(), buddy_capacity=10), max_per_member=5)
    assert ("omar", "raj") in pairs(everyone)


def test_without_coordinates_the_same_city_label_counts(town):
    extra = pd.DataFrame(
        [
            person("vic", "York", "medium", "new", 0, coords=False),
            person("wes", "York", events=6),
            person("xu", "(no city)", "high", "new", 0, coords=False),
            person("zed", "(no city)", events=7, coords=False),
        ]
    )
    got = suggest_buddies(pd.concat([town, extra], ignore_index=True), no_edges(), Settings())
    vic = got[got["member_id"].eq("vic")]
    assert vic["buddy_id"].tolist() == ["wes"]
    assert vic["distance_km"].isna().all()
    assert vic["reason"].iloc[0].startswith("both in York")
    # "(no city)" is not a place: nobody is matched on it
    assert "xu" not in set(got["member_id"]) and "zed" not in set(got["buddy_id"])


def test_an_answer_that_is_no_place_never_makes_two_people_neighbours(town):
    extra = pd.DataFrame(
        [
            person("una", "Online only", "high", "new", 0, coords=False),
            person("val", "Online only", events=7, coords=False),
            person("wyn", "n/a", "high", "new", 0, coords=False),
            person("yan", "n/a", events=7, coords=False),
        ]
    )
    got = suggest_buddies(pd.concat([town, extra], ignore_index=True), no_edges(), Settings())
    assert not {"una", "wyn"} & set(got["member_id"])
    assert not {"val", "yan"} & set(got["buddy_id"])


def test_shared_interests_are_preferred():
    members = pd.DataFrame(
        [
            person("a", "Leeds", "medium", "new", 0, ("chess",)),
            person("r1", "Leeds", events=5, score=60),
            person("r2", "Leeds", events=5, score=60, interests=("chess",)),
        ]
    )
    got = suggest_buddies(members, no_edges(), Settings(), max_per_member=1)
    assert got["buddy_id"].tolist() == ["r2"]
    assert "both into chess" in got["reason"].iloc[0]


# --- suggest_buddies: capacities and rounds -----------------------------------------------


def random_community(seed: int, n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cities = ["Leeds", "Bradford", "York", "(no city)"]
    rows = []
    for i in range(n):
        tier = rng.choice(["low", "low", "medium", "high"])
        rows.append(
            person(
                f"m{i:02d}",
                str(rng.choice(cities, p=[0.5, 0.3, 0.15, 0.05])),
                str(tier),
                str(rng.choice(["active", "core", "new", "lapsed"])),
                int(rng.integers(0, 12)),
                tuple(sorted(set(rng.choice(["chess", "running", "film", "food"], int(rng.integers(0, 3)))))),
                score=float(rng.uniform(0, 100)),
                coords=bool(rng.random() > 0.1),
            )
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("capacity", [1, 2])
def test_capacities_ranks_and_pairs_hold(seed, capacity):
    members = random_community(seed)
    got = suggest_buddies(members, no_edges(), replace(Settings(), buddy_capacity=capacity))
    assert (got.groupby("buddy_id").size() <= capacity).all()
    assert not got.duplicated(["member_id", "buddy_id"]).any()
    assert (got["member_id"] != got["buddy_id"]).all()
    for _, ranks in got.groupby("member_id")["rank"]:
        assert sorted(ranks) == list(range(1, len(ranks) + 1)) and len(ranks) <= 3
    at_risk = set(members.loc[members["risk_tier"].isin(["medium", "high"]), "member_id"])
    assert set(got["member_id"]) <= at_risk and not set(got["buddy_id"]) & at_risk


@pytest.mark.parametrize("seed", range(4))
def test_with_room_for_everyone_every_eligible_pair_is_suggested(seed):
    """With ample capacity and rounds, the suggestions are exactly the eligible pairs."""
    members = random_community(seed, n=30)
    got = suggest_buddies(members, no_edges(), replace(Settings(), buddy_capacity=99), max_per_member=99)
    m = members.set_index("member_id")
    at_risk = m.index[m["risk_tier"].isin(["medium", "high"])]
    regulars = m.index[m["risk_tier"].eq("low") & m["segment"].isin(["active", "core"]) & (m["events_attended"] >= 3)]
    expected = set()
    for a, b in itertools.product(at_risk, regulars):
        x, y = m.loc[a], m.loc[b]
        if np.isfinite(x.lat) and np.isfinite(y.lat):
            ok = great_circle((x.lat, x.lon), (y.lat, y.lon), radius=EARTH_RADIUS_KM).km <= 25.0
        else:
            ok = x.city_label == y.city_label != "(no city)"
        if ok:
            expected.add((a, b))
    assert pairs(got) == expected


def test_everyone_gets_a_first_buddy_before_anyone_gets_a_second():
    members = pd.DataFrame(
        [
            person("a", "Leeds", "high", "new", 0, ("chess",)),
            person("b", "Leeds", "medium", "new", 0),
            person("r1", "Leeds", events=9, interests=("chess",)),
            person("r2", "Leeds", events=9, interests=("chess",)),
        ]
    )
    got = suggest_buddies(members, no_edges(), replace(Settings(), buddy_capacity=1))
    assert got.groupby("member_id").size().to_dict() == {"a": 1, "b": 1}


def test_high_risk_is_served_first_when_regulars_are_scarce():
    members = pd.DataFrame(
        [
            person("a", "Bradford", "high", "new", 0),  # 14 km away: dearer
            person("b", "Leeds", "medium", "new", 0),
            person("r", "Leeds", events=9),
        ]
    )
    got = suggest_buddies(members, no_edges(), replace(Settings(), buddy_capacity=1))
    assert pairs(got) == {("a", "r")}


@pytest.mark.parametrize(
    "drop",
    [["interests"], ["engagement_score"], ["risk_score"], ["interests", "engagement_score", "risk_score"]],
)
def test_optional_columns_may_be_missing(town, drop):
    got = suggest_buddies(town.drop(columns=drop), no_edges(), Settings())
    assert len(got) > 0 and (got.groupby("buddy_id").size() <= 2).all()


@pytest.mark.parametrize("tier", ["low", "medium"])
def test_empty_when_nobody_to_pair(town, tier):
    members = town.assign(risk_tier=tier)
    got = suggest_buddies(members, no_edges(), Settings())
    assert got.empty and tuple(got.columns) == BUDDY_COLUMNS


def test_inputs_are_not_mutated(town):
    before = town.copy()
    edges = pd.DataFrame({"member_a": ["nia"], "member_b": ["priya"], "meetings": [3], "strength": [2.0]})
    edges_before = edges.copy()
    suggest_buddies(town, edges, Settings())
    pd.testing.assert_frame_equal(town, before)
    pd.testing.assert_frame_equal(edges, edges_before)


# --- suggest_buddies: the candidate set on a crowded map ------------------------------------

CENTRE = (51.5074, -0.1278)
HOBBIES = ["chess", "running", "film", "food", "choir"]


def boroughs(n_places: int = 30, regulars: int = 6, at_risk: int = 3, seed: int = 0) -> pd.DataFrame:
    """Distinct places scattered within ~7 km of one centre: every place is within 25 km of every other."""
    rng = np.random.default_rng(seed)
    lat = CENTRE[0] + rng.uniform(-0.06, 0.06, n_places)
    lon = CENTRE[1] + rng.uniform(-0.09, 0.09, n_places)
    rows = []
    for k in range(n_places):
        for i in range(regulars + at_risk):
            regular = i < regulars
            row = person(
                f"b{k:02d}{'r' if regular else 'a'}{i}",
                "Leeds",
                "low" if regular else str(rng.choice(["medium", "high"])),
                "active" if regular else "new",
                9 if regular else 0,
                tuple(sorted(set(rng.choice(HOBBIES, int(rng.integers(0, 3)))))),
                score=float(rng.uniform(0, 100)),
            )
            row.update(city_label=f"Borough {k}", lat=lat[k], lon=lon[k])
            rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def candidates_seen(monkeypatch) -> dict:
    """The candidate pairs suggest_buddies hands to the assignment (rows: people at risk, cols: regulars)."""
    seen: dict = {}
    original = intro.assign_rounds

    def spy(rows, cols, cost, n_rows, capacity, rounds, priority=None):
        seen.update(rows=np.asarray(rows), cols=np.asarray(cols), n_rows=n_rows, n_cols=len(capacity))
        return original(rows, cols, cost, n_rows, capacity, rounds, priority)

    monkeypatch.setattr(buddies, "assign_rounds", spy)
    return seen


def test_candidates_per_person_are_capped_on_a_clustered_community(candidates_seen):
    members = boroughs()  # 180 regulars, all within reach of all 90 people at risk
    got = suggest_buddies(members, no_edges(), Settings())
    per_person = np.bincount(candidates_seen["rows"], minlength=candidates_seen["n_rows"])
    assert candidates_seen["n_cols"] == 180 > intro.MAX_CANDIDATES
    assert per_person.max() <= intro.MAX_CANDIDATES
    assert per_person.min() >= intro.MAX_CANDIDATES // 2
    # people at risk are spread over the regulars rather than all offered the same few
    assert len(np.unique(candidates_seen["cols"])) >= 0.9 * 180
    # and with room for everyone, everyone still gets three buddies, within the rules
    assert got.groupby("member_id").size().eq(3).all() and got["member_id"].nunique() == 90
    assert (got.groupby("buddy_id").size() <= Settings().buddy_capacity).all()
    assert (got["distance_km"] <= 25.0).all()


def test_a_crowded_city_spreads_its_people_over_its_regulars(candidates_seen):
    # one place, many people at risk, many regulars: neighbours are offered different regulars
    members = boroughs(n_places=1, regulars=200, at_risk=60)
    suggest_buddies(members, no_edges(), Settings())
    rows, cols = candidates_seen["rows"], candidates_seen["cols"]
    assert np.bincount(rows).max() <= intro.MAX_CANDIDATES
    assert len(np.unique(cols)) >= 150
    # ...and everyone is still offered the very best few of the place
    shared = set.intersection(*(set(cols[rows == r]) for r in np.unique(rows)))
    assert len(shared) >= intro.TOP_SHARED


def test_a_pool_no_bigger_than_the_cap_is_taken_whole(candidates_seen):
    regulars = intro.MAX_CANDIDATES // 8
    members = boroughs(n_places=8, regulars=regulars, at_risk=2)
    suggest_buddies(members, no_edges(), Settings())
    per_person = np.bincount(candidates_seen["rows"], minlength=candidates_seen["n_rows"])
    assert (per_person == 8 * regulars).all()


def test_regulars_sharing_an_interest_stay_candidates_in_a_big_pool(candidates_seen):
    members = boroughs(seed=1).assign(interests=[()] * 270)
    # the only choir regular is the least engaged and lives in another borough: far down the pool
    members.loc[0, "interests"] = ("choir",)
    members.loc[0, "engagement_score"] = 0.0
    newcomer = members.index[members["member_id"].eq("b29a6")][0]
    members.loc[newcomer, "interests"] = ("choir",)
    suggest_buddies(members, no_edges(), Settings(), max_per_member=1)
    regs = members[members["risk_tier"].eq("low")].reset_index(drop=True)
    at = members[members["risk_tier"].ne("low")].reset_index(drop=True)
    me = int(np.flatnonzero(at["member_id"].eq("b29a6"))[0])
    choir = int(np.flatnonzero(regs["member_id"].eq(members.loc[0, "member_id"]))[0])
    assert choir in set(candidates_seen["cols"][candidates_seen["rows"] == me])


def test_pools_built_in_chunks_give_the_same_suggestions(monkeypatch):
    members = pd.concat([boroughs(seed=2), random_community(3)], ignore_index=True)
    whole = suggest_buddies(members, no_edges(), Settings())
    monkeypatch.setattr(candidates, "POOL_CHUNK", 7)
    pd.testing.assert_frame_equal(suggest_buddies(members, no_edges(), Settings()), whole)


# --- assign_rounds against brute force -----------------------------------------------


def brute_force_round(
    rows: np.ndarray, cols: np.ndarray, cost: np.ndarray, n_rows: int, remaining: np.ndarray, priority: np.ndarray
) -> tuple[int, int, float]:
    """Best (matched, priority matched, -cost) over every one-column-per-row choice."""
    options = [[None] + [k for k in range(len(rows)) if rows[k] == r] for r in range(n_rows)]
    best = None
    for choice in itertools.product(*options):
        used = np.zeros(len(remaining), int)
        for k in choice:
            if k is not None:
                used[cols[k]] += 1
        if (used > remaining).any():
            continue
        picked = [k for k in choice if k is not None]
        value = (len(picked), sum(int(priority[rows[k]]) for k in picked), -round(sum(cost[k] for k in picked), 9))
        best = value if best is None or value > best else best
    return best


@pytest.mark.parametrize("seed", range(25))
def test_assignment_matches_brute_force_optimum(seed):
    rng = np.random.default_rng(seed)
    n_rows, n_cols = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    full = [(r, c) for r in range(n_rows) for c in range(n_cols)]
    keep = rng.random(len(full)) < 0.75
    rows = np.array([p[0] for p, k in zip(full, keep) if k], dtype=np.int64)
    cols = np.array([p[1] for p, k in zip(full, keep) if k], dtype=np.int64)
    cost = np.round(rng.uniform(1, 4, len(rows)), 2)
    capacity = rng.integers(1, 3, n_cols)
    priority = rng.integers(0, 2, n_rows)
    got = assign_rounds(rows, cols, cost, n_rows, capacity, rounds=3, priority=priority)
    remaining, used = capacity.copy(), np.zeros(len(rows), bool)
    for rank in (1, 2, 3):
        live = ~used
        idx = np.flatnonzero(live)
        expected = brute_force_round(rows[idx], cols[idx], cost[idx], n_rows, remaining, priority)
        this = got[got["rank"] == rank]
        value = (len(this), int(priority[this["row"]].sum()), -round(float(this["cost"].sum()), 9))
        assert value == expected
        for r, c in zip(this["row"], this["col"]):
            used[(rows == r) & (cols == c)] = True
            remaining[c] -= 1
    assert (np.bincount(got["col"], minlength=n_cols) <= capacity).all()
    assert not got.duplicated(["row", "col"]).any()


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("batch_work", [1, 10**9])
def test_assignment_over_separate_groups_matches_brute_force(seed, batch_work, monkeypatch):
    """Separate groups are solved one at a time or packed together: either way each round is optimal."""
    monkeypatch.setattr(matching, "MATCHING_BATCH_WORK", batch_work)
    rng = np.random.default_rng(100 + seed)
    rows, cols, row_off, col_off = [], [], 0, 0
    for _ in range(3):  # three independent little problems side by side
        n_r, n_c = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        for r in range(n_r):
            for c in range(n_c):
                if rng.random() < 0.8:
                    rows.append(row_off + r)
                    cols.append(col_off + c)
        row_off, col_off = row_off + n_r, col_off + n_c
    rows, cols = np.array(rows, np.int64), np.array(cols, np.int64)
    cost = np.round(rng.uniform(1, 4, len(rows)), 2)
    capacity = rng.integers(1, 3, col_off)
    priority = rng.integers(0, 2, row_off)
    got = assign_rounds(rows, cols, cost, row_off, capacity, rounds=2, priority=priority)
    remaining, used = capacity.copy(), np.zeros(len(rows), bool)
    for rank in (1, 2):
        idx = np.flatnonzero(~used)
        expected = brute_force_round(rows[idx], cols[idx], cost[idx], row_off, remaining, priority)
        this = got[got["rank"] == rank]
        assert (len(this), int(priority[this["row"]].sum()), -round(float(this["cost"].sum()), 9)) == expected
        for r, c in zip(this["row"], this["col"]):
            used[(rows == r) & (cols == c)] = True
            remaining[c] -= 1
    assert (np.bincount(got["col"], minlength=col_off) <= capacity).all()


def test_assignment_is_not_greedy():
    # greedy (row 0 first) takes column 0 and leaves row 1 with nothing
    rows, cols, cost = np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([1.0, 1.1, 1.05])
    got = assign_rounds(rows, cols, cost, 2, np.array([1, 1]), rounds=1)
    assert set(zip(got["row"], got["col"])) == {(0, 1), (1, 0)}


def test_assignment_with_no_pairs():
    empty = np.zeros(0, np.int64)
    got = assign_rounds(empty, empty, np.zeros(0), 3, np.array([2]), rounds=3)
    assert got.empty and list(got.columns) == ["row", "col", "cost", "rank"]


# --- plan_meetups -------------------------------------------------------------------------

# three places on the equator: A at 0°, C at 0.15° (16.7 km east), B at 0.3° (33.4 km east)
MAP = {"A": (0.0, 0.0), "C": (0.0, 0.15), "B": (0.0, 0.3)}


def map_members() -> pd.DataFrame:
    rows = []
    for city, n_risk, n_low in (("A", 3, 2), ("B", 2, 0), ("C", 1, 4)):
        lat, lon = MAP[city]
        rows += [{"member_id": f"{city}r{i}", "city_label": city, "lat": lat, "lon": lon, "risk_tier": "high"}
                 for i in range(n_risk)]
        rows += [{"member_id": f"{city}l{i}", "city_label": city, "lat": lat, "lon": lon, "risk_tier": "low"}
                 for i in range(n_low)]
    rows.append({"member_id": "q", "city_label": "(no city)", "lat": np.nan, "lon": np.nan, "risk_tier": "high"})
    return pd.DataFrame(rows)


def no_events() -> pd.DataFrame:
    return pd.DataFrame({"event_id": [], "city_label": [], "lat": [], "lon": [], "online": []})


def test_ranking_counts_at_risk_within_radius():
    ranked, _ = plan_meetups(map_members(), no_events(), Settings(), k=2, radius_km=20)
    assert tuple(ranked.columns) == RANKED_COLUMNS
    assert ranked[["city", "at_risk_within_radius"]].values.tolist() == [["C", 6], ["A", 4], ["B", 3]]


def test_greedy_coverage_stops_when_everyone_reachable_is_covered():
    _, chosen = plan_meetups(map_members(), no_events(), Settings(), k=2, radius_km=20)
    assert tuple(chosen.columns) == CHOSEN_COLUMNS
    assert chosen[["order", "city", "newly_covered", "cumulative_covered"]].values.tolist() == [[1, "C", 6, 6]]
    assert chosen["share_covered"].tolist() == [1.0]  # of the 6 people at risk with coordinates


def test_greedy_coverage_with_a_small_radius():
    ranked, chosen = plan_meetups(map_members(), no_events(), Settings(), k=2, radius_km=10)
    assert ranked["at_risk_within_radius"].tolist() == [3, 2, 1]
    assert chosen["city"].tolist() == ["A", "B"]
    assert chosen["cumulative_covered"].tolist() == [3, 5]
    assert chosen["share_covered"].iloc[-1] == pytest.approx(5 / 6)


def test_in_person_event_cities_are_candidates_online_ones_are_not():
    events = pd.DataFrame(
        {
            "event_id": ["e1", "e2"],
            "city_label": ["Midway", "Webinar"],
            "lat": [0.0, 0.0],
            "lon": [0.075, 0.2],
            "online": [False, True],
        }
    )
    ranked, _ = plan_meetups(map_members(), events, Settings(), k=1, radius_km=10)
    assert "Midway" in set(ranked["city"]) and "Webinar" not in set(ranked["city"])
    assert ranked.set_index("city").loc["Midway", "at_risk_within_radius"] == 4  # A (8.3 km) and C (8.3 km)


def test_default_radius_comes_from_settings():
    ranked, _ = plan_meetups(map_members(), no_events(), replace(Settings(), meetup_radius_km=10))
    assert ranked["at_risk_within_radius"].tolist() == [3, 2, 1]


def test_nobody_at_risk_means_nothing_chosen():
    members = map_members().assign(risk_tier="low")
    ranked, chosen = plan_meetups(members, no_events(), Settings(), k=3)
    assert (ranked["at_risk_within_radius"] == 0).all() and chosen.empty


# --- dormant_cities ---------------------------------------------------------------------

AS_OF = pd.Timestamp("2024-06-30")


def city_members(**counts: int) -> pd.DataFrame:
    rows = [
        {"member_id": f"{c}{i}", "city_label": c, "risk_tier": "medium" if i == 0 else "low"}
        for c, n in counts.items()
        for i in range(n)
    ]
    return pd.DataFrame(rows)


def city_events(rows: list[tuple[str, str, bool]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(len(rows))],
            "city_label": [r[0] for r in rows],
            "starts_at": pd.to_datetime([r[1] for r in rows]),
            "online": [r[2] for r in rows],
        }
    )


def test_dormant_cities_boundaries():
    members = city_members(Leeds=5, York=5, Hull=5, Ripon=4, Wells=6)
    events = city_events(
        [
            ("Leeds", "2024-04-01", False),  # exactly 90 days before as_of: recent
            ("York", "2024-03-31", False),  # 91 days: quiet
            ("Hull", "2024-06-01", True),  # online: doesn't count for Hull
            ("Wells", "2024-07-15", False),  # planned, after as_of
        ]
    )
    got = dormant_cities(members, events, AS_OF, min_members=5, days=90)
    assert tuple(got.columns) == DORMANT_COLUMNS
    assert got["city"].tolist() == ["Wells", "Hull", "York"]  # Ripon has only 4 members
    york = got.set_index("city").loc["York"]
    assert york["days_since_last_event"] == 91 and york["last_event_on"] == pd.Timestamp("2024-03-31")
    wells = got.set_index("city").loc["Wells"]
    assert pd.isna(wells["last_event_on"]) and wells["next_event_on"] == pd.Timestamp("2024-07-15")
    assert got.set_index("city").loc["Hull", "at_risk"] == 1


def test_no_city_is_never_dormant():
    members = city_members(**{"(no city)": 9})
    assert dormant_cities(members, city_events([]), AS_OF, min_members=1).empty
    assert dormant_cities(city_members(**{"Online only": 9}), city_events([]), AS_OF, min_members=1).empty


# --- network_figure -------------------------------------------------------------------------


def crowd(n: int, n_risk: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    members = pd.DataFrame(
        [person(f"p{i:03d}", "Leeds", "high" if i < n_risk else "low") for i in range(n)]
        + [person("far", "York")]
    )
    # a chain p000-p001-... among the first half; the rest have no ties
    a = [f"p{i:03d}" for i in range(n // 2 - 1)]
    b = [f"p{i + 1:03d}" for i in range(n // 2 - 1)]
    edges = pd.DataFrame({"member_a": a, "member_b": b, "meetings": [2] * len(a), "strength": [1.0] * len(a)})
    return members, edges


def node_points(fig: go.Figure) -> tuple[np.ndarray, list[str]]:
    xs, ys, text = [], [], []
    for trace in fig.data:
        if trace.mode == "markers":
            xs += list(trace.x)
            ys += list(trace.y)
            text += list(trace.hovertext)
    return np.hypot(xs, ys), text


def test_network_is_capped_and_keeps_people_at_risk():
    members, edges = crowd(100, 10)
    fig = network_figure(members, edges, "Leeds", max_nodes=20)
    radius, text = node_points(fig)
    assert len(radius) == 20
    assert sum("high risk" in t for t in text) == 10
    assert "showing 20 of 100" in fig.layout.title.text


def test_isolated_people_sit_outside_the_connected_ones():
    members, edges = crowd(12, 2)
    radius, text = node_points(network_figure(members, edges, "Leeds"))
    isolated = np.array(["0 ties" in t for t in text])
    assert isolated.any() and (~isolated).any()
    assert radius[isolated].min() > radius[~isolated].max()


def test_network_is_deterministic_and_escapes_names():
    members, edges = crowd(12, 2)
    members.loc[0, "name"] = "<b>Bold</b>"
    one = network_figure(members, edges, "Leeds").to_json()
    two = network_figure(members, edges, "Leeds").to_json()
    assert one == two
    _, text = node_points(network_figure(members, edges, "Leeds"))
    assert any("&lt;b&gt;Bold" in t for t in text) and not any("<b>Bold" in t for t in text)


def test_network_figure_is_still_reachable_from_introductions():
    """It moved to dashboard.charts with the other figures; the old name still works."""
    from dashboard.introductions import network_figure as old_name

    assert old_name is network_figure is intro.network_figure


def test_network_for_an_empty_city():
    members, edges = crowd(4, 1)
    fig = network_figure(members, edges, "Nowhere")
    assert isinstance(fig, go.Figure) and "Nowhere" in fig.layout.title.text


# --- messages ----------------------------------------------------------------------------


@pytest.fixture
def approved() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member_id": ["nia"],
            "name": ["Nia"],
            "buddy_name": ["Priya"],
            "city": ["Leeds"],
            "reason": ["both in Leeds"],
        }
    )


def test_default_template_renders(approved):
    got = render_messages(approved, message_template)
    assert got["message"].iloc[0].startswith("Hi Nia, I'd love to introduce you to Priya")
    assert "{" not in got["message"].iloc[0]


@pytest.mark.parametrize(
    "template, expected",
    [
        ("{name.__class__}", "{name.__class__}"),
        ("{name[0]}", "{name[0]}"),
        ("{0}", "{0}"),
        ("{name!r}", "{name!r}"),
        ("{name:>20}", "{name:>20}"),
        ("{email}", "{email}"),
        ("{{name}} is {name}", "{name} is Nia"),
        ("unbalanced { and } braces", "unbalanced { and } braces"),
    ],
)
def test_templates_never_evaluate_anything(approved, template, expected):
    assert render_messages(approved, template)["message"].iloc[0] == expected


def test_values_are_not_expanded_twice(approved):
    tricky = approved.assign(name=["{reason}"])
    assert render_messages(tricky, "Hi {name}")["message"].iloc[0] == "Hi {reason}"


def test_missing_columns_render_empty_and_input_is_kept(approved):
    before = approved.copy()
    got = render_messages(approved.drop(columns=["city"]), "in {city}!")
    assert got["message"].iloc[0] == "in !"
    pd.testing.assert_frame_equal(approved, before)


# --- page helpers -------------------------------------------------------------------------


def test_review_table_filters_and_adds_undecided(town):
    buddies = suggest_buddies(town, no_edges(), Settings())
    table = review_table(buddies, ["nia", "pat"])
    assert set(table["member_id"]) == {"nia", "pat"}
    assert (table["decision"] == "undecided").all() and table.columns[0] == "decision"


def test_kept_decisions_come_back_on_their_own_pairs(town):
    buddies = suggest_buddies(town, no_edges(), Settings())
    table = review_table(buddies, ["nia", "omar", "pat"])
    decided = table.assign(decision=["approve", "decline"] + ["undecided"] * (len(table) - 2))
    kept = decisions_from(decided)
    # the same pairs in another order (another filter, another visit) get the same decisions
    again = review_table(buddies.iloc[::-1], ["nia", "omar", "pat"], kept)
    got = dict(zip(zip(again["member_id"], again["buddy_id"], strict=True), again["decision"], strict=True))
    assert got == kept
    assert review_table(buddies, ["nia"], {("nia", "nobody"): "approve"})["decision"].eq("undecided").all()


def test_review_key_names_the_pairs_not_the_decisions(town):
    table = review_table(suggest_buddies(town, no_edges(), Settings()), ["nia", "omar", "pat"])
    assert review_key(table) == review_key(table.assign(decision="approve"))
    assert review_key(table) != review_key(table.iloc[1:])


def test_approved_introductions_keeps_only_approved(town):
    table = review_table(suggest_buddies(town, no_edges(), Settings()), ["nia", "omar", "pat"])
    decided = table.assign(decision=["approve", "decline"] + ["undecided"] * (len(table) - 2))
    got = approved_introductions(decided)
    assert len(got) == 1 and "decision" not in got.columns
    assert got.iloc[0]["member_id"] == table.iloc[0]["member_id"]


def test_city_choices_by_size_without_no_city(town):
    extra = pd.DataFrame([person("xu", "(no city)", coords=False), person("yu", "Online only", coords=False)])
    assert city_choices(pd.concat([town, extra])) == ["Leeds", "Bradford", "York"]


def test_decision_counts_and_at_risk_count(town):
    table = review_table(suggest_buddies(town, no_edges(), Settings()), ["nia", "omar", "pat"])
    decided = table.assign(decision=["approve", "decline"] + ["undecided"] * (len(table) - 2))
    assert decision_counts(decided) == {"undecided": len(table) - 2, "approve": 1, "decline": 1}
    assert decision_counts(table.iloc[:0]) == {"undecided": 0, "approve": 0, "decline": 0}
    assert at_risk_count(town) == 5


@pytest.mark.parametrize(
    "args, expected",
    [
        (("Leeds", "Leeds", 0.0, ["running"], "Priya Shah", 14, 9),
         "both in Leeds, both into running; Priya has been to 14 events and knows 9 regulars"),
        (("Leeds", "Bradford", 13.6, [], "Quinn", 1, 1),
         "Leeds and Bradford are 14 km apart; Quinn has been to 1 event and knows 1 regular"),
        (("York", "Selby", float("nan"), ["chess", "film", "food"], "", 3, 0),
         "York and Selby, both into chess, film and food; this regular has been to 3 events"),
    ],
)
def test_buddy_reason_in_plain_words(args, expected):
    assert buddy_reason(*args) == expected


# --- grouped matching against one whole solve ------------------------------------------


def _one_solve(n_rows: int, n_slots: int, row, slot, weight, stay) -> set[tuple[int, int]]:
    """The plain reference: one LAPJVsp call over every slot plus a private column per row."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    graph = csr_matrix(
        (np.r_[weight, stay], (np.r_[row, np.arange(n_rows)], np.r_[slot, n_slots + np.arange(n_rows)])),
        shape=(n_rows, n_slots + n_rows),
    )
    r, c = min_weight_full_bipartite_matching(graph)
    return {(int(i), int(j)) for i, j in zip(r, c) if j < n_slots}


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("batch_work", [1, 40, 10**9])
def test_grouped_matching_gives_exactly_the_pairs_of_one_whole_solve(seed, batch_work, monkeypatch):
    """Not just an optimum: the very same pairs, ties between equal costs included, however groups are packed."""
    monkeypatch.setattr(matching, "MATCHING_BATCH_WORK", batch_work)
    rng = np.random.default_rng(seed)
    n_rows, n_slots = int(rng.integers(1, 25)), int(rng.integers(1, 25))
    dense = rng.random((n_rows, n_slots)) < rng.uniform(0.05, 0.4)
    row, slot = np.nonzero(dense)
    shuffle = rng.permutation(len(row))  # any edge order: the function sorts what it needs
    row, slot = row[shuffle], slot[shuffle]
    weight = rng.integers(1, 4, len(row)).astype(float)  # few distinct costs: many equal-cost choices
    stay = 100.0 * np.where(rng.random(n_rows) < 0.5, 1.5, 1.0)
    got_r, got_s = matching.min_cost_matching(n_rows, n_slots, row, slot, weight, stay)
    assert set(zip(got_r.tolist(), got_s.tolist())) == _one_solve(n_rows, n_slots, row, slot, weight, stay)


@pytest.mark.parametrize("seed", range(3))
def test_shared_interests_and_reasons_match_a_row_by_row_reference(seed):
    """Worked out once per distinct value, they read exactly as buddy_reason writes them row by row
    (a vocabulary of 150 interests: masks over several words)."""
    rng = np.random.default_rng(seed)
    n = 300
    vocab = [f"topic{i:03d}" for i in range(150)]
    city = rng.choice(list(PLACES)[:3], n)
    members = pd.DataFrame(
        {
            "member_id": [f"m{i:03d}" for i in range(n)],
            "name": [f"Name{i} Surname" for i in range(n)],
            "city_label": city,
            "lat": [PLACES[c][0] for c in city],
            "lon": [PLACES[c][1] for c in city],
            "risk_tier": rng.choice(["low", "low", "medium", "high"], n),
            "risk_score": rng.uniform(0, 100, n),
            "segment": rng.choice(["active", "core", "new"], n),
            "events_attended": rng.integers(0, 12, n),
            "engagement_score": rng.uniform(0, 100, n),
            "interests": [tuple(sorted(set(rng.choice(vocab, int(rng.integers(0, 40)))))) for _ in range(n)],
        }
    )
    pairs = rng.choice(n, (400, 2))
    edges = pd.DataFrame(
        {
            "member_a": members["member_id"].to_numpy()[pairs.min(axis=1)],
            "member_b": members["member_id"].to_numpy()[pairs.max(axis=1)],
            "meetings": rng.integers(1, 2, 400),
            "strength": rng.uniform(0, 2, 400),
        }
    ).query("member_a != member_b").drop_duplicates(["member_a", "member_b"])
    buddies = suggest_buddies(members, edges, Settings(), 3)
    assert len(buddies) > 50
    by_id = members.set_index("member_id")
    regulars = by_id[by_id["risk_tier"].eq("low") & by_id["segment"].isin(["active", "core"]) & (by_id["events_attended"] >= 3)]
    knows = {
        m: int(((edges["member_a"].eq(m) & edges["member_b"].isin(regulars.index))
                | (edges["member_b"].eq(m) & edges["member_a"].isin(regulars.index))).sum())
        for m in regulars.index
    }
    for row in buddies.itertuples():
        me, buddy = by_id.loc[row.member_id], by_id.loc[row.buddy_id]
        shared = sorted(set(me["interests"]) & set(buddy["interests"]))
        assert row.shared_interests == ", ".join(shared)
        expected = buddy_reason(
            me["city_label"], buddy["city_label"], row.distance_km, shared,
            buddy["name"], int(buddy["events_attended"]), knows[row.buddy_id],
        )
        # the output's distance is rounded to 0.1 km, the reason's to 1 km: compare all but that number
        assert re.sub(r"are \d+ km", "are N km", row.reason) == re.sub(r"are \d+ km", "are N km", expected)


def _valid(got_r, got_s, row, slot) -> None:
    edges = set(zip(row.tolist(), slot.tolist()))
    pairs = list(zip(got_r.tolist(), got_s.tolist()))
    assert set(pairs) <= edges  # only pairs that were offered
    assert len(set(got_r.tolist())) == len(pairs) and len(set(got_s.tolist())) == len(pairs)  # one each


@pytest.mark.parametrize("seed", range(10))
def test_an_area_over_area_rows_is_matched_in_blocks_small_areas_still_exactly(seed, monkeypatch):
    """A big area in blocks: every pair offered, every row and slot used once; the small areas
    beside it get exactly the pairs one whole solve of them alone gives."""
    monkeypatch.setattr(matching, "AREA_ROWS", 4)
    rng = np.random.default_rng(500 + seed)
    # area A: 12 rows all reaching slots 0-5; area B: rows 12-14 with slots 6-8, solved whole
    big = [(r, s) for r in range(12) for s in range(6) if rng.random() < 0.7]
    small = [(r, s) for r in range(12, 15) for s in range(6, 9) if rng.random() < 0.8]
    row = np.array([r for r, _ in big + small], np.int64)
    slot = np.array([s for _, s in big + small], np.int64)
    weight = rng.integers(1, 4, len(row)).astype(float)
    stay = 100.0 * np.where(rng.random(15) < 0.5, 1.5, 1.0)
    got_r, got_s = matching.min_cost_matching(15, 9, row, slot, weight, stay)
    _valid(got_r, got_s, row, slot)
    in_small = row >= 12
    alone = _one_solve(3, 3, row[in_small] - 12, slot[in_small] - 6, weight[in_small], stay[12:])
    assert {(r - 12, s - 6) for r, s in zip(got_r.tolist(), got_s.tolist()) if r >= 12} == alone


def test_in_a_big_area_the_priority_rows_are_matched_first_when_slots_are_few(monkeypatch):
    monkeypatch.setattr(matching, "AREA_ROWS", 3)
    n_rows, n_slots = 9, 3
    row = np.repeat(np.arange(n_rows), n_slots)
    slot = np.tile(np.arange(n_slots), n_rows)
    weight = np.ones(len(row))
    priority = np.isin(np.arange(n_rows), [4, 7, 8])  # the last rows: not first by position
    stay = 100.0 * np.where(priority, 1.5, 1.0)
    got_r, got_s = matching.min_cost_matching(n_rows, n_slots, row, slot, weight, stay)
    _valid(got_r, got_s, row, slot)
    assert sorted(got_r.tolist()) == [4, 7, 8]


def test_with_no_area_over_area_rows_the_pairs_are_those_of_one_whole_solve():
    rng = np.random.default_rng(7)
    n_rows, n_slots = 40, 30
    row, slot = np.nonzero(rng.random((n_rows, n_slots)) < 0.2)
    weight = rng.integers(1, 4, len(row)).astype(float)
    stay = 100.0 * np.where(rng.random(n_rows) < 0.5, 1.5, 1.0)
    assert n_rows <= matching.AREA_ROWS
    got_r, got_s = matching.min_cost_matching(n_rows, n_slots, row, slot, weight, stay)
    assert set(zip(got_r.tolist(), got_s.tolist())) == _one_solve(n_rows, n_slots, row, slot, weight, stay)
