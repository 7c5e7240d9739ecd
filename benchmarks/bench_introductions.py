"""Benchmark for introductions: ties, buddy suggestions and meetup placement.

Run: ``python -m benchmarks.bench_introductions``. Targets (issue 6): ties for
1M attendance rows plus buddies for 100k members (about a fifth at medium or
high risk) under 10 s together; placement over 5k candidate places under 2 s.
Each stage has a same-run baseline where one makes sense, so ratios are
comparable across machines.

The communities are ``benchmarks.synth``'s 100k (the benchmarks' one
generator), loaded and analysed by the app's own code, so risk tiers are the
real ones. Buddies run twice: on the community as generated (British towns by
population, some people abroad), and with ``cluster=0.5``: half the members
live in 30 London districts, every one within 25 km of every other. The
clustered case is the one that used to blow up, so it also reports the stage's
peak memory (resident high-water mark, reset before the stage where Linux
allows, else tracemalloc) against the app's 2 GB (2,000 MB) budget. Placement
runs on the same members moved onto the 5,000 most populous GeoNames places.
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

from benchmarks import synth
from benchmarks.measure import MB, load_average, reset_peak, vm_hwm_mb
from dashboard.analysis import analyse
from dashboard.introductions import plan_meetups, suggest_buddies
from dashboard.model import Community, default_as_of
from dashboard.settings import Settings
from dashboard.ties import co_attendance_ties, member_tie_stats

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
    return seconds, peak / MB, 0.0, "tracemalloc peak", result


def analysed(size: str = "100k", seed: int = 0, cluster: float = 0.0) -> tuple[Community, pd.Timestamp, pd.DataFrame]:
    """``benchmarks.synth``'s community, loaded by the app's code, and its members as
    ``analysis.analyse`` hands them to the pages (risk tiers, segments, scores)."""
    community = synth.community(size, seed, cluster)
    as_of = default_as_of(community)
    return community, as_of, analyse(community, as_of, Settings()).members


def _at_risk(members: pd.DataFrame) -> pd.Series:
    return members["risk_tier"].isin(["medium", "high"])


def spread_over_places(members: pd.DataFrame, n_places: int = 5_000, seed: int = 0) -> pd.DataFrame:
    """The analysed members moved onto the ``n_places`` most populous GeoNames places (each one
    used at least once): placement with that many candidate places."""
    rng = np.random.default_rng(seed + 2)
    places = synth.geonames().nlargest(n_places, "pop").reset_index(drop=True)
    at = rng.permutation(np.r_[np.arange(n_places), rng.integers(0, n_places, max(len(members) - n_places, 0))])
    at = at[: len(members)]
    label = (places["name"] + ", " + places["cc"]).to_numpy(dtype=object)
    return members.assign(city_label=label[at], lat=places["lat"].to_numpy()[at], lon=places["lon"].to_numpy()[at])


#: the whole app's peak memory budget (issue 7), MB
MAX_MB: float = 2_000.0


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


def _clustered_ties(settings: Settings, seed: int, size: str) -> tuple[float, float, pd.DataFrame, pd.DataFrame]:
    """Seconds for ties and tie stats on the clustered community, its ties and its analysed members."""
    community, as_of, members = analysed(size, seed=seed, cluster=0.5)
    attendance, events = community.attendance, community.events
    t_ties, edges = _timed(lambda: co_attendance_ties(attendance, events, as_of, settings.decay_per_month), "c_ties")
    t_stats, _ = _timed(lambda: member_tie_stats(edges, members["member_id"]), "c_stats")
    return t_ties, t_stats, edges, members


def clustered_rows(seed: int = 0, size: str = "100k") -> list[dict]:
    """Ties and buddies on the clustered community: time, and the buddies stage's peak memory."""
    settings = Settings()
    t_ties, t_stats, edges, members = _clustered_ties(settings, seed, size)  # the community is freed on return
    t_buddies, peak, held, how, buddies = _measured(
        lambda: suggest_buddies(members, edges, settings, settings.buddies_per_member), "c_buddies"
    )
    at_risk = _at_risk(members)
    in_cluster = members["city_label"].isin(synth.cluster_places()["name"])
    load = load_average()
    cpu = (f"CPU {CPU['c_buddies']:.2f} s (load average {load:.1f} on {os.cpu_count()} cores)")
    return [
        _row(
            f"buddies, clustered: {synth.CLUSTER_PLACES} districts within {2 * synth.CLUSTER_KM:g} km hold half "
            f"of {len(members):,} members",
            t_buddies,
            None,
            None,
            f"{len(buddies):,} suggestions, {buddies['member_id'].nunique():,} of {int(at_risk.sum()):,} people at "
            f"risk matched ({int((in_cluster & at_risk).sum()):,} of them in the districts); "
            f"peak {peak:.0f} MB ({how}; {held:.0f} MB held before the stage); " + cpu,
            peak_mb=peak,
            max_mb=MAX_MB,
        ),
        _row(
            "ties + tie stats + buddies, clustered",
            t_ties + t_stats + t_buddies,
            None,
            10.0,
            f"issue 6 target: under 10 s together, and buddies' peak under {MAX_MB:,.0f} MB; {len(edges):,} ties; "
            f"CPU {CPU['c_ties'] + CPU['c_stats'] + CPU['c_buddies']:.2f} s",
            peak_mb=peak,
            max_mb=MAX_MB,
        ),
    ]


def run(seed: int = 0, size: str = "100k") -> list[dict]:
    """Time each stage on seeded synthetic data; one dict per stage."""
    rows = spread_rows(seed, size)  # its frames are freed before the clustered case is built
    return rows + clustered_rows(seed, size)


def spread_rows(seed: int = 0, size: str = "100k") -> list[dict]:
    """Ties, buddies and placement on members spread evenly over Zipf-sized cities."""
    settings = Settings()
    community, as_of, members = analysed(size, seed=seed)
    attendance, events = community.attendance, community.events

    base_ties, _ = _timed(lambda: attendance.groupby("member_id").size())
    t_ties, edges = _timed(lambda: co_attendance_ties(attendance, events, as_of, settings.decay_per_month), "ties")
    t_stats, _ = _timed(lambda: member_tie_stats(edges, members["member_id"]), "stats")
    t_buddies, b_peak, b_held, b_how, buddies = _measured(
        lambda: suggest_buddies(members, edges, settings, settings.buddies_per_member), "buddies"
    )
    at_risk_xy = members[_at_risk(members) & members["lat"].notna()]
    regulars_xy = members[~_at_risk(members) & members["lat"].notna()]

    def spatial_baseline() -> object:
        tree = cKDTree(np.radians(regulars_xy[["lat", "lon"]].to_numpy()))
        return tree.query(np.radians(at_risk_xy[["lat", "lon"]].to_numpy()), k=10)

    base_buddies, _ = _timed(spatial_baseline)
    n_at_risk = int(_at_risk(members).sum())
    matched = buddies["member_id"].nunique()

    places = spread_over_places(members, min(5_000, len(members)), seed=seed)
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
            f"ties: {len(attendance):,} attendance rows",
            t_ties,
            base_ties,
            None,
            f"{len(edges):,} ties from {len(attendance):,} rows; baseline: groupby-size of attendance by member"
            + cpu("ties"),
        ),
        _row(
            f"tie stats: {len(members):,} members",
            t_stats,
            base_ties,
            None,
            "ties, repeat ties, strongest tie per member" + cpu("stats"),
        ),
        _row(
            f"buddies: {len(members):,} members, {n_at_risk:,} at risk",
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
            f"placement: {places['city_label'].nunique():,} candidate places",
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
