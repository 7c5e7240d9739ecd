"""The headless report contract: files, columns, JSON summary, exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dashboard.__main__ import main
from dashboard.report import CITY_REPORT_COLUMNS, MEMBER_REPORT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
DEMO = ["--members", str(ROOT / "data/demo_members.csv"), "--events", str(ROOT / "data/demo_events.csv"),
        "--attendance", str(ROOT / "data/demo_attendance.csv")]


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    proc = subprocess.run([sys.executable, "-m", "dashboard", "report", *DEMO, "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    return proc, out


def test_demo_report_exits_0_and_prints_json(demo_report):
    proc, _ = demo_report
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["members"] == 301
    assert summary["as_of"] == "2026-11-14"  # the latest event with attendance, not a planned one
    assert sum(summary["risk_tiers"].values()) == 301


def test_members_csv_has_exactly_the_contract_columns(demo_report):
    _, out = demo_report
    members = pd.read_csv(out / "members.csv")
    assert tuple(members.columns) == MEMBER_REPORT_COLUMNS
    assert members["member_id"].is_unique and len(members) == 301
    assert members["risk_tier"].isin(["low", "medium", "high"]).all()
    assert members["engagement_score"].between(0, 100).all()
    assert members["risk_reasons"].fillna("").str.contains("; ").any()


def test_a_story_from_the_demo_comes_through(demo_report):
    _, out = demo_report
    members = pd.read_csv(out / "members.csv").set_index("email")
    kenji = members.loc["kenji.watanabe@example.net"]  # newcomer who never came
    assert kenji["events_attended"] == 0 and kenji["risk_tier"] in ("medium", "high")
    assert "Moved to Leeds" in kenji["risk_reasons"]


def test_other_files(demo_report):
    _, out = demo_report
    assert tuple(pd.read_csv(out / "cities.csv").columns) == CITY_REPORT_COLUMNS
    assert tuple(pd.read_csv(out / "problems.csv").columns) == ("file", "row", "column", "value", "problem")
    assert tuple(pd.read_csv(out / "buddies.csv").columns) == ("member_id", "name", "buddy_id", "buddy_name", "distance_km", "reason")
    assert tuple(pd.read_csv(out / "next_meetups.csv").columns) == ("city", "lat", "lon", "at_risk_within_radius")


def test_as_of_moves_the_indicators(tmp_path, capsys):
    assert main(["report", *DEMO, "--as-of", "2026-01-31", "--out", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["as_of"] == "2026-01-31"


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"", "empty"), (b"Shoe size,Colour\n9,red\n", "Columns found"), (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG")],
)
def test_unusable_input_exits_2_with_one_line(tmp_path, capsys, content, words):
    bad = tmp_path / "members.csv"
    bad.write_bytes(content)
    assert main(["report", "--members", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and words in err


@pytest.mark.parametrize("args", [["--members", "/nonexistent.csv"], ["--as-of", "tomorrow", "--members", str(ROOT / "data/demo_members.csv")], []])
def test_bad_arguments_exit_2(tmp_path, capsys, args):
    assert main(["report", *args, "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("error: ")
