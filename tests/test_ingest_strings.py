"""Column-wide string helpers agree with the plain pandas/Python spelling of the same thing."""

import re
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.ingest import strings
from dashboard.ingest.pipeline import EMAIL_PATTERN

_ALL = [chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF]
_TEXT = st.text(alphabet=st.sampled_from(list("aZß@. \t\u00a0\u3000İΣς-x1é\u2028")), max_size=12)


def test_whitespace_is_every_character_python_calls_whitespace():
    assert strings.WHITESPACE == "".join(c for c in _ALL if c.isspace())


def test_strip_trims_exactly_what_str_strip_trims_for_every_code_point():
    values = pd.Series([c + "a" + c for c in _ALL], dtype="str")
    assert strings.strip(values).tolist() == [v.strip() for v in values]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.one_of(st.none(), _TEXT), max_size=20))
def test_fold_is_strip_then_casefold(values):
    series = pd.Series(values, dtype="str", index=range(3, 3 + len(values)))
    want = ["" if v is None else v.strip().casefold() for v in values]
    got = strings.fold(series)
    assert got.tolist() == want
    assert list(got.index) == list(series.index)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(_TEXT, max_size=20))
def test_email_pattern_in_re2_agrees_with_python_re(values):
    python = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    series = pd.Series([v.strip() for v in values], dtype="str")
    assert strings.match(series, EMAIL_PATTERN).tolist() == [bool(python.match(v)) for v in series]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(["", "a", "b"]), st.sampled_from(["", "x", "y"]), st.booleans()), max_size=25))
def test_row_codes_number_distinct_rows_in_order_of_first_appearance(rows):
    frame = pd.DataFrame(rows, columns=["p", "q", "r"]).astype({"p": "str", "q": "object"})
    frame.loc[frame["r"], "q"] = None  # missing values are a value of their own
    codes, firsts = strings.row_codes(frame, ["p", "q"])
    keys = [(p, q) for p, q in zip(frame["p"], frame["q"].where(frame["q"].notna(), "<na>"), strict=True)]
    numbering = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    assert codes.tolist() == [numbering[k] for k in keys]
    assert firsts.tolist() == [keys.index(k) for k in numbering]


def test_per_distinct_calls_once_per_distinct_value():
    calls = []
    out = strings.per_distinct(pd.Series(["a", "b", "a", None, "a"], index=[9, 8, 7, 6, 5]), lambda v: calls.append(v) or v * 2)
    assert out.tolist() == ["aa", "bb", "aa", "", "aa"]
    assert sorted(calls) == ["", "a", "b"]


@pytest.mark.parametrize("pattern", [r"^\d{1,2}/\d{1,2}/\d{4}$", r"^(?P<y>\d{4})-(?P<m>\d{2})$"])
def test_match_agrees_with_str_match(pattern):
    values = pd.Series(["12/3/2024", "2024-05", "", "x12/3/2024", "1/1/99"], dtype="str")
    assert strings.match(values, pattern).tolist() == values.str.match(pattern).tolist()
    assert strings.match(values, pattern).dtype == np.bool_


def test_spread_is_indexing_the_distinct_values():
    distinct = np.array(["a", "", "ß"], dtype=object)
    codes = np.array([2, 0, 0, 1, 2])
    got = strings.spread(distinct, codes)
    assert got.tolist() == distinct[codes].tolist()
    assert got.dtype == "str"
