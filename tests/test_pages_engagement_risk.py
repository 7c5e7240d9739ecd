"""The Engagement and Connection risk pages under AppTest, checked against the core's numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import activity, geo, outreach, risk
from dashboard import engagement as eng
from dashboard.analysis import analyse
from dashboard.filters import Filters, apply_filters, rows_for
from dashboard.ingest import Upload, load_community
from dashboard.model import default_as_of
from dashboard.settings import Settings
from dashboard.store import Store
from tests.apptest import run_page

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60
DEMO = {kind: ROOT / "data" / f"demo_{kind}.csv" for kind in ("members", "events", "attendance")}


@pytest.fixture(scope="module")
def demo():
    """The demo community and its analysis, computed by the core as the app's loaders do."""
    uploads = {kind: Upload(path.name, path.read_bytes()) for kind, path in DEMO.items()}
    community = load_community(uploads["members"], uploads["events"], uploads["attendance"], country="")
    community = geo.geocode_community(community, geocoder=geo.OfflineGeocoder(), country="")
    as_of = default_as_of(community)
    return community, analyse(community, as_of, Settings()), as_of


def page(path: str) -> AppTest:
    return run_page(path, timeout=TIMEOUT)


def metrics_shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.main.metric}


# --- Engagement ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engagement_page() -> AppTest:
    return page("pages/3_Engagement.py")


def test_engagement_headline_numbers(engagement_page: AppTest, demo) -> None:
    community, analysis, as_of = demo
    view = eng.exclude_staff(community, Settings())
    numbers = eng.summary(view, rows_for(analysis.metrics, view), as_of, Settings())
    shown = metrics_shown(engagement_page)
    assert shown == {label: value for label, value, _ in eng.summary_cards(numbers)}
    assert shown["Members"] == f"{len(view.members):,}" and len(view.members) < len(community.members)
    assert shown["No-show rate"].endswith("%")


def test_engagement_shows_four_charts_and_the_events_table(engagement_page: AppTest, demo) -> None:
    community, _, _ = demo
    assert len(engagement_page.get("plotly_chart")) == 4
    events = engagement_page.dataframe[0].value
    assert len(events) == len(community.events)
    expected = activity.events_table(eng.exclude_staff(community, Settings()))
    assert events["attended"].sum() == expected["attended"].sum()


def test_member_profile(engagement_page: AppTest, demo) -> None:
    _, analysis, _ = demo
    member_id = analysis.metrics.index[0]
    at = engagement_page
    at.selectbox(key="eng_member").set_value(member_id).run()
    assert not at.exception
    shown = metrics_shown(at)
    for label, value in eng.profile_cards(analysis.metrics, member_id):
        assert shown[label] == value
    assert any(analysis.metrics.loc[member_id, "segment_reason"] in t.value for t in at.text)
    assert len(at.get("plotly_chart")) == 6


def test_city_filter_narrows_engagement(demo) -> None:
    community, analysis, as_of = demo
    at = page("pages/3_Engagement.py")
    at.sidebar.multiselect(key="city").set_value(["Leeds"]).run()
    assert not at.exception
    view = eng.exclude_staff(apply_filters(community, Filters(cities=("Leeds",))), Settings())
    numbers = eng.summary(view, rows_for(analysis.metrics, view), as_of, Settings())
    assert metrics_shown(at)["Members"] == f"{numbers['members']:,}"
    assert metrics_shown(at)["Active, 90 days"] == f"{numbers['active_last_90']:,}"


# --- Connection risk ------------------------------------------------------------------------------


@pytest.fixture()
def risk_page() -> AppTest:
    return page("pages/4_Connection_risk.py")


def checkin_table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.main.dataframe if "risk_reasons" in d.value.columns)


def staff_free_risk(demo) -> pd.DataFrame:
    community, analysis, _ = demo
    return rows_for(analysis.risk, eng.exclude_staff(community, Settings()))


def test_risk_counts_and_list(risk_page: AppTest, demo) -> None:
    _, analysis, _ = demo
    view_risk = staff_free_risk(demo)
    assert len(view_risk) < len(analysis.risk)  # the demo has organisers and hosts
    counts = risk.tier_counts(view_risk)
    assert metrics_shown(risk_page) == {"High": str(counts["high"]), "Keep an eye on": str(counts["medium"]),
                                        "Low": str(counts["low"])}
    table = checkin_table(risk_page)
    expected = outreach.outreach_list(analysis.members, view_risk, False, tiers=("high", "medium"))
    assert len(table) == len(expected) == counts["high"] + counts["medium"]
    assert table["member_id"].tolist() == expected["member_id"].tolist()
    assert table["risk_score"].is_monotonic_decreasing
    assert (table["buddy"] != "").any()  # first suggestions from the Introductions page
    assert (table["risk_reasons"] != "").all()
    assert any(f"{len(expected):,} people" in t.value for t in risk_page.text)
    assert len(risk_page.get("plotly_chart")) == 2


def test_the_page_leads_with_this_weeks_check_ins(risk_page: AppTest, demo) -> None:
    full = checkin_table(risk_page)
    week = next(d.value for d in risk_page.main.dataframe if "why" in d.value.columns)
    assert week["name"].tolist() == full["name"].head(Settings().checkins_per_week).tolist()
    waiting = len(full) - Settings().checkins_per_week
    assert any(f"; {waiting} more people are waiting" in c.value for c in risk_page.caption)


def test_emails_hidden_until_asked(risk_page: AppTest, demo) -> None:
    assert "email" not in checkin_table(risk_page).columns
    risk_page.toggle(key="show_contacts").set_value(True).run()
    table = checkin_table(risk_page)
    assert "email" in table.columns and table["email"].str.contains("@").any()


def test_downloads_offered(risk_page: AppTest) -> None:
    labels = [b.proto.label for b in risk_page.get("download_button")]
    assert labels == ["Download list (CSV)", "Download list (Excel)"]


def test_tier_filter(risk_page: AppTest, demo) -> None:
    risk_page.multiselect(key="risk_tiers").set_value(["high"]).run()
    assert len(checkin_table(risk_page)) == risk.tier_counts(staff_free_risk(demo))["high"]


def test_staff_listed_when_the_setting_is_off(demo, tmp_path, monkeypatch) -> None:
    _, analysis, _ = demo
    url = f"sqlite:///{tmp_path / 'workspace.db'}"  # the settings are the workspace's: one of this test's own
    monkeypatch.setenv("NEIGHBOURLY_DB", url)
    store = Store.open(url)
    store.save_settings(Settings(exclude_organisers=False))
    store.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.switch_page("pages/4_Connection_risk.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    counts = risk.tier_counts(analysis.risk)
    assert metrics_shown(at) == {"High": str(counts["high"]), "Keep an eye on": str(counts["medium"]), "Low": str(counts["low"])}
