"""Candidate buddies: sites, the pools of regulars within reach, and each person's share of them."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from dashboard.distance import pairs_within
from dashboard.introductions.matching import ragged
from dashboard.introductions.members import STRONG_TIE_MEETINGS, names_a_city
from dashboard.ties import edge_codes

#: most candidate buddies considered for one person, over every place within reach
MAX_CANDIDATES: int = 48
#: of those, the best of the pool that everyone at a site is offered
TOP_SHARED: int = 8
#: of those, at most this many chosen for sharing one of the person's interests
INTEREST_BUDGET: int = 20
#: pool entries (site x regular within reach) built at a time
POOL_CHUNK: int = 1_000_000


def sites_of(m: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
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


def site_pairs_within(sites: pd.DataFrame, from_sites: np.ndarray, to_sites: np.ndarray, radius_km: float) -> pd.DataFrame:
    """Pairs of sites (s, t, distance_km) within the radius, or sharing a label when one lacks coordinates."""
    lat, lon = sites["lat"].to_numpy(float), sites["lon"].to_numpy(float)
    labels = sites["label"].to_numpy(object)
    has_xy = np.isfinite(lat)
    parts = []
    s_xy, t_xy = from_sites[has_xy[from_sites]], to_sites[has_xy[to_sites]]
    if len(s_xy) and len(t_xy):
        i, j, d = pairs_within(lat[s_xy], lon[s_xy], lat[t_xy], lon[t_xy], radius_km)
        parts.append(pd.DataFrame({"s": s_xy[i], "t": t_xy[j], "distance_km": d}))
    named = names_a_city(pd.Series(labels, dtype=object))
    left = pd.DataFrame({"s": from_sites, "label": labels[from_sites], "xy": has_xy[from_sites]})
    right = pd.DataFrame({"t": to_sites, "label": labels[to_sites], "txy": has_xy[to_sites]})
    left, right = left[named[from_sites]], right[named[to_sites]]
    same = left.merge(right, on="label")
    same = same[~(same["xy"] & same["txy"])]
    parts.append(pd.DataFrame({"s": same["s"], "t": same["t"], "distance_km": np.nan}))
    return pd.concat(parts, ignore_index=True).astype({"s": "int64", "t": "int64"})


def interest_bits(interests: list[tuple[str, ...]], vocab: pd.Index) -> np.ndarray:
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
    row, j = ragged(np.zeros(len(picks), np.int64), picks)
    rank = local[row] + j * crowd[row]
    span = np.maximum(length[row], crowd[row] * stride[row])
    return row, rank * length[row] // np.maximum(span, 1)


class _Reach(NamedTuple):
    """Regulars laid out by site, and the site pairs within reach sorted by (s, t)."""

    n_sites: int
    reg_by_site: np.ndarray  # regular rows, site by site
    site_size: np.ndarray  # regulars per site
    site_start: np.ndarray  # where each site's regulars start in reg_by_site
    s: np.ndarray  # site pairs within reach: from ...
    t: np.ndarray  # ... to ...
    d: np.ndarray  # ... and their distance (NaN: same label, no coordinates)
    dist_term: np.ndarray  # the distance part of the cost, per site pair
    pool_size: np.ndarray  # regulars within reach of each site


def _reach(site_of_at: np.ndarray, site_of_reg: np.ndarray, site_pairs: pd.DataFrame, radius_km: float) -> _Reach:
    """The site pairs and the regulars at each site, laid out for building pools."""
    n_sites = int(max(site_of_reg.max(initial=-1), site_of_at.max(initial=-1))) + 1
    site_size = np.bincount(site_of_reg, minlength=n_sites)
    sp = site_pairs.sort_values(["s", "t"], kind="stable")
    sp_s, sp_t, sp_d = sp["s"].to_numpy(np.int64), sp["t"].to_numpy(np.int64), sp["distance_km"].to_numpy(float)
    pool_size = np.bincount(sp_s, weights=site_size[sp_t], minlength=n_sites).astype(np.int64)
    dist_term = np.where(np.isfinite(sp_d), sp_d / radius_km, 0.5) if radius_km > 0 else np.full(len(sp_d), 0.5)
    return _Reach(
        n_sites, np.argsort(site_of_reg, kind="stable"), site_size, np.r_[0, np.cumsum(site_size)[:-1]],
        sp_s, sp_t, sp_d, dist_term, pool_size,
    )


class _Wants(NamedTuple):
    """(person, own interest) rows of people with big pools, ranked within (site, interest),
    and the regulars' interests as codes of the same vocabulary."""

    owner: np.ndarray  # the person at risk
    key: np.ndarray  # site * n_vocab + interest
    per: np.ndarray  # how many regulars to draft for this interest
    local: np.ndarray  # rank among the people at the site with this interest
    crowd: np.ndarray  # how many people at the site have this interest
    by_site: np.ndarray  # the rows in site order
    site_sorted: np.ndarray  # the site of each row, in that order
    r_code: np.ndarray  # the regulars' interests, flat ...
    r_start: np.ndarray  # ... each regular's first entry ...
    r_count: np.ndarray  # ... and how many they have
    n_vocab: int


