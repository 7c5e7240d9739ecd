"""One pass over a community: engagement, ties, connection risk, in that order; buddy
suggestions on their own, where they are shown.

Indicators are computed on the whole community, then filtered: a person's risk
doesn't change because the organiser narrowed the view to one city. The buddy
matching (seconds for 100k members) is not part of ``analyse``: the Overview, Map,
Engagement and Connection-risk pages never wait for it; ``buddy_suggestions`` makes
them for the pages and the report that show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Exclusions:
    """What the organiser's follow-through rules out of the buddy suggestions: people who asked
    not to be contacted (member ids) and declined pairs (member_id, buddy_id)."""

    ids: frozenset[str] = field(default_factory=frozenset)
    pairs: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def key(self) -> str:
        """A stable text of the exclusions, for caches."""
        return repr((sorted(self.ids), sorted(self.pairs)))


def buddy_suggestions(analysis: Analysis, settings: Settings, exclusions: Exclusions | None = None) -> pd.DataFrame:
    """Buddy suggestions for the whole community (capacities shared across cities), without the
    people and pairs ``exclusions`` rules out."""
    ex = exclusions or Exclusions()
    return introductions.suggest_buddies(analysis.members, analysis.edges, settings, settings.buddies_per_member,
                                         exclude_ids=ex.ids, exclude_pairs=ex.pairs)


def _indicators(community: Community, as_of: pd.Timestamp,
                settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    metrics = engagement.member_metrics(community, as_of, settings)
    edges = ties.community_ties(community, as_of, settings.decay_per_month)
    tie_stats = ties.member_tie_stats(edges, community.members["member_id"])
    risk_frame = risk.connection_risk(community, metrics, as_of, settings, tie_stats=tie_stats)
    return metrics, edges, tie_stats, risk_frame


def risk_at(community: Community, as_of: pd.Timestamp, settings: Settings) -> pd.DataFrame:
    """Connection risk per member at ``as_of`` (``analyse``'s, without the buddies)."""
    return _indicators(community, as_of, settings)[3]


def analyse(community: Community, as_of: pd.Timestamp, settings: Settings) -> Analysis:
    """Run every indicator for every member at ``as_of`` (buddies: ``buddy_suggestions``)."""
    metrics, edges, tie_stats, risk_frame = _indicators(community, as_of, settings)
    base = community.members.set_index("member_id", drop=False)
    # each stage adds its own columns; a name clash is a bug, so let pandas raise on it
    members = base.join([metrics, tie_stats, risk_frame]).reset_index(drop=True)
    return Analysis(as_of, metrics, edges, tie_stats, risk_frame, members)
