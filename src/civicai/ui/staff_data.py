"""Data for the staff workspace, shaped for Gradio components (tables as DataFrames, choices as labels)."""
from __future__ import annotations

import json
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from civicai.cluster.density import auto_min_cluster_size
from civicai.errors import InputError
from civicai.store.db import session_scope
from civicai.store.schema import Job, Submission
from civicai.triage import history
from civicai.ui.common import esc
from civicai.workspace import queries
from civicai.workspace.context import AppContext
from civicai.workspace.jobs import job_view

MEMBER_COLUMNS = ["id", "theme", "status", "language", "position", "assignee", "tags", "text"]
HISTORY_COLUMNS = ["when", "who", "field", "from", "to", "note"]
THEME_COLUMNS = ["id", "theme", "part of", "size", "weight", "keywords", "languages"]


def choice_id(value: str | None) -> int | None:
    """Dropdown labels are 'ID · name'; the id is what the services need."""
    if not value:
        return None
    head = str(value).split("·", 1)[0].strip().lstrip("#")
    return int(head) if head.isdigit() else None


def consultation_choices(ctx: AppContext) -> list[str]:
    with session_scope(ctx.url) as session:
        return [f"{c['id']} · {c['name']} ({c['submissions']} submissions)" for c in queries.consultation_rows(session)]


def run_choices(ctx: AppContext, consultation_id: int | None) -> list[str]:
    if consultation_id is None:
        return []
    with session_scope(ctx.url) as session:
        return [f"{r['id']} · {r['mode'] or 'run'} {r['status']} {(r['finished_at'] or r['started_at'] or '')[:16]}"
                for r in queries.run_rows(session, consultation_id)]


def theme_choices(ctx: AppContext, run_id: int | None) -> list[str]:
    if run_id is None:
        return []
    with session_scope(ctx.url) as session:
        return [f"{t['id']} · {t['label']} ({t['size']})" for t in queries.theme_rows(session, run_id)]


def themes_frame(ctx: AppContext, run_id: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table of themes, long table theme x sentiment for the stacked bar chart, largest theme first).

    The chart shows top-level themes only: a parent holds its sub-themes' members, so charting both would
    count every submission twice (issue 17). The table lists all, each sub-theme naming its parent."""
    if run_id is None:
        return pd.DataFrame(columns=THEME_COLUMNS), pd.DataFrame(columns=["theme", "sentiment", "submissions"])
    with session_scope(ctx.url) as session:
        rows = queries.theme_rows(session, run_id)
    labels = {t["id"]: t["label"] for t in rows}
    table = pd.DataFrame([{"id": t["id"], "theme": t["label"],
                           "part of": f"#{t['parent_id']} {labels.get(t['parent_id'], '')}" if t["parent_id"] else "",
                           "size": t["size"], "weight": t["weight"], "keywords": ", ".join(t["keywords"][:6]),
                           "languages": ", ".join(f"{k}:{v}" for k, v in list(t["languages"].items())[:4])}
                          for t in rows], columns=THEME_COLUMNS)
    bars = []
    for t in sorted((t for t in rows if not t["parent_id"]), key=lambda t: (-t["size"], t["id"])):
        short = t["label"] if len(t["label"]) <= 40 else t["label"][:38] + "…"
        for sentiment, n in (t["sentiment"] or {"unknown": t["size"]}).items():
            bars.append({"theme": f"{short} (#{t['id']})", "sentiment": sentiment, "submissions": int(n)})
    return table, pd.DataFrame(bars, columns=["theme", "sentiment", "submissions"])


def bar_order(bars: pd.DataFrame) -> list[str]:
    """The chart's x order: as the rows come (largest first); the chart would sort them alphabetically."""
    return list(dict.fromkeys(bars["theme"]))


