"""How long a large .xlsx sign-up export takes: read alone, in the report, and in the app.

Run: ``python -m benchmarks.xlsx_upload --rows 200000``. The synthetic members CSV of
``benchmarks.synth`` is written as a one-sheet workbook (cached next to the CSVs), then

* read: ``dashboard.ingest.read_table`` of its bytes, in this process;
* report: ``python -m dashboard report --members FILE.xlsx`` in a fresh process;
* app: the Data page under Streamlit's AppTest with the workbook as the session's
  upload (preview, mapping table, load, geocode, analyse: what the organiser waits for).

Each is run once (they take tens of seconds). CPU seconds are given beside wall-clock ones:
on a shared, loaded machine they say more (``--steps read,report`` runs only some steps).
"""

from __future__ import annotations

import argparse
import os
import resource
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


def _cpu() -> float:
    """CPU seconds of this process and its finished children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run(rows: int, steps: tuple[str, ...] = ("read", "report", "app"), timeout: float = 3600):
    """(step, wall seconds, CPU seconds) for reading, the report and the app's Data page, as each ends."""
    from streamlit.testing.v1 import AppTest

    from dashboard.ingest import Upload, read_table
    from dashboard.ui.state import KEY_UPLOADS

    path = workbook(rows)
    data = path.read_bytes()

    def timed(step: str, fn) -> tuple[str, float, float]:  # noqa: ANN001
        wall, cpu = time.perf_counter(), _cpu()
        label = fn() or step
        return label, time.perf_counter() - wall, _cpu() - cpu

    def report() -> str:
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run([sys.executable, "-m", "dashboard", "report", "--members", str(path), "--out", tmp],
                                  cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        return f"report (exit {proc.returncode})"

    def app() -> str:
        at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=timeout)
        at.session_state[KEY_UPLOADS] = {"members": Upload(path.name, data)}
        at.run()
        return "app: Data page, first visit" + (" (exception)" if at.exception else "")

    work = {"read": lambda: read_table(data, path.name) and None, "report": report, "app": app}
    for step in steps:
        yield timed(step, work[step])


def main(argv: list[str] | None = None) -> int:
    """Print a markdown table of the timings."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.xlsx_upload", description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--steps", default="read,report,app", help="comma-separated: read, report, app")
    args = parser.parse_args(argv)
    path = workbook(args.rows)
    print(f"{args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB workbook; load average {load_average():.1f}; "
          f"{os.cpu_count()} cores", flush=True)
    print("| step | wall seconds | CPU seconds |\n|---|---|---|", flush=True)
    for step, wall, cpu in run(args.rows, tuple(args.steps.split(","))):
        print(f"| {step} | {wall:.1f} | {cpu:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
