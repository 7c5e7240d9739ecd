"""Dates as organisers type them: decide day-first or month-first per column.

A value like 25/03/2026 settles a column as day-first; 03/25/2026 as
month-first. ISO strings are parsed on their own (pandas' ``dayfirst=True``
would turn 2024-01-07 into 1 July), Excel serial numbers are converted, and text
months ("14 June 2025", "September 2026") are understood. A column that stays
ambiguous is read one way and reported as ambiguous so the organiser can flip it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from dateutil import parser as du_parser

from dashboard.ingest.strings import arrow, extract, fold, match

DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"
AUTO = "auto"

_NUMERIC = (
    r"^\s*(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{2}|\d{4})"
    r"(?:[ T,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[AaPp][Mm])?)?\s*$"
)
_YEAR_FIRST = (
    r"^\s*(?P<y>\d{4})[/.\-](?P<m>\d{1,2})[/.\-](?P<d>\d{1,2})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?\s*(?:Z|[+\-]\d{2}:?\d{2}|[A-Z]{2,4})?\s*$"
)
_SERIAL = r"^\s*(\d{5})(\.\d+)?\s*$"
_YEAR = r"^\s*(19|20)\d{2}\s*$"
#: the years a date column holds: a date outside them is a typo (1650, 9999), left empty and
#: listed as a date that can't be read is; the margin to pandas' nanosecond limits (1677 and
#: 2262) lets the indicators count months and years either side of any date that is kept
FIRST_YEAR, LAST_YEAR = 1900, 2199
_EARLIEST = pd.Timestamp(f"{FIRST_YEAR}-01-01")
_LATEST = pd.Timestamp(f"{LAST_YEAR + 1}-01-01") - pd.Timedelta(microseconds=1)
#: answers that say "no date" on purpose (a move question answered "born here")
NO_DATE_ANSWERS = frozenset({
    "born here", "always lived here", "always", "never moved", "all my life", "n/a", "na", "none",
    "not applicable", "-", "local", "since birth", "whole life", "my whole life",
})


@dataclass(frozen=True)
class DateReport:
    """How one date column was read."""

    order: str  # day-first | month-first | ISO | text | mixed | none
    ambiguous: bool
    parsed: int
    unparsed_rows: tuple[int, ...]  # positions (0-based) of values that could not be read
    note: str


def _number(values: pd.Series | None, index: pd.Index, default: float = np.nan) -> np.ndarray:
    """Digits (a regex group) as floats; ``default`` where the group is empty or absent."""
    if values is None:
        return np.full(len(index), default)
    text = arrow(values)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
    return pc.cast(text, pa.float64()).fill_null(default).to_numpy(zero_copy_only=False)


def _assemble(parts: pd.DataFrame, day: str, month: str) -> pd.Series:
    """Date-times from extracted fields, NaT where they make no date (31 February, month
    13, a year outside what datetime64[ns] holds): ``pd.to_datetime`` on a frame of the
    fields gives the same, more slowly (tests compare the two)."""
    index = parts.index
    year = _number(parts["y"], index)
    year = np.where(year >= 100, year, year + 2000)
    hour = _number(parts.get("H"), index, 0.0)
    if "ampm" in parts:
        ampm = parts["ampm"].fillna("").str.lower().to_numpy(dtype=object)
        hour = np.where((ampm == "pm") & (hour < 12), hour + 12, hour)
        hour = np.where((ampm == "am") & (hour == 12), 0, hour)
    mon, dd = _number(parts[month], index), _number(parts[day], index)
    minute, second = _number(parts.get("M"), index, 0.0), _number(parts.get("S"), index, 0.0)
    fields = np.stack([year, mon, dd, hour, minute, second])
    ok = np.isfinite(fields).all(axis=0)
    ok &= (mon >= 1) & (mon <= 12) & (dd >= 1)  # times are added on, as pandas does: 24:00 is midnight next day
    ok &= (year >= 1678) & (year <= 2261)
    out = np.full(len(index), np.datetime64("NaT"), dtype="datetime64[ns]")
    if ok.any():
        y, m = year[ok].astype(np.int64), mon[ok].astype(np.int64)
        first = ((y - 1970) * 12 + m - 1).astype("datetime64[M]")
        length = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)
        fits = dd[ok] <= length
        seconds = ((dd[ok] - 1) * 86400 + hour[ok] * 3600 + minute[ok] * 60 + second[ok]).astype(np.int64)
        when = first.astype("datetime64[ns]") + seconds.astype("timedelta64[s]")
        out[np.flatnonzero(ok)[fits]] = when[fits]
    return pd.Series(out, index=index, dtype="datetime64[ns]")


def outside_years(values: pd.Series) -> pd.Series:
    """True where a value holds a four-digit year outside FIRST_YEAR..LAST_YEAR (1650, 9999)."""
    years = pd.to_numeric(values.astype(str).str.extract(r"(?<!\d)(\d{4})(?!\d)", expand=False), errors="coerce")
    return (years < FIRST_YEAR) | (years > LAST_YEAR)


def _parse_text(values: pd.Series, dayfirst: bool) -> pd.Series:
    default = pd.Timestamp("2000-01-01").to_pydatetime()

    def one(v: str) -> pd.Timestamp:
        if not any(ch.isalpha() for ch in v) or len(v) > 60:
            return pd.NaT
        try:
            when = pd.Timestamp(du_parser.parse(v, dayfirst=dayfirst, default=default.replace(day=1)))
        except (ValueError, OverflowError, TypeError):
            return pd.NaT
        if when.tzinfo is not None:  # "10:00 UTC": the wall time, as the ISO path keeps it
            when = when.tz_localize(None)
        return when if _EARLIEST <= when <= _LATEST else pd.NaT

    uniques = values.drop_duplicates()
    mapping = {v: one(v) for v in uniques}
    return values.map(mapping).astype("datetime64[ns]")


def parse_dates(values: pd.Series, order: str = AUTO, country: str = "") -> tuple[pd.Series, DateReport]:
    """Parse a column of date strings; ``order`` forces day- or month-first.

    Each distinct string is parsed once (exports repeat dates a lot); the
    report's ``unparsed_rows`` are positions in ``values``.
    """
    text = values.fillna("").astype(str).str.strip()
    codes, uniques = pd.factorize(text)
    parsed, report = _parse_distinct(pd.Series(uniques, dtype=str), order, country)
    out = pd.Series(parsed.to_numpy()[codes], index=values.index, dtype="datetime64[ns]")
    if report.unparsed_rows:
        rows = np.flatnonzero(np.isin(codes, np.asarray(report.unparsed_rows)))
        report = DateReport(report.order, report.ambiguous, int(out.notna().sum()), tuple(int(i) for i in rows), report.note)
    else:
        report = DateReport(report.order, report.ambiguous, int(out.notna().sum()), (), report.note)
    return out, report


def _parse_distinct(text: pd.Series, order: str, country: str) -> tuple[pd.Series, DateReport]:
    """parse_dates on distinct strings: positions in the report refer to ``text``."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    filled = (text != "") & ~fold(text).isin(NO_DATE_ANSWERS)
    if not filled.any():
        return out, DateReport("none", False, 0, (), "No dates in this column.")

    iso = match(text, _YEAR_FIRST)
    if iso.any():
        out[iso] = _parse_iso(text[iso])
    serial = match(text, _SERIAL) & ~iso
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        plausible = days.between(20000, 80000)  # 1954..2119: anything else is not a date
        conv = pd.to_datetime(days[plausible], unit="D", origin="1899-12-30").dt.round("s")
        out[conv.index] = conv
    year_only = match(text, _YEAR)
    if year_only.any():
        out[year_only] = pd.to_datetime(text[year_only].str.strip() + "-01-01")
    numeric = match(text, _NUMERIC) & ~iso & ~serial
    read = _NumericRead(order, 0, 0)
    if numeric.any():
        out[numeric], read = _parse_numeric(text[numeric], order, country)
    rest = filled & out.isna() & ~iso & ~numeric & ~year_only
    if rest.any():
        out[rest] = _parse_text(text[rest], read.chosen != MONTH_FIRST)

    out = out.where(out.between(_EARLIEST, _LATEST))  # 1650, 9999: a typo, however it was written
    unparsed = tuple(int(i) for i in np.flatnonzero((filled & out.isna()).to_numpy()))
    kinds = [kind for kind, present in (
        ("ISO", iso.any()), (read.chosen if read.chosen != AUTO else DAY_FIRST, numeric.any()),
        ("Excel serial numbers", serial.any()), ("years alone (read as 1 January)", year_only.any()),
        ("text months", (rest & out.notna()).any()),
    ) if present]
    ambiguous = bool(numeric.any() and order == AUTO and not read.day_evidence and not read.month_evidence)
    main, note = _describe(kinds, read, bool(numeric.any()), bool(iso.any()), ambiguous)
    if unparsed:
        note += f" {len(unparsed)} value(s) could not be read as dates."
    return out, DateReport(main, ambiguous, int(out.notna().sum()), unparsed, note)


