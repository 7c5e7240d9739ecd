"""The city summary and the offline map figure."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import geo, mapviz
from dashboard.geo import online
from dashboard.ingest import Upload, load_community
from dashboard.ui.state import KEY_MANUAL_PLACES, KEY_UPLOADS

ROOT = Path(__file__).resolve().parents[1]


def members(risk: bool = True, engagement: bool = True) -> pd.DataFrame:
    frame = pd.DataFrame({
        "member_id": list("abcdef"),
        "city_label": ["Leeds", "Leeds", "Leeds", "York", "Paris", "Atlantis"],
        "country_code": ["GB", "GB", "GB", "GB", "FR", ""],
        "lat": [53.80, 53.80, 53.80, 53.96, 48.85, np.nan],
        "lon": [-1.55, -1.55, -1.55, -1.08, 2.35, np.nan],
    })
    if risk:
        frame["risk_tier"] = ["high", "low", "medium", "low", "low", "high"]
    if engagement:
        frame["engagement_score"] = [10.0, 50.0, 90.0, 40.0, np.nan, 0.0]
    return frame


def test_city_summary_counts_shares_and_means() -> None:
    s = mapviz.city_summary(members()).set_index("city_label")
    assert list(s.index) == ["Leeds", "Paris", "York"]  # unplaced Atlantis is left out
    assert s.loc["Leeds", "members"] == 3
    assert s.loc["Leeds", "share_at_risk"] == pytest.approx(2 / 3)
    assert s.loc["Leeds", "mean_engagement"] == pytest.approx(50.0)
    assert np.isnan(s.loc["Paris", "mean_engagement"])
    assert s.loc["York", "country_code"] == "GB"


def test_a_city_takes_its_most_common_country_code_first_alphabetically_among_equals() -> None:
    frame = pd.DataFrame({
        "city_label": ["Perth"] * 3 + ["Paris"] * 4,
        "country_code": ["AU", "GB", "GB", "US", "FR", "US", "FR"],
        "lat": 1.0, "lon": 1.0,
    })
    codes = mapviz.city_summary(frame).set_index("city_label")["country_code"].to_dict()
    assert codes == {"Perth": "GB", "Paris": "FR"}


@pytest.mark.parametrize(("risk", "engagement"), [(False, True), (True, False), (False, False)])
def test_city_summary_optional_columns(risk: bool, engagement: bool) -> None:
    s = mapviz.city_summary(members(risk, engagement))
    assert ("share_at_risk" in s) is risk and ("mean_engagement" in s) is engagement


def test_min_members_hides_small_cities() -> None:
    assert list(mapviz.city_summary(members(), min_members=3)["city_label"]) == ["Leeds"]
    assert mapviz.hidden_city_count(members(), 3) == 2


@pytest.mark.parametrize("frame", [pd.DataFrame(), members().iloc[:0], members().drop(columns=["lat"])])
def test_city_summary_empty_or_without_geo(frame: pd.DataFrame) -> None:
    assert mapviz.city_summary(frame).empty


def test_offline_figure_is_scattergeo_fitted_to_data() -> None:
    fig = mapviz.city_map_figure(mapviz.city_summary(members()), "share_at_risk", mapviz.TOPOJSON_URL)
    trace = fig.data[0]
    assert isinstance(trace, go.Scattergeo)
    assert list(trace.customdata) == ["Leeds", "Paris", "York"]
    assert trace.marker.size[0] > trace.marker.size[1]  # bubbles sized by members
    assert list(trace.marker.color) == pytest.approx([2 / 3, 0.0, 0.0])
    geo_view = fig.layout.geo
    assert geo_view.showcountries
    for lat, lon in zip(trace.lat, trace.lon, strict=True):  # the view holds every city
        assert geo_view.lataxis.range[0] < lat < geo_view.lataxis.range[1]
        assert geo_view.lonaxis.range[0] < lon < geo_view.lonaxis.range[1]
    assert fig.layout.meta["color_by"] == "share_at_risk"


def test_main_area_is_the_country_most_members_live_in() -> None:
    summary = pd.DataFrame({"city_label": ["London", "Leeds", "Toronto"], "country_code": ["GB", "GB", "CA"],
                            "lat": [51.5, 53.8, 43.7], "lon": [-0.1, -1.5, -79.4], "members": [8, 8, 4]})
    assert mapviz.main_area(summary)["city_label"].tolist() == ["London", "Leeds"]  # 16 of 20 = 80%
    assert len(mapviz.main_area(summary, share=0.9)) == 3  # not enough of them: everyone
    fig = mapviz.city_map_figure(summary, "members", focus=mapviz.main_area(summary))
    assert len(fig.data[0].lat) == 3  # Toronto is still drawn
    assert fig.layout.geo.lonaxis.range[0] > -79.4  # but the view is Britain


def test_colour_by_engagement_and_fallback() -> None:
    summary = mapviz.city_summary(members())
    assert mapviz.city_map_figure(summary, "mean_engagement").layout.meta["color_by"] == "mean_engagement"
    no_risk = mapviz.city_summary(members(risk=False))
    assert mapviz.city_map_figure(no_risk, "share_at_risk").layout.meta["color_by"] == "members"


def test_hover_text_is_escaped() -> None:
    frame = members().assign(city_label=["<b>x</b>"] * 3 + ["York", "Paris", "Atlantis"])
    fig = mapviz.city_map_figure(mapviz.city_summary(frame), "members")
    assert "&lt;b&gt;x&lt;/b&gt;" in fig.data[0].hovertext[0]
    assert fig.data[0].customdata[0] == "<b>x</b>"


def test_single_city_and_empty_figures() -> None:
    one = mapviz.city_summary(members()).head(1)
    fig = mapviz.city_map_figure(one, "members")
    assert fig.layout.geo.fitbounds in (None, False) and fig.layout.geo.center.lat == pytest.approx(53.8)
    empty = mapviz.city_map_figure(mapviz.city_summary(pd.DataFrame()), "members")
    assert len(empty.data[0].lat) == 0


def test_europe_scope_uses_50m_outlines() -> None:
    fig = mapviz.city_map_figure(mapviz.city_summary(members()), "members", scope="europe")
    assert fig.layout.geo.scope == "europe" and fig.layout.geo.resolution == 50


def test_tiles_version_uses_scattermap() -> None:
    fig = mapviz.city_map_figure(mapviz.city_summary(members()), "members", tiles=True)
    assert isinstance(fig.data[0], go.Scattermap)
    assert fig.layout.map.style == "open-street-map" and 1 <= fig.layout.map.zoom <= 11


@pytest.mark.parametrize("url", ["app/static/topojson/", "/app/static/topojson"])
def test_map_config_points_at_shipped_topojson(url: str) -> None:
    config = mapviz.map_config(url)
    assert config["topojsonURL"].endswith("/topojson/") and "cdn" not in config["topojsonURL"]


@pytest.mark.parametrize("name", mapviz.TOPOJSON_FILES)
def test_topojson_files_are_shipped(name: str) -> None:
    path = ROOT / "static" / "topojson" / name
    assert path.exists() and path.stat().st_size > 10_000
    assert path.read_text()[:40].startswith('{"type":"Topology"')


def test_every_outline_the_figure_can_ask_for_is_shipped() -> None:
    summary = mapviz.city_summary(members())
    for scope in ("world", "europe"):
        for frame in (summary, summary.head(1), summary.iloc[:0]):
            geo_layout = mapviz.city_map_figure(frame, "members", scope=scope).layout.geo
            assert f"{geo_layout.scope}_{geo_layout.resolution}m.json" in mapviz.TOPOJSON_FILES


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"selection": {"points": [{"customdata": "Leeds"}, {"customdata": ["York"]}, {"customdata": "Leeds"}]}},
         ["Leeds", "York"]),
        ({"selection": {"points": []}}, []),
        (None, []),
        ({}, []),
    ],
)
def test_selected_cities(state, expected: list[str]) -> None:
    assert mapviz.selected_cities(state) == expected


def test_attributions() -> None:
    assert "GeoNames" in mapviz.GEONAMES_ATTRIBUTION and "CC BY 4.0" in mapviz.GEONAMES_ATTRIBUTION
    assert "OpenStreetMap" in mapviz.OSM_ATTRIBUTION


# --- the Map page under AppTest -----------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_members() -> pd.DataFrame:
    """The demo community's members, geocoded by the core as the app's loader does."""
    files = {k: ROOT / "data" / f"demo_{k}.csv" for k in ("members", "events", "attendance")}
    ups = {k: Upload(p.name, p.read_bytes()) for k, p in files.items()}
    community = load_community(ups["members"], ups["events"], ups["attendance"], country="")
    return geo.geocode_community(community, geocoder=geo.OfflineGeocoder()).members


@pytest.fixture(scope="module")
def map_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.switch_page("pages/2_Map.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def drawn(at: AppTest) -> tuple[dict, dict]:
    """The plotly figure spec and config the page sent to the browser."""
    chart = at.get("plotly_chart")[0].proto
    return json.loads(chart.spec), json.loads(chart.config)


def test_map_page_draws_offline_bubbles_per_city(map_page: AppTest, demo_members: pd.DataFrame) -> None:
    spec, config = drawn(map_page)
    trace = spec["data"][0]
    assert trace["type"] == "scattergeo"
    assert config["topojsonURL"] == mapviz.TOPOJSON_URL
    expected = mapviz.city_summary(demo_members)
    assert trace["customdata"] == expected["city_label"].tolist()
    assert spec["layout"]["geo"]["showcountries"] and spec["layout"]["meta"]["color_by"] == "share_at_risk"
    cities = map_page.dataframe[0].value
    assert cities["city_label"].tolist() == expected["city_label"].tolist()
    review = next(d.value for d in map_page.dataframe if "city_text" in d.value.columns)  # places to check
    assert "Online only" in set(review["city_text"])
    folded = next(d.value for d in map_page.dataframe if "why" in d.value.columns)  # neighbourhoods, and why
    assert folded[["place", "city"]].values.tolist() == [["Salford", "Manchester"]]
    assert any("GeoNames" in c.value and "CC BY 4.0" in c.value for c in map_page.caption)
    # the online lookup's credit: the page reaches dashboard.geo.online (an unresolved place is listed)
    assert online.OSM_ATTRIBUTION in [c.value for c in map_page.caption]


def test_map_page_hides_small_cities_and_switches_colour_and_tiles(map_page: AppTest) -> None:
    at = map_page
    at.toggle(key="map_hide_small").set_value(True)
    at.radio(key="map_colour").set_value("Engagement")
    at.run()
    spec, _ = drawn(at)
    assert spec["layout"]["meta"]["color_by"] == "mean_engagement"
    assert min(at.dataframe[0].value["members"]) >= 3
    assert any("smaller cities hidden" in c.value for c in at.caption)
    at.toggle(key="map_tiles").set_value(True).run()
    spec, _ = drawn(at)
    assert spec["data"][0]["type"] == "scattermap" and any("OpenStreetMap" in c.value for c in at.caption)
    at.toggle(key="map_tiles").set_value(False)
    at.toggle(key="map_hide_small").set_value(False).run()


def test_map_page_fixes_a_place_by_hand(map_page: AppTest) -> None:
    at = map_page
    at.selectbox(key="fix_text").set_value("Online only")
    at.text_input(key="fix_typed").set_value("Qqqzzxq").run()
    use = next(b for b in at.button if b.label == "Use this place")
    use.click().run()
    assert any("wasn't found" in e.value for e in at.error)
    at.text_input(key="fix_typed").set_value("Leeds, UK").run()
    next(b for b in at.button if b.label == "Use this place").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[KEY_MANUAL_PLACES] == {"Online only": "Leeds, UK"}
    assert any("Every place name" in s.value for s in at.success)


def test_review_guesses_split_the_candidates_in_order():
    review = pd.DataFrame({"city_text": ["Sheffeild", "Atlantis"], "candidates": ["Sheffield; Sheffield Lake", ""]})
    assert mapviz.review_guesses(review, "Sheffeild") == ["Sheffield", "Sheffield Lake"]
    assert mapviz.review_guesses(review, "Atlantis") == []
    assert mapviz.review_guesses(review, "Nowhere") == []


# --- the table in whole percentages, the map in words, the map as wide as its chart ------------


def test_the_table_shows_the_share_at_risk_as_a_whole_percentage() -> None:
    table = mapviz.city_table(mapviz.city_summary(members())).set_index("city_label")
    assert "share_at_risk" not in table
    assert table["at_risk_percent"].to_dict() == {"Leeds": 67, "Paris": 0, "York": 0}


def test_the_map_in_words_names_the_biggest_city_and_the_highest_share_at_risk() -> None:
    summary = mapviz.city_summary(members())
    assert mapviz.map_summary(summary) == ("3 cities on the map; the most members in Leeds (3); "
                                           "the highest share at risk in Leeds (67%).")
    assert mapviz.map_summary(summary.iloc[:1]).startswith("1 city on the map")


def _mercator_aspect(lat0: float, lat1: float, lon0: float, lon1: float) -> float:
    return np.radians(lon1 - lon0) / (mapviz._mercator_y(lat1) - mapviz._mercator_y(lat0))


@pytest.mark.parametrize("box", [(49.0, 59.0, -8.0, 2.0), (51.0, 52.0, -3.0, 3.0), (53.5, 53.9, -1.6, -1.5)])
def test_a_country_scale_map_is_fitted_to_the_charts_shape(box: tuple[float, float, float, float]) -> None:
    fitted = mapviz._fill_aspect(*box, mapviz.MAP_ASPECT)
    assert _mercator_aspect(*fitted) == pytest.approx(mapviz.MAP_ASPECT)
    assert fitted[0] <= box[0] and fitted[1] >= box[1] and fitted[2] <= box[2] and fitted[3] >= box[3]


def test_the_colour_bar_sits_beside_the_map() -> None:
    fig = mapviz.city_map_figure(mapviz.city_summary(members()), "share_at_risk")
    assert tuple(fig.layout.geo.domain.x) == mapviz.MAP_DOMAIN_X
    bar = fig.data[0].marker.colorbar
    assert bar.xanchor == "left" and mapviz.MAP_DOMAIN_X[1] <= bar.x <= mapviz.MAP_DOMAIN_X[1] + 0.02
    lat, lon = fig.layout.geo.lataxis.range, fig.layout.geo.lonaxis.range
    assert _mercator_aspect(lat[0], lat[1], lon[0], lon[1]) == pytest.approx(mapviz.MAP_ASPECT)


# --- a place far from the rest of the members is listed to check (geo.outliers) -------------

def _atlantis_uploads() -> dict[str, Upload]:
    cities = ["London"] * 5 + ["Leeds"] * 3 + ["Manchester"] * 2 + ["Bristol", "Atlantis"]
    rows = [f"Member {i},m{i}@example.org,{c},2026-01-{i + 1:02d}" for i, c in enumerate(cities)]
    return {"members": Upload("members.csv", "\n".join(["Name,Email,City,Joined", *rows]).encode())}


def test_map_page_lists_a_far_place_to_check_and_the_guess_fixes_it() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state[KEY_UPLOADS] = _atlantis_uploads()
    at.switch_page("pages/2_Map.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Every place name" in s.value for s in at.success)
    review = next(d.value for d in at.dataframe if "city_text" in d.value.columns)
    assert review[["city_text", "status", "members"]].values.tolist() == [["Atlantis", "low_confidence", 1]]
    assert review["reason"].iat[0].startswith("About 9,700 km from the rest of your members")
    spec, _ = drawn(at)
    assert "Atlantis" in spec["data"][0]["customdata"]  # still on the map, at the best guess
    assert at.selectbox(key="fix_guess").value == "Atlantis, ZA"
    next(b for b in at.button if b.label == "Use this place").click().run()
    assert at.session_state[KEY_MANUAL_PLACES] == {"Atlantis": "Atlantis, ZA"}
    assert any("Every place name" in s.value for s in at.success)