def themes_notice(ctx: AppContext, run_id: int | None) -> str:
    """What the Themes tab says when a run found no themes: why, and where the submissions still are."""
    if run_id is None:
        return ""
    with session_scope(ctx.url) as session:
        if queries.theme_rows(session, run_id):
            return ""
        counts = queries.run_row(queries.get_run(session, run_id))["counts"] or {}
    n = counts.get("submissions", counts.get("accepted"))
    many = f"{n} submissions are" if n else "The submissions are"
    need = auto_min_cluster_size(int(n or 0))
    return (f"**No themes found: too few submissions to find themes.** A theme needs at least {need} "
            f"submissions that say similar things; {many.lower() if not n else many} too few and too varied for "
            "that. Nothing is lost: every "
            "submission is in the **Triage** tab, where you can search, read and triage them; themes appear "
            "once the consultation has more submissions and you run the analysis again.")


# Tableau 20: distinct enough for a map of up to 20 themes; more repeat, the key still names each one.
MAP_PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
               "#9c755f", "#bab0ac", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d", "#f1ce63",
               "#d4a6c8", "#fabfd2", "#d7b5a6", "#79706e"]


def map_colours(points: pd.DataFrame) -> dict[str, str]:
    """A fixed colour per theme of the map, so the key drawn beside it can name them."""
    themes = sorted(set(points["theme"]), key=lambda t: (t == "(unassigned)", t))
    return {t: ("#d4d9df" if t == "(unassigned)" else MAP_PALETTE[i % len(MAP_PALETTE)]) for i, t in enumerate(themes)}


def colour_key_html(title: str, colours: dict[str, str]) -> str:
    """A colour key as plain HTML: it wraps onto as many lines as it needs, where the chart's own legend was
    cut off below the plot (issue 17)."""
    if not colours:
        return ""
    items = "".join(f'<li style="display:inline-flex;align-items:center;gap:.35rem;margin:0 1rem .3rem 0">'
                    f'<span aria-hidden="true" style="display:inline-block;width:.9rem;height:.9rem;'
                    f'border-radius:3px;background:{colour}"></span>{esc(label)}</li>'
                    for label, colour in colours.items())
    return (f'<div class="civicai-key"><b>{esc(title)}</b><ul style="list-style:none;padding:0;margin:.3rem 0 0">'
            f"{items}</ul></div>")


def map_frame(ctx: AppContext, run_id: int | None) -> pd.DataFrame:
    if run_id is None:
        return pd.DataFrame(columns=["x", "y", "theme", "text", "submission_id"])
    with session_scope(ctx.url) as session:
        points = queries.map_points(session, run_id)
    return pd.DataFrame(points, columns=["submission_id", "x", "y", "theme", "text"])


def campaigns_frame(ctx: AppContext, consultation_id: int | None) -> pd.DataFrame:
    if consultation_id is None:
        return pd.DataFrame(columns=["campaign_id", "copies"])
    with session_scope(ctx.url) as session:
        return pd.DataFrame(queries.campaign_rows(session, consultation_id), columns=["campaign_id", "copies"])


def submissions_frame(ctx: AppContext, flt: queries.SubmissionFilter, limit: int = 200
                      ) -> tuple[pd.DataFrame, int, dict[str, int]]:
    """(table, total, file id -> database id). The table shows the file's own id only (issue 17): selecting a
    row maps it back through the returned dict."""
    with session_scope(ctx.url) as session:
        total, rows = queries.find_submissions(session, flt, limit, 0)
        held = queries.themes_by_submission(session, flt.run_id, [r.id for r in rows])
        data, ids = [], {}
        for r in rows:
            row = queries.submission_row(r, held.get(r.id))
            ids[str(row["external_id"])] = row["id"]
            data.append({"id": row["external_id"], "theme": row["themes"][0]["label"] if row["themes"] else "",
                         "status": row["status"], "language": row["language"], "position": row["sentiment"],
                         "assignee": row["assignee"] or "", "tags": ", ".join(row["tags"]),
                         "text": (row["text"] or "")[:240]})
    return pd.DataFrame(data, columns=MEMBER_COLUMNS), total, ids


