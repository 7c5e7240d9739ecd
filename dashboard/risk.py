"""Connection risk: who might welcome a friendly check-in, and why.

These are prompts for a check-in, never a diagnosis. Attendance data can only
show *isolation risk* (someone who stopped coming, never came, or has nobody
nearby); only the survey questions measure how someone *feels*.

Each signal is a small pure vectorised function returning a ``Signal``: a
boolean Series ``fired`` and a Series ``reason`` of plain neutral words ("" when
not fired), both indexed by member_id. ``connection_risk`` adds the weights of
the fired signals (``settings.weights``, capped at 100) and sorts members into
``low | medium | high`` tiers (``settings.risk_medium`` / ``risk_high``).

Signals (thresholds are settings):

* ``self_reported`` – UCLA-3 total of ``ucla_lonely_min`` (6) to 9, only when all
  three items are answered (``score_survey_answer``); or the ONS question "How
  often do you feel lonely?" answered often/always.
* ``newcomer`` – moved to their city within ``newcomer_months`` (12) of as_of
  (inclusive: exactly 12 months ago still counts; a move after as_of doesn't).
* ``never_came`` – no events on record and signed up ``never_attended_days``
  (30) or more days ago, or sign-up date unknown.
* ``came_once`` – exactly one event, ``came_once_days`` (60) or more days ago.
* ``lapsed`` – two or more events and nothing for ``lapsed_days`` (180) or more
  (one event is ``came_once``, so the same silence isn't counted twice).
* ``drifting`` – against their own rhythm (see ``dashboard.engagement``), not
  when already lapsed.
* ``no_repeat_ties`` – ``no_repeat_ties_min_events`` (3) or more events but never
  twice with the same person (``repeat_ties == 0`` in ``tie_stats``).
* ``far_from_group`` – has coordinates, no other member within
  ``member_radius_km`` (25) and no in-person event within ``event_radius_km``
  (50). When events carry no coordinates at all, only the member rule applies.

Signals that need the attendance log (drifting, no repeat ties) don't fire for
members known only from Meetup totals. Repeat ties come from ``dashboard.ties``,
the same ties the Introductions page and the buddies use.
"""

from __future__ import annotations

import gc
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from dashboard import engagement as eng
from dashboard import ties
from dashboard.days import DAYS_PER_MONTH, NAT_DAY, as_of_day, date_days, day_numbers
from dashboard.distance import distinct_points, nearest_other_place_km, nearest_within
from dashboard.filters import city_labels
from dashboard.geo import NO_CITY_LABEL, junk_reason
from dashboard.model import Community
from dashboard.settings import Settings
from dashboard.words import plural

#: risk tiers, lowest first (``settings.risk_medium`` / ``risk_high`` are where they start)
TIERS: tuple[str, ...] = ("low", "medium", "high")
#: the tiers that might welcome a check-in: the check-in list, the Overview, buddies, meetups
AT_RISK_TIERS: tuple[str, ...] = ("medium", "high")
#: what each tier is called on the pages and in charts (medium is someone to keep an eye on,
#: not the week's list), so a tier never rests on its colour alone
TIER_LABELS: dict[str, str] = {"high": "High", "medium": "Keep an eye on", "low": "Low"}

RISK_FRAMING: str = (
    "This list is a prompt for a friendly check-in, not a measure of loneliness. "
    "Attendance, distance and sign-up dates can only hint at isolation risk: someone "
    "who stopped coming may simply be busy. Only the survey questions (UCLA-3, ONS) "
    "measure how someone feels, and only when they chose to answer. Each row says "
    "which signals fired, in plain words, so you can decide whether a hello, an "
    "invitation or an introduction would be welcome."
)

#: survey questions (member columns) and the words used in reasons
UCLA_ITEMS: tuple[str, ...] = ("ucla_companionship", "ucla_left_out", "ucla_isolated")
ONS_ITEM: str = "ons_lonely"
SURVEY_COLUMNS: tuple[str, ...] = UCLA_ITEMS + (ONS_ITEM,)

