"""Ingest: read consultation exports (CSV, XLSX, JSON, JSONL, Polis, ThemeFinder) into validated submissions."""
from civicai.ingest.reader import read_submissions
from civicai.ingest.types import REJECT_REASONS, IngestResult, RawSubmission, RejectedRow

__all__ = ["REJECT_REASONS", "IngestResult", "RawSubmission", "RejectedRow", "read_submissions"]
