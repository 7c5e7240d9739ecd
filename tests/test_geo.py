"""Offline geocoding: real strings against independently known coordinates (30 km)."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest
from geopy.exc import GeocoderUnavailable
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import geo
from dashboard.distance import haversine_km
from dashboard.geo import adapter, batch, index
from dashboard.geo import columns as geo_columns
from dashboard.geo import online as online_geo
from dashboard.model import GEOCODE_COLUMNS, MEMBER_GEO_COLUMNS, Community
from tests.factories import make_community

LONDON = (51.507, -0.128)
LONDON_ON = (42.984, -81.246)
MANCHESTER = (53.481, -2.243)
LEEDS = (53.801, -1.549)
HUDDERSFIELD = (53.646, -1.780)
EDINBURGH = (55.953, -3.189)
PORTLAND_OR = (45.515, -122.679)
ZURICH = (47.377, 8.542)
MUNICH = (48.135, 11.582)
COLOGNE = (50.938, 6.960)

# (text, expected (lat, lon)) — coordinates from general references, not from GeoNames
REAL_PLACES = [
    ("London", LONDON),
    ("london ", LONDON),
    ("LONDON, UK", LONDON),
    ("London, England", LONDON),
    ("London, Ontario", LONDON_ON),
    ("London, Canada", LONDON_ON),
    ("London, ON", LONDON_ON),
    ("Huddersfield", HUDDERSFIELD),
    ("Leeds", LEEDS),
    ("Leeds ", LEEDS),
    ("  leeds  ", LEEDS),
    ("Leeds, West Yorkshire", LEEDS),
    ("Manchester, England", MANCHESTER),
    ("Manchester, Great Britain", MANCHESTER),
    ("Greater Manchester", MANCHESTER),
    ("Edinburgh, Scotland", EDINBURGH),
    ("Cardiff, Wales", (51.481, -3.179)),
    ("Glasgow", (55.864, -4.252)),
    ("Toronto", (43.653, -79.383)),
    ("Zürich", ZURICH),
    ("Zurich", ZURICH),
    ("ZURICH", ZURICH),
    ("München", MUNICH),
    ("Munich", MUNICH),
    ("Muenchen", MUNICH),
    ("Köln", COLOGNE),
    ("Koln", COLOGNE),
    ("Cologne", COLOGNE),
    ("Camden Town", (51.539, -0.143)),
    ("Manchestr", MANCHESTER),
    ("Huddersfeild", HUDDERSFIELD),
    ("Edinbrugh", EDINBURGH),
    ("Sheffeild", (53.381, -1.470)),
    ("Paris, France", (48.857, 2.352)),
    ("Springfield, IL", (39.781, -89.650)),
    ("Springfield, Massachusetts", (42.101, -72.590)),
    ("Portland, Oregon", PORTLAND_OR),
    ("Portland, OR", PORTLAND_OR),
    ("Portland OR", PORTLAND_OR),
    ("Portland, Maine", (43.659, -70.257)),
    ("Cambridge, MA", (42.373, -71.110)),
    ("Vancouver, BC", (49.283, -123.121)),
    ("Perth, WA", (-31.950, 115.860)),
    ("Perth, Scotland", (56.396, -3.437)),
    ("St Albans", (51.752, -0.336)),
    ("Saint Albans", (51.752, -0.336)),
    ("St. Albans", (51.752, -0.336)),
    ("Stoke-on-Trent", (53.003, -2.180)),
    ("Newcastle upon Tyne", (54.978, -1.618)),
    ("New York", (40.713, -74.006)),
    ("Montreal", (45.502, -73.567)),
    ("Den Haag", (52.070, 4.300)),
    ("Kiev", (50.450, 30.523)),
    ("Лондон", LONDON),
    ("North London", LONDON),
    ("HD1 2QA, Huddersfield", HUDDERSFIELD),
    ("London 🇬🇧", LONDON),
]


@pytest.fixture(scope="module")
def gb() -> geo.OfflineGeocoder:
    """A geocoder for a community in Great Britain."""
    return geo.OfflineGeocoder(country_bias="GB")


@pytest.mark.parametrize(("text", "expected"), REAL_PLACES, ids=[t for t, _ in REAL_PLACES])
def test_real_place_within_30_km(gb: geo.OfflineGeocoder, text: str, expected: tuple[float, float]) -> None:
    loc = gb.geocode(text)
    assert loc is not None, gb.resolve(text)
    assert float(haversine_km(loc.latitude, loc.longitude, *expected)) <= 30


NON_PLACES = [
    "", "   ", "Online", "online only", "Earth", "N/A", "n/a", "-", "?", "12345", "🏠🏠", "x" * 500,
    "'; DROP TABLE members;--", "<script>alert(1)</script>", "<b>London</b>", "SELECT * FROM users",
    '=HYPERLINK("http://evil.example")', "www.example.com", "someone@example.com", "HD1 2QA", "LS6",
    "England", "UK", "United Kingdom", "Xqzvbnmwq", "Zoom", "TBC", "prefer not to say",
]


@pytest.mark.parametrize("text", NON_PLACES)
def test_non_places_are_unresolved_with_a_reason(gb: geo.OfflineGeocoder, text: str) -> None:
    res = gb.resolve(text)
    assert res.status == "unresolved"
    assert res.reason
    assert gb.geocode(text) is None


@pytest.mark.parametrize("value", [None, float("nan"), 42, 3.5, ("Leeds",)])
def test_non_strings_never_crash(gb: geo.OfflineGeocoder, value: object) -> None:
    res = gb.resolve(value)
    assert res.status == "unresolved" and res.reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_nothing_is_ever_placed_at_zero_zero(gb: geo.OfflineGeocoder, text: str) -> None:
    loc = gb.geocode(text)
    if loc is not None:
        assert (loc.latitude, loc.longitude) != (0.0, 0.0)
        assert math.isfinite(loc.latitude) and math.isfinite(loc.longitude)


def test_geocode_returns_a_geopy_location_with_raw_details(gb: geo.OfflineGeocoder) -> None:
    loc = gb.geocode("Leeds")
    assert isinstance(gb, Geocoder) and isinstance(loc, Location)
    assert loc.raw["country_code"] == "GB" and loc.raw["confidence"] == 1.0
    assert loc.raw["geonameid"] > 0 and loc.raw["reason"]
    assert "Leeds" in loc.address and "England" in loc.address


def test_exactly_one_false_lists_candidates(gb: geo.OfflineGeocoder) -> None:
    locs = gb.geocode("Springfield", exactly_one=False)
    assert isinstance(locs, list) and len(locs) >= 2
    assert len({(round(x.latitude), round(x.longitude)) for x in locs}) >= 2


def test_fast_location_matches_geopy_constructor() -> None:
    fast = adapter._fast_location("Leeds, GB", 53.8, -1.55, {"a": 1})
    slow = Location("Leeds, GB", Point(53.8, -1.55), {"a": 1})
    assert fast == slow and fast.point == slow.point and repr(fast) == repr(slow)
    assert adapter.location_factory() is adapter._fast_location


@pytest.mark.parametrize(
    ("bias", "text", "expected"),
    [
        ("GB", "London", LONDON),
        ("CA", "London", LONDON_ON),
        ("", "London", LONDON),
        ("GB", "London, Ontario", LONDON_ON),
        ("CA", "London, UK", LONDON),
        ("US", "Manchester", (42.996, -71.455)),  # Manchester, New Hampshire
        ("GB", "Manchester", MANCHESTER),
        ("US", "Cologne", COLOGNE),  # a big city abroad beats a village at home
        ("GB", "Perth", (56.396, -3.437)),
        ("AU", "Perth", (-31.950, 115.860)),
    ],
)
def test_ambiguous_names_prefer_the_community_country(bias: str, text: str, expected: tuple[float, float]) -> None:
    loc = geo.OfflineGeocoder(country_bias=bias).geocode(text)
    assert loc is not None
    assert float(haversine_km(loc.latitude, loc.longitude, *expected)) <= 30


def test_ambiguous_without_bias_is_low_confidence_with_guesses() -> None:
    res = geo.OfflineGeocoder().resolve("Springfield")
    assert res.status == "low_confidence" and res.ambiguous
    assert len(res.candidates) >= 3


@pytest.mark.parametrize(("text", "ok"), [("Manchestr", True), ("Huddersfeild", True), ("Edinbrugh", True)])
def test_typos_carry_a_confidence_below_exact(gb: geo.OfflineGeocoder, text: str, ok: bool) -> None:
    res = gb.resolve(text)
    assert res.status == "resolved"
    assert 0.8 <= res.confidence < 1.0
    assert "spelling" in res.reason


def test_small_place_abroad_is_flagged_for_review(gb: geo.OfflineGeocoder) -> None:
    res = gb.resolve("Headingley")  # a Leeds suburb GeoNames lacks; it has one in Manitoba
    assert res.status == "low_confidence"


def test_main_country_counts_unambiguous_hits_only() -> None:
    texts = ["Huddersfield", "Leeds", "leeds", "London", "Toronto", "Online", "", None]
    assert geo.main_country(texts) == "GB"
    assert geo.main_country(["Online", "", "-"]) == ""


class _ResolveCounter(geo.Resolver):
    """Resolves as the offline geocoder does, and remembers what it was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def resolve(self, query: object, country_bias: str | None = None) -> geo.Resolution:
        self.asked.append(str(query))
        return super().resolve(query, country_bias)


