"""``streamlit`` as the browser tests run it, made slow in the upload path on purpose.

``NEIGHBOURLY_TEST_UPLOAD_DELAY`` (seconds): each uploaded file waits that long on the server
after it arrived and before Streamlit hands it to the session, as it does on a server busy
with other organisers' uploads. Used only by tests/browser (``start_server(upload_delay=...)``).
"""

from __future__ import annotations

import asyncio
import os
import sys

from starlette.datastructures import UploadFile

DELAY = float(os.environ.get("NEIGHBOURLY_TEST_UPLOAD_DELAY") or 0)

if DELAY > 0:
    _read = UploadFile.read

    async def slow_read(self: UploadFile, size: int = -1) -> bytes:
        await asyncio.sleep(DELAY)  # the session's other requests (a page switch) go on meanwhile
        return await _read(self, size)

    UploadFile.read = slow_read  # type: ignore[method-assign]

if __name__ == "__main__":
    from streamlit.web.cli import main

    sys.argv[0] = "streamlit"
    sys.exit(main())
