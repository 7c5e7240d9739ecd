"""Exports that are safe to open in a spreadsheet and that the app can read back.

Spreadsheet programs run a cell as a formula when it starts with ``=``, ``+``,
``-`` or ``@`` (and some also after a leading tab or carriage return), so a
member who typed ``=HYPERLINK(...)`` as their name could attack the organiser
who opens the export. Every text cell starting with one of those characters
gets a single quote in front (OWASP's advice); numbers, dates and booleans are
left alone. CSV is written as UTF-8 with a byte-order mark so Excel shows
accents correctly, rows ending in CRLF so a line break inside a cell stays
quoted; Excel workbooks are built entirely in memory (people's names never
touch the disk). The app's own reader understands both files.
"""

from __future__ import annotations

import io
import re
from zipfile import ZIP_DEFLATED, ZipFile

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

#: first characters that make a spreadsheet treat text as a formula
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

def _neutral_cell(value: object) -> object:
    """One text cell with a leading quote when it could run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def list_as_text(value: object) -> object:
    """Lists and tuples as '; '-joined text (spreadsheets have no list cells)."""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


_neutral_cells = np.frompyfunc(lambda v: _neutral_cell(list_as_text(v)), 1, 1)


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy where text cells that a spreadsheet would run as formulas start with a quote
    (list cells become "; "-joined text)."""
    out = df.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
            continue
        if isinstance(series.dtype, pd.StringDtype):
            starts = series.str.startswith(FORMULA_PREFIXES).fillna(False)
            if starts.any():
                out[col] = series.where(~starts, "'" + series)
        else:
            # element-wise without pandas' result inference (which turns [-7, None] into floats)
            out[col] = pd.Series(_neutral_cells(series.to_numpy(dtype=object)), index=out.index, dtype=object)
    # a header is a cell too
    out.columns = [_neutral_cell(str(c)) for c in out.columns]
    return out


def _for_file(df: pd.DataFrame) -> pd.DataFrame:
    """Neutralised, list cells flattened, index dropped."""
    flat = df.reset_index(drop=True)
    return neutralise_formulas(flat)


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV (with BOM, for Excel), formulas neutralised, no index.

    Rows end in CRLF, so the csv writer quotes any cell holding a bare CR or LF:
    spreadsheet programs would otherwise start a new row inside the cell.
    """
    text = _for_file(df).to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\r\n")
    return text.encode("utf-8-sig")


def safe_sheet_name(name: str) -> str:
    """An Excel-legal sheet name: no []:*?/\\, at most 31 characters, never empty."""
    cleaned = _SHEET_FORBIDDEN.sub(" ", name).strip().strip("'")[:31].strip()
    return cleaned or "Sheet1"


class _InMemoryExcelWriter(ExcelWriter):
    """openpyxl's workbook writer, building each worksheet's XML in memory.

    The stock writer streams every worksheet through a temporary file on disk
    before zipping it; members' names and emails must never touch the disk.
    """

    def write_worksheet(self, ws: Worksheet) -> None:
        """Write one worksheet into the archive from a memory buffer."""
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        buffer = io.BytesIO()
        writer = WorksheetWriter(ws, out=buffer)
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], buffer.getvalue())
        self.manifest.append(ws)


def _cell_value(value: object) -> object:
    """A value openpyxl can store: missing as empty, numpy scalars as Python ones."""
    if value is None or (not isinstance(value, (str, list, tuple)) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def to_xlsx_bytes(df: pd.DataFrame, sheet_name: str = "Sheet1") -> bytes:
    """The frame as an .xlsx workbook with one sheet, formulas neutralised, no index, built in memory."""
    flat = _for_file(df)
    for col in flat.columns:
        if isinstance(flat[col].dtype, pd.DatetimeTZDtype):
            flat[col] = flat[col].dt.tz_localize(None)
    book = Workbook()
    sheet = book.active
    sheet.title = safe_sheet_name(sheet_name)
    sheet.append([str(c) for c in flat.columns])
    for row in flat.astype(object).itertuples(index=False, name=None):
        sheet.append([_cell_value(v) for v in row])
    # openpyxl would store any remaining "=..." string as a formula; force text
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    return workbook_bytes(book)


def workbook_bytes(book: Workbook) -> bytes:
    """An openpyxl workbook as .xlsx bytes, built in memory (never through a temporary file)."""
    buffer = io.BytesIO()
    with ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        _InMemoryExcelWriter(book, archive).write_data()
    return buffer.getvalue()