def test_main_country_stops_once_the_tail_cannot_change_the_winner() -> None:
    tail = [f"Nowhereville {i}" for i in range(400)]  # one-off strings, each resolved only if needed
    counter = _ResolveCounter()
    assert geo.main_country(["Leeds"] * 500 + tail, counter) == "GB"
    assert len(counter.asked) < 300


def test_main_country_tail_can_still_win_when_it_outnumbers_the_top_city() -> None:
    french = ["Paris", "Lyon", "Marseille", "Toulouse", "Nice", "Nantes", "Strasbourg", "Bordeaux", "Lille", "Rennes"]
    texts = ["Leeds"] * 6 + french
    assert geo.main_country(texts) == "FR"
    assert geo.main_country(texts[:6] + french[:5]) == "GB"


class CountingGeocoder(Geocoder):
    """A stand-in geocoder (like Nominatim would be) that counts its calls."""

    def __init__(self) -> None:
        super().__init__(user_agent="test")
        self.calls: list[str] = []

    def geocode(self, query, *, exactly_one=True, timeout=None):
        self.calls.append(query)
        if query.strip().lower() == "leeds":
            return Location("Leeds, England", Point(53.8, -1.55), {"name": "Leeds", "country_code": "gb"})
        if query.strip().lower() == "nowhere-ville":
            return Location("Null Island", Point(0.0, 0.0), {})
        return None


