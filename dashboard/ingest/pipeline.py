"""From uploaded bytes to one ``Community``: read, map, clean, merge identities.

Nothing an organiser uploaded is silently dropped: every row that could not be
used, or was merged, lands in ``Community.problems`` with its file, row and
reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from dashboard.columns import positions
from dashboard.ingest.dates import (
    AUTO,
    DAY_FIRST,
    FIRST_YEAR,
    LAST_YEAR,
    MONTH_FIRST,
    DateReport,
    outside_years,
    parse_dates,
)
from dashboard.ingest.errors import InputError
from dashboard.ingest.link import best_of_each, link_events, link_members
from dashboard.ingest.mapping import (
    DATE_FIELDS,
    ColumnMatch,
    apply_mapping,
    missing_identity,
    shared_field_notes,
    suggest_mapping,
)
from dashboard.ingest.problems import Problems
from dashboard.ingest.read import ROW_COLUMN, ReadResult, read_table
from dashboard.ingest.status import classify_status, is_tick, looks_like_grid_column
from dashboard.ingest.strings import (
    RE2_SPACE,
    duplicated,
    fold,
    match,
    numbered,
    on_distinct,
    per_distinct,
    rows,
    spread,
)
from dashboard.model import (
    ATTENDANCE_COLUMNS,
    EVENT_COLUMNS,
    MEMBER_COLUMNS,
    STATUSES,
    AttendanceCodes,
    Community,
)
from dashboard.reuse import Reuse

KINDS = ("members", "events", "attendance")
_STATUS_RANK = {"attended": 3, "no_show": 2, "registered": 1, "cancelled": 0}
_STATUS_BY_RANK = tuple(sorted(_STATUS_RANK, key=_STATUS_RANK.__getitem__))  # rank -> status
_STATUS_CODE = np.array([STATUSES.index(s) for s in _STATUS_BY_RANK], dtype=np.int64)  # rank -> its code
_MEMBER_TEXT = ("member_id", "name", "email", "city", "country", "role",
                "ucla_companionship", "ucla_left_out", "ucla_isolated", "ons_lonely")
#: something@somewhere.tld with no spaces (any Unicode space), in RE2
EMAIL_PATTERN = rf"^[^@{RE2_SPACE}]+@[^@{RE2_SPACE}]+\.[^@{RE2_SPACE}]+$"
_OUTSIDE_YEARS = f"a year before {FIRST_YEAR} or after {LAST_YEAR} (a typo?): left empty, check the year"
_INTEREST_SEPARATORS = re.compile(r"\s*[,;/]\s*|\s+and\s+")


@dataclass(frozen=True)
class Upload:
    """One uploaded file and the organiser's choices for it."""

    name: str
    data: bytes
    sheet: str | None = None
    overrides: Mapping[str, str] = field(default_factory=dict)  # column -> field | "(ignore)"
    date_orders: Mapping[str, str] = field(default_factory=dict)  # field -> auto | day-first | month-first


@dataclass(frozen=True)
class SourceReport:
    """What ingestion understood about one file, for the Data page and the report."""

    kind: str
    filename: str
    columns: tuple[str, ...]
    matches: tuple[ColumnMatch, ...]
    dates: Mapping[str, DateReport]
    rows_read: int
    rows_used: int
    notes: tuple[str, ...] = ()


def _blank(n: int, index: pd.Index, value: object = "") -> pd.Series:
    return pd.Series([value] * n, index=index, dtype="object")


def _field(mapped: pd.DataFrame, fieldname: str) -> pd.Series:
    """The mapped column, or blanks (object) when no column maps to the field."""
    return mapped[fieldname] if fieldname in mapped else _blank(len(mapped), mapped.index)


def _file_date_order(mapped: pd.DataFrame, upload: Upload, country: str) -> str:
    """The order an unambiguous date column of this file settles, for its ambiguous siblings."""
    for f in DATE_FIELDS:
        if f in mapped and upload.date_orders.get(f, AUTO) == AUTO:
            _, report = parse_dates(mapped[f].head(5000), country=country)
            if report.order in (DAY_FIRST, MONTH_FIRST) and not report.ambiguous:
                return report.order
    return AUTO


