"""What the benchmarks measure with: best-of timings, the process's peak resident memory, the machine's load.

Peak memory is the resident high-water mark (Linux ``VmHWM``), which can be reset
to the current resident size through ``/proc/self/clear_refs`` before a stage;
elsewhere only ``ru_maxrss`` (cumulative for the process) is available.

One unit for memory in every benchmark: MB = 10**6 bytes (``MB`` below), so the
targets read as written: 2 GB = 2,000 MB, 5 GB = 5,000 MB.
"""

from __future__ import annotations

import math
import os
import resource
import sys
import time
from collections.abc import Callable

#: bytes in a megabyte: every memory figure of the benchmarks is in MB of 10**6 bytes
MB = 1_000_000


def _proc_kib(pid: int | str, field: str) -> float | None:
    """A ``/proc/<pid>/status`` field given in kB (really KiB) as MB; None where unreadable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024 / MB
    except (OSError, ValueError, IndexError):
        return None
    return None


def rss_mb(pid: int) -> float | None:
    """Another process's resident size now, in MB (Linux ``VmRSS``); None if unreadable."""
    return _proc_kib(pid, "VmRSS")


def hwm_mb(pid: int) -> float | None:
    """Another process's resident high-water mark, in MB (Linux ``VmHWM``); None if unreadable."""
    return _proc_kib(pid, "VmHWM")


def vm_hwm_mb() -> float | None:
    """This process's resident high-water mark in MB (Linux ``VmHWM``); None elsewhere."""
    return _proc_kib("self", "VmHWM")


def reset_peak() -> bool:
    """Reset the resident high-water mark to the current resident size (Linux only);
    True when that worked and the mark can be read back."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return vm_hwm_mb() is not None
    except OSError:
        return False


def maxrss_mb() -> float:
    """The process's peak resident size in MB so far (``ru_maxrss``: never reset)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS, KiB elsewhere
    return rss / MB if sys.platform == "darwin" else rss * 1024 / MB


def cpu_seconds() -> float:
    """CPU seconds this process has used so far, user and system, every thread (the part of
    a stage's time that other load on a shared machine doesn't add to)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_average() -> float:
    """The one-minute load average (NaN where the platform has none)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def best_of(fn: Callable[[], object], repeats: int = 3) -> float:
    """The fastest of ``repeats`` timings (seconds): the least disturbed by other load."""
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def best_interleaved(fns: list[Callable[[], object]], rounds: int, best: list[float] | None = None) -> list[float]:
    """Each function's fastest wall-clock seconds over ``rounds`` rounds in which they take turns,
    so a passing load on a shared machine slows all of them alike (``best``: timings to beat)."""
    best = list(best) if best is not None else [math.inf] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best
