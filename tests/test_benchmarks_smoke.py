"""The benchmark generator and runner work end to end at a toy size (a few seconds)."""

from __future__ import annotations

import csv
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
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--size", "200", "--no-area", "--repeat", "1", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "NEIGHBOURLY_BENCH_DIR": str(bench_dir)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = out.read_text(encoding="utf-8")
    assert "skipped" not in table and "failed" not in table, table
    for stage in ("baseline", "read (read_table)", "load_community", "geocode", "engagement", "ties", "risk",
                  "introductions", "WHOLE PIPELINE", "Machine:", "pandas 3"):
        assert stage in table, f"{stage!r} missing from the results table"
    assert "INCOMPLETE" not in table


def test_page_timer_runs_every_page_on_a_synthetic_upload(bench_dir):
    from benchmarks import app_pages

    steps = dict(app_pages.run(200, timeout=120))
    assert len(steps) == 1 + len(app_pages.PAGES)
    assert all(seconds > 0 for seconds in steps.values())
