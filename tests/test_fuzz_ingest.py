"""Property-based fuzzing of what organisers upload: whatever the bytes, the
readers and the column mapper give a result or ``InputError`` with a message,
never any other exception.

The ``ci`` profile (the default) is derandomized, so CI runs the same few
hundred examples per property every time; ``HYPOTHESIS_PROFILE=deep`` runs many
more with fresh randomness, for hunting locally.
"""

from __future__ import annotations

import codecs
import io
import os
import zipfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dashboard.ingest import InputError, Upload, load_community, read_table
from dashboard.ingest.mapping import (
    IGNORE,
    SYNONYMS,
    ColumnMatch,
    fields_for,
    suggest_mapping,
)
from dashboard.ingest.read import ROW_COLUMN
from tests.test_ingest_read import xlsx_bytes

settings.register_profile(
    "ci",
    max_examples=500,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
BASE = settings.get_profile(PROFILE)
# cheap properties (reader on small inputs, mapper) get twice the examples; xlsx round trips are slow
FAST = settings(BASE, max_examples=BASE.max_examples * 2)
SLOW = MEDIUM = BASE
XLSX = settings(BASE, max_examples=max(40, BASE.max_examples // 6))

KINDS = ("members", "events", "attendance")
DELIMITERS = (",", ";", "\t", "|", ":", " ")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1")

# headers people really write, plus each kind's synonyms, so generated files
# often map to something and reach the deeper parts of the pipeline
REAL_HEADERS = sorted(
    {w for kind in SYNONYMS.values() for words in kind.values() for w in words}
    | {
        "Timestamp", "Email Address", "Full name", "Which town or city do you live in?",
        "First Name", "Last Name", "Attendee Status", "Event Name", "Event ID", "Order Date",
        "User ID", "Joined Group on", "Last Attended", "Meetups attended", "No shows", "RSVPed Yes",
        "How often do you feel lonely?", "How often do you feel isolated from others?", "Date", "Online",
        ROW_COLUMN,  # the reader's own column name, in a file (a rare find: test_ingest_mapping checks it every run)
    }
)
CELL_SAMPLES = (
    "", " ", "x", "1", "0", "Y", "yes", "no", "TRUE", "Checked In", "Attending", "Refunded", "noshow",
    "25/03/2025", "03/25/2025", "2025-03-25", "2025-03-25 10:30", "45000", "March 3, 2025", "2099-01-01",
    "1900-01-01", "31/02/2025", "0000-00-00", "Leeds", "london", "Huddersfeld", "Toronto, ON, Canada",
    "a@example.org", "A@Example.org ", "not an email", "=1+1", "+44", "-", "@x", "\"", "''", "NaN", "None",
    "null", "inf", "-1e400", "9" * 30, "Hardly ever", "Often", "Some of the time", "Often/always",
    "<img src=x onerror=alert(1)>", "**bold**", "Zoë", "\u202e", "\ufeff", "\u00a0", "\u2028", "😀",
)


def _is_input_error_with_message(exc: BaseException) -> bool:
    return isinstance(exc, InputError) and bool(str(exc).strip())


def _check_read(data: bytes, filename: str = "upload.csv") -> None:
    try:
        result = read_table(data, filename)
    except InputError as exc:
        assert str(exc).strip(), "InputError without a message"
        return
    frame = result.frame
    assert isinstance(frame, pd.DataFrame)
    assert ROW_COLUMN in frame.columns
    assert len(set(frame.columns)) == len(frame.columns), "duplicate column names reach the mapper"


# --- strategies ---------------------------------------------------------------

cell_text = st.one_of(
    st.sampled_from(CELL_SAMPLES),
    st.text(max_size=20),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)
header_text = st.one_of(st.sampled_from(REAL_HEADERS), cell_text)


@st.composite
def tables(draw, min_cols: int = 1, max_cols: int = 7, max_rows: int = 8):
    """A list of rows: a header of (often real) names and cells of awkward values."""
    ncols = draw(st.integers(min_cols, max_cols))
    header = draw(st.lists(header_text, min_size=ncols, max_size=ncols))
    nrows = draw(st.integers(0, max_rows))
    rows = []
    for _ in range(nrows):
        width = draw(st.one_of(st.just(ncols), st.integers(0, ncols + 2)))  # mostly rectangular, sometimes ragged
        rows.append(draw(st.lists(cell_text, min_size=width, max_size=width)))
    titles = draw(st.lists(st.lists(cell_text, min_size=1, max_size=2), max_size=2))
    return titles + [header] + rows


def _quote(cell: str, delimiter: str, quote: str, style: str) -> str:
    if style == "never":
        return cell
    if style == "always" or any(ch in cell for ch in (delimiter, quote, "\n", "\r")):
        return quote + cell.replace(quote, quote * 2) + quote
    return cell


@st.composite
def csv_like_bytes(draw):
    """Rows joined with a random delimiter, quoting, line ending and encoding."""
    rows = draw(tables())
    delimiter = draw(st.sampled_from(DELIMITERS))
    quote = draw(st.sampled_from(('"', "'", "")))
    style = draw(st.sampled_from(("minimal", "always", "never"))) if quote else "never"
    newline = draw(st.sampled_from(("\n", "\r\n", "\r")))
    text = newline.join(delimiter.join(_quote(c, delimiter, quote or '"', style) for c in r) for r in rows)
    if draw(st.booleans()):
        text += newline
    encoding = draw(st.sampled_from(ENCODINGS))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:  # a sprinkle of corruption: truncate, or flip a byte
        if data and draw(st.booleans()):
            data = data[: draw(st.integers(0, len(data)))]
        elif data:
            i = draw(st.integers(0, len(data) - 1))
            data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1 :]
    return data


def _csv_bytes(rows: list[list[str]]) -> bytes:
    """Well-formed CSV (so the pipeline, not the reader, is what gets fuzzed)."""
    def q(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if any(ch in c for ch in ',"\r\n') else c

    return ("\n".join(",".join(q(c) for c in r) for r in rows) + "\n").encode("utf-8")


@st.composite
def kind_tables(draw, kind: str):
    """A table whose header is drawn mostly from the kind's own synonyms."""
    words = sorted({w for ws in SYNONYMS[kind].values() for w in ws})
    ncols = draw(st.integers(1, 6))
    header = draw(st.lists(st.one_of(st.sampled_from(words), st.sampled_from(REAL_HEADERS), cell_text),
                           min_size=ncols, max_size=ncols))
    nrows = draw(st.integers(0, 6))
    rows = [draw(st.lists(cell_text, min_size=ncols, max_size=ncols)) for _ in range(nrows)]
    return [header] + rows


# --- read_table ---------------------------------------------------------------


@FAST
@given(data=st.binary(max_size=2048))
@example(data=b"")
@example(data=b"\xef\xbb\xbf")
@example(data=b"\xff\xfe")
@example(data=b"\xff\xfe\x00")  # UTF-16 BOM followed by half a character
@example(data=b"\xfe\xff\xd8\x00")  # UTF-16 BE lone surrogate
@example(data=b"PK\x03\x04")  # a zip header and nothing else
@example(data=b"PK\x03\x04" + b"\x00" * 40)
@example(data=b"\x89PNG\r\n\x1a\n")
@example(data=b"a\x00b\x00")
@example(data=b"\x81\x8d\x8f\x90\x9d")  # bytes Windows-1252 leaves undefined
@example(data=b'"unterminated,quote\n')
@example(data=b"\r\r\r")
@example(data=b"a,b\n" + b"\x00")
def test_read_table_arbitrary_bytes(data):
    _check_read(data)


@FAST
@given(data=csv_like_bytes(), filename=st.sampled_from(("m.csv", "export.xls", "t.tsv", "x.xlsx", "noext")))
def test_read_table_csv_like_text(data, filename):
    _check_read(data, filename)


@MEDIUM
@given(text=st.text(max_size=600), encoding=st.sampled_from(ENCODINGS))
def test_read_table_arbitrary_text(text, encoding):
    _check_read(text.encode(encoding, errors="replace"))


# sheet names Excel itself allows: no control characters, no []:*?/\\
sheet_titles = st.one_of(
    st.sampled_from(("Sheet1", "Members", "Form responses 1", "Événements", "RSVPs 2025")),
    st.text(
        alphabet=st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"), exclude_characters="[]:*?/\\'"),
        min_size=1, max_size=31,
    ),
)


@XLSX
@given(
    pages=st.lists(st.tuples(sheet_titles, tables(max_rows=4)), min_size=1, max_size=3),
    formula=st.booleans(),
)
def test_read_table_xlsx_of_arbitrary_cells(pages, formula):
    sheets: dict[str, list] = {}
    for title, rows in pages:
        title = title.strip() or "Sheet"
        if title.casefold() not in {t.casefold() for t in sheets} and title.casefold() != "history":
            # Excel can't hold control characters (openpyxl refuses them): drop them
            sheets[title] = [[ILLEGAL_CHARACTERS_RE.sub("", c) for c in r] for r in rows]
    if not sheets:  # the only title was one Excel reserves
        sheets["Sheet1"] = [[ILLEGAL_CHARACTERS_RE.sub("", c) for c in r] for r in pages[0][1]]
    if formula:  # formula cells with no saved result, as openpyxl writes them
        first = next(iter(sheets.values()))
        first.append(["=1+1", "=A1&B1"])
    _check_read(xlsx_bytes(sheets), "members.xlsx")


def _zip_with(member: str, content: bytes) -> bytes:
    """A valid one-sheet workbook with one zip member replaced."""
    src = zipfile.ZipFile(io.BytesIO(_GOOD_XLSX))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            z.writestr(name, content if name == member else src.read(name))
    return out.getvalue()


_GOOD_XLSX = xlsx_bytes({"Members": [["Name", "Email", "City"]] + [[f"N{i}", f"n{i}@example.org", "Leeds"] for i in range(20)]})
_XLSX_MEMBERS = tuple(zipfile.ZipFile(io.BytesIO(_GOOD_XLSX)).namelist())


@pytest.mark.parametrize("member", ["xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_read_table_xlsx_with_a_malformed_xml_part(member):
    _check_read(_zip_with(member, b"<not xml"), "members.xlsx")


@XLSX
@given(data=st.data())
def test_read_table_damaged_xlsx(data):
    """Truncated downloads, flipped bits, a malformed XML part: all InputError."""
    how = data.draw(st.sampled_from(("flip", "truncate", "member")))
    raw = bytearray(_GOOD_XLSX)
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(4, len(raw) - 1))
            raw[i] = data.draw(st.integers(0, 255))
        damaged = bytes(raw)
    elif how == "truncate":
        damaged = bytes(raw[: data.draw(st.integers(4, len(raw) - 1))])
    else:
        damaged = _zip_with(data.draw(st.sampled_from(_XLSX_MEMBERS)), data.draw(st.binary(max_size=200)))
    _check_read(damaged, "members.xlsx")


def test_read_table_size_limit_is_an_input_error():
    with pytest.raises(InputError, match="limit"):
        read_table(b"a,b\n1,2\n", "big.csv", max_bytes=4)


# --- suggest_mapping -----------------------------------------------------------


def _check_mapping(columns: list[str], kind: str, overrides: dict[str, str] | None = None) -> list[ColumnMatch]:
    try:
        matches = suggest_mapping(columns, kind, overrides)
    except InputError as exc:
        assert _is_input_error_with_message(exc)
        return []
    assert all(isinstance(m, ColumnMatch) for m in matches)
    mapped_columns = [m.column for m in matches]
    assert len(mapped_columns) == len(set(mapped_columns)), "one column mapped to two fields"
    # the organiser may (oddly) send two columns to one field; the mapper itself never does
    fields = [m.field for m in matches if m.how != "yours"]
    assert len(fields) == len(set(fields)), "one field filled from two columns"
    assert not set(fields) & {m.field for m in matches if m.how == "yours"}, "a guess took a field the organiser chose"
    assert set(mapped_columns) <= set(columns)
    assert {m.field for m in matches} <= set(fields_for(kind))
    return matches


@FAST
@given(
    columns=st.lists(header_text, max_size=12, unique=True),
    kind=st.sampled_from(KINDS),
)
def test_suggest_mapping_arbitrary_headers(columns, kind):
    _check_mapping(columns, kind)


@FAST
@given(
    columns=st.lists(header_text, max_size=10),  # duplicates allowed: the mapper must not crash on them
    kind=st.sampled_from(KINDS),
)
def test_suggest_mapping_duplicate_headers(columns, kind):
    try:
        suggest_mapping(columns, kind)
    except InputError as exc:
        assert _is_input_error_with_message(exc)


@FAST
@given(data=st.data(), kind=st.sampled_from(KINDS))
def test_suggest_mapping_with_overrides(data, kind):
    columns = data.draw(st.lists(header_text, min_size=1, max_size=8, unique=True))
    chooseable = [*fields_for(kind), IGNORE]
    overrides = data.draw(
        st.dictionaries(st.one_of(st.sampled_from(columns), header_text), st.sampled_from(chooseable), max_size=4)
    )
    matches = _check_mapping(columns, kind, overrides)
    for column, fieldname in overrides.items():
        if column not in columns:
            continue
        mine = [m for m in matches if m.column == column]
        if fieldname == IGNORE:
            assert not mine, f"{column!r} was ignored by the organiser but mapped anyway"
        else:
            assert mine and mine[0].field == fieldname and mine[0].how == "yours"


# --- load_community ------------------------------------------------------------


def _load_ok(members: Upload | None, events: Upload | None, attendance: Upload | None) -> None:
    try:
        community = load_community(members, events, attendance, reference_date=pd.Timestamp("2026-06-30"))
    except InputError as exc:
        assert str(exc).strip(), "InputError without a message"
        return
    assert not community.members.empty
    assert community.members["member_id"].is_unique
    assert community.events["event_id"].is_unique
    assert set(community.attendance["status"]) <= {"registered", "attended", "no_show", "cancelled"}
    assert set(community.attendance["member_id"]) <= set(community.members["member_id"])
    assert set(community.attendance["event_id"]) <= set(community.events["event_id"])


@pytest.mark.parametrize("data", [b"first name\nx\n", b"Name,Email\nAna,ana@example.org\n"])
def test_attendance_without_an_event_column(data):
    _load_ok(None, None, Upload("attendance.csv", data))


@pytest.mark.parametrize("data", [b"attendee,event title\n", b"participa,titl"])
def test_header_only_attendance_export_alone(data):
    _load_ok(None, None, Upload("attendance.csv", data))


@SLOW
@given(members=kind_tables("members"))
def test_load_community_members_only(members):
    _load_ok(Upload("members.csv", _csv_bytes(members)), None, None)


@SLOW
@given(
    members=st.one_of(st.none(), kind_tables("members")),
    events=st.one_of(st.none(), kind_tables("events")),
    attendance=st.one_of(st.none(), kind_tables("attendance")),
)
def test_load_community_arbitrary_trio(members, events, attendance):
    _load_ok(
        Upload("members.csv", _csv_bytes(members)) if members is not None else None,
        Upload("events.csv", _csv_bytes(events)) if events is not None else None,
        Upload("attendance.csv", _csv_bytes(attendance)) if attendance is not None else None,
    )


@SLOW
@given(
    members=st.one_of(st.none(), st.binary(max_size=300), csv_like_bytes()),
    attendance=st.one_of(st.none(), st.binary(max_size=300), csv_like_bytes()),
)
def test_load_community_arbitrary_bytes(members, attendance):
    _load_ok(
        Upload("members.csv", members) if members is not None else None,
        None,
        Upload("attendance.csv", attendance) if attendance is not None else None,
    )


def test_codecs_used_by_the_strategies_exist():
    for enc in ENCODINGS:
        codecs.lookup(enc)
