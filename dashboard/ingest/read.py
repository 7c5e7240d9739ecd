"""Read any table an organiser has: the bytes decide the format, not the extension.

CSV/TSV/semicolon/pipe text in UTF-8 (with or without BOM), UTF-16 (Excel's
"Unicode text") or Windows-1252, and Excel .xlsx workbooks with several sheets
and title rows above the header. Every cell comes back as a string so that the
column mapper, not the reader, decides what a value means.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

import pandas as pd
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from dashboard.ingest import strings
from dashboard.ingest.errors import InputError

MB = 1024 * 1024  # a megabyte as Streamlit's uploader counts it (server.maxUploadSize)
#: the one upload limit: .streamlit/config.toml's server.maxUploadSize says the same (a test checks);
#: a million-row Eventbrite export is ~115 MB
MAX_UPLOAD_MB = 200
MAX_BYTES = MAX_UPLOAD_MB * MB
#: the most rows read from one sheet of a workbook (Excel's own limit is 1,048,576): bigger
#: sheets read faster as CSV, which has no such limit here
MAX_SHEET_ROWS = 500_000
#: the most cells (rows x columns) of one sheet: a cell far to the right can't make every row that wide
MAX_CELLS = 50_000_000
_BOMB_RATIO = 100  # spreadsheet XML compresses 5-20 times; repeated bytes 1000 times
_BOMB_MIN_BYTES = MB  # small parts (styles, themes) may compress as they like
_SMALLER = ("Export a smaller file: only the sheet and columns you need, fewer rows (a date range), "
            "or save it as CSV (File > Save As > CSV UTF-8).")
ROW_COLUMN = "__row__"  # the spreadsheet row number each record came from
#: column names the reader adds itself: a file's own header with one of these names is renamed
INTERNAL_COLUMNS = frozenset({ROW_COLUMN})
DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old Excel 97-2003 (.xls) or Word file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"RIFF", "a media file"),
)


@dataclass(frozen=True)
class ReadResult:
    """A raw table of strings plus what the reader understood about the file."""

    frame: pd.DataFrame
    format: str  # "text" | "xlsx"
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    sheets: tuple[str, ...] = ()
    header_row: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)
    problems: tuple[dict, ...] = field(default_factory=tuple)

    @property
    def delimiter_name(self) -> str:
        """The delimiter in words."""
        return _DELIMITER_NAMES.get(self.delimiter, self.delimiter)


def read_table(
    data: bytes, filename: str = "file", sheet: str | None = None, max_bytes: int = MAX_BYTES
) -> ReadResult:
    """Read bytes into a frame of strings; raise InputError with a clear reason."""
    if len(data) > max_bytes:
        raise InputError(
            f"{filename} is {len(data) / MB:,.1f} MB; the limit is {max_bytes / MB:,.0f} MB. "
            "Split it, or export only the columns you need.",
            file=filename,
        )
    blank = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"
    if not data[:4096].strip(blank) and not data.strip(blank):  # the head settles it without copying the rest
        raise InputError(f"{filename} is empty: there is nothing to read.", file=filename)
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, filename, sheet, max_bytes)
    for magic, what in _MAGIC:
        if data.startswith(magic):
            advice = (
                "Open it in Excel and save it as .xlsx or CSV."
                if "Excel" in what
                else "Upload a CSV, TSV or Excel (.xlsx) file."
            )
            raise InputError(f"{filename} looks like {what}, not a spreadsheet. {advice}", file=filename)
    if not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # plain UTF-8, the usual export: pyarrow reads (and checks) the bytes as they are,
        # with no decode-then-encode round trip; anything else takes the path below
        head = data[:_HEAD_BYTES].decode("utf-8", errors="ignore")
        if b"\x00" not in data[:4096] and _control_ratio(head) <= 0.01:
            delimiter = sniff_delimiter(head)
            grid = _arrow_grid(data, delimiter, _head_width(head, delimiter))
            if grid is not None:
                return _text_result(grid, "UTF-8", delimiter, filename)
    text, encoding = decode_text(data, filename)
    return _read_text(text, encoding, filename)


def decode_text(data: bytes, filename: str = "file") -> tuple[str, str]:
    """Decode text bytes, trying BOMs, UTF-8, then Windows-1252; binary is refused."""
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(enc), {"utf-8-sig": "UTF-8 with BOM"}.get(enc, "UTF-16")
            except UnicodeDecodeError as exc:
                raise InputError(f"{filename} says it is {enc} but isn't: {exc.reason}.", file=filename) from exc
    sample = data[:4096]
    if sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a BOM: every other byte is NUL for Latin text
        le = sample[1::2].count(b"\x00") > sample[0::2].count(b"\x00")
        try:
            return data.decode("utf-16-le" if le else "utf-16-be"), "UTF-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in sample:
        raise InputError(
            f"{filename} contains binary data, not text. Upload a CSV, TSV or Excel (.xlsx) file.",
            file=filename,
        )
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise InputError(
                f"{filename}: the text encoding could not be recognised. Save it from Excel as "
                "'CSV UTF-8' and upload again.",
                file=filename,
            ) from None
        return str(best), best.encoding


def _control_ratio(text: str) -> float:
    sample = text[:4096]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    return bad / max(len(sample), 1)


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines most consistently into most columns."""
    lines = [ln for ln in text[:65536].splitlines()[:60] if ln.strip()]
    if not lines:
        return ","
    best, best_key = ",", (-1.0, 0)
    for delim in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        widths = pd.Series(counts)
        modal = int(widths.mode().max())
        if modal < 2:
            continue
        # title rows above the header have fewer fields: judge the tail
        consistency = float((widths == modal).mean())
        key = (round(consistency, 2), modal)
        if key > best_key:
            best, best_key = delim, key
    return best