def resolve_ids(ctx: AppContext, consultation_id: int | None, given: str | None) -> list[int]:
    """Submissions named by their ids in the file ('R0346, R0347'), within one consultation."""
    tokens = [t for t in str(given or "").replace(",", " ").split() if t]
    if not tokens:
        return []
    if consultation_id is None:
        raise InputError("pick a consultation first", "submission ids are the ones in its file")
    with session_scope(ctx.url) as session:
        found = dict(session.execute(select(Submission.external_id, Submission.id).where(
            Submission.consultation_id == consultation_id, Submission.external_id.in_(tokens))).all())
        missing = [t for t in tokens if t not in found]
        if missing:  # 'r0346' for 'R0346': typed ids match regardless of case when that names one submission
            folded = session.execute(select(Submission.external_id, Submission.id).where(
                Submission.consultation_id == consultation_id,
                func.lower(Submission.external_id).in_([t.lower() for t in missing]))).all()
            by_fold: dict[str, list[int]] = {}
            for external, sid in folded:
                by_fold.setdefault(external.lower(), []).append(sid)
            for t in missing:
                if len(by_fold.get(t.lower(), [])) == 1:
                    found[t] = by_fold[t.lower()][0]
    missing = [t for t in tokens if t not in found]
    if missing:
        raise InputError(f"no submission with id {', '.join(missing[:10])} in this consultation",
                         "use the ids shown in the tables, as in the uploaded file")
    return [found[t] for t in tokens]


def theme_detail(ctx: AppContext, theme_id: int | None) -> dict[str, Any] | None:
    if theme_id is None:
        return None
    with session_scope(ctx.url) as session:
        return queries.theme_row(queries.get_theme(session, theme_id))


def submission_detail(ctx: AppContext, submission_id: int | None, run_id: int | None) -> dict[str, Any] | None:
    if not submission_id:
        return None
    with session_scope(ctx.url) as session:
        row = queries.get_submission(session, int(submission_id))
        held = queries.themes_by_submission(session, run_id, [row.id])
        detail = queries.submission_row(row, held.get(row.id))
        detail["history"] = history_frame(history(session, int(submission_id)), row.notes)
    return detail


def _as_text(field: str, value: str | None) -> str:
    """Tags are stored as JSON lists: shown as 'a, b' (issue 17: the history showed raw JSON)."""
    if value is None:
        return ""
    if field == "tags":
        try:
            parsed = json.loads(value)
        except (TypeError, ValueError):
            return value
        return ", ".join(map(str, parsed)) if isinstance(parsed, list) else str(parsed)
    return value


def history_frame(events: list, current_notes: str | None) -> pd.DataFrame:
    """The trail as people read it. The trail keeps a notes change by its length only (it can never be erased,
    and notes may quote citizens); staff, who may read notes, see the current text on the latest notes change."""
    rows, latest_notes = [], True
    for e in events:  # newest first
        old, new = _as_text(e.field, e.old_value), _as_text(e.field, e.new_value)
        if e.field == "notes":
            if latest_notes and current_notes and new:
                new = current_notes
            elif new:
                new = f"(an earlier note, {new}; earlier texts are not kept)"
            old = f"(an earlier note, {old})" if old else ""
            latest_notes = False
        rows.append({"when": e.at.strftime("%Y-%m-%d %H:%M"), "who": e.actor, "field": e.field, "from": old,
                     "to": new, "note": e.note or ""})
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


def jobs_frame(ctx: AppContext, limit: int = 8) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    with session_scope(ctx.url) as session:
        jobs = [job_view(j) for j in session.scalars(select(Job).order_by(Job.id.desc()).limit(limit))]
    table = pd.DataFrame([{"job": j["id"], "kind": j["kind"], "status": j["status"],
                           "progress": f"{100 * j['progress']:.0f}%", "stage": j["message"],
                           "run": (j["result"] or {}).get("run_id") or ""} for j in jobs],
                         columns=JOB_COLUMNS)
    active = next((j for j in jobs if j["kind"] in ("analyse", "remap")), None)
    return table, active


JOB_COLUMNS = ["job", "kind", "status", "progress", "stage", "run"]


def empty_members() -> pd.DataFrame:
    return pd.DataFrame(columns=MEMBER_COLUMNS)


def empty_history() -> pd.DataFrame:
    return pd.DataFrame(columns=HISTORY_COLUMNS)


def empty_jobs() -> pd.DataFrame:
    return pd.DataFrame(columns=JOB_COLUMNS)


