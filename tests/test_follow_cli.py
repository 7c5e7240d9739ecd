"""Follow-through on the command line (contact, introduce, forget, person, report --db), on SQLite
and PostgreSQL: an introduced pair seen at one event in a later snapshot is ``met`` on that
event's day; do-not-contact people leave the buddies; bad input exits 2 with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dashboard.__main__ import main

EVENTS = [("E1", "2026-02-01"), ("E2", "2026-03-01"), ("E3", "2026-04-01"), ("E4", "2026-05-01"),
          ("E5", "2026-05-20"), ("E6", "2026-06-01"), ("E7", "2026-06-15")]
REGULARS = ("Rita", "Reg", "Rosa")


def write_trio(folder: Path, attended: dict[str, list[str]], people: tuple[str, ...] = ("Nina", "Ola")) -> list[str]:
    """Members (the regulars and ``people``), the events and who came; the CLI's file flags."""
    folder.mkdir(parents=True, exist_ok=True)
    everyone = (*REGULARS, *people)
    members = "Name,Email,City,Joined\n" + "".join(f"{p} Tester,{p.lower()}@example.org,Leeds,2026-01-05\n"
                                                  for p in everyone)
    events = "Event ID,Event name,Date,City\n" + "".join(f"{e},Coffee {e},{d} 10:00,Leeds\n" for e, d in EVENTS)
    rows = {p: attended.get(p, [e for e, _ in EVENTS[:6]] if p in REGULARS else []) for p in everyone}
    attendance = "Event ID,Email,Status\n" + "".join(
        f"{e},{p.lower()}@example.org,attended\n" for p, evs in rows.items() for e in evs)
    for name, text in (("members", members), ("events", events), ("attendance", attendance)):
        (folder / f"{name}.csv").write_text(text)
    return [arg for name in ("members", "events", "attendance") for arg in (f"--{name}", str(folder / f"{name}.csv"))]


def run(capsys, *args: str) -> tuple[int, list[dict], str]:
    code = main(list(args))
    out = capsys.readouterr()
    lines = [json.loads(line) for line in out.out.splitlines() if line.strip().startswith("{")]
    return code, lines, out.err.strip()