_HEAD_BYTES = 65536  # what the delimiter and the table's width are judged on


def _head_width(text: str, delimiter: str) -> int:
    """The widest of the first 200 rows."""
    head = itertools.islice(csv.reader(io.StringIO(text[:_HEAD_BYTES], newline=""), delimiter=delimiter), 200)
    return max((len(r) for r in head), default=0)


def _read_text(text: str, encoding: str, filename: str) -> ReadResult:
    if _control_ratio(text) > 0.01:
        raise InputError(
            f"{filename} contains binary data, not text. Upload a CSV, TSV or Excel (.xlsx) file.",
            file=filename,
        )
    text = text.lstrip("\ufeff")
    delimiter = sniff_delimiter(text)
    try:
        grid = _parse_text(text, delimiter, filename)
    except csv.Error as exc:
        raise InputError(f"{filename} could not be read as a table: {exc}.", file=filename) from exc
    return _text_result(grid, encoding, delimiter, filename)


def _text_result(grid: pd.DataFrame, encoding: str, delimiter: str, filename: str) -> ReadResult:
    frame, header_row, notes = _frame_from_grid(grid, filename)
    notes = (f"Read as {encoding} text separated by {_DELIMITER_NAMES[delimiter]}s.", *notes)
    if frame.shape[1] - 1 == 1 and delimiter == ",":
        notes = (*notes, "Only one column was found: if the file uses another separator, check it.")
    return ReadResult(
        frame=frame, format="text", encoding=encoding, delimiter=delimiter, header_row=header_row, notes=notes
    )


def _parse_text(text: str, delimiter: str, filename: str) -> pd.DataFrame:
    """A grid of cell strings: pyarrow for rectangular files, pandas' C parser when rows are
    short, and Python's csv module when a row is wider than any of the first 200."""
    width = _head_width(text, delimiter)
    if width == 0:
        raise InputError(f"{filename} is empty: there is nothing to read.", file=filename)
    grid = _arrow_grid(text.encode("utf-8"), delimiter, width)
    if grid is not None:
        return grid
    try:
        grid = pd.read_csv(
            io.StringIO(text), sep=delimiter, header=None, names=list(range(width)), dtype=str,
            na_filter=False, skip_blank_lines=False, engine="c", quoting=csv.QUOTE_MINIMAL,
        )
    except (pd.errors.ParserError, ValueError):
        # a row wider than any in the first 200: let the csv module read it all
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        width = max(len(r) for r in rows)
        grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    grid = grid.fillna("")
    return grid.apply(strings.strip) if len(grid) else grid


