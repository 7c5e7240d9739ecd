"""Column-wide string helpers agree with the plain pandas/Python spelling of the same thing."""

import re
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
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
    frame["p"] = frame["p"].where(frame["p"] != "b")  # in a string column too
    codes, firsts = strings.row_codes(frame, ["p", "q"])
    keys = [(p, q) for p, q in zip(frame["p"].fillna("<na>"), frame["q"].where(frame["q"].notna(), "<na>"), strict=True)]
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


# --- trim: pyarrow's trim, skipped for chunks with no whitespace at either end -------------------

_EDGE_TEXT = st.text(alphabet=st.sampled_from(list("ab é€“†…\t\u00a0\u3000\u2029\u205f\u1680\x85\x1fΣ😀")), max_size=5)


def _same_memory(a: pa.Array, b: pa.Array) -> bool:
    return [x and x.address for x in a.buffers()] == [y and y.address for y in b.buffers()]


def _chunked(values: list, cuts: list[int], large: bool = False) -> pa.ChunkedArray:
    bounds = sorted({0, len(values), *(c % (len(values) + 1) for c in cuts)})
    kind = pa.large_string() if large else pa.string()
    return pa.chunked_array([pa.array(values[a:b], type=kind) for a, b in zip(bounds, bounds[1:])], type=kind)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(_EDGE_TEXT, max_size=30), st.lists(st.integers(0, 30), max_size=4), st.booleans())
def test_trim_is_str_strip_and_copies_no_chunk_without_edge_whitespace(values, cuts, large):
    column = _chunked(values, cuts, large)
    got = strings.trim(column)
    assert got.type == column.type
    assert got.to_pylist() == [v.strip() for v in values]
    for before, after in zip(column.chunks, got.chunks, strict=True):
        clean = all(v == v.strip() for v in before.to_pylist())
        assert strings._edge_whitespace(before) == (not clean)  # exact, at this size
        if clean:
            assert _same_memory(after, before)  # left as it was: no copy


@pytest.mark.parametrize("ws", list(strings.WHITESPACE))
def test_trim_finds_every_whitespace_character_at_either_end_of_any_value(ws):
    values = ["Leeds", "é", "Zoë", "", "x", "“Quiz”", "Köln"]
    for i in range(len(values) + 1):
        for edited in ([*values[:i], ws + "a", *values[i:]], [*values[:i], "a" + ws, *values[i:]],
                       [*values[:i], ws, *values[i:]]):
            assert strings.trim(pa.array(edited)).to_pylist() == [v.strip() for v in edited], (ws, i)


def test_trim_leaves_multibyte_letters_that_share_bytes_with_whitespace():
    # "é" ends in A9 like U+2029, "†" in 80 A0 like U+00A0 (C2 A0), "…" starts E2 80 like U+2000
    values = ["café", "André", "dagger†", "…and", "\u1000\u1000", "\u4000", "©", "£5"]
    column = pa.array(values)
    assert not strings._edge_whitespace(column)
    assert strings.trim(column) is column


def test_trim_of_sliced_and_mostly_clean_columns():
    values = [f"name {i}" for i in range(5000)]
    values[4321] = "name 4321\u3000"  # only non-ASCII whitespace, only at the end, only in one chunk
    column = pa.chunked_array([pa.array(values[:2000]), pa.array(values[2000:])])
    got = strings.trim(column)
    assert _same_memory(got.chunk(0), column.chunk(0)) and not _same_memory(got.chunk(1), column.chunk(1))
    assert got.to_pylist() == [v.strip() for v in values]
    sliced = pa.array(["  a", *values[:10], "b "]).slice(1, 10)  # offsets that don't start at zero
    assert strings.trim(sliced) is sliced
    assert strings.trim(pa.array(["a", None, " b"])).to_pylist() == ["a", None, "b"]
    assert strings.trim(pa.array([], type=pa.string())).to_pylist() == []
    assert strings.trim(pa.array(["", "", ""])).to_pylist() == ["", "", ""]


def _in_chunks(values: list, *cuts: int) -> pd.Series:
    """A "str" column stored in several arrow chunks, as the reader leaves a big file."""
    bounds = [0, *cuts, len(values)]
    chunks = [pa.array(values[a:b], type=pa.large_string()) for a, b in zip(bounds, bounds[1:])]
    series = pa.chunked_array(chunks, type=pa.large_string()).to_pandas()
    assert series.dtype == "str" and series.array._pa_array.num_chunks == len(chunks)
    return series


