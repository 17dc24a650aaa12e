"""Read side of the staff workspace: consultations, runs, themes, submissions with filters, the 2-D map.

Shared by the /api routers and the Gradio apps, so both show the same numbers. Demographic attributes are only
used as filters and in aggregate; they are not copied into submission rows.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from civicai.errors import InputError
from civicai.store.db import get_or_raise
from civicai.store.schema import AnalysisRun, Consultation, Submission, Theme, ThemeMembership
from civicai.workspace.privacy import check_group_filter

MAX_PAGE = 500


@dataclass
class SubmissionFilter:
    """Every filter the workspace offers; empty fields do not filter."""

    consultation_id: int | None = None
    run_id: int | None = None
    theme_id: int | None = None
    status: str | None = None
    language: str | None = None
    sentiment: str | None = None
    tag: str | None = None
    assignee: str | None = None
    campaign: bool | None = None  # True: only campaign copies; False: exclude them
    duplicates: bool | None = None  # True: only duplicates; False: exclude them
    unassigned: bool = False  # only submissions no theme of run_id holds
    group: dict[str, str] = field(default_factory=dict)  # attribute column -> value
    q: str | None = None  # words in the redacted text
    ids: list[int] | None = None
    min_group_size: int = 5  # Settings.min_group_size: smaller groups are refused (workspace.privacy)


def consultation_rows(session: Session) -> list[dict[str, Any]]:
    counts = dict(session.execute(select(Submission.consultation_id, func.count())
                                  .group_by(Submission.consultation_id)).all())
    rows = []
    for c in session.scalars(select(Consultation).order_by(Consultation.id.desc())):
        run = latest_run(session, c.id)
        rows.append({"id": c.id, "name": c.name, "question": c.question, "created_at": c.created_at.isoformat(),
                     "submissions": counts.get(c.id, 0), "latest_run_id": run.id if run else None,
                     "latest_run_status": str(run.status) if run else None})
    return rows


def get_consultation(session: Session, consultation_id: int) -> Consultation:
    return get_or_raise(session, Consultation, consultation_id, "consultation")


def latest_run(session: Session, consultation_id: int) -> AnalysisRun | None:
    return session.scalars(select(AnalysisRun).where(AnalysisRun.consultation_id == consultation_id)
                           .order_by(AnalysisRun.id.desc())).first()


def get_run(session: Session, run_id: int) -> AnalysisRun:
    return get_or_raise(session, AnalysisRun, run_id, "analysis run")


def run_row(run: AnalysisRun) -> dict[str, Any]:
    manifest = run.manifest or {}
    return {"id": run.id, "consultation_id": run.consultation_id, "status": str(run.status),
            "started_at": run.started_at.isoformat() if run.started_at else None,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "mode": manifest.get("mode"), "counts": manifest.get("counts", {}),
            # the run folder's name: where the server keeps it is none of a reader's business (review s8)
            "output_folder": Path(run.out_dir).name if run.out_dir else None,
            "review_log": manifest.get("review_log", [])}


def run_rows(session: Session, consultation_id: int | None = None) -> list[dict[str, Any]]:
    query = select(AnalysisRun).order_by(AnalysisRun.id.desc())
    if consultation_id is not None:
        query = query.where(AnalysisRun.consultation_id == consultation_id)
    return [run_row(r) for r in session.scalars(query)]


def theme_row(theme: Theme, with_quotes: bool = True) -> dict[str, Any]:
    """A theme as the API shows it; a parent without quotes of its own shows its sub-themes' first quotes."""
    row = {"id": theme.id, "run_id": theme.run_id, "key": theme.key, "label": theme.label, "summary": theme.summary,
           "keywords": list(theme.keywords or []), "size": theme.size, "weight": theme.weight,
           "parent_id": theme.parent_id, "sentiment": dict(theme.sentiment or {}),
           "languages": dict(theme.languages or {})}
    if with_quotes:
        quotes = list(theme.quotes or [])
        if not quotes:
            quotes = [q for child in theme.children for q in (child.quotes or [])[:2]][:6]
        row["quotes"] = quotes
        row["children"] = [{"id": c.id, "label": c.label, "size": c.size} for c in theme.children]
    return row