def _parse_date_field(
    mapped: pd.DataFrame, fieldname: str, upload: Upload, country: str, problems: Problems, column: str,
    file_order: str = AUTO,
) -> tuple[pd.Series, DateReport | None]:
    if fieldname not in mapped:
        return pd.Series(pd.NaT, index=mapped.index, dtype="datetime64[ns]"), None
    order = upload.date_orders.get(fieldname, AUTO)
    parsed, report = parse_dates(mapped[fieldname], order=order, country=country)
    if report.ambiguous and file_order != AUTO:
        # exports write every date column the same way: follow the one that is settled
        parsed, report = parse_dates(mapped[fieldname], order=file_order, country=country)
        report = DateReport(report.order, True, report.parsed, report.unparsed_rows,
                            report.note + " Every value fits both orders; read like this file's other date column.")
    if report.unparsed_rows:
        bad = mapped.iloc[list(report.unparsed_rows)]
        why = pd.Series("not a date this app can read: left empty", index=bad.index)
        why[outside_years(bad[fieldname])] = _OUTSIDE_YEARS
        problems.add_many(upload.name, bad, column, bad[fieldname], why)
    return parsed, report


def _column_of(matches: list[ColumnMatch], fieldname: str) -> str:
    return next((m.column for m in matches if m.field == fieldname), fieldname)


def _interests(text: str) -> tuple[str, ...]:
    """ "Art, hiking and board games" -> ("art", "hiking", "board games") """
    return tuple(dict.fromkeys(x.strip() for x in _INTEREST_SEPARATORS.split(text.casefold()) if x.strip()))


def _normalise_role(values: pd.Series) -> pd.Series:
    return pd.Series(on_distinct(values, _roles), index=values.index, dtype="object")


def _roles(values: pd.Series) -> pd.Series:
    text = values.fillna("").astype(str).str.casefold()
    role = pd.Series("member", index=values.index, dtype="object")
    role[text.str.contains("volunteer|helper|steward", regex=True)] = "volunteer"
    role[text.str.contains(r"host|leader|co-?organi[sz]", regex=True)] = "host"
    role[text.str.contains(r"^organi[sz]|admin|founder|\borgani[sz]er", regex=True)] = "organiser"
    return role


def _to_bool(values: pd.Series) -> pd.Series:
    return pd.Series(on_distinct(values, _truthy), index=values.index, dtype=bool)


def _truthy(values: pd.Series) -> pd.Series:
    return fold(values).isin({"yes", "y", "true", "1", "online", "virtual", "zoom", "x", "✓"})


_MISSING_IDENTITY = {
    "members": "no column identifies a member (an email, a name or an id)",
    "events": "no column names or dates an event (an event id, a title or a date)",
    "attendance": "no column identifies who came (an email, a name or a member id)",
}


def read_upload(upload: Upload) -> ReadResult:
    """Read one upload (its chosen sheet, for a workbook)."""
    return read_table(upload.data, upload.name, sheet=upload.sheet)


Reader = Callable[[Upload], ReadResult]


def _read(
    upload: Upload, kind: str, problems: Problems, reader: Reader = read_upload
) -> tuple[ReadResult, list[ColumnMatch], pd.DataFrame, list[str]]:
    """Read and map one upload, list the reader's problems, and refuse a file nobody can be found in."""
    result = reader(upload)
    columns = [c for c in result.frame.columns if c != ROW_COLUMN]
    matches = suggest_mapping(columns, kind, dict(upload.overrides))
    for p in result.problems:
        problems.add(**p)
    if missing_identity(matches, kind):
        raise InputError(
            f"{upload.name}: {_MISSING_IDENTITY[kind]}. Columns found: {', '.join(columns) or 'none'}. "
            "Pick the right column on the Data page, or rename one to 'Email' or 'Name'.",
            file=upload.name,
        )
    shared = shared_field_notes(result.frame, matches)
    if shared:
        result = replace(result, notes=(*result.notes, *shared))
    return result, matches, apply_mapping(result.frame, matches), columns


# --- members ---------------------------------------------------------------------