def test_geocode_places_geocodes_each_normalised_string_once() -> None:
    fake = CountingGeocoder()
    frame = geo.geocode_places(["Leeds", "leeds ", "LEEDS", "Leeds", "York", "", None], geocoder=fake)
    assert len(fake.calls) == 2
    assert list(frame["city_text"]) == ["Leeds", "leeds", "LEEDS", "York"]
    assert list(frame.columns[: len(GEOCODE_COLUMNS)]) == list(GEOCODE_COLUMNS)
    assert list(frame["status"]) == ["resolved"] * 3 + ["unresolved"]
    assert frame.loc[0, "country"] == "GB"


def test_a_stand_in_geocoder_at_zero_zero_is_unresolved() -> None:
    frame = geo.geocode_places(["Nowhere-ville"], geocoder=CountingGeocoder())
    assert frame.loc[0, "status"] == "unresolved" and math.isnan(frame.loc[0, "lat"])


def test_geocode_places_statuses_and_guesses(gb: geo.OfflineGeocoder) -> None:
    frame = geo.geocode_places(["Leeds", "Online", "Springfield", "Manchestr"], geocoder=geo.OfflineGeocoder())
    status = dict(zip(frame["city_text"], frame["status"]))
    assert status == {"Leeds": "resolved", "Online": "unresolved", "Springfield": "low_confidence",
                      "Manchestr": status["Manchestr"]}
    row = frame.set_index("city_text").loc["Springfield"]
    assert row["candidates"].count(";") >= 2
    online = frame.set_index("city_text").loc["Online"]
    assert online["reason"] == geo.REASON_NOT_A_PLACE and math.isnan(online["lat"])


def test_geocode_places_empty_input() -> None:
    frame = geo.geocode_places([], geocoder=CountingGeocoder())
    assert frame.empty and list(frame.columns[: len(GEOCODE_COLUMNS)]) == list(GEOCODE_COLUMNS)


def test_apply_manual_fix_sets_every_case_variant_and_keeps_input(gb: geo.OfflineGeocoder) -> None:
    geocodes = geo.geocode_places(["Shoreditch", "shoreditch ", "Leeds"], geocoder=gb)
    before = geocodes.copy()
    fixed = geo.apply_manual_fix(geocodes, "SHOREDITCH", "London, UK", gb)
    pd.testing.assert_frame_equal(geocodes, before)
    rows = fixed[fixed["city_text"].str.lower() == "shoreditch"]
    assert set(rows["status"]) == {"manual"} and set(rows["place"]) == {"London"}
    assert (rows["confidence"] == 1.0).all()


def test_apply_manual_fix_accepts_coordinates_and_reports_failures(gb: geo.OfflineGeocoder) -> None:
    geocodes = geo.geocode_places(["Flat 3"], geocoder=gb)
    by_point = geo.apply_manual_fix(geocodes, "Flat 3", "53.80, -1.55", gb)
    assert by_point.loc[0, "status"] == "manual" and by_point.loc[0, "lat"] == pytest.approx(53.80)
    failed = geo.apply_manual_fix(geocodes, "Flat 3", "Qqqqzzz", gb)
    assert failed.loc[0, "status"] == "unresolved" and "Qqqqzzz" in failed.loc[0, "reason"]
    added = geo.apply_manual_fix(geocodes, "Somewhere new", "Leeds", gb)
    assert len(added) == 2 and added.iloc[-1]["status"] == "manual"


def test_add_coordinates_labels(gb: geo.OfflineGeocoder) -> None:
    members = pd.DataFrame({"member_id": list("abcdef"),
                            "city": ["Portland, OR", "Portland, Maine", " Leeds ", "", "Online only", None]})
    geocodes = geo.geocode_places(members["city"], geocoder=gb)
    out = geo.add_coordinates(members, geocodes)
    assert set(MEMBER_GEO_COLUMNS) <= set(out.columns) and "lat" not in members
    labels = list(out["city_label"])
    assert labels[0] != labels[1] and labels[0].startswith("Portland") and labels[1].startswith("Portland")
    assert labels[2:] == ["Leeds", "(no city)", "Online only", "(no city)"]
    assert out["lat"].isna().tolist() == [False, False, False, True, True, True]
    assert list(out["country_code"]) == ["US", "US", "GB", "", "", ""]