def _wants(
    at_interests: list, reg_interests: list, site_of_at: np.ndarray, risk: np.ndarray, big_person: np.ndarray
) -> _Wants:
    """Each big-pool person's interests (at most ``INTEREST_BUDGET``, the budget shared out evenly)."""
    vocab = pd.Index(sorted({i for x in reg_interests for i in x}))
    n_vocab = max(len(vocab), 1)
    r_owner, r_code, r_start = _interest_codes(reg_interests, vocab)
    r_count = np.bincount(r_owner, minlength=len(reg_interests))
    a_owner, a_code, _ = _interest_codes(at_interests, vocab)
    keep = big_person[a_owner]
    a_owner, a_code = a_owner[keep], a_code[keep]
    a_nth, a_n = _rank_in_groups(a_owner, np.zeros(len(a_owner)))
    keep = a_nth < INTEREST_BUDGET
    a_owner, a_code, a_n = a_owner[keep], a_code[keep], np.minimum(a_n[keep], INTEREST_BUDGET)
    a_key = site_of_at[a_owner] * n_vocab + a_code
    a_local, a_crowd = _rank_in_groups(a_key, risk[a_owner])
    by_site = np.argsort(site_of_at[a_owner], kind="stable")
    return _Wants(
        a_owner, a_key, INTEREST_BUDGET // np.maximum(a_n, 1), a_local, a_crowd,
        by_site, site_of_at[a_owner][by_site], r_code, r_start, r_count, n_vocab,
    )


def candidate_pairs(
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
    reach = _reach(site_of_at, site_of_reg, site_pairs, radius_km)
    # each person's rank among the people at risk at their site, highest risk first
    risk = at["risk_score"].to_numpy(float)
    local, crowd = _rank_in_groups(site_of_at, risk)
    big_person = reach.pool_size[site_of_at] > MAX_CANDIDATES
    wants = _wants(at["interests"].tolist(), reg["interests"].tolist(), site_of_at, risk, big_person)

    # sites with someone at risk, in chunks of bounded pool size
    at_sites = np.unique(site_of_at)
    at_sites = at_sites[reach.pool_size[at_sites] > 0]
    chunk_of = np.cumsum(reach.pool_size[at_sites]) // POOL_CHUNK
    by_site = np.argsort(site_of_at, kind="stable")
    site_sorted = site_of_at[by_site]
    out_p, out_r, out_d = [], [], []
    for chunk in np.unique(chunk_of):
        sites_here = at_sites[chunk_of == chunk]
        people = by_site[np.searchsorted(site_sorted, sites_here[0]):np.searchsorted(site_sorted, sites_here[-1], "right")]
        people = people[reach.pool_size[site_of_at[people]] > 0]
        p, r, d = _chunk_candidates(reach, wants, quality, sites_here, people, site_of_at, local, crowd)
        out_p.append(p)
        out_r.append(r)
        out_d.append(d)
    if not out_p:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    p, r, d = np.concatenate(out_p), np.concatenate(out_r), np.concatenate(out_d)
    n_reg = len(reg)
    key = p * n_reg + r
    order = np.argsort(key, kind="stable")
    key, d = key[order], d[order]
    first = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, bool)
    return key[first] // max(n_reg, 1), key[first] % max(n_reg, 1), d[first]


