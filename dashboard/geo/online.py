"""Opt-in online geocoding for the places the offline gazetteer couldn't resolve.

OpenStreetMap's Nominatim through geopy, one request a second (their usage
policy) behind geopy's ``RateLimiter``, with an identifying user agent. Only the
city strings that stayed unresolved offline are sent, never postcodes, never
anything else from the upload. Answers (including "not found") are cached on
disk as JSON under ``~/.cache/neighbourly`` so a string is asked once. No
network gives a result that says so, not an exception. Tests pass a fake
geocoder; nothing here runs at import time.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from geopy.exc import (
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.geocoders.base import Geocoder

from dashboard.geo.columns import valid_point
from dashboard.geo.index import cache_dir
from dashboard.geo.keys import NON_PLACE_REASONS, city_key

USER_AGENT = "neighbourly-community-dashboard/1.0 (offline-first organiser tool; city names only)"
OSM_ATTRIBUTION = "Online places: © OpenStreetMap contributors, via Nominatim (ODbL)"
ONLINE_REASON = "found online (OpenStreetMap Nominatim)"
CACHE_FILE = "nominatim.json"
#: a confidence for online answers: Nominatim doesn't give one; they aren't typo guesses
ONLINE_CONFIDENCE = 0.9

#: found place for a city string: (place, lat, lon, country code)
Found = tuple[str, float, float, str]
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class OnlineResult:
    """What an online run did, in numbers and one plain sentence."""

    geocodes: pd.DataFrame
    found: dict[str, Found] = field(default_factory=dict)  # city_text -> place, lat, lon, country
    asked: int = 0  # strings sent over the network this time
    from_cache: int = 0
    not_found: int = 0
    skipped: int = 0  # non-places never sent (empty, "Online", code, postcodes...)
    offline: bool = False  # the service couldn't be reached
    message: str = ""


def make_geocoder(user_agent: str = USER_AGENT, timeout: float = 10.0) -> Nominatim:
    """geopy's Nominatim client with an identifying user agent."""
    return Nominatim(user_agent=user_agent, timeout=timeout)


def default_cache_path() -> Path | None:
    """The JSON cache file, or None when disk caching is off."""
    folder = cache_dir()
    return None if folder is None else folder / CACHE_FILE


def to_ask(geocodes: pd.DataFrame, include_low_confidence: bool = False) -> tuple[list[str], int]:
    """City texts worth asking online (one per case/space variant), and how many were skipped."""
    if geocodes.empty:
        return [], 0
    statuses = {"unresolved", "low_confidence"} if include_low_confidence else {"unresolved"}
    pending = geocodes[geocodes["status"].isin(statuses)]
    worth = ~pending["reason"].isin(NON_PLACE_REASONS)
    texts = list(dict.fromkeys(pending.loc[worth, "city_text"]))
    by_key: dict[str, str] = {}
    for t in texts:
        by_key.setdefault(city_key(t), t)
    skipped = pending.loc[~worth, "city_text"].map(city_key).nunique()
    return list(by_key.values()), int(skipped)


def load_cache(path: Path | None) -> dict[str, Found | None]:
    """Cached answers keyed by city_key (None = not found); bad entries are dropped."""
    if path is None:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, Found | None] = {}
    if not isinstance(data, dict):
        return out
    for key, v in data.items():
        if v is None:
            out[str(key)] = None
        elif isinstance(v, list) and len(v) == 4 and valid_point(v[1], v[2]):
            out[str(key)] = (str(v[0]), float(v[1]), float(v[2]), str(v[3]))
    return out


def save_cache(path: Path | None, cache: Mapping[str, Found | None]) -> None:
    """Write the cache atomically; failures are ignored (it's only a cache)."""
    if path is None:
        return
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".nominatim-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({k: (list(v) if v else None) for k, v in cache.items()}, f, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        pass


def _ask(geocode: Callable, geocoder: Geocoder, text: str):
    """One lookup; Nominatim gets settlement-only, English, with the country code."""
    if isinstance(geocoder, Nominatim):
        return geocode(text, exactly_one=True, addressdetails=True, language="en", featuretype="settlement")
    return geocode(text, exactly_one=True)


