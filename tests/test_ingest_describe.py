"""What the Data page says about uploads: previews and the problems summed up by kind."""

import pandas as pd

from dashboard.ingest import Upload
from dashboard.ingest.describe import edited_overrides, example_value, mapping_table, preview_upload, problem_kinds


def problems(*rows: tuple[str, int, str]) -> pd.DataFrame:
    return pd.DataFrame([{"file": f, "row": r, "column": "", "value": "", "problem": p} for f, r, p in rows])


def test_problems_differing_only_in_row_numbers_values_and_emails_are_one_kind():
    kinds = problem_kinds(problems(
        ("m.csv", 9, "same person as row 6: merged (earliest sign-up kept)"),
        ("m.csv", 5, "same person as row 45: merged (earliest sign-up kept)"),
        ("a.csv", 4, "member id 7 is also given to ann@x.org on row 2: kept as two people, this one as 7-4"),
        ("a.csv", 8, "member id A1 is also given to bo@y.org on row 3: kept as two people, this one as A1-8"),
        ("a.csv", 2, "couldn't find 'Leeds' (typed by hand)"),
    ))
    assert kinds.to_dict("list") == {
        "file": ["a.csv", "m.csv", "a.csv"],
        "problem": [
            "member id … is also given to … on row …: kept as two people, this one as …",
            "same person as row …: merged (earliest sign-up kept)",
            "couldn't find … (typed by hand)",
        ],
        "rows": [2, 2, 1],
        "first_row": [4, 5, 2],
    }


def test_the_same_kind_in_two_files_is_two_lines():
    kinds = problem_kinds(problems(("a.csv", 3, "not a date"), ("b.csv", 4, "not a date")))
    assert kinds["file"].tolist() == ["a.csv", "b.csv"] and kinds["rows"].tolist() == [1, 1]


def test_no_problems_no_kinds():
    assert problem_kinds(problems()).empty


def test_preview_of_an_unreadable_file_says_why_and_never_raises():
    got = preview_upload(Upload("photo.csv", b"\x89PNG\r\n\x1a\n rest"), "members")
    assert got.read is None and "PNG" in got.error


def test_mapping_table_and_the_overrides_an_edit_makes():
    preview = preview_upload(Upload("m.csv", b"Name,Email,Shoe size\nAnn,ann@example.org,9\n"), "members")
    table = mapping_table(preview)
    assert table["column"].tolist() == ["Name", "Email", "Shoe size"]
    assert table.set_index("column").loc["Email", "field"] == "email"
    assert table.set_index("column").loc["Shoe size", "field"] == "(ignore)"
    assert table["example"].tolist() == ["Ann", "ann@example.org", "9"]
    assert edited_overrides(table, preview, {}) == {}  # nothing changed, nothing overridden
    edited = table.assign(field=table["field"].where(table["column"] != "Name", "(ignore)"))
    assert edited_overrides(edited, preview, {"Other": "city"}) == {"Other": "city", "Name": "(ignore)"}


def test_an_example_is_the_first_filled_cell_also_far_down_the_column():
    late = pd.Series([""] * 250 + ["  ", "Leeds", "York"])
    assert example_value(late) == "Leeds"
    assert example_value(pd.Series(["", "Hull", *["York"] * 300])) == "Hull"
    assert example_value(pd.Series([""] * 300)) == ""
