"""Kept snapshots and the one load path: uploads + choices in, the same Community out, every time.

``keep`` loads the uploads (so unusable files are refused before anything is written),
then keeps them in the workspace; ``community`` rebuilds a kept snapshot through the same
load, with the date it was kept as "today", so a snapshot gives the same numbers later.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pandas as pd
from geopy.geocoders.base import Geocoder

from dashboard import geo
from dashboard import load as load_path
from dashboard.ingest import InputError, Upload, load_community
from dashboard.model import Community
from dashboard.store import Counts, Snapshot, SnapshotInfo, Store


def load(uploads: Mapping[str, Upload | None], place_fixes: Mapping[str, str], country: str,
         today: pd.Timestamp, geocoder: Geocoder | None = None) -> Community:
    """Uploads + country + the organiser's place fixes + today -> a geocoded Community.

    Raises ``InputError`` when nothing is usable.
    """
    kept = {kind: u for kind, u in uploads.items() if u is not None}
    return load_path.load(kept, today=pd.Timestamp(today).normalize(), country=country,
                          manual_places=place_fixes, geocoder=geocoder or geo.OfflineGeocoder())


def kept_on(info: SnapshotInfo) -> pd.Timestamp:
    """The day a snapshot was kept (UTC), the "today" it is rebuilt with."""
    return pd.Timestamp(info.created_at.astimezone(UTC).date())


def community(snapshot: Snapshot, geocoder: Geocoder | None = None) -> Community:
    """Rebuild a kept snapshot's community through the one load path."""
    return load(snapshot.uploads, snapshot.place_fixes, snapshot.country, kept_on(snapshot.info), geocoder)


def people(snapshot: Snapshot) -> Community | None:
    """A snapshot's people as ingestion reads them, without geocoding (for who is who: the contact
    log, erasure); None when its files can no longer be loaded."""
    ups = snapshot.uploads
    try:
        return load_community(ups.get("members"), ups.get("events"), ups.get("attendance"),
                              country=snapshot.country, reference_date=kept_on(snapshot.info))
    except InputError:
        return None


def counts(com: Community) -> Counts:
    """How many members, events and attendance rows a community has."""
    return Counts(len(com.members), len(com.events), len(com.attendance))


def keep(store: Store, uploads: Mapping[str, Upload | None], place_fixes: Mapping[str, str], country: str,
         now: datetime | None = None, geocoder: Geocoder | None = None) -> tuple[SnapshotInfo, Community]:
    """Load the uploads (refusing unusable ones with ``InputError``), then keep them as a new snapshot."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    com = load(uploads, place_fixes, country, pd.Timestamp(now.date()), geocoder)
    info = store.keep(uploads, place_fixes, country, counts(com), now=now)
    return info, com