def test_helpers_read_a_chunked_column_in_place_and_agree_with_pandas():
    values = ["Ann ", None, "  ZOË", "b@x.org", "", "2024-05", "ann", "Ann ", None, "ΣΟΦΙΑ\u3000"]
    series = _in_chunks(values, 3, 3, 7)
    arrow = strings.arrow(series)
    assert isinstance(arrow, pa.ChunkedArray) and arrow.num_chunks == 4  # not combined, not cast
    plain = pd.Series(values, dtype=object)
    assert strings.strip(series).tolist() == plain.fillna("").str.strip().tolist()
    assert strings.fold(series).tolist() == plain.fillna("").map(lambda v: v.strip().casefold()).tolist()
    assert strings.match(series, r"^\d{4}-").tolist() == series.str.match(r"^\d{4}-").fillna(False).tolist()
    dates = _in_chunks(["2024-05", "1999-12", "2001-01"], 1)
    assert strings.extract(dates, r"^(?P<y>\d{4})-(?P<m>\d{2})$").values.tolist() == [["2024", "05"], ["1999", "12"], ["2001", "01"]]
    frame = pd.DataFrame({"p": series, "q": _in_chunks(["x", "y"] * 5, 5)})
    codes, firsts = strings.row_codes(frame, ["p", "q"])
    keys = list(zip(plain.fillna("<na>"), frame["q"], strict=True))
    numbering = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    assert codes.tolist() == [numbering[k] for k in keys]
    assert firsts.tolist() == [keys.index(k) for k in numbering]


def test_row_codes_renumber_when_the_product_of_widths_would_overflow():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({c: pd.Series(rng.integers(0, 5000, 300).astype(str), dtype="str") for c in "abcdef"})
    frame = pd.concat([frame, frame.iloc[::3]], ignore_index=True)  # some rows again
    codes, firsts = strings.row_codes(frame, list("abcdef"))
    keys = list(frame.itertuples(index=False, name=None))
    numbering = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    assert codes.tolist() == [numbering[k] for k in keys]
    assert firsts.tolist() == [keys.index(k) for k in numbering]


@pytest.mark.parametrize("keys", [["b", "a", "b", "", "x"], [], ["a"]])
def test_find_is_a_dict_lookup_where_the_last_equal_key_wins(keys):
    values = pd.Series(["a", "b", "c", "", None], dtype="str")
    last = {k: i for i, k in enumerate(keys)}
    assert strings.find(values, pd.Series(keys, dtype=object)).tolist() == [last.get(v, -1) for v in values]


def test_rows_is_boolean_indexing_for_every_kind_of_column():
    frame = pd.DataFrame(
        {
            "s": pd.Series(["x", None, "z", "w"], dtype="str"),
            "i": [1, 2, 3, 4],
            "c": pd.Categorical(list("pqpq")),
            "d": pd.to_datetime(["2020-01-01", None, "2021-01-01", None]),
            "o": pd.Series([(), ("a",), None, "s"], dtype=object),
            "t": pd.Series(["a", "b", "c", "d"], dtype=object),
        },
        index=[5, 3, 9, 1],
    )
    frame = pd.concat([frame, frame.iloc[:2]])  # chunked string column, repeated labels
    for keep in ([True, False, True, True, False, True], [False] * 6):
        pd.testing.assert_frame_equal(strings.rows(frame, np.array(keep)), frame[np.array(keep)])


@pytest.mark.parametrize("count", [0, 1, 12, 100_001])
def test_numbered_is_the_f_string(count):
    got = strings.numbered("M", count, 5)
    assert got.tolist() == [f"M{i:05d}" for i in range(1, count + 1)]
    assert got.dtype == "str"


@pytest.mark.parametrize("dtype", ["str", "object"])
@pytest.mark.parametrize("keep", ["first", "last", False])
def test_duplicated_is_series_duplicated(dtype, keep):
    values = pd.Series(["a", None, "b", "a", None, "c"], dtype=dtype, index=[5, 4, 3, 2, 1, 0])
    pd.testing.assert_series_equal(strings.duplicated(values, keep), values.duplicated(keep=keep))


def test_on_distinct_runs_the_function_on_each_distinct_value_once():
    seen = []
    values = pd.Series(["A", None, "b", "A"], dtype="str")
    got = strings.on_distinct(values, lambda u: seen.append(len(u)) or u.fillna("").str.lower() == "a")
    assert got.tolist() == [True, False, False, True]
    assert seen == [3]
