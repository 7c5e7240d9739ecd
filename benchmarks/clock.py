"""Time the stages of the real pipeline while it runs, without a copy of its code.

``StageClock`` wraps chosen public functions (``engagement.member_metrics``,
``ties.co_attendance_ties``, ...) wherever the dashboard has bound them (the
defining module, a package's re-export, a ``from x import f`` elsewhere), runs
the caller's code (``analysis.analyse``, the load function), and puts the
originals back. Each outermost call adds its wall and CPU seconds (user + system,
every thread: what a loaded machine doesn't inflate) to its stage and its
peak resident memory is read (the high-water mark is reset before it where
Linux allows); a watched function called inside another watched one counts in
the outer stage only, so the stages never add up to more than the whole.
Whatever runs between watched calls (a join, a copy) is the whole minus the
stages: the caller works that out and says it is derived.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from benchmarks.measure import cpu_seconds, reset_peak, vm_hwm_mb

PACKAGE = "dashboard"


@dataclass
class Stage:
    """What one watched function cost while the clock ran."""

    seconds: float = 0.0
    cpu_seconds: float = 0.0
    calls: int = 0
    peak_mb: float = 0.0


@contextlib.contextmanager
def rebound(original: Callable, replacement: Callable, package: str = PACKAGE) -> Iterator[int]:
    """Bind ``replacement`` wherever a ``package`` module binds ``original``; restore on exit.

    Yields how many bindings were replaced (0: nothing in the package uses that function)."""
    patched: list[tuple[object, str]] = []
    for name, module in list(sys.modules.items()):
        if module is None or not (name == package or name.startswith(package + ".")):
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                setattr(module, attr, replacement)
                patched.append((module, attr))
    try:
        yield len(patched)
    finally:
        for module, attr in patched:
            setattr(module, attr, original)


class StageClock:
    """Wall seconds and peak memory of each watched function, per outermost call."""

    def __init__(self, stages: dict[str, Callable]) -> None:
        self.functions = dict(stages)
        self.stages = {label: Stage() for label in stages}
        self.peak_mb = 0.0  # the highest resident mark seen while watching, stages and gaps alike
        self.last_cpu = 0.0  # CPU seconds of the last ``timed`` call
        self._depth = 0
        self._resettable = reset_peak()

    def _note_peak(self) -> float:
        mark = vm_hwm_mb() or 0.0
        self.peak_mb = max(self.peak_mb, mark)
        return mark

    def _wrap(self, label: str, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if self._depth:  # inside another watched stage: it counts there
                return fn(*args, **kwargs)
            self._note_peak()  # the gap since the last stage
            if self._resettable:
                reset_peak()
            self._depth += 1
            start, cpu = time.perf_counter(), cpu_seconds()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds = time.perf_counter() - start
                self._depth -= 1
                stage = self.stages[label]
                stage.seconds += seconds
                stage.cpu_seconds += cpu_seconds() - cpu
                stage.calls += 1
                stage.peak_mb = max(stage.peak_mb, self._note_peak())
                if self._resettable:
                    reset_peak()

        return timed

    @contextlib.contextmanager
    def watching(self) -> Iterator[StageClock]:
        """Watch every stage function while the block runs."""
        with contextlib.ExitStack() as stack:
            for label, fn in self.functions.items():
                stack.enter_context(rebound(fn, self._wrap(label, fn)))
            if self._resettable:
                reset_peak()
            try:
                yield self
            finally:
                self._note_peak()

    def timed(self, fn: Callable[[], object]) -> tuple[float, object]:
        """Run ``fn`` with every stage watched: its wall seconds and its result (its CPU
        seconds in ``last_cpu``)."""
        with self.watching():
            start, cpu = time.perf_counter(), cpu_seconds()
            result = fn()
            seconds = time.perf_counter() - start
            self.last_cpu = cpu_seconds() - cpu
            return seconds, result

    def seconds(self, *labels: str) -> float:
        """The stages' seconds added up."""
        return sum(self.stages[label].seconds for label in labels)

    def cpu(self, *labels: str) -> float:
        """The stages' CPU seconds added up."""
        return sum(self.stages[label].cpu_seconds for label in labels)