def _parse_iso(text: pd.Series) -> pd.Series:
    """Year-first values (the regex already vouched for the shape), NaT outside the years held."""
    # pandas' ISO parser is vectorised
    unified = text.str.replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", r"\1-\2-\3", regex=True)
    fast = pd.to_datetime(unified, format="ISO8601", errors="coerce", utc=True).dt.tz_localize(None)
    slow = fast.isna()
    if slow.any():  # odd shapes (single-digit months, time zone names): field by field
        fast[slow] = _assemble(extract(text[slow], _YEAR_FIRST), "d", "m")
    # pandas reads 1650 or 9999 at a coarser unit than the column's nanoseconds: out of range is empty
    return fast.where(fast.between(_EARLIEST, _LATEST)).astype("datetime64[ns]")


@dataclass(frozen=True)
class _NumericRead:
    """How the day/month/year values of a column were read."""

    chosen: str  # day-first | month-first | mixed | auto (no such values)
    day_evidence: int  # values that can only be day-first
    month_evidence: int  # values that can only be month-first


def _parse_numeric(text: pd.Series, order: str, country: str) -> tuple[pd.Series, _NumericRead]:
    """Day/month/year values, in ``order`` or the order the values settle."""
    parts = extract(text, _NUMERIC)
    a, b = _number(parts["a"], parts.index), _number(parts["b"], parts.index)
    day_evidence = int(((a > 12) & (b <= 12)).sum())
    month_evidence = int(((b > 12) & (a <= 12)).sum())
    chosen = order
    if order == AUTO:
        if day_evidence and month_evidence:
            chosen = "mixed"
        elif month_evidence:
            chosen = MONTH_FIRST
        elif day_evidence:
            chosen = DAY_FIRST
        else:
            chosen = MONTH_FIRST if country.upper() in {"US", "PH", "CA"} else DAY_FIRST
    read = _NumericRead(chosen, day_evidence, month_evidence)
    if chosen == "mixed":
        # two formats in one column: each value by its own evidence, the rest by the majority
        majority_day = day_evidence >= month_evidence
        as_day = (a > 12) | ((b <= 12) & (a <= 12) & majority_day)
        return _assemble(parts, "a", "b").where(as_day, _assemble(parts, "b", "a")), read
    if chosen == MONTH_FIRST:
        return _assemble(parts, "b", "a"), read
    return _assemble(parts, "a", "b"), read


def _describe(kinds: list[str], read: _NumericRead, numeric: bool, iso: bool, ambiguous: bool) -> tuple[str, str]:
    """The report's order and note for a column read as ``kinds``."""
    if read.chosen == "mixed":
        return "mixed", (
            f"Two date formats in one column: {read.day_evidence} value(s) can only be day-first and "
            f"{read.month_evidence} only month-first; the rest were read as the majority."
        )
    if numeric:
        note = f"Read as {' + '.join(kinds)}."
        if ambiguous:
            note += " Every value fits both orders: check a few, and flip the order if they are wrong."
        return read.chosen, note
    main = kinds[0] if len(kinds) == 1 else ("ISO" if iso else "text")
    return main, f"Read as {'/'.join(kinds) or 'nothing recognisable'}."
