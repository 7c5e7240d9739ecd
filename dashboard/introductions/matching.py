"""Min-cost assignment of people to capacitated buddies, in rounds (see the package docstring)."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: rows x columns handed to one matching call when packing small groups together
MATCHING_BATCH_WORK: int = 1_000_000
#: highest cost a candidate pair can have (see the package docstring)
MAX_PAIR_COST: float = 4.0


def ragged(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each i, the indices starts[i] .. starts[i]+counts[i]-1, with their owner i."""
    counts = np.asarray(counts, np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, np.asarray(starts, np.int64)[owner] + offset


#: rows of one connected area matched exactly in one go. A bigger area (a metropolis, where
#: everyone shares one city-level place and so every regular in it) is matched in blocks of
#: this many rows, the priority rows (dearest ``stay``) first, each block exactly, on the slots
#: the blocks before it left: one exact matching over a metropolis took work growing with the
#: square of its size (buddies 14 s at 100k members, 445 s at 500k)
AREA_ROWS: int = 5_000


def min_cost_matching(
    n_rows: int, n_slots: int, row: np.ndarray, slot: np.ndarray, weight: np.ndarray, stay: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Min-cost matching where every row takes one slot or stays out at its own price ``stay``:
    exact on every connected area of at most ``AREA_ROWS`` rows, in blocks on bigger ones
    (see ``AREA_ROWS``). Returns the matched (row, slot) pairs; rows that stay out are left out."""
    row, slot = np.asarray(row, np.int64), np.asarray(slot, np.int64)
    weight, stay = np.asarray(weight, np.float64), np.asarray(stay, np.float64)
    area = _row_areas(n_rows, n_slots, row, slot)
    rows_in = np.bincount(area) if n_rows else np.zeros(0, np.int64)
    big = np.flatnonzero(rows_in > AREA_ROWS)
    if not len(big):
        return _exact(n_rows, n_slots, row, slot, weight, stay)
    in_big = np.isin(area, big)
    degree = np.bincount(row, minlength=n_rows)
    taken = np.zeros(n_slots, bool)
    got = [_part(np.flatnonzero(~in_big), taken, n_slots, row, slot, weight, stay)]
    for a in big.tolist():
        rows_here = np.flatnonzero(area == a)
        # priority rows first, and among them those with the fewest candidates (the hardest to place)
        rows_here = rows_here[np.lexsort((degree[rows_here], -stay[rows_here]))]
        for start in range(0, len(rows_here), AREA_ROWS):
            block = _part(np.sort(rows_here[start:start + AREA_ROWS]), taken, n_slots, row, slot, weight, stay)
            taken[block[1]] = True
            got.append(block)
    return np.concatenate([g[0] for g in got]), np.concatenate([g[1] for g in got])


def _row_areas(n_rows: int, n_slots: int, row: np.ndarray, slot: np.ndarray) -> np.ndarray:
    """The connected area (rows linked through shared slots) of each row."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    links = csr_matrix((np.ones(len(row), np.int8), (row, n_rows + slot)), shape=(n_rows + n_slots,) * 2)
    return connected_components(links, directed=False)[1][:n_rows]


def _part(rows: np.ndarray, taken: np.ndarray, n_slots: int, row: np.ndarray, slot: np.ndarray,
          weight: np.ndarray, stay: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_exact`` on the given rows (ascending) and their edges to slots not ``taken``, numbered
    in order; the pairs it matches, in the whole problem's numbers."""
    local_row = np.full(len(stay), -1, np.int64)
    local_row[rows] = np.arange(len(rows))
    keep = (local_row[row] >= 0) & ~taken[slot]
    slots_used = np.unique(slot[keep])
    local_slot = np.full(n_slots, -1, np.int64)
    local_slot[slots_used] = np.arange(len(slots_used))
    r, s = _exact(len(rows), len(slots_used), local_row[row[keep]], local_slot[slot[keep]], weight[keep], stay[rows])
    return rows[r], slots_used[s]


def _exact(
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
    row_batch, slot_batch, n_batches = _batches(n_rows, n_slots, slot, row_ptr)
    # local numbering inside each batch: rows, then slots, then the rows' private columns
    row_order = np.argsort(row_batch, kind="stable")
    slot_order = np.argsort(slot_batch, kind="stable")
    row_first = np.searchsorted(row_batch[row_order], np.arange(n_batches + 1))
    slot_first = np.searchsorted(slot_batch[slot_order], np.arange(n_batches + 1))
    row_local = np.empty(n_rows, np.int64)
    row_local[row_order] = np.arange(n_rows) - row_first[row_batch[row_order]]
    slot_local = np.empty(n_slots, np.int64)
    slot_local[slot_order] = np.arange(n_slots) - slot_first[slot_batch[slot_order]]
    slots_per_batch = np.diff(slot_first)

    # every batch's CSR rows laid end to end, rows in batch order: each row's
    # edges (ascending slot, as a canonical CSR has them), then its private column
    ptr = np.r_[0, np.cumsum(degree[row_order] + 1)]
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

    from scipy.sparse import csr_matrix  # here, not at import: 0.2 s of a fresh server's first page
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

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


def _batches(n_rows: int, n_slots: int, slot: np.ndarray, row_ptr: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The batch of each row and of each slot, and how many batches: connected groups of
    rows and slots (edges ``slot`` in CSR order by ``row_ptr``), packed biggest first into
    batches of at most ``MATCHING_BATCH_WORK`` rows x columns (a bigger group alone)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    # connected groups over rows and slots (a row's private column never links two groups)
    links = csr_matrix(
        (np.ones(len(slot), np.int8), n_rows + slot, np.r_[row_ptr, np.full(n_slots, len(slot))]),
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
    return batch_of[row_group], batch_of[slot_group], batch + 1


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
        owner, slots = ragged(copy_start[c_local], copies[c_local])
        # a private "no buddy this round" column per row: dearer than any set of
        # real costs, and dearer still for priority rows
        base = 8.0 * (n + 1) * max(MAX_PAIR_COST, float(w.max()))
        stay = base * np.where(prio[row_ids] > 0, 1.5, 1.0)
        got_rows, got_slots = min_cost_matching(n, n_slots, r_local[owner], slots, w[owner], stay)
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
