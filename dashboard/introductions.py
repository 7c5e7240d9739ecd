"""Introductions: buddies for people at risk, where to meet next, quiet cities.

Buddies
    People at medium or high risk are matched with *regulars*: members at low
    risk, in the ``active`` or ``core`` segment, with at least
    ``REGULAR_MIN_EVENTS`` events attended. A regular is a candidate when they
    live within ``settings.buddy_radius_km`` (haversine; when either side has no
    coordinates, the same ``city_label`` instead) and the two have not already
    met ``STRONG_TIE_MEETINGS`` or more times. Each candidate pair has a cost

        1 + distance / radius + (1 - quality) + (1 - min(shared interests, 2) / 2)

    where ``quality`` in [0, 1] is half engagement score and half how many other
    regulars the buddy knows (saturating). Unknown distances (city match) count
    as half the radius.

    Assignment runs in rounds, one buddy per person per round (so everyone at
    risk gets a first buddy before anyone gets a second). Each round is an exact
    minimum-cost assignment on the sparse candidate graph
    (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``, LAPJVsp) with
    each regular's remaining capacity expanded into copies of their column and a
    private "no buddy this round" column per person, priced so the solver first
    matches as many people as possible, high risk before medium, then minimises
    the cost. No regular ever takes more than ``settings.buddy_capacity`` people
    in total. The graph falls apart into separate areas (towns, a metropolis);
    each is solved on its own, small ones packed together, because LAPJVsp's
    work grows with rows x columns of whatever it is handed.

    Candidate set (why it scales): coordinates are city-level, so members
    collapse onto *sites* (a place, or a city label without coordinates).
    Everyone at one site shares a *pool*: every regular at every site within
    reach, best first by the part of the cost that does not depend on the
    person (distance and quality). Each person gets at most ``MAX_CANDIDATES``
    candidates in total, however many places lie within reach (a metropolis of
    boroughs 5 km apart would otherwise multiply pairs): the pool's
    ``TOP_SHARED`` best; up to ``INTEREST_BUDGET`` regulars sharing one of
    their interests; and the rest drafted round-robin from the pool among the
    people at their site, highest risk first, so a thousand newcomers in one
    big city are offered different regulars (each still gets some of the best)
    rather than all competing for the same twenty. A pool of at most
    ``MAX_CANDIDATES`` regulars is taken whole, so on small communities every
    eligible pair is a candidate and each round is the exact optimum.

Meetups: candidate places are members' own resolved cities and in-person event
cities; each is ranked by the number of medium/high-risk members within the
radius, and ``k`` are chosen greedily for maximum coverage.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import (
    connected_components,
    min_weight_full_bipartite_matching,
)
from scipy.spatial import cKDTree

from dashboard.distance import _chord as chord
from dashboard.distance import _unit_vectors, haversine_km
from dashboard.engagement import plural
from dashboard.frames import isin
from dashboard.geo import junk_reason
from dashboard.settings import Settings
from dashboard.ties import edge_codes, ties_among

AT_RISK_TIERS: tuple[str, ...] = ("medium", "high")
REGULAR_SEGMENTS: tuple[str, ...] = ("active", "core")
REGULAR_MIN_EVENTS: int = 3
STRONG_TIE_MEETINGS: int = 2
NO_CITY_LABELS: frozenset[str] = frozenset({"", "(no city)"})


def names_a_city(labels: pd.Series) -> np.ndarray:
    """True where a city label names somewhere two people can both be: not "(no city)", and
    not an answer that is no place ("Online only", "n/a"), which says nothing about where."""
    codes, distinct = pd.factorize(labels.fillna("").astype(str))
    ok = np.array([t not in NO_CITY_LABELS and not junk_reason(t.strip()) for t in distinct], dtype=bool)
    return ok[codes]

#: most candidate buddies considered for one person, over every place within reach
MAX_CANDIDATES: int = 48
#: of those, the best of the pool that everyone at a site is offered
TOP_SHARED: int = 8
#: of those, at most this many chosen for sharing one of the person's interests
INTEREST_BUDGET: int = 20
#: pool entries (site x regular within reach) built at a time
POOL_CHUNK: int = 1_000_000
#: rows x columns handed to one matching call when packing small groups together
MATCHING_BATCH_WORK: int = 1_000_000
#: regulars knowing this many other regulars get half the connectedness credit
KNOWS_HALF: float = 5.0
#: highest cost a candidate pair can have (see the module docstring)
MAX_PAIR_COST: float = 4.0

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
RANKED_COLUMNS: tuple[str, ...] = ("city", "lat", "lon", "at_risk_within_radius")
CHOSEN_COLUMNS: tuple[str, ...] = (
    "order",
    "city",
    "lat",
    "lon",
    "newly_covered",
    "cumulative_covered",
    "share_covered",
)
DORMANT_COLUMNS: tuple[str, ...] = (
    "city",
    "members",
    "at_risk",
    "last_event_on",
    "days_since_last_event",
    "next_event_on",
)

#: the fields a message template may use
MESSAGE_FIELDS: tuple[str, ...] = ("name", "buddy_name", "city", "reason")
message_template: str = (
    "Hi {name}, I'd love to introduce you to {buddy_name}, one of our regulars "
    "near {city} ({reason}). Would you be happy for me to put you in touch? "
    "No pressure at all, just reply and let me know."
)


# --- geometry ----------------------------------------------------------------


def _chord(radius_km: float) -> float:
    """Chord length on the unit sphere for a great-circle distance, with float slack."""
    return chord(radius_km) * (1 + 1e-9) + 1e-12


# --- member columns ------------------------------------------------------------


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


def _prepared(members: pd.DataFrame) -> pd.DataFrame:
    """The member columns introductions read, normalised, on a fresh 0..n-1 index."""
    m = members.reset_index(drop=True)
    n = len(m)

    def col(name: str, default: object) -> pd.Series:
        return m[name] if name in m else pd.Series([default] * n, dtype=object)

    return pd.DataFrame(
        {
            "member_id": col("member_id", "").astype(str).to_numpy(object),
            "name": col("name", "").astype(object).fillna("").astype(str).to_numpy(object),
            "city_label": col("city_label", "(no city)").astype(object).fillna("(no city)").astype(str).to_numpy(object),
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


def _first_name(name: str) -> str:
    """The first word of a name, or "this regular" when there is none."""
    parts = name.split()
    return parts[0] if parts else "this regular"


def _join_words(words: list[str]) -> str:
    """"running", "running and chess", "running, chess and hiking"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def buddy_reason(
    city: str,
    buddy_city: str,
    distance_km: float,
    shared: list[str],
    buddy_name: str,
    events_attended: int,
    regulars_known: int,
) -> str:
    """Why this buddy, in plain words."""
    return f"{_where(city, buddy_city, distance_km, shared)}; {_who(buddy_name, events_attended, regulars_known)}"


