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
from dataclasses import dataclass, field
from datetime import date, datetime, time

import pandas as pd

from dashboard.ingest import strings
from dashboard.ingest.errors import InputError

MAX_BYTES = 200 * 1024 * 1024  # a million-row Eventbrite export is ~115 MB
ROW_COLUMN = "__row__"  # the spreadsheet row number each record came from
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
            f"{filename} is {len(data) / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
            "Split it, or export only the columns you need.",
            file=filename,
        )
    blank = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"
    if not data[:4096].strip(blank) and not data.strip(blank):  # the head settles it without copying the rest
        raise InputError(f"{filename} is empty: there is nothing to read.", file=filename)
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, filename, sheet)
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


def _read_xlsx(data: bytes, filename: str, sheet: str | None) -> ReadResult:
    try:
        return _parse_xlsx(data, filename, sheet)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged workbook fails in many ways (zlib, XML, zip)
        raise InputError(
            f"{filename} looks like an Excel workbook but can't be read ({type(exc).__name__}). "
            "Open it in Excel and save it again as .xlsx or CSV.",
            file=filename,
        ) from exc


def _parse_xlsx(data: bytes, filename: str, sheet: str | None) -> ReadResult:
    from openpyxl import load_workbook

    values_wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    formulas_wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    names = tuple(values_wb.sheetnames)
    if sheet is not None and sheet not in names:
        raise InputError(f"{filename} has no sheet called {sheet!r}; its sheets are {', '.join(names)}.", file=filename)
    chosen, rows, formula_rows = "", [], []
    for name in [sheet] if sheet else names:
        rows = [[_cell_text(v) for v in r] for r in values_wb[name].iter_rows(values_only=True)]
        if any(any(c.strip() for c in r) for r in rows):
            chosen = name
            formula_rows = [list(r) for r in formulas_wb[name].iter_rows(values_only=True)]
            break
    values_wb.close()
    formulas_wb.close()
    if not chosen:
        raise InputError(f"{filename}: every sheet is empty.", file=filename)
    frame, header_row, notes = _frame_from_rows(rows, filename)
    problems: list[dict] = []
    # formula cells with no saved result come back empty: say so rather than guess
    n_formula = 0
    for i, frow in enumerate(formula_rows):
        for j, v in enumerate(frow):
            if isinstance(v, str) and v.startswith("="):
                n_formula += 1
                if i < len(rows) and j < len(rows[i]) and not rows[i][j].strip() and i + 1 > header_row:
                    problems.append(
                        {
                            "file": filename,
                            "row": i + 1,
                            "column": frame.columns[j] if j < len(frame.columns) - 1 else f"column {j + 1}",
                            "value": v,
                            "problem": "formula with no saved result: open the file in Excel, save it, upload again",
                        }
                    )
    if n_formula:
        notes = (*notes, f"{n_formula} formula cell(s): their saved results were used, never the formulas.")
    return ReadResult(
        frame=frame,
        format="xlsx",
        sheet=chosen,
        sheets=names,
        header_row=header_row,
        notes=(f"Read Excel sheet {chosen!r} ({len(names)} sheet(s) in the workbook).", *notes),
        problems=tuple(problems),
    )


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
