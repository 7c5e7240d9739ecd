"""What changed between two snapshots' analyses: who joined, came back, newly needs a check-in,
no longer does, or left the lists.

Pure: it compares two analysed member tables (``Analysis.members``). People are matched by
email where they have one, else by member id, so a re-exported sign-up sheet whose rows
moved (and whose generated ids shifted) still matches the same people. ``since`` is the one
way the Overview and ``report --db`` compare a later analysis with an earlier snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.analysis import analyse
from dashboard.engagement import is_staff
from dashboard.introductions import AT_RISK_TIERS
from dashboard.model import Community, default_as_of
from dashboard.settings import Settings

#: every kind of change, in the order they are listed
CHANGES: tuple[str, ...] = ("joined", "came_back", "newly_at_risk", "no_longer_at_risk", "left")
CHANGE_COLUMNS: tuple[str, ...] = ("member_id", "name", "change")
#: segments someone "comes back" from when they attend again
AWAY_SEGMENTS: tuple[str, ...] = ("lapsed", "drifting")
#: plain words for each change (for the Overview)
CHANGE_LABELS: dict[str, str] = {
    "joined": "Joined",
    "came_back": "Came back after a gap",
    "newly_at_risk": "Might now welcome a check-in",
    "no_longer_at_risk": "No longer on the check-in list",
    "left": "Left the lists",
}


def person_key(members: pd.DataFrame) -> pd.Series:
    """One key per person: their email when known, else their member id."""
    email = members["email"].fillna("").astype(str) if "email" in members else pd.Series("", index=members.index)
    ids = "id:" + members["member_id"].astype(str)
    return email.where(email != "", ids)


def _keyed(members: pd.DataFrame) -> pd.DataFrame:
    out = members.assign(_key=person_key(members).to_numpy())
    return out.drop_duplicates("_key").set_index("_key")


def _rows(frame: pd.DataFrame, change: str) -> pd.DataFrame:
    names = frame["name"] if "name" in frame else pd.Series("", index=frame.index)  # none for a role without names
    return pd.DataFrame({"member_id": frame["member_id"].astype(str).to_numpy(),
                         "name": names.fillna("").astype(str).to_numpy(), "change": change})


def what_changed(before: pd.DataFrame, after: pd.DataFrame,
                 at_risk: tuple[str, ...] = AT_RISK_TIERS) -> pd.DataFrame:
    """One row per person and change (``member_id, name, change``); ids and names as in ``after``
    (as in ``before`` for people who left). A person who joined is listed as joined only."""
    old, new = _keyed(before), _keyed(after)
    both = new.index.intersection(old.index, sort=False)
    was, now = old.loc[both], new.loc[both]
    last_was = pd.to_datetime(was["last_attended_on"])
    last_now = pd.to_datetime(now["last_attended_on"])
    came_back = was["segment"].astype(str).isin(AWAY_SEGMENTS).to_numpy() & (
        last_now.notna() & (last_was.isna() | (last_now > last_was))).to_numpy()
    risky_was = was["risk_tier"].astype(str).isin(at_risk).to_numpy()
    risky_now = now["risk_tier"].astype(str).isin(at_risk).to_numpy()
    parts = {
        "joined": new.loc[new.index.difference(old.index, sort=False)],
        "came_back": now[came_back],
        "newly_at_risk": now[~risky_was & risky_now],
        "no_longer_at_risk": now[risky_was & ~risky_now],
        "left": old.loc[old.index.difference(new.index, sort=False)],
    }
    out = pd.concat([_rows(parts[c], c) for c in CHANGES], ignore_index=True)
    order = out["change"].map({c: i for i, c in enumerate(CHANGES)})
    out = out.assign(_o=order).sort_values(["_o", "name", "member_id"], kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)[list(CHANGE_COLUMNS)]


def since(before: Community, after: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """What changed from an earlier community to a later analysis's members (``what_changed``):
    the earlier one is analysed as of its own latest event, with the same settings; organisers
    and hosts are left out when the settings leave them out of the statistics."""
    earlier = analyse(before, default_as_of(before), settings).members
    if settings.exclude_organisers:
        earlier, after = earlier.loc[~is_staff(earlier)], after.loc[~is_staff(after)]
    return what_changed(earlier, after)


@dataclass(frozen=True)
class ChangeLine:
    """One kind of change as the Overview lists it: its words, how many, and who (names only)."""

    change: str
    label: str
    count: int
    names: str


def lines(changes: pd.DataFrame, most: int = 30) -> list[ChangeLine]:
    """The kinds of change that happened, in ``CHANGES`` order, each naming up to ``most`` people
    (then "and N more"); a person without a name is "(no name)"."""
    out = []
    for change in CHANGES:
        names = changes.loc[changes["change"] == change, "name"].fillna("").astype(str)
        if names.empty:
            continue
        shown = [n.strip() or "(no name)" for n in names.head(most)]
        more = len(names) - len(shown)
        out.append(ChangeLine(change, CHANGE_LABELS[change], len(names),
                              ", ".join(shown) + (f" and {more} more" if more else "")))
    return out
