"""Column-wide string work, done in pyarrow or once per distinct value.

An attendance export repeats the same few thousand emails, titles and statuses
a million times: each distinct string is normalised once and the answers are
spread back over the rows by their codes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: the characters ``str.isspace`` (so ``str.strip`` and ``re``'s backslash-s) calls whitespace,
#: for RE2 patterns, whose backslash-s is ASCII only (a test checks every code point)
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
RE2_SPACE = "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE)  # for inside a [...] class

# WHITESPACE in UTF-8, for sieving a string array's bytes: which bytes can begin / end a
# whitespace character, and which two can (as one big-endian number)
_ENCODED = [c.encode("utf-8") for c in WHITESPACE]
_FIRST_BYTE = np.zeros(256, dtype=bool)
_FIRST_BYTE[[e[0] for e in _ENCODED]] = True
_LAST_BYTE = np.zeros(256, dtype=bool)
_LAST_BYTE[[e[-1] for e in _ENCODED]] = True
_FIRST_TWO = np.zeros(1 << 16, dtype=bool)
_LAST_TWO = np.zeros(1 << 16, dtype=bool)
for _e in _ENCODED:
    if len(_e) == 1:
        _FIRST_TWO[_e[0] << 8:(_e[0] + 1) << 8] = True  # whatever follows
        _LAST_TWO[_e[0]::256] = True  # whatever comes before
    else:
        _FIRST_TWO[int.from_bytes(_e[:2], "big")] = True
        _LAST_TWO[int.from_bytes(_e[-2:], "big")] = True
#: more values than this left by the sieves: trim the chunk rather than check them one by one
_MAX_SUSPECTS = 64


def _edge_whitespace(chunk: pa.Array) -> bool:
    """Whether any value starts or ends with whitespace (True, too, when it can't tell cheaply).

    Sieves each value's first and last byte (read through the offsets: the strings aren't
    copied), then the first and last two bytes of what passes, and checks the few values
    left with ``str.strip``. An empty value reads a neighbour's bytes: the check clears it.
    """
    width: type[np.signedinteger]
    if chunk.type == pa.string():
        width = np.int32
    elif chunk.type == pa.large_string():
        width = np.int64
    else:
        return True
    if chunk.null_count or not len(chunk):
        return bool(chunk.null_count)
    _, offset_buffer, data_buffer = chunk.buffers()
    offsets = cast(
        "npt.NDArray[np.signedinteger]",
        np.frombuffer(offset_buffer, dtype=width, count=len(chunk) + 1, offset=chunk.offset * width().itemsize),
    )
    end = int(offsets[-1])
    if data_buffer is None or end == int(offsets[0]):
        return False  # every value is empty
    data = np.frombuffer(data_buffer, dtype=np.uint8, count=end)
    starts, ends = offsets[:-1], offsets[1:]
    # ``take`` with mode="clip" (no bounds errors, no copy of the positions) is several times
    # faster than indexing; positions off either end of the data only read a wrong byte
    lead = np.flatnonzero(_FIRST_BYTE.take(data.take(starts, mode="clip")))
    tail = np.flatnonzero(_LAST_BYTE.take(data.take(ends - 1, mode="clip")))
    if not len(lead) and not len(tail):
        return False
    if len(lead):
        at = starts[lead]
        pair = (data.take(at, mode="clip").astype(np.intp) << 8) | data.take(at + 1, mode="clip")
        lead = lead[_FIRST_TWO.take(pair)]
    if len(tail):
        at = ends[tail]
        pair = (data.take(at - 2, mode="clip").astype(np.intp) << 8) | data.take(at - 1, mode="clip")
        tail = tail[_LAST_TWO.take(pair)]
    suspects = np.union1d(lead, tail)
    if len(suspects) > _MAX_SUSPECTS:
        return True
    return any(v != v.strip() for v in chunk.take(pa.array(suspects, type=pa.int64())).to_pylist())


def trim(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``pc.utf8_trim_whitespace``, chunk by chunk, leaving alone (uncopied) the chunks where
    no value starts or ends with whitespace: the usual export has none anywhere."""
    if isinstance(values, pa.ChunkedArray):
        chunks = [pc.utf8_trim_whitespace(c) if _edge_whitespace(c) else c for c in values.chunks]
        return pa.chunked_array(chunks, type=values.type)
    return pc.utf8_trim_whitespace(values) if _edge_whitespace(values) else values


