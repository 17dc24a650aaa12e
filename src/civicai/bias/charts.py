"""Inline SVG charts for the bias report (no JavaScript, no CDN; every label escaped).

- share_bars: for one group column, each stage as a 100% bar split by group: a group that shrinks from
  "input" to "quoted" is visible at a glance.
- forest_plot: ratio vs the rest with its interval, on a log axis, with the 0.8–1.25 band shaded.
- size_weight_bars: theme size (distinct) beside weight (with copies).
"""
from __future__ import annotations

import math
from html import escape
from typing import Any

PALETTE = ("#1b6ca8", "#e08a00", "#3a9e5c", "#c0392b", "#8e44ad", "#16a085", "#7f8c8d", "#d35400", "#2c3e50",
           "#b7950b")
FLAG = "#c0392b"
OK = "#1b6ca8"


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" font-family="sans-serif" '
            f'font-size="12"><title>{escape(title)}</title>{"".join(body)}</svg>')


def share_bars(stages: list[tuple[str, dict[str, float]]], title: str) -> str:
    """stages: [(stage label, {group: share})], shares of one stage summing to ~1."""
    groups = sorted({g for _, shares in stages for g in shares})
    colour = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    left, width, bar_h, gap = 170, 560, 22, 10
    height = 30 + len(stages) * (bar_h + gap) + 20 + 18 * math.ceil(len(groups) / 4)
    body: list[str] = []
    for row, (label, shares) in enumerate(stages):
        y = 20 + row * (bar_h + gap)
        body.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        x = float(left)
        for group in groups:
            share = shares.get(group, 0.0)
            w = share * width
            if w <= 0:
                continue
            body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour[group]}">'
                        f'<title>{escape(group)}: {100 * share:.1f}%</title></rect>')
            if w > 34:
                body.append(f'<text x="{x + w / 2:.1f}" y="{y + 15}" text-anchor="middle" fill="#fff">'
                            f'{100 * share:.0f}%</text>')
            x += w
    legend_y = 30 + len(stages) * (bar_h + gap)
    for i, group in enumerate(groups):
        lx, ly = left + (i % 4) * 140, legend_y + (i // 4) * 18
        body.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{colour[group]}"/>'
                    f'<text x="{lx + 16}" y="{ly}">{escape(group[:18])}</text>')
    return _svg(left + width + 20, height, body, title)


def forest_plot(rows: list[dict[str, Any]], title: str, band: tuple[float, float] = (0.8, 1.25)) -> str:
    """rows: {label, ratio, ci_low, ci_high, flagged}; ratio axis is log-scaled from 1/8 to 8."""
    lo, hi = math.log(1 / 8), math.log(8)
    left, width, row_h = 260, 440, 20
    height = 40 + len(rows) * row_h + 10

    def x_of(value: float) -> float:
        v = min(max(math.log(max(value, 1e-6)), lo), hi)
        return left + (v - lo) / (hi - lo) * width

    body = [f'<rect x="{x_of(band[0]):.1f}" y="20" width="{x_of(band[1]) - x_of(band[0]):.1f}" '
            f'height="{len(rows) * row_h}" fill="#e8f1e8"/>',
            f'<line x1="{x_of(1):.1f}" y1="20" x2="{x_of(1):.1f}" y2="{20 + len(rows) * row_h}" stroke="#555"/>']
    for tick in (0.125, 0.25, 0.5, 1, 2, 4, 8):
        body.append(f'<text x="{x_of(tick):.1f}" y="14" text-anchor="middle" fill="#555">{tick:g}</text>')
    for i, row in enumerate(rows):
        y = 20 + i * row_h + row_h / 2
        colour = FLAG if row.get("flagged") else OK
        body.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{escape(row["label"][:40])}</text>')
        if row.get("ci_low") is not None and row.get("ci_high") is not None:
            body.append(f'<line x1="{x_of(row["ci_low"]):.1f}" y1="{y:.1f}" x2="{x_of(row["ci_high"]):.1f}" '
                        f'y2="{y:.1f}" stroke="{colour}" stroke-width="2"/>')
        ratio = row.get("ratio")
        if ratio is not None:
            body.append(f'<circle cx="{x_of(ratio):.1f}" cy="{y:.1f}" r="4.5" fill="{colour}">'
                        f'<title>{escape(row["label"])}: ratio {ratio:.2f}</title></circle>')
    return _svg(left + width + 30, height, body, title)


def size_weight_bars(themes: list[dict[str, Any]], title: str, limit: int = 15) -> str:
    rows = sorted(themes, key=lambda t: -t["weight"])[:limit]
    top = max([t["weight"] for t in rows] + [1])
    left, width, row_h = 260, 420, 22
    body: list[str] = []
    for i, theme in enumerate(rows):
        y = 10 + i * row_h
        body.append(f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">{escape(str(theme["label"])[:38])}</text>')
        body.append(f'<rect x="{left}" y="{y + 2}" width="{theme["weight"] / top * width:.1f}" height="16" '
                    f'fill="{FLAG if theme.get("inflated") else "#9fc5e8"}"><title>weight {theme["weight"]}</title></rect>')
        body.append(f'<rect x="{left}" y="{y + 6}" width="{theme["size"] / top * width:.1f}" height="8" '
                    f'fill="{OK}"><title>size {theme["size"]}</title></rect>')
        body.append(f'<text x="{left + theme["weight"] / top * width + 6:.1f}" y="{y + 14}">'
                    f'{theme["size"]} / {theme["weight"]}</text>')
    return _svg(left + width + 90, 20 + len(rows) * row_h, body, title)
