"""Offline geocoding of the free-text city column, through geopy's interface.

The package, along its seams (see each module's docstring):

- ``keys``: text keys (``name_key``, the folded form the index is keyed by; ``city_key``,
  what case/space variants share) and why a string can't be a place (``junk_reason``);
- ``regions``: countries and regions a name can be qualified by;
- ``index``: the GeoNames place index and its disk cache;
- ``resolution``: ``Resolution``/``ResolvedBatch`` and ``PlaceLookup``, the small
  interface the column code calls;
- ``resolver`` and ``batch``: the plain resolver (parse, candidates, pick, fuzzy) and
  its batch fast path;
- ``adapter``: ``OfflineGeocoder``, a geopy ``Geocoder`` over the resolver;
- ``columns``: geocoding a column of city texts and the place columns it gives;
- ``fixes``: manual fixes and places to review;
- ``cities``: neighbourhoods that roll up into their city (the rule and why);
- ``outliers``: places resolved far from the rest of the community, flagged for review;
- ``community``: geocoding a whole community, hand fixes included, and grouping its places;
- ``online``: opt-in Nominatim lookups for what stayed unresolved.

``from dashboard import geo`` gives the public names below.
"""

from dashboard.geo import online
from dashboard.geo.adapter import OfflineGeocoder
from dashboard.geo.columns import (
    NO_CITY_LABEL,
    ONLINE_LABEL,
    AnyGeocoder,
    add_coordinates,
    add_event_coordinates,
    geocode_places,
    main_country,
    valid_point,
)
from dashboard.geo.community import geocode_community, group_places
from dashboard.geo.fixes import apply_manual_fix, places_to_review, resolve_manual
from dashboard.geo.index import (
    GEONAMES_ATTRIBUTION,
    INDEX_FORMAT,
    PlaceIndex,
    build_place_index,
    cache_dir,
    get_place_index,
)
from dashboard.geo.keys import (
    NON_PLACE_REASONS,
    REASON_CODE,
    REASON_EMPTY,
    REASON_FORMULA,
    REASON_NO_LETTERS,
    REASON_NOT_A_PLACE,
    REASON_NOT_FOUND,
    REASON_NOT_FOUND_SCRIPT,
    REASON_NOT_TEXT,
    REASON_POSTCODE,
    REASON_REGION,
    REASON_TOO_LONG,
    REASON_WEB,
    city_key,
    junk_reason,
    name_key,
)
from dashboard.geo.resolution import LOW_CONFIDENCE_MIN, RESOLVED_MIN, PlaceLookup, Resolution, ResolvedBatch
from dashboard.geo.resolver import Resolver

__all__ = [
    "GEONAMES_ATTRIBUTION",
    "INDEX_FORMAT",
    "LOW_CONFIDENCE_MIN",
    "NON_PLACE_REASONS",
    "NO_CITY_LABEL",
    "ONLINE_LABEL",
    "REASON_CODE",
    "REASON_EMPTY",
    "REASON_FORMULA",
    "REASON_NOT_A_PLACE",
    "REASON_NOT_FOUND",
    "REASON_NOT_FOUND_SCRIPT",
    "REASON_NOT_TEXT",
    "REASON_NO_LETTERS",
    "REASON_POSTCODE",
    "REASON_REGION",
    "REASON_TOO_LONG",
    "REASON_WEB",
    "RESOLVED_MIN",
    "AnyGeocoder",
    "OfflineGeocoder",
    "PlaceIndex",
    "PlaceLookup",
    "Resolution",
    "ResolvedBatch",
    "Resolver",
    "add_coordinates",
    "add_event_coordinates",
    "apply_manual_fix",
    "build_place_index",
    "cache_dir",
    "city_key",
    "geocode_community",
    "group_places",
    "geocode_places",
    "get_place_index",
    "junk_reason",
    "main_country",
    "name_key",
    "online",
    "places_to_review",
    "resolve_manual",
    "valid_point",
]
