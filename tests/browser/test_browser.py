"""The whole app as an organiser meets it: ``streamlit run app.py`` in headless Chromium.

A handful of page loads (each costs seconds on two cores): every page on the
demo community, an upload through the real file inputs, a city filter that
lands in the URL and survives a fresh server, the offline map, the check-in
list download, and hostile member names shown as plain text. Every request
that would leave the machine is aborted and fails the test (``guard``).
Full-page screenshots go to ``screenshots/`` (git-ignored).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
LOAD_TIMEOUT = 90_000  # ms: the first visit builds the gazetteer and scores the demo

#: URL path -> the page's title (st.title)
PAGES = {
    "/": "Neighbourly",
    "/Data": "Your data",
    "/Map": "Where members live",
    "/Engagement": "Engagement",
    "/Connection_risk": "Connection risk",
    "/Introductions": "Introductions",
}
DEMO_MEMBERS = "288"  # the Overview: organisers and hosts left out
DEMO_ROWS_LOADED = "301"  # the Data page: every member the files hold
HOSTILE_NAMES = ("<img src=x onerror=alert(1)>", "**bold**")


# --- helpers ------------------------------------------------------------------------------


EXCEPTION = '[data-testid="stException"]'


def settle(page: Page, text: str | None = None, timeout: float = LOAD_TIMEOUT) -> None:
    """Wait until the script has finished, ``text`` is on screen and nothing is still a placeholder.

    An exception on screen ends the wait at once (and fails with its message).
    """
    page.wait_for_selector(READY, timeout=timeout)
    if text is not None:
        wanted = page.get_by_text(text, exact=True).or_(page.locator(EXCEPTION))
        expect(wanted.first).to_be_visible(timeout=timeout)
        assert_no_errors(page, page.url)
    expect(page.locator('[data-testid="stSkeleton"]')).to_have_count(0, timeout=timeout)
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=timeout)
    page.wait_for_selector(READY, timeout=timeout)


def open_page(page: Page, base: str, path: str) -> None:
    page.goto(base + path, wait_until="domcontentloaded")
    title = PAGES[path.split("?")[0]]
    settle(page)
    expect(page.locator("h1").first.or_(page.locator(EXCEPTION)).first).to_be_visible(timeout=LOAD_TIMEOUT)
    assert_no_errors(page, base + path)
    expect(page.locator("h1").first).to_have_text(title, timeout=LOAD_TIMEOUT)


def metric(page: Page, label: str) -> Locator:
    """The value of the metric called exactly ``label``."""
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    )
    return box.locator('[data-testid="stMetricValue"]').first


def metrics(page: Page) -> dict[str, str]:
    """Every metric in the main area, label -> value."""
    out = {}
    for box in page.locator('[data-testid="stMain"] [data-testid="stMetric"]').all():
        label = box.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = box.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def assert_no_errors(page: Page, where: str) -> None:
    exceptions = page.locator(EXCEPTION)
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert exceptions.count() == 0, f"{where}: exception on screen: {exceptions.all_inner_texts()}"
    assert errors.count() == 0, f"{where}: error on screen: {errors.all_inner_texts()}"


def assert_no_injected_markup(page: Page, where: str) -> None:
    """The demo's hostile names never become elements."""
    assert page.locator('img[src="x"]').count() == 0, f"{where}: a member's name was rendered as HTML"
    bold = page.locator('[data-testid="stMain"] strong, [data-testid="stMain"] b').filter(
        has_text=re.compile(r"^bold$"))
    assert bold.count() == 0, f"{where}: a member's name was rendered as markdown"


def screenshot(page: Page, folder: Path, name: str) -> None:
    """A full-page screenshot; Streamlit scrolls inside its main area, so grow the window first."""
    size = page.viewport_size or {"width": 1400, "height": 1000}
    height = page.evaluate(
        "() => Math.max(...['[data-testid=stMain]', '[data-testid=stAppViewContainer]', 'body']"
        ".map(s => document.querySelector(s)).filter(Boolean).map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": size["width"], "height": int(min(max(height, size["height"]), 12_000))})
    try:
        page.wait_for_timeout(300)  # let responsive charts redraw at the new size
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    finally:
        page.set_viewport_size(size)


