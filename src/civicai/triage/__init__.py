"""Triage: the status, assignee, tags and notes of submissions, every change logged with who and when.

Each function changes the submission AND appends its TriageEvent in the caller's session, so both land in the
same transaction (session_scope commits them together or neither). triage_events is append-only (ORM guard and
database triggers), so the trail can only grow. Notes may quote citizens, and the trail can never be erased, so
a notes change is logged by its length only, never by its words.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from civicai.errors import CivicaiError, InputError
from civicai.store.db import get_or_raise
from civicai.store.schema import Submission, SubmissionStatus, TriageEvent

STATUSES = tuple(s.value for s in SubmissionStatus)
MAX_TAGS = 20
MAX_TAG_CHARS = 40
MAX_NOTES_CHARS = 5000


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # "leave this field as it is" (None means "clear it" for assignee and notes)


@dataclass(frozen=True)
class TriageChange:
    """The fields to change; UNSET fields are left alone."""

    status: str | Any = UNSET
    assignee: str | None | Any = UNSET
    tags: Sequence[str] | Any = UNSET
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()
    notes: str | None | Any = UNSET
    note: str | None = None  # why (kept in the event; staff words, not citizen text)

    def is_empty(self) -> bool:
        return (self.status is UNSET and self.assignee is UNSET and self.tags is UNSET and not self.add_tags
                and not self.remove_tags and self.notes is UNSET)


@dataclass(frozen=True)
class EventView:
    id: int
    submission_id: int
    actor: str
    at: datetime
    field: str
    old_value: str | None
    new_value: str | None
    note: str | None


def validate_status(status: str) -> str:
    if status not in STATUSES:
        raise InputError(f"unknown status '{status}'", f"use one of: {', '.join(STATUSES)}")
    return status


def clean_tags(tags: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        if not isinstance(tag, str):
            raise InputError(f"tag {tag!r} is not text", "send tags as a list of strings")
        tag = " ".join(tag.split()).lower()
        if not tag:
            continue
        if len(tag) > MAX_TAG_CHARS:
            raise InputError(f"tag '{tag[:20]}…' is longer than {MAX_TAG_CHARS} characters", "use a short tag")
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise InputError(f"{len(cleaned)} tags on one submission; at most {MAX_TAGS}", "remove some tags")
    return cleaned


def _event(session: Session, submission: Submission, actor: str, field: str, old: Any, new: Any,
           note: str | None) -> None:
    def text(value: Any) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)

    session.add(TriageEvent(submission_id=submission.id, actor=actor, field=field, old_value=text(old),
                            new_value=text(new), note=note))


def _apply(session: Session, submission: Submission, change: TriageChange, actor: str) -> int:
    events = 0
    if change.status is not UNSET:
        status = validate_status(str(change.status))
        if submission.status != status:
            _event(session, submission, actor, "status", str(submission.status), status, change.note)
            submission.status = SubmissionStatus(status)
            events += 1
    if change.assignee is not UNSET:
        assignee = (change.assignee or "").strip()[:64] or None
        if submission.assignee != assignee:
            _event(session, submission, actor, "assignee", submission.assignee, assignee, change.note)
            submission.assignee = assignee
            events += 1
    if change.tags is not UNSET or change.add_tags or change.remove_tags:
        current = list(submission.tags or [])
        tags = clean_tags(change.tags) if change.tags is not UNSET else list(current)
        removed = set(clean_tags(change.remove_tags))
        tags = clean_tags([t for t in tags + clean_tags(change.add_tags) if t not in removed])
        if tags != current:
            _event(session, submission, actor, "tags", current, tags, change.note)
            submission.tags = tags  # a new list: JSON columns notice reassignment only
            events += 1
    if change.notes is not UNSET:
        notes = (change.notes or "").strip() or None
        if notes is not None and len(notes) > MAX_NOTES_CHARS:
            raise InputError(f"notes have {len(notes)} characters; at most {MAX_NOTES_CHARS}", "shorten the notes")
        if submission.notes != notes:
            old = f"{len(submission.notes)} chars" if submission.notes else None
            _event(session, submission, actor, "notes", old, f"{len(notes)} chars" if notes else None, change.note)
            submission.notes = notes
            events += 1
    return events


def _get(session: Session, submission_id: int) -> Submission:
    return get_or_raise(session, Submission, submission_id, "submission")


class StaleEdit(CivicaiError):
    """Someone changed the submission since this edit's version was read (HTTP 409)."""


