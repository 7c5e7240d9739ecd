"""Text from uploads reaches every figure as text, never as plotly's HTML (issue 17, defect 6).

Plotly renders a subset of HTML (``<a href>``, ``<span style>``, ``<b>``, ``<br>``) in axis
tick labels, legends, titles and hover text. Every figure builder is fed a city, an event
title and a name made of such markup; none of it may reach the figure unescaped.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import activity, charts, mapviz, risk
from dashboard import engagement as eng
from dashboard.charts import network_figure
from dashboard.settings import Settings
from tests.factories import make_community

LINK = '<a href="https://phish.example/login">Leeds</a>'
STYLED = '<span style="font-size:60px">York</span>'
TITLE = "<b>Quiz</b> & <i>chips</i>"
NAME = "<img src=x onerror=alert(1)>"
AS_OF = pd.Timestamp("2026-03-15")
S = Settings()
RAW = ("<a", "<span", "<img", "<b>Quiz", "<i>")


def community():
    return make_community(
        members=[
            {"member_id": "a", "name": NAME, "joined_on": "2026-01-05", "city": LINK, "lat": 53.8, "lon": -1.55,
             "country_code": "GB"},
            {"member_id": "b", "joined_on": "2025-01-20", "city": LINK, "lat": 53.8, "lon": -1.55, "country_code": "GB"},
            {"member_id": "c", "joined_on": "2026-02-10", "city": STYLED, "lat": 53.96, "lon": -1.08,
             "country_code": "GB"},
        ],
        events=[
            {"event_id": "e1", "title": TITLE, "starts_at": "2026-01-10 10:00", "city": LINK},
            {"event_id": "e2", "title": TITLE, "starts_at": "2026-02-12 19:00", "city": STYLED},
        ],
        attendance=[("a", "e1"), ("a", "e2"), ("b", "e1"), ("c", "e2"), ("c", "e1", "no_show")],
    )


def analysed() -> tuple:
    c = community()
    metrics = eng.member_metrics(c, AS_OF, S)
    scored = risk.connection_risk(c, metrics, AS_OF, S)
    return c, metrics, scored


def strings(value: object) -> list[str]:
    """Every string anywhere in a figure's JSON-like dict that plotly may draw (``customdata``
    is only ever read back, by the map's selection)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k != "customdata" for s in strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in strings(v)]
    if hasattr(value, "tolist"):
        return strings(value.tolist())
    return []


def figures() -> dict[str, go.Figure]:
    c, metrics, scored = analysed()
    people = c.members.assign(risk_tier=["high", "low", "medium"], risk_score=[75.0, 5.0, 40.0], events_attended=[2, 1, 1])
    edges = pd.DataFrame({"member_a": ["a"], "member_b": ["b"], "meetings": [2], "strength": [1.0]})
    summary = mapviz.city_summary(people)
    return {
        "attendance_over_time": charts.attendance_over_time(activity.attendance_by_month(c, by_city=True)),
        "segment_mix": charts.segment_mix(eng.segment_mix_by_city(c.members, metrics)),
        "member_timeline": charts.member_timeline(activity.member_timeline(c, "a")),
        "score_breakdown": charts.score_breakdown(eng.score_breakdown(c, "a", AS_OF, S)),
        "tiers_by_city": charts.tiers_by_city(risk.tier_mix_by_city(c.members, scored)),
        "signal_bars": charts.signal_bars(risk.signal_counts(scored)),
        "empty titled": charts.attendance_over_time(pd.DataFrame(), title=LINK),
        "city_map": mapviz.city_map_figure(summary, "members"),
        "city_map tiles": mapviz.city_map_figure(summary, "members", tiles=True),
        "network": network_figure(people, edges, LINK),
        "network, empty city": network_figure(people, edges.iloc[:0], STYLED),
    }


@pytest.mark.parametrize("name", list(figures()))
def test_no_markup_from_uploads_reaches_a_figure(name: str) -> None:
    fig = figures()[name]
    shown = strings(fig.to_plotly_json())
    leaked = [s for s in shown if any(raw in s for raw in RAW)]
    assert leaked == [], f"{name}: raw markup from an upload: {leaked}"


@pytest.mark.parametrize("name", ["attendance_over_time", "segment_mix", "tiers_by_city", "city_map", "network"])
def test_the_hostile_city_is_still_there_as_text(name: str) -> None:
    shown = strings(figures()[name].to_plotly_json())
    assert any(charts.label(LINK) in s for s in shown), f"{name}: the city is missing"


def test_label_escapes_what_plotly_reads_as_markup() -> None:
    assert charts.label(LINK) == '&lt;a href="https://phish.example/login"&gt;Leeds&lt;/a&gt;'
    assert charts.label("Fish & Chips") == "Fish &amp; Chips"
    assert charts.label("O'Neill \"Oz\"") == "O'Neill \"Oz\""  # plotly has no &quot; and would show it
    assert charts.label(None) == "" and charts.label(float("nan")) == ""
    assert charts.labels(pd.Series(["<b>", "x"])) == ["&lt;b&gt;", "x"]


def test_map_selection_still_gets_the_city_as_typed() -> None:
    """customdata is never drawn: it carries the raw city so clicking a bubble filters by it."""
    c = community()
    fig = mapviz.city_map_figure(mapviz.city_summary(c.members), "members")
    assert LINK in list(fig.data[0].customdata)


def test_risk_tiers_have_one_palette_in_the_bars_and_the_network() -> None:
    drawn = figures()
    bars = {t.name: t.marker.color for t in drawn["tiers_by_city"].data}
    nodes = {t.name: t.marker.color for t in drawn["network"].data if t.mode == "markers"}
    named = {label: tier for tier, label in risk.TIER_LABELS.items()}  # the legend names each tier in words
    assert len(bars) >= 2 and bars == {name: charts.TIER_COLOURS[named[name]] for name in bars}
    by_tier = {name: tier for tier, name in charts.NETWORK_TIER_NAMES.items()}
    assert nodes and nodes == {name: charts.TIER_COLOURS[by_tier[name]] for name in nodes}


def test_tiers_are_told_apart_by_name_and_shape_not_colour_alone() -> None:
    drawn = figures()
    for bar in drawn["tiers_by_city"].data:
        tier = {label: tier for tier, label in risk.TIER_LABELS.items()}[bar.name]
        assert bar.marker.pattern.shape == charts.TIER_PATTERNS[tier]
    symbols = {t.name: t.marker.symbol for t in drawn["network"].data if t.mode == "markers"}
    assert len(set(symbols.values())) == len(symbols) >= 2
