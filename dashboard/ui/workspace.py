"""The workspace in the app: one cached ``Store`` per database, and the session's link to it.

A session with no uploads of its own shows the workspace's latest snapshot, and moves to a
newer one when another session (or the command line) keeps it; the demo shows only when
the workspace is empty. Going back to an earlier snapshot stays there until the organiser
keeps or picks another. Keeping, going back, deleting and erasing live on the Data page.

The thresholds are the workspace's (read on every rerun), and a place fixed while a kept
snapshot shows is written into that snapshot: another session sees either on its next rerun.
"""

from __future__ import annotations

import hashlib
import os
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import erasure, snapshots
from dashboard.model import Community
from dashboard.settings import Settings
from dashboard.store import ENV_VAR, SnapshotInfo, Store, StoreError, default_url
from dashboard.store.follow import FollowThrough
from dashboard.store.workspace import KINDS
from dashboard.ui import loaders
from dashboard.ui.state import KEY_COUNTRY, KEY_MANUAL_PLACES, KEY_UPLOADS
from dashboard.words import plural

KEY_SNAPSHOT = "_snapshot"  # id of the kept snapshot the session's data came from (None: not kept)
KEY_FINGERPRINT = "_snapshot_fingerprint"  # content key of that snapshot, to notice edits since
KEY_ERASED = "_snapshot_erasures"  # the workspace's last erasure when the shown snapshot's files were read
KEY_FOLLOW = "_snapshot_follow"  # False after going back on purpose: don't jump to the latest
KEY_BOXES = "_upload_boxes"  # how many times the Data page's upload boxes were emptied (part of their keys)


@st.cache_resource(show_spinner=False)
def _open(url: str) -> Store:
    return Store.open(url)


#: per database: the day retention was last applied and how many contact log entries it deleted
_RETAINED: dict[str, tuple[date, int]] = {}


def _retain(s: Store) -> None:
    """Apply the retention setting when the workspace opens (and again each new day the server runs)."""
    today = date.today()
    if _RETAINED.get(s.url, (None, 0))[0] != today:
        _RETAINED[s.url] = (today, FollowThrough(s).apply_retention(today, s.settings().retention_months))


def retention_note() -> str:
    """What the retention setting does, and what it did when the workspace last opened."""
    s = store()
    if s is None:
        return ""
    months = plural(s.settings().retention_months, "month")
    day, gone = _RETAINED.get(s.url, (date.today(), 0))
    done = (f"{plural(gone, 'entry', 'entries')} deleted on {day:%d %B %Y}" if gone else f"none were due on {day:%d %B %Y}")
    return (f"Contact log entries and their notes older than {months} are deleted when the workspace opens "
            f"(and each day it stays open): {done}. Change it under Settings and thresholds.")


def url() -> str:
    """The workspace database this server uses."""
    return os.environ.get(ENV_VAR) or default_url()


def open_store() -> Store:
    """The workspace (opened once per server and database, its retention applied); ``StoreError``
    if it can't be used."""
    s = _open(url())
    _retain(s)
    return s


def store() -> Store | None:
    """The workspace (opened once per server and database); None if it can't be used (``problem``
    says why; the sidebar warns)."""
    try:
        return open_store()
    except StoreError:
        return None


def problem() -> str | None:
    """Why the workspace can't be used, or None when it can."""
    try:
        _open(url())
    except StoreError as exc:
        return str(exc)
    return None


def _fingerprint() -> str:
    ups = dict(st.session_state.get(KEY_UPLOADS) or {})
    return loaders.content_key(ups, dict(st.session_state.get(KEY_MANUAL_PLACES) or {}),
                               st.session_state.get(KEY_COUNTRY, ""))


def box_key(kind: str) -> str:
    """The widget key of the Data page's upload box for ``kind`` (a new one after ``_empty_boxes``)."""
    generation = st.session_state.get(KEY_BOXES, 0)
    return f"upload_{kind}" + (f"_{generation}" if generation else "")


def _empty_boxes() -> None:
    """Make the Data page's upload boxes let go of their files, which the page would otherwise
    take again on its next run (Streamlit can't empty a file box: it gets new keys)."""
    if any(st.session_state.get(box_key(kind)) is not None for kind in KINDS):
        st.session_state[KEY_BOXES] = st.session_state.get(KEY_BOXES, 0) + 1


