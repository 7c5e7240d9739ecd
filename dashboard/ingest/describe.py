"""What the Data page shows about one upload, even when it can't be used yet."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from dashboard.ingest.errors import InputError
from dashboard.ingest.mapping import FIELD_LABELS, IGNORE, ColumnMatch, fields_for, suggest_mapping
from dashboard.ingest.pipeline import Reader, Upload, read_upload
from dashboard.ingest.read import ROW_COLUMN, ReadResult
from dashboard.ingest.strings import on_distinct


@dataclass(frozen=True)
class UploadPreview:
    """The raw read (or why it failed) and the suggested mapping."""

    read: ReadResult | None
    error: str
    columns: tuple[str, ...]
    matches: tuple[ColumnMatch, ...]


def preview_upload(upload: Upload, kind: str, reader: Reader | None = None) -> UploadPreview:
    """Read an upload (with ``reader``, ``read_upload`` by default) and suggest its mapping;
    never raises for bad input."""
    try:
        result = (reader or read_upload)(upload)
    except InputError as exc:
        return UploadPreview(None, str(exc), (), ())
    columns = tuple(c for c in result.frame.columns if c != ROW_COLUMN)
    return UploadPreview(result, "", columns, tuple(suggest_mapping(list(columns), kind, dict(upload.overrides))))


def field_label(field: str) -> str:
    """A field's name in words."""
    return FIELD_LABELS.get(field, field.replace("_", " "))


def field_choices(kind: str) -> list[str]:
    """Options for the mapping select boxes: ignore, then every field of this kind."""
    return [IGNORE, *fields_for(kind)]


#: rows looked at first for an example (a column's first filled cell is nearly always among them)
_EXAMPLE_HEAD = 200


def example_value(column: pd.Series) -> str:
    """The first non-empty cell, shortened, to show what a column holds (the first rows are
    looked at before the whole column: a million-row export's mapping shows at once)."""
    for part in (column.iloc[:_EXAMPLE_HEAD], column.iloc[_EXAMPLE_HEAD:]):
        filled = part[part.astype(str).str.strip() != ""]
        if not filled.empty:
            return str(filled.iloc[0])[:60]
    return ""


def mapping_table(preview: UploadPreview) -> pd.DataFrame:
    """The Data page's mapping editor: column, the field it becomes (or ignore), how that was
    decided, and an example value."""
    mapped = {m.column: m for m in preview.matches}
    frame = preview.read.frame if preview.read is not None else pd.DataFrame(columns=list(preview.columns))
    return pd.DataFrame(
        {
            "column": list(preview.columns),
            "field": [mapped[c].field if c in mapped else IGNORE for c in preview.columns],
            "how": [mapped[c].how if c in mapped else "" for c in preview.columns],
            "example": [example_value(frame[c]) for c in preview.columns],
        }
    )


def edited_overrides(edited: pd.DataFrame, preview: UploadPreview, overrides: Mapping[str, str]) -> dict[str, str]:
    """The organiser's column choices after editing ``mapping_table``: ``overrides`` plus every
    row whose field differs from the suggested one."""
    suggested = {m.column: m.field for m in preview.matches}
    out = dict(overrides)
    for column, chosen in zip(edited["column"], edited["field"], strict=True):
        if chosen != suggested.get(column, IGNORE):
            out[column] = chosen
    return out


#: problem rows the Data page lists (in file and row order; the summary by kind and the download
#: cover every one): a 100k upload's 34,663 were sent to the browser on every rerun
PROBLEMS_SHOWN = 1_000

#: the parts of a problem text that name one row: quoted values, emails, numbers and ids
_ROW_DETAILS = re.compile(r"(?<!\w)'[^']*'(?!\w)|\S+@\S+|\b[A-Za-z]*\d[\w.-]*")


def problem_kinds(problems: pd.DataFrame) -> pd.DataFrame:
    """The problems list summed up: one line per file and kind of problem (its text with row
    numbers and values taken out), how many rows, and the first of them; most first."""
    columns = ["file", "problem", "rows", "first_row"]
    if problems.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("rows", "first_row") else "str") for c in columns})
    # each distinct text once (a third of a big upload's problem texts are repeats)
    kind = pd.Series(on_distinct(problems["problem"].astype(str), lambda t: t.str.replace(_ROW_DETAILS, "…", regex=True)),
                     index=problems.index)
    kinds = (
        problems.assign(problem=kind)
        .groupby(["file", "problem"], sort=False)
        .agg(rows=("row", "size"), first_row=("row", "min"))
        .reset_index()
        .sort_values(["rows", "file"], ascending=[False, True], kind="stable")
    )
    return kinds[columns].reset_index(drop=True)
