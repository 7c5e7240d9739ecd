"""Hostile and heavy uploads through the real file inputs (issue 17, defects 1, 2, 5, 6).

* a 5 MB upload is never held in, nor left as, a file on disk (``/proc/<server>/fd`` and the
  server's own temp folder are watched while it arrives);
* headers made of markdown, HTML and image syntax are shown as text on the Data page, and
  the browser never asks for the image (the ``guard`` aborts and records any such request);
* a city written as a link is no link on the charts of Engagement and Connection risk.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import LOAD_TIMEOUT, assert_no_errors, metric, open_page, settle

pytestmark = pytest.mark.browser

MB = 1024 * 1024
IMAGE = "![px](http://198.51.100.7/h.png)"
LINK = '<a href="https://phish.example/login">Leeds</a>'
STYLED = '<span style="color:red;font-size:40px">York</span>'


def upload(page: Page, box: int, path: Path) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(box).set_input_files(str(path))


# --- defect 1: uploads stay in memory ----------------------------------------------------------


class DiskWatch:
    """Samples the server's open files every few ms: any temp file (unnamed, ``(deleted)``, or in
    its temp folder) of ``min_size`` bytes or more is recorded."""

    def __init__(self, pid: int, tmpdir: Path, min_size: int) -> None:
        self.pid, self.tmpdir, self.min_size = pid, str(tmpdir), min_size
        self.seen: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        fd_dir = f"/proc/{self.pid}/fd"
        for fd in os.listdir(fd_dir):
            try:
                target = os.readlink(f"{fd_dir}/{fd}")
                size = os.stat(f"{fd_dir}/{fd}").st_size
            except OSError:
                continue  # closed meanwhile
            if size >= self.min_size and (target.endswith("(deleted)") or target.startswith(self.tmpdir)):
                self.seen[target] = max(size, self.seen.get(target, 0))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            time.sleep(0.002)

    def __enter__(self) -> DiskWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sample()


def test_a_5_mb_upload_never_touches_the_disk(page: Page, fresh_server, guard, tmp_path):
    tmpdir = tmp_path / "server-tmp"
    tmpdir.mkdir()
    big = tmp_path / "attendance.csv"
    rows = b"".join(b"E%d,person%d@example.org,attended\n" % (i % 40, i % 3000) for i in range(170_000))
    big.write_bytes(b"Event ID,Email,Status\n" + rows)
    assert big.stat().st_size >= 5 * MB
    page.set_default_timeout(LOAD_TIMEOUT)
    # the server holds each upload a second after it arrived: a spooled file would stay open meanwhile
    with fresh_server(upload_delay=1.0, env={"TMPDIR": str(tmpdir)}) as server:
        open_page(page, server.url, "/Data")
        with DiskWatch(server.process.pid, tmpdir, MB) as watch:
            upload(page, 2, big)
            expect(page.get_by_text("attendance.csv").first).to_be_visible()
            settle(page)
        left = [(p.name, p.stat().st_size) for p in tmpdir.rglob("*") if p.is_file() and p.stat().st_size >= MB]
        assert watch.seen == {}, f"the upload was held in a file on disk: {watch.seen}"
        assert left == [], f"the upload was left in the temp folder: {left}"
        expect(metric(page, "Attendance rows")).not_to_have_text("0")
    guard.assert_offline()


# --- defects 5 and 6: text from files is text ---------------------------------------------------


def hostile_files(folder: Path) -> dict[str, Path]:
    members = (
        f"Name,Email,City,{IMAGE},{IMAGE},**Dup**,**Dup**\n"
        f'Ann Lee,ann@example.org,"{LINK.replace(chr(34), chr(34) * 2)}",a,b,c,d\n'
        f'Bo Chen,bo@example.org,"{LINK.replace(chr(34), chr(34) * 2)}",a,b,c,d\n'
        f'Cy Diaz,cy@example.org,"{STYLED.replace(chr(34), chr(34) * 2)}",a,b,c,d\n'
        f"Di Egan,di@example.org,Leeds,a,b,c,d\n"
    )
    events = "Event ID,Event name,Date,City\nE1,Coffee,2026-03-01 10:00,Leeds\nE2,Walk,2026-03-08 11:00,York\n"
    attendance = ("Event ID,Email,Status\nE1,ann@example.org,attended\nE1,bo@example.org,attended\n"
                  "E2,cy@example.org,attended\nE2,ann@example.org,attended\n")
    paths = {}
    for kind, text in (("members", members), ("events", events), ("attendance", attendance)):
        paths[kind] = folder / f"{kind}.csv"
        paths[kind].write_text(text, encoding="utf-8")
    return paths


def test_markup_in_headers_and_cities_is_shown_as_text(page: Page, server, guard, tmp_path):
    page.set_default_timeout(LOAD_TIMEOUT)
    open_page(page, server.url, "/Data")
    for box, path in enumerate(hostile_files(tmp_path).values()):
        upload(page, box, path)
        expect(page.get_by_text(path.name).first).to_be_visible()
        settle(page)
    expect(metric(page, "Members")).to_have_text("4")
    main = page.locator('[data-testid="stMain"]')
    # the notes quote the headers, character for character
    expect(main.get_by_text(f"Two columns are called '{IMAGE}'", exact=False).first).to_be_visible()
    expect(main.get_by_text("Two columns are called '**Dup**'", exact=False).first).to_be_visible()
    assert page.locator('img[src*="198.51.100.7"]').count() == 0, "a header became an image"
    assert main.locator("strong, b").filter(has_text="Dup").count() == 0, "a header became bold"
    assert_no_errors(page, "/Data with hostile headers")
    for path, title in (("/Engagement", "Engagement"), ("/Connection_risk", "Connection risk")):
        page.locator('[data-testid="stSidebar"] a').filter(has_text=title).first.click()
        expect(page.locator("h1").first).to_have_text(title, timeout=LOAD_TIMEOUT)
        settle(page)
        charts = page.locator('[data-testid="stPlotlyChart"]')
        expect(charts.first).to_be_visible(timeout=LOAD_TIMEOUT)
        city_ticks = page.locator('[data-testid="stPlotlyChart"] text').filter(has_text="Leeds")
        expect(city_ticks.first).to_be_visible(timeout=LOAD_TIMEOUT)
        assert page.locator('[data-testid="stPlotlyChart"] a[href*="phish"]').count() == 0, f"{path}: a city became a link"
        styled = page.locator('[data-testid="stPlotlyChart"] tspan[style*="font-size:40px"]')
        assert styled.count() == 0, f"{path}: a city's <span style> was applied"
        assert_no_errors(page, path)
    assert not guard.dialogs, guard.dialogs
    guard.assert_offline()


# --- defect 2: an upload cut short by a page switch is not lost silently -------------------------


def test_an_upload_left_behind_by_a_page_switch_is_reported(page: Page, fresh_server, guard, tmp_path):
    """On a busy server (each upload held 3 s), drop an attendance file and click Map at once:
    the file never reaches its box, and the organiser is told so, in words, on the Map page."""
    members, attendance = tmp_path / "my_members.csv", tmp_path / "late_attendance.csv"
    members.write_text("Name,Email,City\nAnn Lee,ann@example.org,Leeds\nBo Chen,bo@example.org,York\n")
    attendance.write_text("Event ID,Email,Status\nE1,ann@example.org,attended\n" * 2000)
    page.set_default_timeout(LOAD_TIMEOUT)
    with fresh_server(upload_delay=3.0) as server:
        open_page(page, server.url, "/Data")
        upload(page, 0, members)
        expect(page.get_by_text("my_members.csv").first).to_be_visible()
        settle(page)
        expect(metric(page, "Members")).to_have_text("2", timeout=60_000)
        upload(page, 2, attendance)
        page.locator('[data-testid="stSidebar"] a').filter(has_text="Map").first.click()
        expect(page.locator("h1").first).to_have_text("Where members live")
        notice = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="late_attendance.csv")
        expect(notice).to_contain_text("was not used", timeout=60_000)
        expect(notice).to_contain_text("Drop the file on the Data page again")
        sidebar = page.locator('[data-testid="stSidebar"]')
        expect(sidebar).to_contain_text("my_members.csv")
        expect(sidebar).not_to_contain_text("late_attendance.csv")  # not in use, and not claimed to be
        page.get_by_role("button", name="OK").click()
        settle(page)
        expect(notice).to_have_count(0)
        # the same file dropped and waited for is used
        page.locator('[data-testid="stSidebar"] a').filter(has_text="Data").first.click()
        settle(page, "Your data")
        upload(page, 2, attendance)
        expect(page.get_by_text("late_attendance.csv").first).to_be_visible(timeout=60_000)
        settle(page)
        expect(metric(page, "Attendance rows")).not_to_have_text("0", timeout=60_000)
        expect(page.locator('[data-testid="stAlertContentWarning"]')).to_have_count(0)
    guard.assert_offline()
