"""A contact logged in a real browser lasts: on the Connection risk page, log a contact with a note
and a follow-up date, stop the server, start a new one on the same workspace, and the log, the
note and the due follow-up are still there (a workspace of this test's own; screenshots
``screenshots/follow-logged.png`` and ``screenshots/follow-after-restart.png``)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from dashboard import snapshots
from dashboard.ingest import Upload
from dashboard.store import Store
from dashboard.store.follow import FollowThrough
from tests.browser.test_browser import LOAD_TIMEOUT, assert_no_errors, open_page, screenshot, settle

pytestmark = pytest.mark.browser

PERSON = "Nora Quillington"
NOTE = "Rang her: **keen** on the <b>walk</b>, wants a lift"
FILES = {
    "members": ("members.csv", ("Name,Email,City,Joined\n"
                                f"{PERSON},nora@example.org,Leeds,2025-01-05\n"
                                "Reg Ular,reg@example.org,Leeds,2025-01-05\n").encode()),
    "events": ("events.csv", b"Event ID,Event name,Date,City\nE1,Coffee,2026-03-01 10:00,Leeds\n"
                             b"E2,Walk,2026-04-01 10:00,Leeds\nE3,Quiz,2026-05-01 10:00,Leeds\n"),
    "attendance": ("attendance.csv", b"Event ID,Email,Status\nE1,reg@example.org,attended\n"
                                     b"E2,reg@example.org,attended\nE3,reg@example.org,attended\n"),
}


def choose(page: Page, box) -> None:
    """Pick PERSON in a selectbox the way a keyboard user does: type, then Enter."""
    box.click()
    box.press_sequentially(PERSON.split()[0])
    expect(page.get_by_role("option", name=f"{PERSON} (M00001)")).to_be_visible()
    box.press("Enter")
    settle(page)


def due_line() -> str:
    return f"{PERSON}: follow-up due {date.today()} (last contact {date.today()}, Reached)"


def test_a_logged_contact_and_its_due_follow_up_survive_a_server_restart(
        page: Page, browser, fresh_server, guard, tmp_path, screenshots):
    url = f"sqlite:///{tmp_path / 'workspace.db'}"
    store = Store.open(url)
    snapshots.keep(store, {k: Upload(n, d) for k, (n, d) in FILES.items()}, {}, "GB")
    store.close()
    page.set_default_timeout(LOAD_TIMEOUT)
    with fresh_server(env={"NEIGHBOURLY_DB": url}) as first:
        open_page(page, first.url, "/Connection_risk")
        form = page.locator('[data-testid="stForm"]').filter(has_text="Log contact")
        choose(page, form.get_by_role("combobox", name="Person"))
        form.get_by_role("textbox", name="Note (optional)").fill(NOTE)
        # the date field's segments (year, month, day) take typed digits, moving on by themselves
        form.get_by_role("spinbutton", name="year, Follow up on (optional)").click()
        page.keyboard.type(date.today().strftime("%Y%m%d"))
        expect(form.get_by_role("spinbutton", name="day, Follow up on (optional)")).to_have_attribute(
            "aria-valuenow", str(date.today().day))
        form.get_by_role("button", name="Log contact").click()
        settle(page, due_line())
        assert_no_errors(page, "/Connection_risk after logging")
        screenshot(page, screenshots, "follow-logged")
    store = Store.open(url)
    (entry,) = FollowThrough(store).contacts().itertuples()
    store.close()
    assert (entry.note, entry.outcome, entry.follow_up_on) == (NOTE, "reached", date.today())

    with fresh_server(env={"NEIGHBOURLY_DB": url}) as restarted:  # a new server on the same workspace
        other = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            again = other.new_page()
            again.set_default_timeout(LOAD_TIMEOUT)
            open_page(again, restarted.url, "/Connection_risk")
            main = again.locator('[data-testid="stMain"]')
            expect(main.get_by_text("Follow-ups due (1)", exact=True)).to_be_visible()
            expect(main.get_by_text(due_line(), exact=True)).to_be_visible()
            choose(again, main.get_by_role("combobox", name="Person").last)
            settle(again, NOTE)
            expect(main.get_by_text(NOTE, exact=True)).to_be_visible()  # as typed: no bold, no HTML
            expect(main.get_by_text(f"{date.today()} · Call · Reached · follow up on {date.today()}",
                                    exact=True)).to_be_visible()
            expect(main.locator("b", has_text="walk")).to_have_count(0)
            expect(main.locator("strong", has_text="keen")).to_have_count(0)
            assert_no_errors(again, "/Connection_risk after the restart")
            screenshot(again, screenshots, "follow-after-restart")
        finally:
            other.close()
    guard.assert_offline()
