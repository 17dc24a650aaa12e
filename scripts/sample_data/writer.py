"""Write every sample-data file; returns one summary line per file."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from .consultation import SMALL_ROWS, Row, build_rows


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_consultation(out: Path, seed: int) -> list[str]:
    rows: list[Row] = build_rows(seed)
    columns = ["id", "text", "district", "age_band", "language"]
    body = [[r.id, r.text, r.district, r.age_band, r.language] for r in rows]
    _write_csv(out / "consultation.csv", columns, body)
    _write_csv(out / "consultation_small.csv", columns, body[:SMALL_ROWS])
    _write_csv(out / "gold.csv", ["id", "theme", "stance"], [[r.id, r.theme, r.stance] for r in rows])
    _write_csv(out / "pii_gold.csv", ["id", "kind", "value"],
               [[r.id, kind, value] for r in rows for kind, value in r.pii])
    planted = []
    for r in rows:
        if r.problem == "duplicate":
            planted.append([r.id, "duplicate", r.duplicate_of.id])
        elif r.problem:
            planted.append([r.id, r.problem, ""])
    _write_csv(out / "planted.csv", ["id", "problem", "detail"], planted)
    langs = Counter(r.language for r in rows)
    problems = Counter(r.problem for r in rows if r.problem)
    n_pii = sum(bool(r.pii) for r in rows)
    return [
        f"consultation.csv: {len(rows)} rows, languages {dict(langs)}",
        f"consultation_small.csv: {min(SMALL_ROWS, len(rows))} rows",
        f"planted: {dict(problems)}; rows with PII: {n_pii} ({n_pii / len(rows):.1%}), "
        f"PII values: {sum(len(r.pii) for r in rows)}",
    ]


def write_all(out: Path, seed: int, pdf: bool = True) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    lines = write_consultation(out, seed)
    from .plan_writer import write_plan  # the plan needs fpdf2 only when the PDF is built

    lines += write_plan(out / "plan", pdf=pdf)
    return lines


__all__ = ["write_all", "write_consultation", "json"]