def _arrow_grid(utf8: bytes, delimiter: str, width: int) -> pd.DataFrame | None:
    """pyarrow's multi-threaded reader for a rectangular UTF-8 file, every cell trimmed as
    ``str.strip`` trims (pyarrow's Unicode whitespace is Python's, checked over every code
    point); None when any row is ragged (title rows, short rows) or the bytes aren't
    UTF-8, which the slower readers handle."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    if width == 0:
        return None
    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    # most exports have no cell to trim: those columns (or blocks of rows) aren't copied
    table = pa.table([strings.trim(c) for c in table.columns], names=names)
    grid = table.to_pandas()
    grid.columns = range(width)
    return grid


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != time(0) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _read_xlsx(data: bytes, filename: str, sheet: str | None, max_bytes: int = MAX_BYTES) -> ReadResult:
    try:
        _check_unzipped_sizes(data, filename, max_bytes)
        return _parse_xlsx(data, filename, sheet)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged workbook fails in many ways (zlib, XML, zip)
        raise InputError(
            f"{filename} looks like an Excel workbook but can't be read ({type(exc).__name__}). "
            "Open it in Excel and save it again as .xlsx or CSV.",
            file=filename,
        ) from exc


def _check_unzipped_sizes(data: bytes, filename: str, max_bytes: int) -> None:
    """Refuse a workbook whose parts unzip past the upload limit, or unzip as no spreadsheet
    does (a "zip bomb"), from the sizes in the zip's directory, before anything is parsed.
    The sizes can be trusted: Python's zipfile never inflates a part past its listed size."""
    parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    unzipped = sum(p.file_size for p in parts)
    if unzipped > max_bytes:
        raise InputError(
            f"{filename} holds {unzipped / MB:,.1f} MB of spreadsheet data once unzipped; the limit is "
            f"{max_bytes / MB:,.0f} MB. {_SMALLER}",
            file=filename,
        )
    for part in parts:
        if part.file_size > _BOMB_MIN_BYTES and part.file_size > _BOMB_RATIO * max(part.compress_size, 1):
            raise InputError(
                f"{filename} can't be read safely: its part {part.filename!r} unzips to "
                f"{part.file_size / max(part.compress_size, 1):,.0f} times its size, which no spreadsheet does. "
                "Open it in Excel and save it again, or save it as CSV (File > Save As > CSV UTF-8).",
                file=filename,
            )


class _ValuesAndFormulas(WorkSheetParser):
    """openpyxl's sheet parser, reading saved results (``data_only``) and noting each formula
    in the same pass, so a sheet is parsed once."""

    def parse_cell(self, element):  # noqa: ANN001, ANN201 - openpyxl's own signature
        cell = super().parse_cell(element)
        if element.find(FORMULA_TAG) is not None:
            formula = self.parse_formula(element)
            cell["formula"] = formula if isinstance(formula, str) else (getattr(formula, "text", None) or "=")
        return cell


def _sheet_rows(wb: Workbook, name: str, filename: str) -> tuple[list[list[str]], list[tuple[int, int, str]]]:
    """A sheet's cells as text, row by row from row 1 (missing rows blank), and its formulas
    as (row, column, formula), 1-based; refuses a sheet over MAX_SHEET_ROWS rows."""
    ws = wb[name]
    rows: list[list[str]] = []
    formulas: list[tuple[int, int, str]] = []
    with ws._get_source() as src:  # what ReadOnlyWorksheet._cells_by_row parses, with our parser
        parser = _ValuesAndFormulas(
            src, ws._shared_strings, data_only=True, epoch=wb.epoch,
            date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats,
        )
        for number, cells in parser.parse():
            if number > MAX_SHEET_ROWS:
                raise InputError(
                    f"{filename}: sheet {name!r} has more than {MAX_SHEET_ROWS:,} rows, the most this app reads "
                    f"from a workbook. {_SMALLER}",
                    file=filename,
                )
            rows.extend([] for _ in range(number - 1 - len(rows)))
            row = [""] * max((c["column"] for c in cells), default=0)
            for c in cells:
                row[c["column"] - 1] = _cell_text(c["value"])
                if "formula" in c:
                    formulas.append((number, c["column"], c["formula"]))
            rows.append(row)
    return rows, formulas


def _parse_xlsx(data: bytes, filename: str, sheet: str | None) -> ReadResult:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    names = tuple(wb.sheetnames)
    if sheet is not None and sheet not in names:
        raise InputError(f"{filename} has no sheet called {sheet!r}; its sheets are {', '.join(names)}.", file=filename)
    chosen = ""
    rows: list[list[str]] = []
    formulas: list[tuple[int, int, str]] = []
    try:
        for name in [sheet] if sheet else names:
            rows, formulas = _sheet_rows(wb, name, filename)
            if any(any(c.strip() for c in r) for r in rows):
                chosen = name
                break
    finally:
        wb.close()
    if not chosen:
        raise InputError(f"{filename}: every sheet is empty.", file=filename)
    width = max((len(r) for r in rows), default=0)
    if width * len(rows) > MAX_CELLS:
        raise InputError(
            f"{filename}: sheet {chosen!r} spans {len(rows):,} rows by {width:,} columns, more cells than this "
            f"app reads ({MAX_CELLS:,}). {_SMALLER}",
            file=filename,
        )
    frame, header_row, notes = _frame_from_rows(rows, filename)
    problems = _unsaved_formulas(formulas, rows, frame, header_row, filename)
    if formulas:
        notes = (*notes, f"{len(formulas)} formula cell(s): their saved results were used, never the formulas.")
    return ReadResult(
        frame=frame,
        format="xlsx",
        sheet=chosen,
        sheets=names,
        header_row=header_row,
        notes=(f"Read Excel sheet {chosen!r} ({len(names)} sheet(s) in the workbook).", *notes),
        problems=tuple(problems),
    )