def _canonical_members(
    upload: Upload, country: str, problems: Problems, reference_date: pd.Timestamp | None, reader: Reader
) -> tuple[pd.DataFrame, SourceReport]:
    result, matches, mapped, columns = _read(upload, "members", problems, reader)
    n = len(mapped)
    idx = mapped.index
    out = pd.DataFrame(index=idx)
    out["member_id"] = _field(mapped, "member_id")
    out["name"] = _field(mapped, "name")
    email = fold(_field(mapped, "email"))
    invalid = (email != "") & ~match(email, EMAIL_PATTERN)
    if invalid.any():
        problems.add_many(upload.name, mapped[invalid], _column_of(matches, "email"), email[invalid],
                          "not an email address: kept the person, left the email empty")
        email = email.where(~invalid, "")
    out["email"] = email
    out["city"] = _field(mapped, "city")
    out["country"] = _field(mapped, "country")
    dates: dict[str, DateReport] = {}
    file_order = _file_date_order(mapped, upload, country)
    for f in ("joined_on", "moved_on", "agg_last_attended"):
        out[f], rep = _parse_date_field(mapped, f, upload, country, problems, _column_of(matches, f), file_order)
        if rep is not None:
            dates[f] = rep
    out["interests"] = (
        per_distinct(mapped["interests"], _interests) if "interests" in mapped
        else pd.Series([()] * n, index=idx, dtype="object")
    )
    out["role"] = _normalise_role(mapped["role"]) if "role" in mapped else _blank(n, idx, "member")
    for f in ("ucla_companionship", "ucla_left_out", "ucla_isolated", "ons_lonely"):
        out[f] = _field(mapped, f)
    for f in ("agg_events_attended", "agg_no_shows", "agg_rsvps"):
        out[f] = _number_field(mapped, f, upload.name, _column_of(matches, f), problems)
    out[ROW_COLUMN] = mapped[ROW_COLUMN]

    if reference_date is not None:
        future = out["joined_on"] > reference_date + pd.Timedelta(days=1)
        if future.any():
            problems.add_many(upload.name, out[future], _column_of(matches, "joined_on"),
                              out.loc[future, "joined_on"].dt.date,
                              "joined date is in the future: check the date order (day-first / month-first)")

    unusable = (out["member_id"] == "") & (out["email"] == "") & (out["name"] == "")
    if unusable.any():
        problems.add_many(upload.name, out[unusable], "", _blank(int(unusable.sum()), out[unusable].index),
                          "no name, email or id: this row can't be linked to a person")
    out = out[~unusable]
    out = _merge_duplicate_members(out, upload.name, problems)
    report = SourceReport(
        "members", upload.name, tuple(columns), tuple(matches), dates, n, len(out),
        notes=result.notes,
    )
    return out, report


def _members_once(
    upload: Upload, country: str, problems: Problems, reference_date: pd.Timestamp | None, reader: Reader,
    reuse: Reuse | None,
) -> tuple[pd.DataFrame, SourceReport]:
    """``_canonical_members``, or what ``reuse`` kept of it for the same file, mapping, date
    orders, country and day (its problems added again in their place)."""
    basis = (upload, country, reference_date)
    known = reuse.get("members", basis) if reuse is not None else None
    if known is not None:
        frame, report, parts = known
        problems.parts.extend(parts)
        return frame, report
    before = len(problems.parts)
    frame, report = _canonical_members(upload, country, problems, reference_date, reader)
    if reuse is not None:
        reuse.put("members", basis, (frame, report, problems.parts[before:]))
    return frame, report


def _number_field(mapped: pd.DataFrame, fieldname: str, filename: str, column: str, problems: Problems) -> pd.Series:
    """A count column ("1,234" allowed) as float64; what isn't a number is left empty and listed."""
    if fieldname not in mapped:
        return pd.Series(np.nan, index=mapped.index, dtype="float64")
    raw = mapped[fieldname].str.replace(",", "", regex=False)
    num = pd.to_numeric(raw, errors="coerce")
    bad = (raw != "") & num.isna()
    if bad.any():
        problems.add_many(filename, mapped[bad], column, raw[bad], "not a number: left empty")
    return num.astype("float64")