def test_add_event_coordinates_online_events_have_no_place(gb: geo.OfflineGeocoder) -> None:
    events = pd.DataFrame({"event_id": ["e1", "e2"], "city": ["Leeds", "Leeds"], "online": [False, True]})
    out = geo.add_event_coordinates(events, geo.geocode_places(events["city"], geocoder=gb))
    assert out.loc[0, "city_label"] == "Leeds" and not math.isnan(out.loc[0, "lat"])
    assert out.loc[1, "city_label"] == "Online" and math.isnan(out.loc[1, "lat"])


def _community() -> Community:
    return make_community(
        members=[{"member_id": "a", "city": "Leeds"}, {"member_id": "b", "city": "leeds"},
                 {"member_id": "c", "city": "Huddersfeild"}, {"member_id": "d", "city": "Online"},
                 {"member_id": "e", "city": "London"}],
        events=[{"event_id": "e1", "city": "Leeds"}, {"event_id": "e2", "city": "", "online": True},
                {"event_id": "e3", "city": "Bradford"}],
        country="",
    )


def test_geocode_community_fills_everything(gb: geo.OfflineGeocoder) -> None:
    out = geo.geocode_community(_community(), geocoder=geo.OfflineGeocoder())
    assert out.country == "GB"
    assert list(out.members["city_label"]) == ["Leeds", "Leeds", "Huddersfield", "Online", "London"]
    assert set(out.geocodes["city_text"]) == {"Leeds", "leeds", "Huddersfeild", "Online", "London", "Bradford"}
    assert out.events["lat"].isna().tolist() == [False, True, False]


def test_geocode_community_keeps_given_geocodes(gb: geo.OfflineGeocoder) -> None:
    first = geo.geocode_community(_community(), geocoder=gb, country="GB")
    fixed = geo.apply_manual_fix(first.geocodes, "Online", "Bradford", gb)
    again = geo.geocode_community(_community(), geocoder=gb, country="GB", geocodes=fixed)
    assert again.members.loc[3, "city_label"] == "Bradford"
    assert (again.geocodes["city_text"] == "Online").sum() == 1


def test_geocode_community_empty() -> None:
    out = geo.geocode_community(make_community(country="GB"), geocoder=CountingGeocoder())
    assert out.members.empty and out.geocodes.empty and out.country == "GB"


def test_disk_cache_round_trip_and_refuses_code(tmp_path) -> None:
    state = {k: [] for k in ("names", "lat", "lon", "pop", "cc", "admin1", "gid", "primary")}
    state.update(keys={}, buckets={}, qualifiers={}, region_names={})
    path = tmp_path / "places.pickle"
    index._write_cache(path, state)
    assert index._read_cache(path) == state
    path.write_bytes(pickle.dumps({"x": print}))  # any class/function reference is refused
    assert index._read_cache(path) is None
    path.write_bytes(b"not a pickle")
    assert index._read_cache(path) is None


def test_cache_can_be_turned_off(monkeypatch) -> None:
    monkeypatch.setenv("NEIGHBOURLY_NO_DISK_CACHE", "1")
    assert geo.cache_dir() is None
    monkeypatch.setenv("NEIGHBOURLY_NO_DISK_CACHE", "")
    monkeypatch.setenv("NEIGHBOURLY_CACHE_DIR", "/tmp/somewhere")
    assert str(geo.cache_dir()) == "/tmp/somewhere"


def test_place_index_is_a_singleton() -> None:
    assert geo.get_place_index() is geo.get_place_index()
    assert len(geo.get_place_index()) > 150_000


@pytest.mark.parametrize(("a", "b"), [("Zürich", "zurich"), ("St. Albans", "saint albans"),
                                      ("Stoke-on-Trent", "stoke on trent"), ("  MÜNCHEN ", "munchen")])
def test_name_key(a: str, b: str) -> None:
    assert geo.name_key(a) == geo.name_key(b)


def test_geo_frames_use_float_coordinates(gb: geo.OfflineGeocoder) -> None:
    frame = geo.geocode_places(["Leeds", "Online"], geocoder=gb)
    assert frame["lat"].dtype == np.float64 and frame["confidence"].dtype == np.float64


# --- online geocoding, with fake geocoders only (never the network) -------------------


class FakeOnline(Geocoder):
    """Answers like Nominatim for a few names; can pretend the network is down."""

    def __init__(self, down: bool = False) -> None:
        super().__init__(user_agent="test")
        self.down = down
        self.calls: list[str] = []

    def geocode(self, query, *, exactly_one=True, timeout=None):
        self.calls.append(query)
        if self.down:
            raise GeocoderUnavailable("no network")
        if query.lower() == "shoreditch":
            raw = {"name": "Shoreditch", "address": {"country_code": "gb"}}
            return Location("Shoreditch, London, England", Point(51.526, -0.078), raw)
        return None


