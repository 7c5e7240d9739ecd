"""Drive the real app in Debian's Chromium: a Streamlit server, browser contexts, the file inputs, the sidebar.

Shared by ``benchmarks.browser`` and ``benchmarks.load``. Chromium is
``/usr/bin/chromium`` with the flags of ``tests/browser/conftest.py`` (never a
downloaded browser); the server listens on 127.0.0.1 only, and every request a
page makes to anything but the loopback is aborted and counted. Every wait has
a timeout, so a stuck page ends the run with a message instead of hanging.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from benchmarks.measure import hwm_mb, rss_mb
from benchmarks.synth import SynthFiles

ROOT = Path(__file__).resolve().parents[1]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'
EXCEPTION = '[data-testid="stException"]'
#: the longest any one wait may take (a 100k upload on a busy 2-core machine); NEIGHBOURLY_BENCH_WAIT_S changes it
TIMEOUT_MS = float(os.environ.get("NEIGHBOURLY_BENCH_WAIT_S", "600")) * 1000
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
#: URL path -> (sidebar link label, the page's st.title)
PAGES = {
    "/": ("Overview", "Neighbourly"),
    "/Data": ("Data", "Your data"),
    "/Map": ("Map", "Where members live"),
    "/Engagement": ("Engagement", "Engagement"),
    "/Connection_risk": ("Connection risk", "Connection risk"),
    "/Introductions": ("Introductions", "Introductions"),
}


_T0 = time.perf_counter()


def say(message: str) -> None:
    """Progress on stderr, with the seconds since the benchmark started."""
    print(f"[{time.perf_counter() - _T0:7.1f} s] {message}", file=sys.stderr, flush=True)


class BenchError(RuntimeError):
    """The app did not get where the benchmark was waiting for it to get."""


def chromium() -> tuple[Path, list[str]]:
    """Debian's Chromium and the browser tests' flags."""
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM, SKIP_REASON

    if not HAVE_CHROMIUM:
        raise BenchError(SKIP_REASON)
    return CHROMIUM, list(CHROMIUM_ARGS)


@dataclass
class Server:
    """A running ``streamlit run app.py`` on a loopback port."""

    url: str
    process: subprocess.Popen
    log: Path
    started: float  # time.perf_counter() when the process was started

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid) or 0.0

    def hwm_mb(self) -> float:
        return hwm_mb(self.process.pid) or 0.0

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200 and resp.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@asynccontextmanager
async def server(port: int, log_dir: Path, timeout: float = 120.0) -> AsyncIterator[Server]:
    """A fresh ``streamlit run app.py`` on ``127.0.0.1:port``, stopped (by its own pid) on exit."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"streamlit-{port}.log"
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with open(log, "wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    s = Server(f"http://127.0.0.1:{port}", process, log, started)
    say(f"server pid {process.pid} starting on port {port}")
    try:
        deadline = time.monotonic() + timeout
        while not await asyncio.to_thread(_healthy, s.url):
            if process.poll() is not None:
                raise BenchError(f"streamlit exited with {process.returncode}:\n{s.log_tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"streamlit not healthy after {timeout:.0f} s:\n{s.log_tail()}")
            await asyncio.sleep(0.1)
        yield s
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


@dataclass
class Guard:
    """Counts (and aborts) every request that would leave the machine."""

    blocked: list[str] = field(default_factory=list)

    async def route(self, route) -> None:
        parsed = urlparse(route.request.url)
        if parsed.scheme in ("data", "blob", "about") or (parsed.hostname or "") in LOCAL_HOSTS:
            await route.continue_()
        else:
            self.blocked.append(route.request.url)
            await route.abort("blockedbyclient")


@asynccontextmanager
async def browser() -> AsyncIterator[object]:
    """Debian's Chromium, headless, through Playwright."""
    from playwright.async_api import async_playwright

    path, args = chromium()
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=str(path), headless=True, args=args, timeout=60_000)
        try:
            yield b
        finally:
            await b.close()


async def new_page(b, guard: Guard):
    """A fresh context (its own session) and page, desktop-sized so the sidebar stays open."""
    context = await b.new_context(viewport={"width": 1400, "height": 1000})
    await context.route("**/*", guard.route)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page


async def settle(page, timeout_ms: float = TIMEOUT_MS) -> None:
    """Wait until the script has finished and nothing on screen is a placeholder or stale."""
    await page.wait_for_selector(READY, timeout=timeout_ms)
    await page.locator('[data-testid="stSkeleton"]').first.wait_for(state="detached", timeout=timeout_ms)
    await page.locator('[data-stale="true"]').first.wait_for(state="detached", timeout=timeout_ms)
    await page.wait_for_selector(READY, timeout=timeout_ms)
    if await page.locator(EXCEPTION).count():
        raise BenchError(f"exception on screen at {page.url}: {await page.locator(EXCEPTION).first.inner_text()}")


async def rerun_settled(page, timeout_ms: float = TIMEOUT_MS) -> None:
    """After an action that reruns the script: wait for the run to start (if it isn't over already), then settle."""
    try:
        await page.wait_for_selector(RUNNING, timeout=3_000)
    except Exception:  # noqa: BLE001 - Playwright's timeout: the rerun may have finished already
        pass
    await settle(page, timeout_ms)


async def shown(page, title: str, timeout_ms: float = TIMEOUT_MS) -> None:
    """Wait until the page titled ``title`` is shown and settled."""
    await page.locator("h1", has_text=title).first.wait_for(state="visible", timeout=timeout_ms)
    await settle(page, timeout_ms)


async def open_path(page, base: str, path: str) -> float:
    """Open ``base + path`` and wait for its page to be shown: the seconds it took."""
    start = time.perf_counter()
    await page.goto(base + path, wait_until="domcontentloaded")
    await shown(page, PAGES[path.split("?")[0]][1])
    return time.perf_counter() - start


async def click_page(page, path: str) -> float:
    """Go to another page through the sidebar's link: the seconds until it is shown."""
    label, title = PAGES[path]
    say(f"opening {path}")
    start = time.perf_counter()
    link = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]', has_text=label)
    await link.first.click()
    await page.wait_for_url(re.compile(re.escape(path.rstrip("/")) + r"(\?|$)") if path != "/" else re.compile(
        r"^[^?]*/(\?.*)?$"))
    await shown(page, title)
    return time.perf_counter() - start


