"""Linking attendance rows to events and to members.

An export repeats each event once per ticket and each person once per event, so rows
are matched once per distinct key: (event id, title, date) for events, (member id,
email, name) for people. A name alone links a row only when no email is given and one
member has that name; people found only in attendance become members. What can't be
linked is listed as a problem, never dropped silently.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from dashboard.columns import isin
from dashboard.ingest.problems import Problems
from dashboard.ingest.read import ROW_COLUMN
from dashboard.ingest.strings import find, fold, numbered, row_codes, rows


def _norm_title(s: pd.Series) -> pd.Series:
    """Titles compared without case or punctuation; each distinct title normalised once."""
    codes, uniques = pd.factorize(s.fillna("").astype(str))
    norm = pd.Series(uniques, dtype=str).str.casefold().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
    return pd.Series(norm.to_numpy(dtype=object)[codes] if len(norm) else [], index=s.index, dtype=object)


_EVENT_KEY = ("event_id", "event_title", "event_date")


def _some_rows(long: pd.DataFrame, taken: np.ndarray, fields: tuple[str, ...]) -> pd.DataFrame:
    """The ``fields`` and row numbers of some attendance rows (a mask, or ascending positions),
    without joining a column's chunks; a field the file lacks is blank."""
    if taken.dtype != bool:
        keep = np.zeros(len(long), dtype=bool)
        keep[taken] = True
        taken = keep
    out = rows(long[[f for f in (*fields, ROW_COLUMN) if f in long]], taken)
    for f in fields:
        if f not in out:
            out[f] = ""
    return out


_PERSON_KEY = ("member_id", "email", "name")


@dataclass(frozen=True)
class Linked:
    """Ids found for attendance rows, kept per distinct key: row i's id is ``ids[codes[i]]``."""

    codes: np.ndarray
    ids: np.ndarray  # object: an id, or "" when nothing matched

    def found(self) -> np.ndarray:
        """True for rows that were matched."""
        return (self.ids != "")[self.codes]

    def keys(self, rows: np.ndarray) -> np.ndarray:
        """The id of each of these rows as a number: rows with the same id share it (a person
        found by email on one row and by name on another is one person)."""
        return pd.factorize(self.ids)[0][self.codes[rows]]

    def of(self, by_id: pd.Series, fill: npt.ArrayLike) -> np.ndarray:
        """Each row's value in ``by_id`` (indexed by id; the last of repeated ids counts),
        looked up once per distinct id; ``fill`` where there is none."""
        at = find(pd.Series(self.ids, dtype=object), by_id.index.to_series())
        values = by_id.to_numpy()
        return np.where(at >= 0, values[at], fill)[self.codes] if len(values) else np.full(len(self.codes), fill)


def link_events(
    long: pd.DataFrame, events: pd.DataFrame | None, filename: str, problems: Problems
) -> tuple[Linked, pd.DataFrame]:
    """Each attendance row's event id ("" when unknown) and the events frame (built if absent).

    Rows are matched once per distinct (event id, title, date): an export repeats each
    event once per ticket.
    """
    codes, firsts = row_codes(long, [c for c in _EVENT_KEY if c in long])
    distinct_ids, events = _event_ids(_some_rows(long, firsts, _EVENT_KEY), events)
    linked = Linked(codes, distinct_ids.to_numpy(dtype=object))
    unknown = ~linked.found()
    if unknown.any():
        bad = _some_rows(long, unknown, _EVENT_KEY)
        shown = bad["event_id"].where(bad["event_id"] != "", bad["event_title"])
        problems.add_many(filename, bad, "event", shown,
                          "event not found in the events file: row not counted (check the event id or name)")
    return linked, events


