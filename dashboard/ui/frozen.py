"""What the caches share between sessions: held once, handed out without copying the data.

The loaded community, its analysis and the buddy suggestions are held once per server
(``st.cache_resource``, see ``loaders``): every page of every session reads the very same
arrays, never a copy (``st.cache_data`` unpickled a copy of hundreds of MB on every rerun).
Two things keep one page from changing what every session sees:

* ``freeze`` marks every numpy array under a result read-only when it is cached, so a write
  through a view (``frame[col].to_numpy()[i] = x``) fails where it is made (Arrow-backed
  columns can't be written at all);
* ``handed_out`` gives each caller new frame objects over the same data (pandas'
  copy-on-write shallow copies): setting a cell or adding a column changes the caller's
  frame only, and pandas copies just what was written.

tests/test_shared_results.py runs every page as every role and checks that nothing the
cache holds changed.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from dashboard.model import handed_out

T = TypeVar("T")

__all__ = ["freeze", "handed_out"]

#: where pandas' numpy-backed extension arrays keep their numbers
_ARRAY_PARTS = ("_ndarray", "_data", "_mask", "_codes")


def _array(values: object) -> None:
    if isinstance(values, np.ndarray):
        values.flags.writeable = False
        return
    for part in _ARRAY_PARTS:
        inner = getattr(values, part, None)
        if isinstance(inner, np.ndarray):
            inner.flags.writeable = False
    if isinstance(values, pd.Categorical):
        _index(values.categories)


def _index(index: pd.Index) -> None:
    if isinstance(index, pd.MultiIndex):
        for level in index.levels:
            _index(level)
        for codes in index.codes:
            _array(codes)
        return
    _array(index._data)


def _blocks(obj: pd.DataFrame | pd.Series) -> None:
    for block in obj._mgr.blocks:
        _array(block.values)
    for axis in obj.axes:
        _index(axis)


def freeze(obj: T) -> T:
    """``obj`` with every numpy array under it read-only (frames, series, indexes, dataclasses
    such as ``Community`` and ``Analysis`` with what they have worked out, tuples, lists, dicts)."""
    _walk(obj, set())
    return obj


def _walk(obj: Any, seen: set[int]) -> None:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        _blocks(obj)
    elif isinstance(obj, pd.Index):
        _index(obj)
    elif isinstance(obj, np.ndarray):
        obj.flags.writeable = False
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for value in vars(obj).values():  # the fields and anything cached on the object (Community.codes)
            _walk(value, seen)
    elif isinstance(obj, (tuple, list)):
        for value in obj:
            _walk(value, seen)
    elif isinstance(obj, dict):
        for value in obj.values():
            _walk(value, seen)