def sidebar_cities(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"] input[aria-label="Cities"]')


def selected_cities(page: Page) -> str:
    return page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"] '
                        '[data-testid="stMultiSelectTagsContainer"]').first.inner_text().strip()


def choose_city(page: Page, city: str) -> None:
    box = sidebar_cities(page)
    box.click()
    box.fill(city)
    page.get_by_role("option", name=city, exact=True).click()
    page.keyboard.press("Escape")


def bubbles(page: Page) -> Locator:
    return page.locator('[data-testid="stPlotlyChart"] .scattergeo path.point')


# --- tests --------------------------------------------------------------------------------


def test_every_page_opens_on_the_demo_community(page: Page, server, guard, screenshots):
    page.set_default_timeout(LOAD_TIMEOUT)
    for path in PAGES:
        open_page(page, server.url, path)
        assert_no_errors(page, path)
        assert_no_injected_markup(page, path)
        nav = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]')
        assert nav.count() >= len(PAGES), f"{path}: the shared sidebar is missing its page links"
        expect(sidebar_cities(page)).to_be_visible()
        screenshot(page, screenshots, "overview" if path == "/" else path.strip("/").lower())
    assert not guard.dialogs, guard.dialogs
    guard.assert_offline()


def test_uploading_a_trio_changes_the_member_count(page: Page, server, guard, tmp_path):
    files = {
        "members": "Name,Email,City,Joined\nAnn Lee,ann@example.org,Leeds,2026-01-10\n"
                   "Bo Chen,bo@example.org,York,2026-02-01\nCy Diaz,cy@example.org,Leeds,2026-02-03\n",
        "events": "Event ID,Event name,Date,City\nE1,Leeds Coffee,2026-03-01 10:00,Leeds\n"
                  "E2,York Walk,2026-03-08 11:00,York\n",
        "attendance": "Event ID,Email,Status\nE1,ann@example.org,attended\nE1,cy@example.org,attended\n"
                      "E2,bo@example.org,attended\nE2,ann@example.org,no show\n",
    }
    page.set_default_timeout(LOAD_TIMEOUT)
    open_page(page, server.url, "/Data")
    expect(metric(page, "Members")).to_have_text(DEMO_ROWS_LOADED)
    inputs = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    expect(inputs).to_have_count(3)
    for i, (kind, text) in enumerate(files.items()):
        path = tmp_path / f"my_{kind}.csv"
        path.write_text(text, encoding="utf-8")
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(i).set_input_files(str(path))
        expect(page.get_by_text(f"my_{kind}.csv").first).to_be_visible()
        settle(page)
    expect(metric(page, "Members")).to_have_text("3")
    expect(metric(page, "Events")).to_have_text("2")
    expect(metric(page, "Attendance rows")).to_have_text("4")
    assert_no_errors(page, "/Data after upload")
    # another page and back: the uploads stay (the boxes are empty again, the data is not)
    page.locator('[data-testid="stSidebar"] a').filter(has_text="Overview").first.click()
    settle(page, "Neighbourly")
    page.locator('[data-testid="stSidebar"] a').filter(has_text="Data").first.click()
    settle(page, "Your data")
    expect(metric(page, "Members")).to_have_text("3")
    expect(page.get_by_text("In use: my_attendance.csv", exact=False)).to_be_visible()
    # taking a file out of its box stops using it
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(2).set_input_files(str(tmp_path / "my_attendance.csv"))
    settle(page)
    page.get_by_role("button", name="Remove my_attendance.csv").click()
    settle(page)
    expect(metric(page, "Attendance rows")).to_have_text("0")
    expect(metric(page, "Members")).to_have_text("3")
    assert_no_errors(page, "/Data after removing a file")
    guard.assert_offline()