def _event_ids(long: pd.DataFrame, events: pd.DataFrame | None) -> tuple[pd.Series, pd.DataFrame]:
    """``link_events`` for rows that each name a different event."""
    if events is None:
        key_title = _norm_title(long["event_title"])
        key = long["event_id"].where(long["event_id"] != "", key_title + "|" + _day_text(long["event_date"]))
        uniq = long.assign(_k=key).drop_duplicates("_k")
        uniq = uniq[uniq["_k"].str.strip("|") != ""]
        ids = uniq["event_id"].where(uniq["event_id"] != "", numbered("E", len(uniq), 4, uniq.index))
        built = pd.DataFrame({
            "event_id": ids.values,
            "title": uniq["event_title"].where(uniq["event_title"] != "", "Event " + ids).values,
            "starts_at": pd.to_datetime(uniq["event_date"]).values,
            "city": "", "venue": "", "online": False,
        })
        mapping = dict(zip(uniq["_k"], ids, strict=True))
        return key.map(mapping).astype("object").fillna(""), built
    by_id = long["event_id"].where(isin(long["event_id"], events["event_id"]), "").astype(object)
    need = (by_id == "").to_numpy()  # only rows without a known id are matched by name, date or grid header
    if not need.any():
        return by_id, events
    rest = rows(long, need)
    ids = events["event_id"].to_numpy(dtype=object)
    titles = _norm_title(events["title"])
    unique = (~titles.duplicated(keep=False)).to_numpy()
    att_titles = _norm_title(rest["event_title"])
    by_title = _ids_at(ids[unique], find(att_titles, titles[unique]))
    # recurring titles ("Coffee morning"): title + date settles it
    if events["starts_at"].notna().any():
        ev_key = titles + "|" + _day_text(events["starts_at"])
        att_key = att_titles + "|" + _day_text(rest["event_date"])
        by_title = np.where(by_title != "", by_title, _ids_at(ids, find(att_key, ev_key)))
    # a grid's column headers may be event ids or dates
    by_header_id = rest["event_title"].where(isin(rest["event_title"], events["event_id"]), "")
    event_id = by_id.copy()
    event_id[need] = np.where(by_title != "", by_title, by_header_id.to_numpy(dtype=object))
    return event_id, events


def _day_text(when: pd.Series) -> pd.Series:
    """``when.dt.strftime("%Y-%m-%d").fillna("")``, formatting each distinct day once."""
    codes, days = pd.factorize(when.dt.floor("D"), use_na_sentinel=False)
    text = pd.Series(days).dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)
    return pd.Series(text[codes] if len(text) else [], index=when.index, dtype=object)


def link_members(
    long: pd.DataFrame, members: pd.DataFrame, filename: str, problems: Problems, has_members_file: bool
) -> tuple[Linked, pd.DataFrame]:
    """Each attendance row's member id ("" when unlinkable) and members found only in attendance.

    Rows are linked once per distinct (id, email, name): an export repeats each person
    once per event.
    """
    codes, firsts = row_codes(long, [c for c in _PERSON_KEY if c in long])
    distinct = _some_rows(long, firsts, _PERSON_KEY)
    distinct_ids, added = _member_ids(distinct, members, filename, problems, has_members_file)
    linked = Linked(codes, distinct_ids.to_numpy(dtype=object))
    unlinked = ~linked.found()
    if unlinked.any():
        bad = _some_rows(long, unlinked, _PERSON_KEY)
        shown = bad["name"].where(bad["name"] != "", bad["member_id"])
        problems.add_many(filename, bad, "name", shown,
                          "no email or id, and the name matches no single member: row not counted")
    return linked, added


