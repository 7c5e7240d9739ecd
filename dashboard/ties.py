"""Co-attendance ties: who has been to the same events as whom, and how recently.

Two members are tied when both *attended* the same event (on or before
``as_of``). ``meetings`` counts the shared events; ``strength`` is Orbit's
"reach": each shared event weighs ``decay_per_month ** months_ago``, so a tie
fades unless the two keep meeting.

Crowds are not ties: at an event where more than ``max_event_size`` people
attended, nobody meets everybody, and the number of pairs grows with the square
of the turnout (one 2,000-person gala alone would be two million pairs). Such
events contribute no ties; :func:`oversized_events` lists them so a page can say
so. Everything runs on integer codes with numpy: one sort of the pairs, no
Python loop over rows (the only loop is over distinct event sizes, at most
``max_event_size`` of them).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.days import DAYS_PER_MONTH
from dashboard.model import STATUSES, Community

#: events with more attendees than this are crowds and make no ties
DEFAULT_MAX_EVENT_SIZE: int = 50

#: (pair, event) codes are packed into one int64 while they fit below this
PACK_LIMIT: int = 2**62

#: columns of the edges frame
EDGE_COLUMNS: tuple[str, ...] = ("member_a", "member_b", "meetings", "strength", "last_met")

#: columns of :func:`member_tie_stats`
TIE_STAT_COLUMNS: tuple[str, ...] = (
    "ties",
    "repeat_ties",
    "strongest_tie_id",
    "strongest_tie_strength",
    "regulars_known",
)


def _empty_edges() -> pd.DataFrame:
    """An edges frame with no rows and the right dtypes."""
    cats = pd.CategoricalDtype(pd.Index([], dtype="str"), ordered=True)
    return pd.DataFrame(
        {
            "member_a": pd.Categorical([], dtype=cats),
            "member_b": pd.Categorical([], dtype=cats),
            "meetings": np.zeros(0, dtype="int64"),
            "strength": np.zeros(0, dtype="float64"),
            "last_met": pd.Series(np.zeros(0, dtype="datetime64[ns]")),
        }
    )


def _held_events(events: pd.DataFrame, as_of: pd.Timestamp) -> tuple[pd.DataFrame, np.ndarray]:
    """Events held on or before ``as_of`` (``event_id``, ``starts_at``; the first row of a
    repeated id), in chronological order (the latest shared event of a pair is its largest
    position), and each one's row in ``events``."""
    end = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)
    starts = pd.to_datetime(events["starts_at"])
    rows = np.flatnonzero((starts.notna() & (starts < end)).to_numpy())
    held = events[["event_id", "starts_at"]].iloc[rows].reset_index(drop=True)
    first = ~held["event_id"].duplicated().to_numpy()
    held, rows = held[first], rows[first]
    order = np.argsort(pd.to_datetime(held["starts_at"]).to_numpy(), kind="stable")
    return held.iloc[order].reset_index(drop=True), rows[order]


def _attended_at_held_events(
    attendance: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray, pd.Index, pd.DataFrame]:
    """Member codes, event positions, member ids and held events for attended rows."""
    held, _ = _held_events(events, as_of)
    att = attendance.loc[
        attendance["status"].eq("attended") & attendance["member_id"].notna(),
        ["member_id", "event_id"],
    ]
    # factorize the columns as they are (arrow strings hash in arrow, no Python objects),
    # then look up only the distinct values: a million rows, tens of thousands of ids
    ev_codes, ev_uniques = pd.factorize(att["event_id"], use_na_sentinel=False)
    ev_pos = pd.Index(held["event_id"]).get_indexer(ev_uniques)[ev_codes]
    keep = ev_pos >= 0
    members = att["member_id"]
    if not isinstance(members.dtype, pd.StringDtype):
        # other dtypes sort and print as numpy does (a categorical would sort by its categories)
        codes, uniques = pd.factorize(members.to_numpy()[keep], sort=True)
        return codes.astype(np.int64), ev_pos[keep].astype(np.int64), pd.Index(uniques.astype(str), dtype="str"), held
    codes, uniques = pd.factorize(members, sort=True)
    codes = codes[keep]
    # members seen only at events not held yet have no code among the kept rows
    seen = np.bincount(codes, minlength=len(uniques)) > 0
    if not seen.all():
        codes = (np.cumsum(seen) - 1)[codes]
        uniques = uniques[seen]
    member_ids = pd.Index(uniques, dtype="str")
    return codes.astype(np.int64), ev_pos[keep].astype(np.int64), member_ids, held


