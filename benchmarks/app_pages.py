"""How long each page's script takes once a large community is loaded, as an organiser
clicking through the app would wait for it.

Run: ``python -m benchmarks.app_pages --size 100k`` (or 1k, 10k). The synthetic
exports of ``benchmarks.synth`` are put in the session as uploads, the app runs
once under Streamlit's AppTest (load, geocode, analyse: the first-visit cost),
then every page runs twice and the second run is reported: the cost of a rerun
when nothing needs recomputing (a filter click, a page switch). No browser is
involved, so rendering time comes on top; ``tests/browser`` covers the browser.
No target: this is for spotting a page that does slow work on every rerun.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks.synth import ensure

ROOT = Path(__file__).resolve().parents[1]


def run(size: str | int = "10k", timeout: float = 900) -> list[tuple[str, float]]:
    """(step, seconds) for the first visit and for a rerun of each page (the app's own list,
    ``dashboard.ui.shell.PAGES``)."""
    from streamlit.testing.v1 import AppTest

    from dashboard.ingest import Upload
    from dashboard.ui.shell import PAGES
    from dashboard.ui.state import KEY_UPLOADS

    files = ensure(size)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.session_state[KEY_UPLOADS] = {kind: Upload(path.name, path.read_bytes()) for kind, path in files.paths.items()}
    out = []
    start = time.perf_counter()
    at.run()
    out.append(("first visit: load, geocode, analyse, Overview", time.perf_counter() - start))
    for page, _, _ in PAGES:
        at.switch_page(page)
        at.run()
        start = time.perf_counter()
        at.run()
        out.append((f"rerun {page}", time.perf_counter() - start))
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        if len(at.session_state[KEY_UPLOADS] or {}) != 3:
            raise RuntimeError(f"{page} ran without the uploads: the timing would be the demo's")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10k", help="1k, 10k, 100k or a number of members")
    args = parser.parse_args()
    for step, seconds in run(args.size):
        print(f"{step:55s} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