def _unresolved(gb: geo.OfflineGeocoder) -> pd.DataFrame:
    return geo.geocode_places(["Shoreditch", "shoreditch", "Qqqzzxq", "Online", "HD1 2QA", "Leeds"], geocoder=gb)


def test_online_asks_only_unresolved_places_and_caches(gb: geo.OfflineGeocoder, tmp_path) -> None:
    fake, seen = FakeOnline(), []
    cache = tmp_path / "nominatim.json"
    result = online_geo.geocode_online(_unresolved(gb), fake, cache_path=cache, min_delay_seconds=0,
                                       progress=lambda n, total, text: seen.append((n, total)))
    assert sorted(fake.calls) == ["Qqqzzxq", "Shoreditch"]  # not "Online", the postcode or Leeds
    assert result.asked == 2 and result.skipped == 2 and result.not_found == 1 and not result.offline
    rows = result.geocodes[result.geocodes["city_text"].str.lower() == "shoreditch"]
    assert set(rows["status"]) == {"resolved"} and set(rows["country"]) == {"GB"}
    assert seen == [(1, 2), (2, 2)] and "Found 1 of 2" in result.message
    again = online_geo.geocode_online(_unresolved(gb), FakeOnline(down=True), cache_path=cache, min_delay_seconds=0)
    assert again.from_cache == 2 and again.asked == 0 and "Shoreditch" in again.found


def test_online_without_network_is_a_result_not_an_exception(gb: geo.OfflineGeocoder) -> None:
    result = online_geo.geocode_online(_unresolved(gb), FakeOnline(down=True), cache_path=None, min_delay_seconds=0)
    assert result.offline and "online" in result.message
    assert (result.geocodes["status"] == "unresolved").sum() == 5  # unchanged


def test_online_nothing_to_do(gb: geo.OfflineGeocoder) -> None:
    frame = geo.geocode_places(["Leeds"], geocoder=gb)
    result = online_geo.geocode_online(frame, FakeOnline(), cache_path=None)
    assert result.asked == 0 and result.message.startswith("Nothing to look up")


def test_online_cache_drops_bad_entries(tmp_path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"a": ["A", 1.0, 2.0, "GB"], "b": ["B", 0, 0, ""], "c": null, "d": "junk"}')
    assert online_geo.load_cache(path) == {"a": ("A", 1.0, 2.0, "GB"), "c": None}
    path.write_text("not json")
    assert online_geo.load_cache(path) == {}


def test_apply_online_keeps_manual_fixes(gb: geo.OfflineGeocoder) -> None:
    frame = geo.apply_manual_fix(_unresolved(gb), "Shoreditch", "London", gb)
    out = online_geo.apply_online(frame, {"shoreditch": ("Shoreditch", 51.5, -0.08, "GB")})
    assert set(out.loc[out["city_text"].str.lower() == "shoreditch", "status"]) == {"manual"}


def test_nominatim_client_identifies_itself() -> None:
    client = online_geo.make_geocoder()
    assert "neighbourly" in client.headers["User-Agent"]


def test_manual_fix_with_a_named_point(gb: geo.OfflineGeocoder) -> None:
    found = geo.resolve_manual("Headingley @ 53.819, -1.578", gb)
    assert found == {"place": "Headingley", "country": "GB", "lat": 53.819, "lon": -1.578, "address": "Headingley"}
    assert geo.resolve_manual("Nowhere @ 999, 0", gb) is None
    assert geo.resolve_manual("Springfield, MO, US", gb)["country"] == "US"
    assert geo.resolve_manual("Leeds, ENG, GB", gb)["place"] == "Leeds"  # the candidates' own format


def test_places_to_review_counts_members(gb: geo.OfflineGeocoder) -> None:
    c = geo.geocode_community(_community().with_(members=_community().members.assign(
        city=["Springfield", "springfield ", "Leeds", "Online", "Qqqzzxq"])), geocoder=gb, country="GB")
    review = geo.places_to_review(c)
    assert list(review.columns) == ["city_text", "status", "reason", "candidates", "members"]
    assert review.iloc[0]["members"] == 2 and review.iloc[0]["city_text"].lower() == "springfield"
    assert "Leeds" not in set(review["city_text"])
    assert geo.places_to_review(make_community()).empty


def test_places_to_review_lists_case_variants_once_under_the_most_typed_spelling(gb: geo.OfflineGeocoder) -> None:
    cities = ["perth", "Perth", "Perth", "PERTH", "Qqqzzxq"]
    c = geo.geocode_community(make_community(members=[{"member_id": f"m{i}", "city": t} for i, t in enumerate(cities)]),
                              geocoder=gb, country="GB")
    review = geo.places_to_review(c).set_index("city_text")["members"].to_dict()
    assert review == {"Perth": 4, "Qqqzzxq": 1}


