"""The workspace in the app: one cached ``Store`` per database, and the session's link to it.

A session with no uploads of its own shows the workspace's latest snapshot, and moves to a
newer one when another session (or the command line) keeps it; the demo shows only when
the workspace is empty. Going back to an earlier snapshot stays there until the organiser
keeps or picks another. Keeping, going back, deleting and erasing live on the Data page.
"""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from dashboard import snapshots
from dashboard.model import Community
from dashboard.store import ENV_VAR, SnapshotInfo, Store, StoreError, default_url
from dashboard.ui import loaders
from dashboard.ui.state import KEY_COUNTRY, KEY_MANUAL_PLACES, KEY_UPLOADS

KEY_SNAPSHOT = "_snapshot"  # id of the kept snapshot the session's data came from (None: not kept)
KEY_FINGERPRINT = "_snapshot_fingerprint"  # content key of that snapshot, to notice edits since
KEY_FOLLOW = "_snapshot_follow"  # False after going back on purpose: don't jump to the latest


@st.cache_resource(show_spinner=False)
def _open(url: str) -> Store:
    return Store.open(url)


def url() -> str:
    """The workspace database this server uses."""
    return os.environ.get(ENV_VAR) or default_url()


def store() -> Store | None:
    """The workspace (opened once per server and database); None, with a warning, if unusable."""
    try:
        return _open(url())
    except StoreError as exc:
        st.warning("The workspace database can't be used, so nothing is kept between visits.",
                   icon=":material/warning:")
        st.text(str(exc))
        return None


def _fingerprint() -> str:
    ups = dict(st.session_state.get(KEY_UPLOADS) or {})
    return loaders.content_key(ups, dict(st.session_state.get(KEY_MANUAL_PLACES) or {}),
                               st.session_state.get(KEY_COUNTRY, ""))


def _show(snapshot_id: int | None, s: Store, follow: bool) -> None:
    snap = s.snapshot(snapshot_id) if snapshot_id is not None else None
    st.session_state[KEY_UPLOADS] = dict(snap.uploads) if snap else {}
    st.session_state[KEY_MANUAL_PLACES] = dict(snap.place_fixes) if snap else {}
    st.session_state[KEY_COUNTRY] = snap.country if snap else ""
    st.session_state[KEY_SNAPSHOT] = snap.id if snap else None
    st.session_state[KEY_FINGERPRINT] = _fingerprint()
    st.session_state[KEY_FOLLOW] = follow


def follow_latest() -> None:
    """Bring the session in line with the workspace, before anything is loaded (every rerun)."""
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
        if not st.session_state.get(KEY_FOLLOW, True):
            return
    latest = s.latest_id()
    if latest != shown:
        _show(latest, s, follow=True)


def shown_snapshot() -> int | None:
    """The kept snapshot the session shows, if it shows one unchanged."""
    return st.session_state.get(KEY_SNAPSHOT)


def is_empty() -> bool:
    """True when the workspace holds no snapshot (or can't be used)."""
    s = store()
    return s is None or s.latest_id() is None


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
        return "Nowhere: the workspace database can't be used."
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
