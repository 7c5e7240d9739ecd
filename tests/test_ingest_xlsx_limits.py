"""Spreadsheet bombs and heavy workbooks (issue 17, defects 4 and 8): sizes are checked in the
zip's directory before anything is parsed, rows per sheet are capped, every sheet is parsed
once, and the one upload limit agrees with Streamlit's."""

from __future__ import annotations

import io
import time
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet._reader import WorkSheetParser

from dashboard.ingest import InputError, read_table
from dashboard.ingest import read as read_module
from dashboard.ingest.read import MAX_BYTES, MAX_SHEET_ROWS, MAX_UPLOAD_MB
from tests.test_ingest_read import xlsx_bytes

ROOT = Path(__file__).resolve().parents[1]
_GOOD = xlsx_bytes({"Members": [["Name", "Email", "City"]] + [[f"N{i}", f"n{i}@example.org", "Leeds"] for i in range(20)]})


def _with_part(member: str, write) -> bytes:  # noqa: ANN001 - write(file) streams the part's content
    """The good workbook with one part replaced by what ``write`` streams into it."""
    src = zipfile.ZipFile(io.BytesIO(_GOOD))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            if name == member:
                with z.open(name, "w", force_zip64=True) as f:
                    write(f)
            else:
                z.writestr(name, src.read(name))
    return out.getvalue()


def _sheet_of(rows_xml: bytes) -> bytes:
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + ns + b"><sheetData>" + rows_xml + b"</sheetData></worksheet>"


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail the test if openpyxl is asked to open the workbook."""
    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed before its sizes were checked")
    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_shared_strings_bomb_is_refused_from_the_zip_directory(no_parsing):
    si = b"<si><t>" + b"A" * 1000 + b"</t></si>"

    def bomb(f):
        f.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        for _ in range(8 * 1024):  # 8 MB that deflate to a few kB
            f.write(si)
        f.write(b"</sst>")

    data = _with_part("xl/worksheets/sheet1.xml", bomb)
    assert len(data) < 100_000
    start = time.perf_counter()
    with pytest.raises(InputError, match=r"unzips to [\d,]+ times its size.*CSV"):
        read_table(data, "bomb.xlsx")
    assert time.perf_counter() - start < 2


def test_sheet_xml_bomb_is_refused(no_parsing):
    row = b'<row><c t="inlineStr"><is><t>' + b"x" * 2000 + b"</t></is></c></row>"
    data = _with_part("xl/worksheets/sheet1.xml", lambda f: f.write(_sheet_of(row * 4000)))
    with pytest.raises(InputError, match="no spreadsheet does"):
        read_table(data, "bomb.xlsx")


def test_a_workbook_that_unzips_past_the_limit_is_refused_with_the_limit_and_what_to_do(no_parsing):
    # varied bytes (so it compresses as a real sheet does), past a 2 MB limit once unzipped
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i * 7919) for i in range(1, 60_000))
    data = _with_part("xl/worksheets/sheet1.xml", lambda f: f.write(_sheet_of(rows)))
    with pytest.raises(InputError) as err:
        read_table(data, "big.xlsx", max_bytes=2 * 1024 * 1024)
    message = str(err.value)
    assert "once unzipped; the limit is 2 MB" in message
    assert "save it as CSV" in message and "fewer rows" in message


def test_a_row_far_below_the_cap_is_refused_not_padded():
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row>' \
           b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Ann</t></is></c></row>' % ((MAX_SHEET_ROWS + 1,) * 2)
    data = _with_part("xl/worksheets/sheet1.xml", lambda f: f.write(_sheet_of(rows)))
    start = time.perf_counter()
    with pytest.raises(InputError, match=rf"more than {MAX_SHEET_ROWS:,} rows.*CSV"):
        read_table(data, "members.xlsx")
    assert time.perf_counter() - start < 2


def test_rows_per_sheet_are_capped(monkeypatch):
    monkeypatch.setattr(read_module, "MAX_SHEET_ROWS", 15)
    with pytest.raises(InputError, match=r"sheet 'Members' has more than 15 rows"):
        read_table(_GOOD, "members.xlsx")


def test_a_cell_far_to_the_right_cannot_widen_every_row(monkeypatch):
    monkeypatch.setattr(read_module, "MAX_CELLS", 21 * 1000)
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(1, 22))
    rows += b'<row r="22"><c r="ALM22"><v>1</v></c></row>'  # column 1001
    data = _with_part("xl/worksheets/sheet1.xml", lambda f: f.write(_sheet_of(rows)))
    with pytest.raises(InputError, match="more cells than this app reads"):
        read_table(data, "members.xlsx")


def test_each_sheet_is_parsed_once_formulas_included(monkeypatch):
    calls = []
    parse = WorkSheetParser.parse

    def counting(self):
        calls.append(1)
        return parse(self)

    monkeypatch.setattr(WorkSheetParser, "parse", counting)
    data = xlsx_bytes({"Members": [["Name", "Email", "Score"], ["Ann", "ann@example.org", "=1+1"], ["Bo", "bo@example.org", 3]]})
    result = read_table(data, "members.xlsx")
    assert len(calls) == 1
    assert any("1 formula cell(s)" in n for n in result.notes)
    assert [p["row"] for p in result.problems] == [2]  # openpyxl saves no result for =1+1


def test_rows_keep_their_spreadsheet_numbers_across_missing_rows():
    rows = (b'<row r="2"><c r="A2" t="inlineStr"><is><t>Name</t></is></c><c r="B2" t="inlineStr"><is><t>Email</t></is></c></row>'
            b'<row r="5"><c r="A5" t="inlineStr"><is><t>Ann</t></is></c><c r="C5"><v>7</v></c></row>')
    data = _with_part("xl/worksheets/sheet1.xml", lambda f: f.write(_sheet_of(rows)))
    frame = read_table(data, "members.xlsx").frame
    assert frame.to_dict("records") == [{"Name": "Ann", "Email": "", "column 3": "7", "__row__": 5}]


# --- one limit, said once (defect 8) ---------------------------------------------


def test_streamlit_upload_limit_is_the_core_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB
    assert MAX_BYTES == MAX_UPLOAD_MB * 1024 * 1024  # Streamlit's megabytes


def test_an_over_limit_file_is_told_the_uploaders_number():
    data = bytes(MAX_BYTES + 1)  # the real limit: the message must say 200 MB, as the uploader does
    with pytest.raises(InputError) as err:
        read_table(data, "big.csv")
    assert f"the limit is {MAX_UPLOAD_MB} MB" in str(err.value)
    assert "big.csv is 200.0 MB" in str(err.value)