def test_manual_fix_prefers_the_communitys_country() -> None:
    geocodes = geo.geocode_places(["Leeds", "York", "Bradford", "Somewhere"], geocoder=geo.OfflineGeocoder(),
                                  country="GB")
    fixed = geo.apply_manual_fix(geocodes, "Somewhere", "Perth", geo.OfflineGeocoder())  # AU without a bias
    assert fixed.set_index("city_text").loc["Somewhere", "country"] == "GB"


# --- the batch fast path (resolve_many) -------------------------------------------------------

_BATCH_BIASES = ["", "GB", "US", "CA", "FR", "DE", "ZZ"]


def _batch_strings(n_places: int = 900, seed: int = 5) -> list[object]:
    """A few thousand strings of every kind resolve_many treats differently: GeoNames
    spellings (one place or several), their case variants, ASCII alternative names,
    accents, names read as regions, non-places, typos, suffixes, junk and non-strings."""
    import random

    ix = geo.get_place_index()
    rng = random.Random(seed)
    places = rng.sample(range(len(ix)), n_places) + list(range(60))  # the biggest places too
    out: list[object] = []
    for i in places:
        name = ix.names[i]
        out += [name, name.lower(), name.upper(), f" {name}  ", name.swapcase()]
    shared = [k for k, v in ix.keys.items() if isinstance(v, tuple)]
    aliases = [k for k, v in ix.keys.items() if isinstance(v, int) and k != ix.primary[v]]
    for key in rng.sample(shared, 600) + rng.sample(aliases, 600):
        out += [key, key.title(), key.upper()]
    out += ["London", "london", "LONDON", "Paris", "paris", "Springfield", "springfield", "SPRINGFIELD",
            "Portland", "Richmond", "Newport", "Perth", "Manchester", "Cologne", "Köln", "koln", "München",
            "Munich", "Zürich", "Zurich", "zurich", "Saint Albans", "St Albans", "St. Albans", "Fort Worth",
            "Mount Vernon", "Washington", "washington", "Quebec", "Luxembourg", "England", "UK", "Yorkshire",
            "Online", "online", "N/A", "-", "Earth", "HD1 2QA", "12345", "🌍", "<b>Leeds</b>", "Leeds, UK",
            "Portland OR", "Manchestr", "Huddersfeild", "Greater Manchester", "Camden Town", "Москва",
            "東京", "New  York", "new york", "New York", "x" * 300, "", "   ", "Sao Paulo", "São Paulo",
            "London\tOntario", "Frankfurt am Main", "frankfurt am main", "Frankfurt Am Main",
            None, float("nan"), 42, 3.5, ("Leeds",)]
    return out


@pytest.mark.parametrize("mode", ["one by one", "prepared", "half built"])
def test_resolve_many_equals_resolve_for_every_string(mode: str, monkeypatch) -> None:
    ix = geo.get_place_index()
    if mode == "one by one":  # as a process that hasn't needed the shared-name verdicts yet
        monkeypatch.setattr(ix, "_fast", None)
        monkeypatch.setattr(ix, "_picks", {})
        monkeypatch.setattr(ix, "_picked", 0)
    elif mode == "half built":  # spellings already carry their verdicts, the tables aren't seen yet
        geo.OfflineGeocoder().prepare()
        monkeypatch.setattr(ix, "_picks", {})
        monkeypatch.setattr(ix, "_picked", 0)
    texts = _batch_strings()
    assert len(texts) > 5_000
    for bias in _BATCH_BIASES:
        g = geo.OfflineGeocoder(country_bias=bias)
        if mode == "prepared":
            g.prepare()
        slow = [g.resolve(t) for t in texts]
        fast = list(g.resolve_many(texts))
        assert len(fast) == len(slow)
        for t, a, b in zip(texts, slow, fast):
            assert type(b) is geo.Resolution and tuple(b) == tuple(a), (bias, t, a, b)
    if mode != "prepared":
        assert ix._picks == {}  # too few shared names to be worth working them all out


def test_resolve_many_takes_the_fast_path_for_whole_names() -> None:
    g = geo.OfflineGeocoder(country_bias="GB")
    g.prepare()
    texts = ["London", "Leeds", "leeds", "KOLN", "Bombay", "Springfield", "springfield", "Zürich"]
    batch = g.resolve_many(texts)
    assert not any(isinstance(v, geo.Resolution) for v in batch.verdicts)  # no resolve() fallback
    assert [r.status for r in batch][:3] == ["resolved"] * 3
    assert batch[6].reason == "several places are called 'springfield'; picked the likeliest"
    slow = g.resolve_many(["Leeds, UK", "Manchestr", "Online", None])
    assert all(isinstance(v, geo.Resolution) for v in slow.verdicts)


def test_every_ascii_index_key_is_its_own_fold() -> None:
    # resolve_many reads an ASCII string's lower case as its fold when that is an index key:
    # fold(s) == fold(s.lower()) for ASCII s, so this holds if every ASCII key folds to itself
    bad = [k for k in geo.get_place_index().keys if k.isascii() and geo.name_key(k) != k]
    assert bad == []


