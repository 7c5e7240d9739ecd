"""Suggest buddies: who is at risk, who can help, the costs, the rounds and the reasons."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from dashboard.introductions.candidates import candidate_pairs, interest_bits, site_pairs_within, sites_of, strong_pairs
from dashboard.introductions.matching import assign_rounds
from dashboard.introductions.members import (
    AT_RISK_TIERS,
    REGULAR_MIN_EVENTS,
    REGULAR_SEGMENTS,
    prepared,
)
from dashboard.introductions.reasons import where_words, who_words
from dashboard.settings import Settings
from dashboard.ties import ties_among

#: regulars knowing this many other regulars get half the connectedness credit
KNOWS_HALF: float = 5.0

BUDDY_COLUMNS: tuple[str, ...] = (
    "member_id",
    "name",
    "city",
    "risk_tier",
    "buddy_id",
    "buddy_name",
    "buddy_city",
    "distance_km",
    "shared_interests",
    "reason",
    "rank",
)


def _empty_buddies() -> pd.DataFrame:
    """A buddies frame with no rows."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in BUDDY_COLUMNS})
    return frame.astype({"distance_km": "float64", "rank": "int64"})


def suggest_buddies(
    members: pd.DataFrame,
    edges: pd.DataFrame,
    settings: Settings,
    max_per_member: int = 3,
    exclude_ids: Collection[str] = (),
    exclude_pairs: Collection[tuple[str, str]] = (),
) -> pd.DataFrame:
    """Up to ``max_per_member`` nearby regulars per person at medium/high risk, with reasons.

    One row per suggestion (``BUDDY_COLUMNS``), people at risk by descending
    risk score, then rank 1, 2, 3. See the module docstring for who counts as a
    regular, the cost and the assignment. Nobody in ``exclude_ids`` (asked not to be
    contacted) is suggested or given a buddy; no (member_id, buddy_id) pair in
    ``exclude_pairs`` (declined) is suggested again, so the person gets another buddy.
    """
    m = prepared(members)
    allowed = ~m["member_id"].isin(list(exclude_ids)).to_numpy() if exclude_ids else np.ones(len(m), bool)
    at_mask = m["risk_tier"].isin(AT_RISK_TIERS).to_numpy() & allowed
    reg_mask = (
        m["risk_tier"].eq("low")
        & m["segment"].isin(REGULAR_SEGMENTS)
        & (m["events_attended"] >= REGULAR_MIN_EVENTS)
    ).to_numpy() & allowed
    if not at_mask.any() or not reg_mask.any() or max_per_member < 1 or settings.buddy_capacity < 1:
        return _empty_buddies()
    at, reg = m[at_mask].reset_index(drop=True), m[reg_mask].reset_index(drop=True)
    at_ids, reg_ids = pd.Index(at["member_id"]), pd.Index(reg["member_id"])

    knows = ties_among(edges, reg_ids).to_numpy(np.float64)
    quality = 0.5 * np.clip(reg["engagement_score"].to_numpy(), 0, 100) / 100 + 0.5 * knows / (knows + KNOWS_HALF)

    site_codes, sites = sites_of(pd.concat([at, reg], ignore_index=True))
    site_of_at, site_of_reg = site_codes[: len(at)], site_codes[len(at) :]
    pairs = site_pairs_within(sites, np.unique(site_of_at), np.unique(site_of_reg), settings.buddy_radius_km)
    if pairs.empty:
        return _empty_buddies()
    p, r, d = candidate_pairs(at, reg, site_of_at, site_of_reg, pairs, quality, float(settings.buddy_radius_km))

    # never yourself, never someone you already know well
    strong = strong_pairs(edges, at_ids, reg_ids)
    key = p * len(reg) + r
    if len(strong):  # strong is sorted
        known_well = strong[np.minimum(np.searchsorted(strong, key), len(strong) - 1)] == key
    else:
        known_well = np.zeros(len(key), bool)
    # one id code for both sides, so "not yourself" compares integers, not strings
    id_code = pd.factorize(np.concatenate([at["member_id"].to_numpy(object), reg["member_id"].to_numpy(object)]))[0]
    keep = ~known_well & (id_code[: len(at)][p] != id_code[len(at) :][r])
    if exclude_pairs:
        keep &= ~np.isin(key, _pair_codes(exclude_pairs, at_ids, reg_ids))
    p, r, d = p[keep], r[keep], d[keep]

    vocab = pd.Index(sorted({i for x in at["interests"] for i in x} | {i for x in reg["interests"] for i in x}))
    at_bits, reg_bits = interest_bits(at["interests"].tolist(), vocab), interest_bits(reg["interests"].tolist(), vocab)
    shared = np.bitwise_count(at_bits[p] & reg_bits[r]).sum(axis=1) if len(p) else np.zeros(0, np.int64)
    dist_term = np.where(np.isfinite(d), d / settings.buddy_radius_km, 0.5) if settings.buddy_radius_km > 0 else 0.5
    cost = 1.0 + dist_term + (1.0 - quality[r]) + (1.0 - np.minimum(shared, 2) / 2.0)

    priority = (at["risk_tier"] == "high").to_numpy().astype(np.int64)
    capacity = np.full(len(reg), int(settings.buddy_capacity), np.int64)
    got = assign_rounds(p, r, cost, len(at), capacity, int(max_per_member), priority)
    if got.empty:
        return _empty_buddies()
    return _describe(got, at, reg, knows, p, r, d, at_bits, reg_bits, vocab)