def theme_rows(session: Session, run_id: int) -> list[dict[str, Any]]:
    get_run(session, run_id)
    themes = session.scalars(select(Theme).where(Theme.run_id == run_id).order_by(Theme.size.desc(), Theme.id))
    return [theme_row(t) for t in themes]


def get_theme(session: Session, theme_id: int) -> Theme:
    return get_or_raise(session, Theme, theme_id, "theme")


def _filtered(flt: SubmissionFilter) -> Select:
    query = select(Submission)
    if flt.consultation_id is not None:
        query = query.where(Submission.consultation_id == flt.consultation_id)
    if flt.theme_id is not None:
        # a parent theme holds the members of its sub-themes
        family = select(Theme.id).where(or_(Theme.id == flt.theme_id, Theme.parent_id == flt.theme_id))
        query = query.where(Submission.id.in_(select(ThemeMembership.submission_id)
                                              .where(ThemeMembership.theme_id.in_(family))))
    if flt.unassigned:
        if flt.run_id is None:
            raise InputError("the 'unassigned' filter needs a run", "pass run_id as well")
        held = select(ThemeMembership.submission_id).join(Theme).where(Theme.run_id == flt.run_id)
        query = query.where(Submission.id.not_in(held))
    for name in ("status", "language", "sentiment", "assignee"):
        value = getattr(flt, name)
        if value:
            query = query.where(getattr(Submission, name) == value)
    if flt.campaign is not None:
        query = query.where(Submission.campaign_id.is_not(None) if flt.campaign else Submission.campaign_id.is_(None))
    if flt.duplicates is not None:
        query = query.where(Submission.duplicate_of.is_not(None) if flt.duplicates
                            else Submission.duplicate_of.is_(None))
    if flt.q:
        words = [w for w in flt.q.split() if w][:8]
        query = query.where(*[Submission.text_redacted.ilike(f"%{_escape_like(w)}%", escape="\\") for w in words])
    if flt.ids:
        query = query.where(Submission.id.in_(flt.ids))
    return query


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _python_filters(rows: list[Submission], flt: SubmissionFilter) -> list[Submission]:
    """Tags and attributes are JSON: filtered in Python so SQLite and PostgreSQL behave alike."""
    if flt.tag:
        rows = [s for s in rows if flt.tag.lower() in (s.tags or [])]
    for column, value in flt.group.items():
        rows = [s for s in rows if str((s.attributes or {}).get(column, "")) == str(value)]
    return rows


def find_submissions(session: Session, flt: SubmissionFilter, limit: int = 100, offset: int = 0
                     ) -> tuple[int, list[Submission]]:
    if not 1 <= limit <= MAX_PAGE:
        raise InputError(f"limit {limit} is out of range", f"use 1 to {MAX_PAGE}")
    if offset < 0:
        raise InputError(f"offset {offset} is negative", "use 0 or more")
    _check_filter(session, flt)
    query = _filtered(flt).order_by(Submission.id)
    if flt.tag or flt.group:
        rows = _python_filters(list(session.scalars(query)), flt)
        return len(rows), rows[offset:offset + limit]
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    return total, list(session.scalars(query.limit(limit).offset(offset)))


def _check_scope(session: Session, flt: SubmissionFilter) -> None:
    """A run or theme of another consultation than the filter's is refused, not silently combined (the listing
    would show the consultation's submissions without that run's themes). A run alone bounds the listing to its
    own consultation (it listed every consultation's submissions, most without themes: user trial)."""
    if flt.consultation_id is None:
        if flt.run_id is not None:
            flt.consultation_id = get_run(session, flt.run_id).consultation_id
        return
    if flt.run_id is not None:
        run = get_run(session, flt.run_id)
        if run.consultation_id != flt.consultation_id:
            raise InputError(f"run {flt.run_id} belongs to consultation {run.consultation_id}, not to "
                             f"consultation {flt.consultation_id}",
                             f"pass a run of consultation {flt.consultation_id}, or leave consultation_id out")
    if flt.theme_id is not None:
        theme = get_theme(session, flt.theme_id)
        if theme.run.consultation_id != flt.consultation_id:
            raise InputError(f"theme {flt.theme_id} belongs to consultation {theme.run.consultation_id}, not to "
                             f"consultation {flt.consultation_id}",
                             f"pass a theme of consultation {flt.consultation_id}, or leave consultation_id out")


