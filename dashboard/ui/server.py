"""Changes to the Streamlit server this app needs, applied when a page first imports the shell.

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

from starlette.formparsers import MultiPartParser

NEVER_ROLL_OVER = 0  # SpooledTemporaryFile(max_size=0) stays in memory whatever its size


def keep_uploads_in_memory() -> None:
    """Make Streamlit's upload handler keep file parts in memory instead of spooling them to disk."""
    MultiPartParser.spool_max_size = NEVER_ROLL_OVER
