"""The headless report: the same pipeline as the pages, written to CSV files."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from dashboard import introductions, mapviz
from dashboard.analysis import Analysis, Exclusions, analyse, buddy_suggestions
from dashboard.contacts import LAST_COLUMNS
from dashboard.export import neutralise_formulas
from dashboard.follow_through import Followed, Helped
from dashboard.introductions import lifecycle
from dashboard.model import Community, default_as_of
from dashboard.settings import Settings

MEMBER_REPORT_COLUMNS = (
    "member_id", "name", "email", "city", "country", "lat", "lon", "joined_on",
    "events_attended", "last_attended_on", "days_since_last", "engagement_score",
    "segment", "risk_score", "risk_tier", "risk_reasons",
)
CITY_REPORT_COLUMNS = ("city", "country", "lat", "lon", "members", "neighbourhoods")


@dataclass(frozen=True)
class Report:
    """The frames the report writes, plus its JSON summary."""

    members: pd.DataFrame
    cities: pd.DataFrame
    problems: pd.DataFrame
    buddies: pd.DataFrame
    next_meetups: pd.DataFrame
    summary: dict
    introductions: pd.DataFrame | None = None  # on a workspace: every decided pair (introductions.csv)


def member_report(community: Community, analysis: Analysis) -> pd.DataFrame:
    """One row per member with the contract's columns."""
    m = analysis.members.copy()
    m["country"] = m["country_code"].where(m["country_code"].fillna("") != "", m["country"])
    m["risk_reasons"] = m["risk_reasons"].map(lambda r: "; ".join(r) if isinstance(r, (list, tuple)) else (r or ""))
    m["engagement_score"] = pd.to_numeric(m["engagement_score"]).round(1)
    for col in ("joined_on", "last_attended_on"):
        m[col] = pd.to_datetime(m[col]).dt.strftime("%Y-%m-%d")
    for col in MEMBER_REPORT_COLUMNS:
        if col not in m:
            m[col] = pd.NA
    return m[list(MEMBER_REPORT_COLUMNS)]


def city_report(community: Community) -> pd.DataFrame:
    """One row per city members are counted under (as the city filter groups them), with the
    neighbourhoods folded into it; cities not placed have no lat/lon."""
    cities = mapviz.city_summary(community.members, unplaced=True)
    cities = cities.rename(columns={"city_label": "city", "country_code": "country"})
    return cities[list(CITY_REPORT_COLUMNS)]


def build_report(community: Community, as_of: pd.Timestamp | None = None, settings: Settings | None = None,
                 analysis: Analysis | None = None, exclusions: Exclusions | None = None) -> Report:
    """Compute everything the report writes (``analysis``, when given, is ``community``'s at ``as_of``;
    the buddies leave out what ``exclusions`` rules out)."""
    settings = settings or Settings()
    as_of = as_of if as_of is not None else default_as_of(community)
    analysis = analysis if analysis is not None else analyse(community, as_of, settings)
    members = member_report(community, analysis)
    buddies = buddy_suggestions(analysis, settings, exclusions)
    ranked, _chosen = introductions.plan_meetups(analysis.members, community.events, settings)
    tiers = analysis.members["risk_tier"].value_counts().to_dict()
    segments = analysis.members["segment"].value_counts().to_dict()
    summary = {
        "as_of": as_of.strftime("%Y-%m-%d"),
        "members": int(len(community.members)),
        "events": int(len(community.events)),
        "attendance_rows": int(len(community.attendance)),
        "problems": int(len(community.problems)),
        "country": community.country,
        "unresolved_cities": int((community.geocodes["status"] == "unresolved").sum()),
        "segments": {str(k): int(v) for k, v in segments.items()},
        "risk_tiers": {str(k): int(v) for k, v in tiers.items()},
        "buddy_suggestions": int(len(buddies)),
    }
    return Report(
        members=members,
        cities=city_report(community),
        problems=community.problems,
        buddies=buddies[["member_id", "name", "buddy_id", "buddy_name", "distance_km", "reason"]],
        next_meetups=ranked[["city", "lat", "lon", "at_risk_within_radius"]],
        summary=summary,
    )


def with_follow_through(report: Report, community: Community, followed: Followed, helped: Helped) -> Report:
    """The report of a workspace snapshot: members.csv gains each member's last contact
    (``LAST_COLUMNS``), introductions.csv lists the decided pairs, the summary says "Did it help?"
    (the buddies were suggested without ``followed.exclusions``: ``build_report``'s ``exclusions``)."""
    ids = report.members["member_id"].astype(str)
    last = followed.follow_ups.columns(pd.Index(ids))[list(LAST_COLUMNS)].reset_index(drop=True)
    members = pd.concat([report.members.reset_index(drop=True), last], axis=1)
    intros = lifecycle.table(followed.introductions, community.members)[list(lifecycle.REPORT_COLUMNS)]
    return replace(report, members=members, introductions=intros,
                   summary={**report.summary, "follow_through": helped.as_json()})


def write_report(report: Report, out_dir: Path) -> None:
    """Write the report's CSV files (formulas neutralised) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in (
        ("members", report.members),
        ("cities", report.cities),
        ("problems", report.problems),
        ("buddies", report.buddies),
        ("next_meetups", report.next_meetups),
    ):
        neutralise_formulas(frame).to_csv(out_dir / f"{name}.csv", index=False)
    if report.introductions is not None:
        neutralise_formulas(report.introductions).to_csv(out_dir / "introductions.csv", index=False)
    (out_dir / "summary.json").write_text(json.dumps(report.summary, indent=2))