def _community_attended(
    community: Community, as_of: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray, pd.Index, pd.DataFrame]:
    """``_attended_at_held_events`` from the community's attendance codes (no id hashed again);
    the same answer, worked out from the strings when the codes can't give it (an event id
    repeated in the events frame, an attended row whose member isn't a member, ids not strings;
    a repeated member id is harmless: the codes point at its first row only)."""
    members, events = community.members, community.events
    ids = members["member_id"]
    held, held_rows = _held_events(events, as_of)
    codes = community.codes
    held_at = np.full(len(events) + 1, -1, dtype=np.int64)  # an event's row -> its held position
    held_at[held_rows] = np.arange(len(held_rows))
    ev_pos = held_at[codes.event]  # row -1 reads the spare last slot
    keep = (codes.status == STATUSES.index("attended")) & (ev_pos >= 0)
    member_pos = codes.member[keep]
    if (
        not isinstance(ids.dtype, pd.StringDtype)
        or not isinstance(community.attendance["member_id"].dtype, pd.StringDtype)
        or (member_pos < 0).any()
        or not events["event_id"].is_unique
    ):
        return _attended_at_held_events(community.attendance, events, as_of)
    seen = np.flatnonzero(np.bincount(member_pos, minlength=len(ids)) > 0)
    # the members seen, in id order: codes as ``pd.factorize(sort=True)`` numbers them
    order = pc.array_sort_indices(pa.array(ids.iloc[seen].array)).to_numpy()
    rank = np.full(len(ids), -1, dtype=np.int64)
    rank[seen[order]] = np.arange(len(seen))
    member_ids = pd.Index(ids.to_numpy()[seen[order]], dtype="str")
    return rank[member_pos], ev_pos[keep], member_ids, held


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a plain sort: faster than np.unique's hashing here)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


