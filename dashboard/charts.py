"""Plotly figures for the Engagement, Connection risk and Introductions pages.

Pure functions: a frame from ``dashboard.engagement`` / ``dashboard.risk`` in,
a ``plotly.graph_objects.Figure`` out. No Streamlit here, so the figures are
tested like any other function. Plotly reads a subset of HTML (``<a href>``,
``<span style>``, ``<b>``, ``<br>``) in tick labels, legends, titles and hover text,
data values included, so every string from the organiser's files (city names,
event titles, names) goes through ``label`` / ``labels`` on its way into any
figure: these, the map's (``mapviz``) and the network's (issue 17, defect 6).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.activity import OTHER_CITIES
from dashboard.engagement import SEGMENTS
from dashboard.introductions.members import prepared
from dashboard.risk import AT_RISK_TIERS, TIER_LABELS, TIERS
from dashboard.ties import edge_codes
from dashboard.words import plural

SEGMENT_COLOURS: dict[str, str] = {
    "new": "#4c9be8",
    "never attended": "#b0b7c3",
    "active": "#5cb85c",
    "core": "#1b7a3a",
    "drifting": "#f0ad4e",
    "lapsed": "#d9534f",
}
#: the one palette of the risk tiers (bars, the network's nodes), deep enough to read on lines
TIER_COLOURS: dict[str, str] = {"low": "#7f8c99", "medium": "#f0a202", "high": "#d1495b"}
#: each tier's hatching and marker shape: with its name, a tier never rests on its colour alone
TIER_PATTERNS: dict[str, str] = {"low": "", "medium": "/", "high": "x"}
TIER_SYMBOLS: dict[str, str] = {"low": "circle", "medium": "diamond", "high": "square"}
NETWORK_TIER_NAMES: dict[str, str] = {"low": "not at risk", "medium": "keep an eye on", "high": "high risk"}
STATUS_COLOURS: dict[str, str] = {
    "attended": "#1b7a3a", "registered": "#4c9be8", "no_show": "#d9534f", "cancelled": "#b0b7c3",
}


def label(value: object) -> str:
    """Text from an upload as plotly shows it literally: ``&``, ``<`` and ``>`` as entities.

    Quotes stay as they are: plotly knows no ``&quot;`` and would show it. Missing is "".
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return ""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def labels(values: Iterable[object]) -> list[str]:
    """``label`` of each value (a column of cities, titles or names)."""
    return [label(v) for v in values]


_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "legend": {"orientation": "h", "y": -0.15}}


