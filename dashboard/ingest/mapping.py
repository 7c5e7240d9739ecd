"""Map an organiser's headers to canonical fields.

Headers are compared after folding case, accents and punctuation; exact
synonyms win, then the wording of known questions (Google Forms' long
questions, the UCLA-3 and ONS loneliness items), then typo-tolerant matching
with rapidfuzz. The organiser's overrides always win.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from dashboard.ingest.read import ROW_COLUMN

IGNORE = "(ignore)"

#: field -> exact synonyms (already normalised by ``normalise_header``)
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "members": {
        "member_id": ("member id", "user id", "id", "member number", "membership number", "participant id", "person id", "userid", "memberid"),
        "name": ("name", "full name", "your name", "member name", "member", "display name", "participant", "person", "attendee name", "nom", "nombre", "naam", "nome"),
        "first_name": ("first name", "firstname", "given name", "forename", "first"),
        "last_name": ("last name", "lastname", "surname", "family name", "last"),
        "email": ("email", "email address", "e mail", "e mail address", "your email", "email id", "mail", "contact email", "courriel", "correo"),
        "city": ("city", "town", "location", "town city", "city town", "where do you live", "home city", "hometown", "area", "place", "your city", "city of residence", "ville", "ciudad", "stadt"),
        "country": ("country", "country of residence", "nation"),
        "joined_on": ("joined", "joined on", "joined group on", "join date", "date joined", "signed up", "sign up date", "signup date", "timestamp", "registration date", "member since", "created", "created at", "date"),
        "moved_on": ("moved", "moved on", "move date", "date moved", "moved to city", "when did you move", "moved here", "arrived"),
        "interests": ("interests", "interest", "hobbies", "what are you into", "topics", "likes"),
        "role": ("role", "member role", "type", "member type", "position", "title"),
        "ucla_companionship": ("lack companionship", "ucla companionship", "ucla 1", "ucla1"),
        "ucla_left_out": ("left out", "ucla left out", "ucla 2", "ucla2"),
        "ucla_isolated": ("isolated", "isolated from others", "ucla isolated", "ucla 3", "ucla3"),
        "ons_lonely": ("lonely", "how often do you feel lonely", "ons lonely", "loneliness"),
        "agg_events_attended": ("meetups attended", "events attended", "attended", "total attended", "times attended"),
        "agg_last_attended": ("last attended", "last attended on", "last event", "last visit", "last seen"),
        "agg_no_shows": ("no shows", "noshows", "no show", "no show count"),
        "agg_rsvps": ("rsvped yes", "rsvps", "rsvp yes", "total rsvps"),
    },
    "events": {
        "event_id": ("event id", "id", "event number", "eventid", "event code", "code"),
        "title": ("title", "event", "event name", "name", "event title", "what"),
        "starts_at": ("date", "starts at", "start", "start date", "event date", "when", "date time", "datetime", "start time", "starts", "event start date", "date and time"),
        "city": ("city", "town", "location", "place", "where", "event city"),
        "venue": ("venue", "venue name", "address", "location name", "place name"),
        "online": ("online", "virtual", "is online", "online event", "format"),
    },
    "attendance": {
        "member_id": ("member id", "user id", "attendee id", "participant id", "userid", "memberid", "person id"),
        "event_id": ("event id", "eventid", "event number", "event code"),
        "event_title": ("event name", "event", "event title", "title", "meetup", "session"),
        "event_date": ("event date", "date", "event start date", "starts at", "event start"),
        "name": ("name", "full name", "attendee", "attendee name", "member", "member name", "participant", "guest"),
        "first_name": ("first name", "firstname", "given name", "forename"),
        "last_name": ("last name", "lastname", "surname", "family name"),
        "email": ("email", "email address", "e mail", "attendee email", "buyer email", "mail"),
        "status": ("status", "attendee status", "rsvp", "rsvp status", "response", "attendance", "attended", "check in status", "ticket status"),
        "checked_in": ("checked in", "check in", "checkin", "checked in date", "check in date", "attended on"),
        "registered_on": ("order date", "registration date", "rsvp date", "booked on", "registered on"),
    },
}

#: wording of known long questions: field -> regexes over the normalised header
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "members": {
        "ucla_companionship": (r"lack companionship",),
        "ucla_left_out": (r"left out",),
        "ucla_isolated": (r"isolated",),
        "ons_lonely": (r"feel lonely", r"\blonely\b"),
        "moved_on": (r"when did you move", r"\bmoved?\b.*\b(city|town|here|area)\b", r"\bmove\b"),
        "city": (r"\b(town|city)\b", r"where do you live", r"\blocation\b"),
        "email": (r"\be ?mail\b",),
        "interests": (r"\binterest", r"\binto\b", r"\bhobbies\b"),
        "name": (r"\bname\b",),
        "joined_on": (r"\bjoined\b", r"\btimestamp\b"),
    },
    "events": {},
    "attendance": {"email": (r"\be ?mail\b",)},
}

#: fields each file kind must have to be usable (one group of alternatives)
IDENTITY_FIELDS = {
    "members": ("member_id", "email", "name", "first_name"),
    "events": ("event_id", "title", "starts_at"),
    "attendance": ("member_id", "email", "name", "first_name"),
}

FIELD_LABELS = {
    "member_id": "member id",
    "joined_on": "joined on",
    "moved_on": "moved to their city on",
    "ucla_companionship": "UCLA-3: lacks companionship",
    "ucla_left_out": "UCLA-3: feels left out",
    "ucla_isolated": "UCLA-3: feels isolated",
    "ons_lonely": "ONS: how often lonely",
    "agg_events_attended": "Meetup: events attended",
    "agg_last_attended": "Meetup: last attended",
    "agg_no_shows": "Meetup: no-shows",
    "agg_rsvps": "Meetup: RSVPs",
    "starts_at": "starts at",
    "event_title": "event name",
    "event_date": "event date",
    "checked_in": "checked in",
    "registered_on": "registered on",
}

DATE_FIELDS = ("joined_on", "moved_on", "agg_last_attended", "starts_at", "event_date", "registered_on")


def normalise_header(text: str) -> str:
    """Fold case, accents and punctuation: 'E-mail Address:' -> 'e mail address'."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    folded = re.sub(r"\(\d+\)$", "", folded.strip())
    return re.sub(r"[^a-z0-9]+", " ", folded.casefold()).strip()


