"""Where to meet next (places reaching most people at risk) and cities gone quiet."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from dashboard.distance import pairs_within
from dashboard.filters import city_labels
from dashboard.introductions.members import AT_RISK_TIERS, names_a_city
from dashboard.settings import Settings

RANKED_COLUMNS: tuple[str, ...] = ("city", "lat", "lon", "at_risk_within_radius")
CHOSEN_COLUMNS: tuple[str, ...] = (
    "order",
    "city",
    "lat",
    "lon",
    "newly_covered",
    "cumulative_covered",
    "share_covered",
)
DORMANT_COLUMNS: tuple[str, ...] = (
    "city",
    "members",
    "at_risk",
    "last_event_on",
    "days_since_last_event",
    "next_event_on",
)


def _candidate_places(members: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Distinct (city, lat, lon) from members' resolved cities and in-person events."""
    parts = []
    for frame in (members, events):
        if frame.empty or not {"lat", "lon"} <= set(frame.columns):
            continue
        label = frame["city_label"] if "city_label" in frame else frame.get("city", pd.Series("", index=frame.index))
        part = pd.DataFrame(
            {
                "city": label.fillna("").astype(str).to_numpy(object),
                "lat": pd.to_numeric(frame["lat"], errors="coerce").to_numpy(float),
                "lon": pd.to_numeric(frame["lon"], errors="coerce").to_numpy(float),
            }
        )
        if "online" in frame:
            part = part[~frame["online"].fillna(False).astype(bool).to_numpy()]
        parts.append(part)
    if not parts:
        return pd.DataFrame({"city": pd.Series(dtype=object), "lat": [], "lon": []})
    places = pd.concat(parts, ignore_index=True)
    places = places[np.isfinite(places["lat"]) & np.isfinite(places["lon"])]
    places = places.assign(_la=places["lat"].round(4), _lo=places["lon"].round(4))
    places = places.drop_duplicates(["city", "_la", "_lo"]).drop(columns=["_la", "_lo"])
    return places.sort_values(["city", "lat", "lon"], kind="stable").reset_index(drop=True)


