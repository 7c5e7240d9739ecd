"""Cached loaders: the only place Streamlit caching meets the core.

Caching sits at the data boundary: the parsed upload and the analysis are keyed
by file content and choices, so changing a filter never re-reads or re-scores.

What these caches hold is personal data, so each has a lifetime and a bound (issue 17,
defect 7): an entry is dropped ``PERSONAL_TTL`` after it was made (the next page that needs
it rebuilds it in a few seconds), at most ``*_ENTRIES`` live at once, and
``clear_personal_caches`` drops them all at once (for erasure).

Each is two caches (``_personal``): one shared by every session, for what several sessions
show (the demo, the workspace's kept snapshots), and one per session (Streamlit's
``scope="session"``) for a session's own uploads that are not kept, which Streamlit drops
when that session ends, so their memory is returned when the organiser closes the page.

The big results (a read upload, the loaded community, its analysis, the buddy suggestions)
are held as they are (``st.cache_resource``): every rerun of every session reads the same
arrays instead of unpickling a copy of them (hundreds of MB for 100k members). They are
made read-only when cached and handed out as new frame objects over the same data
(``dashboard.ui.frozen``), so no page can change what another sees.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Generic, ParamSpec, TypeVar

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import changes, follow_through, geo, snapshots
from dashboard import load as load_path
from dashboard.analysis import Analysis, Exclusions, analyse, buddy_suggestions
from dashboard.auth.roles import ORGANISER, Redaction, redaction
from dashboard.ingest import InputError, ReadResult, Upload, describe
from dashboard.ingest.describe import UploadPreview, preview_upload
from dashboard.ingest.pipeline import read_upload
from dashboard.model import Community
from dashboard.reuse import Reuse
from dashboard.settings import Settings
from dashboard.store import Store
from dashboard.ui.frozen import freeze, handed_out
from dashboard.ui.state import KEY_UPLOADS

ROOT = Path(__file__).resolve().parents[2]
DEMO_FILES = {
    "members": ROOT / "data" / "demo_members.csv",
    "events": ROOT / "data" / "demo_events.csv",
    "attendance": ROOT / "data" / "demo_attendance.csv",
}
#: how long a parsed upload or its analysis stays in the shared cache after it was made
PERSONAL_TTL = timedelta(minutes=30)
READ_ENTRIES = 8  # uploads read, one per file (the preview and the load share them)
PREVIEW_ENTRIES = 8  # the Data page's previews, one per file
# one community per organiser at work plus the demo: fewer, and organisers on one server evict
# each other's data and every page reloads (seconds on 10k members)
LOAD_ENTRIES = 8  # loaded communities (the largest: hundreds of MB for 100k members)
ANALYSIS_ENTRIES = 16  # indicators per community, as-of date and settings
REDACTED_ENTRIES = 16  # the same, as a helper or a viewer may see them
REVIEW_ENTRIES = 8  # the Map page's places to check
CHANGES_ENTRIES = 8  # the Overview's "what changed" (names only: small)
#: per session, of its own uploads: the files in use and the one before (a mapping being corrected)
OWN_ENTRIES = 6

P = ParamSpec("P")
R = TypeVar("R")


def showing_own_uploads() -> bool:
    """True when this session shows uploads of its own that are not kept in the workspace
    (not the demo, not a kept snapshot unchanged)."""
    from dashboard.ui import workspace  # it imports this module

    return bool(st.session_state.get(KEY_UPLOADS)) and workspace.shown_snapshot() is None


class _Personal(Generic[P, R]):
    """A function cached twice over: shared by every session, and per session for the session's
    own uploads (dropped when the session ends); each call picks by ``showing_own_uploads``.

    ``held``: the result is held as it is (``st.cache_resource``: no pickled copy per rerun) and
    every caller gets ``frozen.handed_out`` of it; the function returns it ``frozen.freeze``-d."""

    def __init__(self, fn: Callable[P, R], spinner: bool | str, entries: int, held: bool = False) -> None:
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__
        self.held = held
        cache = st.cache_resource if held else st.cache_data
        self.shared = cache(show_spinner=spinner, ttl=PERSONAL_TTL, max_entries=entries)(fn)
        self.own = cache(show_spinner=spinner, ttl=PERSONAL_TTL, max_entries=min(entries, OWN_ENTRIES),
                         scope="session")(fn)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        result = (self.own if showing_own_uploads() else self.shared)(*args, **kwargs)
        return handed_out(result) if self.held else result

    def clear(self) -> None:
        """Drop every shared entry and this session's own (other sessions' end with them)."""
        self.shared.clear()
        if get_script_run_ctx() is not None:  # outside a session there is no own cache to clear
            self.own.clear()


def _personal(spinner: bool | str, entries: int, held: bool = False) -> Callable[[Callable[P, R]], _Personal[P, R]]:
    """A cache for personal data: a lifetime, a bound, and a session's own uploads kept apart
    (see the module docstring); ``held``: big results held once, handed out without copying."""
    return lambda fn: _Personal(fn, spinner, entries, held)


@st.cache_resource(show_spinner="Loading the offline gazetteer (once per server)…")
def geocoder() -> geo.OfflineGeocoder:
    """The offline place index: built once per process, shared by every session."""
    return geo.OfflineGeocoder().warm()


@st.cache_data(show_spinner=False)
def demo_uploads() -> dict[str, Upload]:
    """The demo community's three files, read once."""
    return {kind: Upload(path.name, path.read_bytes()) for kind, path in DEMO_FILES.items()}


