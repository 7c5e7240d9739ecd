"""A load that reuses an earlier one's members and places gives the same community, and does
less: the Data page loads again as each file lands (dashboard.reuse)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from benchmarks import synth
from dashboard import load as load_path
from dashboard.geo import OfflineGeocoder
from dashboard.ingest import Upload, pipeline
from dashboard.model import Community
from dashboard.reuse import Reuse

ROOT = Path(__file__).resolve().parents[1]
TODAY = pd.Timestamp("2026-06-01")
KINDS = ("members", "events", "attendance")


@pytest.fixture(scope="module")
def geocoder() -> OfflineGeocoder:
    return OfflineGeocoder()


def _demo() -> dict[str, Upload]:
    return {k: Upload(f"demo_{k}.csv", (ROOT / "data" / f"demo_{k}.csv").read_bytes()) for k in KINDS}


def _synth(tmp_path_factory) -> dict[str, Upload]:
    files = synth.ensure((3_000, 20_000), seed=7, cache=tmp_path_factory.getbasetemp() / "synth")
    return {k: Upload(p.name, p.read_bytes()) for k, p in files.paths.items()}


def _same(a: Community, b: Community) -> None:
    for part in ("members", "events", "attendance", "geocodes", "problems"):
        assert_frame_equal(getattr(a, part), getattr(b, part), obj=part)
    assert a.sources == b.sources
    assert a.country == b.country


def _file_by_file(uploads: dict[str, Upload], geocoder, reuse: Reuse | None, **options) -> list[Community]:
    """As the Data page loads them: members, then members and events, then all three."""
    return [load_path.load({k: uploads[k] for k in KINDS[: n + 1]}, TODAY, geocoder=geocoder, reuse=reuse, **options)
            for n in range(len(KINDS))]


@pytest.mark.parametrize("files", ["demo", "synth"])
def test_file_by_file_with_reuse_gives_the_very_same_communities(files, geocoder, tmp_path_factory):
    uploads = _demo() if files == "demo" else _synth(tmp_path_factory)
    fresh = _file_by_file(uploads, geocoder, None)
    reused = _file_by_file(uploads, geocoder, Reuse())
    for a, b in zip(fresh, reused, strict=True):
        _same(a, b)
    assert len(reused[-1].attendance) > 0 and len(reused[-1].geocodes) > 0


def test_the_members_file_is_parsed_and_its_places_geocoded_once(geocoder, monkeypatch):
    parsed, geocoded = [], []
    real_members, real_places = pipeline._canonical_members, load_path.geo.geocode_community.__globals__["geocode_places"]

    def counting_members(upload, *args, **kwargs):
        parsed.append(upload.name)
        return real_members(upload, *args, **kwargs)

    def counting_places(texts, *args, **kwargs):
        texts = list(texts)
        geocoded.append(len(texts))
        return real_places(texts, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_canonical_members", counting_members)
    monkeypatch.setitem(load_path.geo.geocode_community.__globals__, "geocode_places", counting_places)
    uploads = _demo()
    _file_by_file(uploads, geocoder, Reuse())
    assert parsed == ["demo_members.csv"]
    first, *later = geocoded
    assert first > 0 and all(n < first for n in later)  # later passes geocode only places not seen before


def test_nothing_is_reused_when_the_members_file_or_its_reading_changes(geocoder):
    uploads = _demo()
    reuse = Reuse()
    plain = load_path.load({"members": uploads["members"]}, TODAY, geocoder=geocoder, reuse=reuse)
    ignored = Upload(uploads["members"].name, uploads["members"].data, overrides={"Which town or city do you live in?": "(ignore)"})
    without_city = load_path.load({"members": ignored}, TODAY, geocoder=geocoder, reuse=reuse)
    assert (plain.members["city"] != "").any() and (without_city.members["city"] == "").all()
    fixed = load_path.load({"members": uploads["members"]}, TODAY, geocoder=geocoder, reuse=reuse,
                           manual_places={"Leeds": "York, GB"})
    assert_frame_equal(fixed.geocodes, load_path.load({"members": uploads["members"]}, TODAY, geocoder=geocoder,
                                                      manual_places={"Leeds": "York, GB"}).geocodes)
    later = load_path.load({"members": uploads["members"]}, TODAY + pd.Timedelta(days=400), geocoder=geocoder,
                           reuse=reuse)
    assert_frame_equal(later.problems, load_path.load({"members": uploads["members"]}, TODAY + pd.Timedelta(days=400),
                                                      geocoder=geocoder).problems)


def test_a_kept_result_is_not_changed_by_what_the_caller_does_to_it():
    reuse = Reuse()
    frame = pd.DataFrame({"a": [1, 2]})
    reuse.put("stage", ("basis",), (frame, "report"))
    got, _ = reuse.get("stage", ("basis",))
    got["a"] = [9, 9]
    got["b"] = 1
    again, report = reuse.get("stage", ("basis",))
    assert again["a"].tolist() == [1, 2] and "b" not in again and report == "report"
    assert reuse.get("stage", ("other",)) is None and reuse.get("unknown", ("basis",)) is None
