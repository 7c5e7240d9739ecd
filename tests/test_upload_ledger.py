"""Which uploads a session was sent and when they arrived (issue 17, defect 2).

``server.track_uploads`` records it on Streamlit's own upload manager, so a file that arrives
after the organiser left the Data page can be told apart from one on its way or in a box.
"""

from __future__ import annotations

from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from dashboard.ui import server


def manager() -> MemoryUploadedFileManager:
    server.track_uploads()
    server.track_uploads()  # idempotent: a second call wraps nothing twice
    return MemoryUploadedFileManager("/_stcore/upload_file")


def test_an_announced_upload_is_on_its_way_until_its_bytes_arrive():
    mgr = manager()
    (url,) = mgr.get_upload_urls("s-ledger-1", ["attendance.csv"])
    (state,) = server.uploads_of("s-ledger-1")
    assert (state.file_id, state.name, state.arrived_at) == (url.file_id, "attendance.csv", None)
    mgr.add_file("s-ledger-1", UploadedFileRec(url.file_id, "attendance.csv", "text/csv", b"x"))
    (state,) = server.uploads_of("s-ledger-1")
    assert state.arrived_at is not None and state.arrived_at >= state.asked_at


def test_removed_files_and_ended_sessions_leave_no_record():
    mgr = manager()
    first, second = mgr.get_upload_urls("s-ledger-2", ["a.csv", "b.csv"])
    mgr.remove_file("s-ledger-2", first.file_id)
    assert [s.name for s in server.uploads_of("s-ledger-2")] == ["b.csv"]
    mgr.remove_session_files("s-ledger-2")
    assert server.uploads_of("s-ledger-2") == []


def test_forgetting_an_upload_drops_its_record():
    mgr = manager()
    (url,) = mgr.get_upload_urls("s-ledger-3", ["late.csv"])
    mgr.add_file("s-ledger-3", UploadedFileRec(url.file_id, "late.csv", "text/csv", b"x"))
    server.forget_upload("s-ledger-3", url.file_id)  # no runtime here: only the record goes
    assert server.uploads_of("s-ledger-3") == []


def test_the_manager_still_does_its_job():
    mgr = manager()
    (url,) = mgr.get_upload_urls("s-ledger-4", ["m.csv"])
    mgr.add_file("s-ledger-4", UploadedFileRec(url.file_id, "m.csv", "text/csv", b"data"))
    assert [f.data for f in mgr.get_files("s-ledger-4", [url.file_id])] == [b"data"]
