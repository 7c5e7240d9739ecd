"""What the Data page shows about one upload, even when it can't be used yet."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.ingest.errors import InputError
from dashboard.ingest.mapping import FIELD_LABELS, IGNORE, ColumnMatch, fields_for, suggest_mapping
from dashboard.ingest.pipeline import Upload
from dashboard.ingest.read import ROW_COLUMN, ReadResult, read_table


@dataclass(frozen=True)
class UploadPreview:
    """The raw read (or why it failed) and the suggested mapping."""

    read: ReadResult | None
    error: str
    columns: tuple[str, ...]
    matches: tuple[ColumnMatch, ...]


def preview_upload(upload: Upload, kind: str) -> UploadPreview:
    """Read an upload and suggest its mapping; never raises for bad input."""
    try:
        result = read_table(upload.data, upload.name, sheet=upload.sheet)
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


def example_value(column: pd.Series) -> str:
    """The first non-empty cell, shortened, to show what a column holds."""
    filled = column[column.astype(str).str.strip() != ""]
    return str(filled.iloc[0])[:60] if not filled.empty else ""
