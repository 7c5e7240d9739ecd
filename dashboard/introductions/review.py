"""The organiser's review of suggestions (decisions kept per pair) and the messages they send."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

import pandas as pd

from dashboard.columns import isin
from dashboard.introductions.buddies import BUDDY_COLUMNS

#: what the organiser can decide for each suggestion on the page
DECISIONS: tuple[str, ...] = ("undecided", "approve", "decline")
REVIEW_COLUMNS: tuple[str, ...] = ("decision",) + BUDDY_COLUMNS


Decisions = Mapping[tuple[str, str], str]  # (member_id, buddy_id) -> a DECISIONS entry

#: suggestions the Introductions page's review table shows at once, in the table's order (the
#: rest keep their decisions; fewer cities in the filter show others): a 100k community's
#: suggestions were megabytes of each rerun's websocket frames
REVIEW_SHOWN = 1_000


def review_table(buddies: pd.DataFrame, member_ids: Iterable[str], decisions: Decisions | None = None) -> pd.DataFrame:
    """Suggestions for the given people at risk, each with the organiser's earlier decision
    on that pair (from ``decisions``), else ``"undecided"``."""
    wanted = pd.Index(list(member_ids), dtype=object).astype(str)
    mine = buddies[isin(buddies["member_id"].astype(str), wanted)].reset_index(drop=True)
    pairs = list(zip(mine["member_id"].astype(str), mine["buddy_id"].astype(str), strict=True))
    known = decisions or {}
    chosen = [known.get(pair, DECISIONS[0]) for pair in pairs]
    return mine.assign(decision=[d if d in DECISIONS else DECISIONS[0] for d in chosen])[list(REVIEW_COLUMNS)]


def decisions_from(reviewed: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Every pair's decision in a review table, to keep for when the page is opened again."""
    if reviewed.empty or "decision" not in reviewed:
        return {}
    pairs = zip(reviewed["member_id"].astype(str), reviewed["buddy_id"].astype(str), strict=True)
    return dict(zip(pairs, reviewed["decision"].astype(str), strict=True))


def review_key(table: pd.DataFrame) -> str:
    """A short name for the set of pairs a review table shows: the editor starts afresh (from
    the kept decisions) when the pairs change, so an edit never lands on another row."""
    text = "\n".join(table["member_id"].astype(str) + "|" + table["buddy_id"].astype(str)) if len(table) else ""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def decision_counts(reviewed: pd.DataFrame) -> dict[str, int]:
    """How many suggestions carry each decision (every decision present, zeros included)."""
    counts = reviewed["decision"].value_counts() if "decision" in reviewed else pd.Series(dtype="int64")
    return {d: int(counts.get(d, 0)) for d in DECISIONS}


def approved_introductions(reviewed: pd.DataFrame) -> pd.DataFrame:
    """The approved rows of a review table, without the decision column."""
    if "decision" not in reviewed:
        return reviewed.iloc[:0].reset_index(drop=True)
    approved = reviewed[reviewed["decision"].eq("approve")]
    return approved.drop(columns="decision").reset_index(drop=True)


#: the fields a message template may use
MESSAGE_FIELDS: tuple[str, ...] = ("name", "buddy_name", "city", "reason")
message_template: str = (
    "Hi {name}, I'd love to introduce you to {buddy_name}, one of our regulars "
    "near {city} ({reason}). Would you be happy for me to put you in touch? "
    "No pressure at all, just reply and let me know."
)

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_]+)\}")


def render_message(template: str, values: dict[str, str]) -> str:
    """Fill ``{field}`` placeholders from ``values``; anything else is left exactly as typed.

    Only bare names in ``MESSAGE_FIELDS`` are replaced (``{{``/``}}`` give
    literal braces); there is no attribute, index or format-spec access, so a
    template can never reach into Python objects.
    """

    def fill(match: re.Match) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        field = match.group(1)
        return values.get(field, token) if field in MESSAGE_FIELDS else token

    return _PLACEHOLDER.sub(fill, template)


def render_messages(approved: pd.DataFrame, template: str) -> pd.DataFrame:
    """The approved introductions with a ``message`` column rendered from ``template``."""
    def text(col: str) -> list[str]:
        if col not in approved:
            return [""] * len(approved)
        return ["" if pd.isna(v) else str(v) for v in approved[col]]

    columns = {field: text(field) for field in MESSAGE_FIELDS}
    messages = [
        render_message(template, {f: columns[f][i] for f in MESSAGE_FIELDS}) for i in range(len(approved))
    ]
    return approved.assign(message=pd.Series(messages, index=approved.index, dtype=object))
