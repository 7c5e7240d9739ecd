"""columns.isin answers as pandas' isin does (bar missing values, which are never in)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.columns import isin

_ID = st.one_of(st.sampled_from(["a", "b", "é", "", "A"]), st.none())


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(_ID, max_size=15), st.lists(_ID, max_size=15), st.sampled_from(["str", "object"]))
def test_isin_agrees_with_pandas(values, pool, dtype):
    series = pd.Series(values, dtype=dtype)
    want = series.isin(pool).to_numpy() & series.notna().to_numpy()
    for given_pool in (pool, set(pool), pd.Series(pool, dtype=object), np.array(pool, dtype=object)):
        got = isin(series, given_pool)
        assert got.dtype == bool and got.tolist() == want.tolist()


@pytest.mark.parametrize("values", [pd.Index(["m1", "m2"]), pd.Series(["m1", "m2"], dtype="str")])
def test_isin_takes_an_index_or_a_series(values):
    assert isin(values, pd.Series(["m2", "m9"])).tolist() == [False, True]


def test_isin_with_numbers_falls_back_to_pandas():
    assert isin(pd.Series([1, 2, 3]), [3, 1]).tolist() == [True, False, True]


def test_isin_is_series_isin():
    values = pd.Series(["a", "b", "c", "", None], dtype="str")
    pool = pd.Series(["b", "", "a", "b"], dtype="str")
    assert isin(values, pool).tolist() == values.isin(pool).tolist()
