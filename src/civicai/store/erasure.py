"""GDPR erasure by submission id: the citizen's words go, the fact that they were erased stays.

What is cleared: raw text, redacted text, staff notes (they may quote the citizen), the optional
demographic attributes, and every theme quote taken from the submission. What stays: the row itself
(so counts in past runs and theme memberships still add up), and the append-only triage trail, to which
an "erasure" event is added. Erasing twice is harmless and is recorded again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicai.errors import InputError
from civicai.store.coltypes import utcnow
from civicai.store.schema import AnalysisRun, Submission, Theme, TriageEvent

ERASED_FIELDS = ("text_raw", "text_redacted", "notes", "attributes", "theme_quotes")
# Shorter quote strings could match unrelated submissions by accident.
_MIN_QUOTE_MATCH = 20


@dataclass(frozen=True)
class ErasureResult:
    submission_id: int
    consultation_id: int
    external_id: str
    quotes_removed: int
    was_already_erased: bool


def _quote_is_from(quote: Any, submission: Submission, old_texts: list[str]) -> bool:
    if isinstance(quote, dict):
        if quote.get("submission_id") == submission.id:
            return True
        if quote.get("external_id") is not None and str(quote["external_id"]) == submission.external_id:
            return True
        quote = quote.get("text")
    if isinstance(quote, str):
        snippet = quote.strip().strip("\"'“”«»…").strip()
        return len(snippet) >= _MIN_QUOTE_MATCH and any(snippet in text for text in old_texts)
    return False


def _scrub_quotes(session: Session, submission: Submission, old_texts: list[str]) -> int:
    themes = session.scalars(
        select(Theme).join(AnalysisRun).where(AnalysisRun.consultation_id == submission.consultation_id))
    removed = 0
    for theme in themes:
        kept = [q for q in (theme.quotes or []) if not _quote_is_from(q, submission, old_texts)]
        if len(kept) != len(theme.quotes or []):
            removed += len(theme.quotes) - len(kept)
            theme.quotes = kept  # a new list: JSON columns only notice reassignment
    return removed


def delete_submission_data(session: Session, consultation_id: int, external_id: str, *,
                           actor: str = "system", note: str | None = None) -> ErasureResult:
    """Erase one citizen's submission text (GDPR art. 17) and log it. The caller commits the session."""
    submission = session.scalars(select(Submission).where(
        Submission.consultation_id == consultation_id,
        Submission.external_id == str(external_id))).one_or_none()
    if submission is None:
        raise InputError(f"no submission with id {external_id!r} in consultation {consultation_id}",
                         "use the submission id exactly as it appears in the imported file")
    was_erased = submission.erased_at is not None
    old_texts = [t for t in (submission.text_redacted, submission.text_raw) if t]
    quotes_removed = _scrub_quotes(session, submission, old_texts)

    submission.text_raw = None
    submission.text_redacted = ""
    submission.notes = None
    submission.attributes = {}
    submission.erased_at = utcnow()
    session.add(TriageEvent(submission=submission, actor=actor, field="erasure",
                            old_value=None, new_value=",".join(ERASED_FIELDS), note=note))
    session.flush()
    return ErasureResult(submission_id=submission.id, consultation_id=consultation_id,
                         external_id=submission.external_id, quotes_removed=quotes_removed,
                         was_already_erased=was_erased)
