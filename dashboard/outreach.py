"""The check-in (outreach) list: what the Connection risk page lists and exports, and what the
Overview shows the first rows of.

With the contact log (``dashboard.contacts.FollowUps``) the list shows each person's last
contact and outcome, puts follow-ups that are due at the top (whatever their score now),
leaves out people reached recently, and never lists anyone who asked not to be contacted.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from dashboard.columns import isin
from dashboard.contacts import FollowUps
from dashboard.export import list_as_text
from dashboard.filters import place_and_city

#: columns of the outreach list, in order (email only when contacts are shown)
OUTREACH_COLUMNS: tuple[str, ...] = (
    "member_id",
    "name",
    "email",
    "city",
    "risk_tier",
    "risk_score",
    "risk_reasons",
    "segment",
    "next_event",
    "buddy",
    "last_contacted_on",
    "last_outcome",
    "follow_up_on",
    "follow_up_due",
)


#: people the Connection-risk page's full list shows (most in need first; its downloads hold
#: everyone): a 100k community's list sent tens of thousands of rows to the browser per rerun
LIST_SHOWN = 1_000

def _first_buddy(buddies: pd.DataFrame | None, ids: pd.Index) -> np.ndarray:
    """'Name (City)' of each member's rank-1 buddy suggestion, "" when none."""
    if buddies is None or buddies.empty:
        return np.full(len(ids), "", dtype=object)
    first = buddies.sort_values("rank").drop_duplicates("member_id")
    text = first["buddy_name"].astype("str") + " (" + first["buddy_city"].astype("str") + ")"
    lookup = pd.Series(text.to_numpy(), index=first["member_id"].astype("str").to_numpy())
    return lookup.reindex(ids).fillna("").to_numpy(dtype=object)


def outreach_list(
    members_table: pd.DataFrame,
    risk: pd.DataFrame,
    show_contacts: bool,
    tiers: tuple[str, ...] | None = None,
    exclude: Iterable[str] = (),
    buddies: pd.DataFrame | None = None,
    follow_ups: FollowUps | None = None,
) -> pd.DataFrame:
    """Members with at least one risk signal, highest score first, reasons in words; with
    ``follow_ups``, those whose follow-up is due first (earliest date first), see the module.

    ``members_table`` has ``member_id`` and ``name`` (``email``, ``city_label``/``city``,
    ``segment``, ``next_event`` when present); ``risk`` is ``connection_risk``'s frame.
    Emails are included only when ``show_contacts`` is true. ``tiers`` keeps only
    those tiers; ``exclude`` drops member ids (e.g. recently contacted).
    ``buddies`` (``introductions.suggest_buddies``) fills ``buddy`` with each
    person's first suggestion, "Name (City)"; "" when there is none.
    """
    members = members_table.drop_duplicates("member_id").set_index(
        members_table["member_id"].drop_duplicates().astype("str").to_numpy()
    )
    follow = follow_ups or FollowUps()
    flagged = risk.loc[_listed(risk, tiers, exclude, follow)]
    ids = flagged.index.astype("str")
    ids = ids[isin(ids, members.index)]
    flagged = flagged.loc[ids]
    m = members.loc[ids]

    def col(name: str, default: str = "") -> pd.Series:
        return m[name].astype("str") if name in m.columns else pd.Series(default, index=m.index, dtype="str")

    city = place_and_city(m) if "city_label" in m.columns else col("city")  # "Camden Town, London"
    reasons = (
        flagged["risk_reasons_text"]
        if "risk_reasons_text" in flagged.columns
        else flagged["risk_reasons"].map(list_as_text)
    )
    next_event = (
        flagged["next_event"] if "next_event" in flagged.columns else col("next_event")
    )
    out = pd.DataFrame(
        {
            "member_id": ids.to_numpy(),
            "name": col("name").to_numpy(),
            "email": col("email").to_numpy(),
            "city": city.to_numpy(),
            "risk_tier": flagged["risk_tier"].astype("str").to_numpy(),
            "risk_score": flagged["risk_score"].to_numpy(),
            "risk_reasons": reasons.astype("str").to_numpy(),
            "segment": col("segment").to_numpy(),
            "next_event": pd.Series(next_event, dtype="str").fillna("").to_numpy(),
            "buddy": _first_buddy(buddies, ids),
        }
    )
    out = _with_contacts(out, follow)
    if not show_contacts:
        out = out.drop(columns="email")
    return out


def _listed(risk: pd.DataFrame, tiers: tuple[str, ...] | None, exclude: Iterable[str], follow: FollowUps) -> np.ndarray:
    """Who the list holds: a risk signal (in ``tiers``), not excluded, not resting after a recent
    contact; anyone whose follow-up came due, whatever the score says now; never do-not-contact."""
    rid = risk.index.astype("str")
    keep = (risk["risk_score"] > 0).to_numpy(bool)
    if tiers is not None:
        keep = keep & risk["risk_tier"].astype("str").isin(list(tiers)).to_numpy(bool)
    keep = (keep & ~isin(rid, [*exclude, *follow.resting()])) | isin(rid, follow.due())
    return keep & ~isin(rid, follow.do_not_contact())


def _with_contacts(out: pd.DataFrame, follow: FollowUps) -> pd.DataFrame:
    """The list with each person's last contact and follow-up, due follow-ups first (earliest
    first), then the highest score."""
    contact = follow.columns(pd.Index(out["member_id"]))
    for name in ("last_contacted_on", "last_outcome", "follow_up_on", FOLLOW_UP_DUE):
        out[name] = contact[name].to_numpy()
    due_on = out["follow_up_on"].where(out[FOLLOW_UP_DUE], "9999")
    return out.assign(_due=due_on).sort_values(
        ["_due", "risk_score", "name", "member_id"], ascending=[True, False, True, True], ignore_index=True,
    ).drop(columns="_due")


#: a check-in list column (bool) marking people whose follow-up is due: they come first
FOLLOW_UP_DUE = "follow_up_due"


def first_checkins(checkins: pd.DataFrame, n: int) -> tuple[pd.DataFrame, int]:
    """The first ``n`` people of an ``outreach_list`` and how many more are waiting after them:
    the week's short list. People whose follow-up is due (``FOLLOW_UP_DUE``, when the list has
    it) come first, then the list's own order (highest score first)."""
    n = max(int(n), 0)
    if FOLLOW_UP_DUE in checkins and len(checkins):
        due = checkins[FOLLOW_UP_DUE].fillna(False).astype(bool).to_numpy()
        checkins = pd.concat([checkins[due], checkins[~due]])
    return checkins.head(n), max(len(checkins) - n, 0)
