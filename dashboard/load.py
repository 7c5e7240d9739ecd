"""The one load path: the organiser's files, country, place fixes and today -> a geocoded Community.

The app's cached loader (``dashboard.ui.loaders.load``), the workspace's snapshots and the
headless report (through ``dashboard.snapshots.load``) all call ``load``, so the same files
give the same community and the same problems everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from geopy.geocoders.base import Geocoder

from dashboard import geo
from dashboard.ingest import Upload, load_community
from dashboard.ingest.pipeline import Reader
from dashboard.model import Community
from dashboard.reuse import Reuse
from dashboard.settings import Settings


def load(
    uploads: Mapping[str, Upload],
    today: pd.Timestamp | None,
    country: str = "",
    manual_places: Mapping[str, str] | None = None,
    geocoder: Geocoder | None = None,
    reader: Reader | None = None,
    reuse: Reuse | None = None,
) -> Community:
    """Parse, merge and geocode the uploads (by kind) with the organiser's place fixes.

    ``today`` is the caller's clock (the core never reads it): join dates after it are
    listed as problems. ``geocoder`` defaults to a fresh offline one; ``reader`` (the app's
    cached one) to ``ingest``'s own. ``reuse`` (``dashboard.reuse``): what an earlier load
    of the same members file worked out is taken as it is (the same community either way).
    """
    community = load_community(
        uploads.get("members"), uploads.get("events"), uploads.get("attendance"),
        country=country, reference_date=today, reader=reader, reuse=reuse,
    )
    # the organiser's place fixes are applied in the same geocoding pass (after the reused places)
    return geo.geocode_community(community, geocoder=geocoder, country=country, fixes=dict(manual_places or {}),
                                 reuse=reuse)


def grouped(community: Community, settings: Settings) -> Community:
    """``community`` (from ``load``) with its places grouped as ``settings`` say: neighbourhoods
    under their city within ``neighbourhood_km``, or each place as typed (``group_by_place``);
    the community itself when it is grouped so already (``load`` groups by the defaults)."""
    wanted = grouping(settings)
    if community.grouping == wanted:
        return community
    return geo.group_places(community, *wanted)


def grouping(settings: Settings) -> tuple[float, bool]:
    """How ``settings`` group places (``Community.grouping``): the neighbourhood reach in km, and
    whether each place stays as typed."""
    return float(settings.neighbourhood_km), bool(settings.group_by_place)
