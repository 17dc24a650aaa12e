"""Exports of everything or of a filter: CSV and XLSX through civicai.export (spreadsheet formulas neutralised),
and an HTML report (the run's own report.html for everything; a filtered report rendered with autoescaping)."""
from __future__ import annotations

import re
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape
from sqlalchemy.orm import Session

from civicai.errors import InputError
from civicai.export import write_csv, write_xlsx
from civicai.workspace.queries import (
    SubmissionFilter,
    all_submissions,
    get_consultation,
    get_run,
    themes_by_submission,
)

EXPORT_COLUMNS = ["submission_id", "external_id", "primary_theme", "themes", "status", "assignee", "tags",
                  "language", "sentiment", "duplicate_of", "campaign_id", "text_redacted"]
FORMATS = ("csv", "xlsx", "html")

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_REPORT = _env.from_string("""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;
vertical-align:top}th{background:#f0f3f7}.bar{background:#3b6ea8;height:.8rem}</style></head><body>
<h1>{{ title }}</h1><p>{{ rows|length }} submissions match the filter: {{ filter_text }}.
Texts are shown as redacted by civicai.</p>
<h2>Themes</h2><table><tr><th>Theme</th><th>Submissions</th><th></th></tr>
{% for label, n in themes %}<tr><td>{{ label }}</td><td>{{ n }}</td>
<td><div class="bar" style="width:{{ (100 * n / max_n)|round(1) }}%"></div></td></tr>{% endfor %}</table>
<h2>Status</h2><ul>{% for status, n in statuses %}<li>{{ status }}: {{ n }}</li>{% endfor %}</ul>
<h2>Submissions</h2><table><tr><th>Id</th><th>Theme</th><th>Status</th><th>Text</th></tr>
{% for r in rows %}<tr><td>{{ r.external_id }}</td><td>{{ r.primary_theme }}</td><td>{{ r.status }}</td>
<td>{{ r.text_redacted }}</td></tr>{% endfor %}</table></body></html>""")


def export_rows(session: Session, flt: SubmissionFilter, run_id: int | None) -> list[dict[str, Any]]:
    submissions = all_submissions(session, flt)
    themes = themes_by_submission(session, run_id, [s.id for s in submissions])
    rows = []
    for s in submissions:
        held = themes.get(s.id, [])
        rows.append({"submission_id": s.id, "external_id": s.external_id,
                     "primary_theme": held[0][1] if held else "", "themes": [t[1] for t in held],
                     "status": str(s.status), "assignee": s.assignee or "", "tags": list(s.tags or []),
                     "language": s.language or "", "sentiment": s.sentiment or "",
                     "duplicate_of": s.duplicate_of or "", "campaign_id": s.campaign_id or "",
                     "text_redacted": s.text_redacted})
    return rows


def _describe(flt: SubmissionFilter) -> str:
    # min_group_size is a privacy rule, not a filter people chose
    parts = [f"{k}={v}" for k, v in vars(flt).items()
             if k != "min_group_size" and v not in (None, False, {}, [], "")]
    return ", ".join(parts) or "everything"


def _slug(value: object, limit: int = 40) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-")[:limit].strip("-")


def export_stem(session: Session, flt: SubmissionFilter) -> str:
    """A file name people can tell apart in their downloads folder: consultation, filter, date
    (issue 17: every file was `civicai-export-filtered`)."""
    name = get_consultation(session, flt.consultation_id).name if flt.consultation_id is not None else "civicai"
    shown = {k: v for k, v in vars(flt).items()
             if k not in ("consultation_id", "run_id", "min_group_size") and v not in (None, False, {}, [], "")}
    parts = []
    for key, value in shown.items():
        if isinstance(value, dict):
            parts += [f"{_slug(k, 20)}-{_slug(v, 20)}" for k, v in value.items()]
        elif value is True:
            parts.append(_slug(key, 20))
        else:
            parts.append(f"{_slug(key, 20)}-{_slug(value, 20)}")
    what = "_".join(parts)[:80] or "all"
    return f"{_slug(name) or 'consultation'}_{what}_{date.today().isoformat()}"


def write_export(session: Session, flt: SubmissionFilter, run_id: int | None, fmt: str,
                 folder: Path | None = None) -> Path:
    """Write the export to a new temporary file and return its path (the caller deletes it)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format '{fmt}'", f"use one of: {', '.join(FORMATS)}")
    folder = Path(folder or tempfile.mkdtemp(prefix="civicai-export-"))
    is_everything = _describe(flt) in ("everything", f"consultation_id={flt.consultation_id}")
    if fmt == "html" and run_id is not None and is_everything:
        run = get_run(session, run_id)
        report = Path(run.out_dir or "") / "report.html"
        if run.out_dir and report.is_file():
            target = folder / f"{export_stem(session, flt)}_report-run{run_id}.html"
            target.write_bytes(report.read_bytes())
            return target
    rows = export_rows(session, flt, run_id)
    stem = export_stem(session, flt)
    if fmt == "csv":
        path = folder / f"{stem}.csv"
        write_csv(path, rows, EXPORT_COLUMNS, excel_bom=True)
    elif fmt == "xlsx":
        path = folder / f"{stem}.xlsx"
        write_xlsx(path, rows, EXPORT_COLUMNS, sheet_name="submissions")
    else:
        path = folder / f"{stem}.html"
        themes = Counter(r["primary_theme"] or "(unassigned)" for r in rows).most_common()
        html = _REPORT.render(title="civicai: filtered submissions", rows=rows, filter_text=_describe(flt),
                              themes=themes, max_n=max([n for _, n in themes] or [1]),
                              statuses=Counter(r["status"] for r in rows).most_common())
        path.write_text(html, encoding="utf-8")
    return path
