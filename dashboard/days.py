"""Dates as whole-day numbers (days since 1970-01-01, int64), and the length of a month.

The indicators compare calendar days, never clock times: ``as_of`` is a day, and an
event on that day has been held. Missing dates become ``NAT_DAY``, a large negative
number that every comparison can test for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: the day number of a missing date
NAT_DAY: int = int(np.iinfo(np.int64).min)
#: one month in days (an average calendar month, 30.4375): months ago are fractional, for
#: the engagement score's decay, the ties' decay and "3 months ago" in reasons alike
DAYS_PER_MONTH: float = 365.25 / 12


def day_numbers(values: pd.Series) -> np.ndarray:
    """Calendar days since 1970-01-01 (int64); NaT becomes a large negative sentinel."""
    if len(values) == 0:
        return np.empty(0, dtype=np.int64)
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]").astype(np.int64)


def as_of_day(as_of: pd.Timestamp) -> int:
    """``as_of`` as a day number."""
    return int(np.datetime64(pd.Timestamp(as_of).date(), "D").astype(np.int64))


def days_to_datetime(days: np.ndarray) -> np.ndarray:
    """Day numbers back to datetime64[ns] (the NaT sentinel stays NaT)."""
    out = days.astype("datetime64[D]").astype("datetime64[ns]")
    out[days == NAT_DAY] = np.datetime64("NaT")
    return out


def date_days(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A date column as day numbers (sentinel when missing)."""
    if name not in frame.columns:
        return np.full(len(frame), NAT_DAY, dtype=np.int64)
    return day_numbers(frame[name])


def day_text(values: pd.Series) -> np.ndarray:
    """Dates as YYYY-MM-DD text, "" for none (what the contact log and introductions show)."""
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)