#: normalised answer -> score on the UCLA-3 scale (1 hardly ever .. 3 often).
#: Answers are lower-cased, trimmed, inner spaces collapsed, spaces around "/"
#: removed, trailing "." dropped and a leading "3 - " / "2." style code stripped.
#: ONS wording maps onto the same three steps: "Occasionally" says the feeling
#: does occur, so it counts as "Some of the time"; "Never" counts as "Hardly ever".
SURVEY_SCORES: dict[str, int] = {
    "hardly ever": 1,
    "hardly ever or never": 1,
    "hardly ever/never": 1,
    "never": 1,
    "rarely": 1,
    "almost never": 1,
    "some of the time": 2,
    "sometimes": 2,
    "occasionally": 2,
    "often": 3,
    "often or always": 3,
    "often/always": 3,
    "always": 3,
}


class Signal(NamedTuple):
    """A fired mask and its reasons, both indexed by member_id."""

    fired: pd.Series
    reason: pd.Series


def _signal(index: pd.Index, fired: np.ndarray, reason: np.ndarray | None = None) -> Signal:
    """A Signal from arrays aligned with ``index`` (reasons blanked where not fired)."""
    fired = np.asarray(fired, dtype=bool)
    text = np.full(len(index), "", dtype=object)
    if reason is not None:
        text[fired] = np.asarray(reason, dtype=object)[fired]
    # object dtype: the reasons are joined per member later, converting each is waste
    return Signal(pd.Series(fired, index=index, name="fired"), pd.Series(text, index=index, dtype=object))


def _ids(members: pd.DataFrame) -> pd.Index:
    """members' ids as the result index."""
    return pd.Index(members["member_id"].astype("str"), name="member_id")


def _metric(metrics: pd.DataFrame, name: str) -> np.ndarray:
    """A metrics column as float64 (NaN for missing)."""
    return metrics[name].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)


