"""Roles and the one policy that decides what leaves the core for each of them.

A page gets its frames through ``Redaction``: a viewer's members table has no
names, emails or reasons in it, and its member ids are pseudonyms, so no page can
show what it was never given. Every column the core produces is classified below;
a column nobody classified is dropped for anyone but an organiser (fail closed),
and a test lists any the demo community produces that is missing here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.analysis import Analysis
from dashboard.model import (
    ATTENDANCE_COLUMNS,
    EVENT_COLUMNS,
    EVENT_GEO_COLUMNS,
    GEOCODE_COLUMNS,
    MEMBER_GEO_COLUMNS,
    Community,
)

ORGANISER, HELPER, VIEWER = "organiser", "helper", "viewer"
#: who a user can be, most rights first
USER_ROLES: tuple[str, ...] = (ORGANISER, HELPER, VIEWER)


@dataclass(frozen=True)
class Policy:
    """What one role may see and do."""

    role: str
    names: bool  # member names (and the texts that quote them)
    emails: bool  # member emails (organisers still see them only behind the toggle)
    reasons: bool  # per-person reasons: why someone is on the check-in list, segment reasons
    survey_answers: bool  # the raw answers to the loneliness questions
    import_details: bool  # the uploaded cells quoted in the problems list and ingestion notes
    personal_downloads: bool  # CSV/Excel exports that list people
    log_contacts: bool
    uploads: bool  # upload files, keep and delete snapshots, fix columns and places
    erasure: bool
    manage_users: bool

    @property
    def per_person(self) -> bool:
        """Whether the role sees people one by one (check-in list, introductions, profiles)."""
        return self.names


POLICIES: Mapping[str, Policy] = {
    ORGANISER: Policy(ORGANISER, names=True, emails=True, reasons=True, survey_answers=True, import_details=True,
                      personal_downloads=True, log_contacts=True, uploads=True, erasure=True, manage_users=True),
    HELPER: Policy(HELPER, names=True, emails=False, reasons=True, survey_answers=False, import_details=False,
                   personal_downloads=True, log_contacts=True, uploads=False, erasure=False, manage_users=False),
    VIEWER: Policy(VIEWER, names=False, emails=False, reasons=False, survey_answers=False, import_details=False,
                   personal_downloads=False, log_contacts=False, uploads=False, erasure=False, manage_users=False),
}


def policy_for(role: str) -> Policy:
    """The policy of ``role``; ``ValueError`` for anything that is not a role."""
    try:
        return POLICIES[role]
    except (KeyError, TypeError):
        raise ValueError(f"{role!r} is not a role; use one of {', '.join(USER_ROLES)}") from None


# --- what each column is ------------------------------------------------------------

#: columns that hold a member id: pseudonyms when the role sees no names
ID_COLUMNS: frozenset[str] = frozenset({"member_id", "member_a", "member_b", "strongest_tie_id", "buddy_id"})
#: columns that name someone, or quote a name ("Kirsty has been to 4 events")
NAME_COLUMNS: frozenset[str] = frozenset({"name", "buddy_name", "reason"})
EMAIL_COLUMNS: frozenset[str] = frozenset({"email"})
REASON_COLUMNS: frozenset[str] = frozenset({"risk_reasons", "risk_reasons_text", "segment_reason"})
SURVEY_COLUMNS: frozenset[str] = frozenset({"ucla_companionship", "ucla_left_out", "ucla_isolated", "ons_lonely"})
#: cells quoted from an upload (the problems list's ``value``)
IMPORT_COLUMNS: frozenset[str] = frozenset({"value"})
#: columns any role may have: places, dates, counts, scores, tiers, signals
PUBLIC_COLUMNS: frozenset[str] = frozenset({
    "city", "country", "joined_on", "moved_on", "interests", "role",
    "agg_events_attended", "agg_last_attended", "agg_no_shows", "agg_rsvps",
    *MEMBER_GEO_COLUMNS, *EVENT_COLUMNS, *EVENT_GEO_COLUMNS, *ATTENDANCE_COLUMNS, *GEOCODE_COLUMNS,
    "file", "row", "column", "problem",
    # engagement
    "events_attended", "first_attended_on", "last_attended_on", "days_since_last", "attended_last_90",
    "attended_prev_90", "median_gap_days", "no_shows", "rsvps", "engagement_score", "score_raw", "segment",
    "metrics_source",
    # ties
    "meetings", "strength", "last_met", "ties", "repeat_ties", "strongest_tie_strength", "regulars_known",
    # risk
    "sig_self_reported", "sig_newcomer", "sig_never_came", "sig_came_once", "sig_lapsed", "sig_drifting",
    "sig_no_repeat_ties", "sig_far_from_group", "risk_score", "risk_tier", "next_event",
    # buddies
    "buddy_city", "distance_km", "shared_interests", "rank",
    # the contact log as the check-in list and the report show it (a pseudonym's outcome names nobody)
    "last_contacted_on", "last_outcome", "follow_up_on", "follow_up_due", "do_not_contact",
    # geocodes beyond the canonical ones
    "address",
})


def _allowed(policy: Policy) -> frozenset[str]:
    """Every known column but those of the classes the role is not granted (a restricted class
    wins over the public list: the geocodes' "reason" shares its name with the buddies')."""
    withheld: set[str] = set()
    for granted, columns in ((policy.names, NAME_COLUMNS), (policy.emails, EMAIL_COLUMNS),
                             (policy.reasons, REASON_COLUMNS), (policy.survey_answers, SURVEY_COLUMNS),
                             (policy.import_details, IMPORT_COLUMNS)):
        if not granted:
            withheld |= columns
    return _known() - withheld


def _known() -> frozenset[str]:
    return PUBLIC_COLUMNS | ID_COLUMNS | NAME_COLUMNS | EMAIL_COLUMNS | REASON_COLUMNS | SURVEY_COLUMNS | IMPORT_COLUMNS


def unclassified(columns: Iterable[object]) -> list[str]:
    """The columns this module does not know (each must be added to one class above)."""
    known = _known()
    return [str(c) for c in columns if c not in known]


def _blank(values: pd.Series) -> pd.Series:
    """The column's empty value in every row: () for lists, NaN for numbers, "" for text."""
    sample = values.dropna()
    if not sample.empty and isinstance(sample.iloc[0], (list, tuple)):
        return pd.Series([()] * len(values), index=values.index, dtype=object)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return pd.Series(np.nan, index=values.index, dtype="float64")
    return pd.Series("", index=values.index, dtype=values.dtype if pd.api.types.is_string_dtype(values) else object)


