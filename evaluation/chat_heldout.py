"""Graded chat answers measured per whole plan: development plans (where every setting was chosen) against
held-out plans (never used for a choice), broken down by question style and language.

    nice .venv/bin/python evaluation/chat_heldout.py          # -> evaluation/results/chat_heldout.{json,md}

Plans come from the evaluation database (evaluation/chat_ingest.py) and, for plans with new question sets
(evaluation/questions/heldout_*.jsonl), from evaluation/.work/heldout (`--ingest` fills it once). Per question:

- citation recall: an answerable question's gold evidence string is inside one of the cited quotes, or a blind
  assessor judged one of them "yes" (it answers), whether the answer is direct or the closest passage; the
  column "by gold strings only" leaves the judgements out;
- answerable refused: a flat refusal (no quote at all) of an answerable question;
- unanswerable answered as if answerable: a direct answer (kind "answered") to an unanswerable question; the
  closest passage, said not to answer the question, does not count;
- judged citation precision: share of the quotes of direct answers that a blind assessor labelled "yes" (this
  answers the question), over the quotes that have a judgement (evaluation/questions/citation_judgements.jsonl);
  how many quotes of direct answers have one is reported (new question sets have none);
- "before": the same run read as the previous design did (every answer that is not direct was a refusal).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_data import QUESTIONS, ccc_questions, citation_judgements, norm, quote_key, read_jsonl, yesno_questions
from chat_ingest import eval_settings
from civicai.config import get_settings
from civicai.errors import CivicaiError
from civicai.paths import sample_dir, shared_data_dir
from civicai.rag import AnswerKind, load_chat
from civicai.rag.question import is_why, is_yes_no
from civicai.rag.rerank import asked_value

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
WORK = HERE / ".work" / "heldout"
# every setting of the chat (reranker weights, abstention models, glossary weight, margins) was chosen on these
DEVELOPMENT = ("sample", "copenhagen", "aarhus", "rotterdam")
PLAN_LANGUAGE = {"sample": "en"}  # the contracts are English; new sets say theirs in `plan_language`


def style_of(row: dict) -> str:
    """The question's style: the set's own label where it has one, else read from the wording."""
    if row.get("style"):
        return row["style"]
    question = row["question"]
    if row.get("kind") == "yesno" or is_yes_no(question):
        return "yes/no"
    if is_why(question):
        return "why"
    kind = asked_value(question)
    if kind == "year":
        return "when"
    if kind in ("money", "number"):
        return "how much/many"
    if len(question.split()) <= 3 and not question.rstrip().endswith("?"):
        return "keyword"
    return "factoid"


def load_questions() -> list[dict]:
    rows = [dict(r, source="ccc") for r in ccc_questions()] + [dict(r, source="yesno") for r in yesno_questions()]
    for r in read_jsonl(sample_dir() / "plan" / "questions.jsonl"):
        rows.append(dict(r, plan="sample", source="sample",
                         evidence=[r["expected_answer"]] if r.get("expected_answer") else []))
    for path in sorted(QUESTIONS.glob("heldout_*.jsonl")):
        rows += [dict(r, source=path.stem) for r in read_jsonl(path)]
    return rows


def open_chats(plans: set[str]) -> dict:
    """Each plan from the evaluation database, else from evaluation/.work/heldout; missing plans are named."""
    stores = [eval_settings(), get_settings(home=WORK, database_url=f"sqlite:///{(WORK / 'heldout.db').resolve()}")]
    chats = {}
    for plan in sorted(plans):
        for settings in stores:
            try:
                chats[plan] = load_chat(plan, settings=settings)
                break
            except CivicaiError:
                continue
        else:
            print(f"skip {plan}: not ingested (run evaluation/chat_ingest.py, or this script with --ingest)",
                  flush=True)
    return chats


def ingest_new(plans: set[str]) -> None:
    """Ingest the contracts that only the new question sets use (and the shipped sample plan, where the
    evaluation database lacks it), once, into evaluation/.work/heldout."""
    from civicai.plans.ingest import ingest_document
    from civicai.plans.parsers import parse_document

    settings = get_settings(home=WORK, database_url=f"sqlite:///{(WORK / 'heldout.db').resolve()}")
    folder = shared_data_dir() / "plans" / "climate-city-contracts"
    for plan in sorted(plans | {"sample"}):
        path = sample_dir() / "plan" / "rivermouth-climate-plan.md" if plan == "sample" \
            else next((p for p in folder.glob("*.md") if p.stem.lower() == plan), None)
        if path is None:
            continue
        ingest_document(parse_document(path), name=plan, settings=settings)
        load_chat(plan, settings=settings).prepare_sentences()


def judge(rows: list[dict], chats: dict) -> list[dict]:
    judged = citation_judgements()
    out = []
    for row in rows:
        chat = chats[row["plan"]]
        answer = chat.ask(row["question"], previous=row.get("previous"))  # a follow-up leans on its previous question
        quotes = [c.quote for c in answer.citations]
        labels = [judged.get((row["id"], quote_key(q))) for q in quotes]
        plan_language = row.get("plan_language") or PLAN_LANGUAGE.get(row["plan"], "en")
        out.append({
            "id": row["id"], "plan": row["plan"], "split": "development" if row["plan"] in DEVELOPMENT else "held-out",
            "style": style_of(row), "language": row["language"], "cross": row["language"][:2] != plan_language[:2],
            "answerable": bool(row["answerable"]), "kind": str(answer.kind),
            "evidence_cited": bool(row["answerable"]) and any(norm(e) in norm(q) for e in row.get("evidence", [])
                                                              for q in quotes),
            "judged_cited": bool(row["answerable"]) and "yes" in labels,
            # precision is over direct answers: the closest passage is said not to answer the question
            "judged_yes": labels.count("yes") if answer.kind == AnswerKind.ANSWERED else 0,
            "judged": sum(label is not None for label in labels) if answer.kind == AnswerKind.ANSWERED else 0,
            "quotes": len(quotes) if answer.kind == AnswerKind.ANSWERED else 0})
    return out


def summarise(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    judged = sum(r["judged"] for r in rows)

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 3) if whole else None
    return {
        "answerable": len(answerable), "unanswerable": len(unanswerable),
        "citation_recall": share(sum(r["evidence_cited"] or r["judged_cited"] for r in answerable), len(answerable)),
        "citation_recall_gold_strings": share(sum(r["evidence_cited"] for r in answerable), len(answerable)),
        "answered_directly": share(sum(r["kind"] == AnswerKind.ANSWERED for r in answerable), len(answerable)),
        "answerable_refused": share(sum(r["kind"] not in (AnswerKind.ANSWERED, AnswerKind.CLOSEST)
                                        for r in answerable), len(answerable)),
        "answerable_refused_before": share(sum(r["kind"] != AnswerKind.ANSWERED for r in answerable), len(answerable)),
        "unanswerable_answered": share(sum(r["kind"] == AnswerKind.ANSWERED for r in unanswerable), len(unanswerable)),
        "unanswerable_closest": share(sum(r["kind"] == AnswerKind.CLOSEST for r in unanswerable), len(unanswerable)),
        "judged_precision": share(sum(r["judged_yes"] for r in rows), judged),
        "judged_quotes": f"{judged} of {sum(r['quotes'] for r in rows)}",
    }


def breakdown(rows: list[dict]) -> dict:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        for key in ("all", f"plan:{r['plan']}", f"style:{r['style']}", f"language:{r['language']}",
                    "cross-lingual" if r["cross"] else "same language"):
            groups[key].append(r)
    return {key: summarise(group) for key, group in sorted(groups.items(), key=lambda kv: (kv[0] != "all", kv[0]))}


COLUMNS = (("answerable", "answerable"), ("unanswerable", "unanswerable"), ("citation_recall", "citation recall"),
           ("citation_recall_gold_strings", "… by gold strings only"), ("answered_directly", "answered directly"), ("answerable_refused", "answerable refused"),
           ("answerable_refused_before", "refused, previous design"),
           ("unanswerable_answered", "unanswerable answered as if answerable"),
           ("unanswerable_closest", "unanswerable given the closest passage"),
           ("judged_precision", "judged citation precision"), ("judged_quotes", "quotes judged"))
TARGETS = {"citation_recall": (">=", 0.90), "answerable_refused": ("<=", 0.10),
           "unanswerable_answered": ("<=", 0.10), "judged_precision": (">=", 0.90)}


def to_markdown(result: dict) -> str:
    lines = ["# Chat on whole held-out plans (graded answers)", "",
             f"{result['meta']['date']}, {result['meta']['machine']}. Produced by `nice .venv/bin/python "
             "evaluation/chat_heldout.py`. Development plans (every setting chosen there): "
             f"{', '.join(result['meta']['development'])}. Held-out plans: {', '.join(result['meta']['held_out'])}.",
             "", "Targets: " + "; ".join(f"{k} {op} {v}" for k, (op, v) in TARGETS.items()) + ".", ""]
    for split, groups in result["splits"].items():
        carried = result["meta"].get("development_carried_from") if split == "development plans" else None
        note = [f"Not re-run this time: carried over from the run of {carried}.", ""] if carried else []
        lines += [f"## {split}", "", *note, "| group | " + " | ".join(label for _, label in COLUMNS) + " |",
                  "| --- |" + " --- |" * len(COLUMNS)]
        for key, stats in groups.items():
            cells = ["-" if stats[k] is None else str(stats[k]) for k, _ in COLUMNS]
            lines.append(f"| {key} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def carry_development(splits: dict, rows: list[dict]) -> str | None:
    """A run of held-out plans only (--plans) keeps the development table of the last full run, said so, rather
    than dropping it; the questions of that run are not carried."""
    previous = RESULTS / "chat_heldout.json"
    if any(r["split"] == "development" for r in rows) or not previous.is_file():
        return None
    old = json.loads(previous.read_text(encoding="utf-8"))
    if not old["splits"].get("development plans"):
        return None
    splits["development plans"] = old["splits"]["development plans"]
    return old["meta"].get("development_carried_from") or old["meta"]["date"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plans", nargs="*", help="only these plans")
    parser.add_argument("--ingest", action="store_true", help="first ingest the plans of the new question sets")
    args = parser.parse_args()
    questions = [q for q in load_questions() if not args.plans or q["plan"] in args.plans]
    if args.ingest:
        ingest_new({q["plan"] for q in questions if q["source"].startswith("heldout_")})
    chats = open_chats({q["plan"] for q in questions})
    start = time.perf_counter()
    rows = judge([q for q in questions if q["plan"] in chats], chats)
    splits = {"held-out plans": breakdown([r for r in rows if r["split"] == "held-out"]),
              "development plans": breakdown([r for r in rows if r["split"] == "development"])}
    carried = carry_development(splits, rows)
    result = {"meta": {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                       "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
                       "seconds": round(time.perf_counter() - start),
                       "development": [p for p in DEVELOPMENT if p in chats],
                       "held_out": sorted(p for p in chats if p not in DEVELOPMENT),
                       "development_carried_from": carried},
              "splits": splits, "questions": rows}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "chat_heldout.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (RESULTS / "chat_heldout.md").write_text(to_markdown(result), encoding="utf-8")
    print(to_markdown(result))


if __name__ == "__main__":
    main()