async def upload_trio(page, files: SynthFiles) -> float:
    """Drop the three files into the Data page's inputs, one after another as an organiser does:
    the seconds until the last one's rerun has settled."""
    start = time.perf_counter()
    inputs = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    for i, path in enumerate(files.paths.values()):
        say(f"dropping {path.parent.name}/{path.name}")
        await inputs.nth(i).set_input_files(str(path))
        await page.get_by_text(path.name).first.wait_for(state="visible")
        await rerun_settled(page)
    return time.perf_counter() - start


async def metric(page, label: str) -> str:
    """The value of the main area's metric called exactly ``label``."""
    box = page.locator('[data-testid="stMain"] [data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")))
    return (await box.locator('[data-testid="stMetricValue"]').first.inner_text()).strip()


async def choose_city(page, city: str) -> float:
    """Add ``city`` to the sidebar's city filter: the seconds until the page has rerun and settled."""
    box = page.locator('[data-testid="stSidebar"] input[aria-label="Cities"]')
    await box.click()
    await box.fill(city)
    option = page.get_by_role("option", name=city, exact=True)
    await option.wait_for(state="visible")
    say(f"city filter: + {city}")
    start = time.perf_counter()
    await option.click()
    await page.keyboard.press("Escape")
    await rerun_settled(page)
    return time.perf_counter() - start


async def city_options(page, n: int) -> list[str]:
    """The first ``n`` cities the sidebar offers (sorted by members)."""
    box = page.locator('[data-testid="stSidebar"] input[aria-label="Cities"]')
    await box.click()
    options = page.get_by_role("option")
    await options.first.wait_for(state="visible")
    names = [(await o.inner_text()).strip() for o in (await options.all())[: n + 6]]
    await page.keyboard.press("Escape")
    cities = [c for c in names if c and not c.startswith("(") and c != "Select all"][:n]
    say(f"cities offered: {cities}")
    return cities


def expected_members(files: SynthFiles) -> int:
    """How many members the Overview should show for these files: the core's own load, in this
    process, with organisers and hosts left out as the default settings do."""
    import pandas as pd

    from dashboard.engagement import exclude_staff
    from dashboard.ingest import Upload, load_community
    from dashboard.settings import Settings

    up = {k: Upload(p.name, p.read_bytes()) for k, p in files.paths.items()}
    community = load_community(up["members"], up["events"], up["attendance"],
                               reference_date=pd.Timestamp.today().normalize())
    return len(exclude_staff(community, Settings()).members)
