"""The command line over the store (import, history, report --db), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dashboard.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ["--members", str(ROOT / "data/demo_members.csv"), "--events", str(ROOT / "data/demo_events.csv"),
        "--attendance", str(ROOT / "data/demo_attendance.csv")]

EVENTS = "Event ID,Event name,Date,City\nE1,Coffee,2026-03-01 10:00,Leeds\nE2,Walk,2026-04-01 10:00,Leeds\n"


def _trio(folder: Path, people: list[str]) -> list[str]:
    """A small members/events/attendance trio; everyone listed came to both events."""
    folder.mkdir(parents=True, exist_ok=True)
    members = "Name,Email,City,Joined\n" + "".join(f"{p},{p.lower()}@example.org,Leeds,2026-01-05\n" for p in people)
    attendance = "Event ID,Email,Status\n" + "".join(
        f"{e},{p.lower()}@example.org,attended\n" for e in ("E1", "E2") for p in people)
    for name, text in (("members", members), ("events", EVENTS), ("attendance", attendance)):
        (folder / f"{name}.csv").write_text(text)
    return [arg for name in ("members", "events", "attendance") for arg in (f"--{name}", str(folder / f"{name}.csv"))]


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_import_history_and_report_on_the_latest_snapshot(db_url, tmp_path, capsys):
    assert main(["import", *DEMO, "--country", "GB", "--db", db_url]) == 0
    line = _json_lines(capsys.readouterr().out)
    assert len(line) == 1
    assert line[0]["snapshot"] >= 1 and line[0]["members"] == 301 and line[0]["events"] == 100
    assert line[0]["attendance_rows"] > 0

    assert main(["history", "--db", db_url]) == 0
    (kept,) = _json_lines(capsys.readouterr().out)
    assert kept["snapshot"] == line[0]["snapshot"] and kept["members"] == 301
    assert kept["files"] == {"members": "demo_members.csv", "events": "demo_events.csv",
                             "attendance": "demo_attendance.csv"}

    assert main(["report", "--db", db_url, "--out", str(tmp_path / "from_db")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["members"] == 301 and summary["snapshot"] == kept["snapshot"]
    assert not (tmp_path / "from_db" / "changes.csv").exists()  # nothing earlier to compare with

    # the snapshot rebuilds the numbers the files give
    assert main(["report", *DEMO, "--country", "GB", "--out", str(tmp_path / "from_files")]) == 0
    capsys.readouterr()
    for name in ("members", "cities", "buddies", "next_meetups"):
        from_files = pd.read_csv(tmp_path / "from_files" / f"{name}.csv")
        from_db = pd.read_csv(tmp_path / "from_db" / f"{name}.csv")
        pd.testing.assert_frame_equal(from_db[from_files.columns], from_files)
    # the workspace's report adds each member's last contact (none yet)
    extra = pd.read_csv(tmp_path / "from_db" / "members.csv", dtype=str, keep_default_na=False)
    assert list(extra.columns[-4:]) == ["last_contacted_on", "last_outcome", "follow_up_on", "do_not_contact"]
    assert set(extra["do_not_contact"]) == {"False"} and set(extra["last_outcome"]) == {""}


def test_report_with_an_earlier_snapshot_writes_what_changed(db_url, tmp_path, capsys):
    assert main(["import", *_trio(tmp_path / "a", ["Ann", "Bo", "Cy"]), "--db", db_url]) == 0
    assert main(["import", *_trio(tmp_path / "b", ["Ann", "Bo", "Di"]), "--db", db_url]) == 0
    first, second = (line["snapshot"] for line in _json_lines(capsys.readouterr().out))
    assert second > first
    assert main(["history", "--db", db_url]) == 0
    assert [h["snapshot"] for h in _json_lines(capsys.readouterr().out)] == [second, first]
    assert main(["report", "--db", db_url, "--out", str(tmp_path / "out")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["snapshot"] == second and summary["changes_since"] == first
    changes = pd.read_csv(tmp_path / "out" / "changes.csv")
    assert tuple(changes.columns) == ("member_id", "name", "change")
    assert sorted(zip(changes["name"], changes["change"])) == [("Cy", "left"), ("Di", "joined")]
    assert summary["changes"]["joined"] == 1 and summary["changes"]["left"] == 1


def test_importing_an_unusable_file_exits_2_and_keeps_nothing(tmp_path, capsys):
    bad = tmp_path / "members.csv"
    bad.write_bytes(b"Shoe size,Colour\n9,red\n")
    db = tmp_path / "w.db"
    assert main(["import", "--members", str(bad), "--db", f"sqlite:///{db}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Columns found" in err
    assert not db.exists()


def test_report_on_an_empty_workspace_exits_2(db_url, tmp_path, capsys):
    assert main(["report", "--db", db_url, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "no snapshots" in err and "\n" not in err


def test_report_refuses_files_and_db_together(tmp_path, capsys):
    assert main(["report", *DEMO, "--db", f"sqlite:///{tmp_path / 'w.db'}", "--out", str(tmp_path)]) == 2
    assert "leave out the file flags" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["history"], ["report", "--out", "OUT"], ["import", *DEMO]])
def test_an_unreachable_database_exits_2_naming_it_without_the_password(command, tmp_path, capsys):
    url = "postgresql+psycopg://organiser:hunter2-secret@127.0.0.1:9/workspace"
    args = [a.replace("OUT", str(tmp_path)) for a in command]
    assert main([*args, "--db", url]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "hunter2-secret" not in err
    assert "postgresql+psycopg://organiser:***@127.0.0.1:9/workspace" in err


def test_an_unwritable_sqlite_file_exits_2(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["history", "--db", f"sqlite:///{blocker / 'w.db'}"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and str(blocker / "w.db") in err
