"""One pass over a community: engagement, ties, connection risk, buddies, in that order.

Indicators are computed on the whole community, then filtered: a person's risk
doesn't change because the organiser narrowed the view to one city.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard import engagement, introductions, risk, ties
from dashboard.model import Community
from dashboard.settings import Settings


@dataclass(frozen=True)
class Analysis:
    """Everything the pages and the report need, per member and per tie."""

    as_of: pd.Timestamp
    metrics: pd.DataFrame  # indexed by member_id
    edges: pd.DataFrame  # co-attendance ties
    tie_stats: pd.DataFrame  # indexed by member_id
    risk: pd.DataFrame  # indexed by member_id
    members: pd.DataFrame  # community members + metrics + tie stats + risk, one row each
    buddies: pd.DataFrame  # buddy suggestions for the whole community (capacities shared across cities)


def analyse(community: Community, as_of: pd.Timestamp, settings: Settings) -> Analysis:
    """Run every indicator for every member at ``as_of``."""
    metrics = engagement.member_metrics(community, as_of, settings)
    edges = ties.community_ties(community, as_of, settings.decay_per_month)
    tie_stats = ties.member_tie_stats(edges, community.members["member_id"])
    risk_frame = risk.connection_risk(community, metrics, as_of, settings, tie_stats=tie_stats)
    base = community.members.set_index("member_id", drop=False)
    # each stage adds its own columns; a name clash is a bug, so let pandas raise on it
    members = base.join([metrics, tie_stats, risk_frame]).reset_index(drop=True)
    buddies = introductions.suggest_buddies(members, edges, settings, settings.buddies_per_member)
    return Analysis(as_of, metrics, edges, tie_stats, risk_frame, members, buddies)
