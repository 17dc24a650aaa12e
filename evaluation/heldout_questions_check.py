"""Check the held-out question sets against their plans as civicai ingests them.

    .venv/bin/python evaluation/heldout_questions_check.py [evaluation/questions/heldout_nantes.jsonl ...]

For every answerable question, each evidence string must sit inside one parsed block of the plan (the text the
chat indexes and quotes from: `parse_document`, or the joined Dinan sheets without the association's remarks),
compared under `chat_data.norm`. It also prints, per file, the counts by style and language, and the
unanswerable questions, so a writer can check them by hand against the plan with grep. Exit status 1 on any
missing evidence or malformed row. Reads ../shared/data; says so and exits 0 when it is absent.
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_data import QUESTIONS, dinan_document, norm, read_jsonl, shared_plans

REQUIRED = ("id", "plan", "question", "language", "answerable", "style", "evidence")


def plan_blocks(plan: str) -> list[str]:
    """The plan's block texts under `norm`, as the ingester renders them."""
    from civicai.plans.parsers import parse_document

    if plan == "dinan":
        document = dinan_document()
    else:
        folder = shared_plans() / "climate-city-contracts"
        path = next((p for p in folder.glob("*.md") if p.stem.lower() == plan), None)
        if path is None:
            raise SystemExit(f"no plan file for {plan!r} in {folder}")
        document = parse_document(path)
    return [norm(block.text) for block in document.blocks]


def check(path: Path) -> list[str]:
    rows = read_jsonl(path)
    problems: list[str] = []
    blocks = plan_blocks(rows[0]["plan"])
    by_id = {r["id"]: r for r in rows}
    if len(by_id) != len(rows):
        problems.append(f"{path.name}: duplicate ids")
    for number, row in enumerate(rows, 1):
        missing = [key for key in REQUIRED if key not in row]
        if missing:
            problems.append(f"{path.name} row {number} ({row.get('id')}): missing field(s) {missing}")
            continue
        if row["answerable"] != bool(row["evidence"]):
            problems.append(f"{path.name} {row['id']}: answerable iff it has evidence")
        for evidence in row["evidence"]:
            if not any(norm(evidence) in block for block in blocks):
                problems.append(f"{path.name} {row['id']}: evidence not in one plan block: {evidence!r}")
        original = by_id.get(row.get("translation_of", ""))
        if row.get("translation_of") and (original is None or original["evidence"] != row["evidence"]):
            problems.append(f"{path.name} {row['id']}: a translation keeps its original's evidence")
        if row["style"] == "follow-up" and not row.get("previous"):
            problems.append(f"{path.name} {row['id']}: a follow-up carries its `previous` question")
    answerable = [r for r in rows if r["answerable"]]
    print(f"{path.name}: {len(answerable)} answerable, {len(rows) - len(answerable)} unanswerable; "
          f"styles {dict(Counter(r['style'] for r in answerable))}; languages {dict(Counter(r['language'] for r in rows))}")
    for row in rows:
        if not row["answerable"]:
            print(f"  unanswerable {row['id']}: {row['question']}")
    return problems


def main(argv: list[str]) -> int:
    if not shared_plans().is_dir():
        print(f"skip: {shared_plans()} is absent (the real plans live in ../shared/data)")
        return 0
    paths = [Path(a) for a in argv] or sorted(QUESTIONS.glob("heldout_*.jsonl"))
    problems = [p for path in paths for p in check(path)]
    for problem in problems:
        print("PROBLEM", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
