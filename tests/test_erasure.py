"""Data duties: forget a person everywhere (the raw database file no longer holds their email or
name, in any encoding), everything else loads as before, and a subject access document."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from dashboard import snapshots
from dashboard.__main__ import main
from dashboard.contacts import Contact
from dashboard.erasure import ErasureError, forget, subject_access
from dashboard.export import to_xlsx_bytes
from dashboard.ingest import Upload
from dashboard.ingest.erase import Person, without
from dashboard.introductions.lifecycle import Pair
from dashboard.store import Store
from dashboard.store.follow import FollowThrough

EMAIL, NAME = "zelda.quarrington@example.org", "Zelda Quarrington"
MEMBERS = ("Member ID,Name,Email,City,Joined,Referred by\r\n"
           "A1,Ann Other,ann@example.org,Leeds,2026-01-05,ZELDA.Quarrington@example.org\r\n"
           f"A2,{NAME},{EMAIL},Leeds,2026-01-06,\r\n"
           "A3,Bo Brown,bo@example.org,York,2026-01-07,\r\n")
EVENTS = "Event ID,Event name,Date,City\nE1,Coffee,2026-03-01 10:00,Leeds\nE2,Walk,2026-04-01 10:00,Leeds\n"
# UTF-16 (Excel's "Unicode text"), tab-separated, a name-only row and a note over two lines
ATTENDANCE = ("Event ID\tEmail\tName\tStatus\tComment\r\n"
              f"E1\t{EMAIL}\t\tattended\t\r\n"
              "E1\tann@example.org\t\tattended\t\"first time\nloved it\"\r\n"
              f"E2\t\t{NAME}\tattended\t\r\n"
              "E2\tbo@example.org\t\tattended\t\r\n")


def uploads(members: str = MEMBERS) -> dict[str, Upload]:
    return {"members": Upload("members.csv", members.encode("utf-8-sig")),
            "events": Upload("events.csv", EVENTS.encode()),
            "attendance": Upload("attendance.txt", ATTENDANCE.encode("utf-16"))}


def encodings(word: str) -> list[bytes]:
    return [word.encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be")] + [word.lower().encode("utf-8")]


def others(store: Store) -> pd.DataFrame:
    """The latest snapshot's members and attendance as loaded, without anything of Zelda."""
    com = snapshots.community(store.latest())
    members = com.members[com.members["email"] != EMAIL].reset_index(drop=True)
    att = com.attendance[com.attendance["member_id"] != "A2"].reset_index(drop=True)
    return members, att


@pytest.fixture
def kept(db_url):
    store = Store.open(db_url)
    snapshots.keep(store, uploads(), {}, "GB")
    snapshots.keep(store, uploads(MEMBERS.replace("A3,Bo Brown", "A4,Cy Dee,cy@example.org,Hull,2026-02-01,\r\nA3,Bo Brown")),
                   {}, "GB")
    follow = FollowThrough(store)
    follow.log_contact(Contact(EMAIL, "A2", date(2026, 5, 1), "reached", note=f"{NAME} would like a lift",
                               follow_up_on=date(2026, 5, 8)))
    follow.log_contact(Contact("ann@example.org", "A1", date(2026, 5, 1), "reached", note="Ann is fine"))
    follow.introduce(Pair(EMAIL, "A2", "bo@example.org", "A3"), date(2026, 5, 2))
    follow.introduce(Pair("ann@example.org", "A1", "bo@example.org", "A3"), date(2026, 5, 2))
    yield store
    store.close()


def test_forget_leaves_nothing_of_them_in_the_database_file_and_the_rest_loads_as_before(kept, db_url, tmp_path):
    before_members, before_att = others(kept)
    watcher = Store.open(db_url)  # the app's server holds the workspace open meanwhile
    assert watcher.latest() is not None
    erased = forget(kept, email=" Zelda.QUARRINGTON@example.org ")
    # two snapshots x (members row + 2 attendance rows), one log entry, one introduction
    assert erased.detail == {"snapshot_file_rows": 6, "contact_log": 1, "introductions": 1, "snapshots_emptied": 0}
    assert erased.rows == 8
    after_members, after_att = others(kept)
    pd.testing.assert_frame_equal(after_members, before_members)
    pd.testing.assert_frame_equal(after_att, before_att)
    com = snapshots.community(kept.latest())
    assert EMAIL not in set(com.members["email"]) and NAME not in set(com.members["name"])
    assert (kept.latest().info.members, kept.latest().info.attendance_rows) == (3, 2)
    follow = FollowThrough(kept)
    assert follow.contacts()["note"].tolist() == ["Ann is fine"]
    assert follow.introductions()["person_key"].tolist() == ["ann@example.org"]
    assert [(rows, detail["contact_log"]) for _at, rows, detail in follow.erasures()] == [(8, 1)]
    doc = subject_access(kept, email=EMAIL)
    assert doc["snapshots"] == [] and doc["contact_log"] == [] and doc["introductions"] == []
    if kept.path is not None:
        watcher.close()
        files = [p for p in kept.path.parent.glob(kept.path.name + "*") if p.suffix != "-shm"]
        for f in files:
            raw = f.read_bytes()
            for word in (EMAIL, NAME, "Quarrington"):
                for needle in encodings(word):
                    assert needle not in raw, (f.name, needle)
        assert b"ann@example.org" in kept.path.read_bytes()  # the test can see what is there
    else:
        engine = create_engine(db_url)
        with engine.connect() as conn:
            hits = conn.execute(text("SELECT count(*) FROM snapshot_files WHERE position(:e in data) > 0"),
                                {"e": EMAIL.encode()}).scalar()
            assert hits == 0
            assert conn.execute(text("SELECT count(*) FROM contacts WHERE note LIKE '%Zelda%'")).scalar() == 0
        engine.dispose()
        watcher.close()


