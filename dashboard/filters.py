"""The sidebar filters as one frozen value, and the pure function every page uses.

Rules (the pages rely on them):

- Cities and "within R km of a city" combine with OR: picking Leeds and "within
  25 km of Huddersfield" shows members of either. A ``near_city`` that names no
  city in the data matches nobody (a stale bookmark shows an empty view, never
  an error).
- In-person events follow the same geography as members (their own city label
  or coordinates). Online events have no place: under a geographic filter they
  stay in view only when a member in view registered for or attended them
  (cancellations don't count), so an online event that Leeds members go to is
  part of the Leeds view. Without a geographic filter every event stays.
- Dates restrict events only (inclusive on both ends); events without a date
  drop out when a date bound is set. Members are never filtered by date.
- Attendance keeps the rows whose member *and* event are both in view.
- A community without geo columns still works: labels come from the raw city
  text, and a radius filter matches nothing.
- Cities are ``city_label``: a neighbourhood counts under the city it belongs to
  (``geo.cities``), so picking London keeps the members in Camden Town, whose own
  place stays in ``place_label`` ("Camden Town, London": ``place_and_city``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from dashboard.columns import isin, positions
from dashboard.distance import within_radius_mask
from dashboard.geo import NO_CITY_LABEL, ONLINE_LABEL
from dashboard.model import STATUSES, Community, rows_with


@dataclass(frozen=True)
class Filters:
    """What the organiser picked in the sidebar; the default shows everything."""

    cities: tuple[str, ...] = ()
    near_city: str = ""
    radius_km: float = 25.0
    date_from: date | None = None
    date_to: date | None = None

    @property
    def geographic(self) -> bool:
        """Whether a city or distance filter is set."""
        return bool(self.cities) or bool(self.near_city)

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return self.geographic or self.date_from is not None or self.date_to is not None


def city_labels(frame: pd.DataFrame, online: pd.Series | None = None) -> pd.Series:
    """The one city label of a member or event row: ``city_label`` (from geocoding) when
    present, else the city text with its spaces collapsed; "(no city)" when blank, and
    "Online" where ``online`` is true."""
    if "city_label" in frame:
        labels = frame["city_label"].fillna(NO_CITY_LABEL).astype(str)
    else:
        city = frame["city"] if "city" in frame else pd.Series("", index=frame.index)
        labels = city.fillna("").astype(str).str.split().str.join(" ").replace("", NO_CITY_LABEL)
    if online is not None:
        labels = labels.where(~online, ONLINE_LABEL)
    return labels


def place_and_city(frame: pd.DataFrame) -> pd.Series:
    """Where a member lives as the organiser reads it: "Camden Town, London" when their place
    counts under a city (``place_label`` and ``city_label`` differ), else the city label."""
    cities = city_labels(frame)
    if "place_label" not in frame:
        return cities
    places = frame["place_label"].fillna("").astype(str)
    differs = (places != cities) & (places != "")
    return cities.where(~differs, places + ", " + cities)


def neighbourhoods(frame: pd.DataFrame) -> pd.Series:
    """City label -> the places counted under it, most members first ("Camden Town (3),
    Hackney (1)"); cities with none are left out."""
    if "place_label" not in frame or frame.empty:
        return pd.Series(dtype="str")
    pairs = pd.DataFrame({"city": city_labels(frame).to_numpy(), "place": frame["place_label"].astype(str).to_numpy()})
    pairs = pairs[(pairs["place"] != pairs["city"]) & (pairs["place"] != "")]
    if pairs.empty:
        return pd.Series(dtype="str")
    counts = pairs.groupby(["city", "place"], sort=False).size().reset_index(name="n")
    counts = counts.sort_values(["city", "n", "place"], ascending=[True, False, True], kind="stable")
    text = counts["place"] + " (" + counts["n"].astype(str) + ")"
    return text.groupby(counts["city"].to_numpy(), sort=False).agg(", ".join).astype("str")


def _coords(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if "lat" in frame and "lon" in frame:
        return (pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float),
                pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float))
    nan = np.full(len(frame), np.nan)
    return nan, nan


def city_center(community: Community, label: str) -> tuple[float, float] | None:
    """Coordinates of a city label found in the members (or events), else None."""
    if not label:
        return None
    for frame in (community.members, community.events):
        if frame.empty:
            continue
        lats, lons = _coords(frame)
        hit = (city_labels(frame) == label).to_numpy() & np.isfinite(lats) & np.isfinite(lons)
        if hit.any():
            i = int(np.flatnonzero(hit)[0])
            return float(lats[i]), float(lons[i])
    return None


