"""What ingest hands to the rest of the pipeline: accepted submissions, rejected rows, and how the file was read."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Layout = Literal["csv", "xlsx", "json", "jsonl", "polis", "themefinder"]

# Machine codes for rejected rows (rejected.csv carries them; docs/input-formats.md explains each).
REJECT_REASONS = ("empty_text", "junk", "too_long", "bad_encoding", "missing_id", "duplicate_id",
                  "moderated_out", "unparseable")


@dataclass(slots=True)
class RawSubmission:
    """One usable submission. `row` is the number a user finds it under in the file: the spreadsheet row for
    CSV/XLSX (header = row 1, so the first answer is row 2), the line for JSONL, the 1-based record for JSON."""

    row: int
    id: str
    text: str
    question: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)  # group columns (demographics, opinion group)
    extra: dict[str, Any] = field(default_factory=dict)  # every other column, as read


@dataclass(slots=True)
class RejectedRow:
    """An input row that could not be used, and why (never dropped silently)."""

    row: int
    id: str | None
    field: str
    reason: str  # one of REJECT_REASONS
    message: str


@dataclass
class IngestResult:
    source: Path
    layout: Layout
    submissions: list[RawSubmission]
    rejected: list[RejectedRow]
    columns: list[str]
    text_column: str
    id_column: str | None  # None: ids are the row numbers
    group_columns: list[str]
    question_column: str | None
    encoding: str | None = None  # text files only
    notes: list[str] = field(default_factory=list)  # what was auto-detected, in words a user reads

    @property
    def questions(self) -> list[str | None]:
        """Distinct questions in first-seen order ([None] for a single-question file)."""
        seen: dict[str | None, None] = {}
        for submission in self.submissions:
            seen.setdefault(submission.question, None)
        return list(seen) or [None]

    def by_question(self) -> dict[str | None, list[RawSubmission]]:
        """Submissions grouped per question: ids are unique within a question (a respondent may answer several)."""
        groups: dict[str | None, list[RawSubmission]] = {}
        for submission in self.submissions:
            groups.setdefault(submission.question, []).append(submission)
        return groups

    def rejected_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rejected:
            counts[row.reason] = counts.get(row.reason, 0) + 1
        return counts