def report(capsys, db_url: str, out: Path, as_of: str = "2026-06-30") -> dict:
    code = main(["report", "--db", db_url, "--as-of", as_of, "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_an_introduced_pair_is_met_on_the_day_a_later_snapshot_shows_them_at_one_event(db_url, tmp_path, capsys):
    assert run(capsys, "import", *write_trio(tmp_path / "a", {}), "--db", db_url)[0] == 0
    code, (line,), _ = run(capsys, "introduce", "--person", "Nina@Example.org", "--buddy", "rita@example.org",
                           "--on", "2026-05-25", "--db", db_url)
    assert code == 0 and line["on"] == "2026-05-25"
    summary = report(capsys, db_url, tmp_path / "before")
    intros = pd.read_csv(tmp_path / "before" / "introductions.csv", dtype=str, keep_default_na=False)
    assert intros.to_dict("records") == [{"member_id": "M00004", "buddy_id": "M00001", "introduced_on": "2026-05-25",
                                          "met_on": "", "status": "introduced"}]
    assert summary["follow_through"]["introduced"] == 1 and summary["follow_through"]["met"] == 0

    # the next export: Nina came to E5 with Rita before the introduction, and to E7 after it
    later = write_trio(tmp_path / "b", {"Nina": ["E5", "E7"], "Rita": ["E1", "E2", "E3", "E4", "E5", "E6", "E7"]})
    assert run(capsys, "import", *later, "--db", db_url)[0] == 0
    summary = report(capsys, db_url, tmp_path / "after")
    intros = pd.read_csv(tmp_path / "after" / "introductions.csv", dtype=str, keep_default_na=False)
    assert intros[["introduced_on", "met_on", "status"]].values.tolist() == [["2026-05-25", "2026-06-15", "met"]]
    assert summary["follow_through"]["met"] == 1
    code, (doc,), _ = run(capsys, "person", "--email", "rita@example.org", "--db", db_url)
    assert [i["status"] for i in doc["introductions"]] == ["met"]  # kept in the workspace, not just reported


def test_contacts_show_in_members_csv_and_do_not_contact_leaves_the_buddies(db_url, tmp_path, capsys):
    assert run(capsys, "import", *write_trio(tmp_path / "a", {}), "--db", db_url)[0] == 0
    report(capsys, db_url, tmp_path / "first")
    first = pd.read_csv(tmp_path / "first" / "buddies.csv")
    assert "Rita Tester" in set(first["buddy_name"])
    code, (line,), _ = run(capsys, "contact", "--email", "rita@example.org", "--outcome", "do_not_contact",
                           "--on", "2026-06-10", "--channel", "email", "--db", db_url)
    assert code == 0 and line["member_id"] == "M00001"
    code, _, _ = run(capsys, "contact", "--email", "nina@example.org", "--outcome", "reached", "--on", "2026-06-20",
                     "--note", "=HYPERLINK(\"x\")", "--follow-up", "2026-06-27", "--db", db_url)
    assert code == 0
    summary = report(capsys, db_url, tmp_path / "second")
    buddies = pd.read_csv(tmp_path / "second" / "buddies.csv")
    assert "Rita Tester" not in set(buddies["buddy_name"]) and "Rita Tester" not in set(buddies["name"])
    assert set(buddies["name"]) == {"Nina Tester", "Ola Tester"}  # they still get buddies, others
    members = pd.read_csv(tmp_path / "second" / "members.csv", dtype=str, keep_default_na=False).set_index("name")
    assert members.loc["Rita Tester", ["last_outcome", "do_not_contact"]].tolist() == ["do_not_contact", "True"]
    assert members.loc["Nina Tester", ["last_contacted_on", "last_outcome", "follow_up_on"]].tolist() == [
        "2026-06-20", "reached", "2026-06-27"]
    assert members.loc["Ola Tester", "last_outcome"] == "" and members.loc["Ola Tester", "do_not_contact"] == "False"
    helped = summary["follow_through"]
    assert helped["reached"] == 1 and "does not show that a contact caused it" in " ".join(helped["wording"])
    code, _, err = run(capsys, "introduce", "--person", "ola@example.org", "--buddy", "rita@example.org",
                       "--on", "2026-06-21", "--db", db_url)
    assert code == 2 and "asked not to be contacted" in err and "\n" not in err


@pytest.mark.parametrize(("args", "says"), [
    (["contact", "--email", "nina@example.org", "--outcome", "ok", "--on", "2026-06-01"], "outcome 'ok'"),
    (["contact", "--email", "nina@example.org", "--outcome", "reached", "--on", "June 31st"], "--on 'June 31st'"),
    (["contact", "--email", "not-an-email", "--outcome", "reached", "--on", "2026-06-01"], "not an email address"),
    (["contact", "--email", "nina@example.org", "--outcome", "reached", "--on", "2026-06-01",
      "--follow-up", "2026-05-01"], "before the contact"),
    (["contact", "--email", "nobody@example.org", "--outcome", "reached", "--on", "2026-06-01"], "nobody with"),
    (["introduce", "--person", "nina@example.org", "--buddy", "NINA@example.org", "--on", "2026-06-01"],
     "the same person"),
    (["introduce", "--person", "nina@example.org", "--buddy", "zed@example.org", "--on", "2026-06-01"],
     "nobody with the email zed@example.org"),
    (["forget", "--email", "nope"], "not an email address"),
])
def test_bad_input_exits_2_with_one_line(args, says, tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    assert run(capsys, "import", *write_trio(tmp_path / "a", {}), "--db", db)[0] == 0
    code, lines, err = run(capsys, *args, "--db", db)
    assert code == 2 and not lines
    assert err.startswith("error: ") and says in err and "\n" not in err


def test_contact_on_an_empty_workspace_exits_2(tmp_path, capsys):
    code, _, err = run(capsys, "contact", "--email", "a@example.org", "--outcome", "reached", "--on", "2026-06-01",
                       "--db", f"sqlite:///{tmp_path / 'w.db'}")
    assert code == 2 and "no snapshots yet" in err