def _merge_duplicate_members(members: pd.DataFrame, filename: str, problems: Problems) -> pd.DataFrame:
    """One person is one member: rows with the same email (or id) become one."""
    if members.empty:
        return members
    key = members["email"].where(members["email"] != "", members["member_id"])
    key = key.where(key != "", "row:" + members[ROW_COLUMN].astype(str))
    dup = key.duplicated(keep=False).to_numpy()
    ordered = members
    if dup.any():
        # only the rows that merge are sorted (earliest sign-up first) and taken apart
        dups = rows(members, dup).assign(_key=key[dup])
        dups = dups.sort_values(["joined_on", ROW_COLUMN], na_position="last", kind="stable")
        kept_row = dups.groupby("_key", sort=False)[ROW_COLUMN].transform("first")
        later = dups[dups[ROW_COLUMN] != kept_row]
        problems.add_many(
            filename, later, "email", pd.Series("", index=later.index),
            "same person as row " + kept_row[later.index].astype(str) + ": merged (earliest sign-up kept, gaps filled from both)",
        )
        # fill each field from the first non-empty value, earliest sign-up first
        blanked = dups.replace({"": None})
        blanked["interests"] = blanked["interests"].map(lambda t: t if t else None)
        merged = blanked.groupby("_key", sort=False).first()
        merged = merged.reset_index()
        for col in ("member_id", "name", "email", "city", "country", "role",
                    "ucla_companionship", "ucla_left_out", "ucla_isolated", "ons_lonely"):
            merged[col] = merged[col].fillna("").astype(members[col].dtype)  # as the unmerged rows: concat keeps it
        merged["interests"] = merged["interests"].map(lambda t: t if isinstance(t, tuple) else ())
        merged["role"] = merged["role"].replace("", "member")
        ordered = pd.concat([rows(members, ~dup), merged[members.columns]], ignore_index=True)
    if not ordered[ROW_COLUMN].is_monotonic_increasing:
        ordered = ordered.sort_values(ROW_COLUMN, kind="stable")
    ordered = ordered.reset_index(drop=True)
    # a name alone never merges two people: say so, let the organiser decide
    names = fold(ordered["name"])
    same_name = (names != "") & names.duplicated(keep=False)
    if same_name.any():
        alike = rows(ordered, same_name.to_numpy())  # in row order
        first = alike.groupby(names[alike.index], sort=False)[ROW_COLUMN].transform("first")
        later = alike[alike[ROW_COLUMN] != first]
        problems.add_many(filename, later, "name", later["name"],
                          "same name as row " + first[later.index].astype(str) + " but different details: kept as two people")
    return ordered


def _assign_member_ids(members: pd.DataFrame, prefix: str) -> pd.DataFrame:
    ids = members["member_id"].astype(str)
    out = members.copy(deep=False)
    out["member_id"] = ids.where(ids != "", numbered(prefix, len(members), 5, members.index))
    dup = duplicated(out["member_id"])
    if dup.any():
        out.loc[dup, "member_id"] = out.loc[dup, "member_id"] + "-" + out.loc[dup, ROW_COLUMN].astype(str)
    return out


# --- events ----------------------------------------------------------------------


def _canonical_events(
    upload: Upload, country: str, problems: Problems, reader: Reader
) -> tuple[pd.DataFrame, SourceReport]:
    result, matches, mapped, columns = _read(upload, "events", problems, reader)
    n, idx = len(mapped), mapped.index
    out = pd.DataFrame(index=idx)
    out["event_id"] = _field(mapped, "event_id")
    out["title"] = _field(mapped, "title")
    out["starts_at"], rep = _parse_date_field(mapped, "starts_at", upload, country, problems, _column_of(matches, "starts_at"))
    dates = {"starts_at": rep} if rep is not None else {}
    out["city"] = _field(mapped, "city")
    out["venue"] = _field(mapped, "venue")
    online = _to_bool(mapped["online"]) if "online" in mapped else pd.Series(False, index=idx)
    online_city = on_distinct(out["city"], lambda c: c.str.casefold().isin({"online", "zoom", "virtual", "remote"}))
    out["online"] = online | online_city
    out[ROW_COLUMN] = mapped[ROW_COLUMN]
    if (out["event_id"] == "").any():
        out["event_id"] = out["event_id"].where(out["event_id"] != "", numbered("E", n, 4, idx))
    out["title"] = out["title"].where(out["title"] != "", "Event " + out["event_id"])
    undated = out["starts_at"].isna()
    if undated.any():
        problems.add_many(upload.name, out[undated], _column_of(matches, "starts_at"), out.loc[undated, "title"],
                          "event has no date: kept, but it can't be placed in time")
    dup = duplicated(out["event_id"])
    if dup.any():
        problems.add_many(upload.name, out[dup], _column_of(matches, "event_id"), out.loc[dup, "event_id"],
                          "duplicate event id: only the first row with this id was used")
        out = out[~dup]
    report = SourceReport("events", upload.name, tuple(columns), tuple(matches), dates, n, len(out), result.notes)
    return out.reset_index(drop=True), report


