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
