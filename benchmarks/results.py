"""Where the benchmarks write their figures: one JSON file every command adds its part to.

``python -m benchmarks`` writes the pipeline's figures at the top level
(``baseline_read_s``, ``read_to_risk_s``, ``whole_pipeline_s``, ``peak_mb``,
``stages_s``, and the CPU seconds beside them: ``baseline_read_cpu_s``,
``read_to_risk_cpu_s``, ``whole_pipeline_cpu_s``, ``stages_cpu_s``), ``python -m benchmarks.browser`` adds ``upload_to_overview_s``,
``page_rerun_s``, ``cold_start_s`` and ``server_rss_mb_3_sessions``,
``python -m benchmarks.load`` adds ``load``, and ``--scale`` adds ``scale``.
Each part records when and on what it was measured (``<part>_measured``), so
figures from different runs are never mistaken for one run. Memory is in MB of
10**6 bytes throughout.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path

from benchmarks.measure import load_average

ROOT = Path(__file__).resolve().parents[1]
RESULTS_JSON = ROOT / "benchmarks" / "results.json"


def now() -> str:
    """The current time, to the minute, in UTC."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def update(path: Path, part: str, figures: dict) -> dict:
    """Merge ``figures`` into the JSON file at ``path`` (other parts kept) and stamp the part."""
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(current, dict):
            current = {}
    except (OSError, ValueError):
        current = {}
    current.update(figures)
    current[f"{part}_measured"] = {"at": now(), "machine": machine()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return current


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
            return f"{kib * 1024 / 1e9:.1f} GB"
    except (OSError, StopIteration, ValueError):
        return ""


def available_mb() -> float | None:
    """Memory the kernel says is available now, in MB (Linux ``MemAvailable``)."""
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(line for line in f if line.startswith("MemAvailable")).split()[1])
            return kib * 1024 / 1e6
    except (OSError, StopIteration, ValueError):
        return None


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    import numpy
    import pandas

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    try:
        import pyarrow

        arrow = pyarrow.__version__
    except ImportError:
        arrow = "-"
    return {
        "cpu": _cpu(),
        "cores": f"{usable} usable ({os.cpu_count()} online)",
        "memory": _memory(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
        "pyarrow": arrow,
        "load average": f"{load_average():.1f}",
    }
