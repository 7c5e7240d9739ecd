"""Two organisers on one server share one workspace: a snapshot kept, a place fixed and a
threshold changed in one browser show in the other on its next rerun (two browser contexts,
one ``streamlit run`` on a workspace of this test's own). The other browser's Overview then says
what changed since the earlier snapshot; its screenshot is ``screenshots/overview-what-changed.png``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from dashboard import snapshots
from dashboard.ingest import Upload
from dashboard.store import Store
from tests.browser.test_browser import LOAD_TIMEOUT, assert_no_errors, open_page, screenshot, settle
from tests.factories import PAIR_AFTER, PAIR_BEFORE

pytestmark = pytest.mark.browser

ODD_PLACE = "Qqzzxville"  # found nowhere: a place to fix
ALL_FOUND = "Every place name in your data was found."
PANEL = "What changed since 02 June 2025"
#: the panel's lines for the pair (Di Joiner lives in ODD_PLACE here, which changes none of them)
LINES = ("Joined (1): Di Joiner", "Came back after a gap (1): Ann Returner",
         "Might now welcome a check-in (1): Ed Drifter", "No longer on the check-in list (1): Ann Returner",
         "Left the lists (1): Cy Leaver")
LAPSED = "Lapsed after (days)"


def go(page: Page, link: str, title: str) -> None:
    """Click a page in the sidebar: a rerun of this browser's own session (not a new one)."""
    page.locator('[data-testid="stSidebar"] a').filter(has_text=link).first.click()
    settle(page, title)
    assert_no_errors(page, f"{link} after a click")


def settings_field(page: Page):
    """The sidebar's 'Lapsed after (days)' threshold, its expander opened (once the page has settled)."""
    settle(page)
    expander = page.locator('[data-testid="stSidebar"] details').filter(has_text="Settings and thresholds")
    if expander.get_attribute("open") is None:
        expander.locator("summary").click()
    box = page.locator('[data-testid="stSidebar"] input[aria-label="%s"]' % LAPSED)
    expect(box).to_be_visible()
    return box


def test_two_browsers_share_the_workspace_and_see_each_others_writes(
        page: Page, browser, fresh_server, guard, tmp_path, screenshots):
    url = f"sqlite:///{tmp_path / 'workspace.db'}"
    store = Store.open(url)
    snapshots.keep(store, {k: Upload(n, d) for k, (n, d) in PAIR_BEFORE.items()}, {}, "GB",
                   now=datetime(2025, 6, 2, 9, 30, tzinfo=UTC))
    store.close()
    name, members = PAIR_AFTER["members"]
    after = {**PAIR_AFTER, "members": (name, members.replace(b"Di Joiner,di@example.org,Leeds",
                                                             f"Di Joiner,di@example.org,{ODD_PLACE}".encode()))}
    page.set_default_timeout(LOAD_TIMEOUT)
    with fresh_server(env={"NEIGHBOURLY_DB": url}) as server:
        other = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            b = other.new_page()
            b.set_default_timeout(LOAD_TIMEOUT)
            open_page(b, server.url, "/")  # B: the first snapshot, nothing earlier to compare with
            expect(b.get_by_text("What changed since", exact=False)).to_have_count(0)

            # A keeps new uploads as a snapshot; B's next rerun shows it, with what changed
            open_page(page, server.url, "/Data")
            for i, (kind, (fname, data)) in enumerate(after.items()):
                path = tmp_path / fname
                path.write_bytes(data)
                page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(i).set_input_files(str(path))
                expect(page.get_by_text(fname).first).to_be_visible()
                settle(page)
            page.get_by_role("button", name="Keep these uploads as a snapshot").click()
            settle(page)
            expect(page.get_by_text("Showing snapshot 2", exact=False)).to_be_visible()
            go(b, "Overview", "Neighbourly")
            expect(b.get_by_text(PANEL, exact=True)).to_be_visible()
            main = b.locator('[data-testid="stMain"]')
            for line in LINES:
                expect(main.get_by_text(line, exact=True)).to_be_visible()
            expect(b.locator('[data-testid="stSidebar"]').get_by_text("members-march.csv", exact=False)).to_be_visible()
            screenshot(b, screenshots, "overview-what-changed")

            # B sees the place to fix; A fixes it; B's next rerun uses the fix
            go(b, "Map", "Where members live")
            expect(b.get_by_role("combobox", name="Place as typed")).to_have_value(ODD_PLACE)
            expect(b.get_by_text(ALL_FOUND)).to_have_count(0)
            open_page(page, server.url, "/Map")
            page.get_by_role("textbox", name="Or type the place").fill("York, GB")
            page.get_by_role("textbox", name="Or type the place").press("Enter")
            settle(page)
            page.get_by_role("button", name="Use this place").click()
            settle(page, ALL_FOUND)
            go(b, "Overview", "Neighbourly")
            go(b, "Map", "Where members live")
            expect(b.get_by_text(ALL_FOUND)).to_be_visible()

            # A changes a threshold; B's next rerun has it
            expect(settings_field(b)).to_have_value("180")
            field = settings_field(page)
            field.fill("120")
            field.press("Tab")
            page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Apply").click()
            settle(page)
            expect(settings_field(page)).to_have_value("120")
            go(b, "Overview", "Neighbourly")
            expect(settings_field(b)).to_have_value("120")
            assert_no_errors(b, "B at the end")
        finally:
            other.close()
    store = Store.open(url)
    try:
        assert store.settings().lapsed_days == 120
        assert store.place_fixes(2) == {ODD_PLACE: "York, GB"}
        assert len(store.snapshots()) == 2  # the fix corrected the kept snapshot, it made no new one
    finally:
        store.close()
    guard.assert_offline()
