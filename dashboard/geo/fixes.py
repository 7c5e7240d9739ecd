"""Places fixed by hand ("Leeds, UK", "53.8, -1.55", "Headingley @ 53.82, -1.58") and
the list of place names left to review."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dashboard.geo.adapter import OfflineGeocoder
from dashboard.geo.columns import AnyGeocoder, city_key, resolution_row, text_codes, valid_point
from dashboard.geo.index import get_place_index
from dashboard.geo.resolution import PlaceLookup
from dashboard.geo.resolver import Resolver
from dashboard.model import Community


def _parse_latlon(text: str) -> tuple[float, float] | None:
    m = re.fullmatch(r"\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*", text)
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    return (lat, lon) if valid_point(lat, lon) else None


def resolve_manual(place_query: str, geocoder: AnyGeocoder | None = None, country: str = "") -> dict | None:
    """What a hand-typed place resolves to, or None: "Leeds, UK", "53.8, -1.55", or a
    named point "Headingley @ 53.82, -1.58" (how online answers are kept as fixes)."""
    query = (place_query or "").strip()
    name, at, coords = query.rpartition("@")
    point = _parse_latlon(coords if at else query)
    if point is not None:
        label = name.strip() if at and name.strip() else query
        country_code = ""
        if geocoder is None or isinstance(geocoder, PlaceLookup):  # the nearest indexed place's country
            index = geocoder.index if geocoder is not None else get_place_index()
            near = OfflineGeocoder(index=index).reverse(point)
            country_code = near.raw["country_code"] if near is not None else ""
        return {"place": label, "country": country_code, "lat": point[0], "lon": point[1], "address": label}
    if at:
        return None
    geocoder = geocoder if geocoder is not None else Resolver(country)
    row = resolution_row(query, geocoder, country.upper()) if query else None
    if row is None or row["status"] == "unresolved":
        return None
    return {k: row[k] for k in ("place", "country", "lat", "lon", "address")}


def apply_manual_fix(geocodes: pd.DataFrame, city_text: str, place_query: str,
                     geocoder: AnyGeocoder | None = None) -> pd.DataFrame:
    """New geocodes where every case/space variant of ``city_text`` points at ``place_query``.

    A query that can't be found marks the rows unresolved with that reason (no exception),
    so a stale fix never breaks loading; check with ``resolve_manual`` before saving one.
    """
    out = geocodes.copy()
    if "address" not in out:
        out["address"] = ""
    key = city_key(city_text)
    if not key:
        return out
    country = geocoder.country_bias if isinstance(geocoder, PlaceLookup) else ""
    if not country and "country" in out:  # the community's own country, from what resolved
        placed = out.loc[out["status"] == "resolved", "country"]
        placed = placed[placed != ""]
        country = str(placed.mode().iat[0]) if len(placed) else ""
    fix = resolve_manual(place_query, geocoder, country)
    mask = out["city_text"].map(city_key) == key if len(out) else pd.Series([], dtype=bool)
    if not mask.any():
        blank: dict[str, object] = {c: "" for c in out.columns}
        blank.update({"city_text": city_text.strip(), "lat": np.nan, "lon": np.nan, "confidence": 0.0})
        out = pd.concat([out, pd.DataFrame([blank])], ignore_index=True)
        mask = out["city_text"].map(city_key) == key
    for col in ("lat", "lon", "confidence"):
        out[col] = out[col].astype("float64")
    if fix is None:
        out.loc[mask, ["place", "country", "status", "reason", "address"]] = [
            "", "", "unresolved", f"couldn't find '{place_query}' (typed by hand)", ""]
        out.loc[mask, ["lat", "lon", "confidence"]] = [np.nan, np.nan, 0.0]
        return out
    out.loc[mask, ["place", "country", "status", "reason", "candidates", "address"]] = [
        fix["place"], fix["country"], "manual", f"fixed by hand: '{place_query.strip()}'", "", fix["address"]]
    out.loc[mask, ["lat", "lon", "confidence"]] = [fix["lat"], fix["lon"], 1.0]
    return out


def places_to_review(community: Community) -> pd.DataFrame:
    """Unresolved and low-confidence place names with their guesses and how many members
    typed each (most first): what the Map page lists for fixing by hand."""
    cols = ["city_text", "status", "reason", "candidates", "members"]
    geocodes = community.geocodes
    if geocodes.empty or "status" not in geocodes:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "members" else "str") for c in cols})
    review = geocodes[geocodes["status"].isin(["unresolved", "low_confidence"])].copy()
    members = community.members
    if "city" in members and len(members):
        codes, distinct = text_codes(members["city"])
        typed = pd.Series(np.bincount(codes, minlength=len(distinct)), index=distinct)  # per spelling
    else:
        typed = pd.Series(dtype="int64")
    by_key = typed.groupby(typed.index.map(city_key)).sum()  # a fix applies to every case variant
    review["key"] = review["city_text"].map(city_key)
    review["typed"] = review["city_text"].map(typed).fillna(0)
    # one row per case/space variant: the spelling most members typed stands for the others
    review = review.sort_values(["typed", "city_text"], ascending=[False, True], kind="stable").drop_duplicates("key")
    review["members"] = review["key"].map(by_key).fillna(0).astype("int64")
    review = review.sort_values(["members", "city_text"], ascending=[False, True], kind="stable")
    return review[cols].reset_index(drop=True)