def _where(city: str, buddy_city: str, distance_km: float, shared: list[str]) -> str:
    """The first half of a reason: where the two are and what they share."""
    if city == buddy_city:
        where = f"both in {city}"
    elif np.isfinite(distance_km):
        where = f"{city} and {buddy_city} are {distance_km:.0f} km apart"
    else:
        where = f"{city} and {buddy_city}"
    if shared:
        where += f", both into {_join_words(shared)}"
    return where


def _who(buddy_name: str, events_attended: int, regulars_known: int) -> str:
    """The second half of a reason: who the buddy is."""
    who = f"{_first_name(buddy_name)} has been to {plural(events_attended, 'event')}"
    if regulars_known > 0:
        who += f" and knows {plural(regulars_known, 'regular')}"
    return who


# --- assignment ----------------------------------------------------------------


def _min_cost_matching(
    n_rows: int, n_slots: int, row: np.ndarray, slot: np.ndarray, weight: np.ndarray, stay: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Min-cost matching where every row takes one slot or stays out at its own price ``stay``.

    The same answer as one ``min_weight_full_bipartite_matching`` over the
    slots plus a private "stay out" column per row, but solved one connected
    group of rows and slots at a time (small groups packed together): LAPJVsp
    does work in proportion to rows x columns of whatever it is given, so a
    community of separate towns costs far less this way. A group's answer does
    not depend on what it is packed with: LAPJVsp visits rows in order and only
    ever reaches the columns of the row's own group, and the packing keeps the
    order of rows and of columns within each group. Returns the matched (row,
    slot) pairs; rows that stay out are left out.
    """
    row, slot = np.asarray(row, np.int64), np.asarray(slot, np.int64)
    weight = np.asarray(weight, np.float64)
    key = row * max(n_slots, 1) + slot
    if len(key) > 1 and not (key[1:] > key[:-1]).all():
        order = np.argsort(key, kind="stable")
        row, slot, weight = row[order], slot[order], weight[order]
    degree = np.bincount(row, minlength=n_rows)
    row_ptr = np.r_[0, np.cumsum(degree)]
    # connected groups over rows and slots (a row's private column never links two groups)
    links = csr_matrix(
        (np.ones(len(row), np.int8), n_rows + slot, np.r_[row_ptr, np.full(n_slots, len(row))]),
        shape=(n_rows + n_slots,) * 2,
    )
    _, label = connected_components(links, directed=False)
    row_group, slot_group = label[:n_rows], label[n_rows:]
    rows_in = np.bincount(row_group, minlength=len(label))
    slots_in = np.bincount(slot_group, minlength=len(label))
    # pack groups, biggest first, into batches of bounded rows x columns
    groups = np.flatnonzero(rows_in)
    groups = groups[np.argsort(-(rows_in[groups] * (rows_in[groups] + slots_in[groups])), kind="stable")]
    batch_of = np.zeros(len(label), np.int64)
    batch, acc_r, acc_c = 0, 0, 0
    for g in groups.tolist():
        r, c = int(rows_in[g]), int(rows_in[g] + slots_in[g])
        if acc_r and (acc_r + r) * (acc_c + c) > MATCHING_BATCH_WORK:
            batch, acc_r, acc_c = batch + 1, 0, 0
        batch_of[g] = batch
        acc_r, acc_c = acc_r + r, acc_c + c
    row_batch, slot_batch = batch_of[row_group], batch_of[slot_group]
    # local numbering inside each batch: rows, then slots, then the rows' private columns
    row_order = np.argsort(row_batch, kind="stable")
    slot_order = np.argsort(slot_batch, kind="stable")
    n_batches = batch + 1
    row_first = np.searchsorted(row_batch[row_order], np.arange(n_batches + 1))
    slot_first = np.searchsorted(slot_batch[slot_order], np.arange(n_batches + 1))
    row_local = np.empty(n_rows, np.int64)
    row_local[row_order] = np.arange(n_rows) - row_first[row_batch[row_order]]
    slot_local = np.empty(n_slots, np.int64)
    slot_local[slot_order] = np.arange(n_slots) - slot_first[slot_batch[slot_order]]
    slots_per_batch = np.diff(slot_first)

    # every batch's CSR rows laid end to end, rows in batch order: each row's
    # edges (ascending slot, as a canonical CSR has them), then its private column
    ordered_degree = degree[row_order] + 1
    ptr = np.r_[0, np.cumsum(ordered_degree)]
    at_of_row = np.empty(n_rows, np.int64)
    at_of_row[row_order] = ptr[:-1]
    nnz = int(ptr[-1])
    data, indices = np.empty(nnz, np.float64), np.empty(nnz, np.int32)
    edge_at = at_of_row[row] + np.arange(len(row)) - row_ptr[row]
    data[edge_at] = weight
    indices[edge_at] = slot_local[slot]
    stay_at = at_of_row + degree
    data[stay_at] = np.asarray(stay, np.float64)
    indices[stay_at] = slots_per_batch[row_batch] + row_local

    got_r, got_s = [], []
    for b in range(n_batches):
        lo, hi = int(row_first[b]), int(row_first[b + 1])
        nr, ns = hi - lo, int(slots_per_batch[b])
        if not nr:
            continue
        start, stop = int(ptr[lo]), int(ptr[hi])
        graph = csr_matrix(
            (data[start:stop], indices[start:stop], ptr[lo:hi + 1] - start), shape=(nr, ns + nr)
        )
        r_loc, c_loc = min_weight_full_bipartite_matching(graph)
        real = c_loc < ns
        got_r.append(row_order[lo:hi][r_loc[real]])
        got_s.append(slot_order[slot_first[b]:slot_first[b + 1]][c_loc[real]])
    if not got_r:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(got_r), np.concatenate(got_s)


def assign_rounds(
    rows: np.ndarray,
    cols: np.ndarray,
    cost: np.ndarray,
    n_rows: int,
    capacity: np.ndarray,
    rounds: int,
    priority: np.ndarray | None = None,
) -> pd.DataFrame:
    """Min-cost assignment of rows to capacitated columns, one column per row per round.

    ``rows``/``cols``/``cost`` list the allowed pairs (each at most once, cost
    > 0). Round after round every row gets at most one new column, never one
    it already has; column ``j`` is used at most ``capacity[j]`` times over all
    rounds. Each round first maximises how many rows are matched, then how many
    of them have ``priority`` 1 (e.g. high risk), then minimises the total cost.
    Returns ``row, col, cost, rank`` (rank = round number, from 1).
    """
    rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
    cost = np.asarray(cost, np.float64)
    remaining = np.asarray(capacity, np.int64).copy()
    n_cols = len(remaining)
    prio = np.zeros(n_rows, np.int64) if priority is None else np.asarray(priority, np.int64)
    # edges sorted by (row, col) once, so each round finds matched edges by binary search
    key = rows * n_cols + cols
    if len(key) > 1 and not (key[1:] > key[:-1]).all():
        order = np.argsort(key, kind="stable")
        rows, cols, cost, key = rows[order], cols[order], cost[order], key[order]
    used = np.zeros(len(rows), bool)
    out: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for rank in range(1, rounds + 1):
        edge = np.flatnonzero(~used & (remaining[cols] > 0))
        if not len(edge):
            break
        r, c, w = rows[edge], cols[edge], cost[edge]
        has_row, has_col = np.zeros(n_rows, bool), np.zeros(n_cols, bool)
        has_row[r], has_col[c] = True, True
        row_ids, col_ids = np.flatnonzero(has_row), np.flatnonzero(has_col)
        r_local = (np.cumsum(has_row) - 1)[r]
        c_local = (np.cumsum(has_col) - 1)[c]
        n = len(row_ids)
        # one column copy per unit of remaining capacity (never more than the rows)
        copies = np.minimum(remaining[col_ids], n)
        copy_start = np.cumsum(copies) - copies
        n_slots = int(copies.sum())
        # each edge once per copy of its column, in (row, slot) order: edges come sorted
        # by (row, col) and a column's copies are consecutive slots
        owner, slots = _ragged(copy_start[c_local], copies[c_local])
        # a private "no buddy this round" column per row: dearer than any set of
        # real costs, and dearer still for priority rows
        base = 8.0 * (n + 1) * max(MAX_PAIR_COST, float(w.max()))
        stay = base * np.where(prio[row_ids] > 0, 1.5, 1.0)
        got_rows, got_slots = _min_cost_matching(n, n_slots, r_local[owner], slots, w[owner], stay)
        slot_col = np.repeat(np.arange(len(col_ids)), copies)[got_slots]
        pos = edge[np.searchsorted(key[edge], row_ids[got_rows] * n_cols + col_ids[slot_col])]
        used[pos] = True
        np.subtract.at(remaining, cols[pos], 1)
        out.append((rows[pos], cols[pos], cost[pos], np.full(len(pos), rank)))
    if not out:
        return pd.DataFrame({"row": [], "col": [], "cost": [], "rank": []}).astype(
            {"row": "int64", "col": "int64", "cost": "float64", "rank": "int64"}
        )
    return pd.DataFrame(
        {name: np.concatenate([o[i] for o in out]) for i, name in enumerate(("row", "col", "cost", "rank"))}
    ).astype({"row": "int64", "col": "int64", "rank": "int64"})


# --- buddy candidates ------------------------------------------------------------


def _ragged(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each i, the indices starts[i] .. starts[i]+counts[i]-1, with their owner i."""
    counts = np.asarray(counts, np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.asarray(starts, np.int64)[owner] + offset


def _sites(m: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Site code per member and the site table (lat, lon, label; NaN coords = label-only)."""
    has_xy = np.isfinite(m["lat"].to_numpy()) & np.isfinite(m["lon"].to_numpy())
    key = pd.DataFrame(
        {
            "lat": np.where(has_xy, np.round(m["lat"].to_numpy(), 5), np.nan),
            "lon": np.where(has_xy, np.round(m["lon"].to_numpy(), 5), np.nan),
            "label": m["city_label"].to_numpy(object),
        }
    )
    codes = key.groupby(["lat", "lon", "label"], dropna=False, sort=False).ngroup().to_numpy()
    return codes.astype(np.int64), key.drop_duplicates().reset_index(drop=True)


def _site_pairs(sites: pd.DataFrame, from_sites: np.ndarray, to_sites: np.ndarray, radius_km: float) -> pd.DataFrame:
    """Pairs of sites (s, t, distance_km) within the radius, or sharing a label when one lacks coordinates."""
    lat, lon = sites["lat"].to_numpy(float), sites["lon"].to_numpy(float)
    labels = sites["label"].to_numpy(object)
    has_xy = np.isfinite(lat)
    parts = []
    s_xy, t_xy = from_sites[has_xy[from_sites]], to_sites[has_xy[to_sites]]
    if len(s_xy) and len(t_xy):
        tree = cKDTree(_unit_vectors(lat[t_xy], lon[t_xy]))
        near = tree.query_ball_point(_unit_vectors(lat[s_xy], lon[s_xy]), r=_chord(radius_km))
        counts = np.fromiter((len(x) for x in near), np.int64, len(near))
        s = np.repeat(s_xy, counts)
        t = t_xy[np.fromiter((j for x in near for j in x), np.int64, int(counts.sum()))]
        d = haversine_km(lat[s], lon[s], lat[t], lon[t])
        keep = d <= radius_km
        parts.append(pd.DataFrame({"s": s[keep], "t": t[keep], "distance_km": d[keep]}))
    named = names_a_city(pd.Series(labels, dtype=object))
    left = pd.DataFrame({"s": from_sites, "label": labels[from_sites], "xy": has_xy[from_sites]})
    right = pd.DataFrame({"t": to_sites, "label": labels[to_sites], "txy": has_xy[to_sites]})
    left, right = left[named[from_sites]], right[named[to_sites]]
    same = left.merge(right, on="label")
    same = same[~(same["xy"] & same["txy"])]
    parts.append(pd.DataFrame({"s": same["s"], "t": same["t"], "distance_km": np.nan}))
    return pd.concat(parts, ignore_index=True).astype({"s": "int64", "t": "int64"})


def _interest_bits(interests: list[tuple[str, ...]], vocab: pd.Index) -> np.ndarray:
    """One row of 63-bit words per member marking their interests in ``vocab``."""
    n_words = max(1, -(-len(vocab) // 63))
    bits = np.zeros((len(interests), n_words), np.int64)
    owner = np.repeat(np.arange(len(interests)), [len(x) for x in interests])
    flat = [i for x in interests for i in x]
    if flat:
        code = vocab.get_indexer(flat)
        np.bitwise_or.at(bits, (owner, code // 63), np.left_shift(1, code % 63).astype(np.int64))
    return bits


def _interest_codes(interests: list[tuple[str, ...]], vocab: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat (owner row, vocab code) of every interest found in ``vocab``, and each row's first flat index."""
    counts = np.fromiter((len(x) for x in interests), np.int64, len(interests))
    owner = np.repeat(np.arange(len(interests)), counts)
    codes = vocab.get_indexer([i for x in interests for i in x]) if len(owner) else np.zeros(0, np.int64)
    known = codes >= 0
    owner, codes = owner[known], codes[known].astype(np.int64)
    start = np.searchsorted(owner, np.arange(len(interests)))
    return owner, codes, start


def _rank_in_groups(group: np.ndarray, priority: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's rank within its group (highest ``priority`` first, then row order) and the group's size."""
    n = len(group)
    order = np.lexsort((np.arange(n), -priority, group))
    g = group[order]
    first = np.r_[True, g[1:] != g[:-1]] if n else np.zeros(0, bool)
    start = np.flatnonzero(first)
    sizes = np.diff(np.r_[start, n])
    rank, size = np.empty(n, np.int64), np.empty(n, np.int64)
    rank[order] = np.arange(n) - np.repeat(start, sizes)
    size[order] = np.repeat(sizes, sizes)
    return rank, size


def _draft(local: np.ndarray, crowd: np.ndarray, picks: np.ndarray, length: np.ndarray, stride: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Positions in a best-first list that a round-robin draft hands each row.

    Row ``i`` is drafter ``local[i]`` of ``crowd[i]`` sharing a list of
    ``length[i]`` entries; it takes ``picks[i]`` (<= ``length[i]``) of them:
    draft ranks ``local + j * crowd``, so every drafter gets some of the best
    entries and the crowd as a whole covers the top ``crowd * stride``. When
    that is more than the list holds, the ranks are squeezed onto the whole
    list (each row's positions stay distinct). Returns (row, position).
    """
    row, j = _ragged(np.zeros(len(picks), np.int64), picks)
    rank = local[row] + j * crowd[row]
    span = np.maximum(length[row], crowd[row] * stride[row])
    return row, rank * length[row] // np.maximum(span, 1)


def _candidates(
    at: pd.DataFrame,
    reg: pd.DataFrame,
    site_of_at: np.ndarray,
    site_of_reg: np.ndarray,
    site_pairs: pd.DataFrame,
    quality: np.ndarray,
    radius_km: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse candidate pairs (at-risk row, regular row, distance_km): at most ``MAX_CANDIDATES`` per person.

    Everyone at one site shares a *pool*: every regular within reach, best
    first by the person-independent part of the cost (distance and quality).
    A pool of at most ``MAX_CANDIDATES`` regulars is taken whole. From a bigger
    pool each person gets the ``TOP_SHARED`` best, up to ``INTEREST_BUDGET``
    regulars sharing one of their interests (drafted among the people at the
    site with that interest) and the rest of their ``MAX_CANDIDATES`` drafted
    round-robin from the pool among the people at their site, highest risk
    first. Pools are built a chunk of sites at a time, so memory stays bounded
    however many places lie within reach of each other.
    """
    n_at, n_reg = len(at), len(reg)
    n_sites = int(max(site_of_reg.max(initial=-1), site_of_at.max(initial=-1))) + 1
    reg_by_site = np.argsort(site_of_reg, kind="stable")
    site_size = np.bincount(site_of_reg, minlength=n_sites)
    site_start = np.r_[0, np.cumsum(site_size)[:-1]]

    sp = site_pairs.sort_values(["s", "t"], kind="stable")
    sp_s, sp_t, sp_d = sp["s"].to_numpy(np.int64), sp["t"].to_numpy(np.int64), sp["distance_km"].to_numpy(float)
    pool_size = np.bincount(sp_s, weights=site_size[sp_t], minlength=n_sites).astype(np.int64)
    dist_term = np.where(np.isfinite(sp_d), sp_d / radius_km, 0.5) if radius_km > 0 else np.full(len(sp_d), 0.5)

    # each person's rank among the people at risk at their site, highest risk first
    risk = at["risk_score"].to_numpy(float)
    local, crowd = _rank_in_groups(site_of_at, risk)
    big_person = pool_size[site_of_at] > MAX_CANDIDATES

    # (person, own interest) rows for people with big pools, ranked within (site, interest)
    reg_int = reg["interests"].tolist()
    vocab = pd.Index(sorted({i for x in reg_int for i in x}))
    n_vocab = max(len(vocab), 1)
    r_owner, r_code, r_start = _interest_codes(reg_int, vocab)
    r_count = np.bincount(r_owner, minlength=n_reg)
    a_owner, a_code, _ = _interest_codes(at["interests"].tolist(), vocab)
    keep = big_person[a_owner]
    a_owner, a_code = a_owner[keep], a_code[keep]
    # at most INTEREST_BUDGET interests a person, shared out evenly
    a_nth, a_n = _rank_in_groups(a_owner, np.zeros(len(a_owner)))
    keep = a_nth < INTEREST_BUDGET
    a_owner, a_code, a_n = a_owner[keep], a_code[keep], np.minimum(a_n[keep], INTEREST_BUDGET)
    a_per = INTEREST_BUDGET // np.maximum(a_n, 1)
    a_key = site_of_at[a_owner] * n_vocab + a_code
    a_local, a_crowd = _rank_in_groups(a_key, risk[a_owner])

    # sites with someone at risk, in chunks of bounded pool size
    at_sites = np.unique(site_of_at)
    at_sites = at_sites[pool_size[at_sites] > 0]
    chunk_of = np.cumsum(pool_size[at_sites]) // POOL_CHUNK
    by_site = np.argsort(site_of_at, kind="stable")
    site_sorted = site_of_at[by_site]
    a_by_owner_site = np.argsort(site_of_at[a_owner], kind="stable")
    a_site_sorted = site_of_at[a_owner][a_by_owner_site]

    out_p, out_r, out_d = [], [], []
    for chunk in np.unique(chunk_of):
        sites_here = at_sites[chunk_of == chunk]
        # the pool: (site, regular, distance) for every regular within reach, best first
        lo, hi = np.searchsorted(sp_s, sites_here[0]), np.searchsorted(sp_s, sites_here[-1], side="right")
        owner, idx = _ragged(site_start[sp_t[lo:hi]], site_size[sp_t[lo:hi]])
        pair = lo + owner
        pool_s, pool_r = sp_s[pair], reg_by_site[idx]
        order = np.lexsort((pool_r, dist_term[pair] - quality[pool_r], pool_s))
        pool_s, pool_r, pair = pool_s[order], pool_r[order], pair[order]
        del owner, idx, order
        pool_first = np.zeros(n_sites, np.int64)
        pool_first[sites_here] = np.searchsorted(pool_s, sites_here)

        people = by_site[np.searchsorted(site_sorted, sites_here[0]):np.searchsorted(site_sorted, sites_here[-1], "right")]
        people = people[pool_size[site_of_at[people]] > 0]
        s_of = site_of_at[people]
        size = pool_size[s_of]
        small = size <= MAX_CANDIDATES
        # small pools: everyone
        o, pos = _ragged(pool_first[s_of[small]], size[small])
        picks_p, picks_pos = [people[small][o]], [pos]
        big = people[~small]
        b_site = site_of_at[big]
        # the best few, shared
        o, pos = _ragged(pool_first[b_site], np.full(len(big), TOP_SHARED))
        picks_p.append(big[o])
        picks_pos.append(pos)
        # drafted among regulars sharing an interest
        n_interest = np.zeros(n_at, np.int64)
        ia = np.searchsorted(a_site_sorted, sites_here[0])
        ib = np.searchsorted(a_site_sorted, sites_here[-1], side="right")
        rows = a_by_owner_site[ia:ib]
        if len(rows):
            entry_big = pool_size[pool_s] > MAX_CANDIDATES
            e_at = np.flatnonzero(entry_big)
            eo, ei = _ragged(r_start[pool_r[e_at]], r_count[pool_r[e_at]])
            e_pos = e_at[eo]
            e_key = pool_s[e_pos] * n_vocab + r_code[ei]
            wanted = np.isin(e_key, a_key[rows])
            e_key, e_pos = e_key[wanted], e_pos[wanted]
            order = np.argsort(e_key, kind="stable")  # pool order (best first) within each key
            e_key, e_pos = e_key[order], e_pos[order]
            g_lo = np.searchsorted(e_key, a_key[rows])
            g_len = np.searchsorted(e_key, a_key[rows], side="right") - g_lo
            take = np.minimum(a_per[rows], g_len)
            o, pos = _draft(a_local[rows], a_crowd[rows], take, g_len, take)
            picks_p.append(a_owner[rows][o])
            picks_pos.append(e_pos[g_lo[o] + pos])
            np.add.at(n_interest, a_owner[rows], take)
        # the rest drafted round-robin from the whole pool past the shared best
        spread = np.maximum(MAX_CANDIDATES - TOP_SHARED - n_interest[big], 0)
        o, pos = _draft(local[big], crowd[big], spread, size[~small] - TOP_SHARED,
                        np.full(len(big), MAX_CANDIDATES - TOP_SHARED))
        picks_p.append(big[o])
        picks_pos.append(pool_first[b_site[o]] + TOP_SHARED + pos)

        pos = np.concatenate(picks_pos)
        out_p.append(np.concatenate(picks_p))
        out_r.append(pool_r[pos])
        out_d.append(sp_d[pair[pos]])

    if not out_p:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    p, r, d = np.concatenate(out_p), np.concatenate(out_r), np.concatenate(out_d)
    key = p * n_reg + r
    order = np.argsort(key, kind="stable")
    key, d = key[order], d[order]
    first = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, bool)
    return key[first] // max(n_reg, 1), key[first] % max(n_reg, 1), d[first]


def _strong_pairs(edges: pd.DataFrame, at_ids: pd.Index, reg_ids: pd.Index) -> np.ndarray:
    """Sorted keys (at-risk row * len(reg_ids) + regular row) of pairs who already met 2+ times."""
    strong = edges["meetings"].to_numpy() >= STRONG_TIE_MEETINGS
    if not strong.any():
        return np.zeros(0, np.int64)
    # codes of all the edges (free for categoricals), not of a copied frame of the strong ones
    a, b, ids = edge_codes(edges)
    a, b = a[strong], b[strong]
    at_of, reg_of = at_ids.get_indexer(ids), reg_ids.get_indexer(ids)
    keys = []
    for x, y in ((a, b), (b, a)):
        i, j = at_of[x], reg_of[y]
        ok = (i >= 0) & (j >= 0)
        keys.append(i[ok].astype(np.int64) * len(reg_ids) + j[ok])
    return np.sort(np.concatenate(keys))


def _empty_buddies() -> pd.DataFrame:
    """A buddies frame with no rows."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in BUDDY_COLUMNS})
    return frame.astype({"distance_km": "float64", "rank": "int64"})


def suggest_buddies(
    members: pd.DataFrame,
    edges: pd.DataFrame,
    settings: Settings,
    max_per_member: int = 3,
) -> pd.DataFrame:
    """Up to ``max_per_member`` nearby regulars per person at medium/high risk, with reasons.

    One row per suggestion (``BUDDY_COLUMNS``), people at risk by descending
    risk score, then rank 1, 2, 3. See the module docstring for who counts as a
    regular, the cost and the assignment.
    """
    m = _prepared(members)
    at_mask = m["risk_tier"].isin(AT_RISK_TIERS).to_numpy()
    reg_mask = (
        m["risk_tier"].eq("low")
        & m["segment"].isin(REGULAR_SEGMENTS)
        & (m["events_attended"] >= REGULAR_MIN_EVENTS)
    ).to_numpy()
    if not at_mask.any() or not reg_mask.any() or max_per_member < 1 or settings.buddy_capacity < 1:
        return _empty_buddies()
    at, reg = m[at_mask].reset_index(drop=True), m[reg_mask].reset_index(drop=True)
    at_ids, reg_ids = pd.Index(at["member_id"]), pd.Index(reg["member_id"])

    knows = ties_among(edges, reg_ids).to_numpy(np.float64)
    quality = 0.5 * np.clip(reg["engagement_score"].to_numpy(), 0, 100) / 100 + 0.5 * knows / (knows + KNOWS_HALF)

    site_codes, sites = _sites(pd.concat([at, reg], ignore_index=True))
    site_of_at, site_of_reg = site_codes[: len(at)], site_codes[len(at) :]
    pairs = _site_pairs(sites, np.unique(site_of_at), np.unique(site_of_reg), settings.buddy_radius_km)
    if pairs.empty:
        return _empty_buddies()
    p, r, d = _candidates(at, reg, site_of_at, site_of_reg, pairs, quality, float(settings.buddy_radius_km))

    # never yourself, never someone you already know well
    strong = _strong_pairs(edges, at_ids, reg_ids)
    key = p * len(reg) + r
    if len(strong):  # strong is sorted
        known_well = strong[np.minimum(np.searchsorted(strong, key), len(strong) - 1)] == key
    else:
        known_well = np.zeros(len(key), bool)
    # one id code for both sides, so "not yourself" compares integers, not strings
    id_code = pd.factorize(np.concatenate([at["member_id"].to_numpy(object), reg["member_id"].to_numpy(object)]))[0]
    keep = ~known_well & (id_code[: len(at)][p] != id_code[len(at) :][r])
    p, r, d = p[keep], r[keep], d[keep]

    vocab = pd.Index(sorted({i for x in at["interests"] for i in x} | {i for x in reg["interests"] for i in x}))
    at_bits, reg_bits = _interest_bits(at["interests"].tolist(), vocab), _interest_bits(reg["interests"].tolist(), vocab)
    shared = np.bitwise_count(at_bits[p] & reg_bits[r]).sum(axis=1) if len(p) else np.zeros(0, np.int64)
    dist_term = np.where(np.isfinite(d), d / settings.buddy_radius_km, 0.5) if settings.buddy_radius_km > 0 else 0.5
    cost = 1.0 + dist_term + (1.0 - quality[r]) + (1.0 - np.minimum(shared, 2) / 2.0)

    priority = (at["risk_tier"] == "high").to_numpy().astype(np.int64)
    capacity = np.full(len(reg), int(settings.buddy_capacity), np.int64)
    got = assign_rounds(p, r, cost, len(at), capacity, int(max_per_member), priority)
    if got.empty:
        return _empty_buddies()
    return _describe(got, at, reg, knows, p, r, d, at_bits, reg_bits, vocab)


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
    where = np.array([_where(city[k], buddy_city[k], float(dist[k]), shared_u[mask_of[k]]) for k in where_first], dtype=object)
    who_first, who_of = _distinct(j)
    who = np.array([_who(buddy_name[k], int(events[k]), int(known[k])) for k in who_first], dtype=object)
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


#: what the organiser can decide for each suggestion on the page
DECISIONS: tuple[str, ...] = ("undecided", "approve", "decline")
REVIEW_COLUMNS: tuple[str, ...] = ("decision",) + BUDDY_COLUMNS


Decisions = Mapping[tuple[str, str], str]  # (member_id, buddy_id) -> a DECISIONS entry


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


def at_risk_count(members: pd.DataFrame) -> int:
    """Members at medium or high risk."""
    return int(members["risk_tier"].isin(AT_RISK_TIERS).sum()) if "risk_tier" in members else 0


def approved_introductions(reviewed: pd.DataFrame) -> pd.DataFrame:
    """The approved rows of a review table, without the decision column."""
    if "decision" not in reviewed:
        return reviewed.iloc[:0].reset_index(drop=True)
    approved = reviewed[reviewed["decision"].eq("approve")]
    return approved.drop(columns="decision").reset_index(drop=True)


# --- meetups ---------------------------------------------------------------------


def _candidate_places(members: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Distinct (city, lat, lon) from members' resolved cities and in-person events."""
    parts = []
    for frame in (members, events):
        if frame.empty or not {"lat", "lon"} <= set(frame.columns):
            continue
        label = frame["city_label"] if "city_label" in frame else frame.get("city", pd.Series("", index=frame.index))
        part = pd.DataFrame(
            {
                "city": label.fillna("").astype(str).to_numpy(object),
                "lat": pd.to_numeric(frame["lat"], errors="coerce").to_numpy(float),
                "lon": pd.to_numeric(frame["lon"], errors="coerce").to_numpy(float),
            }
        )
        if "online" in frame:
            part = part[~frame["online"].fillna(False).astype(bool).to_numpy()]
        parts.append(part)
    if not parts:
        return pd.DataFrame({"city": pd.Series(dtype=object), "lat": [], "lon": []})
    places = pd.concat(parts, ignore_index=True)
    places = places[np.isfinite(places["lat"]) & np.isfinite(places["lon"])]
    places = places.assign(_la=places["lat"].round(4), _lo=places["lon"].round(4))
    places = places.drop_duplicates(["city", "_la", "_lo"]).drop(columns=["_la", "_lo"])
    return places.sort_values(["city", "lat", "lon"], kind="stable").reset_index(drop=True)


def plan_meetups(
    members: pd.DataFrame,
    events: pd.DataFrame,
    settings: Settings,
    k: int = 3,
    radius_km: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidate meetup cities ranked by people at risk within reach, and k chosen for coverage.

    ``ranked``: every candidate place with ``at_risk_within_radius`` (medium or
    high risk members with coordinates within the radius), most first.
    ``chosen``: up to ``k`` places picked greedily, each covering the most
    people not yet covered (it stops early when nobody new is reached);
    ``share_covered`` is of the at-risk members who have coordinates.
    """
    radius = float(settings.meetup_radius_km if radius_km is None else radius_km)
    places = _candidate_places(members, events)
    tier = members["risk_tier"] if "risk_tier" in members else pd.Series("", index=members.index)
    risky = members[tier.isin(AT_RISK_TIERS)]
    lat = pd.to_numeric(risky.get("lat", pd.Series(dtype=float)), errors="coerce").to_numpy(float)
    lon = pd.to_numeric(risky.get("lon", pd.Series(dtype=float)), errors="coerce").to_numpy(float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    points = pd.DataFrame({"lat": np.round(lat[ok], 5), "lon": np.round(lon[ok], 5)})
    weights = points.value_counts(sort=False)
    p_lat = weights.index.get_level_values("lat").to_numpy(float)
    p_lon = weights.index.get_level_values("lon").to_numpy(float)
    w = weights.to_numpy(np.int64)
    total = int(w.sum())

    n = len(places)
    if n and len(w):
        tree = cKDTree(_unit_vectors(p_lat, p_lon))
        near = tree.query_ball_point(_unit_vectors(places["lat"].to_numpy(), places["lon"].to_numpy()), r=_chord(radius))
        counts = np.fromiter((len(x) for x in near), np.int64, n)
        row = np.repeat(np.arange(n), counts)
        col = np.fromiter((j for x in near for j in x), np.int64, int(counts.sum()))
        d = haversine_km(places["lat"].to_numpy()[row], places["lon"].to_numpy()[row], p_lat[col], p_lon[col])
        inside = d <= radius
        cover = csr_matrix((np.ones(int(inside.sum())), (row[inside], col[inside])), shape=(n, len(w)))
    else:
        cover = csr_matrix((n, max(len(w), 0)))
    reach = np.asarray(cover @ w.astype(float)).ravel().astype(np.int64) if n else np.zeros(0, np.int64)

    ranked = places.assign(at_risk_within_radius=reach)
    ranked = ranked.sort_values(["at_risk_within_radius", "city"], ascending=[False, True], kind="stable")
    ranked = ranked.reset_index(drop=True)[list(RANKED_COLUMNS)]

    chosen_rows = []
    uncovered = w.astype(float)
    covered = 0
    for order in range(1, max(int(k), 0) + 1):
        if not n or not len(w):
            break
        gain = np.asarray(cover @ uncovered).ravel()
        # ties go to the higher-ranked (then alphabetically first) place
        best = int(np.lexsort((places["city"].to_numpy(object), -reach, -gain))[0])
        if gain[best] <= 0:
            break
        newly = int(round(gain[best]))
        covered += newly
        uncovered[cover[best].indices] = 0.0
        chosen_rows.append(
            {
                "order": order,
                "city": places["city"].iat[best],
                "lat": float(places["lat"].iat[best]),
                "lon": float(places["lon"].iat[best]),
                "newly_covered": newly,
                "cumulative_covered": covered,
                "share_covered": covered / total if total else 0.0,
            }
        )
    chosen = pd.DataFrame(chosen_rows, columns=list(CHOSEN_COLUMNS)).astype(
        {"order": "int64", "lat": "float64", "lon": "float64", "newly_covered": "int64",
         "cumulative_covered": "int64", "share_covered": "float64"}
    )
    return ranked, chosen


def dormant_cities(
    members: pd.DataFrame,
    events: pd.DataFrame,
    as_of: pd.Timestamp,
    min_members: int = 5,
    days: int = 90,
) -> pd.DataFrame:
    """Cities with ``min_members`` or more members and no in-person event in the last ``days`` days.

    Cities are ``city_label`` on both sides ("(no city)" and "Online only" are never one); events
    after ``as_of`` don't count as recent but are shown as ``next_event_on``.
    """
    labels = members["city_label"].fillna("(no city)").astype(str)
    named = names_a_city(labels)
    tier = members["risk_tier"] if "risk_tier" in members else pd.Series("", index=members.index)
    per_city = pd.DataFrame({"city": labels[named], "at_risk": tier[named].isin(AT_RISK_TIERS)})
    counts = per_city.groupby("city", sort=True).agg(members=("at_risk", "size"), at_risk=("at_risk", "sum"))
    counts = counts[counts["members"] >= min_members]

    day = pd.Timestamp(as_of).normalize()
    end = day + pd.Timedelta(days=1)
    if events.empty:
        ev = pd.DataFrame({"city": pd.Series(dtype=object), "starts_at": pd.Series(dtype="datetime64[ns]")})
    else:
        ev_label = events["city_label"] if "city_label" in events else events["city"]
        in_person = ~events["online"].fillna(False).astype(bool) if "online" in events else True
        ev = pd.DataFrame({"city": ev_label.fillna("").astype(str).str.strip(), "starts_at": pd.to_datetime(events["starts_at"])})
        ev = ev[in_person & ev["starts_at"].notna()]
    last = ev[ev["starts_at"] < end].groupby("city")["starts_at"].max()
    upcoming = ev[ev["starts_at"] >= end].groupby("city")["starts_at"].min()
    out = counts.assign(
        last_event_on=last.reindex(counts.index),
        next_event_on=upcoming.reindex(counts.index),
    )
    since = (day - out["last_event_on"].dt.normalize()).dt.days
    out = out.assign(days_since_last_event=since.astype("Int64"))
    quiet = out["last_event_on"].isna() | (since > days)
    out = out[quiet].reset_index().rename(columns={"index": "city"})
    out = out.astype({"members": "int64", "at_risk": "int64"})
    out = out.sort_values(["at_risk", "members", "city"], ascending=[False, False, True], kind="stable")
    return out.reset_index(drop=True)[list(DORMANT_COLUMNS)]


def city_choices(members: pd.DataFrame) -> list[str]:
    """Cities to pick from for the network picture: most members first, "(no city)" and
    answers that are no place left out."""
    labels = members["city_label"].fillna("(no city)").astype(str)
    counts = labels[names_a_city(labels)].value_counts()
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [city for city, _ in order]


# --- network picture ---------------------------------------------------------------

TIER_COLOURS: dict[str, str] = {"low": "#7f8c99", "medium": "#f0a202", "high": "#d1495b"}


def _spring_layout(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, seed: int = 0) -> np.ndarray:
    """Fruchterman–Reingold positions for n nodes, seeded, scaled into the unit disc."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-1, 1, (n, 2))
    if n == 1:
        return np.zeros((1, 2))
    k = 1.0 / np.sqrt(n)
    temp = 0.1
    for _ in range(150):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)
        force = (delta / dist[..., None] * (k * k / dist)[..., None]).sum(axis=1)
        ed = pos[src] - pos[dst]
        el = np.maximum(np.linalg.norm(ed, axis=1), 1e-3)
        pull = ed * (el * weight / k)[:, None]
        np.add.at(force, src, -pull)
        np.add.at(force, dst, pull)
        length = np.maximum(np.linalg.norm(force, axis=1), 1e-9)
        pos += force / length[:, None] * np.minimum(length, temp)[:, None]
        temp *= 0.97
    pos -= pos.mean(axis=0)
    # a dense core with a few far-flung leaves would shrink to a dot when scaled
    # by the farthest node: keep each node's angle and radius order, but spread
    # the radii so the disc fills evenly
    radius = np.linalg.norm(pos, axis=1)
    angle = np.arctan2(pos[:, 1], pos[:, 0])
    rank = np.empty(n)
    rank[np.argsort(radius, kind="stable")] = np.arange(n)
    spread = np.sqrt((rank + 0.5) / n)
    return np.column_stack([spread * np.cos(angle), spread * np.sin(angle)])


def network_figure(
    members: pd.DataFrame,
    edges: pd.DataFrame,
    city_label: str,
    max_nodes: int = 60,
) -> go.Figure:
    """Who-knows-whom among members in one city: people at risk highlighted, isolated people on the outer ring.

    At most ``max_nodes`` people are drawn so the picture stays readable: people
    at risk first (highest score first) up to half of the places, then the best
    connected, then any remaining people at risk. Connected people are placed by
    a seeded spring layout inside the unit circle; people with no tie to anyone
    shown sit on a ring outside it. Names are escaped (plotly reads a little HTML).
    """
    m = _prepared(members)
    people = m[m["city_label"].eq(city_label)].reset_index(drop=True)
    title = html.escape(str(city_label))
    fig = go.Figure()
    fig.update_layout(
        showlegend=True,
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x"},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        plot_bgcolor="white",
    )
    if people.empty:
        fig.update_layout(title={"text": f"Nobody in {title}"})
        return fig

    if len(edges):
        ea, eb, edge_ids = edge_codes(edges)
        slot = pd.Index(people["member_id"]).get_indexer(edge_ids)
        a, b = slot[ea], slot[eb]
        meetings, strength = edges["meetings"].to_numpy(), edges["strength"].to_numpy(float)
    else:
        a = b = meetings = np.zeros(0, np.int64)
        strength = np.zeros(0)
    inside = (a >= 0) & (b >= 0)
    a, b, meetings, strength = a[inside], b[inside], meetings[inside], strength[inside]
    degree = np.bincount(np.r_[a, b], weights=np.r_[strength, strength], minlength=len(people))

    at_risk = people["risk_tier"].isin(AT_RISK_TIERS).to_numpy()
    risk_first = np.lexsort((people["member_id"].to_numpy(object), -people["risk_score"].to_numpy(), ~at_risk))
    connected_first = np.lexsort((people["member_id"].to_numpy(object), -degree))
    half = max(max_nodes // 2, 1)
    picked: list[int] = [int(i) for i in risk_first[: min(half, int(at_risk.sum()))]]
    seen = set(picked)
    for pool in (connected_first, risk_first):
        for i in pool[: max_nodes + len(seen)]:
            if len(picked) < max_nodes and int(i) not in seen:
                picked.append(int(i))
                seen.add(int(i))
    shown = np.sort(np.array(picked, np.int64))
    remap = np.full(len(people), -1)
    remap[shown] = np.arange(len(shown))
    keep = (remap[a] >= 0) & (remap[b] >= 0)
    src, dst, met, wgt = remap[a[keep]], remap[b[keep]], meetings[keep], strength[keep]
    sub = people.iloc[shown].reset_index(drop=True)

    n = len(sub)
    pos = np.zeros((n, 2))
    linked = np.zeros(n, bool)
    linked[src] = True
    linked[dst] = True
    core = np.flatnonzero(linked)
    if len(core):
        back = np.full(n, -1)
        back[core] = np.arange(len(core))
        pos[core] = _spring_layout(len(core), back[src], back[dst], np.clip(wgt, 0.2, 3.0))
    lonely = np.flatnonzero(~linked)
    if len(lonely):
        lonely = lonely[np.argsort(sub["member_id"].to_numpy(object)[lonely], kind="stable")]
        angle = 2 * np.pi * np.arange(len(lonely)) / len(lonely) + np.pi / 2
        pos[lonely] = 1.3 * np.column_stack([np.cos(angle), np.sin(angle)])

    for label, mask, width, colour in (
        ("met once", met < 2, 0.8, "rgba(160, 170, 180, 0.35)"),
        ("met 2+ times", met >= 2, 1.6, "rgba(70, 90, 110, 0.45)"),
    ):
        xs = np.column_stack([pos[src[mask], 0], pos[dst[mask], 0], np.full(int(mask.sum()), np.nan)]).ravel()
        ys = np.column_stack([pos[src[mask], 1], pos[dst[mask], 1], np.full(int(mask.sum()), np.nan)]).ravel()
        fig.add_trace(
            go.Scatter(x=xs, y=ys, mode="lines", line={"width": width, "color": colour}, hoverinfo="skip", name=label)
        )
    ties_here = np.bincount(np.r_[src, dst], minlength=n)
    for tier in ("low", "medium", "high"):
        mask = sub["risk_tier"].eq(tier).to_numpy() if tier != "low" else ~sub["risk_tier"].isin(AT_RISK_TIERS).to_numpy()
        if not mask.any():
            continue
        text = [
            f"{html.escape(nm or mid)}<br>{plural(int(t), 'tie')} here · {tier} risk"
            for nm, mid, t in zip(sub["name"][mask], sub["member_id"][mask], ties_here[mask])
        ]
        fig.add_trace(
            go.Scatter(
                x=pos[mask, 0],
                y=pos[mask, 1],
                mode="markers",
                marker={
                    "size": 9 + np.minimum(sub["events_attended"].to_numpy()[mask], 20) / 2,
                    "color": TIER_COLOURS[tier],
                    "line": {"width": 1, "color": "white"},
                },
                hovertext=text,
                hoverinfo="text",
                name="not at risk" if tier == "low" else f"{tier} risk",
            )
        )
    note = f"showing {n} of {len(people)} members" if n < len(people) else f"{n} members"
    fig.update_layout(title={"text": f"Who has met whom in {title} ({note}; no ties: outer ring)"})
    return fig


# --- messages ------------------------------------------------------------------------

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
