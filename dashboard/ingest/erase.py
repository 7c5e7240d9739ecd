"""One person's rows in an uploaded file, found the way ingestion reads it, and the file without them.

Rows are found through the same reader and column mapping as the load (``read_upload``,
``suggest_mapping`` with the organiser's overrides, ``apply_mapping``): a row is the person's
when its email is one of theirs, its member id one of theirs, or, with neither filled in,
its name is theirs (names are only given when no one else in that snapshot has the name).

The file is rewritten without those rows so that everything else loads as before:

- text files (CSV, TSV, ...) lose exactly the lines of those records; every other byte, the
  encoding and the byte-order mark stay as they were;
- workbooks become a one-sheet workbook of the chosen sheet's cells as text (same sheet name,
  header first), which the reader reads back to the same strings.

Any remaining cell that mentions one of their emails (a "referred by" column, a host's email
on an event) has the email blanked.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from openpyxl import Workbook

from dashboard.export import workbook_bytes
from dashboard.ingest.mapping import apply_mapping, suggest_mapping
from dashboard.ingest.pipeline import Upload, read_upload
from dashboard.ingest.read import ROW_COLUMN, ReadResult, decode_text
from dashboard.ingest.strings import fold


@dataclass(frozen=True)
class Person:
    """How one person shows in one snapshot's files: folded emails, member ids, folded names."""

    emails: frozenset[str] = field(default_factory=frozenset)
    member_ids: frozenset[str] = field(default_factory=frozenset)
    names: frozenset[str] = field(default_factory=frozenset)  # only for rows with no email and no id

    def __bool__(self) -> bool:
        return bool(self.emails or self.member_ids or self.names)


def _column(mapped: pd.DataFrame, name: str) -> pd.Series:
    return mapped[name].astype(str) if name in mapped else pd.Series("", index=mapped.index, dtype="str")


def person_rows(upload: Upload, kind: str, person: Person) -> tuple[ReadResult, np.ndarray]:
    """The file as read, and which of its rows (a mask over ``frame``) are the person's."""
    result = read_upload(upload)
    columns = [c for c in result.frame.columns if c != ROW_COLUMN]
    mapped = apply_mapping(result.frame, suggest_mapping(columns, kind, dict(upload.overrides)))
    email, ids = fold(_column(mapped, "email")), _column(mapped, "member_id")
    name = fold(_column(mapped, "name"))
    mine = email.isin(list(person.emails)) & (email != "")
    mine |= ids.isin(list(person.member_ids)) & (ids != "")
    mine |= (email == "") & (ids == "") & (name != "") & name.isin(list(person.names))
    return result, mine.to_numpy(bool)


def rows_of(upload: Upload, kind: str, person: Person) -> list[dict[str, object]]:
    """The person's rows as uploaded: each row's cells by column, and its row number in the file."""
    result, mine = person_rows(upload, kind, person)
    picked = result.frame[mine]
    cells = picked.drop(columns=ROW_COLUMN)
    return [{"row": int(n), **dict(zip(cells.columns, values, strict=True))}
            for n, values in zip(picked[ROW_COLUMN], cells.itertuples(index=False, name=None), strict=True)]


def without(upload: Upload, kind: str, person: Person) -> tuple[Upload, int]:
    """The upload without the person's rows (and with their emails blanked elsewhere), and how
    many rows went; the same upload, untouched, when nothing of theirs is in it."""
    if not person:
        return upload, 0
    result, mine = person_rows(upload, kind, person)
    emails = _email_pattern(person.emails)
    if not mine.any() and not _mentions(result.frame, emails):
        return upload, 0
    gone = set(result.frame.loc[mine, ROW_COLUMN].astype(int))
    if result.format == "xlsx":
        data = _workbook_without(result, mine, emails)
        return replace(upload, data=data, sheet=result.sheet), len(gone)
    return replace(upload, data=_text_without(upload.data, result, gone, emails)), len(gone)


def _email_pattern(emails: Iterable[str]) -> re.Pattern[str] | None:
    """Any of the emails as a whole address, whatever its case."""
    words = sorted((re.escape(e) for e in emails if e), key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<![\w.+-])(?:" + "|".join(words) + r")(?![\w.-])", re.IGNORECASE)


def _mentions(frame: pd.DataFrame, emails: re.Pattern[str] | None) -> bool:
    if emails is None:
        return False
    cells = frame.drop(columns=ROW_COLUMN)
    return bool(any(cells[c].astype(str).str.contains(emails).any() for c in cells.columns))


def _codec(data: bytes, encoding: str) -> tuple[bytes, str]:
    """The byte-order mark the file starts with and the codec of the rest, from the reader's label."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return bom, codec
    if encoding == "UTF-16":  # no BOM: every other byte is NUL, as decode_text judged
        sample = data[:4096]
        return b"", "utf-16-le" if sample[1::2].count(b"\x00") > sample[0::2].count(b"\x00") else "utf-16-be"
    return b"", {"UTF-8": "utf-8", "Windows-1252": "cp1252"}.get(encoding, encoding)


def _text_without(data: bytes, result: ReadResult, gone: set[int], emails: re.Pattern[str] | None) -> bytes:
    """The text file's bytes without the lines of the records numbered in ``gone`` (1-based, as
    the reader numbers rows), re-encoded as it came."""
    text, label = decode_text(data)
    bom, codec = _codec(data, result.encoding or label)
    lines = list(io.StringIO(text, newline=""))
    reader = csv.reader(iter(lines), delimiter=result.delimiter or ",")
    kept: list[str] = []
    start = 0
    for number, _record in enumerate(reader, start=1):
        end = reader.line_num
        if number not in gone:
            kept.extend(lines[start:end])
        start = end
    kept.extend(lines[start:])
    body = "".join(kept)
    if emails is not None:
        body = emails.sub("", body)
    return bom + body.encode(codec)


def _workbook_without(result: ReadResult, mine: np.ndarray, emails: re.Pattern[str] | None) -> bytes:
    """A one-sheet workbook (the chosen sheet's name) of the header and the other rows, as text."""
    frame = result.frame[~mine].drop(columns=ROW_COLUMN)
    book = Workbook()
    sheet = book.active
    sheet.title = result.sheet or "Sheet1"
    sheet.append([str(c) for c in frame.columns])
    for values in frame.itertuples(index=False, name=None):
        sheet.append([emails.sub("", str(v)) if emails is not None else str(v) for v in values])
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s"  # text, as read: a cell reading "=..." is never a formula
    return workbook_bytes(book)
