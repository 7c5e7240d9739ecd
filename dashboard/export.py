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
from collections.abc import Iterable
from zipfile import ZIP_DEFLATED, ZipFile

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from dashboard.frames import isin

#: first characters that make a spreadsheet treat text as a formula
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

#: columns of the outreach list, in order (email only when contacts are shown)
OUTREACH_COLUMNS: tuple[str, ...] = (
    "member_id",
    "name",
    "email",
    "city",
    "risk_tier",
    "risk_score",
    "risk_reasons",
    "segment",
    "next_event",
    "buddy",
)


def _neutral_cell(value: object) -> object:
    """One text cell with a leading quote when it could run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _flatten(value: object) -> object:
    """Lists and tuples as '; '-joined text (spreadsheets have no list cells)."""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


_neutral_cells = np.frompyfunc(lambda v: _neutral_cell(_flatten(v)), 1, 1)


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
    buffer = io.BytesIO()
    with ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        _InMemoryExcelWriter(book, archive).write_data()
    return buffer.getvalue()


def _first_buddy(buddies: pd.DataFrame | None, ids: pd.Index) -> np.ndarray:
    """'Name (City)' of each member's rank-1 buddy suggestion, "" when none."""
    if buddies is None or buddies.empty:
        return np.full(len(ids), "", dtype=object)
    first = buddies.sort_values("rank").drop_duplicates("member_id")
    text = first["buddy_name"].astype("str") + " (" + first["buddy_city"].astype("str") + ")"
    lookup = pd.Series(text.to_numpy(), index=first["member_id"].astype("str").to_numpy())
    return lookup.reindex(ids).fillna("").to_numpy(dtype=object)


def outreach_list(
    members_table: pd.DataFrame,
    risk: pd.DataFrame,
    show_contacts: bool,
    tiers: tuple[str, ...] | None = None,
    exclude: Iterable[str] = (),
    buddies: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Members with at least one risk signal, highest score first, reasons in words.

    ``members_table`` has ``member_id`` and ``name`` (``email``, ``city_label``/``city``,
    ``segment``, ``next_event`` when present); ``risk`` is ``connection_risk``'s frame.
    Emails are included only when ``show_contacts`` is true. ``tiers`` keeps only
    those tiers; ``exclude`` drops member ids (e.g. recently contacted).
    ``buddies`` (``introductions.suggest_buddies``) fills ``buddy`` with each
    person's first suggestion, "Name (City)"; "" when there is none.
    """
    members = members_table.drop_duplicates("member_id").set_index(
        members_table["member_id"].drop_duplicates().astype("str").to_numpy()
    )
    keep = risk["risk_score"] > 0
    if tiers is not None:
        keep &= risk["risk_tier"].astype("str").isin(list(tiers))
    keep &= ~isin(risk.index.astype("str"), exclude)
    flagged = risk.loc[keep]
    ids = flagged.index.astype("str")
    ids = ids[isin(ids, members.index)]
    flagged = flagged.loc[ids]
    m = members.loc[ids]

    def col(name: str, default: str = "") -> pd.Series:
        return m[name].astype("str") if name in m.columns else pd.Series(default, index=m.index, dtype="str")

    city = col("city_label") if "city_label" in m.columns else col("city")
    reasons = (
        flagged["risk_reasons_text"]
        if "risk_reasons_text" in flagged.columns
        else flagged["risk_reasons"].map(_flatten)
    )
    next_event = (
        flagged["next_event"] if "next_event" in flagged.columns else col("next_event")
    )
    out = pd.DataFrame(
        {
            "member_id": ids.to_numpy(),
            "name": col("name").to_numpy(),
            "email": col("email").to_numpy(),
            "city": city.to_numpy(),
            "risk_tier": flagged["risk_tier"].astype("str").to_numpy(),
            "risk_score": flagged["risk_score"].to_numpy(),
            "risk_reasons": reasons.astype("str").to_numpy(),
            "segment": col("segment").to_numpy(),
            "next_event": pd.Series(next_event, dtype="str").fillna("").to_numpy(),
            "buddy": _first_buddy(buddies, ids),
        }
    )
    out = out.sort_values(["risk_score", "name", "member_id"], ascending=[False, True, True], ignore_index=True)
    if not show_contacts:
        out = out.drop(columns="email")
    return out


#: columns of the "contacted" log kept in the session
CONTACT_LOG_COLUMNS: tuple[str, ...] = ("member_id", "name", "on", "until", "note")


def mark_contacted(
    log: list[dict], people: pd.DataFrame, on: pd.Timestamp, days: int, note: str = ""
) -> list[dict]:
    """A new log with ``people`` (member_id, name) marked contacted on ``on`` for ``days`` days."""
    on = pd.Timestamp(on).normalize()
    until = on + pd.Timedelta(days=int(days))
    added = [
        {"member_id": str(mid), "name": str(name), "on": on, "until": until, "note": note}
        for mid, name in zip(people["member_id"], people["name"])
    ]
    return list(log) + added


def recently_contacted(log: list[dict], now: pd.Timestamp) -> set[str]:
    """Member ids whose 'contacted' mark has not run out at ``now`` (until is exclusive)."""
    now = pd.Timestamp(now)
    return {entry["member_id"] for entry in log if pd.Timestamp(entry["until"]) > now}


def contact_log_frame(log: list[dict]) -> pd.DataFrame:
    """The contacted log as a table (newest first), ready to show or export."""
    frame = pd.DataFrame(list(log), columns=list(CONTACT_LOG_COLUMNS))
    return frame.iloc[::-1].reset_index(drop=True)