def humanise_days(days: float) -> str:
    """'5 days', '6 weeks', '3 months', '2 years' (rounded to the nearest unit)."""
    days = max(int(days), 0)
    if days < 14:
        return plural(days, "day")
    if days < 56:
        return plural(round(days / 7), "week")
    if days < 730:
        return plural(round(days / DAYS_PER_MONTH), "month")
    return plural(days // (12 * DAYS_PER_MONTH), "year")


def _month_year(days: np.ndarray) -> np.ndarray:
    """'September 2026' for day numbers (formatted once per distinct day)."""
    return eng.format_by_value(days, lambda d: pd.Timestamp(int(d), unit="D").strftime("%B %Y"))


# --- survey ---------------------------------------------------------------------


def normalise_answer(text: str) -> str:
    """An answer as compared with SURVEY_SCORES (see there)."""
    t = re.sub(r"\s+", " ", str(text).strip().lower())
    t = re.sub(r"^\d+\s*[-=:.)]\s*", "", t)
    t = re.sub(r"\s*/\s*", "/", t).strip(" .!\"'")
    return t


def score_survey_answer(text: str | None) -> int | None:
    """The UCLA-3 step (1–3) of an answer, or None when blank or not recognised."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    return SURVEY_SCORES.get(normalise_answer(text))


def _scores(answers: pd.Series) -> np.ndarray:
    """Scores as float (NaN for blank/unknown), computed once per distinct answer."""
    codes, uniq = pd.factorize(answers, use_na_sentinel=True)
    lut = np.array([np.nan if (s := score_survey_answer(u)) is None else s for u in uniq] + [np.nan])
    return lut[codes]  # code -1 (missing) picks the trailing NaN


def unknown_survey_answers(members: pd.DataFrame) -> pd.DataFrame:
    """Non-blank survey answers that are not in SURVEY_SCORES: question, answer, members."""
    rows = []
    for col in SURVEY_COLUMNS:
        if col not in members.columns:
            continue
        values = members[col].fillna("").astype("str")
        counts = values.loc[values.str.strip() != ""].value_counts()
        for answer, n in counts.items():
            if score_survey_answer(answer) is None:
                rows.append({"question": col, "answer": answer, "members": int(n)})
    out = pd.DataFrame(rows, columns=["question", "answer", "members"])
    return out.sort_values(["question", "members", "answer"], ascending=[True, False, True], ignore_index=True)


def _ucla_item_scores(members: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each UCLA-3 item's scores (NaN when blank or unknown; all NaN when the column is absent)."""
    return {
        c: _scores(members[c]) if c in members.columns else np.full(len(members), np.nan) for c in UCLA_ITEMS
    }


def ucla_totals(members: pd.DataFrame) -> np.ndarray:
    """UCLA-3 total 3–9 per member; NaN unless all three items are answered and known."""
    return _items_total(_ucla_item_scores(members), len(members))


def _items_total(item: dict[str, np.ndarray], n: int) -> np.ndarray:
    """The items' scores added up per member (NaN where any is NaN)."""
    total = np.zeros(n)
    for scores in item.values():
        total = total + scores
    return total


def self_reported(members: pd.DataFrame, settings: Settings) -> Signal:
    """UCLA-3 total at or above ucla_lonely_min (all three answered), or ONS often/always."""
    idx = _ids(members)
    n = len(members)
    item = _ucla_item_scores(members)
    total = _items_total(item, n)
    with np.errstate(invalid="ignore"):
        ucla = total >= settings.ucla_lonely_min
    ons = (_scores(members[ONS_ITEM]) == 3) if ONS_ITEM in members.columns else np.zeros(n, bool)
    reason = np.full(n, "", dtype=object)
    rows = np.flatnonzero(ucla)
    if len(rows):
        phrase = np.select(
            [item["ucla_isolated"][rows] == 3, item["ucla_left_out"][rows] == 3,
             item["ucla_companionship"][rows] == 3],
            ["often feel isolated from others", "often feel left out", "often feel they lack companionship"],
            "feel left out or isolated some of the time",
        ).astype(object)
        reason[rows] = "Said they " + phrase + eng.format_by_value(total[rows], lambda t: f" (UCLA-3: {t:.0f} of 9)")
    both = ucla & ons
    reason[both] = reason[both] + " and that they feel lonely often or always (ONS question)"
    only_ons = ons & ~ucla
    reason[only_ons] = "Said they feel lonely often or always (ONS question)"
    return _signal(idx, ucla | ons, reason)


# --- life events and attendance ---------------------------------------------------


def _city_words(members: pd.DataFrame) -> np.ndarray:
    """The member's city for sentences (';' replaced so reasons stay '; '-separable); "their
    city" when they gave none, or an answer that is no place ("Online only", "n/a")."""
    label = members["city_label"] if "city_label" in members.columns else members["city"]
    label = label.reset_index(drop=True)
    label = label.fillna("").astype("str").str.strip()
    raw = members["city"].reset_index(drop=True).fillna("").astype("str").str.strip() if "city" in members.columns else label
    words = label.where((label != "") & (label != NO_CITY_LABEL), raw)
    codes, texts = pd.factorize(raw)
    no_place = np.array([bool(t) and bool(junk_reason(t)) for t in texts], dtype=bool)[codes]
    words = words.where(~no_place, "")
    words = words.where(words != "", "their city").str.replace(";", ",")
    return words.to_numpy(dtype=object)


def newcomer(members: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Signal:
    """Moved to their city within newcomer_months of as_of (inclusive), not after it."""
    idx = _ids(members)
    if "moved_on" not in members.columns:
        return _signal(idx, np.zeros(len(members), bool))
    today = as_of_day(as_of)
    since = as_of_day(pd.Timestamp(as_of).normalize() - pd.DateOffset(months=settings.newcomer_months))
    moved = day_numbers(members["moved_on"])
    fired = (moved != NAT_DAY) & (moved >= since) & (moved <= today)
    reason = np.full(len(members), "", dtype=object)
    if fired.any():
        reason[fired] = "Moved to " + _city_words(members.loc[fired]) + " in " + _month_year(moved[fired])
    return _signal(idx, fired, reason)


def never_came(members: pd.DataFrame, metrics: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> Signal:
    """No events on record and signed up never_attended_days+ ago (or sign-up date unknown)."""
    idx = _ids(members)
    events = _metric(metrics.reindex(idx), "events_attended")
    joined = date_days(members, "joined_on")
    known = joined != NAT_DAY
    since = as_of_day(as_of) - joined
    fired = (events == 0) & (~known | (since >= settings.never_attended_days))
    reason = np.full(len(members), "Hasn't been to an event yet (sign-up date not known)", dtype=object)
    sel = fired & known
    reason[sel] = eng.format_by_value(
        since[sel], lambda d: f"Signed up {humanise_days(d)} ago and hasn't been to an event yet"
    )
    return _signal(idx, fired, reason)


def came_once(metrics: pd.DataFrame, settings: Settings) -> Signal:
    """Exactly one event, came_once_days or more ago."""
    events = _metric(metrics, "events_attended")
    since = _metric(metrics, "days_since_last")
    with np.errstate(invalid="ignore"):
        fired = (events == 1) & (since >= settings.came_once_days)
    reason = np.full(len(metrics), "", dtype=object)
    reason[fired] = eng.format_by_value(since[fired], lambda d: f"Came once, {humanise_days(d)} ago, and not since")
    return _signal(metrics.index, fired, reason)


def lapsed(metrics: pd.DataFrame, settings: Settings) -> Signal:
    """Two or more events (or Meetup totals without a count) and nothing for lapsed_days+."""
    events = _metric(metrics, "events_attended")
    since = _metric(metrics, "days_since_last")
    last = day_numbers(metrics["last_attended_on"])
    with np.errstate(invalid="ignore"):
        fired = ((events >= 2) | np.isnan(events)) & (since >= settings.lapsed_days)
    reason = np.full(len(metrics), "", dtype=object)
    if fired.any():
        counted = fired & ~np.isnan(events)
        reason[fired] = "Came"
        reason[counted] = eng.format_by_value(events[counted], lambda n: f"Came {plural(n, 'time')}")
        reason[fired] = reason[fired] + " until " + _month_year(last[fired]) + ", nothing since"
    return _signal(metrics.index, fired, reason)


def drifting(metrics: pd.DataFrame, settings: Settings) -> Signal:
    """Against their own rhythm (engagement's rule), and not already lapsed."""
    since = _metric(metrics, "days_since_last")
    gap = _metric(metrics, "median_gap_days")
    last90 = _metric(metrics, "attended_last_90")
    prev90 = _metric(metrics, "attended_prev_90")
    either, gap_rule, _ = eng.drifting_mask(
        _metric(metrics, "events_attended"), since, last90, prev90, gap, settings
    )
    with np.errstate(invalid="ignore"):
        fired = either & ~(since >= settings.lapsed_days) & (metrics["metrics_source"] == eng.SOURCE_LOG).to_numpy()
    reason = np.full(len(metrics), "", dtype=object)
    by_gap = fired & gap_rule
    reason[by_gap] = eng.format_by_value(gap[by_gap], lambda g: f"Usually comes every {humanise_days(g)}") + \
        eng.format_by_value(since[by_gap], lambda d: f", last came {humanise_days(d)} ago")
    by_window = fired & ~gap_rule
    w = settings.active_window_days
    reason[by_window] = eng.format_by_value(
        last90[by_window], lambda a: f"Came {plural(a, 'time')} in the last {plural(w, 'day')}"
    ) + eng.format_by_value(prev90[by_window], lambda b: f", down from {b:.0f} in the {w} before")
    return _signal(metrics.index, fired, reason)


def no_repeat_ties(metrics: pd.DataFrame, tie_stats: pd.DataFrame, settings: Settings) -> Signal:
    """no_repeat_ties_min_events+ events but repeat_ties == 0 (unknown repeat ties never fire)."""
    events = _metric(metrics, "events_attended")
    repeat = (
        tie_stats["repeat_ties"].reindex(metrics.index).astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    )
    log = (metrics["metrics_source"] == eng.SOURCE_LOG).to_numpy()
    with np.errstate(invalid="ignore"):
        fired = log & (events >= settings.no_repeat_ties_min_events) & (repeat == 0)
    reason = np.full(len(metrics), "", dtype=object)
    reason[fired] = eng.format_by_value(
        events[fired], lambda n: f"Came to {plural(n, 'event')} but hasn't met anyone there twice"
    )
    return _signal(metrics.index, fired, reason)


# --- geography ----------------------------------------------------------------------


def _coords(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """lat, lon as float arrays (NaN when missing)."""
    if "lat" not in frame.columns or "lon" not in frame.columns:
        return np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    return (
        pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan),
        pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan),
    )


def far_from_group(members: pd.DataFrame, events: pd.DataFrame, settings: Settings) -> Signal:
    """No other member within member_radius_km and no in-person event within event_radius_km."""
    idx = _ids(members)
    n = len(members)
    lat, lon = _coords(members)
    placed = np.isfinite(lat) & np.isfinite(lon)
    fired = np.zeros(n, bool)
    reason = np.full(n, "", dtype=object)
    if not placed.any():
        return _signal(idx, fired)
    # most members share a few hundred places: work on distinct coordinates
    pts, inverse = distinct_points(lat[placed], lon[placed])
    nearest = nearest_other_place_km(pts, np.bincount(inverse, minlength=len(pts)))
    alone = nearest > settings.member_radius_km
    event_checked = "lat" in events.columns and "lon" in events.columns
    no_event = np.ones(len(pts), bool)
    if event_checked:
        elat, elon = _coords(events)
        online = events["online"].fillna(False).astype(bool).to_numpy() if "online" in events.columns else False
        ok = np.isfinite(elat) & np.isfinite(elon) & ~online
        if ok.any():
            km, _ = nearest_within(pts[:, 0], pts[:, 1], elat[ok], elon[ok], settings.event_radius_km)
            no_event = km > settings.event_radius_km
    far_pt = alone & no_event
    fired[placed] = far_pt[inverse]
    nearest_text = eng.format_by_value(
        nearest, lambda d: "No other member has a known location" if np.isinf(d)
        else f"Nearest other member is {d:.0f} km away"
    )
    event_text = f", no in-person event within {settings.event_radius_km:g} km" if event_checked else ""
    member_reason = nearest_text + event_text
    placed_pos = np.flatnonzero(placed)
    reason[placed_pos] = member_reason[inverse]
    return _signal(idx, fired, reason)


# --- next step -------------------------------------------------------------------------


def _event_text(events: pd.DataFrame) -> np.ndarray:
    """'Title – Sat 12 Sep 2026, Leeds' per event row (object array)."""
    title = events["title"].fillna("").astype("str").str.replace(";", ",").to_numpy(dtype=object)
    when = eng.format_by_value(
        day_numbers(events["starts_at"]), lambda d: pd.Timestamp(int(d), unit="D").strftime("%a %d %b %Y")
    )
    online = events["online"].fillna(False).astype(bool).to_numpy()
    label = events["city_label"] if "city_label" in events.columns else events["city"]
    place = label.fillna("").astype("str").str.replace(";", ",").to_numpy(dtype=object)
    place = np.where(online, "online", place)
    return title + " – " + when + np.where(place == "", "", ", " + place.astype(object))


def _place_keys(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes into distinct place texts and those texts trimmed and case-folded (-1: missing)."""
    codes, uniq = pd.factorize(values)
    return codes, [str(u).strip().casefold() for u in uniq]


def next_event_for(
    members: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp, radius_km: float = 50.0
) -> pd.Series:
    """The next event after as_of to suggest: in their city, else the nearest in-person
    one within radius_km, else the next online one; "" when there is none."""
    idx = _ids(members)
    n = len(members)
    empty = pd.Series([""] * n, index=idx, dtype="str", name="next_event")
    if events.empty or members.empty:
        return empty
    day = day_numbers(events["starts_at"])
    upcoming = events.loc[(day != NAT_DAY) & (day > as_of_day(as_of))]
    if upcoming.empty:
        return empty
    upcoming = upcoming.sort_values(["starts_at", "event_id"]).reset_index(drop=True)
    online = upcoming["online"].fillna(False).astype(bool).to_numpy()
    city_col = "city_label" if "city_label" in members.columns and "city_label" in events.columns else "city"
    choice = np.full(n, -1, dtype=np.int64)  # row of `upcoming` suggested to each member
    # 1. the soonest in-person event in the same city (one lookup per distinct city)
    ev_codes, ev_keys = _place_keys(upcoming[city_col])
    soonest: dict[str, int] = {}
    for row in np.flatnonzero(~online & (ev_codes >= 0)):
        soonest.setdefault(ev_keys[ev_codes[row]], int(row))
    for unplaced in ("", NO_CITY_LABEL.casefold()):
        soonest.pop(unplaced, None)
    m_codes, m_keys = _place_keys(members[city_col])
    lut = np.array([soonest.get(k, -1) for k in m_keys] + [-1], dtype=np.int64)
    choice = lut[m_codes]
    # 2. the nearest in-person event within radius_km
    lat, lon = _coords(members)
    elat, elon = _coords(upcoming)
    has_ev = ~online & np.isfinite(elat) & np.isfinite(elon)
    todo = (choice < 0) & np.isfinite(lat) & np.isfinite(lon)
    if todo.any() and has_ev.any():
        ev_rows = np.flatnonzero(has_ev)
        _, nearest = nearest_within(lat[todo], lon[todo], elat[ev_rows], elon[ev_rows], radius_km)
        ok = nearest >= 0
        choice[np.flatnonzero(todo)[ok]] = ev_rows[nearest[ok]]
    # 3. the next online event
    if online.any():
        choice[choice < 0] = np.flatnonzero(online)[0]
    texts = np.append(_event_text(upcoming), "")  # choice -1 picks ""
    return pd.Series(texts[choice], index=idx, dtype="str", name="next_event")


# --- the signals, declared once ----------------------------------------------------------


class SignalInputs(NamedTuple):
    """What the signal functions read."""

    members: pd.DataFrame
    metrics: pd.DataFrame  # indexed like members (by member_id)
    tie_stats: pd.DataFrame
    events: pd.DataFrame
    as_of: pd.Timestamp
    settings: Settings


@dataclass(frozen=True)
class RiskSignal:
    """One connection-risk signal: its name (the ``sig_<name>`` column and the weight in
    ``settings.weights``), the words the pages show, and the function that fires it."""

    name: str
    label: str
    compute: Callable[[SignalInputs], Signal]

    def points(self, settings: Settings) -> int:
        """The points it adds to the score under these settings."""
        return int(getattr(settings.weights, self.name))


#: every signal, in the order reasons are listed; the pages' tables, the charts, the weights
#: form and the risk frame's sig_ columns are derived from this list (the default points
#: are ``settings.RiskWeights``, one field per signal, in this order)
RISK_SIGNALS: tuple[RiskSignal, ...] = (
    RiskSignal("self_reported", "Said in the survey they often feel lonely or isolated",
               lambda i: self_reported(i.members, i.settings)),
    RiskSignal("newcomer", "Moved to their city in the last year", lambda i: newcomer(i.members, i.as_of, i.settings)),
    RiskSignal("never_came", "Signed up but hasn't come to an event",
               lambda i: never_came(i.members, i.metrics, i.as_of, i.settings)),
    RiskSignal("came_once", "Came once and not since", lambda i: came_once(i.metrics, i.settings)),
    RiskSignal("lapsed", "Used to come, nothing for months", lambda i: lapsed(i.metrics, i.settings)),
    RiskSignal("drifting", "Coming less than their usual rhythm", lambda i: drifting(i.metrics, i.settings)),
    RiskSignal("no_repeat_ties", "Comes to events but hasn't met anyone twice",
               lambda i: no_repeat_ties(i.metrics, i.tie_stats, i.settings)),
    RiskSignal("far_from_group", "No other member or event nearby",
               lambda i: far_from_group(i.members, i.events, i.settings)),
)
SIGNALS: tuple[str, ...] = tuple(s.name for s in RISK_SIGNALS)
SIGNAL_LABELS: dict[str, str] = {s.name: s.label for s in RISK_SIGNALS}


# --- putting it together ------------------------------------------------------------------


def connection_risk(
    community: Community,
    metrics: pd.DataFrame,
    as_of: pd.Timestamp,
    settings: Settings,
    tie_stats: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per member: sig_<signal> flags, risk_score 0–100, risk_tier, risk_reasons (list),
    risk_reasons_text ("; "-joined) and next_event, indexed by member_id.

    ``tie_stats`` is ``dashboard.ties.member_tie_stats`` of the community's ties (worked
    out here when not given; ``dashboard.analysis`` passes the ones it already has).
    """
    members = community.members
    idx = _ids(members)
    metrics = metrics.reindex(idx)
    if tie_stats is None:
        edges = ties.community_ties(community, as_of, settings.decay_per_month)
        tie_stats = ties.member_tie_stats(edges, members["member_id"])
    inputs = SignalInputs(members, metrics, tie_stats, community.events, as_of, settings)
    signals = {sig.name: sig.compute(inputs) for sig in RISK_SIGNALS}
    score = np.zeros(len(members))
    columns: dict[str, object] = {}
    for sig in RISK_SIGNALS:
        fired = signals[sig.name].fired.to_numpy()
        columns[f"sig_{sig.name}"] = fired
        score += fired * float(sig.points(settings))
    score = np.minimum(score, 100.0)
    tier = np.select([score >= settings.risk_high, score >= settings.risk_medium], ["high", "medium"], "low")
    lists = _reason_lists([signals[name] for name in SIGNALS])
    frame = pd.DataFrame(columns, index=idx)
    frame["risk_score"] = np.rint(score).astype(np.int64)
    frame["risk_tier"] = pd.Categorical(tier, categories=list(TIERS), ordered=True)
    frame["risk_reasons"] = pd.Series(lists, index=idx, dtype=object)
    frame["risk_reasons_text"] = pd.Series(list(map("; ".join, lists)), index=idx, dtype="str")
    frame["next_event"] = next_event_for(members, community.events, as_of, settings.event_radius_km)
    return frame


def _reason_lists(signals: list[Signal]) -> list[list[str]]:
    """Per member, the reasons of the signals that fired, in signal order.

    One boolean-mask gather puts every fired reason in a flat list, member by
    member; each member's list is then a slice of it (no string splitting).
    """
    fired = np.column_stack([sig.fired.to_numpy(dtype=bool) for sig in signals])
    reasons = np.column_stack([sig.reason.to_numpy(dtype=object) for sig in signals])
    flat = reasons[fired].tolist()  # row-major: member by member, signals in order
    bounds = np.concatenate(([0], np.cumsum(fired.sum(axis=1)))).tolist()
    with _gc_paused():
        return list(map(flat.__getitem__, map(slice, bounds[:-1], bounds[1:])))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while making many small lists.

    Each batch of new containers triggers a collection that walks every tracked
    object in the process; for 100k lists that costs several times the work
    itself. Lists of strings make no cycles, so nothing is lost by waiting.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def signal_counts(risk: pd.DataFrame) -> pd.DataFrame:
    """How many members each signal fires for, most first: signal, label, members, share."""
    n = len(risk)
    rows = [
        {
            "signal": name,
            "label": SIGNAL_LABELS[name],
            "members": int(risk[f"sig_{name}"].sum()) if f"sig_{name}" in risk.columns else 0,
        }
        for name in SIGNALS
    ]
    out = pd.DataFrame(rows, columns=["signal", "label", "members"])
    out["share"] = out["members"] / n if n else 0.0
    return out.sort_values(["members", "signal"], ascending=[False, True], ignore_index=True)


def tier_counts(risk: pd.DataFrame) -> dict[str, int]:
    """Members per tier, high first."""
    counts = risk["risk_tier"].astype("str").value_counts()
    return {t: int(counts.get(t, 0)) for t in reversed(TIERS)}


def tier_mix_by_city(members_with_city_label: pd.DataFrame, risk: pd.DataFrame) -> pd.DataFrame:
    """Members per (city, tier), long form: city, risk_tier, members; most at risk first."""
    members = members_with_city_label
    tier = risk["risk_tier"].reindex(members["member_id"].astype("str")).astype("str").to_numpy()
    frame = pd.DataFrame({"city": city_labels(members).to_numpy(), "risk_tier": tier})
    frame = frame.loc[frame["risk_tier"].isin(TIERS)]
    counts = frame.groupby(["city", "risk_tier"]).size().rename("members").reset_index()
    at_risk = counts["members"].where(counts["risk_tier"] != "low", 0).groupby(counts["city"]).transform("sum")
    total = counts.groupby("city")["members"].transform("sum")
    order = pd.Categorical(counts["risk_tier"], categories=list(reversed(TIERS)), ordered=True)
    counts = counts.assign(_risk=at_risk, _total=total, _tier=order).sort_values(
        ["_risk", "_total", "city", "_tier"], ascending=[False, False, True, True]
    )
    return counts.drop(columns=["_risk", "_total", "_tier"]).reset_index(drop=True)
