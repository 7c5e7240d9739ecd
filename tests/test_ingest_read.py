"""Reading tables: the content decides, never the extension."""

import csv
import io

import pandas as pd
import pytest
from openpyxl import Workbook

from dashboard.ingest import InputError, read_table
from dashboard.ingest.read import ROW_COLUMN

TABLE = "Name,Email,City\nZoë,zoe@example.org,Köln\nBob,bob@example.org,Leeds\n"


def data_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c != ROW_COLUMN]


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        (TABLE.encode("utf-8"), "UTF-8", ","),
        (b"\xef\xbb\xbf" + TABLE.encode("utf-8"), "UTF-8 with BOM", ","),
        (TABLE.replace(",", "\t").encode("utf-16"), "UTF-16", "\t"),
        (TABLE.replace(",", ";").encode("cp1252"), "Windows-1252", ";"),
        (TABLE.replace(",", "|").encode("utf-8"), "UTF-8", "|"),
    ],
)
def test_encodings_and_delimiters(data, encoding, delimiter):
    result = read_table(data, "members.csv")
    assert result.encoding == encoding
    assert result.delimiter == delimiter
    assert data_columns(result.frame) == ["Name", "Email", "City"]
    assert result.frame["City"].tolist() == ["Köln", "Leeds"]


def test_tab_separated_text_in_an_xls_file_is_read_as_text():
    result = read_table(TABLE.replace(",", "\t").encode("utf-16"), "export.xls")
    assert result.format == "text"
    assert result.frame["Name"].tolist() == ["Zoë", "Bob"]


def test_title_rows_above_the_header_are_skipped():
    data = b"Members list, exported 2026\n\nName,Email,City\nA,a@x.org,Leeds\n"
    result = read_table(data, "m.csv")
    assert result.header_row == 3
    assert result.frame[ROW_COLUMN].tolist() == [4]
    assert any("title row" in n for n in result.notes)


def test_duplicate_header_names_are_kept_apart():
    result = read_table(b"Email,Email\na@x.org,b@x.org\n", "m.csv")
    assert data_columns(result.frame) == ["Email", "Email (2)"]
    assert result.frame["Email (2)"].tolist() == ["b@x.org"]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_column_named_like_the_readers_own_keeps_its_cells_and_the_row_numbers_stay(suffix):
    rows = [[ROW_COLUMN, "Name"], ["x1", "Ann"], ["", "Bo"]]
    data = xlsx_bytes({"Sheet1": rows}) if suffix == "xlsx" else "\n".join(",".join(r) for r in rows).encode()
    result = read_table(data, f"m.{suffix}")
    renamed = f"{ROW_COLUMN} (column 1)"
    assert data_columns(result.frame) == [renamed, "Name"]
    assert result.frame[renamed].tolist() == ["x1", ""]
    assert result.frame[ROW_COLUMN].tolist() == [2, 3]
    assert any(repr(renamed) in note for note in result.notes)


def test_header_only_gives_an_empty_frame_not_an_error():
    result = read_table(b"Name,Email\n", "m.csv")
    assert result.frame.empty
    assert data_columns(result.frame) == ["Name", "Email"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"  \n\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "PNG image"),
        (b"%PDF-1.7 ...", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97"),
        (bytes(range(256)) * 4, "binary"),
        (b"PK\x03\x04not really a zip", "can.t be read"),
    ],
)
def test_unusable_files_raise_a_clear_input_error(data, words):
    with pytest.raises(InputError, match=words) as info:
        read_table(data, "members.csv")
    assert "members.csv" in str(info.value)


def test_size_limit_has_a_clear_message():
    with pytest.raises(InputError, match="the limit is"):
        read_table(b"a,b\n" * 100, "big.csv", max_bytes=100)


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_first_non_empty_sheet_with_a_title_row():
    data = xlsx_bytes({"Empty": [], "Members": [["Sign-ups"], ["Name", "Email", "Joined"], ["Ann", "ann@x.org", pd.Timestamp("2026-03-25").to_pydatetime()]]})
    result = read_table(data, "members.xlsx")
    assert result.sheet == "Members"
    assert result.sheets == ("Empty", "Members")
    assert result.header_row == 2
    assert result.frame["Joined"].tolist() == ["2026-03-25"]


def test_xlsx_sheet_can_be_chosen():
    data = xlsx_bytes({"A": [["Name", "Email"], ["Ann", "a@x.org"]], "B": [["Name", "Email"], ["Bea", "b@x.org"]]})
    assert read_table(data, "m.xlsx", sheet="B").frame["Name"].tolist() == ["Bea"]
    with pytest.raises(InputError, match="no sheet called"):
        read_table(data, "m.xlsx", sheet="C")


def test_xlsx_formula_cells_without_saved_values_are_listed():
    data = xlsx_bytes({"S": [["Name", "Email", "Events"], ["Ann", "a@x.org", "=1+2"]]})
    result = read_table(data, "m.xlsx")
    assert result.frame["Events"].tolist() == [""]  # never the formula text
    assert any("formula" in p["problem"] for p in result.problems)


def test_ragged_rows_are_padded_and_extra_cells_kept():
    result = read_table(b"Name,Email\nAnn\nBob,b@x.org,extra\n", "m.csv")
    assert result.frame["Email"].tolist() == ["", "b@x.org"]
    assert result.frame["column 3"].tolist() == ["", "extra"]


def test_a_100k_row_file_reads():
    body = "".join(f"Person {i},p{i}@example.org,Leeds\n" for i in range(100_000))
    result = read_table(("Name,Email,City\n" + body).encode(), "big.csv")
    assert len(result.frame) == 100_000
    assert result.frame[ROW_COLUMN].iloc[-1] == 100_001


@pytest.mark.parametrize(
    "text",
    [
        'Name,Note,City\nAnn,"said ""hi""",Leeds\n\nBo,"two\nlines",York\nCé,,Köln\n',  # rectangular: pyarrow
        'Export of 2026\nName,Note,City\nAnn,"a, b",Leeds\nBo\n',  # title row, short row: C parser
        'Name,Note\nAnn,x\n' + "Bo,y\n" * 250 + "Cy,z,extra\n",  # wide row after 200: csv module
    ],
)
def test_every_parser_path_reads_like_the_csv_module(text):
    expected = [r for r in csv.reader(io.StringIO(text, newline=""))]
    header_at = next(i for i, r in enumerate(expected) if r[:1] == ["Name"])
    body = [r for r in expected[header_at + 1 :] if any(c.strip() for c in r)]
    frame = read_table(text.encode("utf-8"), "m.csv").frame
    got = frame.drop(columns=ROW_COLUMN).values.tolist()
    assert [[c for c in r if c] for r in got] == [[c.strip() for c in r if c.strip()] for r in body]


def test_cells_are_stripped_as_str_strip_when_only_some_blocks_have_whitespace():
    # pyarrow reads in blocks of about 1 MB: only a few blocks' cells need trimming
    rows = [[f"Person {i}", f"p{i}@example.org", "Köln" if i % 3 else "André"] for i in range(60_000)]
    rows[5][0] = "\u3000Ann"  # non-ASCII whitespace only, at the start
    rows[41_000][2] = "Leeds\u2029"  # ... and at the end
    rows[59_999][1] = " z@example.org\t"
    text = "Name,Email,City\n" + "".join(",".join(r) + "\n" for r in rows)
    assert len(text.encode()) > 2_000_000
    frame = read_table(text.encode("utf-8"), "big.csv").frame
    assert frame.drop(columns=ROW_COLUMN).values.tolist() == [[c.strip() for c in r] for r in rows]
