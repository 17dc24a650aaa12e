"""Staff review of a run's theme mapping: confirm, reject or add themes (and a position) for a submission, then
re-map the rest with the model that learns from those reviews (civicai.cluster.learned).

Every review is a `theme_review` TriageEvent (append-only, so the trail of who confirmed what can only grow):
old_value holds the theme keys before, new_value `{"run": id, "themes": [keys], "position": ...}`. The current
reviewed state of a run is the last review per submission. `remap_run` refits per question on the run's
submissions and moves only unreviewed submissions; reviewed ones keep exactly what the reviewer decided.
Theme labels and summaries are not touched, so staff renames stick through remaps.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicai.errors import InputError
from civicai.store.db import get_or_raise
from civicai.store.schema import AnalysisRun, Submission, Theme, ThemeMembership, TriageEvent

FIELD = "theme_review"


@dataclass
class RemapResult:
    run_id: int
    reviewed: int
    moved: int  # unreviewed submissions whose theme set changed
    positions_shown: dict[str, bool] = field(default_factory=dict)  # per question: learned position shown?
    learners: dict[str, str] = field(default_factory=dict)  # per question: "centroid" or "ridge" (cluster.learned)
    suggestions: list[int] = field(default_factory=list)  # submission ids to review next


def _leaf_themes(session: Session, run_id: int) -> list[Theme]:
    themes = list(session.scalars(select(Theme).where(Theme.run_id == run_id).order_by(Theme.id)))
    parents = {t.parent_id for t in themes if t.parent_id is not None}
    return [t for t in themes if t.id not in parents]


def _memberships(session: Session, theme_ids: Sequence[int]) -> dict[int, list[ThemeMembership]]:
    out: dict[int, list[ThemeMembership]] = defaultdict(list)
    for m in session.scalars(select(ThemeMembership).where(ThemeMembership.theme_id.in_(list(theme_ids)))):
        out[m.submission_id].append(m)
    return out


def review_submission(session: Session, run_id: int, submission_id: int, themes: Sequence[str], *, actor: str,
                      position: str | None = None, note: str | None = None) -> dict[str, Any]:
    """Set a submission's themes in this run to exactly `themes` (theme keys; empty = none fits), optionally its
    position, and log who decided it. Confirming = sending the current keys; rejecting = leaving one out."""
    from civicai.sentiment.position import POSITIONS

    run = get_or_raise(session, AnalysisRun, run_id, "analysis run")
    submission = get_or_raise(session, Submission, submission_id, "submission")
    if submission.consultation_id != run.consultation_id:
        raise InputError(f"submission {submission_id} is not in run {run_id}'s consultation", "pick a run of it")
    leaves = {t.key: t for t in _leaf_themes(session, run_id)}
    unknown = [k for k in themes if k not in leaves]
    if unknown:
        raise InputError(f"unknown theme keys {unknown} in run {run_id}", f"use some of: {', '.join(sorted(leaves))}")
    if position is not None and position not in POSITIONS:
        raise InputError(f"unknown position '{position}'", f"use one of: {', '.join(POSITIONS)}")
    keys = list(dict.fromkeys(themes))
    by_id = {t.id: t for t in leaves.values()}
    current = _memberships(session, list(by_id)).get(submission_id, [])
    old = [by_id[m.theme_id].key for m in sorted(current, key=lambda m: not m.is_primary)]
    _set_themes(session, submission_id, [leaves[k] for k in keys], current)
    if position is not None:
        submission.sentiment = position
    session.add(TriageEvent(submission_id=submission_id, actor=actor, field=FIELD, old_value=json.dumps(old),
                            new_value=json.dumps({"run": run_id, "themes": keys, "position": position}), note=note))
    session.flush()
    return {"submission_id": submission_id, "run_id": run_id, "themes": keys, "previous": old, "position": position}


def _set_themes(session: Session, submission_id: int, themes: Sequence[Theme], current: Sequence[ThemeMembership]) -> None:
    for m in current:
        session.delete(m)
    session.flush()
    for rank, theme in enumerate(themes):
        session.add(ThemeMembership(theme_id=theme.id, submission_id=submission_id, score=1.0, is_primary=rank == 0))


def run_reviews(session: Session, run_id: int) -> dict[int, dict[str, Any]]:
    """The last review of each submission in this run: {submission_id: {"themes", "position", "actor", "at"}}."""
    run = get_or_raise(session, AnalysisRun, run_id, "analysis run")
    events = session.scalars(select(TriageEvent).join(Submission).where(
        TriageEvent.field == FIELD, Submission.consultation_id == run.consultation_id).order_by(TriageEvent.id))
    out: dict[int, dict[str, Any]] = {}
    for e in events:
        value = json.loads(e.new_value or "{}")
        if value.get("run") == run_id:
            # "before": the theme keys the run gave it before anyone reviewed it (the first review's old value)
            before = out[e.submission_id]["before"] if e.submission_id in out else json.loads(e.old_value or "[]")
            out[e.submission_id] = {"themes": value.get("themes", []), "position": value.get("position"),
                                    "actor": e.actor, "at": e.at.isoformat() if e.at else None, "before": before}
    return out


def remap_run(session: Session, run_id: int, *, actor: str, embedder_name: str = "use",
              suggest: int = 10) -> RemapResult:
    """Re-map every unreviewed submission of the run from the reviews so far, per question, and propose the
    next submissions to review (the least like anything reviewed first: cluster.learned.ReviewedMapper.suggest)."""

    from civicai.cluster.learned import PositionLearner, Review, ReviewedMapper
    from civicai.cluster.mapping import embed_themes
    from civicai.embed import get_embedder
    from civicai.pipeline.themes_input import GivenTheme
    from civicai.sentiment.position import load_position_model

    run = get_or_raise(session, AnalysisRun, run_id, "analysis run")
    leaves = _leaf_themes(session, run_id)
    if not leaves:
        raise InputError(f"run {run_id} has no themes to map onto", "analyse the consultation first")
    reviews = run_reviews(session, run_id)
    members = _memberships(session, [t.id for t in leaves])
    submissions = list(session.scalars(select(Submission).where(
        Submission.consultation_id == run.consultation_id, Submission.duplicate_of.is_(None),
        Submission.erased_at.is_(None)).order_by(Submission.id)))
    theme_question: dict[int, str] = {}
    question_of = {s.id: s.question or "" for s in submissions}
    for t in leaves:  # a theme belongs to the question most of its members answered
        asked = Counter(question_of.get(m, "") for m, ms in members.items() if any(x.theme_id == t.id for x in ms))
        theme_question[t.id] = asked.most_common(1)[0][0] if asked else ""
    embedder = get_embedder(embedder_name)
    base = load_position_model(embedder.model_id)
    result = RemapResult(run_id, len(reviews), 0)
    discovered = (run.manifest or {}).get("mode") == "discover"
    suggestions: list[int] = []
    for question in sorted(set(question_of.values())):
        group = [s for s in submissions if question_of[s.id] == question]
        themes = [t for t in leaves if theme_question[t.id] == question] or leaves
        if not group:
            continue
        index = {t.key: j for j, t in enumerate(themes)}
        given = [GivenTheme(t.key, t.label, t.summary or "", examples=[q["text"] for q in (t.quotes or [])
                                                                       if isinstance(q, dict) and q.get("text")][:4])
                 for t in themes]
        texts = [s.text_redacted or " " for s in group]
        X = embedder.encode(texts)
        reviewed = {i: Review(frozenset(index[k] for k in reviews[s.id]["themes"] if k in index),
                              reviews[s.id]["position"]) for i, s in enumerate(group) if s.id in reviews}
        # a discovery run's themes are where its clusters are: the learner starts there (cluster.learned.fit)
        # (a reviewed submission as the run had it before its review: what the reviewer corrected is the signal)
        slot = {t.id: j for j, t in enumerate(themes)}
        current = [[index[k] for k in reviews[s.id]["before"] if k in index] if s.id in reviews else
                   [slot[m.theme_id] for m in sorted(members.get(s.id, []), key=lambda m: not m.is_primary)
                    if m.theme_id in slot] for s in group] if discovered else None
        mapper = ReviewedMapper(embed_themes(given, embedder), given).fit(X, reviewed, current)
        prediction = mapper.predict(X, texts)
        predicted = prediction.themes
        result.learners[question] = prediction.learner
        for i, s in enumerate(group):
            if i in reviewed:
                continue
            current = members.get(s.id, [])
            before = [m.theme_id for m in sorted(current, key=lambda m: not m.is_primary)]
            after = [themes[t].id for t in predicted[i]]
            if before != after:
                _set_themes(session, s.id, [themes[t] for t in predicted[i]], current)
                result.moved += 1
        labelled = {i: r.position for i, r in reviewed.items() if r.position}
        if base is not None and labelled:
            proba = base.predict_proba(X)
            learner = PositionLearner().fit(X, proba, labelled)
            result.positions_shown[question] = bool(learner.heldout_.get("show"))
            if learner.heldout_.get("show"):
                for i, label in enumerate(learner.predict(X, proba)):
                    if i not in reviewed:
                        group[i].sentiment = label
        suggestions += [group[i].id for i in mapper.suggest(X, texts, count=suggest)]
    result.suggestions = suggestions[:suggest] if len(set(question_of.values())) == 1 else suggestions
    manifest = dict(run.manifest or {})
    manifest["review_log"] = [*manifest.get("review_log", []), {
        "at": datetime.now(UTC).isoformat(timespec="seconds"), "actor": actor, "action": "remap",
        "reviewed": result.reviewed, "moved": result.moved, "positions_shown": result.positions_shown,
        "learners": result.learners}]
    run.manifest = manifest  # reassign: JSON columns notice new objects only
    session.flush()
    _refresh_sizes(session, leaves)
    return result


def _refresh_sizes(session: Session, themes: Sequence[Theme]) -> None:
    """size counts distinct voices, weight counts copies too (as the pipeline does)."""
    for t in themes:
        rows = session.execute(select(Submission.duplicate_of).join(ThemeMembership).where(
            ThemeMembership.theme_id == t.id)).all()
        t.size = sum(1 for (dup,) in rows if dup is None)
        t.weight = float(len(rows))