def test_resolve_many_defers_to_a_subclass_resolve() -> None:
    class Everywhere(geo.Resolver):
        def resolve(self, query, country_bias=None):
            return geo.Resolution(str(query), 0, 1.0, "everywhere")

    batch = Everywhere().resolve_many(["London", "Leeds"])
    assert [r.reason for r in batch] == ["everywhere", "everywhere"]


@pytest.mark.parametrize("country", ["", "GB", "US"])
def test_geocode_places_matches_one_string_at_a_time(country: str) -> None:
    g = geo.OfflineGeocoder()
    texts = [t for t in _batch_strings(200, seed=11) if isinstance(t, str)]
    frame = geo.geocode_places(texts, geocoder=g, country=country)
    distinct = list(dict.fromkeys(t.strip() for t in texts if t.strip()))
    by_key: dict[str, dict] = {}
    for text in distinct:
        by_key.setdefault(geo.city_key(text), geo_columns.resolution_row(text, g, country))
    expected = geo_columns.geocode_frame([{**by_key[geo.city_key(t)], "city_text": t} for t in distinct])
    pd.testing.assert_frame_equal(frame, expected)


# --- whole-column shortcuts equal their row-by-row spelling ---------------------------------------


def _typo_heads(n: int, seed: int) -> list[str]:
    """Folded names with one to three slips, some long (a band of two) and some with spaces."""
    import random

    ix = geo.get_place_index()
    rng = random.Random(seed)
    keys = sorted(k for k in ix.keys if k.isascii() and len(k) >= 4)
    out = []
    for key in rng.sample(keys, n):
        letters = list(key)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(1, len(letters))
            roll = rng.random()
            if roll < 0.3:
                letters[at] = rng.choice("abcdefghijklmnopqrstuvwxyz")
            elif roll < 0.6 and len(letters) > 4:
                del letters[at]
            else:
                letters.insert(at, rng.choice("aeiou "))
        out.append("".join(letters).strip())
    return [h for h in out if len(h) >= 4] + ["zzzzzzzz", "qqqq", "xylophonetown"]  # nothing near


def test_typo_searches_worked_out_together_equal_one_at_a_time() -> None:
    g = geo.Resolver()
    heads = _typo_heads(1500, seed=5)
    together = batch.spellings_many(g, heads + heads[:10])  # repeats are looked up once
    wider = {h for h in heads if max(g.near_spellings(h, h[0] + h[-1]).values(), default=0.0) < 0.85}
    assert wider and len(wider) < len(set(heads))  # both kinds of search are covered
    assert set(together) == {(h, h[0] + h[-1]) for h in heads} | {(h, h[0]) for h in wider}
    for (head, prefix), near in together.items():
        # the same names, similarities and order (the order settles ties later)
        assert list(near.items()) == list(g.near_spellings(head, prefix).items()), (head, prefix)


def test_resolve_many_typos_equal_resolve() -> None:
    g = geo.OfflineGeocoder(country_bias="GB")
    texts = [h.title() for h in _typo_heads(400, seed=8)] + ["Leeds, UK", "Huddersfeild", "Manchestr, England"]
    assert list(g.resolve_many(texts)) == [g.resolve(t) for t in texts]
    assert batch.KNOWN_SPELLINGS.get() is None  # nothing is kept after the batch


def _labels_by_rows(geocodes: pd.DataFrame) -> dict[str, str]:
    """``geo_columns._labels`` as it was first written: pandas groups and rows."""
    placed = geocodes[geocodes["status"].isin(["resolved", "low_confidence", "manual"]) & (geocodes["place"] != "")]
    if placed.empty:
        return {}
    address = placed["address"] if "address" in placed else pd.Series("", index=placed.index)
    spots = pd.DataFrame({
        "key": placed["city_text"].map(geo.city_key), "place": placed["place"], "country": placed["country"],
        "address": address.fillna(""),
        "spot": placed["lat"].round(2).astype(str) + "," + placed["lon"].round(2).astype(str),
    })
    alone = spots.groupby("place", sort=False)["spot"].transform("nunique") == 1
    labels = dict(zip(spots.loc[alone, "key"], spots.loc[alone, "place"], strict=True))
    for place, group in spots[~alone].groupby("place", sort=False):
        distinct = group.drop_duplicates("spot")
        towns_differ = distinct["address"].map(lambda a: a.rsplit(",", 1)[0]).nunique() == len(distinct)
        for row in group.itertuples(index=False):
            if row.address and row.address.count(",") >= 2:
                labels[row.key] = row.address.rsplit(",", 1)[0] if towns_differ else row.address
            elif row.country:
                labels[row.key] = f"{place} ({row.country})"
            else:
                labels[row.key] = f"{place} ({row.spot})"
    return labels


