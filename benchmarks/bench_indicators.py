"""Benchmark for the per-member indicators: engagement metrics and connection risk.

Run: ``python -m benchmarks.bench_indicators``. Targets (issues 4 and 5), with
ratios measured in the same run so they compare across machines:

* ``member_metrics`` for 100k members / 1M attendance rows in at most 3× a plain
  ``attendance.groupby("member_id").size()`` and under 2 s; peak memory < 2 GB.
* ``connection_risk`` in at most 2× ``member_metrics``' own time and under 2 s.

Each timing is the best of five rounds (the baseline too), after a warm-up;
within a round the stages take turns, so a busy machine affects them alike.
Peak memory is traced with ``tracemalloc`` in a separate, untimed run (tracing
slows code down); numpy and pandas report their buffers to it. The synthetic
community is seeded numpy: members in Zipf-sized cities in a UK-sized box, a
few hosts, some recent movers and survey answers, events in those cities over
two years (5% online, some upcoming), and attendance mostly in one's own city.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd

from benchmarks.measure import best_interleaved
from dashboard.engagement import member_metrics
from dashboard.model import Community
from dashboard.risk import connection_risk
from dashboard.settings import Settings
from dashboard.ties import co_attendance_ties, member_tie_stats

AS_OF = pd.Timestamp("2026-06-30")
ANSWERS = np.array(["", "Hardly ever", "Some of the time", "Often", "often", "Sometimes"], dtype=object)
ONS = np.array(["", "Never", "Occasionally", "Some of the time", "Often/always"], dtype=object)


def synthetic_community(n_members: int = 100_000, n_rows: int = 1_000_000, seed: int = 0) -> Community:
    """A seeded synthetic community with ``n_members`` members and about ``n_rows`` attendance rows."""
    rng = np.random.default_rng(seed)
    n_cities = max(1, min(500, n_members // 50))
    sizes = 1.0 / np.arange(1, n_cities + 1) ** 0.9
    c_lat, c_lon = rng.uniform(50.0, 58.0, n_cities), rng.uniform(-5.0, 1.5, n_cities)
    city = rng.choice(n_cities, n_members, p=sizes / sizes.sum())
    lat, lon = c_lat[city].copy(), c_lon[city].copy()
    unplaced = rng.random(n_members) < 0.05
    lat[unplaced], lon[unplaced] = np.nan, np.nan
    day0 = AS_OF - pd.Timedelta(days=730)
    joined = day0 - pd.to_timedelta(rng.integers(0, 365, n_members), unit="D") + pd.to_timedelta(
        rng.integers(0, 730, n_members), unit="D"
    )
    moved = pd.Series(
        np.where(rng.random(n_members) < 0.2, AS_OF - pd.to_timedelta(rng.integers(0, 900, n_members), unit="D"),
                 pd.NaT),
        dtype="datetime64[ns]",
    )
    surveyed = rng.random(n_members) < 0.1
    answer = lambda table: np.where(surveyed, table[rng.integers(0, len(table), n_members)], "")
    ids = pd.Series(np.char.add("m", np.arange(n_members).astype(str)), dtype="str")
    city_names = np.char.add("City ", np.arange(n_cities).astype(str))
    members = pd.DataFrame(
        {
            "member_id": ids,
            "name": ids,
            "email": pd.Series(np.char.add(ids.to_numpy(dtype=str), "@example.org"), dtype="str"),
            "city": pd.Series(city_names[city], dtype="str"),
            "country": "GB",
            "joined_on": pd.Series(joined, dtype="datetime64[ns]"),
            "moved_on": moved,
            "interests": [()] * n_members,
            "role": pd.Series(np.where(rng.random(n_members) < 0.02, "host", "member"), dtype="str"),
            "ucla_companionship": pd.Series(answer(ANSWERS), dtype="str"),
            "ucla_left_out": pd.Series(answer(ANSWERS), dtype="str"),
            "ucla_isolated": pd.Series(answer(ANSWERS), dtype="str"),
            "ons_lonely": pd.Series(answer(ONS), dtype="str"),
            "agg_events_attended": np.nan,
            "agg_last_attended": pd.Series(pd.NaT, index=range(n_members), dtype="datetime64[ns]"),
            "agg_no_shows": np.nan,
            "agg_rsvps": np.nan,
            "lat": lat,
            "lon": lon,
            "place": pd.Series(city_names[city], dtype="str"),
            "country_code": "GB",
            "city_label": pd.Series(city_names[city], dtype="str"),
        }
    )
    n_events = max(1, n_rows // 40)
    ev_city = rng.choice(n_cities, n_events, p=sizes / sizes.sum())
    online = rng.random(n_events) < 0.05
    ev_day = rng.integers(0, 760, n_events)  # ~30 days past as_of: upcoming events
    event_ids = pd.Series(np.char.add("e", np.arange(n_events).astype(str)), dtype="str")
    events = pd.DataFrame(
        {
            "event_id": event_ids,
            "title": event_ids,
            "starts_at": pd.Series(day0 + pd.to_timedelta(ev_day, unit="D") + pd.Timedelta(hours=19),
                                   dtype="datetime64[ns]"),
            "city": pd.Series(np.where(online, "", city_names[ev_city]), dtype="str"),
            "venue": "",
            "online": online,
            "lat": np.where(online, np.nan, c_lat[ev_city]),
            "lon": np.where(online, np.nan, c_lon[ev_city]),
            "city_label": pd.Series(np.where(online, "Online", city_names[ev_city]), dtype="str"),
        }
    )
    # attendance: activity is skewed; 85% at an event in one's own city
    activity = rng.pareto(1.5, n_members) + 0.2
    draws = int(n_rows * 1.6)  # repeats of the same (member, event) are dropped below
    who = rng.choice(n_members, draws, p=activity / activity.sum())
    order = np.argsort(ev_city, kind="stable")
    first = np.searchsorted(ev_city[order], np.arange(n_cities))
    count = np.bincount(ev_city, minlength=n_cities)
    own_city = city[who]
    local = (rng.random(draws) < 0.85) & (count[own_city] > 0)
    pick = rng.integers(0, n_events, draws)
    local_pick = order[np.minimum(first[own_city] + (rng.random(draws) * count[own_city]).astype(np.int64),
                                  n_events - 1)]
    event = np.where(local, local_pick, pick)
    pairs = np.unique(who.astype(np.int64) * n_events + event)
    # rows in no particular order, as exports come (sorted ids would flatter every groupby)
    pairs = rng.permutation(pairs)[:n_rows]
    who, event = pairs // n_events, pairs % n_events
    status = rng.choice(np.array(["attended", "no_show", "registered", "cancelled"]), len(pairs),
                        p=[0.85, 0.08, 0.05, 0.02])
    attendance = pd.DataFrame(
        {
            "member_id": pd.Series(ids.to_numpy()[who], dtype="str"),
            "event_id": pd.Series(event_ids.to_numpy()[event], dtype="str"),
            "status": pd.Series(status, dtype="str"),
        }
    )
    return Community(members=members, events=events, attendance=attendance, country="GB")


def _best_interleaved(fns: list[Callable[[], object]], repeat: int) -> list[float]:
    """Best wall-clock seconds of each function over ``repeat`` rounds (after a warm-up).

    The functions take turns within each round, so a busy machine slows the
    baseline and the measured stage alike and the ratios stay meaningful.
    """
    for fn in fns:
        fn()
    return best_interleaved(fns, repeat)


def _peak_mb(fn: Callable[[], object]) -> float:
    """Peak traced allocation in MB while ``fn`` runs."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def run(n_members: int = 100_000, n_rows: int = 1_000_000, seed: int = 0, repeat: int = 5) -> list[dict]:
    """Time member_metrics and connection_risk against the groupby-count baseline.

    connection_risk is timed the way the app runs it: ``dashboard.analysis``
    passes tie statistics from ``dashboard.ties``, computed beforehand and
    benchmarked with the introductions.
    """
    community = synthetic_community(n_members, n_rows, seed)
    settings = Settings()
    att = community.attendance
    edges = co_attendance_ties(att, community.events, AS_OF, settings.decay_per_month)
    tie_stats = member_tie_stats(edges, community.members["member_id"])
    metrics = member_metrics(community, AS_OF, settings)
    base, t_metrics, t_risk = _best_interleaved(
        [
            lambda: att.groupby("member_id").size(),
            lambda: member_metrics(community, AS_OF, settings),
            lambda: connection_risk(community, metrics, AS_OF, settings, tie_stats=tie_stats),
        ],
        repeat,
    )
    mem_metrics = _peak_mb(lambda: member_metrics(community, AS_OF, settings))
    mem_risk = _peak_mb(lambda: connection_risk(community, metrics, AS_OF, settings, tie_stats=tie_stats))
    size = f"{len(community.members):,} members, {len(att):,} attendance rows"
    return [
        {
            "stage": "member_metrics",
            "seconds": round(t_metrics, 4),
            "baseline_seconds": round(base, 4),
            "ratio": round(t_metrics / base, 2),
            "target": "≤ 3× groupby-count and < 2 s",
            "ok": t_metrics <= 3 * base and t_metrics < 2.0,
            "note": f"{size}; baseline attendance.groupby('member_id').size()",
        },
        {
            "stage": "connection_risk",
            "seconds": round(t_risk, 4),
            "baseline_seconds": round(t_metrics, 4),
            "ratio": round(t_risk / t_metrics, 2),
            "target": "≤ 2× member_metrics and < 2 s",
            "ok": t_risk <= 2 * t_metrics and t_risk < 2.0,
            "note": f"{size}; tie_stats from dashboard.ties (as the app runs it), next events included",
        },
        {
            "stage": "peak_memory",
            "seconds": None,
            "baseline_seconds": None,
            "ratio": None,
            "target": "< 2048 MB",
            "ok": max(mem_metrics, mem_risk) < 2048,
            "note": f"tracemalloc peak: member_metrics {mem_metrics:.0f} MB, connection_risk {mem_risk:.0f} MB",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row, ensure_ascii=False))