def arrow(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column as pyarrow strings (missing values as nulls): an arrow-backed column as
    it is stored, chunks and all (casting or combining them would copy every string)."""
    out = pa.array(values.array, from_pandas=True)
    if not (pa.types.is_large_string(out.type) or pa.types.is_string(out.type)):
        out = pa.array(values.array, type=pa.string(), from_pandas=True)  # nothing but missing values
    return out


def match(values: pd.Series, pattern: str) -> pd.Series:
    """``values.str.match(pattern)`` in pyarrow's RE2, several times faster on a big column.

    For anchored patterns on stripped text, where both engines agree.
    """
    hit = pc.match_substring_regex(arrow(values), pattern).fill_null(False)
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=values.index, dtype=bool)


def find(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Each value's position in ``keys``, the last of equal keys, or -1: ``dict(zip(keys,
    range(len(keys))))`` looked up for string columns, in pyarrow's hash tables."""
    last_first = arrow(keys.iloc[::-1])  # index_in answers the first of equal keys
    at = pc.index_in(arrow(values), value_set=last_first).fill_null(-1).to_numpy(zero_copy_only=False)
    return np.where(at >= 0, len(keys) - 1 - at, -1)


def extract(values: pd.Series, pattern: str) -> pd.DataFrame:
    """``values.str.extract(pattern)`` for a pattern every value matches, as string columns.

    Groups that took part in no match come back empty.
    """
    parts = pc.extract_regex(arrow(values), pattern)
    text = pd.StringDtype("pyarrow", na_value=np.nan)  # as arrow strings: no Python string per cell
    return pd.DataFrame(
        {f.name: text.__from_arrow__(pc.struct_field(parts, [i])) for i, f in enumerate(parts.type)},
        index=values.index,
    )


def strip(values: pd.Series) -> pd.Series:
    """``values.str.strip()`` with missing values as "", trimmed in pyarrow.

    pyarrow's Unicode whitespace is Python's: the reader's tests check every code point.
    """
    return pd.Series(_trimmed(values).to_pandas().array, index=values.index, dtype="str")


def _trimmed(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column as pyarrow strings, missing values as "", trimmed as ``str.strip`` trims."""
    return trim(arrow(values.fillna("").astype(str)))


def rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """``frame[keep]`` (a boolean mask), filtering string columns chunk by chunk in pyarrow:
    pandas' take first joins a column's chunks, a copy of every string in it."""
    mask = pa.array(keep, type=pa.bool_())
    index = frame.index[keep]
    columns = {}
    for name, values in frame.items():
        if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
            taken = values.dtype.__from_arrow__(arrow(values).filter(mask))
        else:
            taken = values.array[keep]
        # as Series of the column's dtype: an object column of strings isn't read as str
        columns[name] = pd.Series(taken, index=index, dtype=values.dtype, copy=False)
    return pd.DataFrame(columns, columns=frame.columns)


def spread(distinct: np.ndarray, codes: np.ndarray) -> pd.Series:
    """``distinct[codes]`` as a string column, taken in pyarrow (ten times faster than
    building strings from an object array of a million rows)."""
    # large_string: what pandas' str dtype holds, so to_pandas casts (copies) nothing
    return pa.array(distinct, type=pa.large_string(), from_pandas=True).take(pa.array(codes)).to_pandas()


def per_distinct(values: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    """``values.fillna("").astype(str).map(fn)`` with ``fn`` called once per distinct string (object dtype)."""
    codes, uniques = pd.factorize(values.fillna("").astype(str))
    answers = np.empty(len(uniques), dtype=object)
    answers[:] = [fn(u) for u in uniques]
    return pd.Series(answers[codes], index=values.index, dtype=object)


def on_distinct(values: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``fn(values).to_numpy()`` for a row-by-row column function, run on the distinct values only."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(fn(pd.Series(uniques, dtype=values.dtype)))[codes]


def duplicated(values: pd.Series, keep: str | bool = "first") -> pd.Series:
    """``values.duplicated(keep)``, hashing each string once in pyarrow (pandas' is slow on arrow strings)."""
    return pd.Series(_codes(values)[0], index=values.index).duplicated(keep=keep)


def numbered(prefix: str, count: int, width: int, index: pd.Index | None = None) -> pd.Series:
    """``[f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]`` as a string column, built in pyarrow."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, count + 1)), pa.string()), width=width, padding="0")
    ids = pc.binary_join_element_wise(pa.scalar(prefix), digits, "")
    return pd.Series(ids.to_pandas().array, index=index, dtype="str")


def fold(values: pd.Series) -> pd.Series:
    """Stripped and case-folded, the way emails and names are compared (strings, "" for missing).

    For ASCII text ``casefold`` is ``lower``, which pyarrow does for the whole column;
    only the rest ("Straße", "ΣΟΦΙΑ") goes through Python's ``casefold``.
    """
    text = _trimmed(values)
    if isinstance(text, pa.ChunkedArray):
        folded = pa.chunked_array([_fold_chunk(c) for c in text.chunks], type=text.type)
    else:
        folded = _fold_chunk(text)
    return pd.Series(folded.to_pandas().array, index=values.index, dtype="str")


def _fold_chunk(text: pa.Array) -> pa.Array:
    """Lower-cased in pyarrow, and the few non-ASCII values replaced by their ``casefold``."""
    lowered = pc.utf8_lower(text)
    other = pc.invert(pc.string_is_ascii(text))
    if not pc.any(other).as_py():
        return lowered
    rest = [v.casefold() for v in text.filter(other).to_pylist()]
    return pc.replace_with_mask(lowered, other, pa.array(rest, type=lowered.type))


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Each value's number among the distinct values (-1 for a missing value) and how many there are.

    As the hash gives them (int32 for strings): a copy of a million numbers costs more than the sums.
    """
    if isinstance(values.dtype, pd.StringDtype):
        encoded = pc.dictionary_encode(arrow(values))
        if isinstance(encoded, pa.ChunkedArray):  # one dictionary, shared by every chunk
            indices = pa.chunked_array([c.indices for c in encoded.chunks], type=pa.int32())
            width = max((len(c.dictionary) for c in encoded.chunks), default=0)
        else:
            indices, width = encoded.indices, len(encoded.dictionary)
        if indices.null_count:
            indices = indices.fill_null(-1)
        return indices.to_numpy(zero_copy_only=False), width
    codes, uniques = pd.factorize(values)
    return codes, len(uniques)


def row_codes(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, firsts)``: for each row the number of its distinct combination of ``columns``
    (numbered in order of first appearance), and the position of each combination's first row.
    """
    combined = np.zeros(len(frame), dtype=np.int64)
    bound = 1  # combined < bound
    for col in columns:
        codes, width = _codes(frame[col])
        if bound * (width + 1) >= 1 << 62:  # renumber first, so no product of widths overflows
            combined = pd.factorize(combined)[0].astype(np.int64)
            bound = int(combined.max(initial=-1)) + 1
        combined *= width + 1
        combined += codes  # in place: no temporary column of a million numbers
        combined += 1
        bound *= width + 1
    codes = pd.factorize(combined)[0].astype(np.intp, copy=False)
    if not len(codes):
        return codes, np.zeros(0, dtype=np.intp)
    seen = np.maximum.accumulate(codes)  # first-appearance numbering: a new combination raises the maximum
    return codes, np.flatnonzero(np.r_[True, seen[1:] > seen[:-1]]).astype(np.intp)