def _unsaved_formulas(
    formulas: list[tuple[int, int, str]], rows: list[list[str]], frame: pd.DataFrame, header_row: int, filename: str
) -> list[dict]:
    """Formula cells below the header with no saved result: they come back empty, so say so
    rather than guess."""
    problems = []
    for number, col, formula in formulas:
        i, j = number - 1, col - 1
        if number > header_row and j < len(rows[i]) and not rows[i][j].strip():
            problems.append(
                {
                    "file": filename,
                    "row": number,
                    "column": frame.columns[j] if j < len(frame.columns) - 1 else f"column {j + 1}",
                    "value": formula,
                    "problem": "formula with no saved result: open the file in Excel, save it, upload again",
                }
            )
    return problems


def _looks_like_header(cells: list[str]) -> bool:
    filled = [c for c in cells if c.strip()]
    numeric = sum(bool(re.fullmatch(r"[\d.,/:\- ]+", c.strip())) for c in filled)
    return len(filled) >= 2 and numeric <= len(filled) // 2


def _frame_from_rows(rows: list[list[str]], filename: str) -> tuple[pd.DataFrame, int, tuple[str, ...]]:
    """A frame from a list of rows (Excel): pad them into a grid first."""
    width = max((len(r) for r in rows), default=0)
    if width == 0:
        raise InputError(f"{filename} is empty: there is nothing to read.", file=filename)
    grid = pd.DataFrame([[c.strip() for c in r] + [""] * (width - len(r)) for r in rows], dtype=object)
    return _frame_from_grid(grid, filename)


def _frame_from_grid(grid: pd.DataFrame, filename: str) -> tuple[pd.DataFrame, int, tuple[str, ...]]:
    """Find the header (skipping title rows), dedupe names, drop blank rows and empty unnamed
    columns; the cells are already stripped."""
    filled = (grid != "").sum(axis=1).to_numpy()
    nonblank = [int(i) for i in (filled > 0).nonzero()[0][:40]]
    if not nonblank:
        raise InputError(f"{filename} is empty: there is nothing to read.", file=filename)
    widths = pd.Series(filled[nonblank])
    # the header is at least as full as a typical row; title rows above it are not
    typical = max(2, int(widths.mode().min()))
    header_idx = nonblank[0]
    for i in nonblank[:20]:
        if filled[i] >= typical and _looks_like_header(grid.iloc[i].tolist()):
            header_idx = i
            break
    notes: list[str] = []
    if header_idx > nonblank[0]:
        titles = sum(1 for i in nonblank if i < header_idx)
        notes.append(f"Skipped {titles} title row(s) above the header on row {header_idx + 1}.")
    header = grid.iloc[header_idx].tolist()
    body = grid.iloc[header_idx + 1 :]
    # drop unnamed columns that hold nothing (Excel's ragged right edge); unnamed
    # columns that do hold something are kept as "column N", so nothing is lost
    keep = [j for j, name in enumerate(header) if name or (body[body.columns[j]] != "").any()]
    names: list[str] = []
    seen: dict[str, int] = {}
    for j in keep:
        name = header[j] or f"column {j + 1}"
        if name in INTERNAL_COLUMNS:  # the file's column would be overwritten by the reader's own
            new = f"{name} (column {j + 1})"
            notes.append(f"A column is called {name!r}, a name this app uses itself: it is shown as {new!r}.")
            name = new
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            new = f"{name} ({seen[key]})"
            notes.append(f"Two columns are called {name!r}: the second is shown as {new!r}.")
            name = new
        else:
            seen[key] = 1
        names.append(name)
    body = body.iloc[:, keep]
    body.columns = names
    row_numbers = pd.Series(range(header_idx + 2, header_idx + 2 + len(body)), index=body.index, dtype="int64")
    is_blank = (body == "").all(axis=1) if names else pd.Series(True, index=body.index)
    if is_blank.any():
        notes.append(f"Skipped {int(is_blank.sum())} blank row(s).")
    frame = body[~is_blank].astype(str).reset_index(drop=True)
    frame[ROW_COLUMN] = row_numbers[~is_blank].to_numpy()
    return frame, header_idx + 1, tuple(notes)