def _show(snapshot_id: int | None, s: Store, follow: bool) -> None:
    _empty_boxes()
    snap = s.snapshot(snapshot_id) if snapshot_id is not None else None
    st.session_state[KEY_UPLOADS] = dict(snap.uploads) if snap else {}
    st.session_state[KEY_MANUAL_PLACES] = dict(snap.place_fixes) if snap else {}
    st.session_state[KEY_COUNTRY] = snap.country if snap else ""
    st.session_state[KEY_SNAPSHOT] = snap.id if snap else None
    st.session_state[KEY_FINGERPRINT] = _fingerprint()
    st.session_state[KEY_FOLLOW] = follow
    st.session_state[KEY_ERASED] = FollowThrough(s).last_erasure()


def follow_latest() -> None:
    """Bring the session in line with the workspace, before anything is loaded (every rerun):
    a newer snapshot, place fixes made in another session, a snapshot deleted elsewhere."""
    s = store()
    if s is None:
        return
    shown = st.session_state.get(KEY_SNAPSHOT)
    if shown is None and st.session_state.get(KEY_UPLOADS):
        return  # the organiser's own uploads, not kept (yet)
    if shown is not None:
        if _fingerprint() != st.session_state.get(KEY_FINGERPRINT):
            st.session_state[KEY_SNAPSHOT] = None  # edited since: now the organiser's own
            return
        if not _same_fixes(s, shown):  # deleted elsewhere: the latest one left (or the demo)
            _show(s.latest_id(), s, follow=True)
            return
        if FollowThrough(s).last_erasure() != st.session_state.get(KEY_ERASED, 0):  # someone was erased
            _show(shown, s, follow=st.session_state.get(KEY_FOLLOW, True))  # its rewritten files
            return
        if not st.session_state.get(KEY_FOLLOW, True):
            return
    latest = s.latest_id()
    if latest != shown:
        _show(latest, s, follow=True)


def _same_fixes(s: Store, shown: int) -> bool:
    """Take the shown snapshot's place fixes as the workspace has them now; False if it is gone."""
    fixes = s.place_fixes(shown)
    if fixes is None:
        return False
    if fixes != st.session_state.get(KEY_MANUAL_PLACES):
        st.session_state[KEY_MANUAL_PLACES] = fixes
        st.session_state[KEY_FINGERPRINT] = _fingerprint()
    return True


def fix_place(city_text: str, place_query: str) -> None:
    """Remember a hand-made place fix: in the shown snapshot, so every session of the workspace
    uses it from its next rerun, or, for uploads not kept yet, in this session (kept with them)."""
    shown, s = shown_snapshot(), store()
    st.session_state[KEY_MANUAL_PLACES] = {**(st.session_state.get(KEY_MANUAL_PLACES) or {}), city_text: place_query}
    if shown is not None and s is not None and s.fix_place(shown, city_text, place_query):
        st.session_state[KEY_FINGERPRINT] = _fingerprint()  # still the kept snapshot, not an edit


def settings() -> Settings | None:
    """The workspace's settings, read on every rerun so a change made in another session shows
    (None when the workspace can't be used)."""
    s = store()
    return None if s is None else s.settings()


def save_settings(settings: Settings | None) -> bool:
    """Save the settings in the workspace (None: back to the defaults); False if it can't be used."""
    s = store()
    if s is None:
        return False
    if settings is None:
        s.reset_settings()
    else:
        s.save_settings(settings)
    return True


def shown_snapshot() -> int | None:
    """The kept snapshot the session shows, if it shows one unchanged."""
    shown = st.session_state.get(KEY_SNAPSHOT)
    return shown if shown is not None and _fingerprint() == st.session_state.get(KEY_FINGERPRINT) else None


def is_empty() -> bool:
    """True when the workspace holds no snapshot (or can't be used)."""
    s = store()
    return s is None or s.latest_id() is None


def drop_uploads() -> None:
    """Stop using this session's own uploads (not kept): the latest snapshot shows again, or the
    demo when the workspace is empty."""
    _empty_boxes()
    st.session_state[KEY_UPLOADS] = {}
    st.session_state[KEY_MANUAL_PLACES] = {}
    st.session_state[KEY_SNAPSHOT] = None
    st.session_state[KEY_FOLLOW] = True


def shown_now(is_demo: bool) -> str:
    """What the session shows, in plain words (for the Data page)."""
    if is_demo:
        return "Showing the demo community, because the workspace has no kept snapshot yet."
    shown, s = shown_snapshot(), store()
    if shown is None or s is None:
        return "Showing your uploads from this browser session; they are not kept in the workspace yet."
    kept = next((k for k in s.snapshots() if k.id == shown), None)
    when = f", kept {kept.created_at:%Y-%m-%d %H:%M} UTC" if kept else ""
    latest = " (the latest)" if shown == s.latest_id() else " (an earlier one: newer snapshots are kept)"
    return f"Showing snapshot {shown}{when}{latest}."