def _pseudonymise(values: pd.Series | pd.Index, real: pa.Array, fake: pa.Array) -> pd.api.extensions.ExtensionArray:
    """Each id's pseudonym; a missing id stays missing, an id of nobody (or "") becomes "".

    Through pyarrow's hash lookup: ten million tie ends take a second, not half a minute;
    a categorical (the ties' ends) only has its categories looked up.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories if isinstance(values, pd.Series) else values.categories
        renamed = pd.Index(_pseudonymise(cats, real, fake))
        if renamed.is_unique:
            return pd.Categorical(values).rename_categories(renamed)
        values = values.astype(object)
    try:
        arr = pa.array(values.array, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array([None if pd.isna(v) else str(v) for v in values], type=pa.string())
    at = pc.index_in(arr, value_set=real)
    out = pc.if_else(pc.and_(pc.is_null(at), pc.is_valid(arr)), pa.scalar("", pa.string()), pc.take(fake, at))
    return pd.array(out, dtype="str")


@dataclass(frozen=True)
class Redaction:
    """One role's view of the data: apply it to every frame a page is given."""

    policy: Policy
    real_ids: pa.Array | None = None  # the community's member ids, when they are to be hidden...
    fake_ids: pa.Array | None = None  # ...and their pseudonyms, position for position

    @property
    def is_identity(self) -> bool:
        """Whether the role sees everything (frames pass through untouched)."""
        return self.policy.role == ORGANISER

    def ids(self, values: pd.Series | pd.Index) -> pd.api.extensions.ExtensionArray:
        """Member ids as this role may see them."""
        if self.real_ids is None or self.fake_ids is None:
            return values.array
        return _pseudonymise(values, self.real_ids, self.fake_ids)

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``frame`` without what the role may not see: columns it may not have are
        blanked (kept, so aggregates still work), columns nobody classified are dropped, member
        ids (columns and index) become pseudonyms when names are hidden."""
        if self.is_identity:
            return frame
        allowed, known = _allowed(self.policy), _known()
        out = frame.drop(columns=[c for c in frame.columns if c not in known])
        for col in out.columns:
            if col not in allowed:
                out[col] = _blank(out[col])
            elif col in ID_COLUMNS and self.real_ids is not None:
                out[col] = pd.Series(self.ids(out[col]), index=out.index)
        if out.index.name in ID_COLUMNS and self.real_ids is not None:
            out.index = pd.Index(self.ids(out.index), name=out.index.name)
        return out

    def community(self, community: Community) -> Community:
        """The community as this role may see it."""
        if self.is_identity:
            return community
        sources = community.sources
        if not self.policy.import_details:  # ingestion notes may quote cells
            sources = tuple(replace(s, notes=()) if hasattr(s, "notes") else s for s in sources)
        return community.with_(
            members=self.frame(community.members), events=self.frame(community.events),
            attendance=self.frame(community.attendance), problems=self.frame(community.problems),
            geocodes=self.frame(community.geocodes), sources=sources,
        )

    def analysis(self, analysis: Analysis) -> Analysis:
        """Every frame of the analysis as this role may see it."""
        if self.is_identity:
            return analysis
        changes = {f.name: self.frame(getattr(analysis, f.name)) for f in fields(analysis)
                   if isinstance(getattr(analysis, f.name), pd.DataFrame)}
        return replace(analysis, **changes)


def redaction(role: str, community: Community) -> Redaction:
    """The redaction for ``role`` over ``community`` (the whole one, so that a filtered view
    and the analysis get the same pseudonyms)."""
    policy = policy_for(role)
    if policy.names:
        return Redaction(policy)
    ids = community.members["member_id"].dropna().astype(str)
    real = pc.unique(pa.array(ids.array, type=pa.string(), from_pandas=True))
    width = max(5, len(str(len(real))))
    fake = pa.array([f"P{i:0{width}d}" for i in range(1, len(real) + 1)], type=pa.string())
    return Redaction(policy, real, fake)
