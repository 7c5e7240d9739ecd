"""Plotly figures for the Engagement and Connection risk pages.

Pure functions: a frame from ``dashboard.engagement`` / ``dashboard.risk`` in,
a ``plotly.graph_objects.Figure`` out. No Streamlit here, so the figures are
tested like any other function. Text from the organiser's data (city names,
event titles) only ever reaches plotly as data values, which plotly renders as
text, not as HTML we build ourselves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.engagement import OTHER_CITIES, SEGMENTS
from dashboard.risk import TIERS

SEGMENT_COLOURS: dict[str, str] = {
    "new": "#4c9be8",
    "never attended": "#b0b7c3",
    "active": "#5cb85c",
    "core": "#1b7a3a",
    "drifting": "#f0ad4e",
    "lapsed": "#d9534f",
}
TIER_COLOURS: dict[str, str] = {"low": "#b0b7c3", "medium": "#f0ad4e", "high": "#d9534f"}
STATUS_COLOURS: dict[str, str] = {
    "attended": "#1b7a3a", "registered": "#4c9be8", "no_show": "#d9534f", "cancelled": "#b0b7c3",
}
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "legend": {"orientation": "h", "y": -0.15}}


def _empty(title: str, message: str) -> go.Figure:
    """A blank figure that says why it is blank."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(title=title, xaxis_visible=False, yaxis_visible=False, **_LAYOUT)
    return fig


_MONTH_BAR_MS = 25 * 24 * 3600 * 1000  # a bar on a date axis is as wide as this many milliseconds


def _monthly(fig: go.Figure, months: pd.Series) -> go.Figure:
    """Bars about a month wide, ticks labelled as months: on its own plotly spreads one
    month's bar over a millisecond axis ("23:59:59.9996")."""
    months = pd.to_datetime(pd.Series(months)).dt.to_period("M")
    n = months.nunique()
    fig.update_traces(width=_MONTH_BAR_MS)
    fig.update_xaxes(type="date", tickformat="%b %Y", dtick="M1" if n <= 12 else "M3" if n <= 36 else "M12")
    if 0 < n <= 3:  # a month of room either side, so the few bars carry a tick label
        fig.update_xaxes(range=[(months.min() - 1).to_timestamp(), (months.max() + 1).to_timestamp()])
    return fig


def attendance_over_time(by_month: pd.DataFrame, title: str = "Attendance per month") -> go.Figure:
    """Stacked bars of attendances per month, one colour per city when a city column is present."""
    if by_month.empty:
        return _empty(title, "No attendance recorded yet")
    fig = go.Figure()
    if "city" in by_month.columns:
        order = by_month.groupby("city")["attended"].sum().sort_values(ascending=False).index
        for city in [c for c in order if c != OTHER_CITIES] + [c for c in order if c == OTHER_CITIES]:
            part = by_month.loc[by_month["city"] == city]
            grey = {"marker_color": "#b0b7bf"} if city == OTHER_CITIES else {}
            fig.add_bar(x=part["month"], y=part["attended"], name=str(city), **grey)
        fig.update_layout(barmode="stack")
    else:
        fig.add_bar(x=by_month["month"], y=by_month["attended"], name="attended", marker_color="#1b7a3a")
    fig.update_layout(title=title, xaxis_title=None, yaxis_title="attendances", **_LAYOUT)
    return _monthly(fig, by_month["month"])


def new_vs_returning(by_month: pd.DataFrame, title: str = "First-timers and returning members") -> go.Figure:
    """Stacked bars: first-time attendances vs returning ones, per month."""
    if by_month.empty:
        return _empty(title, "No attendance recorded yet")
    fig = go.Figure()
    fig.add_bar(x=by_month["month"], y=by_month["first_timers"], name="first time", marker_color="#4c9be8")
    fig.add_bar(x=by_month["month"], y=by_month["returning"], name="returning", marker_color="#1b7a3a")
    fig.update_layout(barmode="stack", title=title, yaxis_title="attendances", **_LAYOUT)
    return _monthly(fig, by_month["month"])