def test_the_rewritten_text_file_keeps_every_other_byte(kept):
    person = Person(frozenset({EMAIL}), frozenset({"A2"}), frozenset({NAME.casefold()}))
    rewritten, n = without(uploads()["attendance"], "attendance", person)
    assert n == 2
    assert rewritten.data.startswith(b"\xff\xfe")  # still UTF-16 with its byte-order mark
    expected = ATTENDANCE.replace(f"E1\t{EMAIL}\t\tattended\t\r\n", "").replace(f"E2\t\t{NAME}\tattended\t\r\n", "")
    assert rewritten.data.decode("utf-16") == expected
    members, _ = without(uploads()["members"], "members", person)
    assert members.data.decode("utf-8-sig") == MEMBERS.replace(f"A2,{NAME},{EMAIL},Leeds,2026-01-06,\r\n", "").replace(
        "ZELDA.Quarrington@example.org", "")  # named in someone else's row: blanked
    same, none = without(uploads()["events"], "events", person)
    assert none == 0 and same == uploads()["events"]


def test_a_workbook_is_rewritten_as_a_workbook_that_reads_the_same(tmp_path):
    from dashboard.ingest import load_community

    frame = pd.read_csv(pd.io.common.StringIO(MEMBERS), dtype=str, keep_default_na=False)
    book = Upload("members.xlsx", to_xlsx_bytes(frame, "Sign-ups"), sheet="Sign-ups")
    person = Person(frozenset({EMAIL}), frozenset(), frozenset())
    rewritten, n = without(book, "members", person)
    assert n == 1 and rewritten.sheet == "Sign-ups" and rewritten.data[:2] == b"PK"
    before = load_community(members=book).members
    after = load_community(members=rewritten).members
    pd.testing.assert_frame_equal(after, before[before["email"] != EMAIL].reset_index(drop=True))


def test_forget_by_member_id_uses_the_newest_snapshot_that_has_it(kept):
    erased = forget(kept, member_id="A2")
    assert erased.detail["snapshot_file_rows"] == 6 and erased.detail["contact_log"] == 1


def test_a_snapshot_with_nobody_else_left_is_deleted(db_url):
    store = Store.open(db_url)
    only = f"Name,Email\n{NAME},{EMAIL}\n"
    snapshots.keep(store, {"members": Upload("m.csv", only.encode())}, {}, "")
    snapshots.keep(store, uploads(), {}, "GB")
    erased = forget(store, email=EMAIL)
    assert erased.detail["snapshots_emptied"] == 1
    assert len(store.snapshots()) == 1
    store.close()


def test_subject_access_gathers_their_rows_from_every_snapshot_and_their_log(kept):
    doc = subject_access(kept, email=EMAIL)
    assert [s["snapshot"] for s in doc["snapshots"]] == [2, 1]
    latest = doc["snapshots"][0]["files"]
    assert [r["Name"] for r in latest["members"]["rows"]] == [NAME]
    assert [(r["row"], r["Event ID"]) for r in latest["attendance"]["rows"]] == [(2, "E1"), (4, "E2")]
    assert [e["note"] for e in doc["contact_log"]] == [f"{NAME} would like a lift"]
    assert doc["contact_log"][0]["follow_up_on"] == "2026-05-08"
    assert [i["buddy_key"] for i in doc["introductions"]] == ["bo@example.org"]
    json.dumps(doc)  # one JSON document


def test_nobody_named_is_refused():
    with pytest.raises(ErasureError, match="give an email"):
        forget(None, email="  ")  # type: ignore[arg-type]


def test_forget_on_the_command_line_prints_the_rows_and_the_report_no_longer_names_them(kept, db_url, tmp_path,
                                                                                         capsys):
    assert main(["forget", "--email", EMAIL, "--db", db_url]) == 0
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line["erased_rows"] == 8
    assert main(["person", "--email", EMAIL, "--db", db_url]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["snapshots"] == [] and doc["contact_log"] == []
    assert main(["report", "--db", db_url, "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    for f in [*sorted((tmp_path / "out").iterdir())]:
        content = f.read_bytes()
        assert EMAIL.encode() not in content and b"Quarrington" not in content, f.name
    assert "Quarrington" not in printed
