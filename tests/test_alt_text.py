"""Every chart has a text alternative: its title and a line of what it shows, under it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import alt_text, charts
from tests.test_figure_labels import figures

ROOT = Path(__file__).resolve().parents[1]
CHARTS = [name for name in figures() if not name.startswith("city_map")]  # the map says itself: mapviz.map_summary


@pytest.mark.parametrize("name", CHARTS)
def test_every_chart_says_its_title_and_what_it_shows(name: str) -> None:
    fig = figures()[name]
    words = alt_text.describe(fig)
    title = alt_text._text(fig.layout.title.text)
    assert title and words.startswith(f"{title}: ") and len(words) > len(title) + 5, words
    assert "nan" not in words and "1970" not in words


def test_bars_name_the_biggest_categories_and_each_series_total_over_the_bars_shown() -> None:
    mix = pd.DataFrame({"city": ["Leeds", "Leeds", "York"], "risk_tier": ["high", "low", "high"], "members": [3, 5, 1]})
    words = alt_text.describe(charts.tiers_by_city(mix))
    assert words == "Connection risk per city: most in Leeds (8), York (1); across the 2 bars shown: High 4, Low 5."


def test_a_line_over_time_gives_its_span_and_its_peak() -> None:
    fig = go.Figure(go.Scatter(x=["2026-01-01", "2026-02-01", "2026-03-01"], y=[2, 9, 4], mode="lines"))
    fig.update_layout(title="Attendance per month")
    assert alt_text.describe(fig) == "Attendance per month: Jan 2026 to Mar 2026, highest 9 in Feb 2026."


def test_the_network_counts_people_by_tier_not_by_position() -> None:
    words = alt_text.describe(figures()["network"])
    assert "high risk" in words and "Jan 1970" not in words


def test_an_empty_chart_says_why() -> None:
    assert alt_text.describe(charts.attendance_over_time(pd.DataFrame())) == (
        "Attendance per month: No attendance recorded yet.")


def test_pages_draw_charts_with_their_text_alternative() -> None:
    """Charts go through ``shell.chart`` (the chart, then its line of words); the Map draws its own
    line (``mapviz.map_summary``) above its map."""
    direct = {p.name for p in (ROOT / "pages").glob("*.py") if "plotly_chart(" in p.read_text()}
    assert direct == {"2_Map.py"} and "map_summary" in (ROOT / "pages" / "2_Map.py").read_text()
    assert "plotly_chart(" not in (ROOT / "app.py").read_text()
