"""Benchmark the whole pipeline on synthetic exports, against pandas reading the same files.

    python -m benchmarks [--size 1k|10k|100k|N] [--scale] [--no-area]

For each size, fresh subprocesses (so memory is measured per size and nothing
is warm from a previous size) time the baseline and the pipeline on the same
three CSVs that ``benchmarks.synth`` writes (a Google Forms sign-up export, an
event list, an Eventbrite attendee report):

* baseline: ``pandas.read_csv(engine="pyarrow")`` of the three files' bytes,
  best of three, in a process of its own (arrow's memory pool doesn't count
  against the pipeline): the yardstick every ratio is measured against;
* the pipeline as the app runs it, through its public names
  (``benchmarks/pipeline.py``): read and map on their own, then the load
  (``load_community``, ``geocode_community``), ``analysis.analyse`` and
  ``plan_meetups``, each stage timed by watching the functions they call.

Issue 15's targets, as ratios to the baseline of the same run: read → risk
(everything but introductions) ≤ 8×, the whole pipeline ≤ 15×, and peak memory
≤ 2 GB (2,000 MB; every memory figure here is in MB of 10**6 bytes). Peak is
the resident high-water mark (Linux ``VmHWM``, reset before each stage), so it
counts numpy and arrow buffers.

Writes ``benchmarks/RESULTS.md`` (the table, with the per-area benchmarks
``benchmarks/bench_*.py`` unless ``--no-area``) and ``benchmarks/results.json``
(see ``benchmarks/results.py``). ``--scale`` runs 1k, 10k, 100k and the largest
size that fits in memory (at least 300k) and writes the curve to
``benchmarks/SCALE.md`` and results.json's ``scale``, with a plotly chart in
``benchmarks/scale.html`` (not committed: it carries plotly.js, 4 MB).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import math
import subprocess
import sys
import time
import traceback
from pathlib import Path

from benchmarks import results as results_file
from benchmarks import synth
from benchmarks.measure import maxrss_mb
from benchmarks.pipeline import baseline_rows, pipeline_rows, row

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "RESULTS.md"
SCALE_OUT = ROOT / "benchmarks" / "SCALE.md"
SCALE_HTML = ROOT / "benchmarks" / "scale.html"
AREA_MODULES = ("bench_geo", "bench_indicators", "bench_introductions")
SCALE_SIZES = ("1k", "10k", "100k")
#: the largest sizes tried, biggest first; the first whose estimated peak fits in half the free memory runs
SCALE_LARGEST = ("1m", "500k", "300k")
#: time or memory growing faster than members**this between 100k and the largest size counts as worse than linear
LINEAR_SLOPE = 1.1


def area_rows(module: str) -> dict:
    """Run ``benchmarks.<module>.run()`` and add the subprocess's peak memory to each row."""
    mod = importlib.import_module(f"benchmarks.{module}")
    rows = mod.run()
    peak = maxrss_mb()
    for r in rows:
        r.setdefault("peak_mb", round(peak))
        r["stage"] = f"{module}: {r.get('stage', '?')}"
    return {"rows": rows}


# --- the parent: subprocesses, table, markdown ------------------------------------------


def _worker(args: list[str], timeout: float) -> dict:
    cmd = [sys.executable, "-m", "benchmarks", *args]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"rows": [row(" ".join(args), None, None, note=f"skipped: took over {timeout:.0f} s")]}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"rows": [row(" ".join(args), None, None, note=f"failed (exit {proc.returncode}): {tail}")]}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "**NO**"
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


COLUMNS = ("stage", "seconds", "cpu_s", "ratio", "cpu_ratio", "target", "ok", "peak_mb", "note")
SCALE_COLUMNS = ("size", "members", "attendance_rows", "baseline_read_s", "read_to_risk_s", "whole_pipeline_s",
                 "whole_ratio", "peak_mb", "us_per_member", "kb_per_member")


