"""Geocoding a column of city texts: one row per distinct text (``geocode_places``),
the community's main country, and the place columns (lat, lon, place, label) that
members and events get from those rows."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import compress
from operator import not_
from typing import TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
from geopy.geocoders.base import Geocoder

from dashboard.geo import cities
from dashboard.geo.index import PlaceIndex, get_place_index
from dashboard.geo.keys import REASON_NOT_FOUND, city_key, junk_reason, name_key
from dashboard.geo.resolution import LOW_CONFIDENCE_MIN, RESOLVED_MIN, PlaceLookup, Resolution
from dashboard.geo.resolver import Resolver
from dashboard.model import GEOCODE_COLUMNS
from dashboard.settings import Settings

NO_CITY_LABEL = "(no city)"
ONLINE_LABEL = "Online"
#: how far a neighbourhood may be from its city's centre, unless the organiser says otherwise
DEFAULT_REACH_KM: float = Settings().neighbourhood_km
#: what geocodes a column: the offline resolver (or its geopy adapter), or any geopy geocoder
AnyGeocoder: TypeAlias = PlaceLookup | Geocoder


def resolution_row(city_text: str, geocoder: AnyGeocoder, country: str) -> dict:
    """One GEOCODE_COLUMNS row (plus ``address``) for one string."""
    if isinstance(geocoder, PlaceLookup):
        return _offline_row(city_text, geocoder.resolve(city_text, country_bias=country or None), geocoder.index)
    return _foreign_row(city_text, geocoder)


def _offline_row(city_text: str, res: Resolution, ix: PlaceIndex) -> dict:
    """The row for one string the offline geocoder resolved as ``res``."""
    status = res.status
    guesses = "; ".join(ix.short(c) for c in res.candidates) if status != "resolved" else ""
    i = res.place_id
    if i is None or status == "unresolved":
        return {"city_text": city_text, "place": "", "country": "", "lat": np.nan, "lon": np.nan,
                "confidence": round(res.confidence, 3), "status": "unresolved", "reason": res.reason,
                "candidates": guesses, "address": ""}
    return {"city_text": city_text, "place": ix.names[i], "country": ix.cc[i], "lat": ix.lat[i],
            "lon": ix.lon[i], "confidence": round(res.confidence, 3), "status": status,
            "reason": res.reason, "candidates": guesses, "address": ix.describe(i)}


def _foreign_row(city_text: str, geocoder: Geocoder) -> dict:
    """A row from any other geopy geocoder (raw may lack our confidence fields)."""
    empty = {"city_text": city_text, "place": "", "country": "", "lat": np.nan, "lon": np.nan,
             "confidence": 0.0, "status": "unresolved", "reason": REASON_NOT_FOUND, "candidates": "", "address": ""}
    reason = junk_reason(city_text.strip())
    if reason:
        return {**empty, "reason": reason}
    try:
        loc = geocoder.geocode(city_text)
    except Exception as exc:  # noqa: BLE001 - any geocoder failure is a row's reason, never a crash
        return {**empty, "reason": f"geocoder error: {type(exc).__name__}"}
    if loc is None or not valid_point(loc.latitude, loc.longitude):
        return empty
    raw = loc.raw if isinstance(loc.raw, dict) else {}
    conf = float(raw.get("confidence", 0.9))
    status = "resolved" if conf >= RESOLVED_MIN else ("low_confidence" if conf >= LOW_CONFIDENCE_MIN else "unresolved")
    if status == "unresolved":
        return {**empty, "confidence": conf}
    cc = str(raw.get("country_code") or (raw.get("address") or {}).get("country_code", "") or "").upper()
    place = str(raw.get("name") or loc.address.split(",")[0]).strip()
    return {"city_text": city_text, "place": place, "country": cc, "lat": float(loc.latitude),
            "lon": float(loc.longitude), "confidence": round(conf, 3), "status": status,
            "reason": str(raw.get("reason", "found by the geocoder")), "candidates": "", "address": loc.address}


def valid_point(lat: object, lon: object) -> bool:
    """A real coordinate: finite, in range, and not the (0, 0) stand-in (also for online answers)."""
    try:
        la, lo = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isfinite(la) and math.isfinite(lo) and abs(la) <= 90 and abs(lo) <= 180 and (la, lo) != (0.0, 0.0)


def geocode_frame(rows: list[dict]) -> pd.DataFrame:
    columns = list(GEOCODE_COLUMNS) + ["address"]
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("lat", "lon", "confidence"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    for col in columns:
        if col not in ("lat", "lon", "confidence"):
            frame[col] = frame[col].fillna("").astype(str)
    return frame


def texts_of(texts: Iterable[object]) -> list[str]:
    """Stripped strings, missing values as ""."""
    out = []
    for t in texts:
        if isinstance(t, str):
            out.append(t.strip())
        elif t is None or (isinstance(t, float) and math.isnan(t)) or t is pd.NA:
            out.append("")
        else:
            out.append(str(t).strip())
    return out


def text_codes(values: Iterable[object]) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, distinct)`` with ``distinct[codes]`` equal to ``texts_of(values)``: each
    distinct value is stripped once, which matters for a column of 100k members."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, raw = pd.factorize(series)  # missing values get -1: the "" appended below
    stripped = np.array([*texts_of(raw), ""], dtype=object)
    final, distinct = pd.factorize(stripped)
    return final[codes], np.asarray(distinct, dtype=object)


def geocode_places(texts: Iterable[object], geocoder: AnyGeocoder | None = None, country: str = "",
                   members: Mapping[str, int] | None = None) -> pd.DataFrame:
    """One row per distinct stripped city text (GEOCODE_COLUMNS + ``address``); each
    case/space variant is geocoded once. Empty texts get no row.

    ``members``: how many members typed each city key; given, a name several places
    share goes to the one near where the members are (offline geocoding only)."""
    geocoder = geocoder if geocoder is not None else Resolver(country)
    stripped = texts_of(texts)
    distinct = list(dict.fromkeys(t for t in stripped if t))
    keys = [city_key(t) for t in distinct]
    first = dict(zip(reversed(keys), reversed(distinct)))  # city key -> its first spelling, geocoded
    if isinstance(geocoder, PlaceLookup):  # all at once: whole names take the batch fast path
        ix = geocoder.index
        weights = None if members is None else [members.get(key, 0) for key in first]
        batch = geocoder.resolve_many(list(first.values()), country.upper() or None, weights)
        by_key = {key: _offline_row(text, batch[i], ix) for i, (key, text) in enumerate(first.items())}
    else:
        by_key = {key: _foreign_row(text, geocoder) for key, text in first.items()}
    return geocode_frame([{**by_key[key], "city_text": text} for key, text in zip(keys, distinct)])


def main_country(texts: Iterable[object], geocoder: AnyGeocoder | None = None) -> str:
    """The most common country among strings that resolve unambiguously ("" if none).

    Strings are tried most common first, and the count stops once the leader can no
    longer be caught by the strings left: a long tail of one-off typos is never resolved
    just to lose the vote.
    """
    geocoder = geocoder if geocoder is not None else Resolver()
    codes, distinct = text_codes(texts)
    per_text = np.bincount(codes, minlength=len(distinct)) if len(codes) else np.zeros(len(distinct), dtype=np.int64)
    return main_country_of_counts(key_counts(distinct, per_text.tolist()), geocoder)


def key_counts(texts: Iterable[str], counts: Iterable[int]) -> Counter[str]:
    """How many times each city key was typed, from stripped texts and their counts."""
    out: Counter[str] = Counter()
    for text, n in zip(texts, counts, strict=True):
        if n:
            out[city_key(text)] += n
    out.pop("", None)
    return out


def main_country_of_counts(counts: Counter[str], geocoder: AnyGeocoder) -> str:
    """``main_country`` of the texts counted by city key in ``counts``."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    votes: Counter[str] = Counter()
    left = sum(counts.values())
    for start in range(0, len(ordered), 256):
        chunk = ordered[start:start + 256]
        if isinstance(geocoder, PlaceLookup):
            batch = geocoder.resolve_many([key for key, _ in chunk], country_bias="")
            for (_, n), res in zip(chunk, batch, strict=True):
                if res.place_id is not None and res.confidence >= 0.9:
                    votes[geocoder.index.cc[res.place_id]] += n
        else:
            for key, n in chunk:
                row = _foreign_row(key, geocoder)
                if row["status"] == "resolved" and row["country"]:
                    votes[row["country"]] += n
        left -= sum(n for _, n in chunk)
        top = sorted(votes.values(), reverse=True)[:2] + [0, 0]
        if top[0] > top[1] + left:
            break
    if not votes:
        return ""
    return min(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _labels(geocodes: pd.DataFrame) -> dict[str, str]:
    """city_key -> label: the place name, disambiguated when two places share one."""
    placed = geocodes[geocodes["status"].isin(["resolved", "low_confidence", "manual"]) & (geocodes["place"] != "")]
    if placed.empty:
        return {}
    address = placed["address"].fillna("") if "address" in placed else pd.Series("", index=placed.index)
    spot = placed["lat"].round(2).astype(str) + "," + placed["lon"].round(2).astype(str)
    # a place name found at one spot is its own label; only shared names need more
    spots = pd.DataFrame({"place": placed["place"], "spot": spot})
    alone = (spots.groupby("place", sort=False)["spot"].transform("nunique") == 1).tolist()
    keys = [city_key(t) for t in placed["city_text"].tolist()]
    places = placed["place"].tolist()
    labels: dict[str, str] = dict(zip(compress(keys, alone), compress(places, alone), strict=True))
    if all(alone):
        return labels
    # the few shared names row by row, in plain lists (as ``groupby(sort=False)`` orders
    # them: by first appearance; missing names belong to no group)
    spots, addresses, countries = spot.tolist(), address.tolist(), placed["country"].tolist()
    groups: dict[str, list[int]] = {}
    for i in compress(range(len(places)), map(not_, alone)):
        if not pd.isna(places[i]):
            groups.setdefault(places[i], []).append(i)
    for place, rows in groups.items():
        first_address: dict[str, str] = {}  # each spot's first row, as ``drop_duplicates("spot")`` keeps
        for i in rows:
            first_address.setdefault(spots[i], addresses[i])
        towns_differ = len({a.rsplit(",", 1)[0] for a in first_address.values()}) == len(first_address)
        for i in rows:
            addr, country = addresses[i], countries[i]
            if addr and addr.count(",") >= 2:
                labels[keys[i]] = addr.rsplit(",", 1)[0] if towns_differ else addr
            elif country:
                labels[keys[i]] = f"{place} ({country})"
            else:
                labels[keys[i]] = f"{place} ({spots[i]})"
    return labels


#: lat, lon, place, country, the place's label, the label of the city it counts under, and why
Spot = tuple[float, float, str, str, str, str, str]


def geo_lookup(geocodes: pd.DataFrame, reach_km: float = DEFAULT_REACH_KM, by_place: bool = False,
               index: PlaceIndex | None = None) -> dict[str, Spot]:
    """city_key -> (lat, lon, place, country, label, city, why) for placed strings: ``city`` is
    the city the place counts under (``cities.roll_up`` within ``reach_km``; its own label when
    it is a city itself or ``by_place``) and ``why`` says so ("" when it is its own city)."""
    labels = _labels(geocodes)
    out: dict[str, Spot] = {}
    if not labels:
        return out
    columns = [geocodes[c].tolist() for c in ("city_text", "lat", "lon", "place", "country")]
    for text, lat, lon, place, country in zip(*columns, strict=True):
        key = city_key(text)
        if key in labels and valid_point(lat, lon):
            label = labels[key]
            out[key] = (float(lat), float(lon), str(place), str(country), label, label, "")
    if by_place or reach_km <= 0:
        return out
    return _rolled_up(out, reach_km, index if index is not None else get_place_index())


def _rolled_up(spots: dict[str, Spot], reach_km: float, ix: PlaceIndex) -> dict[str, Spot]:
    """``spots`` with each place's city and why (``cities.roll_up``), a city's label being the
    label members who typed it have (else its gazetteer name, with its region if that name is
    some other place's label)."""
    points = list(dict.fromkeys(cities.Point(s[0], s[1], s[3], s[2]) for s in spots.values()))
    ids = [cities.gazetteer_id(ix, p) for p in points]
    found = dict(zip(points, cities.roll_up(ix, points, reach_km, ids), strict=True))
    id_of = dict(zip(points, ids, strict=True))
    own_label = {id_of[cities.Point(s[0], s[1], s[3], s[2])]: s[4] for s in spots.values()}
    own_label.pop(None, None)
    taken = {s[4] for s in spots.values()}
    out = {}
    for key, spot in spots.items():
        hit = found[cities.Point(spot[0], spot[1], spot[3], spot[2])]
        if hit is None or name_key(spot[2]) == ix.primary[hit.city]:  # a hand-placed point named as its city is it
            out[key] = spot
            continue
        city = own_label.get(hit.city) or ix.names[hit.city]
        if hit.city not in own_label and city in taken:
            city = ix.describe(hit.city).rsplit(",", 1)[0]
        out[key] = (*spot[:5], city, cities.reason(spot[4], city, hit.km))
    return out


def place_columns(frame: pd.DataFrame, lookup: dict[str, Spot], online: np.ndarray | None = None,
                   coded: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, pd.Series]:
    """lat, lon, place, country_code, place_label (the place as typed, "Camden Town"), city_label
    (the city it counts under, "London"; the place label when it is a city itself) and
    city_reason (why, "" when not rolled up) for each row's city, looked up once per distinct
    text; rows flagged ``online`` get no place and the label "Online".

    ``coded`` is ``text_codes(frame["city"])`` when the caller has it already."""
    if coded is not None:
        codes, distinct = coded
    elif "city" in frame:
        codes, distinct = text_codes(frame["city"])
    else:
        codes, distinct = np.zeros(len(frame), dtype=np.intp), np.array([""], dtype=object)
    hits = [lookup.get(city_key(t)) for t in distinct]
    labels = [h[4] if h else (" ".join(t.split()) or NO_CITY_LABEL) for h, t in zip(hits, distinct)]
    groups = [h[5] if h else label for h, label in zip(hits, labels)]
    reasons = [h[6] if h else "" for h in hits]
    online_rows = online if online is not None and len(frame) and online.any() else None
    if online_rows is not None:
        labels.append(ONLINE_LABEL)  # the online rows point at it
        groups.append(ONLINE_LABEL)
        reasons.append("")
        label_codes = np.where(online_rows, len(labels) - 1, codes)
    else:
        label_codes = codes

    def numbers(values: list) -> pd.Series:
        taken = np.asarray(values, dtype="float64")[codes] if len(frame) else np.zeros(0)
        if online_rows is not None:
            taken[online_rows] = np.nan
        return pd.Series(taken, index=frame.index, dtype="float64")

    def texts(values: list, at: np.ndarray) -> pd.Series:
        if not len(frame):
            return pd.Series([], index=frame.index, dtype="str")
        # taken in pyarrow: building a million-row string column from objects is ten times slower
        try:
            taken = pa.array(values, type=pa.large_string()).take(pa.array(at)).to_pandas().array
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a place that isn't text (hand-made geocodes)
            taken = np.asarray(values, dtype=object)[at]
        return pd.Series(taken, index=frame.index, dtype="str")

    return {
        "lat": numbers([h[0] if h else np.nan for h in hits]),
        "lon": numbers([h[1] if h else np.nan for h in hits]),
        "place": texts([h[2] if h else "" for h in hits], codes),
        "country_code": texts([h[3] if h else "" for h in hits], codes),
        "place_label": texts(labels, label_codes),
        "city_label": texts(groups, label_codes),
        "city_reason": texts(reasons, label_codes),
    }


def add_coordinates(members: pd.DataFrame, geocodes: pd.DataFrame, lookup: dict[str, Spot] | None = None) -> pd.DataFrame:
    """Members with ``place_columns`` from the geocodes."""
    return members.assign(**place_columns(members, geo_lookup(geocodes) if lookup is None else lookup))


def add_event_coordinates(events: pd.DataFrame, geocodes: pd.DataFrame, lookup: dict[str, Spot] | None = None) -> pd.DataFrame:
    """Events with lat, lon, place_label and city_label; online events get NaN and the label "Online"."""
    online = events["online"].fillna(False).astype(bool).to_numpy() if "online" in events else np.zeros(len(events), dtype=bool)
    columns = place_columns(events, geo_lookup(geocodes) if lookup is None else lookup, online)
    return events.assign(lat=columns["lat"], lon=columns["lon"], place_label=columns["place_label"],
                         city_label=columns["city_label"])
