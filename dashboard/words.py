"""Numbers in words as the pages say them: "1 city", "3 cities", "50%"."""

from __future__ import annotations

import math

#: nouns whose plural isn't the noun + "s"
_PLURALS = {"city": "cities", "person": "people", "more person": "more people", "this": "these",
            "neighbourhood": "neighbourhoods", "smaller city": "smaller cities", "is": "are", "was": "were",
            "has": "have"}


def plural(n: float, noun: str, many: str | None = None) -> str:
    """``n`` (a whole number) and the noun in the right number: "1 city", "2 cities", "1,204 members"."""
    n = int(n)
    return f"{n:,} {noun_for(n, noun, many)}"


def noun_for(n: float, noun: str, many: str | None = None) -> str:
    """The noun alone, in the right number for ``n`` ("person" / "people")."""
    if int(n) == 1:
        return noun
    return many or _PLURALS.get(noun) or noun + "s"


def percent(share: float | None) -> str:
    """A share (0 to 1) as a whole percentage: "50%", "" when unknown."""
    if share is None or not math.isfinite(share):
        return ""
    return f"{round(share * 100):.0f}%"