def _found(loc) -> Found | None:
    if loc is None or not valid_point(getattr(loc, "latitude", None), getattr(loc, "longitude", None)):
        return None
    raw = loc.raw if isinstance(getattr(loc, "raw", None), dict) else {}
    given = raw.get("address")
    address = given if isinstance(given, dict) else {}
    cc = str(address.get("country_code") or raw.get("country_code") or "").upper()[:2]
    name = str(raw.get("name") or str(loc.address).split(",")[0]).strip()
    return (name or str(loc.address), float(loc.latitude), float(loc.longitude), cc)


def apply_online(geocodes: pd.DataFrame, found: Mapping[str, Found | tuple]) -> pd.DataFrame:
    """New geocodes with the rows found online (every case/space variant) placed."""
    out = geocodes.copy()
    if out.empty or not found:
        return out
    for col in ("lat", "lon", "confidence"):
        out[col] = out[col].astype("float64")
    keys = out["city_text"].map(city_key)
    for text, hit in found.items():
        place, lat, lon = hit[0], float(hit[1]), float(hit[2])
        cc = hit[3] if len(hit) > 3 else ""
        if not valid_point(lat, lon):
            continue
        mask = (keys == city_key(text)) & (out["status"] != "manual")
        out.loc[mask, ["place", "country", "status", "reason", "candidates"]] = [
            place, cc, "resolved", ONLINE_REASON, ""]
        out.loc[mask, ["lat", "lon", "confidence"]] = [lat, lon, ONLINE_CONFIDENCE]
        if "address" in out:
            out.loc[mask, "address"] = place
    return out


def geocode_online(
    geocodes: pd.DataFrame,
    geocoder: Geocoder | None = None,
    *,
    cache_path: Path | None | str = "default",
    progress: Progress | None = None,
    min_delay_seconds: float = 1.0,
    max_queries: int = 200,
    include_low_confidence: bool = False,
) -> OnlineResult:
    """Look up the unresolved city strings online, politely; never raises for network trouble."""
    texts, skipped = to_ask(geocodes, include_low_confidence)
    path = default_cache_path() if cache_path == "default" else (Path(cache_path) if cache_path else None)
    cache = load_cache(path)
    found: dict[str, Found] = {}
    asked = from_cache = not_found = 0
    offline, stopped = False, ""
    limited = None
    total = len(texts)
    for n, text in enumerate(texts, start=1):
        key = city_key(text)
        if key in cache:
            from_cache += 1
            hit = cache[key]
        elif asked >= max_queries:
            stopped = f"stopped after {max_queries} lookups; run again for the rest"
            break
        else:
            if geocoder is None:
                geocoder = make_geocoder()
            if limited is None:
                limited = RateLimiter(geocoder.geocode, min_delay_seconds=min_delay_seconds, max_retries=0,
                                      swallow_exceptions=False)
            try:
                asked += 1
                hit = _found(_ask(limited, geocoder, text))
            except (GeocoderUnavailable, GeocoderTimedOut, ConnectionError, OSError) as exc:
                offline = True
                stopped = f"couldn't reach OpenStreetMap ({type(exc).__name__}); is this computer online?"
                break
            except (GeocoderRateLimited, GeocoderQuotaExceeded):
                stopped = "OpenStreetMap asked us to slow down; try again later"
                break
            except GeocoderServiceError as exc:
                stopped = f"OpenStreetMap returned an error ({type(exc).__name__})"
                break
            except Exception:  # noqa: BLE001 - one odd answer shouldn't stop the rest
                hit = None
            cache[key] = hit
        if hit is None:
            not_found += 1
        else:
            found[text] = hit
        if progress is not None:
            progress(n, total, text)
    save_cache(path, cache)
    message = _message(total, len(found), not_found, skipped, stopped)
    return OnlineResult(apply_online(geocodes, found), found, asked, from_cache, not_found, skipped, offline, message)


def _message(total: int, found: int, not_found: int, skipped: int, stopped: str) -> str:
    if total == 0:
        return "Nothing to look up online: every place name was resolved or isn't a place."
    parts = [f"Found {found} of {total} place names online"]
    if not_found:
        parts.append(f"{not_found} not found")
    if skipped:
        parts.append(f"{skipped} skipped as not place names")
    text = "; ".join(parts) + "."
    return f"{text} Stopped early: {stopped}." if stopped else text


__all__ = [
    "OSM_ATTRIBUTION",
    "USER_AGENT",
    "OnlineResult",
    "apply_online",
    "geocode_online",
    "load_cache",
    "make_geocoder",
    "save_cache",
    "to_ask",
]