def _member_ids(
    long: pd.DataFrame, members: pd.DataFrame, filename: str, problems: Problems, has_members_file: bool
) -> tuple[pd.Series, pd.DataFrame]:
    """``link_members`` for rows that each name a different person (in order of first appearance)."""
    long = long.assign(email=fold(long["email"]))  # each spelling once: the rows are distinct
    ids = members["member_id"].to_numpy(dtype=object)
    by_id = np.where(isin(long["member_id"], members["member_id"]), long["member_id"].to_numpy(dtype=object), "")
    at = find(long["email"], members["email"])
    at[(long["email"] == "").to_numpy()] = -1  # an empty email is nobody's
    member_id = pd.Series(np.where(by_id != "", by_id, _ids_at(ids, at)), index=long.index, dtype=object)
    # a unique exact name links only rows with no email (names are never enough to merge people)
    att_names = pd.Series("", index=long.index, dtype=object)
    nameless = (member_id == "") & (long["email"] == "")
    if nameless.any():
        names = fold(members["name"])
        unique = ((names != "") & ~names.duplicated(keep=False)).to_numpy()
        att_names[nameless] = fold(long.loc[nameless, "name"]).to_numpy(dtype=object)
        member_id[nameless] = _ids_at(ids[unique], find(att_names[nameless], names[unique]))

    # people who appear only in attendance are members too (by email; by name only without a members file)
    new_by_email = (member_id == "") & (long["email"] != "")
    new_by_name = (member_id == "") & (long["email"] == "") & (att_names != "") & (not has_members_file)
    new_by_id = (member_id == "") & (long["member_id"] != "") & ~new_by_email & ~new_by_name & (not has_members_file)
    newcomers = long[new_by_email | new_by_name | new_by_id].copy()
    newcomers["_key"] = np.where(newcomers["email"] != "", "e:" + newcomers["email"],
                                 np.where(newcomers["member_id"] != "", "i:" + newcomers["member_id"], "n:" + att_names[newcomers.index]))
    first = newcomers.drop_duplicates("_key")
    new_ids = _newcomer_ids(first, members, filename, problems)
    key_to_id = dict(zip(first["_key"], new_ids, strict=True))
    member_id.loc[newcomers.index] = newcomers["_key"].map(key_to_id)
    added = pd.DataFrame({
        "member_id": new_ids.values, "name": first["name"].values, "email": first["email"].values,
        ROW_COLUMN: first[ROW_COLUMN].values,
    })
    if has_members_file and not added.empty:
        problems.add_many(filename, first, "email", first["email"].where(first["email"] != "", first["name"]),
                          "not in the members file: added as a member from this attendance export")
    return member_id, added


def _ids_at(ids: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``ids[at]`` (object), "" where ``at`` is -1."""
    out = np.full(len(at), "", dtype=object)
    hit = at >= 0
    out[hit] = ids[at[hit]]
    return out


def _newcomer_ids(first: pd.DataFrame, members: pd.DataFrame, filename: str, problems: Problems) -> pd.Series:
    """An id for each person found only in attendance: the export's own when it is free,
    else a new one; two people the export gives one id keep it apart (and it is listed)."""
    given = first["member_id"].tolist()
    taken = set(members["member_id"].tolist()) | {i for i in given if i}
    spare = (f"A{n:05d}" for n in itertools.count(len(members) + 1) if f"A{n:05d}" not in taken)
    owner: dict[str, int] = {}
    ids = []
    for pos, (given_id, row) in enumerate(zip(given, first[ROW_COLUMN].tolist(), strict=True)):
        if not given_id:
            ids.append(next(spare))
        elif given_id in owner:
            own, k = f"{given_id}-{row}", 2
            while own in taken:
                own, k = f"{given_id}-{row}-{k}", k + 1
            taken.add(own)
            ids.append(own)
            earlier = first.iloc[owner[given_id]]
            problems.add(filename, row, "member id", first["email"].iloc[pos] or first["name"].iloc[pos],
                         f"member id {given_id} is also given to {earlier['email'] or earlier['name']} on row "
                         f"{earlier[ROW_COLUMN]}: kept as two people, this one as {own}")
        else:
            owner[given_id] = pos
            ids.append(given_id)
    return pd.Series(ids, index=first.index, dtype=object)


def best_of_each(group: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Ascending positions of the highest-ranked row of each group, the earliest among equals
    (a hash and a scatter, not a sort of a million rows)."""
    codes, uniques = pd.factorize(group)
    n = len(group)
    score = np.int64(rank.max(initial=0)) - rank  # lower is better, then earlier: one score per row
    score *= n
    score += np.arange(n)
    best = np.full(len(uniques), np.iinfo(np.int64).max)
    np.minimum.at(best, codes, score)
    return np.flatnonzero(best[codes] == score)