def table(rows: list[dict], columns: tuple[str, ...] = COLUMNS) -> list[str]:
    """A markdown table of ``rows``."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(r.get(c)) for c in columns) + " |" for r in rows]
    return lines


def markdown(results: dict[str, list[dict]], info: dict[str, str], files: dict[str, synth.SynthFiles],
             started: str, elapsed: float, scale: dict | None = None) -> str:
    lines = [
        "# Benchmark results",
        "",
        (f"`python -m benchmarks` on {started} ({elapsed:.0f} s in all). Ratios are against "
         "`pandas.read_csv(engine=\"pyarrow\")` of the same three files in the same run; peak memory is "
         "the resident high-water mark in MB (10^6 bytes). `cpu_s` is CPU seconds (user + system, every "
         "thread) and `cpu_ratio` its ratio to the baseline's: other load on a shared machine stretches "
         "wall seconds, not these. Targets are judged on wall seconds, as issue 15 states them."),
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
        lines += [head, "", *table(rows), ""]
    if scale:
        lines += ["## scale", "", *table(scale["sizes"], SCALE_COLUMNS), "", scale["verdict"], ""]
    return "\n".join(lines)


def print_table(label: str, rows: list[dict]) -> None:
    print(f"\n== {label}")
    for r in rows:
        secs = "" if r.get("seconds") is None else f"{r['seconds']:9.3f}s"
        if r.get("cpu_s") is not None:
            secs += f" ({r['cpu_s']:.2f} cpu)"
        ratio = "" if r.get("ratio") is None else f"{r['ratio']:7.2f}x"
        peak = "" if r.get("peak_mb") is None else f"{r['peak_mb']:>6} MB"
        ok = {True: "ok", False: "MISS", None: ""}[r.get("ok")]
        print(f"  {r['stage'][:62]:<62} {secs:>10} {ratio:>8} {peak:>9} {ok:>4}  {r.get('note', '')}")


def run_size(size: str, seed: int, repeat: int, timeout: float) -> tuple[synth.SynthFiles, list[dict], dict]:
    """Baseline and pipeline for one size, each in a subprocess: the rows and the summary."""
    t = time.perf_counter()
    made = synth.ensure(size, seed=seed)
    print(f"\npipeline {size}: files ready in {time.perf_counter() - t:.1f} s at {made.members.parent}")
    folder = str(made.members.parent)
    base = _worker(["--worker", "baseline", "--files", folder, "--repeat", str(repeat)], timeout)
    seconds = base["rows"][0].get("seconds")
    if not seconds:
        return made, base["rows"], {}
    cpu = base["rows"][0].get("cpu_s")
    done = _worker(["--worker", "pipeline", "--files", folder, "--baseline", repr(seconds),
                    *(["--baseline-cpu", repr(cpu)] if cpu else [])], timeout)
    return made, base["rows"] + done["rows"], done.get("summary", {})


# --- scale --------------------------------------------------------------------------------


def largest_size(peak_100k_mb: float, sizes: tuple[str, ...] = SCALE_LARGEST) -> str:
    """The biggest of ``sizes`` whose peak, extrapolated linearly from 100k with a third more
    for generating its files, fits in half the memory available now (at least the last)."""
    free = results_file.available_mb()
    for size in sizes:
        members, _ = synth.parse_size(size)
        if free is not None and peak_100k_mb * members / 100_000 * 1.33 <= free / 2:
            return size
    return sizes[-1]


def _slope(points: list[dict], key: str) -> float | None:
    """log-log growth of ``key`` between the last two sizes (1.0: linear)."""
    a, b = points[-2], points[-1]
    if not (a.get(key) and b.get(key)):
        return None
    return math.log(b[key] / a[key]) / math.log(b["members"] / a["members"])


def scale_point(size: str, summary: dict) -> dict:
    """One size's line of the scale table."""
    members = summary.get("members") or synth.parse_size(size)[0]
    whole, base = summary.get("whole_pipeline_s"), summary.get("baseline_read_s")
    peak = summary.get("peak_mb")
    return {
        "size": size, "members": members, "attendance_rows": summary.get("attendance_rows"),
        "baseline_read_s": base, "read_to_risk_s": summary.get("read_to_risk_s"), "whole_pipeline_s": whole,
        "whole_ratio": round(whole / base, 1) if whole and base else None, "peak_mb": peak,
        "us_per_member": round(whole / members * 1e6, 1) if whole else None,
        "kb_per_member": round(peak / members * 1e3, 1) if peak else None,
    }


def scale_verdict(points: list[dict]) -> dict:
    """Whether time and memory grow no faster than linearly from 100k to the largest size."""
    t_slope, m_slope = _slope(points, "whole_pipeline_s"), _slope(points, "peak_mb")
    ok = t_slope is not None and m_slope is not None and t_slope <= LINEAR_SLOPE and m_slope <= LINEAR_SLOPE
    a, b = points[-2]["size"], points[-1]["size"]
    text = (f"From {a} to {b}: time grows as members^{t_slope:.2f}, peak memory as members^{m_slope:.2f} "
            f"(target: no faster than linear, ≤ {LINEAR_SLOPE}): {'met' if ok else 'NOT met'}."
            if t_slope is not None and m_slope is not None else f"From {a} to {b}: a size failed, no verdict.")
    return {"time_exponent": t_slope, "memory_exponent": m_slope, "ok": ok, "verdict": text}