def compared_with() -> SnapshotInfo | None:
    """The snapshot the Overview's "what changed" compares the session's data with: the one kept
    before the shown snapshot, or the latest kept one for uploads not kept yet (None for the demo,
    or when there is no earlier snapshot)."""
    s = store()
    if s is None or not st.session_state.get(KEY_UPLOADS):
        return None
    shown = shown_snapshot()
    earlier = s.previous_id(shown) if shown is not None else s.latest_id()
    return None if earlier is None else next((k for k in s.snapshots() if k.id == earlier), None)


def changes_since(data_key: str, as_of: pd.Timestamp, settings: Settings,
                  after: pd.DataFrame) -> tuple[SnapshotInfo, pd.DataFrame] | None:
    """What changed since ``compared_with()`` (``changes.since``, cached by the two snapshots'
    keys): ``after`` is the session's analysed members (``data_key`` its content key), unredacted."""
    s, earlier = store(), compared_with()
    if s is None or earlier is None:
        return None
    fixes = s.place_fixes(earlier.id)
    if fixes is None:
        return None
    # a kept snapshot's files never change, its place fixes may: both make its key
    before_key = hashlib.sha256(repr((s.url, earlier.id, sorted(fixes.items()))).encode()).hexdigest()[:16]
    found = loaders.changes_since(before_key, data_key, as_of, repr(settings), s, earlier.id, after, settings)
    return None if found is None else (earlier, found)


def keep(community: Community) -> SnapshotInfo | None:
    """Keep the session's uploads, place fixes and country as a new snapshot (``community`` is
    what they loaded into, for the counts)."""
    s = store()
    if s is None:
        return None
    info = s.keep(dict(st.session_state.get(KEY_UPLOADS) or {}), dict(st.session_state.get(KEY_MANUAL_PLACES) or {}),
                  st.session_state.get(KEY_COUNTRY, ""), snapshots.counts(community))
    _show(info.id, s, follow=True)
    return info


def go_back(snapshot_id: int) -> None:
    """Show an earlier snapshot, and stay on it."""
    s = store()
    if s is not None:
        _show(snapshot_id, s, follow=snapshot_id == s.latest_id())


def delete(snapshot_id: int) -> None:
    """Delete one snapshot; the session moves to the latest one left (or the demo)."""
    s = store()
    if s is not None:
        s.delete(snapshot_id)
        if shown_snapshot() == snapshot_id:
            _show(s.latest_id(), s, follow=True)


def forget(email: str, member_id: str) -> erasure.Erased | None:
    """Erase one person from the workspace (``dashboard.erasure.forget``) and from the shared
    caches; this session reads its snapshot's rewritten files (others do on their next rerun)."""
    s = store()
    if s is None:
        return None
    erased = erasure.forget(s, email, member_id)
    loaders.clear_personal_caches()
    shown = shown_snapshot()
    if shown is not None:
        _show(shown if s.snapshot(shown) is not None else s.latest_id(), s, follow=st.session_state.get(KEY_FOLLOW, True))
    return erased


def erase() -> None:
    """Erase the whole workspace; the session goes back to the demo."""
    s = store()
    if s is not None:
        s.erase()
        _show(None, s, follow=True)


def where() -> str:
    """Where the data is kept, in plain words."""
    s = store()
    if s is None:
        return f"Nowhere: the workspace database can't be used ({problem()}), so nothing is kept between visits."
    if s.path is not None:
        return f"In the workspace file {s.path} on the machine running this app, readable by its owner only."
    return f"In the workspace database {s.url}."


def table(kept: list[SnapshotInfo], shown: int | None) -> pd.DataFrame:
    """The snapshots as the Data page lists them."""
    return pd.DataFrame({
        "snapshot": [k.id for k in kept],
        "kept (UTC)": [k.created_at.strftime("%Y-%m-%d %H:%M") for k in kept],
        "files": [", ".join(name for _kind, name in k.files) for k in kept],
        "members": [k.members for k in kept],
        "events": [k.events for k in kept],
        "attendance rows": [k.attendance_rows for k in kept],
        "shown": ["yes" if k.id == shown else "" for k in kept],
    })
