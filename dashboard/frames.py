"""Column operations pandas does slowly on pyarrow-backed strings."""

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
    if isinstance(pool, np.ndarray):
        pool = pd.Series(pool)
    elif not isinstance(pool, (pd.Series, pd.Index)):
        pool = pd.Series(list(pool), dtype=object)
    try:
        left = pa.array(values.array, type=pa.string(), from_pandas=True)
        right = pc.unique(pa.array(pool.array, type=pa.string(), from_pandas=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        mask = values.isin(pool)
        return np.asarray(mask, dtype=bool) & np.asarray(pd.notna(values), dtype=bool)
    return pc.is_in(left, value_set=right, skip_nulls=True).to_numpy(zero_copy_only=False)