def scale_chart(points: list[dict], path: Path) -> Path:
    """Time and peak memory per size, log-log, with a linear line through 100k, as a standalone HTML file."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("Whole pipeline, seconds", "Peak memory, MB"))
    xs = [p["members"] for p in points]
    ref = next((p for p in points if p["size"] == "100k"), points[-1])
    for col, key in ((1, "whole_pipeline_s"), (2, "peak_mb")):
        fig.add_trace(go.Scatter(x=xs, y=[p[key] for p in points], mode="lines+markers", name=key,
                                 text=[p["size"] for p in points]), row=1, col=col)
        if ref.get(key):
            fig.add_trace(go.Scatter(x=xs, y=[ref[key] * x / ref["members"] for x in xs], mode="lines",
                                     line={"dash": "dot"}, name=f"linear through {ref['size']}"), row=1, col=col)
        fig.update_xaxes(type="log", title_text="members", row=1, col=col)
        fig.update_yaxes(type="log", row=1, col=col)
    fig.update_layout(title="Neighbourly pipeline: growth with community size")
    fig.write_html(path, include_plotlyjs=True, full_html=True)
    return path


def run_scale(args: argparse.Namespace, results: dict, files: dict) -> dict:
    """1k, 10k, 100k (or ``--size``'s sizes) and then the largest size that fits: one pipeline run each."""
    sizes = [s.strip() for s in args.size.split(",") if s.strip()] if args.size else list(SCALE_SIZES)
    points: list[dict] = []
    summary: dict = {}
    for size in [*sizes, None]:
        if size is None:  # after the last given size: the largest that fits, judged from the one before
            size = args.largest or largest_size((summary.get("peak_mb") or 2_000.0) * 100_000 /
                                                max(points[-1]["members"], 1))
        made, rows, summary = run_size(size, args.seed, args.repeat, args.timeout)
        results[f"pipeline {size}"], files[f"pipeline {size}"] = rows, made
        print_table(f"pipeline {size}", rows)
        points.append(scale_point(size, summary))
    verdict = scale_verdict(points)
    chart = scale_chart(points, args.chart)
    print(f"\n{verdict['verdict']}\nchart: {chart}")
    return {"sizes": points, **verdict, "chart": str(chart.relative_to(ROOT) if chart.is_relative_to(ROOT) else chart)}


def _worker_main(args: argparse.Namespace) -> int:
    """Inside a subprocess: run one worker and print one JSON line for the parent."""
    try:
        if args.worker in ("baseline", "pipeline"):
            folder = Path(args.files)
            paths = {k: folder / f"{k}.csv" for k in ("members", "events", "attendance")}
            out = (baseline_rows(paths, args.repeat) if args.worker == "baseline"
                   else pipeline_rows(paths, args.baseline, args.baseline_cpu))
        else:
            out = area_rows(args.module)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports, it doesn't stop
        traceback.print_exc()
        out = {"rows": [row(args.module or args.worker, None, None, note=f"failed: {type(exc).__name__}: {exc}")]}
    print("BENCH_JSON " + json.dumps(out, default=str))
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size",
                        help="1k, 10k, 100k or a number of members (ten attendance rows each); "
                             "comma-separate several; results.json gets the last (default 100k; "
                             "with --scale: 1k,10k,100k)")
    parser.add_argument("--scale", action="store_true",
                        help="1k, 10k, 100k and the largest size that fits (at least 300k): the growth curve")
    parser.add_argument("--largest", help="with --scale: this largest size instead of the one chosen by memory")
    parser.add_argument("--out", type=Path, help=f"markdown file to write (default {DEFAULT_OUT.relative_to(ROOT)}, "
                                                 f"with --scale {SCALE_OUT.relative_to(ROOT)})")
    parser.add_argument("--json", type=Path, default=results_file.RESULTS_JSON,
                        help="results file to add to (default %(default)s)")
    parser.add_argument("--chart", type=Path, default=SCALE_HTML, help="--scale's chart (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="baseline runs (best is kept)")
    parser.add_argument("--no-area", action="store_true", help="skip the per-area bench_*.py modules")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per subprocess")
    parser.add_argument("--worker", choices=("baseline", "pipeline", "area"), help=argparse.SUPPRESS)
    parser.add_argument("--baseline", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--baseline-cpu", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    parser.add_argument("--module", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return _worker_main(args)
    args.out = args.out or (SCALE_OUT if args.scale else DEFAULT_OUT)
    started = results_file.now()
    t0 = time.perf_counter()
    info = results_file.machine()
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()))
    results: dict[str, list[dict]] = {}
    files: dict[str, synth.SynthFiles] = {}
    scale = None
    if args.scale:
        scale = run_scale(args, results, files)
        results_file.update(args.json, "scale", {"scale": scale})
    else:
        summary: dict = {}
        for size in [s.strip() for s in (args.size or "100k").split(",") if s.strip()]:
            made, rows, summary = run_size(size, args.seed, args.repeat, args.timeout)
            results[f"pipeline {size}"], files[f"pipeline {size}"] = rows, made
            print_table(f"pipeline {size}", rows)
        if summary:
            results_file.update(args.json, "pipeline", {"size": size, **summary})
    if not args.no_area:
        for module in AREA_MODULES:
            if importlib.util.find_spec(f"benchmarks.{module}") is None:
                print(f"\n(benchmarks/{module}.py not present: skipped)")
                continue
            label = f"benchmarks/{module}.py"
            results[label] = _worker(["--worker", "area", "--module", module], args.timeout)["rows"]
            print_table(label, results[label])
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(markdown(results, info, files, started, time.perf_counter() - t0, scale),
                            encoding="utf-8")
        print(f"\nwrote {args.out} and {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
