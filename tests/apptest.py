"""A page of the app run in a new AppTest session: the page tests' one way to open one."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.ingest import Upload
from dashboard.ui.state import KEY_UPLOADS

APP = Path(__file__).resolve().parents[1] / "app.py"


def run_page(path: str, uploads: dict[str, Upload] | None = None, timeout: float = 120) -> AppTest:
    """``path`` ("app.py" or "pages/...") run once in a new session (with ``uploads`` as the
    session's own, if given), checked to have raised nothing."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    if uploads:
        at.session_state[KEY_UPLOADS] = uploads
    if path != "app.py":
        at.switch_page(path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