@dataclass(frozen=True)
class ColumnMatch:
    """One header mapped to one field, with how it was decided."""

    column: str
    field: str
    how: str  # exact | wording | fuzzy | yours
    score: float


def fields_for(kind: str) -> tuple[str, ...]:
    """The fields a file of this kind can fill."""
    return tuple(SYNONYMS[kind])


def suggest_mapping(columns: list[str], kind: str, overrides: dict[str, str] | None = None) -> list[ColumnMatch]:
    """Decide which column fills which field; overrides (column -> field or IGNORE) win.

    ``columns`` are a file's headers as the reader gives them (never its own ``ROW_COLUMN``:
    a file's column of that name is renamed on reading)."""
    overrides = dict(overrides or {})
    synonyms = SYNONYMS[kind]
    candidates: list[ColumnMatch] = []
    flat = [(w, f) for f, ws in synonyms.items() for w in ws if len(w) >= 4]  # for typo matching
    typo_words = [w for w, _ in flat]
    for column in columns:
        if column in overrides:
            continue
        norm = normalise_header(column)
        if not norm:
            continue
        for fieldname, words in synonyms.items():
            if norm in words or norm == fieldname.replace("_", " "):
                candidates.append(ColumnMatch(column, fieldname, "exact", 100.0))
        for fieldname, patterns in KEYWORDS[kind].items():
            if any(re.search(p, norm) for p in patterns):
                # earlier patterns are more specific: the UCLA items mention "feel"
                candidates.append(ColumnMatch(column, fieldname, "wording", 90.0 - list(KEYWORDS[kind]).index(fieldname) * 0.1))
        # typos: one edit (a swap counts as one) in short words, two in long ones
        allowed = 1 if len(norm) <= 6 else 2
        best = process.extractOne(norm, typo_words, scorer=DamerauLevenshtein.distance, score_cutoff=allowed)
        if best is not None and best[1] > 0:
            candidates.append(ColumnMatch(column, flat[best[2]][1], "fuzzy", 80.0 - 5 * float(best[1])))
    chosen: list[ColumnMatch] = [
        ColumnMatch(c, f, "yours", 100.0) for c, f in overrides.items() if f != IGNORE and c in columns
    ]
    taken_fields = {m.field for m in chosen}
    taken_columns = set(overrides)
    for match in sorted(candidates, key=lambda m: (-m.score, columns.index(m.column))):
        if match.field in taken_fields or match.column in taken_columns:
            continue
        chosen.append(match)
        taken_fields.add(match.field)
        taken_columns.add(match.column)
    # first + last name make a name; a bare "name" stays the better choice
    return sorted(chosen, key=lambda m: columns.index(m.column))


def apply_mapping(frame: pd.DataFrame, matches: list[ColumnMatch]) -> pd.DataFrame:
    """A frame with one column per mapped field (strings) plus the source row number.

    The cells are as the reader gives them: strings, already stripped. When the organiser
    points two columns at one field ("City", "Other city"), the later fills the gaps of the
    earlier (``shared_field_notes`` says so).
    """
    out = pd.DataFrame(index=frame.index)
    for m in matches:
        values = frame[m.column].fillna("").astype(str)
        out[m.field] = out[m.field].where(out[m.field] != "", values) if m.field in out else values
    if "name" not in out and ("first_name" in out or "last_name" in out):
        first = out.get("first_name", pd.Series("", index=out.index))
        last = out.get("last_name", pd.Series("", index=out.index))
        out["name"] = (first + " " + last).str.strip()
    out[ROW_COLUMN] = frame[ROW_COLUMN] if ROW_COLUMN in frame else range(2, len(frame) + 2)
    return out


def shared_field_notes(frame: pd.DataFrame, matches: list[ColumnMatch]) -> tuple[str, ...]:
    """A note for each field that several columns fill: which one is read first, and on
    how many rows a later column's different value went unused."""
    columns: dict[str, list[str]] = {}
    for m in matches:
        columns.setdefault(m.field, []).append(m.column)
    notes = []
    for fieldname, cols in columns.items():
        if len(cols) < 2:
            continue
        cells = [frame[c].fillna("").astype(str) for c in cols]
        used = cells[0]
        unused = pd.Series(False, index=frame.index)
        for later in cells[1:]:
            unused |= (used != "") & (later != "") & (later != used)
            used = used.where(used != "", later)
        label = FIELD_LABELS.get(fieldname, fieldname.replace("_", " "))
        note = f"{len(cols)} columns fill {label}: " + ", then ".join(repr(c) for c in cols) + " where the one before is empty."
        if unused.any():
            rows = frame[ROW_COLUMN] if ROW_COLUMN in frame else pd.Series(range(2, len(frame) + 2), index=frame.index)
            note += (f" On {int(unused.sum())} row(s) a later column says something else and was not used"
                     f" (first on row {int(rows[unused].iloc[0])}).")
        notes.append(note)
    return tuple(notes)


def missing_identity(matches: list[ColumnMatch], kind: str) -> bool:
    """True when no column could identify a record of this kind."""
    fields = {m.field for m in matches}
    return not fields.intersection(IDENTITY_FIELDS[kind])