def _in_area(frame: pd.DataFrame, f: Filters, center: tuple[float, float] | None,
             online: pd.Series | None = None) -> np.ndarray:
    """Rows whose label is picked or whose coordinates are within the radius."""
    labels = city_labels(frame, online)
    keep = isin(labels, f.cities) if f.cities else np.zeros(len(frame), dtype=bool)
    if center is not None:
        lats, lons = _coords(frame)
        keep = keep | within_radius_mask(lats, lons, center[0], center[1], float(f.radius_km))
    return keep


def _online(events: pd.DataFrame) -> pd.Series:
    if "online" not in events:
        return pd.Series(False, index=events.index)
    return events["online"].fillna(False).astype(bool)


def _date_mask(events: pd.DataFrame, f: Filters) -> np.ndarray:
    keep = np.ones(len(events), dtype=bool)
    if (f.date_from is None and f.date_to is None) or "starts_at" not in events:
        return keep
    day = pd.to_datetime(events["starts_at"], errors="coerce").dt.normalize()
    if f.date_from is not None:
        keep &= (day >= pd.Timestamp(f.date_from)).fillna(False).to_numpy(dtype=bool)
    if f.date_to is not None:
        keep &= (day <= pd.Timestamp(f.date_to)).fillna(False).to_numpy(dtype=bool)
    return keep


def members_in_area(community: Community, f: Filters) -> tuple[tuple[float, float] | None, np.ndarray]:
    """The centre of the distance filter (None without one) and which members the filters keep."""
    if not f.geographic:
        return None, np.ones(len(community.members), dtype=bool)
    center = city_center(community, f.near_city) if f.near_city else None
    return center, _in_area(community.members, f, center)


def apply_filters(community: Community, f: Filters) -> Community:
    """The community restricted to the filters (see the module docstring for the rules)."""
    members, events, attendance = community.members, community.events, community.attendance
    center, member_keep = members_in_area(community, f)
    ids = members.loc[member_keep, "member_id"] if "member_id" in members else pd.Series([], dtype=object)
    # attendance rows by their codes (positions in members and events), not a million ids hashed
    # again: a row's person is kept when their id is one of the kept members' ids
    codes = community.codes if len(attendance) and "member_id" in members else None
    person_kept = _at_codes(isin(members["member_id"], ids), codes.member) if codes is not None else None

    event_keep = _date_mask(events, f)
    if f.geographic and len(events):
        online = _online(events)
        in_person = _in_area(events, f, center, online) & ~online.to_numpy()
        if codes is not None and person_kept is not None:
            came = events["event_id"][rows_with(codes.event[person_kept & (codes.status != STATUSES.index("cancelled"))],
                                                len(events))]
        else:
            came = pd.Series([], dtype=object)
        online_kept = online.to_numpy() & isin(events["event_id"], came)
        event_keep = event_keep & (in_person | online_kept)
    if codes is None or person_kept is None:
        return community.restrict(member_keep, event_keep, np.zeros(len(attendance), dtype=bool))
    kept_ids = isin(events["event_id"], events.loc[event_keep, "event_id"])
    return community.restrict(member_keep, event_keep, person_kept & _at_codes(kept_ids, codes.event))


def _at_codes(by_row: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``by_row[code]`` for each code, False for code -1 (an id that isn't there)."""
    return np.append(by_row, False)[codes]


def city_options(community: Community) -> list[str]:
    """City labels of members, most members first ("(no city)" last)."""
    members = community.members
    if members.empty:
        return []
    counts = city_labels(members).value_counts()
    frame = pd.DataFrame({"label": counts.index.astype(str), "n": counts.to_numpy()})
    frame["blank"] = frame["label"] == NO_CITY_LABEL
    frame = frame.sort_values(["blank", "n", "label"], ascending=[True, False, True], kind="stable")
    return frame["label"].tolist()


def rows_for(frame: pd.DataFrame, view: Community) -> pd.DataFrame:
    """A per-member frame's rows for the members in a view, in the view's order.

    ``frame`` is indexed by member_id (metrics, risk; the index is kept) or has a
    ``member_id`` column (the analysed members; returned on a fresh index).
    """
    ids = view.members["member_id"].astype("str")
    if "member_id" in frame.columns:
        at = positions(ids, frame["member_id"])
        return frame.iloc[at[at >= 0]].reset_index(drop=True)
    return frame.loc[ids[isin(ids, frame.index)].to_numpy()]
