"""Cached loaders: the only place Streamlit caching meets the core.

Caching sits at the data boundary: the parsed upload and the analysis are keyed
by file content and choices, so changing a filter never re-reads or re-scores.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import geo
from dashboard.analysis import Analysis, analyse
from dashboard.ingest import InputError, ReadResult, Upload, load_community
from dashboard.ingest.describe import UploadPreview, preview_upload
from dashboard.ingest.pipeline import read_upload
from dashboard.model import Community
from dashboard.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEMO_FILES = {
    "members": ROOT / "data" / "demo_members.csv",
    "events": ROOT / "data" / "demo_events.csv",
    "attendance": ROOT / "data" / "demo_attendance.csv",
}


@st.cache_resource(show_spinner="Loading the offline gazetteer (once per server)…")
def geocoder() -> geo.OfflineGeocoder:
    """The offline place index: built once per process, shared by every session."""
    return geo.OfflineGeocoder()


@st.cache_data(show_spinner=False)
def demo_uploads() -> dict[str, Upload]:
    """The demo community's three files, read once."""
    return {kind: Upload(path.name, path.read_bytes()) for kind, path in DEMO_FILES.items()}


def content_key(uploads: dict[str, Upload], manual: dict[str, str], country: str) -> str:
    """A short hash of everything the loaded community depends on."""
    h = hashlib.sha256()
    for kind in sorted(uploads):
        u = uploads[kind]
        h.update(kind.encode())
        h.update(u.data)
        h.update(repr((u.name, u.sheet, sorted(u.overrides.items()), sorted(u.date_orders.items()))).encode())
    h.update(repr((sorted(manual.items()), country)).encode())
    return h.hexdigest()[:16]


@st.cache_data(show_spinner="Reading your spreadsheets…", max_entries=8)
def _read(key: str, _upload: Upload) -> tuple[ReadResult | None, str]:
    """One upload read, or why it can't be (a refusal is remembered too, so it isn't re-read)."""
    try:
        return read_upload(_upload), ""
    except InputError as exc:
        return None, str(exc)


def read(upload: Upload) -> ReadResult:
    """Read an upload once for the Data page's preview and the load alike (cached by its bytes,
    name and sheet: a mapping or date-order change reads nothing again)."""
    key = hashlib.sha256(upload.data).hexdigest()[:16] + repr((upload.name, upload.sheet))
    result, error = _read(key, upload)
    if result is None:
        raise InputError(error, file=upload.name)
    return result


@st.cache_data(show_spinner=False, max_entries=8)
def preview(key: str, _upload: Upload, kind: str) -> UploadPreview:
    """What the Data page shows about one upload (cached by ``key``, its content hash)."""
    return preview_upload(_upload, kind, reader=read)


@st.cache_data(show_spinner="Reading your spreadsheets…", max_entries=8)
def load(key: str, _uploads: dict[str, Upload], _manual: dict[str, str], country: str) -> Community:
    """Parse, merge and geocode the uploads (cached by ``key``, their content hash)."""
    community = load_community(
        _uploads.get("members"),
        _uploads.get("events"),
        _uploads.get("attendance"),
        country=country,
        reference_date=pd.Timestamp.today().normalize(),
        reader=read,
    )
    return geo.geocode_community(community, geocoder=geocoder(), country=country, fixes=_manual)


@st.cache_data(show_spinner="Scoring engagement and connection risk…", max_entries=16)
def analysis(key: str, _community: Community, as_of: pd.Timestamp, settings_key: str, _settings: Settings) -> Analysis:
    """Every indicator for the whole community (cached by data key, date and settings)."""
    return analyse(_community, as_of, _settings)


@st.cache_data(show_spinner=False, max_entries=8)
def places_to_review(key: str, _community: Community) -> pd.DataFrame:
    """The Map page's place names to fix (cached by ``key``, the community's content hash)."""
    return geo.places_to_review(_community)
