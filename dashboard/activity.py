"""Activity over time, for the Engagement page: the attended rows joined with their
events (``attended_events``, worked out once per rerun and handed to the views as
``rows``), attendance per month and city, first-timers and returning members, join-month
cohorts, the events table and one member's timeline.

Pure functions of the community (and ``as_of`` where the future matters); as in
``dashboard.engagement``, an event on the as-of day itself has been held.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.columns import positions
from dashboard.filters import city_labels
from dashboard.model import STATUSES, Community, default_as_of


def attended_events(community: Community, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Attended rows joined with their event (member_id, event_id, starts_at, month, city).

    The Engagement page works this out once per rerun and hands it to the views below
    (their ``rows``); each works it out itself when not given."""
    att, ev = community.attendance, community.events
    rows = att.loc[att["status"] == "attended", ["member_id", "event_id"]]
    cols = ["event_id", "title", "starts_at", "city"] + (["city_label"] if "city_label" in ev.columns else [])
    # the month and city are worked out once per event (event ids are unique), then each
    # attended row picks its event's by position: a lookup, not a merge of a million rows
    ev = ev[cols + ["online"]].assign(
        month=ev["starts_at"].dt.to_period("M").dt.to_timestamp(),
        event_city=_event_city(ev),
    )
    at = positions(rows["event_id"], ev["event_id"])
    found = at >= 0
    out = ev.iloc[at[found]].drop(columns="event_id").reset_index(drop=True)
    out.insert(0, "event_id", rows["event_id"].array[found])
    out.insert(0, "member_id", rows["member_id"].array[found])
    out = out.loc[out["starts_at"].notna()]
    if as_of is not None:
        out = out.loc[out["starts_at"].dt.normalize() <= pd.Timestamp(as_of).normalize()]
    return out.reset_index(drop=True)


def _event_city(events: pd.DataFrame) -> pd.Series:
    """What an event's city reads as: "Online", else its city label (``filters.city_labels``)."""
    return city_labels(events, events["online"].fillna(False).astype(bool))


OTHER_CITIES = "Other cities"


def attendance_by_month(
    community: Community, by_city: bool = False, top_cities: int = 8, rows: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Attendances per calendar month (columns month[, city], attended).

    By city, the ``top_cities`` cities with the most attendances keep their own rows and
    the rest are summed as "Other cities", so a chart of a large network stays readable.
    """
    rows = attended_events(community) if rows is None else rows
    keys = ["month", "event_city"] if by_city else ["month"]
    out = rows.groupby(keys).size().rename("attended").reset_index()
    out = out.rename(columns={"event_city": "city"})
    cols = ["month", "city"] if by_city else ["month"]
    if by_city and out["city"].nunique() > top_cities + 1:
        totals = out.groupby("city")["attended"].sum().sort_values(ascending=False, kind="stable")
        top = set(totals.index[:top_cities])
        out["city"] = out["city"].where(out["city"].isin(top), OTHER_CITIES)
        out = out.groupby(cols, as_index=False)["attended"].sum()
    return out.sort_values(cols, ignore_index=True)[cols + ["attended"]]


def _first_visit_flags(rows: pd.DataFrame) -> pd.Series:
    """True where an attended row is the member's first attended event (earliest start,
    then the lowest event id), found by sorting integer codes, not the rows themselves."""
    start = rows["starts_at"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    event_rank = pd.factorize(rows["event_id"], sort=True)[0]
    member = pd.factorize(rows["member_id"])[0]
    order = np.lexsort((event_rank, start, member))  # by member, then start, then event id
    first = np.zeros(len(rows), dtype=bool)
    if len(order):
        first[order[np.r_[True, member[order][1:] != member[order][:-1]]]] = True
    return pd.Series(first, index=rows.index)


def new_vs_returning_by_month(community: Community, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per month: attendances by first-timers and by returning members."""
    rows = attended_events(community) if rows is None else rows
    rows = rows.assign(first=_first_visit_flags(rows))
    out = rows.groupby("month").agg(first_timers=("first", "sum"), attended=("first", "size")).reset_index()
    out["returning"] = out["attended"] - out["first_timers"]
    return out[["month", "first_timers", "returning"]].astype({"first_timers": int, "returning": int})


