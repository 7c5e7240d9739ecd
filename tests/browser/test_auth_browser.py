"""Sign-in and roles in a real browser, on servers with a workspace of their own.

What the server sends is checked, not only what is drawn: Streamlit draws tables on a
canvas, so every websocket frame (and every file fetched from ``/media/``) a page received is
searched for the members' names. Checks that the same search does find names when an
organiser looks keep it honest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, WebSocket, expect

from dashboard.auth.signin import MAX_FAILURES
from dashboard.ingest import Upload
from dashboard.store import Counts, Store
from dashboard.store.users import Users
from tests.browser.conftest import NetworkGuard
from tests.browser.test_browser import EXCEPTION, LOAD_TIMEOUT, READY, screenshot, settle

pytestmark = pytest.mark.browser

PASSWORD = "a long and lovely passphrase"
OLU, OLA, VIC = "olu@example.org", "ola@example.org", "vic@example.org"
PATHS = ["/", "/Data", "/Map", "/Engagement", "/Connection_risk", "/Introductions"]
SIDEBAR_LABELS = ["Overview", "Data", "Map", "Engagement", "Connection risk", "Introductions"]
SIGN_IN = "Sign in to Neighbourly"
DEMO_NAMES = ["Orla Doyle", "Elif Aziz", "Priya Sharma"]
KEPT = {
    "members": ("members.csv", b"Name,Email,City,Joined\nZephyrine Quillfeather,zeph@example.org,Leeds,2025-01-05\n"
                               b"Octavius Brambleworth,octa@example.org,Leeds,2025-02-05\n"),
    "events": ("events.csv", b"Event ID,Event name,Date,City\nE1,Coffee,2026-03-01 10:00,Leeds\n"),
    "attendance": ("attendance.csv", b"Event ID,Email,Status\nE1,octa@example.org,attended\n"),
}
KEPT_NAMES = ["Zephyrine Quillfeather", "Octavius Brambleworth"]
SHARED = {  # uploaded through the Data page by one organiser, for the other to see
    "members": "Name,Email,City,Joined\nMarigold Featherstonehaugh,mari@example.org,York,2025-03-01\n"
               "Barnaby Thistlewood,barn@example.org,York,2025-04-01\n",
    "events": "Event ID,Event name,Date,City\nE1,York Walk,2026-03-08 11:00,York\n",
    "attendance": "Event ID,Email,Status\nE1,barn@example.org,attended\n",
}
SHARED_NAMES = ["Marigold Featherstonehaugh", "Barnaby Thistlewood"]


def _workspace(folder: Path, users: dict[str, str]) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'workspace.db'}"
    store = Store.open(url)
    for email, role in users.items():
        Users(store).add(email, role, PASSWORD, "test")
    store.close()
    return url


# --- what a page was sent -------------------------------------------------------------------


class Wire:
    """Every websocket frame a page received, and the files it fetched from the server."""

    def __init__(self, page: Page) -> None:
        self.frames: list[bytes] = []
        self.responses: list[Response] = []
        page.on("websocket", self._socket)
        page.on("response", self._response)

    def _socket(self, ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: self.frames.append(
            payload if isinstance(payload, bytes) else payload.encode()))

    def _response(self, response: Response) -> None:
        if "/media/" in response.url or "/_stcore/message" in response.url:
            self.responses.append(response)

    def found(self, words: list[str]) -> list[str]:
        """Those of ``words`` anywhere in what was received so far."""
        blobs = list(self.frames)
        for r in self.responses:
            with contextlib.suppress(Exception):  # a body the browser no longer holds
                blobs.append(r.body())
        blob = b"\n".join(blobs)
        return [w for w in words if w.encode() in blob]

    def clear(self) -> None:
        self.frames.clear()
        self.responses.clear()


@contextlib.contextmanager
def browser_page(browser: Browser, args: dict) -> Iterator[tuple[Page, Wire, NetworkGuard]]:
    """A page in a browser context of its own (its own cookies: another person), offline-guarded."""
    context: BrowserContext = browser.new_context(**args)
    guard = NetworkGuard()
    context.route("**/*", guard.route)
    page = context.new_page()
    page.set_default_timeout(LOAD_TIMEOUT)
    wire = Wire(page)
    try:
        yield page, wire, guard
        guard.assert_offline()
    finally:
        context.close()


def title(page: Page) -> str:
    page.wait_for_selector(READY, timeout=LOAD_TIMEOUT)
    expect(page.locator("h1").first.or_(page.locator(EXCEPTION)).first).to_be_visible(timeout=LOAD_TIMEOUT)
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).all_inner_texts()
    return page.locator("h1").first.inner_text().strip()


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + "/", wait_until="domcontentloaded")
    assert title(page) == SIGN_IN
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    # the form's rerun has ended: another page's title, or the form again with what went wrong
    answered = page.locator(f'[data-testid="stAlertContentError"], h1:not(:has-text("{SIGN_IN}"))').first
    expect(answered).to_be_visible(timeout=LOAD_TIMEOUT)
    settle(page)


def go(page: Page, label: str) -> None:
    """Another page by the sidebar, as a person clicks (the same browser session)."""
    page.locator('[data-testid="stSidebar"] a').filter(has_text=label).first.click()
    settle(page)
    title(page)


# --- a server whose workspace has users ------------------------------------------------------


@pytest.fixture(scope="module")
def secured(tmp_path_factory, fresh_server):
    folder = tmp_path_factory.mktemp("secured")
    url = _workspace(folder, {OLU: "organiser", OLA: "organiser", VIC: "viewer"})
    with fresh_server(env={"NEIGHBOURLY_DB": url}) as server:
        yield server, url


def test_signed_out_no_page_sends_a_members_name(secured, browser, browser_context_args):
    server, url = secured
    with browser_page(browser, browser_context_args) as (page, wire, _):
        for names in (DEMO_NAMES, KEPT_NAMES):  # the demo, then a kept upload
            if names is KEPT_NAMES:
                store = Store.open(url)
                store.keep({k: Upload(n, d) for k, (n, d) in KEPT.items()}, {}, "GB", Counts(2, 1, 1))
                store.close()
            for path in PATHS:
                wire.clear()
                page.goto(server.url + path, wait_until="domcontentloaded")
                assert title(page) == SIGN_IN, path
                assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
                assert wire.frames, "no websocket frame was seen: the check would prove nothing"
                assert wire.found(names) == [], path


def test_a_viewer_sees_no_names_and_gets_no_personal_download(secured, browser, browser_context_args, screenshots):
    server, _ = secured
    with browser_page(browser, browser_context_args) as (page, wire, _):
        sign_in(page, server.url, VIC)
        for label in SIDEBAR_LABELS:
            go(page, label)
            assert page.locator('[data-testid="stDownloadButton"]').count() == 0, label
            assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0, label
        expect(page.get_by_text("Signed in as vic@example.org (viewer)")).to_be_visible()
        assert wire.found(DEMO_NAMES + KEPT_NAMES) == []
        screenshot(page, screenshots, "viewer-introductions")
        go(page, "Connection risk")
        screenshot(page, screenshots, "viewer-connection-risk")


def _upload_and_keep(page: Page, folder: Path) -> None:
    go(page, "Data")
    for i, (kind, text) in enumerate(SHARED.items()):
        path = folder / f"shared_{kind}.csv"
        path.write_text(text, encoding="utf-8")
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(i).set_input_files(str(path))
        expect(page.get_by_text(path.name).first).to_be_visible()
        settle(page)
    page.get_by_role("button", name="Keep these uploads as a snapshot").click()
    settle(page)
    expect(page.get_by_role("button", name="Keep these uploads as a snapshot")).to_have_count(0)


def test_two_organisers_share_the_workspace_and_a_viewer_does_not_see_their_names(
        secured, browser, browser_context_args, tmp_path, screenshots):
    server, url = secured
    with (browser_page(browser, browser_context_args) as (olu, olu_wire, _),
          browser_page(browser, browser_context_args) as (ola, ola_wire, _),
          browser_page(browser, browser_context_args) as (vic, vic_wire, _)):
        sign_in(olu, server.url, OLU)
        sign_in(ola, server.url, OLA)
        sign_in(vic, server.url, VIC)
        _upload_and_keep(olu, tmp_path)
        for page in (ola, vic):
            go(page, "Engagement")  # its member picker lists everyone, for those who may see people
        assert ola_wire.found(SHARED_NAMES) == SHARED_NAMES  # the other organiser: the same workspace
        assert vic_wire.found(SHARED_NAMES + KEPT_NAMES + DEMO_NAMES) == []
        expect(vic.get_by_text("Profiles of single members are for organisers and helpers", exact=False)).to_be_visible()
        go(olu, "Connection risk")
        with olu.expect_download() as download:
            olu.get_by_role("button", name="Download list (CSV)").click()
        assert download.value.suggested_filename == "check-in-list.csv"
        screenshot(ola, screenshots, "organiser-engagement")
    audit = Users(Store.open(url)).audit()
    assert any(e.actor == OLU and e.action == "download" and "check-in-list.csv" in e.detail for e in audit)
    assert any(e.actor == OLU and e.action == "snapshot_kept" for e in audit)
    assert not any(name in e.detail or name in e.actor for e in audit for name in SHARED_NAMES)


# --- the lockout, across a restart -----------------------------------------------------------


def test_a_lockout_holds_across_a_server_restart(tmp_path, fresh_server, browser, browser_context_args):
    url = _workspace(tmp_path / "lock", {OLU: "organiser"})
    with fresh_server(env={"NEIGHBOURLY_DB": url}) as server, \
            browser_page(browser, browser_context_args) as (page, _, _):
        for _ in range(MAX_FAILURES):
            sign_in(page, server.url, OLU, "not the passphrase at all")
        expect(page.get_by_text("Too many failed sign-ins with this email", exact=False)).to_be_visible()
    with fresh_server(env={"NEIGHBOURLY_DB": url}) as server, \
            browser_page(browser, browser_context_args) as (page, _, _):
        sign_in(page, server.url, OLU)  # the right passphrase, on a new server process
        expect(page.get_by_text("Too many failed sign-ins with this email", exact=False)).to_be_visible()
        assert title(page) == SIGN_IN


# --- reachable from other machines, nobody has an account yet --------------------------------


def test_a_server_for_other_machines_with_no_users_shows_no_data_until_the_first_organiser(
        tmp_path, fresh_server, browser, browser_context_args, screenshots):
    url = _workspace(tmp_path / "setup", {})
    with fresh_server(env={"NEIGHBOURLY_DB": url}, address="0.0.0.0") as server, \
            browser_page(browser, browser_context_args) as (page, wire, _):
        for path in PATHS:
            page.goto(server.url + path, wait_until="domcontentloaded")
            assert title(page) == "Neighbourly needs a first account", path
        assert wire.found(DEMO_NAMES) == []
        screenshot(page, screenshots, "setup-first-organiser")
        # this browser is on the server's own machine: it may create the first organiser
        page.get_by_label("Email", exact=True).fill(OLU)
        page.get_by_label("Password (at least 12 characters)", exact=True).fill(PASSWORD)
        page.get_by_label("The password again", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Create and sign in").click()
        expect(page.locator("h1").first).to_have_text("Introductions", timeout=LOAD_TIMEOUT)  # the page it was on
        settle(page)
        go(page, "Engagement")
        assert wire.found(DEMO_NAMES)  # signed in: the same search finds the demo's people
    assert [(u.email, u.role) for u in Users(Store.open(url)).list()] == [(OLU, "organiser")]
