"""Buddy suggestions are made only where they are shown (issue 15): ``analyse`` never runs the
matching, the Overview, Map and Engagement pages never ask for it, the Connection-risk page
fills its list's buddy column from it, and the Introductions page reuses what was made."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import geo, introductions
from dashboard.analysis import Exclusions, analyse, buddy_suggestions
from dashboard.ingest import Upload, load_community
from dashboard.model import default_as_of
from dashboard.settings import Settings
from tests.apptest import run_page

ROOT = Path(__file__).resolve().parents[1]
DEMO = {kind: ROOT / "data" / f"demo_{kind}.csv" for kind in ("members", "events", "attendance")}


@pytest.fixture(scope="module")
def demo():
    uploads = {kind: Upload(path.name, path.read_bytes()) for kind, path in DEMO.items()}
    community = geo.geocode_community(load_community(uploads["members"], uploads["events"], uploads["attendance"]))
    return community, default_as_of(community)


@pytest.fixture
def matchings(monkeypatch) -> list[int]:
    """How many times the buddy matching ran (each call's number of suggestions)."""
    calls: list[int] = []
    real = introductions.suggest_buddies

    def counted(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append(len(out))
        return out

    monkeypatch.setattr(introductions, "suggest_buddies", counted)
    return calls


def test_analyse_runs_no_matching_and_the_suggestions_are_the_same_as_before(demo, matchings):
    community, as_of = demo
    result = analyse(community, as_of, Settings())
    assert matchings == [] and not hasattr(result, "buddies")
    made = buddy_suggestions(result, Settings())
    assert len(matchings) == 1 and len(made) > 0
    direct = introductions.suggest_buddies(result.members, result.edges, Settings(), Settings().buddies_per_member)
    pd.testing.assert_frame_equal(made, direct)


def test_suggestions_leave_out_what_the_exclusions_rule_out(demo):
    community, as_of = demo
    result = analyse(community, as_of, Settings())
    made = buddy_suggestions(result, Settings())
    person, buddy = made.iloc[0]["member_id"], made.iloc[0]["buddy_id"]
    without = buddy_suggestions(result, Settings(), Exclusions(ids=frozenset({buddy}), pairs=frozenset({(person, buddy)})))
    assert buddy not in set(without["buddy_id"]) and buddy not in set(without["member_id"])


def _run(path: str) -> AppTest:
    return run_page(path, timeout=90)


def test_only_the_pages_that_show_buddies_make_them_and_only_once(matchings):
    st.cache_data.clear()  # nothing made by an earlier test (the buddies are held: cache_resource)
    st.cache_resource.clear()
    for path in ("app.py", "pages/2_Map.py", "pages/3_Engagement.py"):
        _run(path)
    assert matchings == [], "a page that shows no buddy ran the matching"
    risk_page = _run("pages/4_Connection_risk.py")
    assert len(matchings) == 1
    table = next(d.value for d in risk_page.main.dataframe if "risk_reasons" in d.value.columns)
    assert (table["buddy"] != "").any(), "the list's buddy column is filled in once the matching is done"
    _run("pages/5_Introductions.py")
    assert len(matchings) == 1, "the Introductions page made the suggestions again"


def test_the_data_page_runs_no_analysis(monkeypatch):
    from dashboard.ui import loaders

    runs: list[str] = []
    real = loaders.analyse
    monkeypatch.setattr(loaders, "analyse", lambda *a, **k: runs.append("analyse") or real(*a, **k))
    st.cache_data.clear()
    st.cache_resource.clear()
    _run("pages/1_Data.py")
    assert runs == [], "the Data page waited for the indicators it never shows"
    _run("app.py")
    assert runs == ["analyse"]