# --- attendance ------------------------------------------------------------------


def _grid_to_long(result: ReadResult, matches: list[ColumnMatch], mapped: pd.DataFrame) -> pd.DataFrame | None:
    """Turn a one-row-per-person, one-column-per-event sheet into long rows."""
    used = {m.column for m in matches if m.field in ("member_id", "email", "name", "first_name", "last_name")}
    frame = result.frame
    event_cols = [c for c in frame.columns if c != ROW_COLUMN and c not in used and looks_like_grid_column(frame[c])]
    if len(event_cols) < 2:
        return None
    person = mapped[[c for c in ("member_id", "email", "name") if c in mapped] + [ROW_COLUMN]]
    ticks = pd.DataFrame({c: is_tick(frame[c]) for c in event_cols}, index=frame.index)
    stacked = ticks.stack()
    stacked = stacked[stacked]
    rows = stacked.index.get_level_values(0)
    long = person.loc[rows].reset_index(drop=True)
    long["event_title"] = stacked.index.get_level_values(1).astype(str)
    long["status"] = "attended"
    return long


def _canonical_attendance(
    upload: Upload, country: str, problems: Problems, reader: Reader
) -> tuple[pd.DataFrame, SourceReport, bool]:
    result, matches, mapped, columns = _read(upload, "attendance", problems, reader)
    notes = list(result.notes)
    grid = None
    if not {"event_id", "event_title", "status"}.intersection({m.field for m in matches}):
        grid = _grid_to_long(result, matches, mapped)
    dates: dict[str, DateReport] = {}
    if grid is not None:
        notes.append(f"Recognised an attendance grid: {grid['event_title'].nunique()} event columns turned into {len(grid)} attendance rows.")
        long = grid
        long["event_id"] = ""
        long["event_date"] = pd.NaT
        has_checkin = True
    elif not {"event_id", "event_title"}.intersection({m.field for m in matches}):
        raise InputError(
            f"{upload.name}: no column says which event each row is for (an event id or event name), "
            f"and it isn't a grid with one column per event. Columns found: {', '.join(columns)}.",
            file=upload.name,
        )
    else:
        long = mapped.copy(deep=False)
        file_order = _file_date_order(mapped, upload, country)
        for f in ("event_date",):  # order dates are mapped (so not mistaken for event dates) but unused
            long[f], rep = _parse_date_field(mapped, f, upload, country, problems, _column_of(matches, f), file_order)
            if rep is not None:
                dates[f] = rep
        # each distinct status classified once; rows carry its rank (-1: not recognised)
        raw_status = _field(mapped, "status")
        codes, distinct = pd.factorize(raw_status, use_na_sentinel=False)
        classified = classify_status(pd.Series(distinct, dtype=object))
        rank_of = np.array([_STATUS_RANK.get(x, -1) for x in classified], dtype=np.int8)
        rank = rank_of[codes] if len(distinct) else np.zeros(len(codes), dtype=np.int8)
        if "checked_in" in mapped:
            checked = fold(mapped["checked_in"])
            truthy = (checked != "") & ~checked.isin({"no", "n", "false", "0", "-"})
            rank[truthy.to_numpy()] = _STATUS_RANK["attended"]
        blank = (distinct == "")[codes] if len(distinct) else np.ones(len(codes), dtype=bool)
        unknown = (rank < 0) & ~blank
        if unknown.any():
            problems.add_many(upload.name, mapped[unknown], _column_of(matches, "status"), raw_status[unknown],
                              "status not recognised: counted as registered")
        # a plain list of who came (no status column) is a check-in list
        rank[(rank < 0) & blank] = _STATUS_RANK["attended" if "status" not in mapped else "registered"]
        rank[rank < 0] = _STATUS_RANK["registered"]
        long["status"] = pd.Categorical.from_codes(rank, categories=_STATUS_BY_RANK)
        has_checkin = bool((rank == _STATUS_RANK["attended"]).any() or "checked_in" in mapped)
        if not has_checkin and (rank == _STATUS_RANK["registered"]).any():
            notes.append("No check-in information in this file: registrations at past events are counted as attendance.")
    # fields no column gave are left out: the linking (ingest.link) fills them in on the rows taken
    report = SourceReport("attendance", upload.name, tuple(columns), tuple(matches), dates,
                          len(mapped), 0, tuple(notes))
    return long, report, has_checkin