def _empty(title: str, message: str) -> go.Figure:
    """A blank figure that says why it is blank."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(title=label(title), xaxis_visible=False, yaxis_visible=False, **_LAYOUT)
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
            fig.add_bar(x=part["month"], y=part["attended"], name=label(city), **grey)
        fig.update_layout(barmode="stack")
    else:
        fig.add_bar(x=by_month["month"], y=by_month["attended"], name="attended", marker_color="#1b7a3a")
    fig.update_layout(title=label(title), xaxis_title=None, yaxis_title="attendances", **_LAYOUT)
    return _monthly(fig, by_month["month"])


def new_vs_returning(by_month: pd.DataFrame, title: str = "First-timers and returning members") -> go.Figure:
    """Stacked bars: first-time attendances vs returning ones, per month."""
    if by_month.empty:
        return _empty(title, "No attendance recorded yet")
    fig = go.Figure()
    fig.add_bar(x=by_month["month"], y=by_month["first_timers"], name="first time", marker_color="#4c9be8")
    fig.add_bar(x=by_month["month"], y=by_month["returning"], name="returning", marker_color="#1b7a3a")
    fig.update_layout(barmode="stack", title=label(title), yaxis_title="attendances", **_LAYOUT)
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
    fig.update_layout(title=label(title), xaxis_title="months since joining", yaxis_autorange="reversed", **_LAYOUT)
    return fig


def _stacked_city_bars(mix: pd.DataFrame, group: str, groups: list[str], colours: dict[str, str],
                       title: str, max_cities: int, names: dict[str, str] | None = None,
                       patterns: dict[str, str] | None = None) -> go.Figure:
    """Horizontal bars of members per ``group`` value, stacked, for the first ``max_cities`` cities;
    each value named in the legend (``names``, else the value) and, with ``patterns``, hatched,
    so no value rests on its colour alone."""
    if mix.empty:
        return _empty(title, "No members")
    cities = list(dict.fromkeys(mix["city"]))[:max_cities]
    fig = go.Figure()
    for value in groups:
        part = mix.loc[(mix[group] == value) & mix["city"].isin(cities)]
        if part.empty:
            continue
        fig.add_bar(y=labels(part["city"]), x=part["members"], name=(names or {}).get(value, value), orientation="h",
                    marker={"color": colours[value], "pattern": {"shape": (patterns or {}).get(value, "")}})
    fig.update_layout(barmode="stack", title=label(title), xaxis_title="members",
                      yaxis={"categoryorder": "array", "categoryarray": labels(cities[::-1])}, **_LAYOUT)
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
            marker={"color": colour, "size": 12}, customdata=np.array(labels(part["title"]), dtype=object)[:, None],
            hovertemplate="%{customdata[0]}<br>%{x|%d %b %Y}<extra></extra>",
        )
    fig.update_layout(title=label(title), showlegend=False, **_LAYOUT)
    return fig


def score_breakdown(parts: pd.DataFrame, title: str = "What makes up the score") -> go.Figure:
    """Bars of the points each counted event adds to the score, oldest to newest."""
    if parts.empty:
        return _empty(title, "No events counted yet")
    ordered = parts.sort_values("date")
    fig = go.Figure(
        go.Bar(
            x=ordered["date"], y=ordered["points"], marker_color="#1b7a3a",
            customdata=np.column_stack((labels(ordered["title"]), ordered["decay"])),
            hovertemplate="%{customdata[0]}<br>%{x|%d %b %Y}: %{y:.2f} points<extra></extra>",
        )
    )
    fig.update_layout(title=label(title), yaxis_title="points", **_LAYOUT)
    return fig


def tier_bars(counts: dict[str, int], title: str = "Members by connection risk") -> go.Figure:
    """Bars of members per risk tier, high first."""
    tiers = [t for t in reversed(TIERS)]
    fig = go.Figure(
        go.Bar(x=[TIER_LABELS[t] for t in tiers], y=[counts.get(t, 0) for t in tiers],
               marker={"color": [TIER_COLOURS[t] for t in tiers], "pattern": {"shape": [TIER_PATTERNS[t] for t in tiers]}})
    )
    fig.update_layout(title=label(title), yaxis_title="members", **_LAYOUT)
    return fig


def tiers_by_city(mix: pd.DataFrame, title: str = "Connection risk per city", max_cities: int = 15) -> go.Figure:
    """Horizontal stacked bars of members per tier for the cities with most at risk."""
    return _stacked_city_bars(mix, "risk_tier", list(reversed(TIERS)), TIER_COLOURS, title, max_cities,
                              names=TIER_LABELS, patterns=TIER_PATTERNS)


def signal_bars(counts: pd.DataFrame, title: str = "Which signals fire most") -> go.Figure:
    """Horizontal bars of members per signal (from ``risk.signal_counts``), most first."""
    shown = counts.loc[counts["members"] > 0]
    if shown.empty:
        return _empty(title, "No signal fires for anyone here")
    fig = go.Figure(
        go.Bar(y=labels(shown["label"]), x=shown["members"], orientation="h", marker_color=TIER_COLOURS["medium"])
    )
    fig.update_layout(title=label(title), xaxis_title="members", yaxis_autorange="reversed", **_LAYOUT)
    return fig


# --- the network picture (Introductions page) -------------------------------------------

def _spring_layout(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, seed: int = 0) -> np.ndarray:
    """Fruchterman–Reingold positions for n nodes, seeded, scaled into the unit disc."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-1, 1, (n, 2))
    if n == 1:
        return np.zeros((1, 2))
    k = 1.0 / np.sqrt(n)
    temp = 0.1
    for _ in range(150):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)
        force = (delta / dist[..., None] * (k * k / dist)[..., None]).sum(axis=1)
        ed = pos[src] - pos[dst]
        el = np.maximum(np.linalg.norm(ed, axis=1), 1e-3)
        pull = ed * (el * weight / k)[:, None]
        np.add.at(force, src, -pull)
        np.add.at(force, dst, pull)
        length = np.maximum(np.linalg.norm(force, axis=1), 1e-9)
        pos += force / length[:, None] * np.minimum(length, temp)[:, None]
        temp *= 0.97
    pos -= pos.mean(axis=0)
    # a dense core with a few far-flung leaves would shrink to a dot when scaled
    # by the farthest node: keep each node's angle and radius order, but spread
    # the radii so the disc fills evenly
    radius = np.linalg.norm(pos, axis=1)
    angle = np.arctan2(pos[:, 1], pos[:, 0])
    rank = np.empty(n)
    rank[np.argsort(radius, kind="stable")] = np.arange(n)
    spread = np.sqrt((rank + 0.5) / n)
    return np.column_stack([spread * np.cos(angle), spread * np.sin(angle)])


