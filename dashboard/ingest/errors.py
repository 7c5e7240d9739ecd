"""The one exception the ingestion layer raises for unusable input."""

from __future__ import annotations


class InputError(ValueError):
    """Input that cannot be used at all; the message says what and what to do."""

    def __init__(self, message: str, *, file: str = "", column: str = "", row: int | None = None):
        super().__init__(message)
        self.file = file
        self.column = column
        self.row = row