#: upload -> the hash of its bytes, for the uploads a session holds (they are the same objects
#: rerun after rerun: hashing 130 MB again on every rerun of a 100k community took 0.1 s)
_DIGESTS: dict[int, tuple[weakref.ref[Upload], bytes]] = {}
_DIGESTS_KEPT = 64


def _digest(upload: Upload) -> bytes:
    """sha256 of the upload's bytes, worked out once per upload object."""
    known = _DIGESTS.get(id(upload))
    if known is not None and known[0]() is upload:
        return known[1]
    digest = hashlib.sha256(upload.data).digest()
    for key in [k for k, (ref, _) in _DIGESTS.items() if ref() is None][:_DIGESTS_KEPT]:
        _DIGESTS.pop(key, None)  # uploads gone
    if len(_DIGESTS) < _DIGESTS_KEPT:
        _DIGESTS[id(upload)] = (weakref.ref(upload), digest)
    return digest


def content_key(uploads: dict[str, Upload], manual: dict[str, str], country: str) -> str:
    """A short hash of everything the loaded community depends on."""
    h = hashlib.sha256()
    for kind in sorted(uploads):
        u = uploads[kind]
        h.update(kind.encode())
        h.update(_digest(u))
        h.update(repr((u.name, u.sheet, sorted(u.overrides.items()), sorted(u.date_orders.items()))).encode())
    h.update(repr((sorted(manual.items()), country)).encode())
    return h.hexdigest()[:16]


@_personal("Reading your spreadsheets…", READ_ENTRIES, held=True)
def _read(key: str, _upload: Upload) -> tuple[ReadResult | None, str]:
    """One upload read, or why it can't be (a refusal is remembered too, so it isn't re-read)."""
    try:
        return freeze(read_upload(_upload)), ""
    except InputError as exc:
        return None, str(exc)


def read(upload: Upload) -> ReadResult:
    """Read an upload once for the Data page's preview and the load alike (cached by its bytes,
    name and sheet: a mapping or date-order change reads nothing again)."""
    key = _digest(upload).hex()[:16] + repr((upload.name, upload.sheet))
    result, error = _read(key, upload)
    if result is None:
        raise InputError(error, file=upload.name)
    return result


@_personal(False, PREVIEW_ENTRIES, held=True)
def preview(key: str, _upload: Upload, kind: str) -> UploadPreview:
    """What the Data page shows about one upload (cached by ``key``, its content hash; held, not
    pickled: it holds the whole read file, which every Data page rerun would unpickle again)."""
    return freeze(preview_upload(_upload, kind, reader=read))


def _worked_out(community: Community) -> Community:
    """``community`` with what every rerun reads from it worked out once, before it is held
    (a value worked out on a caller's copy would be worked out again on every rerun)."""
    community.codes  # noqa: B018 - cached on the object
    community.ids_unique  # noqa: B018
    return community


@_personal("Reading your spreadsheets…", LOAD_ENTRIES, held=True)
def load(key: str, _uploads: dict[str, Upload], _manual: dict[str, str], country: str,
         _reuse: Reuse | None = None) -> Community:
    """``dashboard.load.load`` with today's date, the shared geocoder and the cached reader
    (cached by ``key``, the uploads' content hash); ``_reuse``: the session's last load, whose
    members and places a load of the same members file takes as they are."""
    return freeze(_worked_out(load_path.load(
        _uploads, today=pd.Timestamp.today().normalize(), country=country, manual_places=_manual,
        geocoder=geocoder(), reader=read, reuse=_reuse,
    )))


@_personal(False, LOAD_ENTRIES, held=True)
def grouped(key: str, _community: Community, _settings: Settings) -> Community:
    """``dashboard.load.grouped``: a loaded community with its places grouped as the settings say
    (cached by ``key``: the community's content key and the grouping), so a rerun groups nothing
    again."""
    return freeze(_worked_out(load_path.grouped(_community, _settings)))


@_personal("Scoring engagement and connection risk…", ANALYSIS_ENTRIES, held=True)
def analysis(key: str, _community: Community, as_of: pd.Timestamp, settings_key: str, _settings: Settings) -> Analysis:
    """Every indicator for the whole community (cached by data key, date and settings)."""
    return freeze(analyse(_community, as_of, _settings))


@_personal(False, REDACTED_ENTRIES, held=True)
def role_redaction(key: str, _community: Community, role: str) -> Redaction:
    """``role``'s redaction of the community (its pseudonyms: made once per data and role)."""
    return redaction(role, _community)


@_personal(False, REDACTED_ENTRIES, held=True)
def redacted_community(key: str, _community: Community, role: str) -> Community:
    """The community as ``role`` may see it (``dashboard.auth.roles``; cached by data key and role:
    a rerun redacts nothing again)."""
    return freeze(_worked_out(role_redaction(key, _community, role).community(_community)))


