"""Ingestion: bytes -> raw frame -> canonical frames -> Community."""

from dashboard.ingest.errors import InputError
from dashboard.ingest.pipeline import SourceReport, Upload, load_community
from dashboard.ingest.read import ReadResult, read_table

__all__ = ["InputError", "ReadResult", "SourceReport", "Upload", "load_community", "read_table"]