def cohort_heatmap(
    retention: pd.DataFrame, sizes: pd.Series | None = None, title: str = "Still coming, by month of joining"
) -> go.Figure:
    """Heatmap of cohort retention shares (rows: join month, columns: months since joining)."""
    if retention.empty:
        return _empty(title, "No join dates to group members by")
    z = retention.to_numpy(dtype=float)
    text = np.where(np.isnan(z), "", np.char.add(np.round(np.nan_to_num(z) * 100).astype(int).astype(str), "%"))
    rows = [f"{m:%b %Y}" for m in retention.index]
    if sizes is not None:
        counts = sizes.reindex(retention.index).fillna(0).astype(int)
        rows = [f"{r} ({n})" for r, n in zip(rows, counts)]
    fig = go.Figure(
        go.Heatmap(
            z=z * 100, x=[str(c) for c in retention.columns], y=rows, text=text, texttemplate="%{text}",
            colorscale="Greens", zmin=0, zmax=100, colorbar={"title": "%"},
            hovertemplate="joined %{y}<br>month %{x}: %{z:.0f}%<extra></extra>",
        )
    )
    fig.update_layout(title=title, xaxis_title="months since joining", yaxis_autorange="reversed", **_LAYOUT)
    return fig


def _stacked_city_bars(mix: pd.DataFrame, group: str, groups: list[str], colours: dict[str, str],
                       title: str, max_cities: int) -> go.Figure:
    """Horizontal bars of members per ``group`` value, stacked, for the first ``max_cities`` cities."""
    if mix.empty:
        return _empty(title, "No members")
    cities = list(dict.fromkeys(mix["city"]))[:max_cities]
    fig = go.Figure()
    for value in groups:
        part = mix.loc[(mix[group] == value) & mix["city"].isin(cities)]
        if part.empty:
            continue
        fig.add_bar(y=part["city"], x=part["members"], name=value, orientation="h", marker_color=colours[value])
    fig.update_layout(barmode="stack", title=title, xaxis_title="members",
                      yaxis={"categoryorder": "array", "categoryarray": cities[::-1]}, **_LAYOUT)
    return fig


def segment_mix(mix: pd.DataFrame, title: str = "Segments per city", max_cities: int = 15) -> go.Figure:
    """Horizontal stacked bars of members per segment for the busiest cities."""
    return _stacked_city_bars(mix, "segment", list(SEGMENTS), SEGMENT_COLOURS, title, max_cities)


def member_timeline(timeline: pd.DataFrame, title: str = "Events over time") -> go.Figure:
    """One marker per event the member signed up for, coloured by what happened."""
    if timeline.empty:
        return _empty(title, "No events on record")
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        part = timeline.loc[timeline["status"] == status]
        if part.empty:
            continue
        fig.add_scatter(
            x=part["date"], y=[status] * len(part), mode="markers", name=status.replace("_", "-"),
            marker={"color": colour, "size": 12}, customdata=part[["title"]].to_numpy(),
            hovertemplate="%{customdata[0]}<br>%{x|%d %b %Y}<extra></extra>",
        )
    fig.update_layout(title=title, showlegend=False, **_LAYOUT)
    return fig


def score_breakdown(parts: pd.DataFrame, title: str = "What makes up the score") -> go.Figure:
    """Bars of the points each counted event adds to the score, oldest to newest."""
    if parts.empty:
        return _empty(title, "No events counted yet")
    ordered = parts.sort_values("date")
    fig = go.Figure(
        go.Bar(
            x=ordered["date"], y=ordered["points"], marker_color="#1b7a3a",
            customdata=np.column_stack((ordered["title"].astype(str), ordered["decay"])),
            hovertemplate="%{customdata[0]}<br>%{x|%d %b %Y}: %{y:.2f} points<extra></extra>",
        )
    )
    fig.update_layout(title=title, yaxis_title="points", **_LAYOUT)
    return fig


def tier_bars(counts: dict[str, int], title: str = "Members by connection risk") -> go.Figure:
    """Bars of members per risk tier, high first."""
    tiers = [t for t in reversed(TIERS)]
    fig = go.Figure(
        go.Bar(x=tiers, y=[counts.get(t, 0) for t in tiers], marker_color=[TIER_COLOURS[t] for t in tiers])
    )
    fig.update_layout(title=title, yaxis_title="members", **_LAYOUT)
    return fig


def tiers_by_city(mix: pd.DataFrame, title: str = "Connection risk per city", max_cities: int = 15) -> go.Figure:
    """Horizontal stacked bars of members per tier for the cities with most at risk."""
    return _stacked_city_bars(mix, "risk_tier", list(reversed(TIERS)), TIER_COLOURS, title, max_cities)


def signal_bars(counts: pd.DataFrame, title: str = "Which signals fire most") -> go.Figure:
    """Horizontal bars of members per signal (from ``risk.signal_counts``), most first."""
    shown = counts.loc[counts["members"] > 0]
    if shown.empty:
        return _empty(title, "No signal fires for anyone here")
    fig = go.Figure(
        go.Bar(y=shown["label"], x=shown["members"], orientation="h", marker_color="#f0ad4e")
    )
    fig.update_layout(title=title, xaxis_title="members", yaxis_autorange="reversed", **_LAYOUT)
    return fig
