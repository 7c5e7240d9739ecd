"""Benchmark for introductions: ties, buddy suggestions and meetup placement.

Run: ``python -m benchmarks.bench_introductions``. Targets (issue 6): ties for
1M attendance rows plus buddies for 100k members with 20k at risk under 10 s
together; placement over 5k candidate cities under 2 s. Each stage has a
same-run baseline where one makes sense, so ratios are comparable across
machines.

Buddies run twice: on members spread evenly over Zipf-sized cities, and on a
*clustered* community where half the members live in 30 boroughs around one
centre, every one within 25 km of every other (as Greater London's boroughs
are). The clustered case is the one that used to blow up, so it also reports
the stage's peak memory (resident high-water mark, reset before the stage
where Linux allows, else tracemalloc) against the app's 2 GB budget.
"""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from benchmarks.measure import load_average, reset_peak, vm_hwm_mb
from dashboard.introductions import plan_meetups, suggest_buddies
from dashboard.settings import Settings
from dashboard.ties import co_attendance_ties, member_tie_stats

AS_OF = pd.Timestamp("2024-06-30")
INTERESTS = tuple(f"interest{i:02d}" for i in range(40))


CPU: dict[str, float] = {}


def _timed(fn: Callable[[], object], label: str = "") -> tuple[float, object]:
    """Wall seconds taken by one call and its result (CPU seconds kept under ``label``)."""
    cpu, start = time.process_time(), time.perf_counter()
    result = fn()
    if label:
        CPU[label] = time.process_time() - cpu
    return time.perf_counter() - start, result


def _measured(fn: Callable[[], object], label: str = "") -> tuple[float, float, float, str, object]:
    """Wall seconds, peak MB while ``fn`` ran, MB held before it, how peak was measured, and the result.

    Peak is the process's resident high-water mark, reset just before the
    call (so it includes the inputs already in memory, as the app would hold
    them); where that reset is not available, tracemalloc's peak for the call
    alone (numpy and pandas buffers included, C-level scratch space not).
    """
    if reset_peak():
        before = vm_hwm_mb() or 0.0  # just reset: the resident size now
        seconds, result = _timed(fn, label)
        return seconds, vm_hwm_mb() or 0.0, before, "resident high-water mark", result
    tracemalloc.start()
    try:
        seconds, result = _timed(fn, label)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seconds, peak / 1024**2, 0.0, "tracemalloc peak", result


def synthetic_members(
    n_members: int = 100_000, n_cities: int = 500, n_at_risk: int = 20_000, seed: int = 0
) -> pd.DataFrame:
    """A community spread over Zipf-sized cities in a UK-sized box, ``n_at_risk`` at medium/high risk."""
    rng = np.random.default_rng(seed)
    sizes = 1.0 / np.arange(1, n_cities + 1) ** 0.9
    city = rng.choice(n_cities, n_members, p=sizes / sizes.sum())
    c_lat, c_lon = rng.uniform(50.0, 58.0, n_cities), rng.uniform(-5.0, 1.5, n_cities)
    lat, lon = c_lat[city].copy(), c_lon[city].copy()
    unplaced = rng.random(n_members) < 0.05
    lat[unplaced], lon[unplaced] = np.nan, np.nan
    at_risk = np.zeros(n_members, bool)
    at_risk[rng.choice(n_members, n_at_risk, replace=False)] = True
    tier = np.where(at_risk, np.where(rng.random(n_members) < 0.3, "high", "medium"), "low")
    segment = np.where(
        at_risk,
        rng.choice(["new", "drifting", "lapsed", "never attended"], n_members),
        rng.choice(["active", "core", "new", "lapsed"], n_members, p=[0.45, 0.15, 0.2, 0.2]),
    )
    n_int = rng.integers(0, 4, n_members)
    picks = rng.integers(0, len(INTERESTS), (n_members, 3))
    interests = [tuple(sorted({INTERESTS[j] for j in row[:k]})) for row, k in zip(picks, n_int)]
    return pd.DataFrame(
        {
            "member_id": [f"m{i:06d}" for i in range(n_members)],
            "name": [f"Member {i}" for i in range(n_members)],
            "city_label": [f"City {c}" for c in city],
            "lat": lat,
            "lon": lon,
            "risk_tier": tier,
            "risk_score": np.where(at_risk, rng.uniform(30, 100, n_members), rng.uniform(0, 29, n_members)),
            "segment": segment,
            "events_attended": rng.poisson(6, n_members),
            "engagement_score": rng.uniform(0, 100, n_members),
            "interests": interests,
        }
    )


