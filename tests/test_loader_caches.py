"""The shared caches of personal data expire, are bounded and can be cleared (issue 17, defect 7)."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.runtime.caching import cache_utils

from dashboard.ingest import Upload
from dashboard.ui import loaders

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
    yield c
    monkeypatch.undo()
    st.cache_data.clear()


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
    info = cached._info  # Streamlit's record of the decorator's arguments
    assert info.ttl == loaders.PERSONAL_TTL
    assert 0 < info.max_entries <= 16


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
