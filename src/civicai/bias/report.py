"""bias_report.html: one standalone page for a non-technical auditor (no scripts, no CDN, all escaped).

Order: verdict (plain sentences, most serious first) -> evidence (charts and tables per group column,
counterfactuals, translation check, campaigns, leakage) -> methods -> limitations -> model cards -> the
run manifest, so anyone can reproduce the run and the audit.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from civicai.bias import charts
from civicai.bias.representation import STAGES

TEMPLATES = Path(__file__).with_name("templates")
VOICE_STAGE_LABELS = {"input": "share of input", "accepted": "of accepted", "assigned": "of assigned to a theme",
                      "quoted": "of quoted", "cited": "of cited in summaries"}


def template_environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda x: "–" if x is None else f"{100 * x:.1f}%"
    env.filters["num"] = lambda x, d=2: "–" if x is None else f"{x:.{d}f}"
    env.filters["pval"] = lambda x: "–" if x is None else (f"{x:.1e}" if x < 0.001 else f"{x:.3f}")
    return env


def _markdown(text: str) -> Markup:
    from markdown_it import MarkdownIt

    # html=False: raw HTML in a card is shown as text, never rendered
    return Markup(MarkdownIt("commonmark", {"html": False}).render(text))


def _share_rows(findings: list[dict[str, Any]], column: str) -> list[tuple[str, dict[str, float]]]:
    by_stage: dict[str, dict[str, dict[str, Any]]] = {}
    for f in findings:
        if f["group_column"] == column and f["stage"] in STAGES and not f["suppressed"]:
            by_stage.setdefault(f["stage"], {})[f["group"]] = f
    rows: list[tuple[str, dict[str, float]]] = []
    first = "accepted" if "accepted" in by_stage else "assigned"
    if first in by_stage:
        rows.append((VOICE_STAGE_LABELS["input"] if first == "accepted" else VOICE_STAGE_LABELS["accepted"],
                     {g: f["share_population"] or 0.0 for g, f in by_stage[first].items()}))
    for stage in STAGES:
        if stage in by_stage:
            rows.append((VOICE_STAGE_LABELS[stage], {g: f["share_outcome"] or 0.0 for g, f in by_stage[stage].items()}))
    return rows


def _column_view(report: dict[str, Any], column: str) -> dict[str, Any]:
    findings = [f for f in report["findings"] if f["group_column"] == column]
    voice = [f for f in findings if f.get("kind") in ("voice", "rate")]
    forest = [{"label": f"{f['group']} · {f['stage'] if f['kind'] == 'voice' else f['stage'] + ': ' + f['metric'].split(':', 1)[-1]}",
               "ratio": f["ratio"], "ci_low": f["ci_low"], "ci_high": f["ci_high"], "flagged": f["flagged"]}
              for f in voice if not f["suppressed"] and f["reference_value"] is not None]
    shares = _share_rows(report["findings"], column)
    return {
        "name": column,
        "groups": report["groups"].get(column, {}),
        "share_chart": Markup(charts.share_bars(shares, f"Group shares at each stage, by {column}")) if shares else "",
        "forest": Markup(charts.forest_plot(forest, f"Ratio to the rest (all other groups), by {column}",
                                            tuple(report["method"]["band"]))) if forest else "",
        "voice": voice,
        "sentiment": [f for f in findings if f.get("kind") == "sentiment"],
        "topics_flagged": [f for f in findings if f.get("kind") == "topic" and f["flagged"]],
        "topics_count": sum(1 for f in findings if f.get("kind") == "topic"),
    }


def render_html(report: dict[str, Any]) -> str:
    env = template_environment()
    template = env.get_template("bias_report.html.j2")
    columns = [_column_view(report, c) for c in report["group_columns"]]
    campaign_themes = report.get("campaigns", {}).get("themes", [])
    counts = {s: sum(1 for v in report["verdict"] if v["severity"] == s) for s in ("flag", "watch", "info", "ok")}
    return template.render(
        report=report, columns=columns, counts=counts,
        campaign_chart=Markup(charts.size_weight_bars(campaign_themes, "Theme size (distinct) and weight (with copies)"))
        if campaign_themes else "",
        cards=[{**m, "html": _markdown(m.get("card_text", ""))} for m in report.get("models", [])],
        manifest_json=json.dumps(report.get("manifest", {}), ensure_ascii=False, indent=2, default=str),
        stage_words={s: words for s, (_, words) in STAGES.items()},
    )


def write_html(report: dict[str, Any], path: Path) -> Path:
    path.write_text(render_html(report), encoding="utf-8")
    return path
