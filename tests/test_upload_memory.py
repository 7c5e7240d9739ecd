"""Uploads stay in memory (issue 17, defect 1).

Streamlit's upload route parses the multipart body with Starlette, whose parser keeps each
file in a ``SpooledTemporaryFile`` that rolls over to an unnamed file on disk past 1 MB.
``dashboard.ui.server.keep_uploads_in_memory`` stops the roll-over. These tests drive
Streamlit's real upload route (not a copy of it), so a Streamlit or Starlette upgrade that
spools somewhere else, or renames what the patch sets, fails here.
"""

from __future__ import annotations

import asyncio
import tempfile
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.web.server.starlette import starlette_routes

from dashboard.ui import server

SIZE = 5 * 1024 * 1024
BOUNDARY = "neighbourlyboundary"


def multipart(data: bytes, name: str = "attendance.csv") -> bytes:
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def put(body: bytes, chunk: int = 64 * 1024) -> tuple[int, MemoryUploadedFileManager]:
    """PUT ``body`` through Streamlit's own upload route, in chunks as a browser sends it."""
    mgr = MemoryUploadedFileManager("/_stcore/upload_file")
    runtime = SimpleNamespace(is_active_session=lambda _sid: True)
    route = next(r for r in starlette_routes.create_upload_routes(runtime, mgr, None) if "PUT" in (r.methods or ()))
    pieces = [body[i:i + chunk] for i in range(0, len(body), chunk)]
    sent: list[dict] = []

    async def receive() -> dict:
        if pieces:
            return {"type": "http.request", "body": pieces.pop(0), "more_body": bool(pieces)}
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "PUT", "path": "/_stcore/upload_file/s1/f1", "root_path": "",
        "query_string": b"", "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
        "headers": [(b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
                    (b"content-length", str(len(body)).encode())],
        "path_params": {"session_id": "s1", "file_id": "f1"},
    }
    # A thread of its own: a browser test earlier in the run can leave Playwright's event loop
    # running in this one, where asyncio.run refuses to start
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, route.app(scope, receive, send)).result()
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, mgr


@pytest.fixture(autouse=True)
def no_xsrf(monkeypatch) -> None:
    """The browser's XSRF cookie is not what is tested here."""
    monkeypatch.setattr(starlette_routes, "is_xsrf_enabled", lambda: False)


@pytest.fixture
def disk_files(monkeypatch) -> list[str]:
    """Every temporary file tempfile would make on disk, recorded instead of made."""
    made: list[str] = []

    def refuse(kind):
        def make(*args, **kwargs):
            made.append(kind)
            raise AssertionError(f"an upload went to a temporary file on disk ({kind})")
        return make

    for kind in ("TemporaryFile", "NamedTemporaryFile", "mkstemp", "mkdtemp"):
        monkeypatch.setattr(tempfile, kind, refuse(kind))
    return made


def test_a_5_mb_upload_is_kept_in_memory(disk_files):
    server.keep_uploads_in_memory()
    data = b"Event ID,Email,Status\n" + b"E1,someone@example.org,attended\n" * (SIZE // 32)
    status, mgr = put(multipart(data))
    assert disk_files == []
    assert status == 204
    (rec,) = mgr.file_storage["s1"].values()
    assert rec.data == data


def test_without_the_patch_streamlit_spools_to_disk(disk_files, monkeypatch):
    """The patch is what keeps it in memory: undone, the same upload reaches a temp file."""
    from starlette import formparsers

    monkeypatch.setattr(formparsers.MultiPartParser, "spool_max_size", 1024 * 1024)
    with pytest.raises(AssertionError, match="temporary file on disk"):
        put(multipart(b"x" * SIZE))
    assert disk_files


def test_the_patch_is_applied_whenever_a_page_imports_the_shell():
    from starlette import formparsers

    import dashboard.ui.shell  # noqa: F401

    assert formparsers.MultiPartParser.spool_max_size == 0
