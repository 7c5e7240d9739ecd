"""How long a large .xlsx sign-up export takes: read alone, in the report, and in the app.

Run: ``python -m benchmarks.xlsx_upload --rows 200000``. The synthetic members CSV of
``benchmarks.synth`` is written as a one-sheet workbook (cached next to the CSVs), then

* read: ``dashboard.ingest.read_table`` of its bytes, in this process;
* report: ``python -m dashboard report --members FILE.xlsx`` in a fresh process;
* app: the Data page under Streamlit's AppTest with the workbook as the session's
  upload (preview, mapping table, load, geocode, analyse: what the organiser waits for).

Each is run once (they take tens of seconds); the machine's load is printed with them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.measure import load_average
from benchmarks.synth import cache_root, generate

ROOT = Path(__file__).resolve().parents[1]


def workbook(rows: int) -> Path:
    """A members workbook of ``rows`` sign-ups, generated once."""
    import pandas as pd
    from openpyxl import Workbook

    path = cache_root() / f"members-{rows}.xlsx"
    if path.is_file():
        return path
    files = generate(rows, rows, cache_root() / f"xlsx-{rows}")
    frame = pd.read_csv(files.members, dtype=str, keep_default_na=False)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Form responses 1")
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def run(rows: int, timeout: float = 1800) -> list[tuple[str, float]]:
    """(step, seconds) for reading, the report and the app's Data page."""
    from streamlit.testing.v1 import AppTest

    from dashboard.ingest import Upload, read_table
    from dashboard.ui.state import KEY_UPLOADS

    path = workbook(rows)
    data = path.read_bytes()
    out = []
    start = time.perf_counter()
    read_table(data, path.name)
    out.append(("read_table", time.perf_counter() - start))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "dashboard", "report", "--members", str(path), "--out", tmp],
                              cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        out.append((f"report (exit {proc.returncode})", time.perf_counter() - start))
    at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=timeout)
    at.session_state[KEY_UPLOADS] = {"members": Upload(path.name, data)}
    start = time.perf_counter()
    at.run()
    out.append(("app: Data page, first visit" + (" (exception)" if at.exception else ""), time.perf_counter() - start))
    return out


def main(argv: list[str] | None = None) -> int:
    """Print a markdown table of the timings."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.xlsx_upload", description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args(argv)
    path = workbook(args.rows)
    print(f"{args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB workbook; load average {load_average()}; "
          f"{os.cpu_count()} cores")
    print("| step | seconds |\n|---|---|")
    for step, seconds in run(args.rows):
        print(f"| {step} | {seconds:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
