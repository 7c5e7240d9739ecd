"""Real-browser fixtures: Debian's Chromium driven by pytest-playwright against
``streamlit run app.py`` on a free localhost port.

* No browser is ever downloaded: ``executable_path`` points at /usr/bin/chromium
  (``NEIGHBOURLY_CHROMIUM`` overrides it); without it every test here skips,
  saying how to install it.
* ``server`` is one Streamlit server for the whole session; ``start_server()``
  starts another, fresh one (for the deep-link test) and stops it afterwards.
* ``guard`` routes every request of the test's browser context: anything whose
  host isn't 127.0.0.1/localhost is aborted and recorded; tests end with
  ``guard.assert_offline()`` (the fixture checks again on teardown).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("NEIGHBOURLY_CHROMIUM", "/usr/bin/chromium"))
HAVE_CHROMIUM = CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)
SKIP_REASON = f"no Chromium at {CHROMIUM}: install Debian's chromium: apt-get install chromium"
SCREENSHOTS = ROOT / "screenshots"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
SERVER_START_TIMEOUT = 90.0
#: how long an ``expect`` waits for the page: a rerun after an upload starts only once the file
#: has reached the server, so on a busy machine it can end well after Playwright's 5 s default
EXPECT_TIMEOUT_MS = 30_000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers have a tiny /dev/shm
]


@pytest.fixture(autouse=True, scope="session")
def _patient_expect() -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every browser test, with the way to enable them, when Chromium is missing."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if not HAVE_CHROMIUM:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


# --- Chromium ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, headless, with nothing phoning home."""
    if not HAVE_CHROMIUM:
        pytest.skip(SKIP_REASON)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
        "timeout": 60_000,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A desktop-sized window (the sidebar stays open) that accepts downloads."""
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}, "accept_downloads": True}


# --- Streamlit servers ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running ``streamlit run app.py``."""

    url: str
    process: subprocess.Popen
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _wait_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    health = f"{server.url}/_stcore/health"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(health, timeout=2) as resp:
                if resp.status == 200 and resp.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"streamlit not healthy after {timeout:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


SLOW_STREAMLIT = Path(__file__).with_name("slow_streamlit.py")


@contextlib.contextmanager
def start_server(log_dir: Path, upload_delay: float = 0.0, env: dict[str, str] | None = None,
                 address: str = "127.0.0.1") -> Iterator[Server]:
    """Start a fresh ``streamlit run app.py`` from the repo root; stop it on exit.

    ``upload_delay`` (s): the server holds each upload that long before handing it on, as a
    busy server does (``slow_streamlit.py``); ``env``: extra environment (e.g. its own TMPDIR or
    NEIGHBOURLY_DB); ``address``: where it listens (the tests always connect to 127.0.0.1).
    """
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"streamlit-{port}.log"
    launcher = [str(SLOW_STREAMLIT)] if upload_delay else ["-m", "streamlit"]
    cmd = [
        sys.executable, *launcher, "run", "app.py",
        "--server.port", str(port),
        "--server.address", address,
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        # other people edit the repo while tests run: never rerun on a file change
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **(env or {}),
           "NEIGHBOURLY_TEST_UPLOAD_DELAY": str(upload_delay)}
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_healthy(server, SERVER_START_TIMEOUT)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def server_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("streamlit-logs")


@pytest.fixture(scope="session")
def server(server_logs: Path) -> Iterator[Server]:
    """One Streamlit server for the session."""
    if not HAVE_CHROMIUM:
        pytest.skip(SKIP_REASON)
    with start_server(server_logs) as s:
        yield s


@pytest.fixture(scope="session")
def fresh_server(server_logs: Path):
    """A factory: ``with fresh_server() as s:`` starts a second, brand-new server (same
    keyword arguments as ``start_server``)."""
    return lambda **kwargs: start_server(server_logs, **kwargs)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


# --- the network guard -------------------------------------------------------------------


@dataclass
class NetworkGuard:
    """Aborts and records every request (and websocket) that would leave the machine."""

    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @staticmethod
    def is_local(url: str) -> bool:
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about", "chrome-extension", "chrome"):
            return True
        return (parsed.hostname or "") in LOCAL_HOSTS

    def route(self, route) -> None:
        url = route.request.url
        if self.is_local(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def websocket(self, ws) -> None:
        if not self.is_local(ws.url):
            self.blocked.append(ws.url)

    def assert_offline(self) -> None:
        assert not self.blocked, f"non-local requests were attempted (and blocked): {sorted(set(self.blocked))}"


@pytest.fixture
def guard(context) -> Iterator[NetworkGuard]:
    """Route every request of this test's browser context through the guard."""
    g = NetworkGuard()
    context.route("**/*", g.route)

    def on_page(page) -> None:
        page.on("websocket", g.websocket)
        page.on("pageerror", lambda err: g.page_errors.append(str(err)))

        def on_dialog(dialog) -> None:
            g.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)

    for existing in context.pages:
        on_page(existing)
    context.on("page", on_page)
    yield g
    g.assert_offline()
