"""What the staff workspace tells an officer about an upload before it is analysed: which columns look like
demographic group columns (offered for the bias audit at once), and whether the same file was analysed before
(one rule, `refuse_repeat_analysis`, for the /staff app and POST /api/analyses)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicai.errors import CivicaiError
from civicai.store.schema import AnalysisRun, Consultation, Job, JobStatus

# names that are never group columns: free text, identifiers, dates, contact details, the declared language
NOT_GROUPS = re.compile(r"(^|_|\b)(id|uuid|text|comment|answer|response|body|date|time|timestamp|created|updated|"
                        r"email|e-mail|phone|name|address|url|lang|language|locale)($|_|\b)", re.I)
MAX_GROUP_VALUES = 30


def group_candidates(columns: Sequence[str], records: Sequence[dict[str, Any]], skip: Sequence[str | None]) -> list[str]:
    """Columns with few repeated values (district, age band, gender, ...): what the audit compares groups by.
    A column qualifies when at least half the rows fill it, it has 2 to 30 distinct values and values repeat
    (fewer distinct values than a third of the filled rows): an id or a free-text column never does."""
    found = []
    for column in columns:
        if column in skip or NOT_GROUPS.search(column):
            continue
        values = [str(r.get(column, "") or "").strip() for r in records]
        filled = [v for v in values if v]
        distinct = set(filled)
        if (len(filled) * 2 >= len(values) and 2 <= len(distinct) <= MAX_GROUP_VALUES
                and len(distinct) * 3 <= len(filled) and max(len(v) for v in distinct) <= 60):
            found.append(column)
    return found


def earlier_analyses(session: Session, sha256: str) -> list[dict[str, Any]]:
    """Runs whose input file had this content (run.json's input.sha256), newest first."""
    found = []
    for run in session.scalars(select(AnalysisRun).order_by(AnalysisRun.id.desc())):
        if ((run.manifest or {}).get("input") or {}).get("sha256") == sha256:
            consultation = session.get(Consultation, run.consultation_id)
            found.append({"run_id": run.id, "consultation_id": run.consultation_id,
                          "consultation": consultation.name if consultation else "",
                          "when": (run.finished_at or run.started_at).strftime("%Y-%m-%d %H:%M")
                          if (run.finished_at or run.started_at) else ""})
    return found


def file_sha256(path: Path) -> str:
    from civicai.pipeline.checkpoint import file_sha256 as sha

    return sha(path)


class AlreadyAnalysed(CivicaiError):
    """The file was analysed before, or is being analysed now (HTTP 409 unless the caller asks again anyway)."""


def pending_analyses(session: Session, sha256: str) -> list[int]:
    """Queued or running analyses of a file with this content (their input is still on disk), oldest first."""
    found = []
    for job in session.scalars(select(Job).where(Job.kind == "analyse", Job.status.in_(
            [JobStatus.QUEUED, JobStatus.RUNNING])).order_by(Job.id)):
        source = Path(str((job.params or {}).get("input_path") or ""))
        if source.is_file() and file_sha256(source) == sha256:
            found.append(job.id)
    return found


def refuse_repeat_analysis(session: Session, path: Path, again: bool, how_to_repeat: str) -> None:
    """Refuse to analyse a file that was analysed before (or is being analysed) unless `again`: a second,
    identical consultation is nearly always an officer's slip, in the staff app and through the API alike.
    `how_to_repeat` says how this caller asks again anyway (a tick box, a request field)."""
    if again:
        return
    sha = file_sha256(path)
    earlier = earlier_analyses(session, sha)
    if earlier:
        first = earlier[0]
        raise AlreadyAnalysed(f"'{path.name}' was already analysed: consultation {first['consultation_id']} "
                              f"({first['consultation']}), run {first['run_id']}, {first['when']}",
                              f"open that consultation to see its results, or {how_to_repeat} to make a second "
                              "consultation from it")
    pending = pending_analyses(session, sha)
    if pending:
        raise AlreadyAnalysed(f"'{path.name}' is being analysed now (job {pending[0]})",
                              f"wait for job {pending[0]}, or {how_to_repeat} to make a second consultation from it")
