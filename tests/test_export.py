"""Exports: formula neutralisation, CSV/XLSX bytes the app reads back, the outreach list."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from dashboard import engagement as eng
from dashboard import export, outreach, risk
from dashboard.ingest import Upload, load_community, read_table
from dashboard.settings import Settings
from tests.factories import AS_OF, days_before, make_community


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Zoë", "Zoë"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_text_cells_that_could_run_get_a_quote(cell: str, expected: str) -> None:
    for dtype in ("str", object):
        out = export.neutralise_formulas(pd.DataFrame({"c": pd.Series([cell], dtype=dtype)}))
        assert out["c"].iloc[0] == expected


def test_numbers_dates_and_missing_values_are_untouched() -> None:
    df = pd.DataFrame({"n": [-5, 3], "x": [-1.5, float("nan")], "d": pd.to_datetime(["2026-01-01", None]),
                       "o": pd.Series([-7, None], dtype=object)})
    out = export.neutralise_formulas(df)
    pd.testing.assert_frame_equal(out, df)


def test_headers_are_cells_too_and_input_is_not_mutated() -> None:
    df = pd.DataFrame({"=cmd": pd.Series(["=x"], dtype="str")})
    out = export.neutralise_formulas(df)
    assert list(out.columns) == ["'=cmd"]
    assert df.iloc[0, 0] == "=x" and list(df.columns) == ["=cmd"]


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": pd.Series(['=HYPERLINK("x")', "Zoë Ng", "ok, comma"], dtype="str"),
            "score": [80, -2, 0],
            "when": pd.to_datetime(["2026-01-02", "2026-03-04", None]),
            "reasons": [["Came once", "Moved"], [], ["Far"]],
        }
    )


def expected_strings() -> list[list[str]]:
    return [
        ['\'=HYPERLINK("x")', "80", "2026-01-02", "Came once; Moved"],
        ["Zoë Ng", "-2", "2026-03-04", ""],
        ["ok, comma", "0", "", "Far"],
    ]


def test_csv_is_utf8_with_bom_and_reads_back() -> None:
    data = export.to_csv_bytes(table())
    assert data.startswith(b"\xef\xbb\xbf")
    frame = read_table(data, "outreach.csv").frame
    assert list(frame.columns[:4]) == ["name", "score", "when", "reasons"]
    assert frame.iloc[:, :4].fillna("").values.tolist() == expected_strings()


def test_xlsx_has_no_formulas_and_reads_back() -> None:
    data = export.to_xlsx_bytes(table(), "Check-ins [June]")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Check-ins  June"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    frame = read_table(data, "outreach.xlsx").frame
    assert frame.iloc[:, :4].fillna("").values.tolist() == expected_strings()


@pytest.mark.parametrize(("name", "safe"), [("a/b:c", "a b c"), ("", "Sheet1"), ("x" * 40, "x" * 31)])
def test_safe_sheet_name(name: str, safe: str) -> None:
    assert export.safe_sheet_name(name) == safe


def community():
    return make_community(
        members=[
            {"member_id": "a", "name": "=cmd|' /C calc'!A0", "email": "a@example.org", "city": "Leeds",
             "joined_on": days_before(45)},
            {"member_id": "b", "name": "Bea", "email": "b@example.org", "city": "York", "joined_on": days_before(500),
             "moved_on": days_before(30)},
            {"member_id": "c", "name": "Cy", "email": "c@example.org", "city": "York", "joined_on": days_before(500)},
        ],
        events=[{"event_id": "e", "starts_at": days_before(1), "city": "York"}],
        attendance=[("b", "e"), ("c", "e")],
    )


def checkin_list(show_contacts: bool) -> pd.DataFrame:
    c = community()
    metrics = eng.member_metrics(c, AS_OF, Settings())
    r = risk.connection_risk(c, metrics, AS_OF, Settings())
    return outreach.outreach_list(c.members, r, show_contacts)


def test_outreach_list_has_flagged_members_highest_first() -> None:
    out = checkin_list(show_contacts=False)
    # a: never came (35); b: newcomer (25); c: nothing -> not listed
    assert out[["member_id", "risk_score", "risk_tier"]].values.tolist() == [["a", 35, "medium"], ["b", 25, "low"]]
    assert out.loc[1, "risk_reasons"] == "Moved to York in May 2026"
    assert "email" not in out.columns


def test_outreach_list_emails_only_when_asked() -> None:
    assert checkin_list(show_contacts=True)["email"].tolist() == ["a@example.org", "b@example.org"]


def test_outreach_export_reimports_as_a_members_file() -> None:
    data = export.to_csv_bytes(checkin_list(show_contacts=True))
    again = load_community(members=Upload("outreach.csv", data), country="GB")
    assert again.members["email"].tolist() == ["a@example.org", "b@example.org"]
    assert again.members["name"].tolist() == ["'=cmd|' /C calc'!A0", "Bea"]
    assert again.members["city"].tolist() == ["Leeds", "York"]


def test_outreach_list_tiers_and_exclusions() -> None:
    c = community()
    r = risk.connection_risk(c, eng.member_metrics(c, AS_OF, Settings()), AS_OF, Settings())
    assert outreach.outreach_list(c.members, r, False, tiers=("medium",))["member_id"].tolist() == ["a"]
    assert outreach.outreach_list(c.members, r, False, exclude={"a"})["member_id"].tolist() == ["b"]


def test_outreach_list_suggests_the_first_buddy() -> None:
    c = community()
    r = risk.connection_risk(c, eng.member_metrics(c, AS_OF, Settings()), AS_OF, Settings())
    buddies = pd.DataFrame({"member_id": ["a", "a"], "buddy_name": ["Second", "Cy"], "buddy_city": ["Leeds", "York"],
                            "rank": [2, 1]})
    out = outreach.outreach_list(c.members, r, False, buddies=buddies)
    assert out["buddy"].tolist() == ["Cy (York)", ""]
    assert outreach.outreach_list(c.members, r, False)["buddy"].tolist() == ["", ""]


@pytest.mark.parametrize("cell", ["x\r=1+1", "two\nlines", "\r=cmd"])
def test_csv_keeps_line_breaks_inside_their_cell(cell: str) -> None:
    import csv

    text = export.to_csv_bytes(pd.DataFrame({"name": [cell], "n": [1]})).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["name", "n"], [export.neutralise_formulas(pd.DataFrame({"c": [cell]}))["c"][0], "1"]]


def test_xlsx_is_built_without_temporary_files(monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl.worksheet._writer as sheet_writer

    def refuse() -> str:
        raise AssertionError("a worksheet went through a temporary file")

    monkeypatch.setattr(sheet_writer, "create_temporary_file", refuse)
    frame = read_table(export.to_xlsx_bytes(table()), "outreach.xlsx").frame
    assert frame.iloc[:, :4].fillna("").values.tolist() == expected_strings()