def _check_filter(session: Session, flt: SubmissionFilter) -> None:
    """Small groups are refused on every listing and export (workspace.privacy), in the filter's consultation."""
    _check_scope(session, flt)
    if not flt.group:
        return
    consultation_id = flt.consultation_id  # a run's own consultation already (_check_scope)
    if consultation_id is None and flt.theme_id is not None:
        consultation_id = get_theme(session, flt.theme_id).run.consultation_id
    check_group_filter(session, consultation_id, flt.group, flt.min_group_size)


def all_submissions(session: Session, flt: SubmissionFilter) -> list[Submission]:
    _check_filter(session, flt)
    return _python_filters(list(session.scalars(_filtered(flt).order_by(Submission.id))), flt)


def themes_by_submission(session: Session, run_id: int | None, submission_ids: list[int]) -> dict[int, list[tuple]]:
    """submission id -> [(theme id, label, is_primary)] in this run, primary first."""
    if run_id is None or not submission_ids:
        return {}
    found: dict[int, list[tuple]] = {}
    rows = session.execute(select(ThemeMembership.submission_id, Theme.id, Theme.label, ThemeMembership.is_primary)
                           .join(Theme).where(Theme.run_id == run_id,
                                              ThemeMembership.submission_id.in_(submission_ids)))
    for sid, tid, label, primary in rows:
        found.setdefault(sid, []).append((tid, label, bool(primary)))
    for items in found.values():
        items.sort(key=lambda t: not t[2])
    return found


def submission_row(s: Submission, themes: list[tuple] | None = None) -> dict[str, Any]:
    return {"id": s.id, "consultation_id": s.consultation_id, "external_id": s.external_id,
            "text": s.text_redacted, "language": s.language, "sentiment": s.sentiment, "status": str(s.status),
            "assignee": s.assignee, "tags": list(s.tags or []), "notes": s.notes, "duplicate_of": s.duplicate_of,
            "campaign_id": s.campaign_id, "themes": [{"id": t[0], "label": t[1], "primary": t[2]} for t in themes or []],
            "erased": s.erased_at is not None, "version": s.version}


def get_submission(session: Session, submission_id: int) -> Submission:
    return get_or_raise(session, Submission, submission_id, "submission")


def group_columns(session: Session, consultation_id: int) -> dict[str, list[str]]:
    """Attribute columns and their values (for filter menus)."""
    values: dict[str, set[str]] = {}
    for attributes in session.scalars(select(Submission.attributes)
                                      .where(Submission.consultation_id == consultation_id).limit(20000)):
        for key, value in (attributes or {}).items():
            values.setdefault(key, set()).add(str(value))
    return {k: sorted(v)[:200] for k, v in sorted(values.items())}


def map_points(session: Session, run_id: int) -> list[dict[str, Any]]:
    """The run's 2-D map (map.csv) joined to the current theme labels and redacted texts."""
    run = get_run(session, run_id)
    path = Path(run.out_dir or "") / "map.csv"
    if not run.out_dir or not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        points = list(csv.DictReader(handle))
    ids = dict(session.execute(select(Submission.external_id, Submission.id)
                               .where(Submission.consultation_id == run.consultation_id)).all())
    texts = dict(session.execute(select(Submission.id, Submission.text_redacted)
                                 .where(Submission.consultation_id == run.consultation_id)).all())
    member = themes_by_submission(session, run_id, list(texts))
    out = []
    for p in points:
        sid = ids.get(p.get("submission_id", "").lstrip("'"))
        if sid is None:
            continue
        themes = member.get(sid, [])
        out.append({"submission_id": sid, "x": float(p["x"]), "y": float(p["y"]),
                    "theme": themes[0][1] if themes else "(unassigned)", "text": (texts.get(sid) or "")[:300]})
    return out


def campaign_rows(session: Session, consultation_id: int) -> list[dict[str, Any]]:
    rows = session.execute(select(Submission.campaign_id, func.count()).where(
        Submission.consultation_id == consultation_id, Submission.campaign_id.is_not(None))
        .group_by(Submission.campaign_id).order_by(func.count().desc())).all()
    duplicates = int(session.scalar(select(func.count()).where(
        Submission.consultation_id == consultation_id, Submission.duplicate_of.is_not(None))) or 0)
    return [{"campaign_id": c, "copies": n} for c, n in rows] + [{"campaign_id": "(exact/near duplicates)",
                                                                  "copies": duplicates}]
