"""Column operations pandas does slowly on pyarrow-backed strings: membership (``isin``)
and positions of values in another column (``positions``), by Arrow hash lookups."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def isin(values: pd.Series | pd.Index, pool: Iterable[object]) -> np.ndarray:
    """``values.isin(pool)`` as a bool array (a missing value is never in the pool).

    pandas 3 walks the pool in Python when the values are pyarrow strings: seconds for
    a pool of a million attendance ids. pyarrow's hash set takes milliseconds. Values or
    pools that aren't all text go to pandas as before.
    """
    given: pd.Series | pd.Index
    if isinstance(pool, np.ndarray):
        given = pd.Series(pool)
    elif isinstance(pool, (pd.Series, pd.Index)):
        given = pool
    else:
        given = pd.Series(list(pool), dtype=object)
    try:
        left = pa.array(values.array, type=pa.string(), from_pandas=True)
        right = pc.unique(pa.array(given.array, type=pa.string(), from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        mask = values.isin(given)
        return np.asarray(mask, dtype=bool) & np.asarray(pd.notna(values), dtype=bool)
    return pc.is_in(left, value_set=right, skip_nulls=True).to_numpy(zero_copy_only=False)


def arrow_strings(values: pd.Series | pd.Index) -> pa.Array:
    """Values as one Arrow large_string array (no Python loop for str dtype)."""
    if not isinstance(values.dtype, pd.StringDtype):
        values = pd.Series(values, copy=False).astype("str")
    arr = pa.array(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.large_string())


def positions(values: pd.Series, universe: pd.Series | pd.Index) -> np.ndarray:
    """Position of each value in ``universe`` (int64, -1 when absent), by hash lookup."""
    if len(values) == 0:
        return np.empty(0, dtype=np.int64)
    idx = pc.index_in(arrow_strings(values), value_set=arrow_strings(universe))
    return pc.fill_null(idx, -1).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
