"""Changes to the Streamlit server this app needs, applied when a page first imports the shell:
uploads stay in memory, and uploads that never reached their box are noticed.

Uploads stay in memory (issue 17, defect 1). Streamlit 1.67's upload route
(``streamlit/web/server/starlette/starlette_routes.py``, ``create_upload_routes`` →
``_upload_put``) parses the request with ``request.form()``; Starlette's ``MultiPartParser``
puts every file part in a ``SpooledTemporaryFile(max_size=MultiPartParser.spool_max_size)``,
1 MB, which past that size rolls over to an unnamed file in the temp folder (the
``(deleted)`` entries in ``/proc/<pid>/fd``). The route then reads the whole file into memory
anyway (``await upload.read()``) and Streamlit keeps it in ``MemoryUploadedFileManager``, so a
size of 0 (``SpooledTemporaryFile``: never roll over) changes nothing but where the bytes wait
meanwhile. The body is already capped at ``server.maxUploadSize`` while it streams, before it
reaches the parser. ``tests/test_upload_memory.py`` drives Streamlit's own route and fails if an
upgrade spools somewhere else.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from starlette.formparsers import MultiPartParser
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

NEVER_ROLL_OVER = 0  # SpooledTemporaryFile(max_size=0) stays in memory whatever its size


def keep_uploads_in_memory() -> None:
    """Make Streamlit's upload handler keep file parts in memory instead of spooling them to disk."""
    MultiPartParser.spool_max_size = NEVER_ROLL_OVER


# --- uploads that never reached their box (issue 17, defect 2) -----------------------------------
#
# A file dropped on the Data page travels in two steps: the browser PUTs its bytes to the
# server's upload manager, then tells the page script which box holds it. If the organiser
# switches page before the second step, the box is gone and the file sits unused in the
# manager: the Data page never sees it and nothing says so. The manager's own interface has no
# listing and no times, so every manager records here what was asked for and when it arrived.


@dataclass(frozen=True)
class UploadState:
    """One file the browser announced for a session: its name, when it was asked for and when
    its bytes arrived (``None`` while they are on their way)."""

    file_id: str
    name: str
    asked_at: float
    arrived_at: float | None


_lock = threading.Lock()
_ledger: dict[str, dict[str, UploadState]] = {}  # session id -> file id -> state


def _asked(session_id: str, file_id: str, name: str) -> None:
    with _lock:
        _ledger.setdefault(session_id, {})[file_id] = UploadState(file_id, name, time.monotonic(), None)


def _arrived(session_id: str, file_id: str, name: str) -> None:
    with _lock:
        old = _ledger.setdefault(session_id, {}).get(file_id)
        asked = old.asked_at if old else time.monotonic()
        _ledger[session_id][file_id] = UploadState(file_id, old.name if old else name, asked, time.monotonic())


def _dropped(session_id: str, file_id: str | None = None) -> None:
    with _lock:
        if file_id is None:
            _ledger.pop(session_id, None)
        else:
            _ledger.get(session_id, {}).pop(file_id, None)


def track_uploads() -> None:
    """Record, per session, which uploads were asked for and when each arrived (idempotent)."""
    cls = MemoryUploadedFileManager
    if getattr(cls, "_neighbourly_tracked", False):
        return
    get_urls, add_file, remove_file, remove_session = (
        cls.get_upload_urls, cls.add_file, cls.remove_file, cls.remove_session_files)

    def get_upload_urls(self, session_id, file_names):
        urls = get_urls(self, session_id, file_names)
        for info, name in zip(urls, file_names, strict=False):
            _asked(session_id, info.file_id, name)
        return urls

    def add(self, session_id, file):
        add_file(self, session_id, file)
        _arrived(session_id, file.file_id, file.name)

    def remove(self, session_id, file_id):
        remove_file(self, session_id, file_id)
        _dropped(session_id, file_id)

    def remove_all(self, session_id):
        remove_session(self, session_id)
        _dropped(session_id)

    # patched onto streamlit's class at run time: setattr says so to the type checker too
    patches = {"get_upload_urls": get_upload_urls, "add_file": add, "remove_file": remove,
               "remove_session_files": remove_all, "_neighbourly_tracked": True}
    for name, value in patches.items():
        setattr(cls, name, value)


def uploads_of(session_id: str) -> list[UploadState]:
    """The files announced for a session and still held for it, oldest first."""
    with _lock:
        return sorted(_ledger.get(session_id, {}).values(), key=lambda s: s.asked_at)


def forget_upload(session_id: str, file_id: str) -> None:
    """Free a file the session will never use (its bytes and its record)."""
    from streamlit import runtime

    if runtime.exists():
        # the memory manager streamlit runs has remove_file; its UploadedFileManager protocol doesn't list it
        runtime.get_instance().uploaded_file_mgr.remove_file(session_id, file_id)  # type: ignore[attr-defined]
    _dropped(session_id, file_id)


# --- who is connecting ------------------------------------------------------------------------


def peer_ip(session_id: str | None) -> str | None:
    """The address this session's browser connection comes from, as the socket saw it (None
    when unknown, e.g. under AppTest). ``st.context.ip_address`` turns loopback into None too,
    so it can't tell this machine from nobody-knows-where."""
    from streamlit import runtime

    if session_id is None or not runtime.exists():
        return None
    client = runtime.get_instance().get_client(session_id)
    context = getattr(client, "client_context", None)
    ip = getattr(context, "remote_ip", None)
    return ip if isinstance(ip, str) else None