#: a centre the boroughs sit around (central London)
CLUSTER_CENTRE: tuple[float, float] = (51.5074, -0.1278)


def synthetic_clustered_members(
    n_members: int = 100_000,
    n_at_risk: int = 20_000,
    n_boroughs: int = 30,
    share: float = 0.5,
    spread_km: float = 12.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Like ``synthetic_members``, but ``share`` of everyone lives in ``n_boroughs`` distinct places
    no more than ``spread_km`` from one centre, so every borough is within 25 km of every other.
    """
    members = synthetic_members(n_members, n_at_risk=n_at_risk, seed=seed)
    rng = np.random.default_rng(seed + 3)
    # borough centres uniform in a disc, as (north, east) km offsets from the centre
    radius = spread_km * np.sqrt(rng.random(n_boroughs))
    angle = rng.uniform(0, 2 * np.pi, n_boroughs)
    lat0, lon0 = CLUSTER_CENTRE
    b_lat = lat0 + radius * np.cos(angle) / 111.2
    b_lon = lon0 + radius * np.sin(angle) / (111.2 * np.cos(np.radians(lat0)))
    weight = rng.uniform(0.5, 1.5, n_boroughs)
    moved = rng.random(n_members) < share
    borough = rng.choice(n_boroughs, int(moved.sum()), p=weight / weight.sum())
    lat, lon = members["lat"].to_numpy().copy(), members["lon"].to_numpy().copy()
    label = members["city_label"].to_numpy(object).copy()
    lat[moved], lon[moved] = b_lat[borough], b_lon[borough]
    label[moved] = np.array([f"Borough {b}" for b in range(n_boroughs)], dtype=object)[borough]
    return members.assign(lat=lat, lon=lon, city_label=label)


def synthetic_attendance(
    members: pd.DataFrame, n_rows: int = 1_000_000, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events in members' cities (sizes lognormal, a few crowds of 300) and who attended them."""
    rng = np.random.default_rng(seed + 1)
    sizes = np.clip(rng.lognormal(2.7, 0.6, n_rows // 4).astype(np.int64), 2, None)
    sizes[rng.random(len(sizes)) < 0.005] = 300
    total = np.cumsum(sizes)
    n_events = int(np.searchsorted(total, n_rows)) + 1
    sizes = sizes[:n_events]
    sizes[-1] -= total[n_events - 1] - n_rows
    city = pd.factorize(members["city_label"])[0]
    by_city = np.argsort(city, kind="stable")
    lo = np.searchsorted(city[by_city], np.arange(city.max() + 1))
    hi = np.searchsorted(city[by_city], np.arange(city.max() + 1), side="right")
    event_city = city[rng.integers(0, len(city), n_events)]  # big cities hold more events
    event_of_row = np.repeat(np.arange(n_events), sizes)
    c = event_city[event_of_row]
    skew = rng.random(n_rows) ** 2  # some people come far more often: regulars
    member = by_city[lo[c] + (skew * (hi[c] - lo[c])).astype(np.int64)]
    event_ids = np.array([f"e{i:06d}" for i in range(n_events)], dtype=object)
    events = pd.DataFrame(
        {
            "event_id": event_ids,
            "starts_at": AS_OF - pd.to_timedelta(rng.integers(0, 900, n_events), unit="D"),
            "city_label": members["city_label"].to_numpy()[by_city[lo[event_city]]],
            "online": False,
        }
    )
    attendance = pd.DataFrame(
        {
            "member_id": members["member_id"].to_numpy()[member],
            "event_id": event_ids[event_of_row],
            "status": "attended",
        }
    )
    return attendance, events


def synthetic_places(n_cities: int = 5_000, n_members: int = 100_000, seed: int = 0) -> pd.DataFrame:
    """Members over ``n_cities`` distinct places, a fifth of them at risk."""
    rng = np.random.default_rng(seed + 2)
    c_lat, c_lon = rng.uniform(50.0, 58.0, n_cities), rng.uniform(-5.0, 1.5, n_cities)
    city = np.r_[np.arange(n_cities), rng.integers(0, n_cities, n_members - n_cities)]
    return pd.DataFrame(
        {
            "member_id": [f"p{i:06d}" for i in range(n_members)],
            "city_label": [f"Place {c}" for c in city],
            "lat": c_lat[city],
            "lon": c_lon[city],
            "risk_tier": np.where(rng.random(n_members) < 0.2, "medium", "low"),
        }
    )


#: the whole app's peak memory budget (issue 7), MB
MAX_MB: float = 2048.0


def _row(
    stage: str,
    seconds: float,
    baseline: float | None,
    target: float | None,
    note: str,
    peak_mb: float | None = None,
    max_mb: float | None = None,
) -> dict:
    """One result row (``ok`` needs the time target and, when given, the memory one)."""
    ok = None if target is None else seconds < target
    if max_mb is not None and peak_mb is not None:
        ok = (ok is not False) and peak_mb < max_mb
    row = {
        "stage": stage,
        "seconds": round(seconds, 3),
        "baseline_seconds": None if baseline is None else round(baseline, 3),
        "ratio": None if not baseline else round(seconds / baseline, 1),
        "target": target,
        "ok": ok,
        "note": note,
    }
    if peak_mb is not None:
        row["peak_mb"] = round(peak_mb)
    return row


def _clustered_ties(members: pd.DataFrame, settings: Settings, seed: int) -> tuple[float, float, pd.DataFrame]:
    """Seconds for ties and tie stats on the clustered community's attendance, and the ties."""
    attendance, events = synthetic_attendance(members, seed=seed)
    t_ties, edges = _timed(lambda: co_attendance_ties(attendance, events, AS_OF, settings.decay_per_month), "c_ties")
    t_stats, _ = _timed(lambda: member_tie_stats(edges, members["member_id"]), "c_stats")
    return t_ties, t_stats, edges


def clustered_rows(seed: int = 0) -> list[dict]:
    """Ties and buddies on the clustered community: time, and the buddies stage's peak memory."""
    settings = Settings()
    members = synthetic_clustered_members(seed=seed)
    t_ties, t_stats, edges = _clustered_ties(members, settings, seed)  # attendance freed on return
    t_buddies, peak, held, how, buddies = _measured(
        lambda: suggest_buddies(members, edges, settings, settings.buddies_per_member), "c_buddies"
    )
    n_at_risk = int(members["risk_tier"].ne("low").sum())
    in_cluster = members["city_label"].str.startswith("Borough ")
    load = load_average()
    cpu = (f"CPU {CPU['c_buddies']:.2f} s (load average {load:.1f} on {os.cpu_count()} cores)")
    return [
        _row(
            "buddies, clustered: 30 boroughs within 25 km hold half of 100k members",
            t_buddies,
            None,
            None,
            f"{len(buddies):,} suggestions, {buddies['member_id'].nunique():,} of {n_at_risk:,} people at risk "
            f"matched ({int((in_cluster & members['risk_tier'].ne('low')).sum()):,} of them in the boroughs); "
            f"peak {peak:.0f} MB ({how}; {held:.0f} MB held before the stage); " + cpu,
            peak_mb=peak,
            max_mb=MAX_MB,
        ),
        _row(
            "ties + tie stats + buddies, clustered",
            t_ties + t_stats + t_buddies,
            None,
            10.0,
            f"issue 6 target: under 10 s together, and buddies' peak under {MAX_MB:.0f} MB; {len(edges):,} ties; "
            f"CPU {CPU['c_ties'] + CPU['c_stats'] + CPU['c_buddies']:.2f} s",
            peak_mb=peak,
            max_mb=MAX_MB,
        ),
    ]


def run(seed: int = 0) -> list[dict]:
    """Time each stage on seeded synthetic data; one dict per stage."""
    rows = spread_rows(seed)  # its frames are freed before the clustered case is built
    return rows + clustered_rows(seed)


def spread_rows(seed: int = 0) -> list[dict]:
    """Ties, buddies and placement on members spread evenly over Zipf-sized cities."""
    settings = Settings()
    members = synthetic_members(seed=seed)
    attendance, events = synthetic_attendance(members, seed=seed)

    base_ties, _ = _timed(lambda: attendance.groupby("member_id").size())
    t_ties, edges = _timed(lambda: co_attendance_ties(attendance, events, AS_OF, settings.decay_per_month), "ties")
    t_stats, _ = _timed(lambda: member_tie_stats(edges, members["member_id"]), "stats")
    t_buddies, b_peak, b_held, b_how, buddies = _measured(
        lambda: suggest_buddies(members, edges, settings, settings.buddies_per_member), "buddies"
    )
    at_risk_xy = members[members["risk_tier"].ne("low") & members["lat"].notna()]
    regulars_xy = members[members["risk_tier"].eq("low") & members["lat"].notna()]

    def spatial_baseline() -> object:
        tree = cKDTree(np.radians(regulars_xy[["lat", "lon"]].to_numpy()))
        return tree.query(np.radians(at_risk_xy[["lat", "lon"]].to_numpy()), k=10)

    base_buddies, _ = _timed(spatial_baseline)
    n_at_risk = int(members["risk_tier"].ne("low").sum())
    matched = buddies["member_id"].nunique()

    places = synthetic_places(seed=seed)
    no_events = pd.DataFrame({"event_id": [], "lat": [], "lon": [], "city_label": [], "online": []})
    t_place, (ranked, chosen) = _timed(lambda: plan_meetups(places, no_events, settings, k=5), "placement")

    def placement_baseline() -> object:
        risky = places[places["risk_tier"].ne("low")]
        tree = cKDTree(np.radians(risky[["lat", "lon"]].to_numpy()))
        return tree.query_ball_point(np.radians(places[["lat", "lon"]].drop_duplicates().to_numpy()), r=0.004, return_length=True)

    base_place, _ = _timed(placement_baseline)
    load = load_average()

    def cpu(*labels: str) -> str:
        return f"; CPU {sum(CPU[x] for x in labels):.2f} s (load average {load:.1f} on {os.cpu_count()} cores)"

    return [
        _row(
            "ties: 1M attendance rows",
            t_ties,
            base_ties,
            None,
            f"{len(edges):,} ties from {len(attendance):,} rows; baseline: groupby-size of attendance by member"
            + cpu("ties"),
        ),
        _row(
            "tie stats: 100k members",
            t_stats,
            base_ties,
            None,
            "ties, repeat ties, strongest tie per member" + cpu("stats"),
        ),
        _row(
            "buddies: 100k members, 20k at risk",
            t_buddies,
            base_buddies,
            None,
            f"{len(buddies):,} suggestions, {matched:,} of {n_at_risk:,} people at risk matched; "
            f"peak {b_peak:.0f} MB ({b_how}; {b_held:.0f} MB held before the stage); "
            "baseline: KD-tree 10-nearest regulars for everyone at risk" + cpu("buddies"),
            peak_mb=b_peak,
        ),
        _row(
            "ties + tie stats + buddies",
            t_ties + t_stats + t_buddies,
            base_ties,
            10.0,
            "issue 6 target: under 10 s together" + cpu("ties", "stats", "buddies"),
        ),
        _row(
            "placement: 5k candidate cities",
            t_place,
            base_place,
            2.0,
            f"{len(ranked):,} candidates, {len(chosen)} chosen covering {chosen['share_covered'].max():.0%}; "
            "baseline: KD-tree radius counts for every candidate" + cpu("placement"),
        ),
    ]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
