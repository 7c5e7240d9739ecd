"""Column-wide string work, done in pyarrow or once per distinct value.

An attendance export repeats the same few thousand emails, titles and statuses
a million times: each distinct string is normalised once and the answers are
spread back over the rows by their codes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
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


def arrow(values: pd.Series) -> pa.Array:
    """The column as one pyarrow string array (missing values as nulls)."""
    out = pa.array(values.array, type=pa.string(), from_pandas=True)
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def match(values: pd.Series, pattern: str) -> pd.Series:
    """``values.str.match(pattern)`` in pyarrow's RE2, several times faster on a big column.

    For anchored patterns on stripped text, where both engines agree.
    """
    hit = pc.match_substring_regex(arrow(values), pattern).fill_null(False)
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=values.index, dtype=bool)


def extract(values: pd.Series, pattern: str) -> pd.DataFrame:
    """``values.str.extract(pattern)`` for a pattern every value matches.

    Groups that took part in no match come back empty.
    """
    parts = pc.extract_regex(arrow(values), pattern)
    return pd.DataFrame(
        {f.name: parts.field(i).to_numpy(zero_copy_only=False) for i, f in enumerate(parts.type)}, index=values.index
    )


def strip(values: pd.Series) -> pd.Series:
    """``values.str.strip()`` with missing values as "", trimmed in pyarrow.

    pyarrow's Unicode whitespace is Python's: the reader's tests check every code point.
    """
    text = values.fillna("").astype(str)
    trimmed = pc.utf8_trim_whitespace(arrow(text)).to_pandas()
    return pd.Series(trimmed.array, index=values.index, dtype=text.dtype)


def spread(distinct: np.ndarray, codes: np.ndarray) -> pd.Series:
    """``distinct[codes]`` as a string column, taken in pyarrow (ten times faster than
    building strings from an object array of a million rows)."""
    return pa.array(distinct, type=pa.string(), from_pandas=True).take(pa.array(codes)).to_pandas()


def per_distinct(values: pd.Series, fn: Callable[[str], object]) -> pd.Series:
    """``values.fillna("").astype(str).map(fn)`` with ``fn`` called once per distinct string (object dtype)."""
    codes, uniques = pd.factorize(values.fillna("").astype(str))
    answers = np.empty(len(uniques), dtype=object)
    answers[:] = [fn(u) for u in uniques]
    return pd.Series(answers[codes], index=values.index, dtype=object)


def fold(values: pd.Series) -> pd.Series:
    """Stripped and case-folded, the way emails and names are compared (strings, "" for missing).

    For ASCII text ``casefold`` is ``lower``, which pyarrow does for the whole column;
    only the rest ("Straße", "ΣΟΦΙΑ") goes through Python's ``casefold``.
    """
    text = pc.utf8_trim_whitespace(arrow(values.fillna("").astype(str)))
    lowered = pc.utf8_lower(text).to_pandas()
    out = pd.Series(lowered.array, index=values.index, dtype="str")
    other = ~pc.string_is_ascii(text).to_numpy(zero_copy_only=False)
    if other.any():
        out[other] = per_distinct(values[other], lambda v: v.strip().casefold()).astype("str")
    return out


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Each value's number among the distinct values, missing values included; and how many there are."""
    if isinstance(values.dtype, pd.StringDtype):
        encoded = pc.dictionary_encode(arrow(values))
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        return codes, len(encoded.dictionary)
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int64), len(uniques)


def row_codes(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, firsts)``: for each row the number of its distinct combination of ``columns``
    (numbered in order of first appearance), and the position of each combination's first row.
    """
    combined = np.zeros(len(frame), dtype=np.int64)
    for col in columns:
        codes, width = _codes(frame[col])
        combined = combined * (width + 1) + (codes + 1)
        combined = pd.factorize(combined)[0].astype(np.int64)  # renumber: no product of widths overflows
    codes = combined.astype(np.intp)
    if not len(codes):
        return codes, np.zeros(0, dtype=np.intp)
    seen = np.maximum.accumulate(codes)  # first-appearance numbering: a new combination raises the maximum
    return codes, np.flatnonzero(np.r_[True, seen[1:] > seen[:-1]]).astype(np.intp)
