"""ORM half of the append-only rule for triage_events (the database half is a trigger, migration 0001).

Why both: the ORM guard gives a clear Python error at the line that tried; the trigger also stops raw
SQL, other programs and psql sessions, which no Python hook can see.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, object_session

from civicai.errors import CivicaiError
from civicai.store.schema import TriageEvent

APPEND_ONLY_HINT = "record a new TriageEvent instead of changing or deleting an old one"


class AppendOnlyError(CivicaiError):
    """Someone tried to change or delete an append-only row."""


def _refuse_change(mapper: Mapper[Any], connection: Any, target: TriageEvent) -> None:
    session = object_session(target)
    # Flushes visit every "dirty" object, even with no net change; only refuse real changes.
    if mapper.class_ is TriageEvent and session is not None and not session.is_modified(
            target, include_collections=False):
        return
    raise AppendOnlyError(f"triage event {target.id} cannot be updated: triage_events is append-only",
                          APPEND_ONLY_HINT)


def _refuse_delete(mapper: Mapper[Any], connection: Any, target: TriageEvent) -> None:
    raise AppendOnlyError(f"triage event {target.id} cannot be deleted: triage_events is append-only",
                          APPEND_ONLY_HINT)


def _refuse_bulk(state: ORMExecuteState) -> None:
    """Catches session.execute(update(TriageEvent)) / delete(...), which skip the mapper events."""
    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ is TriageEvent:
        verb = "update" if state.is_update else "delete"
        raise AppendOnlyError(f"bulk {verb} of triage_events refused: the table is append-only",
                              APPEND_ONLY_HINT)


event.listen(TriageEvent, "before_update", _refuse_change)
event.listen(TriageEvent, "before_delete", _refuse_delete)
event.listen(Session, "do_orm_execute", _refuse_bulk)
