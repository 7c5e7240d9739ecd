"""Accessibility in a real browser: axe-core (shipped inside axe-playwright-python, so it runs
offline) over every page on the demo and after an upload, and the check-in flow by keyboard
alone. One server for all of it (the session's ``server``).

Serious and critical findings fail, except those listed in ``axe_allowlist.toml``: findings from
Streamlit itself, each with the upstream issue it belongs to.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import LOAD_TIMEOUT, PAGES, open_page, screenshot, settle

pytestmark = pytest.mark.browser

ALLOWLIST = Path(__file__).with_name("axe_allowlist.toml")
BLOCKING = ("serious", "critical")
DEMO_FILES = Path(__file__).resolve().parents[2] / "data"
UPLOADS = ("demo_members.csv", "demo_events.csv", "demo_attendance.csv")


def allowed() -> list[dict]:
    """The allow-list's entries; each must name its rule, where it shows and its upstream issue."""
    entries = tomllib.loads(ALLOWLIST.read_text(encoding="utf-8")).get("allow", [])
    for entry in entries:
        assert entry.get("rule") and entry.get("where"), f"allow-list entry without rule or where: {entry}"
        assert str(entry.get("upstream", "")).startswith("https://github.com/streamlit/"), (
            f"allow-list entry without its upstream Streamlit issue: {entry}")
    return entries


def findings(page: Page) -> list[str]:
    """Serious and critical axe findings on the page as it stands, the allow-listed left out."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page).response
    allow = allowed()
    out = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            where = " ".join(node["target"]) + " " + node.get("html", "")
            if any(a["rule"] == violation["id"] and a["where"] in where for a in allow):
                continue
            out.append(f"{violation['id']} ({violation['impact']}): {where[:200]}")
    return out


def go_by_sidebar(page: Page, title: str, heading: str) -> None:
    """Another page through the sidebar's link (the session, and its uploads, stay)."""
    page.locator('[data-testid="stSidebar"] a').filter(has_text=title).first.click()
    settle(page, heading)


def test_the_allow_list_names_an_upstream_issue_for_each_entry() -> None:
    allowed()  # fails on an entry without one


def test_every_page_passes_axe_on_the_demo_and_after_an_upload(page: Page, server, guard, screenshots):
    page.set_default_timeout(LOAD_TIMEOUT)
    found = {}
    for path in PAGES:
        open_page(page, server.url, path)
        found[f"demo {path}"] = findings(page)
        if path in ("/", "/Map"):
            screenshot(page, screenshots, "a11y-overview" if path == "/" else "a11y-map")
    open_page(page, server.url, "/Data")
    for i, name in enumerate(UPLOADS):
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(i).set_input_files(str(DEMO_FILES / name))
        expect(page.get_by_text(name).first).to_be_visible()
        settle(page)
    found["upload /Data"] = findings(page)
    for title, heading in (("Overview", "Neighbourly"), ("Map", "Where members live"), ("Engagement", "Engagement"),
                           ("Connection risk", "Connection risk"), ("Introductions", "Introductions")):
        go_by_sidebar(page, title, heading)
        expect(page.get_by_text("Your data:")).to_be_visible()  # still the upload, not the demo
        found[f"upload {title}"] = findings(page)
    assert {where: f for where, f in found.items() if f} == {}
    guard.assert_offline()


def _focused(page: Page) -> str:
    """What has the keyboard focus: its label, or its text."""
    return page.evaluate(
        "() => { const e = document.activeElement; return e ? (e.getAttribute('aria-label') || e.innerText || '')"
        ".trim() : '' }")


def _tab_to(page: Page, wanted: str, limit: int = 250) -> None:
    """Press Tab until the element labelled ``wanted`` has the focus (as someone without a mouse does)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(_focused(page))
        if seen[-1].split("\n")[-1].strip() == wanted:  # a button's text comes after its icon's name
            return
    raise AssertionError(f"{wanted!r} never got the keyboard focus in {limit} presses of Tab: {seen[-40:]}")


def test_the_check_in_flow_by_keyboard_alone(page: Page, fresh_server, guard, tmp_path):
    """Log a contact with the first person on the check-in list, keyboard only. Contacts are kept
    only for a kept community, so a fresh server opens a workspace holding the demo files as a
    snapshot (kept through the command line, as an organiser can)."""
    db = f"sqlite:///{tmp_path / 'workspace.db'}"
    kept = subprocess.run(
        [sys.executable, "-m", "dashboard", "import", *(f"--{kind}={DEMO_FILES / name}" for kind, name in
                                                        zip(("members", "events", "attendance"), UPLOADS, strict=True)),
         "--db", db], capture_output=True, text=True, cwd=DEMO_FILES.parent, check=False)
    assert kept.returncode == 0, kept.stderr
    page.set_default_timeout(LOAD_TIMEOUT)
    with fresh_server(env={"NEIGHBOURLY_DB": db}) as own:
        open_page(page, own.url, "/Connection_risk")
        expect(page.get_by_text("Your data:")).to_be_visible()  # the kept snapshot, not the demo
        _tab_to(page, "Person")  # the "Log a contact" form's person picker
        page.keyboard.press("ArrowDown")  # opens the list
        page.keyboard.press("Enter")  # the first person (the highest score)
        form = page.locator('[data-testid="stForm"]').filter(has_text="Log contact")
        expect(form.locator('[data-testid="stSelectbox"]').first).not_to_contain_text("Choose someone")
        _tab_to(page, "Log contact")
        page.keyboard.press("Enter")
        settle(page)
        expect(page.get_by_text("1 reached recently, hidden for now", exact=False)).to_be_visible()
    guard.assert_offline()
