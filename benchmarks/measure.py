"""What the benchmarks measure with: the process's peak resident memory and the machine's load.

Peak memory is the resident high-water mark (Linux ``VmHWM``), which can be reset
to the current resident size through ``/proc/self/clear_refs`` before a stage;
elsewhere only ``ru_maxrss`` (cumulative for the process) is available.
"""

from __future__ import annotations

import os
import resource
import sys


def vm_hwm_mb() -> float | None:
    """The process's resident high-water mark in MB (Linux ``VmHWM``); None elsewhere."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


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
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / 1024 if sys.platform == "darwin" else rss / 1024


def load_average() -> float:
    """The one-minute load average (NaN where the platform has none)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
