"""The benchmark generator and runner work end to end at a toy size (a few seconds)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import synth

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def bench_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NEIGHBOURLY_BENCH_DIR", str(tmp_path / "bench"))
    return tmp_path / "bench"


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def test_synthetic_files_look_like_the_demo_exports(bench_dir):
    files = synth.ensure(200)
    assert files.members.parent.parent == bench_dir
    assert _header(files.members) == _header(ROOT / "data" / "demo_members.csv")
    assert _header(files.attendance) == _header(ROOT / "data" / "demo_attendance.csv")
    assert _header(files.events) == _header(ROOT / "data" / "demo_events.csv")
    assert files.n_members == 200
    assert files.n_attendance == 2_000


def test_generation_is_seeded_and_cached(bench_dir, tmp_path):
    first = synth.ensure(200, seed=3)
    stamp = first.attendance.stat().st_mtime_ns
    again = synth.ensure(200, seed=3)
    assert again.attendance.stat().st_mtime_ns == stamp, "the cached files were regenerated"
    elsewhere = synth.generate(200, 2_000, tmp_path / "fresh", seed=3)
    for kind in ("members", "events", "attendance"):
        assert elsewhere.paths[kind].read_bytes() == first.paths[kind].read_bytes(), kind


def test_parse_size():
    assert synth.parse_size("100k") == (100_000, 1_000_000)
    assert synth.parse_size("250") == (250, 2_500)
    with pytest.raises(ValueError):
        synth.parse_size("lots")


def test_runner_times_every_stage_at_a_toy_size(bench_dir, tmp_path):
    out, results = tmp_path / "RESULTS.md", tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--size", "200", "--no-area", "--repeat", "1", "--out", str(out),
         "--json", str(results)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "NEIGHBOURLY_BENCH_DIR": str(bench_dir)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = out.read_text(encoding="utf-8")
    assert "skipped" not in table and "failed" not in table, table
    for stage in ("baseline", "read (read_table)", "load_community", "geocode", "engagement", "ties", "risk",
                  "introductions", "READ → RISK", "WHOLE PIPELINE", "PEAK MEMORY", "Machine:", "pandas 3"):
        assert stage in table, f"{stage!r} missing from the results table"
    figures = json.loads(results.read_text(encoding="utf-8"))
    stages = figures["stages_s"]
    for key in ("load_community", "geocode", "engagement", "ties", "tie_stats", "risk", "buddies", "meetups"):
        assert stages[key] > 0, f"stage {key} was not timed: {stages}"
    # the stages add up to the totals they make (the rest of analyse is derived, never negative)
    read_to_risk = sum(stages[k] for k in ("load_community", "geocode", "engagement", "ties", "tie_stats", "risk"))
    assert read_to_risk <= figures["read_to_risk_s"] + 0.01
    assert figures["read_to_risk_s"] < figures["whole_pipeline_s"]
    assert figures["whole_pipeline_s"] == pytest.approx(
        figures["read_to_risk_s"] + stages["buddies"] + stages["meetups"], abs=0.01)
    assert 0 < figures["baseline_read_s"] and 0 < figures["peak_mb"] < 100_000
    assert set(figures["targets"]) == {"read_to_risk", "whole_pipeline", "peak_memory"}
    assert figures["pipeline_measured"]["machine"]["pandas"].startswith("3")
    # CPU seconds beside the wall seconds, so a run on a busy machine still reads
    cpu = figures["stages_cpu_s"]
    for key in ("load_community", "geocode", "engagement", "ties", "risk", "buddies"):
        assert cpu[key] > 0, f"stage {key} has no CPU seconds: {cpu}"
    assert 0 < figures["baseline_read_cpu_s"] and 0 < figures["read_to_risk_cpu_s"] < figures["whole_pipeline_cpu_s"]
    assert "| cpu_s |" in table and "cpu_ratio" in table


def test_page_timer_runs_every_page_on_a_synthetic_upload(bench_dir):
    from benchmarks import app_pages
    from dashboard.ui.shell import PAGES

    steps = dict(app_pages.run(200, timeout=120))
    assert len(steps) == 1 + len(PAGES)
    assert all(seconds > 0 for seconds in steps.values())


def test_stage_clock_times_the_real_analyse_and_puts_the_functions_back():
    from benchmarks.clock import StageClock
    from dashboard import analysis, engagement, risk
    from dashboard.settings import Settings
    from tests.factories import AS_OF, make_community

    community = make_community(
        members=[{"member_id": "a", "joined_on": "2026-01-01"}, {"member_id": "b", "joined_on": "2026-02-01"}],
        events=[{"event_id": "e1", "starts_at": "2026-06-01"}],
        attendance=[("a", "e1"), ("b", "e1")],
    )
    original = engagement.member_metrics
    clock = StageClock({"engagement": engagement.member_metrics, "risk": risk.connection_risk})
    seconds, result = clock.timed(lambda: analysis.analyse(community, AS_OF, Settings()))
    assert clock.stages["engagement"].calls == 1 and clock.stages["risk"].calls == 1
    assert 0 < clock.seconds("engagement", "risk") <= seconds
    assert clock.stages["engagement"].peak_mb > 0
    assert len(result.members) == 2
    assert engagement.member_metrics is original and analysis.engagement.member_metrics is original


def test_stage_clock_counts_a_nested_watched_call_in_the_outer_stage_only():
    from benchmarks.clock import StageClock
    from dashboard import analysis, engagement
    from dashboard.settings import Settings
    from tests.factories import AS_OF, make_community

    community = make_community(members=[{"member_id": "a"}], events=[{"event_id": "e1", "starts_at": "2026-06-01"}],
                               attendance=[("a", "e1")])
    clock = StageClock({"analyse": analysis.analyse, "engagement": engagement.member_metrics})
    seconds, _ = clock.timed(lambda: analysis.analyse(community, AS_OF, Settings()))
    assert clock.stages["analyse"].calls == 1
    assert clock.stages["engagement"].calls == 0, "a call inside another watched stage was counted twice"
    assert clock.stages["analyse"].seconds <= seconds


def test_a_clustered_community_puts_that_share_in_one_citys_districts(bench_dir):
    import numpy as np

    districts = synth.cluster_places()
    lat, lon = np.radians(districts["lat"].to_numpy()), np.radians(districts["lon"].to_numpy())
    chord = np.hypot(lat[:, None] - lat[None, :], (lon[:, None] - lon[None, :]) * np.cos(lat.mean()))
    assert len(districts) == synth.CLUSTER_PLACES and chord.max() * 6371 <= 2 * synth.CLUSTER_KM
    plain, clustered = synth.ensure(400, seed=5), synth.ensure(400, seed=5, cluster=0.5)
    assert plain.members.parent != clustered.members.parent
    city = synth.MEMBER_HEADERS[3]
    names = set(districts["name"]) - {"London"}  # the biggest town of every community anyway

    def share(files) -> float:
        import pandas as pd

        answers = pd.read_csv(files.members, keep_default_na=False)[city].str.strip()
        return answers.isin(names).mean()

    assert share(plain) < 0.1 < 0.25 < share(clustered)  # half moved; some answers typed with typos or suffixes


def test_the_area_benchmarks_run_on_the_one_generator_at_a_toy_size(bench_dir):
    from benchmarks import bench_indicators, bench_introductions

    rows = bench_indicators.run("300", repeat=1) + bench_introductions.run(size="300")
    assert {r["stage"] for r in rows} >= {"member_metrics", "connection_risk", "ties + tie stats + buddies",
                                          "ties + tie stats + buddies, clustered"}
    assert all(r["seconds"] is None or r["seconds"] > 0 for r in rows), rows


def test_scale_runs_each_size_and_judges_the_growth(bench_dir, tmp_path):
    out, results, chart = tmp_path / "SCALE.md", tmp_path / "results.json", tmp_path / "scale.html"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--scale", "--size", "150", "--largest", "300", "--no-area",
         "--repeat", "1", "--out", str(out), "--json", str(results), "--chart", str(chart)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, "NEIGHBOURLY_BENCH_DIR": str(bench_dir)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    scale = json.loads(results.read_text(encoding="utf-8"))["scale"]
    assert [p["size"] for p in scale["sizes"]] == ["150", "300"]
    assert all(p["whole_pipeline_s"] > 0 and p["peak_mb"] > 0 for p in scale["sizes"])
    assert scale["time_exponent"] is not None and isinstance(scale["ok"], bool)
    assert "From 150 to 300" in out.read_text(encoding="utf-8")
    assert "plotly" in chart.read_text(encoding="utf-8")[:200_000].lower()
