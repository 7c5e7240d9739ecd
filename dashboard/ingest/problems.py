"""The problems list: every row ingestion could not use, or merged, with its file, row,
column, value and what happened (``Community.problems``)."""

from __future__ import annotations

import pandas as pd

from dashboard.ingest.read import ROW_COLUMN
from dashboard.model import PROBLEM_COLUMNS


class Problems:
    """Collects problem rows in order; turned into one frame at the end."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, file: str, row: object, column: str, value: object, problem: str) -> None:
        self.parts.append(pd.DataFrame([{"file": file, "row": row, "column": column, "value": str(value)[:200], "problem": problem}]))

    def add_many(self, file: str, frame: pd.DataFrame, column: str, values: pd.Series, problem: str | pd.Series) -> None:
        """One problem per row of ``frame`` (``problem`` may differ per row)."""
        self.parts.append(
            pd.DataFrame(
                {
                    "file": file,
                    "row": frame[ROW_COLUMN].to_numpy(),
                    "column": column,
                    "value": pd.Series(values, dtype=object).astype(str).str.slice(0, 200).to_numpy(),
                    "problem": problem.to_numpy() if isinstance(problem, pd.Series) else problem,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        parts = [p for p in self.parts if len(p)]
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in PROBLEM_COLUMNS})
        return pd.concat(parts, ignore_index=True)[list(PROBLEM_COLUMNS)].astype({"row": "int64"})