def stage_of(job: dict[str, Any]) -> str:
    """'step 4 of 10' while an analysis runs: where it is, besides the percentage."""
    from civicai.workspace.jobs import STAGES

    if job["status"] != "running" or job["kind"] not in ("analyse", "remap"):
        return ""
    steps = list(dict.fromkeys(message for _, _, message in STAGES))
    message = job.get("message") or ""
    if message in steps:
        return f"step {steps.index(message) + 2} of {len(steps) + 1}"
    return "step 1 of " + str(len(steps) + 1) if message in ("starting", "reading and redacting") else ""


def consultation_of_run(ctx: AppContext, run_id: int | None) -> int | None:
    if run_id is None:
        return None
    with session_scope(ctx.url) as session:
        return queries.get_run(session, run_id).consultation_id


REVIEW_POSITIONS = [("keep as it is", "keep"), ("supports", "supports"), ("opposes", "opposes"),
                    ("unclear", "unclear")]
REVIEW_NEXT_COLUMNS = ["id", "theme", "text"]


def theme_review_form(ctx: AppContext, run_id: int | None, submission_id: int | None
                      ) -> tuple[list[tuple[str, str]], list[str], str]:
    """The per-submission theme review (civicai.triage.reviews): (the run's leaf themes as (label, key) choices,
    the submission's current keys, primary first, a line saying whether and how it was reviewed already)."""
    from civicai.store.schema import Theme, ThemeMembership
    from civicai.triage.reviews import run_reviews

    if run_id is None or not submission_id:
        return [], [], ""
    with session_scope(ctx.url) as session:
        themes = list(session.scalars(select(Theme).where(Theme.run_id == run_id).order_by(Theme.id)))
        parents = {t.parent_id for t in themes if t.parent_id is not None}
        leaves = {t.id: t for t in themes if t.id not in parents}
        held = session.execute(select(ThemeMembership.theme_id, ThemeMembership.is_primary).where(
            ThemeMembership.submission_id == int(submission_id),
            ThemeMembership.theme_id.in_(list(leaves)))).all()
        reviewed = run_reviews(session, run_id)
    choices = [(f"{t.label} ({t.key})", t.key) for t in leaves.values()]
    names = {key: label for label, key in choices}
    current = [leaves[tid].key for tid, _ in sorted(held, key=lambda h: not h[1])]
    done = reviewed.get(int(submission_id))
    if done is None:
        state = (f"Not reviewed yet ({_reviewed_count(len(reviewed))} of this run). Its themes are the model's; "
                 "save to confirm them, or change them first.")
    else:
        state = (f"Reviewed by {done['actor']} on {(done['at'] or '')[:16].replace('T', ' ')}: themes "
                 f"{', '.join(names.get(k, k) for k in done['themes']) or 'none fits'}" + (f"; position {done['position']}"
                                                                 if done["position"] else "")
                 + f". {_reviewed_count(len(reviewed))} of this run.")
    return choices, current, state


def _reviewed_count(n: int) -> str:
    return f"{n} submission reviewed" if n == 1 else f"{n} submissions reviewed"


def review_next_frame(ctx: AppContext, run_id: int, submission_ids: list[int]) -> tuple[pd.DataFrame, dict[str, int]]:
    """The submissions proposed for review next, in order, with their file ids (and file id -> database id)."""
    if not submission_ids:
        return pd.DataFrame(columns=REVIEW_NEXT_COLUMNS), {}
    with session_scope(ctx.url) as session:
        found = {s.id: s for s in session.scalars(select(Submission).where(Submission.id.in_(submission_ids)))}
        held = queries.themes_by_submission(session, run_id, list(found))
        rows, ids = [], {}
        for sid in submission_ids:
            if sid not in found:
                continue
            row = queries.submission_row(found[sid], held.get(sid))
            ids[str(row["external_id"])] = sid
            rows.append({"id": row["external_id"], "theme": row["themes"][0]["label"] if row["themes"] else "",
                         "text": (row["text"] or "")[:200]})
    return pd.DataFrame(rows, columns=REVIEW_NEXT_COLUMNS), ids
