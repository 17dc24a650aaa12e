"""Data for the staff workspace, shaped for Gradio components (tables as DataFrames, choices as labels)."""
from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select

from civicai.cluster.density import auto_min_cluster_size
from civicai.store.db import session_scope
from civicai.store.schema import Job
from civicai.triage import history
from civicai.ui.common import esc
from civicai.workspace import queries
from civicai.workspace.context import AppContext
from civicai.workspace.jobs import job_view

MEMBER_COLUMNS = ["id", "external_id", "status", "language", "sentiment", "assignee", "tags", "text"]


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
        return pd.DataFrame(), pd.DataFrame(columns=["theme", "sentiment", "submissions"])
    with session_scope(ctx.url) as session:
        rows = queries.theme_rows(session, run_id)
    labels = {t["id"]: t["label"] for t in rows}
    table = pd.DataFrame([{"id": t["id"], "theme": t["label"],
                           "part of": f"#{t['parent_id']} {labels.get(t['parent_id'], '')}" if t["parent_id"] else "",
                           "size": t["size"], "weight": t["weight"], "keywords": ", ".join(t["keywords"][:6]),
                           "languages": ", ".join(f"{k}:{v}" for k, v in list(t["languages"].items())[:4])}
                          for t in rows])
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
        return pd.DataFrame()
    with session_scope(ctx.url) as session:
        return pd.DataFrame(queries.campaign_rows(session, consultation_id))


def submissions_frame(ctx: AppContext, flt: queries.SubmissionFilter, limit: int = 200) -> tuple[pd.DataFrame, int]:
    with session_scope(ctx.url) as session:
        total, rows = queries.find_submissions(session, flt, limit, 0)
        held = queries.themes_by_submission(session, flt.run_id, [r.id for r in rows])
        data = []
        for r in rows:
            row = queries.submission_row(r, held.get(r.id))
            row["tags"] = ", ".join(row["tags"])
            row["theme"] = row["themes"][0]["label"] if row["themes"] else ""
            row["text"] = (row["text"] or "")[:240]
            data.append(row)
    columns = MEMBER_COLUMNS[:2] + ["theme"] + MEMBER_COLUMNS[2:]
    return pd.DataFrame(data, columns=columns), total


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
        detail["history"] = pd.DataFrame([{"when": e.at.strftime("%Y-%m-%d %H:%M:%S"), "who": e.actor,
                                           "field": e.field, "from": e.old_value, "to": e.new_value,
                                           "note": e.note} for e in history(session, int(submission_id))],
                                         columns=["when", "who", "field", "from", "to", "note"])
    return detail


def jobs_frame(ctx: AppContext, limit: int = 8) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    with session_scope(ctx.url) as session:
        jobs = [job_view(j) for j in session.scalars(select(Job).order_by(Job.id.desc()).limit(limit))]
    table = pd.DataFrame([{"job": j["id"], "kind": j["kind"], "status": j["status"],
                           "progress": f"{100 * j['progress']:.0f}%", "message": j["message"],
                           "run": (j["result"] or {}).get("run_id")} for j in jobs],
                         columns=["job", "kind", "status", "progress", "message", "run"])
    active = next((j for j in jobs if j["kind"] in ("analyse", "remap")), None)
    return table, active