def plan_meetups(
    members: pd.DataFrame,
    events: pd.DataFrame,
    settings: Settings,
    k: int = 3,
    radius_km: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidate meetup cities ranked by people at risk within reach, and k chosen for coverage.

    ``ranked``: every candidate place with ``at_risk_within_radius`` (medium or
    high risk members with coordinates within the radius), most first.
    ``chosen``: up to ``k`` places picked greedily, each covering the most
    people not yet covered (it stops early when nobody new is reached);
    ``share_covered`` is of the at-risk members who have coordinates.
    """
    radius = float(settings.meetup_radius_km if radius_km is None else radius_km)
    places = _candidate_places(members, events)
    tier = members["risk_tier"] if "risk_tier" in members else pd.Series("", index=members.index)
    risky = members[tier.isin(AT_RISK_TIERS)]
    lat = pd.to_numeric(risky.get("lat", pd.Series(dtype=float)), errors="coerce").to_numpy(float)
    lon = pd.to_numeric(risky.get("lon", pd.Series(dtype=float)), errors="coerce").to_numpy(float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    points = pd.DataFrame({"lat": np.round(lat[ok], 5), "lon": np.round(lon[ok], 5)})
    weights = points.value_counts(sort=False)
    p_lat = weights.index.get_level_values("lat").to_numpy(float)
    p_lon = weights.index.get_level_values("lon").to_numpy(float)
    w = weights.to_numpy(np.int64)
    total = int(w.sum())

    n = len(places)
    if n and len(w):
        row, col, _ = pairs_within(places["lat"].to_numpy(), places["lon"].to_numpy(), p_lat, p_lon, radius)
        cover = csr_matrix((np.ones(len(row)), (row, col)), shape=(n, len(w)))
    else:
        cover = csr_matrix((n, max(len(w), 0)))
    reach = np.asarray(cover @ w.astype(float)).ravel().astype(np.int64) if n else np.zeros(0, np.int64)

    ranked = places.assign(at_risk_within_radius=reach)
    ranked = ranked.sort_values(["at_risk_within_radius", "city"], ascending=[False, True], kind="stable")
    ranked = ranked.reset_index(drop=True)[list(RANKED_COLUMNS)]

    chosen_rows = []
    uncovered = w.astype(float)
    covered = 0
    for order in range(1, max(int(k), 0) + 1):
        if not n or not len(w):
            break
        gain = np.asarray(cover @ uncovered).ravel()
        # ties go to the higher-ranked (then alphabetically first) place
        best = int(np.lexsort((places["city"].to_numpy(object), -reach, -gain))[0])
        if gain[best] <= 0:
            break
        newly = int(round(gain[best]))
        covered += newly
        uncovered[cover[best].indices] = 0.0
        chosen_rows.append(
            {
                "order": order,
                "city": places["city"].iat[best],
                "lat": float(places["lat"].iat[best]),
                "lon": float(places["lon"].iat[best]),
                "newly_covered": newly,
                "cumulative_covered": covered,
                "share_covered": covered / total if total else 0.0,
            }
        )
    chosen = pd.DataFrame(chosen_rows, columns=list(CHOSEN_COLUMNS)).astype(
        {"order": "int64", "lat": "float64", "lon": "float64", "newly_covered": "int64",
         "cumulative_covered": "int64", "share_covered": "float64"}
    )
    return ranked, chosen


def dormant_cities(
    members: pd.DataFrame,
    events: pd.DataFrame,
    as_of: pd.Timestamp,
    min_members: int = 5,
    days: int = 90,
) -> pd.DataFrame:
    """Cities with ``min_members`` or more members and no in-person event in the last ``days`` days.

    Cities are ``city_label`` on both sides ("(no city)" and "Online only" are never one); events
    after ``as_of`` don't count as recent but are shown as ``next_event_on``.
    """
    labels = city_labels(members)
    named = names_a_city(labels)
    tier = members["risk_tier"] if "risk_tier" in members else pd.Series("", index=members.index)
    per_city = pd.DataFrame({"city": labels[named], "at_risk": tier[named].isin(AT_RISK_TIERS)})
    counts = per_city.groupby("city", sort=True).agg(members=("at_risk", "size"), at_risk=("at_risk", "sum"))
    counts = counts[counts["members"] >= min_members]

    day = pd.Timestamp(as_of).normalize()
    end = day + pd.Timedelta(days=1)
    if events.empty:
        ev = pd.DataFrame({"city": pd.Series(dtype=object), "starts_at": pd.Series(dtype="datetime64[ns]")})
    else:
        ev_label = events["city_label"] if "city_label" in events else events["city"]
        in_person = ~events["online"].fillna(False).astype(bool) if "online" in events else True
        ev = pd.DataFrame({"city": ev_label.fillna("").astype(str).str.strip(), "starts_at": pd.to_datetime(events["starts_at"])})
        ev = ev[in_person & ev["starts_at"].notna()]
    last = ev[ev["starts_at"] < end].groupby("city")["starts_at"].max()
    upcoming = ev[ev["starts_at"] >= end].groupby("city")["starts_at"].min()
    out = counts.assign(
        last_event_on=last.reindex(counts.index),
        next_event_on=upcoming.reindex(counts.index),
    )
    since = (day - out["last_event_on"].dt.normalize()).dt.days
    out = out.assign(days_since_last_event=since.astype("Int64"))
    quiet = out["last_event_on"].isna() | (since > days)
    out = out[quiet].reset_index().rename(columns={"index": "city"})
    out = out.astype({"members": "int64", "at_risk": "int64"})
    out = out.sort_values(["at_risk", "members", "city"], ascending=[False, False, True], kind="stable")
    return out.reset_index(drop=True)[list(DORMANT_COLUMNS)]


def city_choices(members: pd.DataFrame) -> list[str]:
    """Cities to pick from for the network picture: most members first, "(no city)" and
    answers that are no place left out."""
    labels = city_labels(members)
    counts = labels[names_a_city(labels)].value_counts()
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [city for city, _ in order]