def test_city_filter_changes_numbers_and_url_and_survives_a_fresh_server(page: Page, server, fresh_server, guard):
    page.set_default_timeout(LOAD_TIMEOUT)
    open_page(page, server.url, "/")
    expect(metric(page, "Members")).to_have_text(DEMO_MEMBERS)
    before = metrics(page)
    choose_city(page, "Leeds")
    page.wait_for_url(re.compile(r"[?&]city=Leeds(&|$)"))
    expect(metric(page, "Members")).not_to_have_text(DEMO_MEMBERS)
    settle(page)
    after = metrics(page)
    assert after != before and 0 < int(after["Members"].replace(",", "")) < int(DEMO_MEMBERS), (before, after)
    url = page.url
    assert selected_cities(page) == "Leeds"

    with fresh_server() as fresh:
        # the same URL on a server that has never seen this session
        page.goto(url.replace(server.url, fresh.url), wait_until="domcontentloaded")
        settle(page, "Neighbourly")
        assert_no_errors(page, "fresh /?city=Leeds")
        assert selected_cities(page) == "Leeds"
        assert metrics(page) == after
        # a deep link straight to another page runs it with the sidebar and the filter
        open_page(page, fresh.url, "/Map?city=Leeds")
        assert_no_errors(page, "fresh /Map?city=Leeds")
        assert selected_cities(page) == "Leeds"
        expect(page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]').first).to_be_visible()
        expect(bubbles(page)).to_have_count(1)
        assert "city=Leeds" in page.url
    guard.assert_offline()


def test_the_map_draws_countries_and_bubbles_offline(page: Page, server, guard):
    page.set_default_timeout(LOAD_TIMEOUT)
    open_page(page, server.url, "/Map")
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    expect(chart.locator(".geo .layer.countries path").first).to_be_attached()
    # the outlines come from the app's own topojson: a long path, not an empty one
    page.wait_for_function(
        "() => { const p = document.querySelector('[data-testid=stPlotlyChart] .geo .layer.countries path');"
        " return p && (p.getAttribute('d') || '').length > 1000; }"
    )
    n = bubbles(page).count()
    assert n >= 5, f"only {n} city bubbles on the demo map"
    assert not guard.blocked, f"the map asked the internet for {guard.blocked}"
    guard.assert_offline()


def test_the_check_in_list_downloads_and_opens(page: Page, server, guard, tmp_path, screenshots):
    page.set_default_timeout(LOAD_TIMEOUT)
    open_page(page, server.url, "/Connection_risk")
    screenshot(page, screenshots, "connection-risk")
    frames = {}
    for label, suffix in (("Download list (CSV)", "csv"), ("Download list (Excel)", "xlsx")):
        with page.expect_download() as info:
            page.get_by_role("button", name=re.compile(re.escape(label))).click()
        target = tmp_path / f"list.{suffix}"
        info.value.save_as(target)
        data = target.read_bytes()
        frames[suffix] = pd.read_csv(io.BytesIO(data)) if suffix == "csv" else pd.read_excel(io.BytesIO(data))
    csv, xlsx = frames["csv"], frames["xlsx"]
    assert len(csv) > 0 and {"name", "risk_tier", "risk_reasons"} <= set(csv.columns), csv.columns
    assert "email" not in csv.columns, "emails exported while contacts are hidden"
    assert len(xlsx) == len(csv)
    assert set(csv["risk_tier"]) <= {"high", "medium", "low"}
    # the list is shown before the buddy matching is done; its buddy column is filled in after
    assert csv["buddy"].fillna("").ne("").any(), "the list's buddy column was never filled in"
    text_cells = csv.select_dtypes(include=["object", "str"]).stack().astype(str)
    assert not text_cells.str.match(r"^[=+\-@]").any(), "a cell would run as a spreadsheet formula"
    guard.assert_offline()