def network_figure(
    members: pd.DataFrame,
    edges: pd.DataFrame,
    city_label: str,
    max_nodes: int = 60,
) -> go.Figure:
    """Who-knows-whom among members in one city: people at risk highlighted, isolated people on the outer ring.

    At most ``max_nodes`` people are drawn so the picture stays readable: people
    at risk first (highest score first) up to half of the places, then the best
    connected, then any remaining people at risk. Connected people are placed by
    a seeded spring layout inside the unit circle; people with no tie to anyone
    shown sit on a ring outside it. Names are escaped (plotly reads a little HTML).
    """
    m = prepared(members)
    people = m[m["city_label"].eq(city_label)].reset_index(drop=True)
    title = label(city_label)
    fig = go.Figure()
    fig.update_layout(
        showlegend=True,
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x"},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        plot_bgcolor="white",
    )
    if people.empty:
        fig.update_layout(title={"text": f"Nobody in {title}"})
        return fig

    a, b, meetings, strength = _ties_among_people(people, edges)
    degree = np.bincount(np.r_[a, b], weights=np.r_[strength, strength], minlength=len(people))
    shown = _nodes_shown(people, degree, max_nodes)
    remap = np.full(len(people), -1)
    remap[shown] = np.arange(len(shown))
    keep = (remap[a] >= 0) & (remap[b] >= 0)
    src, dst, met, wgt = remap[a[keep]], remap[b[keep]], meetings[keep], strength[keep]
    sub = people.iloc[shown].reset_index(drop=True)
    n = len(sub)
    pos = _node_positions(sub["member_id"].to_numpy(object), src, dst, wgt)
    _add_tie_lines(fig, pos, src, dst, met)
    _add_people(fig, sub, pos, np.bincount(np.r_[src, dst], minlength=n))
    note = f"showing {n:,} of {plural(len(people), 'member')}" if n < len(people) else plural(n, "member")
    fig.update_layout(title={"text": f"Who has met whom in {title} ({note}; no ties: outer ring)"})
    return fig


