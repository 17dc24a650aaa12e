"""Turn the analysis into the run's files: themes.json, assignments.csv, rejected.csv, map.csv.

Copies and campaign members carry their canonical submission's themes in assignments.csv and count in a
theme's `weight`; `size` and `submission_ids` count distinct submissions (distinct voices) only.
Every CSV goes through civicai.export.write_csv, which neutralises spreadsheet formulas.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from civicai.pipeline.analyse_question import QuestionAnalysis
from civicai.pipeline.prepare import Prepared

ASSIGNMENT_COLUMNS = ["submission_id", "primary_theme", "themes", "unassigned_reason", "language", "duplicate_of",
                      "campaign_id", "sentiment", "pii_redactions"]
REJECTED_COLUMNS = ["row", "id", "field", "reason", "message"]
MAP_COLUMNS = ["submission_id", "x", "y", "theme"]


@dataclass
class SubmissionView:
    """Where one submission ended up (copies resolved to their canonical submission)."""

    primary: str
    themes: list[str]
    reason: str
    sentiment: str
    x: float
    y: float


def canonical(prepared: Prepared, i: int) -> int:
    target = prepared.duplicate_of[i]
    return i if target is None else int(target)


def submission_views(prepared: Prepared, analyses: list[QuestionAnalysis]) -> list[SubmissionView]:
    where: dict[int, tuple[QuestionAnalysis, int]] = {}
    for qa in analyses:
        for local, i in enumerate(qa.members):
            where[i] = (qa, local)
    views = []
    for i in range(len(prepared)):
        qa, local = where[canonical(prepared, i)]
        keys = [qa.theme_info[t].key for t in qa.themes[local]]
        p = qa.primary[local]
        views.append(SubmissionView(qa.theme_info[p].key if p >= 0 else "", keys, qa.reasons[local],
                                    qa.sentiment[local], float(qa.coords[local, 0]), float(qa.coords[local, 1])))
    return views


def _copies(prepared: Prepared) -> Counter:
    return Counter(canonical(prepared, i) for i in range(len(prepared)) if prepared.duplicate_of[i] is not None)


def theme_records(prepared: Prepared, analyses: list[QuestionAnalysis]) -> list[dict[str, Any]]:
    copies = _copies(prepared)
    multi = len(analyses) > 1
    records: list[dict[str, Any]] = []
    for qa in analyses:
        members_of: list[list[int]] = [[] for _ in qa.theme_info]
        for local, themes in enumerate(qa.themes):
            if qa.primary[local] >= 0:  # ambiguous submissions list candidates but belong to no theme
                for t in themes:
                    members_of[t].append(local)
        parent_of = {t: p for p, group in enumerate(qa.parents) for t in group}

        def record(info, locals_: list[int], parent: str | None, level: str, children: list[str],
                   qa: QuestionAnalysis = qa) -> dict[str, Any]:
            globals_ = [qa.members[j] for j in locals_]
            return {
                "id": info.key, "label": info.label, "summary": info.summary, "keywords": info.keywords,
                "size": len(globals_), "weight": sum(1 + copies[g] for g in globals_),
                "submission_ids": [prepared.ids[g] for g in globals_],
                "quotes": [{"submission_id": prepared.ids[qa.members[j]], "text": prepared.texts[qa.members[j]]}
                           for j in info.quote_members],
                "sentiment": dict(sorted(Counter(qa.sentiment[j] for j in locals_).items())),
                "languages": dict(Counter(prepared.languages[g] for g in globals_).most_common()),
                "parent": parent, "level": level, "children": children,
                "question": qa.question if multi or qa.question else None,
                "description": info.description, "threshold": info.threshold,
                "label_source": info.label_source, "summary_source": info.summary_source,
            }

        for t, info in enumerate(qa.theme_info):
            parent = qa.parent_info[parent_of[t]].key if t in parent_of else None
            records.append(record(info, members_of[t], parent, "theme", []))
        for p, group in enumerate(qa.parents):
            union = sorted({j for t in group for j in members_of[t]})
            records.append(record(qa.parent_info[p], union, None, "parent", [qa.theme_info[t].key for t in group]))
    return records


def assignment_rows(prepared: Prepared, views: list[SubmissionView], group_columns: list[str],
                    multi_question: bool) -> list[dict[str, Any]]:
    rows = []
    for i, view in enumerate(views):
        target = prepared.duplicate_of[i]
        row = {"submission_id": prepared.ids[i], "primary_theme": view.primary, "themes": ";".join(view.themes),
               "unassigned_reason": view.reason, "language": prepared.languages[i],
               "duplicate_of": prepared.ids[target] if target is not None else "",
               "campaign_id": prepared.campaign_id[i] or "", "sentiment": view.sentiment,
               "pii_redactions": sum(prepared.pii[i].values()),
               "pii_kinds": ";".join(f"{k}:{v}" for k, v in sorted(prepared.pii[i].items()))}
        if multi_question:
            row["question"] = prepared.questions[i] or ""
        for column in group_columns:
            row[column] = prepared.attributes[i].get(column, "")
        row["text_redacted"] = prepared.texts[i]
        rows.append(row)
    return rows


def write_outputs(out_dir: Path, prepared: Prepared, analyses: list[QuestionAnalysis]) -> dict[str, Any]:
    """Write themes.json, assignments.csv, rejected.csv and map.csv; returns the theme records and counts."""
    from civicai.export import write_csv, write_text_atomic

    out_dir.mkdir(parents=True, exist_ok=True)
    views = submission_views(prepared, analyses)
    themes = theme_records(prepared, analyses)
    write_text_atomic(out_dir / "themes.json", json.dumps(themes, ensure_ascii=False, indent=2))
    multi = len(analyses) > 1
    groups = list(prepared.columns.get("groups", []))
    columns = ASSIGNMENT_COLUMNS + ["pii_kinds"] + (["question"] if multi else []) + groups + ["text_redacted"]
    write_csv(out_dir / "assignments.csv", assignment_rows(prepared, views, groups, multi), columns)
    write_csv(out_dir / "rejected.csv", prepared.rejected, REJECTED_COLUMNS)
    map_rows = [{"submission_id": prepared.ids[i], "x": round(v.x, 4), "y": round(v.y, 4), "theme": v.primary}
                | ({"question": prepared.questions[i] or ""} if multi else {}) for i, v in enumerate(views)]
    write_csv(out_dir / "map.csv", map_rows, MAP_COLUMNS + (["question"] if multi else []))
    reasons = Counter(v.reason for v in views if v.reason)
    distinct = sum(1 for i in range(len(prepared)) if prepared.duplicate_of[i] is None)
    counts = {"submissions": len(prepared), "distinct": distinct, "rejected": len(prepared.rejected),
              "rejected_by_reason": dict(Counter(r["reason"] for r in prepared.rejected)),
              "duplicates": len(prepared) - distinct, "campaigns": len(prepared.campaigns),
              "themes": sum(1 for t in themes if t["level"] == "theme"),
              "parent_themes": sum(1 for t in themes if t["level"] == "parent"),
              "assigned": sum(1 for v in views if v.primary), "unassigned": dict(reasons),
              "unassigned_rate": round(sum(reasons.values()) / max(len(views), 1), 4),
              "multi_label": sum(1 for v in views if v.primary and len(v.themes) > 1),
              "languages": dict(Counter(prepared.languages).most_common()),
              "sentiment": dict(sorted(Counter(v.sentiment for v in views).items())),
              "pii_redactions": dict(sum((Counter(p) for p in prepared.pii), Counter()))}
    return {"themes": themes, "counts": counts, "views": views}