def _pool(reach: _Reach, sites_here: np.ndarray, quality: np.ndarray) -> tuple[np.ndarray, ...]:
    """The pool of a chunk of sites: (site, regular, site pair) for every regular within reach,
    best first within each site, and where each site's pool starts."""
    lo = np.searchsorted(reach.s, sites_here[0])
    hi = np.searchsorted(reach.s, sites_here[-1], side="right")
    owner, idx = ragged(reach.site_start[reach.t[lo:hi]], reach.site_size[reach.t[lo:hi]])
    pair = lo + owner
    pool_s, pool_r = reach.s[pair], reach.reg_by_site[idx]
    order = np.lexsort((pool_r, reach.dist_term[pair] - quality[pool_r], pool_s))
    pool_s, pool_r, pair = pool_s[order], pool_r[order], pair[order]
    pool_first = np.zeros(reach.n_sites, np.int64)
    pool_first[sites_here] = np.searchsorted(pool_s, sites_here)
    return pool_s, pool_r, pair, pool_first


def _chunk_candidates(
    reach: _Reach,
    wants: _Wants,
    quality: np.ndarray,
    sites_here: np.ndarray,
    people: np.ndarray,
    site_of_at: np.ndarray,
    local: np.ndarray,
    crowd: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person, regular, distance_km) candidates of the people at one chunk of sites (may repeat)."""
    pool_s, pool_r, pair, pool_first = _pool(reach, sites_here, quality)
    s_of = site_of_at[people]
    size = reach.pool_size[s_of]
    small = size <= MAX_CANDIDATES
    # small pools: everyone
    o, pos = ragged(pool_first[s_of[small]], size[small])
    picks_p, picks_pos = [people[small][o]], [pos]
    big = people[~small]
    b_site = site_of_at[big]
    # the best few, shared
    o, pos = ragged(pool_first[b_site], np.full(len(big), TOP_SHARED))
    picks_p.append(big[o])
    picks_pos.append(pos)
    # drafted among regulars sharing an interest
    n_interest = np.zeros(len(site_of_at), np.int64)
    ia = np.searchsorted(wants.site_sorted, sites_here[0])
    ib = np.searchsorted(wants.site_sorted, sites_here[-1], side="right")
    rows = wants.by_site[ia:ib]
    if len(rows):
        who, pos = _interest_draft(reach, wants, rows, pool_s, pool_r, n_interest)
        picks_p.append(who)
        picks_pos.append(pos)
    # the rest drafted round-robin from the whole pool past the shared best
    spread = np.maximum(MAX_CANDIDATES - TOP_SHARED - n_interest[big], 0)
    o, pos = _draft(local[big], crowd[big], spread, size[~small] - TOP_SHARED,
                    np.full(len(big), MAX_CANDIDATES - TOP_SHARED))
    picks_p.append(big[o])
    picks_pos.append(pool_first[b_site[o]] + TOP_SHARED + pos)
    pos = np.concatenate(picks_pos)
    return np.concatenate(picks_p), pool_r[pos], reach.d[pair[pos]]


def _interest_draft(
    reach: _Reach, wants: _Wants, rows: np.ndarray, pool_s: np.ndarray, pool_r: np.ndarray, n_interest: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(person, pool position) drafted among the regulars in big pools sharing one of the
    ``rows`` interests; adds to ``n_interest`` how many each person got."""
    entry_big = reach.pool_size[pool_s] > MAX_CANDIDATES
    e_at = np.flatnonzero(entry_big)
    eo, ei = ragged(wants.r_start[pool_r[e_at]], wants.r_count[pool_r[e_at]])
    e_pos = e_at[eo]
    e_key = pool_s[e_pos] * wants.n_vocab + wants.r_code[ei]
    wanted = np.isin(e_key, wants.key[rows])
    e_key, e_pos = e_key[wanted], e_pos[wanted]
    order = np.argsort(e_key, kind="stable")  # pool order (best first) within each key
    e_key, e_pos = e_key[order], e_pos[order]
    g_lo = np.searchsorted(e_key, wants.key[rows])
    g_len = np.searchsorted(e_key, wants.key[rows], side="right") - g_lo
    take = np.minimum(wants.per[rows], g_len)
    o, pos = _draft(wants.local[rows], wants.crowd[rows], take, g_len, take)
    np.add.at(n_interest, wants.owner[rows], take)
    return wants.owner[rows][o], e_pos[g_lo[o] + pos]


def strong_pairs(edges: pd.DataFrame, at_ids: pd.Index, reg_ids: pd.Index) -> np.ndarray:
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