def update_submission(session: Session, submission_id: int, change: TriageChange, *, actor: str,
                      expected_version: int | None = None) -> Submission:
    """Change one submission and log every changed field. Unchanged values add no event. With expected_version
    (the `version` the editor saw), an edit made on an older version is refused instead of overwriting."""
    if not actor:
        raise InputError("a triage change needs an actor", "pass the user name of who made the change")
    submission = _get(session, submission_id)
    if expected_version is not None and submission.version != expected_version:
        raise StaleEdit(f"submission {submission_id} was changed by someone else (version {submission.version}, "
                        f"your edit was made on version {expected_version})", "reload it and make the edit again")
    if _apply(session, submission, change, actor):
        _bump(session, submission)
    session.flush()
    return submission


def _bump(session: Session, submission: Submission) -> None:
    """version + 1, but only if nobody bumped it since we read it: the database settles a race (409 for the
    loser), which the check above alone could not."""
    seen = submission.version
    session.flush()
    bumped = session.execute(update(Submission).where(Submission.id == submission.id, Submission.version == seen)
                             .values(version=seen + 1).execution_options(synchronize_session=False)).rowcount
    if bumped != 1:
        raise StaleEdit(f"submission {submission.id} was changed by someone else at the same time",
                        "reload it and make the edit again")
    session.refresh(submission, ["version"])


def bulk_update(session: Session, submission_ids: Sequence[int], change: TriageChange, *, actor: str) -> int:
    """Apply one change to many submissions (all or nothing: one unknown id fails the whole batch).
    Returns the number of events written."""
    if not submission_ids:
        raise InputError("no submissions selected", "select at least one submission")
    if len(submission_ids) > 10_000:
        raise InputError(f"{len(submission_ids)} submissions in one bulk action; at most 10000", "split the batch")
    wanted = list(dict.fromkeys(int(i) for i in submission_ids))
    found = {s.id: s for s in session.scalars(select(Submission).where(Submission.id.in_(wanted)))}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise LookupError(f"submission(s) {', '.join(map(str, missing[:10]))} do not exist")
    events = 0
    for i in wanted:
        changed = _apply(session, found[i], change, actor)
        if changed:
            _bump(session, found[i])
        events += changed
    session.flush()
    return events


def record_theme_change(session: Session, submission_ids: Sequence[int], *, actor: str, old: str | None,
                        new: str | None, note: str | None = None) -> None:
    """Theme edits (merge, split, delete) move submissions between themes: log it on each submission."""
    for submission_id in submission_ids:
        session.add(TriageEvent(submission_id=int(submission_id), actor=actor, field="theme", old_value=old,
                                new_value=new, note=note))


def history(session: Session, submission_id: int | None = None, *, consultation_id: int | None = None,
            limit: int = 200) -> list[EventView]:
    """Newest first: one submission's trail, or a consultation's."""
    query = select(TriageEvent).order_by(TriageEvent.id.desc()).limit(limit)
    if submission_id is not None:
        _get(session, submission_id)
        query = query.where(TriageEvent.submission_id == submission_id)
    if consultation_id is not None:
        query = query.join(Submission).where(Submission.consultation_id == consultation_id)
    return [EventView(e.id, e.submission_id, e.actor, e.at, e.field, e.old_value, e.new_value, e.note)
            for e in session.scalars(query)]


__all__ = ["STATUSES", "UNSET", "EventView", "TriageChange", "bulk_update", "clean_tags", "history",
           "record_theme_change", "update_submission", "validate_status"]
