"""The review loop: staff rename, merge, split and delete themes and edit summaries, then re-map.

Edits change the run's themes in the database; each is logged in the run manifest's `review_log` (who, when,
what) and, where submissions move between themes, as a `theme` event in their triage trail. `edited_theme_set`
writes the edited themes in the `--themes` format, so the pipeline can map every submission onto them again.
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from civicai.errors import InputError
from civicai.store.schema import AnalysisRun, Submission, Theme, ThemeMembership
from civicai.triage import record_theme_change
from civicai.workspace.queries import get_run, get_theme

MAX_LABEL = 300
MAX_SUMMARY = 5000


def _log(session: Session, run: AnalysisRun, actor: str, action: str, **details: Any) -> None:
    manifest = dict(run.manifest or {})
    log = list(manifest.get("review_log", []))
    log.append({"at": datetime.now(UTC).isoformat(timespec="seconds"), "actor": actor, "action": action, **details})
    manifest["review_log"] = log
    run.manifest = manifest  # reassign: JSON columns notice new objects only


def _clean_label(label: str) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise InputError("the theme label is empty", "give the theme a short name")
    if len(label) > MAX_LABEL:
        raise InputError(f"the label has {len(label)} characters; at most {MAX_LABEL}", "shorten it")
    return label


def _members(session: Session, theme_id: int) -> list[int]:
    return list(session.scalars(select(ThemeMembership.submission_id).where(ThemeMembership.theme_id == theme_id)))


def _refresh_size(session: Session, theme: Theme) -> None:
    """size counts distinct voices (copies excluded), weight counts copies too (as the pipeline does);
    duplicates and campaign copies are members of their theme as well."""
    members = _members(session, theme.id)
    copies = session.scalar(select(func.count()).where(Submission.id.in_(members),
                                                       Submission.duplicate_of.is_not(None))) if members else 0
    theme.size = len(members) - int(copies or 0)
    theme.weight = float(len(members))
    # position and language counts over the same distinct voices as size (as the pipeline counts them); after a
    # merge or split the old counts described other members (issue 17)
    voices = session.execute(select(Submission.sentiment, Submission.language).where(
        Submission.id.in_(members), Submission.duplicate_of.is_(None))).all() if members else []
    theme.sentiment = dict(sorted(Counter(s or "unknown" for s, _ in voices).items()))
    theme.languages = dict(Counter(lang or "und" for _, lang in voices).most_common())


def rename_theme(session: Session, theme_id: int, label: str, *, actor: str) -> Theme:
    theme = get_theme(session, theme_id)
    label = _clean_label(label)
    _log(session, theme.run, actor, "rename", theme=theme.key, old=theme.label, new=label)
    theme.label = label
    session.flush()
    return theme


def edit_summary(session: Session, theme_id: int, summary: str, *, actor: str) -> Theme:
    theme = get_theme(session, theme_id)
    summary = (summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        raise InputError(f"the summary has {len(summary)} characters; at most {MAX_SUMMARY}", "shorten it")
    _log(session, theme.run, actor, "edit_summary", theme=theme.key, old_chars=len(theme.summary or ""),
         new_chars=len(summary))
    theme.summary = summary
    session.flush()
    return theme


def merge_themes(session: Session, target_id: int, source_ids: list[int], *, actor: str,
                 label: str | None = None) -> Theme:
    """Move every member and quote of the sources into the target, then delete the sources."""
    target = get_theme(session, target_id)
    sources = [get_theme(session, i) for i in dict.fromkeys(source_ids) if i != target_id]
    if not sources:
        raise InputError("nothing to merge: give at least one other theme", "select two or more themes")
    if any(s.run_id != target.run_id for s in sources):
        raise InputError("themes from different runs cannot be merged", "merge themes of one analysis run")
    held = set(_members(session, target.id))
    quotes = list(target.quotes or [])
    for source in sources:
        moved = [m for m in _members(session, source.id) if m not in held]
        record_theme_change(session, moved, actor=actor, old=source.label, new=target.label, note="merge")
        session.execute(update(ThemeMembership).where(ThemeMembership.theme_id == source.id,
                                                      ThemeMembership.submission_id.in_(moved))
                        .values(theme_id=target.id))
        session.execute(delete(ThemeMembership).where(ThemeMembership.theme_id == source.id))
        session.execute(update(Theme).where(Theme.parent_id == source.id).values(parent_id=target.id))
        held.update(moved)
        quotes.extend(source.quotes or [])
        target.keywords = list(dict.fromkeys(list(target.keywords or []) + list(source.keywords or [])))[:12]
    _log(session, target.run, actor, "merge", theme=target.key, merged=[s.key for s in sources])
    for source in sources:
        session.delete(source)
    target.quotes = quotes[:8]
    if label:
        target.label = _clean_label(label)
    session.flush()
    _refresh_size(session, target)
    session.flush()
    return target


def split_theme(session: Session, theme_id: int, submission_ids: list[int], label: str, *, actor: str) -> Theme:
    """Move the given members into a new theme of the same run (the rest stay)."""
    theme = get_theme(session, theme_id)
    label = _clean_label(label)
    members = set(_members(session, theme.id))
    chosen = list(dict.fromkeys(int(i) for i in submission_ids))
    if not chosen:
        raise InputError("no submissions chosen for the new theme", "select the submissions to split off")
    outside = [i for i in chosen if i not in members]
    if outside:
        raise InputError(f"submission(s) {', '.join(map(str, outside[:10]))} are not in theme '{theme.label}'",
                         "pick members of the theme you split")
    if len(chosen) == len(members):
        raise InputError("every member would move: that is a rename, not a split", "leave some members behind")
    keys = set(session.scalars(select(Theme.key).where(Theme.run_id == theme.run_id)))
    n = 1
    while f"{theme.key}s{n}" in keys:
        n += 1
    new = Theme(run_id=theme.run_id, key=f"{theme.key}s{n}"[:32], label=label, summary="",
                keywords=[], parent_id=theme.parent_id, sentiment={}, languages={},
                quotes=[q for q in (theme.quotes or []) if isinstance(q, dict) and q.get("submission_id") in chosen])
    session.add(new)
    session.flush()
    theme.quotes = [q for q in (theme.quotes or []) if not (isinstance(q, dict) and q.get("submission_id") in chosen)]
    session.execute(update(ThemeMembership).where(ThemeMembership.theme_id == theme.id,
                                                  ThemeMembership.submission_id.in_(chosen))
                    .values(theme_id=new.id))
    record_theme_change(session, chosen, actor=actor, old=theme.label, new=label, note="split")
    _log(session, theme.run, actor, "split", theme=theme.key, new_theme=new.key, moved=len(chosen))
    session.flush()
    _refresh_size(session, theme)
    _refresh_size(session, new)
    session.flush()
    return new


def delete_theme(session: Session, theme_id: int, *, actor: str) -> int:
    """Delete a theme; its members become unassigned in this run (until a re-map). Returns how many moved."""
    theme = get_theme(session, theme_id)
    members = _members(session, theme.id)
    record_theme_change(session, members, actor=actor, old=theme.label, new=None, note="theme deleted")
    session.execute(update(Theme).where(Theme.parent_id == theme.id).values(parent_id=None))
    session.execute(delete(ThemeMembership).where(ThemeMembership.theme_id == theme.id))
    _log(session, theme.run, actor, "delete", theme=theme.key, label=theme.label, members=len(members))
    session.delete(theme)
    session.flush()
    return len(members)


def edited_theme_set(session: Session, run_id: int, path: Path) -> Path:
    """Write the run's current (edited) leaf themes in the pipeline's --themes format; per question where the
    run's themes.json says which question a theme belongs to."""
    run = get_run(session, run_id)
    themes = list(session.scalars(select(Theme).where(Theme.run_id == run_id).order_by(Theme.id)))
    parents = {t.parent_id for t in themes if t.parent_id is not None}
    leaves = [t for t in themes if t.id not in parents]
    if not leaves:
        raise InputError(f"run {run_id} has no themes left to map onto", "keep or create at least one theme")
    question_of: dict[str, Any] = {}
    source = Path(run.out_dir or "") / "themes.json"
    if run.out_dir and source.is_file():
        for record in json.loads(source.read_text(encoding="utf-8")):
            question_of[record.get("id")] = record.get("question")

    def entry(t: Theme) -> dict[str, Any]:
        return {"id": t.key, "label": t.label, "description": t.summary or "", "keywords": list(t.keywords or []),
                "examples": [q["text"] for q in (t.quotes or []) if isinstance(q, dict) and q.get("text")][:4]}

    questions = {question_of.get(t.key.split("s")[0] if t.key not in question_of else t.key) for t in leaves}
    if len(questions - {None}) > 1:
        data: Any = {}
        for t in leaves:
            q = question_of.get(t.key) or question_of.get(t.key.rsplit("s", 1)[0])
            data.setdefault(str(q), []).append(entry(t))
    else:
        data = [entry(t) for t in leaves]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
