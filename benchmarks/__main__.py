"""Benchmark the whole pipeline on synthetic exports, against pandas reading the same files.

    python -m benchmarks [--size 1k|10k|100k|N] [--out benchmarks/RESULTS.md] [--no-area]

For each size, a fresh subprocess (so memory is measured per size and nothing
is warm from a previous size) times every stage on the same three CSVs that
``benchmarks.synth`` writes (a Google Forms sign-up export, an event list, an
Eventbrite attendee report):

* baseline: ``pandas.read_csv(engine="pyarrow")`` of the three files' bytes
  (best of three, in a process of its own so arrow's memory pool doesn't count
  against the pipeline), the yardstick every ratio is measured against;
* read: ``dashboard.ingest.read_table`` of the same bytes;
* map: ``suggest_mapping`` + ``apply_mapping`` on what was read;
* load_community: read + map + dates + statuses + merging identities
  (``merge identities`` is shown as load_community minus read and map);
* gazetteer: building the offline place index (once per server; not counted
  in the pipeline total), then geocode: ``dashboard.geo.geocode_community``;
* engagement (``member_metrics``), ties (``co_attendance_ties`` +
  ``member_tie_stats``), risk (``connection_risk``), the per-member join the
  pages read, and introductions (``suggest_buddies`` + ``plan_meetups``).

The target (issue 7): the whole pipeline at 100k members / 1M attendance rows
within 3x the baseline read, and under 2 GB peak memory. Peak memory is the
process's resident high-water mark (Linux ``VmHWM``, reset before each stage
through ``/proc/self/clear_refs``; elsewhere ``ru_maxrss``, cumulative), so it
counts numpy/arrow buffers that tracemalloc would miss or slow down.

The per-area benchmark modules (``benchmarks/bench_*.py``, each with
``run() -> list[dict]``) run afterwards, each in its own subprocess, and their
rows are added to the table (``--no-area`` skips them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import io
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path

from benchmarks import synth
from benchmarks.measure import load_average, maxrss_mb, reset_peak, vm_hwm_mb

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "RESULTS.md"
AREA_MODULES = ("bench_geo", "bench_indicators", "bench_introductions")
TARGET_RATIO = 3.0
TARGET_MB = 2048.0
#: the biggest upload the app accepts is 50 MB; the benchmark reads past it on purpose
BENCH_MAX_BYTES = 2 * 1024**3

# --- memory ---------------------------------------------------------------------------


class Meter:
    """Times a stage and measures its peak resident memory."""

    def __init__(self) -> None:
        self.resettable = reset_peak()

    def __call__(self, fn: Callable[[], object]) -> tuple[float, float, object]:
        if self.resettable:
            reset_peak()
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
        peak = vm_hwm_mb() if self.resettable else maxrss_mb()
        return seconds, float(peak or 0.0), result


# --- the pipeline worker (runs in a subprocess per size) -------------------------------


def _row(stage: str, seconds: float | None, baseline: float | None, peak_mb: float | None = None,
         target: str = "", ok: bool | None = None, note: str = "") -> dict:
    return {
        "stage": stage,
        "seconds": None if seconds is None else round(seconds, 3),
        "baseline_seconds": None if baseline is None else round(baseline, 3),
        "ratio": None if seconds is None or not baseline else round(seconds / baseline, 2),
        "target": target,
        "ok": ok,
        "peak_mb": None if peak_mb is None else round(peak_mb),
        "note": note,
    }


def _uploads(paths: dict[str, Path]) -> dict[str, bytes]:
    """The three files as an upload holds them: bytes in memory."""
    return {kind: Path(p).read_bytes() for kind, p in paths.items()}


def baseline_rows(paths: dict[str, Path], repeat: int = 3) -> list[dict]:
    """pandas + pyarrow reading the same bytes, best of ``repeat`` (its own process, so its
    buffers don't inflate the pipeline's memory)."""
    import pandas as pd

    meter = Meter()
    data = _uploads(paths)

    def baseline() -> dict:
        return {k: pd.read_csv(io.BytesIO(v), engine="pyarrow") for k, v in data.items()}

    best, peak, frames = float("inf"), 0.0, {}
    for _ in range(max(1, repeat)):
        seconds, p, frames = meter(baseline)
        best, peak = min(best, seconds), max(peak, p)
    sizes = ", ".join(f"{k} {len(v) / 1e6:.1f} MB" for k, v in data.items())
    lens = {k: len(f) for k, f in frames.items()}
    return [_row("baseline: pandas read_csv(engine='pyarrow')", best, best, peak,
                 note=f"best of {repeat}, separate process; {sizes}; rows {lens}")]


def pipeline_rows(paths: dict[str, Path], base: float) -> list[dict]:
    """Time every stage on the three files; one row per stage (skipped stages say why)."""
    import pandas as pd

    meter = Meter()
    data = _uploads(paths)
    rows: list[dict] = []

    total, total_peak, complete = 0.0, 0.0, True

    def skipped(stage: str, why: str | Exception) -> None:
        """A stage that could not run: a row saying why, and the whole pipeline is incomplete."""
        nonlocal complete
        complete = False
        if isinstance(why, Exception):
            why = f"{type(why).__name__}: {why}"
        rows.append(_row(stage, None, base, note=f"skipped: {why}"))

    def counted(stage: str, seconds: float, peak: float, note: str = "") -> None:
        """A stage of the whole pipeline: its row, and its time and peak in the total."""
        nonlocal total, total_peak
        total += seconds
        total_peak = max(total_peak, peak)
        rows.append(_row(stage, seconds, base, peak, note=note))

    # --- ingestion
    try:
        from dashboard.ingest import Upload, load_community, read_table
        from dashboard.ingest import pipeline as ingest_pipeline
        from dashboard.ingest.mapping import apply_mapping, suggest_mapping
        from dashboard.ingest.read import ROW_COLUMN
    except ImportError as exc:
        skipped("ingestion", str(exc))
        return rows

    def read_all() -> dict:
        return {k: read_table(v, f"{k}.csv", max_bytes=BENCH_MAX_BYTES) for k, v in data.items()}

    t_read, p_read, reads = meter(read_all)
    rows.append(_row("read (read_table)", t_read, base, p_read,
                     note="content sniffing, every cell as a string"))

    def map_all(reads: dict) -> dict:
        out = {}
        for kind, r in reads.items():
            matches = suggest_mapping([c for c in r.frame.columns if c != ROW_COLUMN], kind)
            out[kind] = apply_mapping(r.frame, matches)
        return out

    t_map, p_map, _ = meter(partial(map_all, reads))
    rows.append(_row("map columns (suggest_mapping + apply_mapping)", t_map, base, p_map))
    reads = None  # free the raw frames before the full load, as the app would hold only bytes

    # the app refuses uploads over 50 MB; the 100k benchmark's attendance file is bigger
    original_read_table = ingest_pipeline.read_table

    def unlimited_read_table(*args, **kwargs):
        kwargs.setdefault("max_bytes", BENCH_MAX_BYTES)
        return original_read_table(*args, **kwargs)

    ingest_pipeline.read_table = unlimited_read_table
    uploads = {k: Upload(f"{k}.csv", v) for k, v in data.items()}
    try:
        t_load, p_load, community = meter(lambda: load_community(
            uploads["members"], uploads["events"], uploads["attendance"],
            reference_date=pd.Timestamp(synth.AS_OF),
        ))
    except Exception as exc:  # noqa: BLE001 - a benchmark reports, it doesn't stop
        skipped("load_community", exc)
        return rows
    finally:
        ingest_pipeline.read_table = original_read_table
    c = community
    rows.append(_row("merge identities, dates, statuses (load_community − read − map)",
                     max(t_load - t_read - t_map, 0.0), base, None,
                     note="derived: load_community's own time minus the two rows above"))
    counted("load_community (read + map + merge)", t_load, p_load,
            note=f"{len(c.members):,} members, {len(c.events):,} events, "
                 f"{len(c.attendance):,} attendance rows, {len(c.problems):,} problems")

    # --- geography
    try:
        from dashboard import geo
    except ImportError as exc:
        skipped("geocode", str(exc))
        return rows
    def gazetteer() -> object:
        g = geo.OfflineGeocoder()
        g.index  # noqa: B018 - built lazily; build it here, as the app's cached loader does
        return g

    try:
        t_gaz, p_gaz, gc = meter(gazetteer)
    except Exception as exc:  # noqa: BLE001
        skipped("gazetteer and geocode", exc)
        return rows
    cache = geo.cache_dir()
    rows.append(_row("gazetteer: offline place index (once per server, not in total)", t_gaz, base, p_gaz,
                     note=f"disk cache {'at ' + str(cache) if cache else 'off'}"))
    try:
        t_geo, p_geo, community = meter(lambda: geo.geocode_community(c, geocoder=gc, country=""))
    except Exception as exc:  # noqa: BLE001
        skipped("geocode", exc)
        return rows
    g = community.geocodes
    resolved = int((g["status"] != "unresolved").sum()) if "status" in g else 0
    counted("geocode (geocode_community)", t_geo, p_geo,
            note=f"{len(g):,} distinct place strings, {resolved:,} placed")

    # --- indicators
    try:
        from dashboard.model import default_as_of
        from dashboard.settings import Settings

        settings = Settings()
        as_of = default_as_of(community)
    except Exception as exc:  # noqa: BLE001
        skipped("indicators", exc)
        return rows
    try:
        from dashboard.engagement import member_metrics

        t_eng, p_eng, metrics = meter(lambda: member_metrics(community, as_of, settings))
        counted("engagement (member_metrics)", t_eng, p_eng, note=f"as of {as_of:%Y-%m-%d}")
    except Exception as exc:  # noqa: BLE001
        skipped("engagement", exc)
        return rows
    edges = tie_stats = None
    try:
        from dashboard import ties

        def tie_stage():
            e = ties.co_attendance_ties(community.attendance, community.events, as_of, settings.decay_per_month)
            return e, ties.member_tie_stats(e, community.members["member_id"])

        t_ties, p_ties, (edges, tie_stats) = meter(tie_stage)
        counted("ties (co_attendance_ties + member_tie_stats)", t_ties, p_ties, note=f"{len(edges):,} ties")
    except Exception as exc:  # noqa: BLE001
        skipped("ties", exc)
    risk_frame = None
    try:
        from dashboard.risk import connection_risk

        t_risk, p_risk, risk_frame = meter(
            lambda: connection_risk(community, metrics, as_of, settings, tie_stats=tie_stats))
        tiers = risk_frame["risk_tier"].value_counts().to_dict() if "risk_tier" in risk_frame else {}
        counted("risk (connection_risk)", t_risk, p_risk, note=f"tiers {tiers}")
    except Exception as exc:  # noqa: BLE001
        skipped("risk", exc)

    if risk_frame is not None and tie_stats is not None:
        def join():  # what dashboard.analysis.analyse hands the pages
            return (
                community.members.set_index("member_id", drop=False)
                .join(metrics, rsuffix="_metric").join(tie_stats, rsuffix="_tie").join(risk_frame, rsuffix="_risk")
                .reset_index(drop=True)
            )

        t_join, p_join, members = meter(join)
        counted("join per-member table (as analysis.analyse)", t_join, p_join)
        try:
            from dashboard.introductions import plan_meetups, suggest_buddies

            t_buddy, p_buddy, buddies = meter(
                lambda: suggest_buddies(members, edges, settings, settings.buddies_per_member))
            at_risk = int(members["risk_tier"].isin(["medium", "high"]).sum()) if "risk_tier" in members else 0
            counted("introductions: buddies (suggest_buddies)", t_buddy, p_buddy,
                    note=f"{len(buddies):,} suggestions for {buddies['member_id'].nunique():,} "
                         f"of {at_risk:,} people at medium/high risk")
            t_meet, p_meet, (ranked, _) = meter(lambda: plan_meetups(members, community.events, settings, k=3))
            counted("introductions: meetup places (plan_meetups)", t_meet, p_meet,
                    note=f"{len(ranked):,} candidate places")
        except Exception as exc:  # noqa: BLE001
            skipped("introductions", exc)
    else:
        skipped("introductions", "needs ties and risk")

    peak = total_peak if meter.resettable else max(total_peak, maxrss_mb())
    ratio_ok = total <= TARGET_RATIO * base
    rows.append(_row(
        "WHOLE PIPELINE (load → introductions)" + ("" if complete else " — INCOMPLETE, stages skipped"),
        total, base, peak,
        target=f"≤ {TARGET_RATIO:g}× baseline and < {TARGET_MB:g} MB",
        ok=bool(ratio_ok and peak < TARGET_MB and complete),
        note=f"time ratio {'met' if ratio_ok else 'NOT met'}; peak memory "
             f"{'met' if peak < TARGET_MB else 'NOT met'} (highest stage peak"
             f"{'' if meter.resettable else ', cumulative ru_maxrss'})",
    ))
    return rows


def area_rows(module: str) -> list[dict]:
    """Run ``benchmarks.<module>.run()`` and add the subprocess's peak memory to each row."""
    mod = importlib.import_module(f"benchmarks.{module}")
    rows = mod.run()
    peak = maxrss_mb()
    for r in rows:
        r.setdefault("peak_mb", round(peak))
        r["stage"] = f"{module}: {r.get('stage', '?')}"
    return rows