def first_timers_by_event(community: Community, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per event with attendance: attended, first-timers and returning members."""
    rows = attended_events(community) if rows is None else rows
    rows = rows.assign(first=_first_visit_flags(rows))
    out = (
        rows.groupby(["event_id", "title", "starts_at"])
        .agg(attended=("first", "size"), first_timers=("first", "sum"))
        .reset_index()
    )
    out["returning"] = out["attended"] - out["first_timers"]
    out["first_timers"] = out["first_timers"].astype(int)
    return out.sort_values(["starts_at", "event_id"], ignore_index=True)


def cohort_retention(
    community: Community, max_months: int = 12, as_of: pd.Timestamp | None = None, rows: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Share of each join-month cohort attending in month 0..max_months after joining.

    Rows: join month (month start). Columns: months since joining. NaN where that
    month is after as_of's month (defaults to ``default_as_of``).
    """
    as_of = pd.Timestamp(default_as_of(community) if as_of is None else as_of).normalize()
    members = community.members
    joined = members.loc[members["joined_on"].notna() & (members["joined_on"] <= as_of), ["member_id", "joined_on"]]
    cols = pd.RangeIndex(max_months + 1, name="months_since_joining")
    if joined.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="join_month"), columns=cols, dtype=float)
    join_period = joined["joined_on"].dt.to_period("M")
    cohort_size = join_period.value_counts().sort_index()
    if rows is None:
        rows = attended_events(community, as_of)
    else:  # the same rows as attended_events(community, as_of): by day, on or before as_of
        rows = rows.loc[rows["starts_at"].dt.normalize() <= as_of]
    rows = rows[["member_id", "starts_at"]]
    rows = rows.merge(joined.assign(join_period=join_period), on="member_id", how="inner")
    offset = _month_number(rows["starts_at"].dt.to_period("M")) - _month_number(rows["join_period"])
    rows = rows.assign(offset=offset)
    rows = rows.loc[(rows["offset"] >= 0) & (rows["offset"] <= max_months)]
    attending = rows.drop_duplicates(["member_id", "offset"]).groupby(["join_period", "offset"]).size()
    table = attending.unstack("offset").reindex(index=cohort_size.index, columns=list(cols)).fillna(0)
    share = table.div(cohort_size, axis=0).astype(float)
    cohort_no = _month_number(pd.Series(share.index))
    months_available = _month_number(pd.Series([as_of.to_period("M")])).iloc[0] - cohort_no.to_numpy()
    future = np.arange(max_months + 1)[None, :] > months_available[:, None]
    share = share.mask(future)
    share.index = pd.DatetimeIndex(share.index.to_timestamp(), name="join_month")
    share.columns = cols
    return share


def cohort_sizes(community: Community, as_of: pd.Timestamp | None = None) -> pd.Series:
    """Members per join month (the denominators of ``cohort_retention``)."""
    as_of = pd.Timestamp(default_as_of(community) if as_of is None else as_of).normalize()
    joined = community.members["joined_on"]
    joined = joined.loc[joined.notna() & (joined <= as_of)]
    sizes = joined.dt.to_period("M").value_counts().sort_index()
    sizes.index = pd.DatetimeIndex(sizes.index.to_timestamp(), name="join_month")
    return sizes.rename("members")


def _month_number(periods: pd.Series) -> pd.Series:
    """year*12 + month for a Series of monthly Periods."""
    return periods.dt.year * 12 + periods.dt.month


#: events the Engagement page's table shows (the latest; every event is in its download): 85k
#: rows were sent to the browser on every rerun of a big community
EVENTS_SHOWN = 1_000


def events_table(community: Community, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per event: event, date, city, registered, attended, first-timers, no-shows, turnout.

    ``registered`` counts RSVPs (registered, attended or no-show); ``first_timers``
    those attending for the first time; ``turnout`` is attended ÷ registered, left
    empty when the event has only check-ins (no RSVP data).
    """
    ev = community.events
    att = community.attendance
    # a groupby, not pd.crosstab: the same table, eight times faster on a million rows
    counts = att.groupby(["event_id", "status"]).size().unstack(fill_value=0).reindex(columns=list(STATUSES), fill_value=0)
    counts = counts.reindex(ev["event_id"].astype("str"), fill_value=0)
    registered = counts["registered"] + counts["attended"] + counts["no_show"]
    has_rsvp = (counts["registered"] + counts["no_show"]) > 0
    turnout = (counts["attended"] / registered.where(registered > 0)).where(has_rsvp)
    firsts = first_timers_by_event(community, rows).set_index("event_id")["first_timers"]
    firsts = firsts.reindex(ev["event_id"].astype("str")).fillna(0).astype(int)
    out = pd.DataFrame(
        {
            "event_id": ev["event_id"].astype("str").to_numpy(),
            "event": ev["title"].astype("str").to_numpy(),
            "date": ev["starts_at"].to_numpy(),
            "city": _event_city(ev).to_numpy(),
            "registered": registered.to_numpy(),
            "attended": counts["attended"].to_numpy(),
            "first_timers": firsts.to_numpy(),
            "no_shows": counts["no_show"].to_numpy(),
            "turnout": turnout.to_numpy(dtype=float),
        }
    )
    return out.sort_values(["date", "event_id"], ascending=[False, True], ignore_index=True)


def member_timeline(community: Community, member_id: str) -> pd.DataFrame:
    """A member's attendance rows with event details, oldest first."""
    att = community.attendance
    rows = att.loc[att["member_id"] == str(member_id), ["event_id", "status"]]
    ev = community.events
    out = rows.merge(ev, on="event_id", how="left")
    out = out.assign(city=_event_city(out.assign(online=out["online"].fillna(False))))
    out = out.rename(columns={"starts_at": "date"})[["event_id", "title", "date", "city", "status"]]
    return out.sort_values(["date", "event_id"], ignore_index=True)