def _fill_member_defaults(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy(deep=False)  # only columns are added: the data needn't be copied
    n = len(out)
    for col in MEMBER_COLUMNS:
        if col in out:
            continue
        if col in ("joined_on", "moved_on", "agg_last_attended"):
            out[col] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        elif col.startswith("agg_"):
            out[col] = np.nan
        elif col == "interests":
            out[col] = pd.Series([()] * n, index=out.index, dtype="object")
        elif col == "role":
            out[col] = "member"
        else:
            out[col] = ""
    return out


def load_community(
    members: Upload | None = None,
    events: Upload | None = None,
    attendance: Upload | None = None,
    country: str = "",
    reference_date: pd.Timestamp | None = None,
    reader: Reader | None = None,
    reuse: Reuse | None = None,
) -> Community:
    """Build a Community from up to three uploads; raise InputError when nothing is usable.

    ``reference_date`` (today, passed in by the front end) only flags join dates
    in the future; the core never reads the clock. ``reader`` reads an upload
    (``read_upload`` by default); the app passes one that remembers what its
    Data page already read, so each file is read once. ``reuse`` (``dashboard.reuse``) hands
    an earlier load's members back when the members file and its settings are the same.
    """
    if members is None and attendance is None:
        raise InputError("Upload a members file or an attendance export: one of them says who your members are.")
    reader = reader or read_upload
    problems = Problems()
    sources: list[SourceReport] = []
    if members is not None:
        member_frame, rep = _members_once(members, country, problems, reference_date, reader, reuse)
        sources.append(rep)
        member_frame = _assign_member_ids(member_frame, "M")
    else:
        member_frame = _fill_member_defaults(pd.DataFrame({ROW_COLUMN: pd.Series(dtype="int64")}))
    event_frame = None
    if events is not None:
        event_frame, rep = _canonical_events(events, country, problems, reader)
        sources.append(rep)
    attendance_frame = pd.DataFrame({c: pd.Series(dtype="object") for c in ATTENDANCE_COLUMNS})
    codes = None
    if attendance is not None:
        attendance_frame, member_frame, event_frame, rep, codes = _attendance_of(
            attendance, member_frame, event_frame, members is not None, country, reference_date, problems, reader)
        sources.append(rep)
    if event_frame is None:
        event_frame = pd.DataFrame({c: pd.Series(dtype="object") for c in EVENT_COLUMNS})
        event_frame["starts_at"] = pd.Series(dtype="datetime64[ns]")
        event_frame["online"] = pd.Series(dtype="bool")
    if member_frame.empty:
        raise InputError("No usable members were found: every row was missing a name, email and id. See the problems list.")
    member_frame = _fill_member_defaults(member_frame)
    for col in ("joined_on", "moved_on", "agg_last_attended"):
        member_frame[col] = pd.to_datetime(member_frame[col]).astype("datetime64[ns]")
    for col in _MEMBER_TEXT:  # one dtype however the rows got here (absent fields start as objects)
        if member_frame[col].dtype != "str":
            member_frame[col] = member_frame[col].fillna("").astype("str")
    event_frame["starts_at"] = pd.to_datetime(event_frame["starts_at"]).astype("datetime64[ns]")
    event_frame["online"] = event_frame["online"].astype(bool)
    community = Community(
        members=member_frame[list(MEMBER_COLUMNS)].reset_index(drop=True),
        events=event_frame[list(EVENT_COLUMNS)].reset_index(drop=True),
        attendance=attendance_frame[list(ATTENDANCE_COLUMNS)],
        problems=problems.frame(),
        country=country.upper(),
        sources=tuple(sources),
    )
    return community if codes is None else community.knowing(codes)


def _attendance_of(
    attendance: Upload, member_frame: pd.DataFrame, event_frame: pd.DataFrame | None, has_members_file: bool,
    country: str, reference_date: pd.Timestamp | None, problems: Problems, reader: Reader,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, SourceReport, AttendanceCodes]:
    """The attendance rows linked to members and events, the members with those found only in
    attendance added, the events (built from attendance when there is no events file), the report,
    and the rows' codes (positions in those members and events)."""
    long, rep, has_checkin = _canonical_attendance(attendance, country, problems, reader)
    events_of, event_frame = link_events(long, event_frame, attendance.name, problems)
    members_of, added = link_members(long, member_frame, attendance.name, problems, has_members_file)
    starts_by_id = pd.Series(event_frame["starts_at"].astype("datetime64[ns]").to_numpy(), index=event_frame["event_id"])
    starts = events_of.of(starts_by_id, np.datetime64("NaT", "ns")).astype("datetime64[ns]")
    if not added.empty:
        added = _fill_member_defaults(added)
        newcomer = members_of.of(pd.Series(True, index=added["member_id"]), False).astype(bool)
        first_seen = pd.Series(starts[newcomer]).groupby(members_of.ids[members_of.codes[newcomer]]).min()
        added["joined_on"] = added["member_id"].map(first_seen).astype("datetime64[ns]")
        member_frame = pd.concat([member_frame, added[member_frame.columns]], ignore_index=True)
    linked = np.flatnonzero(events_of.found() & members_of.found())
    # a status's code among _STATUS_BY_RANK is its rank
    rank = pd.Categorical(long["status"], categories=_STATUS_BY_RANK).codes[linked]
    starts = starts[linked]
    held = starts[(rank == _STATUS_RANK["attended"]) & ~np.isnat(starts)]
    last_held = pd.Timestamp(held.max()) if len(held) else pd.NaT
    if pd.isna(last_held):
        last_held = reference_date if reference_date is not None else event_frame["starts_at"].max()
    past = (starts <= np.datetime64(last_held, "ns")) if pd.notna(last_held) else np.zeros(len(linked), dtype=bool)
    # Eventbrite: "Attending" at a past event without a check-in is a no-show;
    # with no check-in data at all, a registration is the best record we have.
    rank[past & (rank == _STATUS_RANK["registered"])] = _STATUS_RANK["no_show" if has_checkin else "attended"]
    # one row per person and event: the most telling status, the earliest row among equals
    pair = members_of.keys(linked)
    pair *= len(events_of.ids) + 1
    pair += events_of.keys(linked)
    keep = best_of_each(pair, rank)
    dropped = len(linked) - len(keep)
    notes = rep.notes + ((f"{dropped} repeated row(s) for the same person and event were counted once.",) if dropped else ())
    rows = linked[keep]
    attendance_frame = pd.DataFrame({
        "member_id": spread(members_of.ids, members_of.codes[rows]),
        "event_id": spread(events_of.ids, events_of.codes[rows]),
        "status": spread(np.array(_STATUS_BY_RANK, dtype=object), rank[keep]),
    })
    # the rows as positions too (what Community.codes would hash a million ids again for)
    codes = AttendanceCodes(
        positions(pd.Series(members_of.ids, dtype=object), member_frame["member_id"])[members_of.codes[rows]],
        positions(pd.Series(events_of.ids, dtype=object), event_frame["event_id"])[events_of.codes[rows]],
        _STATUS_CODE[rank[keep]],
    )
    return attendance_frame, member_frame, event_frame, replace(rep, rows_used=len(linked), notes=notes), codes