# --- the parent: subprocesses, table, markdown ------------------------------------------


def _worker(args: list[str], timeout: float) -> list[dict]:
    cmd = [sys.executable, "-m", "benchmarks", *args]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return [_row(" ".join(args), None, None, note=f"skipped: took over {timeout:.0f} s")]
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return [_row(" ".join(args), None, None, note=f"failed (exit {proc.returncode}): {tail}")]


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    import numpy
    import pandas

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
            mem = f"{kb / 1024 / 1024:.1f} GB"
    except (OSError, StopIteration):
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    try:
        import pyarrow

        arrow = pyarrow.__version__
    except ImportError:
        arrow = "-"
    load = load_average()
    return {
        "cpu": cpu,
        "cores": f"{usable} usable ({os.cpu_count()} online)",
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
        "pyarrow": arrow,
        "load average at start": f"{load:.1f}",
    }


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "**NO**"
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


COLUMNS = ("stage", "seconds", "baseline_seconds", "ratio", "target", "ok", "peak_mb", "note")


def markdown(results: dict[str, list[dict]], info: dict[str, str], files: dict[str, synth.SynthFiles],
             started: str, elapsed: float) -> str:
    lines = [
        "# Benchmark results",
        "",
        (f"`python -m benchmarks` on {started} ({elapsed:.0f} s in all). Ratios are against "
         "`pandas.read_csv(engine=\"pyarrow\")` of the same three files in the same run; peak memory is "
         "each stage's resident high-water mark in MB."),
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()),
        "",
    ]
    for label, rows in results.items():
        f = files.get(label)
        head = f"## {label}"
        if f is not None:
            head += (f": {f.n_members:,} sign-ups, {f.n_events:,} events, {f.n_attendance:,} attendance rows "
                     f"(seed {f.seed})")
        lines += [head, "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        for r in rows:
            lines.append("| " + " | ".join(_cell(r.get(c)) for c in COLUMNS) + " |")
        lines.append("")
    return "\n".join(lines)


def print_table(label: str, rows: list[dict]) -> None:
    print(f"\n== {label}")
    for r in rows:
        secs = "" if r.get("seconds") is None else f"{r['seconds']:9.3f}s"
        ratio = "" if r.get("ratio") is None else f"{r['ratio']:7.2f}x"
        peak = "" if r.get("peak_mb") is None else f"{r['peak_mb']:>6} MB"
        ok = {True: "ok", False: "MISS", None: ""}[r.get("ok")]
        print(f"  {r['stage'][:62]:<62} {secs:>10} {ratio:>8} {peak:>9} {ok:>4}  {r.get('note', '')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k",
                        help="1k, 10k, 100k or a number of members (ten attendance rows each); "
                             "comma-separate several (default 100k)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="markdown file to write (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="baseline runs (best is kept)")
    parser.add_argument("--no-area", action="store_true", help="skip the per-area bench_*.py modules")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per subprocess")
    parser.add_argument("--worker", choices=("baseline", "pipeline", "area"), help=argparse.SUPPRESS)
    parser.add_argument("--baseline", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    parser.add_argument("--module", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:  # inside a subprocess: print one JSON line for the parent
        try:
            if args.worker in ("baseline", "pipeline"):
                folder = Path(args.files)
                paths = {k: folder / f"{k}.csv" for k in ("members", "events", "attendance")}
                rows = (baseline_rows(paths, args.repeat) if args.worker == "baseline"
                        else pipeline_rows(paths, args.baseline))
            else:
                rows = area_rows(args.module)
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            rows = [_row(args.module or args.worker, None, None, note=f"failed: {type(exc).__name__}: {exc}")]
        print("BENCH_JSON " + json.dumps(rows, default=str))
        return 0

    started = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    t0 = time.perf_counter()
    info = machine()
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    results: dict[str, list[dict]] = {}
    files: dict[str, synth.SynthFiles] = {}
    for size in [s.strip() for s in args.size.split(",") if s.strip()]:
        label = f"pipeline {size}"
        t = time.perf_counter()
        made = synth.ensure(size, seed=args.seed)
        print(f"\n{label}: files ready in {time.perf_counter() - t:.1f} s at {made.members.parent}")
        files[label] = made
        folder = str(made.members.parent)
        base_rows = _worker(["--worker", "baseline", "--files", folder, "--repeat", str(args.repeat)], args.timeout)
        base = base_rows[0].get("seconds")
        if not base:
            results[label] = base_rows
        else:
            results[label] = base_rows + _worker(
                ["--worker", "pipeline", "--files", folder, "--baseline", repr(base)], args.timeout)
        print_table(label, results[label])
    if not args.no_area:
        for module in AREA_MODULES:
            if importlib.util.find_spec(f"benchmarks.{module}") is None:
                print(f"\n(benchmarks/{module}.py not present: skipped)")
                continue
            label = f"benchmarks/{module}.py"
            results[label] = _worker(["--worker", "area", "--module", module], args.timeout)
            print_table(label, results[label])
    elapsed = time.perf_counter() - t0
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(markdown(results, info, files, started, elapsed), encoding="utf-8")
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