def _ties_among_people(people: pd.DataFrame, edges: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """The ties with both ends among ``people``: (row a, row b, meetings, strength)."""
    if len(edges):
        ea, eb, edge_ids = edge_codes(edges)
        slot = pd.Index(people["member_id"]).get_indexer(edge_ids)
        a, b = slot[ea], slot[eb]
        meetings, strength = edges["meetings"].to_numpy(), edges["strength"].to_numpy(float)
    else:
        a = b = meetings = np.zeros(0, np.int64)
        strength = np.zeros(0)
    inside = (a >= 0) & (b >= 0)
    return a[inside], b[inside], meetings[inside], strength[inside]


def _nodes_shown(people: pd.DataFrame, degree: np.ndarray, max_nodes: int) -> np.ndarray:
    """Rows of ``people`` to draw (sorted): at risk first up to half the places, then the
    best connected, then anyone else at risk."""
    at_risk = people["risk_tier"].isin(AT_RISK_TIERS).to_numpy()
    risk_first = np.lexsort((people["member_id"].to_numpy(object), -people["risk_score"].to_numpy(), ~at_risk))
    connected_first = np.lexsort((people["member_id"].to_numpy(object), -degree))
    half = max(max_nodes // 2, 1)
    picked: list[int] = [int(i) for i in risk_first[: min(half, int(at_risk.sum()))]]
    seen = set(picked)
    for pool in (connected_first, risk_first):
        for i in pool[: max_nodes + len(seen)]:
            if len(picked) < max_nodes and int(i) not in seen:
                picked.append(int(i))
                seen.add(int(i))
    return np.sort(np.array(picked, np.int64))


def _node_positions(member_ids: np.ndarray, src: np.ndarray, dst: np.ndarray, wgt: np.ndarray) -> np.ndarray:
    """People with a tie by a spring layout in the unit disc; the rest on a ring outside it."""
    n = len(member_ids)
    pos = np.zeros((n, 2))
    linked = np.zeros(n, bool)
    linked[src] = True
    linked[dst] = True
    core = np.flatnonzero(linked)
    if len(core):
        back = np.full(n, -1)
        back[core] = np.arange(len(core))
        pos[core] = _spring_layout(len(core), back[src], back[dst], np.clip(wgt, 0.2, 3.0))
    lonely = np.flatnonzero(~linked)
    if len(lonely):
        lonely = lonely[np.argsort(member_ids[lonely], kind="stable")]
        angle = 2 * np.pi * np.arange(len(lonely)) / len(lonely) + np.pi / 2
        pos[lonely] = 1.3 * np.column_stack([np.cos(angle), np.sin(angle)])
    return pos


def _add_tie_lines(fig: go.Figure, pos: np.ndarray, src: np.ndarray, dst: np.ndarray, met: np.ndarray) -> None:
    """One line trace for ties met once, one for ties met twice or more."""
    for legend, mask, width, colour in (
        ("met once", met < 2, 0.8, "rgba(160, 170, 180, 0.35)"),
        ("met 2+ times", met >= 2, 1.6, "rgba(70, 90, 110, 0.45)"),
    ):
        xs = np.column_stack([pos[src[mask], 0], pos[dst[mask], 0], np.full(int(mask.sum()), np.nan)]).ravel()
        ys = np.column_stack([pos[src[mask], 1], pos[dst[mask], 1], np.full(int(mask.sum()), np.nan)]).ravel()
        fig.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines", line={"width": width, "color": colour}, hoverinfo="skip", name=legend)
        )


def _add_people(fig: go.Figure, sub: pd.DataFrame, pos: np.ndarray, ties_here: np.ndarray) -> None:
    """One marker trace per risk tier, names escaped in the hover text."""
    for tier in TIERS:
        mask = sub["risk_tier"].eq(tier).to_numpy() if tier != "low" else ~sub["risk_tier"].isin(AT_RISK_TIERS).to_numpy()
        if not mask.any():
            continue
        text = [
            f"{label(nm or mid)}<br>{plural(int(t), 'tie')} here · {NETWORK_TIER_NAMES[tier]}"
            for nm, mid, t in zip(sub["name"][mask], sub["member_id"][mask], ties_here[mask])
        ]
        fig.add_trace(
            go.Scatter(
                x=pos[mask, 0],
                y=pos[mask, 1],
                mode="markers",
                marker={
                    "size": 9 + np.minimum(sub["events_attended"].to_numpy()[mask], 20) / 2,
                    "color": TIER_COLOURS[tier], "symbol": TIER_SYMBOLS[tier],
                    "line": {"width": 1, "color": "white"},
                },
                hovertext=text,
                hoverinfo="text",
                name=NETWORK_TIER_NAMES[tier],
            )
        )