def oversized_events(
    attendance: pd.DataFrame,
    events: pd.DataFrame,
    as_of: pd.Timestamp,
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
) -> pd.DataFrame:
    """Held events whose turnout exceeds ``max_event_size`` (they make no ties)."""
    codes, ev_pos, member_ids, held = _attended_at_held_events(attendance, events, as_of)
    n_members = max(len(member_ids), 1)
    turnout = np.bincount(_sorted_unique(ev_pos * n_members + codes) // n_members, minlength=len(held))
    big = np.flatnonzero(turnout > max_event_size)
    return pd.DataFrame(
        {"event_id": held["event_id"].to_numpy()[big], "attended": turnout[big].astype("int64")}
    )


def co_attendance_ties(
    attendance: pd.DataFrame,
    events: pd.DataFrame,
    as_of: pd.Timestamp,
    decay_per_month: float = 0.9,
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
) -> pd.DataFrame:
    """Pairs of members who attended the same events, with meetings and decayed strength.

    Returns one row per pair with ``member_a < member_b``: ``meetings`` (shared
    events), ``strength`` (sum of ``decay_per_month ** months_ago`` over them)
    and ``last_met``. ``member_a``/``member_b`` are ordered categoricals sharing
    one sorted category list (cheap at ten million rows; they compare, merge and
    group like strings). Only ``attended`` rows at events with a start on or
    before ``as_of`` count; repeated rows for one member and event count once.
    """
    return _ties(_attended_at_held_events(attendance, events, as_of), as_of, decay_per_month, max_event_size)


def community_ties(
    community: Community,
    as_of: pd.Timestamp,
    decay_per_month: float = 0.9,
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
) -> pd.DataFrame:
    """``co_attendance_ties`` of the community's attendance and events, read from its
    attendance codes (``Community.codes``) rather than by hashing every id again."""
    return _ties(_community_attended(community, as_of), as_of, decay_per_month, max_event_size)


def _ties(
    attended: tuple[np.ndarray, np.ndarray, pd.Index, pd.DataFrame],
    as_of: pd.Timestamp,
    decay_per_month: float,
    max_event_size: int,
) -> pd.DataFrame:
    """The edges from the attended rows' member codes and held-event positions."""
    codes, ev_pos, member_ids, held = attended
    n_members, n_events = len(member_ids), len(held)
    if n_members < 2:
        return _empty_edges()

    # one row per (event, member), sorted by event then member
    em = _sorted_unique(ev_pos * n_members + codes)
    ev_sorted, mem_sorted = em // n_members, em % n_members
    bounds = np.flatnonzero(np.diff(ev_sorted)) + 1
    group_start = np.r_[0, bounds]
    group_size = np.diff(np.r_[group_start, len(em)])

    starts_ns = pd.to_datetime(held["starts_at"]).to_numpy("datetime64[ns]")
    weight = _event_weights(starts_ns, as_of, decay_per_month)
    sizes, n_groups = np.unique(group_size, return_counts=True)
    wanted = (sizes >= 2) & (sizes <= max_event_size)
    sizes, n_groups = sizes[wanted], n_groups[wanted]
    total = int((n_groups * sizes * (sizes - 1) // 2).sum())
    if total == 0:
        return _empty_edges()
    # (member_a, member_b, event) as bit fields of one int64, so a plain in-place
    # np.sort groups pairs with their events in chronological order, and shifts
    # and masks (not int64 division) take the fields apart again
    m_bits, e_bits = max(n_members - 1, 1).bit_length(), max(n_events - 1, 1).bit_length()
    if (1 << (2 * m_bits + e_bits)) < PACK_LIMIT:
        a_codes, b_codes, meetings, strength, last = _reduce_packed(
            _pair_events(mem_sorted, ev_sorted, group_start, group_size, sizes, total, m_bits, e_bits),
            weight,
            m_bits,
            e_bits,
        )
    else:
        a_codes, b_codes, meetings, strength, last = _pairs_unpacked(
            mem_sorted, ev_sorted, group_start, group_size, sizes, total, n_members, weight
        )
    return _edges(member_ids, a_codes, b_codes, meetings, strength, starts_ns[last])


def _event_weights(starts_ns: np.ndarray, as_of: pd.Timestamp, decay_per_month: float) -> np.ndarray:
    """Each event's ``decay_per_month ** months_ago``, by whole days between its date and
    as_of's (same day: 0; a later event counts as today)."""
    as_of_day = np.datetime64(pd.Timestamp(as_of).date(), "D")
    days_ago = np.subtract(as_of_day, starts_ns.astype("datetime64[D]")).astype(np.float64)
    return float(decay_per_month) ** (np.clip(days_ago, 0.0, None) / DAYS_PER_MONTH)


def _edges(member_ids: np.ndarray, a_codes: np.ndarray, b_codes: np.ndarray, meetings: np.ndarray,
           strength: np.ndarray, last_met: np.ndarray) -> pd.DataFrame:
    """The edges frame: member codes as ordered categoricals over the sorted member ids."""
    n_members = len(member_ids)
    cats = pd.CategoricalDtype(member_ids, ordered=True)
    code_type = np.int32 if n_members < 2**31 else np.int64
    return pd.DataFrame(
        {
            # codes are in range by construction: skip from_codes' scan of ten million of them
            "member_a": pd.Categorical.from_codes(a_codes.astype(code_type, copy=False), dtype=cats, validate=False),
            "member_b": pd.Categorical.from_codes(b_codes.astype(code_type, copy=False), dtype=cats, validate=False),
            "meetings": meetings.astype("int64", copy=False),
            "strength": strength.astype("float64", copy=False),
            "last_met": last_met,
        },
        copy=False,
    )


def _pair_events(
    mem_sorted: np.ndarray,
    ev_sorted: np.ndarray,
    group_start: np.ndarray,
    group_size: np.ndarray,
    sizes: np.ndarray,
    total: int,
    m_bits: int,
    e_bits: int,
) -> np.ndarray:
    """Every (a, b, event) with a < b at one event, packed as ``a << (m_bits + e_bits) | b << e_bits | event``.

    The array is allocated once and filled size by size (no list of chunks);
    each (event, member) row's fields are shifted once, not once per pair.
    """
    high = (mem_sorted << (m_bits + e_bits)) | ev_sorted
    low = mem_sorted << e_bits
    packed = np.empty(total, np.int64)
    at = 0
    for size in sizes:
        first = group_start[group_size == size]
        iu, ju = np.triu_indices(int(size), 1)
        stop = at + len(first) * len(iu)
        np.bitwise_or(
            high[(first[:, None] + iu[None, :]).ravel()],
            low[(first[:, None] + ju[None, :]).ravel()],
            out=packed[at:stop],
        )
        at = stop
    return packed


def _reduce_packed(
    packed: np.ndarray, weight: np.ndarray, m_bits: int, e_bits: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sort packed (a, b, event) codes in place and reduce them to one row per pair.

    Returns a codes, b codes, meetings, strength (weights summed in event
    order) and each pair's latest event position (its last, once sorted).
    """
    packed.sort()
    n = len(packed)
    # fresh memory is slow to touch the first time (page faults: most of this step's cost on a
    # busy machine), so fields go straight into arrays of their final type and big buffers are reused
    ev: npt.NDArray[np.signedinteger] = np.empty(n, np.int32 if e_bits < 31 else np.int64)
    np.bitwise_and(packed, (1 << e_bits) - 1, out=ev, casting="unsafe")
    packed >>= e_bits  # in place: now the pair codes
    brk = np.empty(n, bool)
    brk[0] = True
    np.not_equal(packed[1:], packed[:-1], out=brk[1:])
    first = np.flatnonzero(brk)
    del brk
    code_type = np.int32 if m_bits < 31 else np.int64
    a_codes, b_codes = np.empty(len(first), code_type), np.empty(len(first), code_type)
    pair_first = np.take(packed, first)
    np.bitwise_and(pair_first, (1 << m_bits) - 1, out=b_codes, casting="unsafe")
    np.right_shift(pair_first, m_bits, out=a_codes, casting="unsafe")
    # the pair codes are done with: their buffer takes the weights, the first rows' the meetings
    strength = np.add.reduceat(np.take(weight, ev, out=packed.view(np.float64), mode="clip"), first)
    del packed
    meetings = pair_first
    np.subtract(first[1:], first[:-1], out=meetings[:-1])
    meetings[-1] = n - first[-1]
    last_at = first  # in place: each pair's last row
    last_at += meetings
    last_at -= 1
    last = ev[last_at]
    del ev, first, last_at
    return a_codes, b_codes, meetings, strength, last


def _pairs_unpacked(
    mem_sorted: np.ndarray,
    ev_sorted: np.ndarray,
    group_start: np.ndarray,
    group_size: np.ndarray,
    sizes: np.ndarray,
    total: int,
    n_members: int,
    weight: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """As :func:`_reduce_packed`, for id spaces too big to pack: pairs and events apart, one argsort."""
    pairs = np.empty(total, np.int64)
    ev = np.empty(total, np.int64)
    at = 0
    for size in sizes:
        first = group_start[group_size == size]
        iu, ju = np.triu_indices(int(size), 1)
        a = mem_sorted[(first[:, None] + iu[None, :]).ravel()]
        b = mem_sorted[(first[:, None] + ju[None, :]).ravel()]
        stop = at + len(a)
        pairs[at:stop] = a * n_members + b
        ev[at:stop] = np.repeat(ev_sorted[first], len(iu))
        at = stop
    order = np.argsort(pairs, kind="stable")
    pair, ev = pairs[order], ev[order]
    first = np.r_[0, np.flatnonzero(pair[1:] != pair[:-1]) + 1]
    meetings = np.diff(np.r_[first, len(pair)])
    strength = np.add.reduceat(weight[ev], first)
    last = np.maximum.reduceat(ev, first)
    return pair[first] // n_members, pair[first] % n_members, meetings, strength, last


def edge_codes(edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Integer codes for both ends of the edges and the member ids they index (free for categoricals)."""
    a, b = edges["member_a"], edges["member_b"]
    if (
        isinstance(a.dtype, pd.CategoricalDtype)
        and isinstance(b.dtype, pd.CategoricalDtype)
        and a.cat.categories.equals(b.cat.categories)
    ):
        return (
            a.cat.codes.to_numpy().astype(np.int64),
            b.cat.codes.to_numpy().astype(np.int64),
            pd.Index(a.cat.categories.astype(str), dtype="str"),
        )
    codes, uniques = pd.factorize(
        np.concatenate([a.astype(str).to_numpy(), b.astype(str).to_numpy()])
    )
    n = len(edges)
    return (
        codes[:n].astype(np.int64),
        codes[n:].astype(np.int64),
        pd.Index(np.asarray(uniques).astype(str), dtype="str"),
    )


def _id_index(values: Iterable[str]) -> pd.Index:
    """Member ids as a string Index, without iterating element by element when avoidable."""
    if not isinstance(values, (pd.Series, pd.Index, np.ndarray, list, tuple)):
        values = list(values)
    return pd.Index(values, dtype=object).astype("str")


def _edge_slots(
    edges: pd.DataFrame, member_ids: Iterable[str]
) -> tuple[pd.Index, np.ndarray, np.ndarray, pd.Index, np.ndarray, np.ndarray]:
    """The output index (``member_ids``, duplicates dropped), the edges' codes and ids, and
    each end's output row: ends not asked for go to a spare slot ``len(index)``, dropped at the end."""
    index = _id_index(member_ids).unique().rename("member_id")
    a, b, ids = edge_codes(edges)
    slot = index.get_indexer(ids)
    slot[slot < 0] = len(index)
    return index, a, b, ids, slot[a], slot[b]


def member_tie_stats(
    edges: pd.DataFrame,
    member_ids: Iterable[str],
    regulars: Iterable[str] = (),
) -> pd.DataFrame:
    """Per member: ties, repeat ties (met 2+ times), strongest tie, regulars known.

    Indexed by ``member_id`` in the order given (duplicates dropped); members
    without ties get zeros and ``strongest_tie_id == ""``. ``regulars_known``
    counts ties with the ids in ``regulars`` (empty by default, so 0). Equal
    strongest ties resolve to the smallest member id.
    """
    index, a, b, ids, sa, sb = _edge_slots(edges, member_ids)
    n = len(index)
    meetings = edges["meetings"].to_numpy(np.int64)
    strength = edges["strength"].to_numpy(np.float64)

    def count(mask_a: np.ndarray | None = None, mask_b: np.ndarray | None = None) -> np.ndarray:
        left = sa if mask_a is None else sa[mask_a]
        right = sb if mask_b is None else sb[mask_b]
        return (np.bincount(left, minlength=n + 1) + np.bincount(right, minlength=n + 1))[:n]

    # one pass per side instead of stacking both directions: big temporaries are slow
    best = np.full(n + 1, -np.inf)
    np.maximum.at(best, sa, strength)
    np.maximum.at(best, sb, strength)
    none = np.iinfo(np.int64).max
    best_other = np.full(n + 1, none)
    top_a, top_b = strength == best[sa], strength == best[sb]
    np.minimum.at(best_other, sa[top_a], b[top_a])
    np.minimum.at(best_other, sb[top_b], a[top_b])
    best, best_other = best[:n], best_other[:n]
    has_tie = best_other < none
    strongest_id = np.full(n, "", dtype=object)
    strongest_id[has_tie] = ids.to_numpy()[best_other[has_tie]]

    is_regular = _id_index(regulars).unique().get_indexer(ids) >= 0
    repeat = meetings >= 2
    return pd.DataFrame(
        {
            "ties": count().astype("int64"),
            "repeat_ties": count(repeat, repeat).astype("int64"),
            "strongest_tie_id": pd.array(strongest_id, dtype="str"),
            "strongest_tie_strength": np.where(has_tie, best, 0.0),
            "regulars_known": count(is_regular[b], is_regular[a]).astype("int64"),
        },
        index=index,
    )


def ties_among(edges: pd.DataFrame, member_ids: Iterable[str]) -> pd.Series:
    """Per member: how many of their ties are with others in ``member_ids``.

    The same numbers as ``member_tie_stats(edges, member_ids,
    regulars=member_ids)["regulars_known"]`` (indexed alike), without the other
    statistics' passes over every tie.
    """
    index, _a, _b, _ids, sa, sb = _edge_slots(edges, member_ids)
    n = len(index)
    both = (sa < n) & (sb < n)
    counts = np.bincount(sa[both], minlength=n + 1) + np.bincount(sb[both], minlength=n + 1)
    return pd.Series(counts[:n].astype("int64"), index=index, name="regulars_known")
