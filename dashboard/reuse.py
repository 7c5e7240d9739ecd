"""What one load worked out that the next load of the same files may take as it is.

The app's Data page loads the community again as each file lands: members alone, then
members and events, then all three. Without this, the members file was parsed and its
places geocoded once per file dropped (about 3 s each time at 100k members). A ``Reuse``
handed to ``dashboard.load.load`` remembers the latest result of each such stage with
everything it was made from (its *basis*); a later load whose basis is equal takes the
result instead of working it out again, so the community is the same either way
(tests/test_reuse.py loads file by file with and without one and compares).

It holds the latest result per stage only, and lives as long as its holder (the app keeps
one per browser session for the session's own uploads, never on disk).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dashboard.model import handed_out


@dataclass
class Reuse:
    """The latest result of each stage, with its basis; see the module docstring."""

    entries: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def get(self, stage: str, basis: Any) -> Any | None:
        """The stage's remembered result if it was made from an equal ``basis``, else None.
        Frames come back as new frame objects over the same data, so the caller's changes
        stay its own."""
        known = self.entries.get(stage)
        if known is None or not _same(known[0], basis):
            return None
        return handed_out(known[1])

    def put(self, stage: str, basis: Any, result: Any) -> None:
        """Remember ``result`` (as handed back by ``get``) for ``basis``, in place of the last."""
        self.entries[stage] = (basis, handed_out(result))

    def clear(self) -> None:
        self.entries.clear()


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # a basis that can't be compared is never the same
        return False