def test_hostile_member_names_are_shown_literally(page: Page, server, guard):
    page.set_default_timeout(LOAD_TIMEOUT)
    open_page(page, server.url, "/Engagement")
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Member").locator("input").first
    for name in HOSTILE_NAMES:
        picker.click()
        picker.fill(name[:8])
        option = page.get_by_role("option", name=re.compile(re.escape(name)))
        expect(option.first).to_be_visible()
        option.first.click()
        settle(page)
        # the picked member's name is the box's text, character for character
        expect(picker).to_have_value(re.compile("^" + re.escape(name) + r" \(M?\w+\)$"))
        assert_no_errors(page, f"/Engagement with {name!r} picked")
        assert_no_injected_markup(page, f"/Engagement with {name!r} picked")
    page.wait_for_timeout(500)  # an injected onerror would fire by now
    assert not guard.dialogs, f"a member's name ran as script: {guard.dialogs}"
    guard.assert_offline()


def test_kept_uploads_survive_a_server_restart_and_open_on_a_deep_link(
        page: Page, browser, fresh_server, guard, tmp_path, monkeypatch):
    # a workspace of this test's own, so the other tests' servers keep showing the demo
    monkeypatch.setenv("NEIGHBOURLY_DB", f"sqlite:///{tmp_path / 'workspace.db'}")
    files = {
        "members": "Name,Email,City,Joined\nAnn Kept,ann@example.org,Leeds,2026-01-10\n"
                   "Bo Kept,bo@example.org,Qqzzxville,2026-02-01\n",  # found nowhere: fixed on the Map page
        "events": "Event ID,Event name,Date,City\nE1,Leeds Coffee,2026-03-01 10:00,Leeds\n",
        "attendance": "Event ID,Email,Status\nE1,ann@example.org,attended\n",
    }
    page.set_default_timeout(LOAD_TIMEOUT)
    with fresh_server() as first:
        open_page(page, first.url, "/Data")
        expect(metric(page, "Members")).to_have_text(DEMO_ROWS_LOADED)
        for i, (kind, text) in enumerate(files.items()):
            path = tmp_path / f"kept_{kind}.csv"
            path.write_text(text, encoding="utf-8")
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(i).set_input_files(str(path))
            expect(page.get_by_text(f"kept_{kind}.csv").first).to_be_visible()
            settle(page)
        expect(metric(page, "Members")).to_have_text("2")
        page.get_by_role("button", name="Keep these uploads as a snapshot").click()
        settle(page)
        expect(page.get_by_role("button", name="Go back to this snapshot")).to_be_visible()
        expect(page.get_by_role("button", name="Keep these uploads as a snapshot")).to_have_count(0)
        assert_no_errors(page, "/Data after keeping")
        open_page(page, first.url, "/Map")  # a place fixed on the kept snapshot is kept with it
        expect(page.get_by_role("combobox", name="Place as typed")).to_have_value("Qqzzxville")
        page.get_by_role("textbox", name="Or type the place").fill("York, GB")
        page.get_by_role("textbox", name="Or type the place").press("Enter")
        settle(page)
        page.get_by_role("button", name="Use this place").click()
        settle(page, "Every place name in your data was found.")
    with fresh_server() as restarted:  # the server was stopped; a new one starts on the same workspace
        other = browser.new_context()
        try:
            deep = other.new_page()
            deep.set_default_timeout(LOAD_TIMEOUT)
            open_page(deep, restarted.url, "/Map")
            sidebar = deep.locator('[data-testid="stSidebar"]')
            expect(sidebar.get_by_text("kept_members.csv", exact=False).first).to_be_visible()
            expect(sidebar.get_by_text("demo community", exact=False)).to_have_count(0)
            expect(deep.get_by_text("Every place name in your data was found.")).to_be_visible()  # with its fix
            open_page(deep, restarted.url, "/Data")
            expect(metric(deep, "Members")).to_have_text("2")
        finally:
            other.close()
    guard.assert_offline()
