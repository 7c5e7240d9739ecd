"""The shared caches of personal data expire, are bounded and can be cleared (issue 17, defect 7)."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.runtime import caching
from streamlit.runtime.caching import cache_utils
from streamlit.testing.v1 import AppTest

from dashboard.ingest import Upload
from dashboard.ui import loaders
from dashboard.ui.state import KEY_UPLOADS

UPLOAD = Upload("members.csv", b"Name,Email\nAnn,ann@example.org\n")


class Clock:
    """A monotonic clock the test moves by hand (Streamlit reads its TTL timer at each lookup)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Streamlit's cache clock, moved by hand; every cache is rebuilt so it reads this clock."""
    c = Clock()
    monkeypatch.setattr(cache_utils, "TTLCACHE_TIMER", c)
    st.cache_data.clear()  # caches made earlier in this process hold the real clock
    st.cache_resource.clear()
    yield c
    monkeypatch.undo()
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def reads(clock, monkeypatch) -> list[str]:
    """Each real read behind ``loaders.preview`` (a cache miss), recorded; caches start empty."""
    seen: list[str] = []

    def fake_preview(upload: Upload, kind: str, **_reader) -> str:
        seen.append(kind)
        return f"preview of {upload.name}"

    monkeypatch.setattr(loaders, "preview_upload", fake_preview)
    loaders.clear_personal_caches()
    yield seen
    loaders.clear_personal_caches()


def test_a_cached_preview_is_reused_within_its_lifetime(reads, clock):
    assert loaders.preview("k1", UPLOAD, "members") == "preview of members.csv"
    clock.now += loaders.PERSONAL_TTL.total_seconds() - 5
    loaders.preview("k1", UPLOAD, "members")
    assert reads == ["members"]


def test_a_cached_preview_expires_after_its_lifetime(reads, clock):
    loaders.preview("k1", UPLOAD, "members")
    clock.now += loaders.PERSONAL_TTL.total_seconds() + 1
    loaders.preview("k1", UPLOAD, "members")
    assert reads == ["members", "members"]


def test_clearing_drops_every_cached_upload(reads, clock):
    loaders.preview("k1", UPLOAD, "members")
    loaders.clear_personal_caches()
    loaders.preview("k1", UPLOAD, "members")
    assert reads == ["members", "members"]


def test_entries_are_bounded(reads, clock):
    for i in range(loaders.PREVIEW_ENTRIES + 1):
        loaders.preview(f"k{i}", UPLOAD, "members")
    loaders.preview("k0", UPLOAD, "members")  # the oldest was dropped to make room
    assert len(reads) == loaders.PREVIEW_ENTRIES + 2


@pytest.mark.parametrize("cached", loaders.PERSONAL_CACHES, ids=lambda f: f.__name__)
def test_every_personal_cache_has_a_lifetime_and_a_bound(cached):
    """The behaviour is shown on ``preview`` above; the others are declared the same way."""
    for half, scope in ((cached.shared, "global"), (cached.own, "session")):
        info = half._info  # Streamlit's record of the decorator's arguments
        assert info.ttl == loaders.PERSONAL_TTL
        assert 0 < info.max_entries <= 16
        assert info.scope == scope


# --- a session's own uploads are cached for that session only -------------------------------

CALLS: list[str] = []


def _work(key: str) -> int:
    CALLS.append(key)
    return len(CALLS)


counted = loaders._personal(False, 4)(_work)
held = loaders._personal(False, 4, held=True)(_work)  # st.cache_resource: held, handed out
#: the cache the sessions below call, and how Streamlit ends a session's part of it
IN_USE = {"cache": counted, "end_session": caching.clear_session_data_cache}


def _page() -> None:
    import streamlit as st

    from dashboard.ui import loaders
    from tests import test_loader_caches as here

    st.text(str(loaders.showing_own_uploads()))
    here.IN_USE["cache"]("same content")


def _session(own: bool) -> AppTest:
    at = AppTest.from_function(_page, default_timeout=60)
    if own:
        at.session_state[KEY_UPLOADS] = {"members": UPLOAD}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text[0].value == str(own)
    return at


@pytest.fixture(params=["data", "held"])
def fresh_counts(request):
    cache, end = ((counted, caching.clear_session_data_cache) if request.param == "data"
                  else (held, caching.clear_session_resource_cache))
    IN_USE.update(cache=cache, end_session=end)
    CALLS.clear()
    cache.shared.clear()
    yield CALLS
    cache.shared.clear()
    IN_USE.update(cache=counted, end_session=caching.clear_session_data_cache)


def test_the_demo_or_a_kept_snapshot_is_worked_out_once_for_every_session(fresh_counts):
    _session(own=False).run()
    IN_USE["end_session"]("test session id")  # that session ended (see below)
    _session(own=False)
    assert len(fresh_counts) == 1


def test_a_sessions_own_uploads_are_cached_for_that_session_only_and_go_when_it_ends(fresh_counts):
    mine = _session(own=True)
    mine.run()  # a rerun finds it in the session's own cache
    assert len(fresh_counts) == 1
    _session(own=False)  # nothing of it went into the shared cache
    assert len(fresh_counts) == 2
    # what Streamlit does when a browser disconnects (AppSession.clear_session_caches); every
    # AppTest runs as this one session id, so two sessions can't be told apart here
    IN_USE["end_session"]("test session id")
    mine.run()
    assert len(fresh_counts) == 3


def test_the_load_cache_is_cleared_too(monkeypatch):
    calls: list[str] = []

    def fake_places(community) -> str:
        calls.append("review")
        return "places"

    monkeypatch.setattr(loaders.geo, "places_to_review", fake_places)
    loaders.clear_personal_caches()
    loaders.places_to_review("c1", object())
    loaders.places_to_review("c1", object())
    loaders.clear_personal_caches()
    loaders.places_to_review("c1", object())
    assert calls == ["review", "review"]
    loaders.clear_personal_caches()


def test_the_content_key_hashes_each_uploads_bytes_once(monkeypatch):
    import hashlib

    hashed: list[int] = []
    real = hashlib.sha256

    def counting(data=b"", *args, **kwargs):
        hashed.append(len(data))
        return real(data, *args, **kwargs)

    big = Upload("attendance.csv", b"Event ID,Email\n" + b"1,a@example.org\n" * 1000)
    same_bytes = Upload("attendance.csv", bytes(big.data))
    key = loaders.content_key({"attendance": big}, {}, "GB")
    monkeypatch.setattr(loaders.hashlib, "sha256", counting)
    assert loaders.content_key({"attendance": big}, {}, "GB") == key  # rerun after rerun
    assert len(big.data) not in hashed, "the upload's bytes were hashed again"
    assert loaders.content_key({"attendance": same_bytes}, {}, "GB") == key  # another object, same content
    assert loaders.content_key({"attendance": Upload("attendance.csv", big.data + b"2,b@example.org\n")}, {}, "GB") != key
    assert loaders.content_key({"attendance": big}, {}, "") != key
