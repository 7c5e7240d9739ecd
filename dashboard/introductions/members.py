"""Who introductions are about: the member columns they read, who is at risk, who is a regular."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from dashboard.geo import NO_CITY_LABEL, junk_reason
from dashboard.risk import AT_RISK_TIERS as AT_RISK_TIERS  # re-exported: the tiers live in dashboard.risk

REGULAR_SEGMENTS: tuple[str, ...] = ("active", "core")
REGULAR_MIN_EVENTS: int = 3
STRONG_TIE_MEETINGS: int = 2
NO_CITY_LABELS: frozenset[str] = frozenset({"", NO_CITY_LABEL})


def names_a_city(labels: pd.Series) -> np.ndarray:
    """True where a city label names somewhere two people can both be: not "(no city)", and
    not an answer that is no place ("Online only", "n/a"), which says nothing about where."""
    codes, distinct = pd.factorize(labels.fillna("").astype(str))
    ok = np.array([t not in NO_CITY_LABELS and not junk_reason(t.strip()) for t in distinct], dtype=bool)
    return ok[codes]


def _as_interests(value: object) -> tuple[str, ...]:
    """Interests as a tuple of lower-case strings, whatever shape they arrived in."""
    if type(value) is tuple:  # the canonical shape (lower-case already): keep it, fast
        return value
    if isinstance(value, str):
        items: Iterable = re.split(r"[;,|]", value)
    elif isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        items = value
    else:
        return ()
    return tuple(sorted({str(x).strip().lower() for x in items if str(x).strip()}))


def prepared(members: pd.DataFrame) -> pd.DataFrame:
    """The member columns introductions read, normalised, on a fresh 0..n-1 index."""
    m = members.reset_index(drop=True)
    n = len(m)

    def col(name: str, default: object) -> pd.Series:
        return m[name] if name in m else pd.Series([default] * n, dtype=object)

    return pd.DataFrame(
        {
            "member_id": col("member_id", "").astype(str).to_numpy(object),
            "name": col("name", "").astype(object).fillna("").astype(str).to_numpy(object),
            "city_label": col("city_label", NO_CITY_LABEL).astype(object).fillna(NO_CITY_LABEL).astype(str).to_numpy(object),
            "lat": pd.to_numeric(col("lat", np.nan), errors="coerce").to_numpy(float),
            "lon": pd.to_numeric(col("lon", np.nan), errors="coerce").to_numpy(float),
            "risk_tier": col("risk_tier", "").astype(object).fillna("").astype(str).to_numpy(object),
            "risk_score": pd.to_numeric(col("risk_score", 0.0), errors="coerce").fillna(0.0).to_numpy(float),
            "segment": col("segment", "").astype(object).fillna("").astype(str).to_numpy(object),
            "events_attended": pd.to_numeric(col("events_attended", 0), errors="coerce").fillna(0).to_numpy(float),
            "engagement_score": pd.to_numeric(col("engagement_score", 0.0), errors="coerce").fillna(0.0).to_numpy(float),
            "interests": [_as_interests(v) for v in col("interests", ())],
        }
    )


def at_risk_count(members: pd.DataFrame) -> int:
    """Members at medium or high risk."""
    return int(members["risk_tier"].isin(AT_RISK_TIERS).sum()) if "risk_tier" in members else 0
