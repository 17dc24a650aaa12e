"""The standalone report.html: one file staff can forward. Charts are inline SVG and CSS (no CDN, no
script, works offline); every value goes through Jinja2 autoescaping, so a submission cannot inject markup."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

TEMPLATE = "analysis_report.html.j2"
# position towards the proposal (civicai.sentiment.position); the old tone labels still draw for older runs
SENTIMENT_ORDER = ("supports", "unclear", "opposes", "positive", "neutral", "negative")
SENTIMENT_COLOURS = {"supports": "#2e7d32", "unclear": "#9e9e9e", "opposes": "#c62828",
                     "positive": "#2e7d32", "neutral": "#9e9e9e", "negative": "#c62828"}


def _environment() -> jinja2.Environment:
    folder = Path(__file__).resolve().parents[1] / "templates"
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), undefined=jinja2.StrictUndefined,
                              autoescape=True, trim_blocks=True, lstrip_blocks=True)


def _sentiment_segments(counts: dict[str, int], width: float) -> list[dict[str, Any]]:
    total = sum(counts.values()) or 1
    segments, x = [], 0.0
    for name in [*SENTIMENT_ORDER, *sorted(set(counts) - set(SENTIMENT_ORDER))]:
        value = counts.get(name, 0)
        if value:
            w = width * value / total
            segments.append({"name": name, "x": round(x, 1), "width": round(w, 1), "count": value,
                             "colour": SENTIMENT_COLOURS.get(name, "#607d8b"), "share": round(100 * value / total)})
            x += w
    return segments


def report_context(themes: list[dict[str, Any]], counts: dict[str, Any], manifest: dict[str, Any],
                   campaigns: list[dict[str, Any]], title: str) -> dict[str, Any]:
    leaves = [t for t in themes if t["level"] == "theme"]
    parents = {t["id"]: t for t in themes if t["level"] == "parent"}
    biggest = max([t["weight"] for t in leaves] or [1]) or 1
    bars = []
    for t in sorted(leaves, key=lambda t: (-t["size"], t["id"])):
        bars.append({"id": t["id"], "label": t["label"], "size": t["size"], "weight": t["weight"],
                     "size_width": round(360 * t["size"] / biggest, 1),
                     "weight_width": round(360 * t["weight"] / biggest, 1),
                     "sentiment": _sentiment_segments(t["sentiment"], 240)})
    languages = counts.get("languages", {})
    total_languages = sum(languages.values()) or 1
    language_bars, x = [], 0.0
    palette = ["#1565c0", "#6a1b9a", "#00838f", "#ef6c00", "#558b2f", "#ad1457", "#4e342e", "#37474f"]
    for i, (code, n) in enumerate(sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))):
        w = 600 * n / total_languages
        language_bars.append({"code": code or "?", "count": n, "x": round(x, 1), "width": round(w, 1),
                              "colour": palette[i % len(palette)], "share": round(100 * n / total_languages, 1)})
        x += w
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for t in sorted(leaves, key=lambda t: (t["parent"] is None, t["parent"] or "", -t["size"], t["id"])):
        groups.setdefault(t["parent"], []).append(t)
    sections = [{"parent": parents.get(p), "themes": members} for p, members in groups.items()]
    return {"title": title, "counts": counts, "manifest": manifest, "bars": bars, "bar_height": 26,
            "language_bars": language_bars, "sections": sections,
            "campaigns": sorted(campaigns, key=lambda c: (-c["size"], c["id"]))[:30],
            "unassigned": sorted(counts.get("unassigned", {}).items()),
            "colours": SENTIMENT_COLOURS}


def render_report(path: Path, themes: list[dict[str, Any]], counts: dict[str, Any], manifest: dict[str, Any],
                  campaigns: list[dict[str, Any]], title: str) -> Path:
    html = _environment().get_template(TEMPLATE).render(**report_context(themes, counts, manifest, campaigns, title))
    from civicai.export import write_text_atomic

    write_text_atomic(path, html)  # whole or not at all
    return path
