"""Benchmark for the per-member indicators: engagement metrics and connection risk.

Run: ``python -m benchmarks.bench_indicators``. Targets (issues 4 and 5), with
ratios measured in the same run so they compare across machines:

* ``member_metrics`` for 100k members / 1M attendance rows in at most 3× a plain
  ``attendance.groupby("member_id").size()`` and under 2 s; peak memory < 2 GB.
* ``connection_risk`` in at most 2× ``member_metrics``' own time and under 2 s.

Each timing is the best of five rounds (the baseline too), after a warm-up;
within a round the stages take turns, so a busy machine affects them alike.
Peak memory is traced with ``tracemalloc`` in a separate, untimed run (tracing
slows code down); numpy and pandas report their buffers to it. The community is
``benchmarks.synth``'s (the benchmarks' one generator), loaded and geocoded by
the dashboard's own code, so the indicators meet what they meet in the app.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable

from benchmarks import synth
from benchmarks.measure import MB, best_interleaved
from dashboard.engagement import member_metrics
from dashboard.model import default_as_of
from dashboard.risk import connection_risk
from dashboard.settings import Settings
from dashboard.ties import co_attendance_ties, member_tie_stats


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
        return tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


def run(size: str = "100k", seed: int = 0, repeat: int = 5) -> list[dict]:
    """Time member_metrics and connection_risk against the groupby-count baseline.

    connection_risk is timed the way the app runs it: ``dashboard.analysis``
    passes tie statistics from ``dashboard.ties``, computed beforehand and
    benchmarked with the introductions.
    """
    community = synth.community(size, seed)
    as_of = default_as_of(community)
    settings = Settings()
    att = community.attendance
    edges = co_attendance_ties(att, community.events, as_of, settings.decay_per_month)
    tie_stats = member_tie_stats(edges, community.members["member_id"])
    metrics = member_metrics(community, as_of, settings)
    base, t_metrics, t_risk = _best_interleaved(
        [
            lambda: att.groupby("member_id").size(),
            lambda: member_metrics(community, as_of, settings),
            lambda: connection_risk(community, metrics, as_of, settings, tie_stats=tie_stats),
        ],
        repeat,
    )
    mem_metrics = _peak_mb(lambda: member_metrics(community, as_of, settings))
    mem_risk = _peak_mb(lambda: connection_risk(community, metrics, as_of, settings, tie_stats=tie_stats))
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
            "target": "< 2,000 MB",
            "ok": max(mem_metrics, mem_risk) < 2_000,
            "note": f"tracemalloc peak: member_metrics {mem_metrics:.0f} MB, connection_risk {mem_risk:.0f} MB",
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row, ensure_ascii=False))
