"""Dates outside what the app can hold (1650, 9999, 2262-04-12, "March 1650"): in every date
column the cell is left empty and listed with its file, row and column; the row is kept and
no pandas or pyarrow exception ever reaches the organiser (issue 17, defect 3)."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dashboard.__main__ import main
from dashboard.ingest import InputError, Upload, load_community
from dashboard.ingest.dates import FIRST_YEAR, LAST_YEAR, parse_dates

OUT_OF_RANGE = (
    "1650-06-01", "9999-12-31", "2262-04-12", "March 1650", "1650-06-01 10:30", "June 1 1650",
    "1 June 3000", "1677-09-21", "0001-01-01", "12/31/9999", "31/12/1650", "2262-04-12T00:00:00Z",
    "1899-12-31", "2200-01-01", "01/01/2261",
)

# (file kind, header, field): every column the pipeline reads as a date
MEMBER_DATE_COLUMNS = (("Timestamp", "joined_on"), ("When did you move to your city?", "moved_on"),
                       ("Last Attended", "agg_last_attended"))
EVENT_DATE_COLUMN = ("Date", "starts_at")
ATTENDANCE_DATE_COLUMN = ("Event Date", "event_date")


def _csv(rows: list[list[str]]) -> bytes:
    def q(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if any(ch in c for ch in ',"\r\n') else c

    return ("\n".join(",".join(q(c) for c in r) for r in rows) + "\n").encode("utf-8")


def _members(cells: dict[str, list[str]], n: int) -> Upload:
    header = ["Full name", "Email Address", *(h for h, _ in MEMBER_DATE_COLUMNS)]
    rows = [[f"Person {i}", f"p{i}@example.org", *(cells[h][i] for h, _ in MEMBER_DATE_COLUMNS)] for i in range(n)]
    return Upload("members.csv", _csv([header, *rows]))


def _events(dates: list[str]) -> Upload:
    rows = [[f"EV{i}", f"Event {i}", d, "Leeds"] for i, d in enumerate(dates)]
    return Upload("events.csv", _csv([["Event ID", "Event name", "Date", "City"], *rows]))


def _attendance(dates: list[str], with_ids: bool) -> Upload:
    rows = [[f"EV{i}" if with_ids else "", f"Event {i}", d, f"p{i % 2}@example.org", "Checked In"]
            for i, d in enumerate(dates)]
    return Upload("attendance.csv", _csv([["Event ID", "Event Name", "Event Date", "Email", "Attendee Status"], *rows]))


def _listed(problems: pd.DataFrame, file: str, row: int, column: str) -> bool:
    hit = problems[(problems["file"] == file) & (problems["row"] == row) & (problems["column"] == column)]
    return not hit.empty


# --- parse_dates ---------------------------------------------------------------


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_an_out_of_range_date_is_left_empty_and_reported(value):
    parsed, report = parse_dates(pd.Series(["2025-06-01", value, "2025-06-02"]))
    assert parsed.isna().tolist() == [False, True, False]
    assert report.unparsed_rows == (1,)


def test_the_first_and_last_years_a_column_holds_are_read():
    parsed, report = parse_dates(pd.Series(["2199-12-31 23:59", "1900-01-01", "31/12/2199", "January 1900"]))
    assert parsed.notna().all() and report.unparsed_rows == ()


# --- load_community: each date column, one bad cell ------------------------------


@pytest.mark.parametrize("value", ["1650-06-01", "9999-12-31", "2262-04-12", "March 1650"])
@pytest.mark.parametrize(("header", "fieldname"), MEMBER_DATE_COLUMNS)
def test_members_date_column_keeps_the_row(value, header, fieldname):
    cells = {h: ["2025-05-01", "2025-05-02"] for h, _ in MEMBER_DATE_COLUMNS}
    cells[header] = ["2025-05-01", value]
    community = load_community(_members(cells, 2))
    assert len(community.members) == 2
    assert community.members[fieldname].isna().tolist() == [False, True]
    assert _listed(community.problems, "members.csv", 3, header)
    said = community.problems.loc[community.problems["column"] == header, "problem"].tolist()
    assert said == ["a year before 1900 or after 2199 (a typo?): left empty, check the year"]


@pytest.mark.parametrize("value", ["1650-06-01", "9999-12-31", "2262-04-12", "March 1650"])
def test_events_date_column_keeps_the_event(value):
    cells = {h: ["2025-05-01", "2025-05-02"] for h, _ in MEMBER_DATE_COLUMNS}
    community = load_community(_members(cells, 2), _events(["2025-06-01", value]),
                               _attendance(["2025-06-01", value], with_ids=True))
    assert community.events["event_id"].tolist() == ["EV0", "EV1"]
    assert community.events["starts_at"].isna().tolist() == [False, True]
    assert _listed(community.problems, "events.csv", 3, "Date")


@pytest.mark.parametrize("value", ["1650-06-01", "9999-12-31", "2262-04-12", "March 1650"])
def test_attendance_date_column_keeps_the_row(value):
    community = load_community(None, None, _attendance(["2025-06-01", value], with_ids=False))
    assert len(community.attendance) == 2
    assert _listed(community.problems, "attendance.csv", 3, "Event Date")


# --- every kind of date cell in every date column ------------------------------


def _iso(y: int, m: int, d: int, sep: str, time: str) -> str:
    return f"{y:04d}{sep}{m:02d}{sep}{d:02d}{time}"


years = st.one_of(st.integers(1, 9999), st.sampled_from((1677, 1678, 1899, 1900, 2199, 2200, 2261, 2262, 2263)))
times = st.sampled_from(("", " 10:30", "T23:59:59", " 00:00:00", "T12:00:00Z", "T12:00:00+01:00", " 23:47:16.854775808"))
_MONTHS = ("January", "Feb", "March", "Sept", "December")

date_cells = st.one_of(
    st.sampled_from(OUT_OF_RANGE),
    st.sampled_from(("", "born here", "soon", "n/a", "2262-04-11", "1677-09-22", "2262-04-11 23:47:16",
                     "1677-09-21 00:12:44", "0", "60", "2958465", "99999", "-1", "1e10", "NaT", "nan")),
    st.builds(_iso, years, st.integers(1, 12), st.integers(1, 28), st.sampled_from(("-", "/", ".")), times),
    st.builds(lambda a, b, y, sep, t: f"{a}{sep}{b}{sep}{y}{t}", st.integers(1, 31), st.integers(1, 31),
              st.one_of(st.integers(0, 99), years), st.sampled_from(("/", ".", "-")),
              st.sampled_from(("", " 10:30", " 9:05 PM", " 12:00 am"))),
    st.builds(lambda m, y: f"{m} {y}", st.sampled_from(_MONTHS), years),
    st.builds(lambda d, m, y: f"{d} {m} {y}", st.integers(1, 28), st.sampled_from(_MONTHS), years),
    st.builds(lambda m, d, y: f"{m} {d}, {y}", st.sampled_from(_MONTHS), st.integers(1, 28), years),
    st.builds(str, st.integers(0, 3_000_000)),
    st.builds(lambda v: f"{v:.4f}", st.floats(0, 3_000_000)),
    st.builds(str, years),
)

HOSTILE = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def trios(draw):
    n = draw(st.integers(1, 4))
    cells = {h: draw(st.lists(date_cells, min_size=n, max_size=n)) for h, _ in MEMBER_DATE_COLUMNS}
    event_dates = draw(st.lists(date_cells, min_size=1, max_size=4))
    return cells, n, event_dates, draw(st.booleans())


def _check_trio(cells: dict[str, list[str]], n: int, event_dates: list[str], with_events: bool) -> None:
    members = _members(cells, n)
    events = _events(event_dates) if with_events else None
    attendance = _attendance(event_dates, with_ids=with_events)
    try:
        community = load_community(members, events, attendance, reference_date=pd.Timestamp("2026-06-30"))
    except InputError as exc:  # allowed, with a message; any other exception fails the test
        assert str(exc).strip()
        return
    problems = community.problems
    by_email = community.members.set_index("email")
    for i in range(n):  # every member row is kept; each unreadable date is listed
        member = by_email.loc[f"p{i}@example.org"]
        for header, fieldname in MEMBER_DATE_COLUMNS:
            if pd.isna(member[fieldname]) and cells[header][i].strip() and cells[header][i].strip() != "born here" \
                    and cells[header][i].strip().casefold() != "n/a":
                assert _listed(problems, "members.csv", i + 2, header), (header, cells[header][i])
            if pd.notna(member[fieldname]):
                assert FIRST_YEAR <= member[fieldname].year <= LAST_YEAR
    if with_events:
        assert len(community.events) == len(event_dates)
        for i, when in enumerate(community.events["starts_at"]):
            if pd.isna(when) and event_dates[i].strip() and event_dates[i].strip().casefold() not in ("born here", "n/a"):
                assert _listed(problems, "events.csv", i + 2, "Date"), event_dates[i]
    for column in ("joined_on", "moved_on", "agg_last_attended"):
        assert str(community.members[column].dtype).startswith("datetime64")
    assert str(community.events["starts_at"].dtype).startswith("datetime64")


@HOSTILE
@given(trio=trios())
@example(trio=({h: ["1650-06-01"] for h, _ in MEMBER_DATE_COLUMNS}, 1, ["9999-12-31", "2262-04-12"], True))
@example(trio=({h: ["March 1650"] for h, _ in MEMBER_DATE_COLUMNS}, 1, ["March 1650"], False))
def test_any_date_cell_in_any_date_column_loads(trio):
    _check_trio(*trio)


REPORT = settings(HOSTILE, max_examples=12)


def _run_report(cells: dict[str, list[str]], n: int, event_dates: list[str], with_events: bool) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        files = {"members": _members(cells, n), "attendance": _attendance(event_dates, with_ids=with_events)}
        if with_events:
            files["events"] = _events(event_dates)
        args = ["report"]
        for kind, up in files.items():
            (d / up.name).write_bytes(up.data)
            args += [f"--{kind}", str(d / up.name)]
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main([*args, "--out", str(d / "out")])  # any exception fails the test
        return code, err.getvalue()


@REPORT
@given(trio=trios())
@example(trio=({h: ["1650-06-01"] for h, _ in MEMBER_DATE_COLUMNS}, 1, ["9999-12-31", "2262-04-12"], True))
@example(trio=({h: ["2262-04-11 23:00"] for h, _ in MEMBER_DATE_COLUMNS}, 1, ["2262-04-11 23:00"], True))
@example(trio=({h: ["1678-01-01"] for h, _ in MEMBER_DATE_COLUMNS}, 1, ["1678-01-01 00:00"], False))
def test_report_on_any_date_cell_exits_cleanly(trio):
    code, err = _run_report(*trio)
    assert code in (0, 2)
    if code == 2:
        assert err.startswith("error: ") and "\n" not in err.strip()


def test_xlsx_dates_outside_the_years_keep_their_rows():
    from datetime import date, datetime

    from tests.test_ingest_read import xlsx_bytes

    data = xlsx_bytes({"Members": [["Name", "Email", "Joined"], ["Ann", "ann@example.org", datetime(1650, 6, 1)],
                                   ["Bo", "bo@example.org", date(9999, 12, 31)], ["Cy", "cy@example.org", date(2025, 1, 2)]]})
    community = load_community(Upload("members.xlsx", data))
    assert community.members["joined_on"].isna().tolist() == [True, True, False]
    assert [r for r in (2, 3) if _listed(community.problems, "members.xlsx", r, "Joined")] == [2, 3]


def test_report_command_on_out_of_range_dates_exits_0_without_a_traceback(tmp_path):
    import subprocess
    import sys

    cells = {h: ["1650-06-01", "2025-01-01"] for h, _ in MEMBER_DATE_COLUMNS}
    cells["When did you move to your city?"] = ["March 1650", ""]
    files = {"members": _members(cells, 2), "events": _events(["9999-12-31", "2262-04-12"]),
             "attendance": _attendance(["9999-12-31", "2262-04-12"], with_ids=True)}
    args = []
    for kind, up in files.items():
        (tmp_path / up.name).write_bytes(up.data)
        args += [f"--{kind}", str(tmp_path / up.name)]
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-m", "dashboard", "report", *args, "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=root, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    problems = pd.read_csv(tmp_path / "out" / "problems.csv")
    assert {("members.csv", 2, "Timestamp"), ("members.csv", 2, "When did you move to your city?"),
            ("events.csv", 2, "Date"), ("events.csv", 3, "Date")} <= set(
        zip(problems["file"], problems["row"], problems["column"], strict=True))