@_personal(False, REDACTED_ENTRIES, held=True)
def redacted(key: str, _community: Community, as_of: pd.Timestamp, settings_key: str, _settings: Settings,
             role: str) -> Analysis:
    """Every indicator as ``role`` may see them (cached by data key, date, settings and role), with
    the pseudonyms of ``redacted_community``."""
    full = analysis(key, _community, as_of, settings_key, _settings)
    return freeze(role_redaction(key, _community, role).analysis(full))


@_personal(False, LOAD_ENTRIES, held=True)
def problem_kinds(key: str, _community: Community) -> pd.DataFrame:
    """The Data page's problems summed up by kind (``describe.problem_kinds``; cached by ``key``,
    the community's: a regex over every problem row took 0.6 s a rerun at 100k members)."""
    return freeze(describe.problem_kinds(_community.problems))


@_personal(False, REVIEW_ENTRIES)
def places_to_review(key: str, _community: Community) -> pd.DataFrame:
    """The Map page's place names to fix (cached by ``key``, the community's content hash)."""
    return geo.places_to_review(_community)


@_personal("Comparing with the earlier snapshot…", CHANGES_ENTRIES)
def changes_since(before_key: str, after_key: str, as_of: pd.Timestamp, settings_key: str, _store: Store,
                  before_id: int, _after: pd.DataFrame, _settings: Settings) -> pd.DataFrame | None:
    """``changes.since`` the kept snapshot ``before_id`` (cached by the two snapshots' keys, the
    as-of date and the settings; the earlier snapshot is read and analysed only on a miss).
    None if that snapshot is gone or no longer loads."""
    snap = _store.snapshot(before_id)
    if snap is None:
        return None
    try:
        before = snapshots.community(snap, geocoder())
    except InputError:
        return None
    return changes.since(before, _after, _settings)


@_personal(False, ANALYSIS_ENTRIES)
def followed(key: str, _community: Community, log: pd.DataFrame, intros: pd.DataFrame, today: date,
             settings_key: str, _settings: Settings) -> follow_through.Followed:
    """The workspace's contact log and introductions matched to the community (cached by the data
    key, the log and introductions themselves, the day and the settings)."""
    return follow_through.followed(log, intros, _community, today, _settings)


@_personal("Suggesting buddies…", ANALYSIS_ENTRIES, held=True)
def _buddies(key: str, as_of: pd.Timestamp, settings_key: str, exclusions_key: str, _analysis: Analysis,
             _settings: Settings, _exclusions: Exclusions) -> pd.DataFrame:
    """The buddy suggestions without the people and pairs ``_exclusions`` rules out (cached by data
    key, date, settings and the exclusions; made only when a page shows them)."""
    return freeze(buddy_suggestions(_analysis, _settings, _exclusions))


@_personal(False, REDACTED_ENTRIES, held=True)
def _redacted_buddies(key: str, role: str, as_of: pd.Timestamp, settings_key: str, exclusions_key: str,
                      _community: Community, _analysis: Analysis, _settings: Settings,
                      _exclusions: Exclusions) -> pd.DataFrame:
    """``_buddies`` as ``role`` may see them (the pseudonyms of ``redacted``: same community)."""
    made = _buddies(key, as_of, settings_key, exclusions_key, _analysis, _settings, _exclusions)
    return freeze(role_redaction(key, _community, role).frame(made))


def buddies(key: str, community: Community, as_of: pd.Timestamp, settings: Settings, exclusions: Exclusions,
            role: str) -> pd.DataFrame:
    """The buddy suggestions for the whole ``community`` (unredacted, as loaded) as ``role`` may
    see them, made from the organiser's analysis (cached: the matching runs once per data, date,
    settings and exclusions, whichever role asks first)."""
    full = analysis(key, community, as_of, repr(settings), settings)
    if role == ORGANISER:
        return _buddies(key, as_of, repr(settings), exclusions.key(), full, settings, exclusions)
    return _redacted_buddies(key, role, as_of, repr(settings), exclusions.key(), community, full, settings, exclusions)


@_personal("Looking at what followed…", ANALYSIS_ENTRIES)
def helped(key: str, _community: Community, log: pd.DataFrame, intros: pd.DataFrame, today: date,
           settings_key: str, _settings: Settings) -> follow_through.Helped:
    """"Did it help?" (``follow_through.did_it_help``), cached like ``followed``."""
    return follow_through.did_it_help(log, intros, _community, today, _settings)


#: every cache above that holds data from an upload (the gazetteer and the demo files do not)
PERSONAL_CACHES = (_read, preview, load, grouped, analysis, role_redaction, redacted_community, redacted, places_to_review,
                   problem_kinds, changes_since, followed, _buddies, _redacted_buddies, helped)


def clear_personal_caches() -> None:
    """Drop every parsed upload, community and analysis from the shared caches, for every
    session (erasure; each session's own uploads live in its session state, not here)."""
    for cached in PERSONAL_CACHES:
        cached.clear()