def _hand_made_geocodes() -> pd.DataFrame:
    """Shared names at one spot and at several, with and without addresses and countries."""
    rows = [
        ("Portland, OR", "Portland", "US", 45.52, -122.68, "resolved", "Portland, Oregon, United States"),
        ("Portland, Maine", "Portland", "US", 43.66, -70.26, "resolved", "Portland, Maine, United States"),
        ("portland  or", "Portland", "US", 45.52, -122.68, "resolved", "Portland, Oregon, United States"),
        ("Richmond", "Richmond", "GB", 54.40, -1.74, "low_confidence", "Richmond, England"),
        ("Richmond VA", "Richmond", "", 37.55, -77.46, "resolved", ""),
        ("Richmond, London", "Richmond", "GB", 51.46, -0.30, "manual", ""),
        ("Newport", "Newport", "GB", 51.59, -2.99, "resolved", "Newport, Wales, United Kingdom"),
        ("Newport RI", "Newport", "US", 41.49, -71.31, "resolved", "Newport, Rhode Island, United States"),
        ("Leeds", "Leeds", "GB", 53.80, -1.55, "resolved", "Leeds, England, United Kingdom"),
        ("Leeds town", "Leeds", "GB", 53.801, -1.549, "low_confidence", "Leeds, England, United Kingdom"),
        ("Nowhere", "", "", np.nan, np.nan, "unresolved", ""),
        ("Somewhere", "Somewhere", "GB", 52.0, -1.0, "unresolved", ""),
    ]
    frame = pd.DataFrame(rows, columns=["city_text", "place", "country", "lat", "lon", "status", "address"])
    frame.loc[4, "country"] = np.nan  # hand-made geocodes may leave gaps
    frame.loc[5, "address"] = None
    frame["confidence"], frame["reason"], frame["candidates"] = 1.0, "", ""
    return frame


def test_labels_equal_the_row_by_row_labels() -> None:
    geocodes = _hand_made_geocodes()
    assert geo_columns._labels(geocodes) == _labels_by_rows(geocodes)
    assert geo_columns._labels(geocodes.drop(columns="address")) == _labels_by_rows(geocodes.drop(columns="address"))
    assert geo_columns._labels(geocodes.iloc[8:]) == _labels_by_rows(geocodes.iloc[8:]) == {"leeds": "Leeds", "leeds town": "Leeds"}


def test_place_columns_equal_the_object_column_spelling() -> None:
    geocodes = _hand_made_geocodes()
    lookup = geo_columns.geo_lookup(geocodes)
    events = pd.DataFrame({"city": ["Portland, OR", " Newport ", None, "Nowhere", "Leeds", "Leeds", "  "],
                           "online": [False, True, False, True, False, True, True]}, index=[5, 3, 9, 1, 0, 2, 7])
    online = events["online"].to_numpy()
    columns = geo_columns.place_columns(events, lookup, online)
    codes, distinct = geo_columns.text_codes(events["city"])
    hits = [lookup.get(geo.city_key(t)) for t in distinct]
    labels = [h[4] if h else (" ".join(t.split()) or geo.NO_CITY_LABEL) for h, t in zip(hits, distinct)]
    expected = {
        "lat": pd.Series(np.asarray([h[0] if h else np.nan for h in hits], dtype=object)[codes], dtype="float64").mask(online),
        "place": pd.Series(np.asarray([h[2] if h else "" for h in hits], dtype=object)[codes], dtype="str"),
        "city_label": pd.Series(np.asarray(labels, dtype=object)[codes], dtype="str").mask(online, geo.ONLINE_LABEL),
    }
    for name, column in expected.items():
        pd.testing.assert_series_equal(columns[name], column.set_axis(events.index), check_names=False)
    assert list(columns["city_label"]) == ["Portland, Oregon", "Online", "(no city)", "Online", "Leeds", "Online", "Online"]
    empty = geo_columns.place_columns(events.iloc[:0], lookup, online[:0])
    assert all(len(c) == 0 for c in empty.values()) and empty["place"].dtype == "str"


def test_geocode_community_country_is_main_country_of_members_and_events() -> None:
    community = make_community(
        members=[{"member_id": "a", "city": "Leeds"}, {"member_id": "b", "city": " leeds"},
                 {"member_id": "c", "city": "Paris"}, {"member_id": "d", "city": None}],
        events=[{"event_id": "e1", "city": "Lyon"}, {"event_id": "e2", "city": "Nice"},
                {"event_id": "e3", "city": "Leeds", "online": True}],
        country="",
    )
    out = geo.geocode_community(community, geocoder=geo.OfflineGeocoder())
    assert out.country == geo.main_country(["Leeds", " leeds", "Paris", None, "Lyon", "Nice"]) == "FR"


def test_warming_a_geocoder_does_the_first_loads_once_per_process_work():
    from dashboard.geo import batch

    g = geo.OfflineGeocoder()
    assert g.warm() is g
    fast, _blocked = batch.fast_tables(g.index)
    assert g.index._fast is not None and fast.get("London") is not None
    import sys

    assert "scipy.spatial" in sys.modules