def _pair_codes(pairs: Collection[tuple[str, str]], at_ids: pd.Index, reg_ids: pd.Index) -> np.ndarray:
    """The candidate keys (person position x number of regulars + regular position) of ``pairs``."""
    left = at_ids.get_indexer([str(a) for a, _ in pairs])
    right = reg_ids.get_indexer([str(b) for _, b in pairs])
    both = (left >= 0) & (right >= 0)
    return left[both].astype(np.int64) * len(reg_ids) + right[both]


def _distinct(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows keyed by several integer codes: a first row of each distinct key, and each row's key number."""
    key = np.zeros(len(codes[0]), np.int64)
    for c in codes:
        c, uniques = pd.factorize(c)  # small codes first: the raw values (bit masks) can be huge
        key = pd.factorize(key * max(len(uniques), 1) + c)[0].astype(np.int64)
    first = np.full(int(key.max(initial=-1)) + 1, -1, np.int64)
    first[key[::-1]] = np.arange(len(key))[::-1]  # the last write wins: the first row
    return first, key


def _describe(
    got: pd.DataFrame,
    at: pd.DataFrame,
    reg: pd.DataFrame,
    knows: np.ndarray,
    p: np.ndarray,
    r: np.ndarray,
    d: np.ndarray,
    at_bits: np.ndarray,
    reg_bits: np.ndarray,
    vocab: pd.Index,
) -> pd.DataFrame:
    """The assignments as a readable frame with reasons.

    Shared interests and the two halves of each reason are worked out once per
    distinct value (interest overlap, place pair and distance, buddy), not
    once per suggestion.
    """
    key = p * len(reg) + r
    order = np.argsort(key)
    pos = order[np.searchsorted(key[order], got["row"].to_numpy() * len(reg) + got["col"].to_numpy())]
    i, j, dist = got["row"].to_numpy(), got["col"].to_numpy(), d[pos]
    # shared interests: bits of the vocabulary (sorted), so set bits in order are sorted names
    mask_first, mask_of = _distinct(*(at_bits[i] & reg_bits[j]).T)
    names = vocab.to_numpy(object)
    shared_u = []
    for row in mask_first:
        words = at_bits[i[row]] & reg_bits[j[row]]
        shared_u.append([names[w * 63 + b] for w in range(len(words)) for b in range(63) if (int(words[w]) >> b) & 1])
    shared_text = np.array([", ".join(x) for x in shared_u], dtype=object)
    city, buddy_city = at["city_label"].to_numpy()[i], reg["city_label"].to_numpy()[j]
    buddy_name, events = reg["name"].to_numpy()[j], reg["events_attended"].to_numpy()[j].astype(int)
    known = knows[j].astype(int)

    place = pd.factorize(np.concatenate([city, buddy_city]))[0].astype(np.int64)
    dist_code = pd.factorize(dist, use_na_sentinel=False)[0].astype(np.int64)
    where_first, where_of = _distinct(place[: len(i)], place[len(i) :], dist_code, mask_of)
    where = np.array([where_words(city[k], buddy_city[k], float(dist[k]), shared_u[mask_of[k]]) for k in where_first], dtype=object)
    who_first, who_of = _distinct(j)
    who = np.array([who_words(buddy_name[k], int(events[k]), int(known[k])) for k in who_first], dtype=object)
    reasons = where[where_of] + "; " + who[who_of]
    out = pd.DataFrame(
        {
            "member_id": at["member_id"].to_numpy()[i],
            "name": at["name"].to_numpy()[i],
            "city": city,
            "risk_tier": at["risk_tier"].to_numpy()[i],
            "buddy_id": reg["member_id"].to_numpy()[j],
            "buddy_name": buddy_name,
            "buddy_city": buddy_city,
            "distance_km": np.round(dist.astype(float), 1),
            "shared_interests": shared_text[mask_of],
            "reason": reasons,
            "rank": got["rank"].to_numpy().astype("int64"),
            "_score": -at["risk_score"].to_numpy()[i],
        }
    )
    out = out.sort_values(["_score", "member_id", "rank"], kind="stable").drop(columns="_score")
    return out.reset_index(drop=True)[list(BUDDY_COLUMNS)]
