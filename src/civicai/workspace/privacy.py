"""Who may see what: small groups are suppressed on every read path, not only in reports.

A filter on demographic attributes (district, age band, ...) that matches fewer than `min_group_size` people
could single someone out ("the one under-18 in Hillcrest"), so every door that lists, counts or exports
submissions (queries.find_submissions / all_submissions, which the API, the exports and the Gradio apps all
call) refuses it with SmallGroup (HTTP 403), whatever other filters come with it.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicai.errors import CivicaiError
from civicai.store.schema import Submission

DEFAULT_MIN_GROUP_SIZE = 5


class SmallGroup(CivicaiError):
    """A group filter that matches too few people to show (HTTP 403)."""


def group_size(session: Session, consultation_id: int | None, group: dict[str, str]) -> int:
    query = select(Submission.attributes).where(Submission.erased_at.is_(None))
    if consultation_id is not None:
        query = query.where(Submission.consultation_id == consultation_id)
    return sum(1 for attributes in session.scalars(query)
               if all(str((attributes or {}).get(k, "")) == str(v) for k, v in group.items()))


def check_group_filter(session: Session, consultation_id: int | None, group: dict[str, str],
                       min_size: int = DEFAULT_MIN_GROUP_SIZE) -> None:
    """Refuse a group filter whose group (all its conditions together, in the consultation) is too small."""
    if not group:
        return
    if group_size(session, consultation_id, group) < min_size:
        wanted = ", ".join(f"{k}={v}" for k, v in group.items())
        raise SmallGroup(f"the group {wanted} has fewer than {min_size} submissions: it is not shown, so that nobody "
                         "in it can be singled out", "widen the filter (fewer group conditions, or a larger group)")
