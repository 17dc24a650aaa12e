"""What the staff workspace tells an officer about an upload before it is analysed: which columns look like
demographic group columns (offered for the bias audit at once), and whether the same file was analysed before."""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicai.store.schema import AnalysisRun, Consultation

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
