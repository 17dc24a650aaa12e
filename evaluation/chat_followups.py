"""Follow-up questions in a conversation ("and how much does that cost?"), measured on held-out plans.

    nice .venv/bin/python evaluation/chat_followups.py --ingest   # once: the plans only the new sets use
    nice .venv/bin/python evaluation/chat_followups.py            # -> evaluation/results/chat_followups.{json,md}

Two measures:

1. Detection, no model: every question of every set (ccc, ccc_dev, yesno, the held-out sets) is asked as a
   conversation's first question; a standalone question taken for a follow-up would get "what do you mean?"
   instead of an answer. Counted for `civicai.rag.followup` and for the rule it replaced
   (`civicai.rag.question.is_follow_up`). The follow-up questions of the sets (style "follow-up") are the
   positives.
2. Answers: each follow-up question of the held-out sets is asked four ways on its plan: alone (it should get
   the clarify answer, never a confident unrelated one); as /chat asks it (the previous question is answered
   first and the sections its direct answer cited travel with it); after its `previous` question alone
   (`civicai.rag.followup`); and after it under the rule it replaced (a follow-up needed a pointing word and at
   most one word of its own; the previous question's content words were appended). Counted: the gold evidence
   string is in a cited quote, and direct answers whose quotes hold none ("confident and unrelated").

Plans: the evaluation database (evaluation/chat_ingest.py), evaluation/.work/heldout (chat_heldout.py --ingest),
else evaluation/.work/followups (--ingest fills it). No setting was chosen on these plans: the follow-up rules
were written on the shipped sample plan (tests/test_rag_followup.py) before this script was first run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_data import (
    FOLLOWUPS_WORK,
    QUESTIONS,
    ccc_questions,
    dinan_document,
    followups_store,
    norm,
    open_chat,
    read_jsonl,
    shared_plans,
    yesno_questions,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DATABASES = ("followups.db", "followups_b.db")  # where --ingest writes (a second process uses the second)


def all_questions() -> list[dict]:
    rows = [dict(r, source="ccc") for r in ccc_questions()] + [dict(r, source="yesno") for r in yesno_questions()]
    rows += [dict(r, source="ccc_dev") for r in read_jsonl(QUESTIONS / "ccc_dev.jsonl")]
    for path in sorted(QUESTIONS.glob("heldout_*.jsonl")):
        rows += [dict(r, source=path.stem) for r in read_jsonl(path)]
    return rows


def ingest(plans: set[str], database: str = "followups.db") -> None:
    """Plans that no store holds yet, into evaluation/.work/followups (embeddings kept there)."""
    from civicai.plans.ingest import ingest_document
    from civicai.plans.parsers import parse_document
    from civicai.rag import load_chat

    FOLLOWUPS_WORK.mkdir(parents=True, exist_ok=True)
    settings = followups_store(database)
    folder = shared_plans() / "climate-city-contracts"
    for plan in sorted(plans):
        if open_chat(plan) is not None:
            print(f"{plan}: already ingested", flush=True)
            continue
        if plan == "dinan":
            document = dinan_document()
        else:
            path = next((p for p in folder.glob("*.md") if p.stem.lower() == plan), None)
            if path is None:
                print(f"skip {plan}: no plan file in {folder}", flush=True)
                continue
            document = parse_document(path)
        start = time.perf_counter()
        ingest_document(document, name=plan, settings=settings)
        load_chat(plan, settings=settings).prepare_sentences()
        print(f"{plan}: ingested in {time.perf_counter() - start:.0f} s", flush=True)


def legacy_resolve(question: str, previous=None, accept=lambda q: q):
    """The rule `civicai.rag.followup` replaced (rag/chat.py before it): a follow-up needed a pointing word and at
    most one word of its own; the one previous question's content words, without the asked kind of value, were
    appended."""
    from civicai.rag.followup import Resolution, as_turns
    from civicai.rag.question import is_follow_up
    from civicai.rag.rerank import asked_value
    from civicai.rag.tokenize import content_terms

    if not is_follow_up(question):
        return Resolution(query=question, follow_up=False, clarify=False)
    turns = as_turns(previous)
    earlier = accept(turns[-1].question) if turns else ""
    context = " ".join(w for w in earlier.split() if content_terms(w) and asked_value(w) is None)
    if not context:
        return Resolution(query=question, follow_up=True, clarify=True)
    return Resolution(query=f"{question} {context}", follow_up=True, clarify=False, topic=context)


def detection(rows: list[dict]) -> dict:
    """Every question as a conversation's first: follow-ups found, standalone ones taken for follow-ups."""
    from civicai.rag.followup import leans_on_context, resolve
    from civicai.rag.question import is_follow_up

    positives = [r for r in rows if r.get("style") == "follow-up"]
    negatives = [r for r in rows if r.get("style") != "follow-up"]
    out = {}
    for name, detect, clarifies in (
            ("civicai.rag.followup", leans_on_context, lambda q: resolve(q).clarify),
            ("previous rule (question.is_follow_up)", is_follow_up, is_follow_up)):
        out[name] = {
            "follow_ups_found": f"{sum(detect(r['question']) for r in positives)} of {len(positives)}",
            "standalone_taken_for_follow_ups": f"{sum(detect(r['question']) for r in negatives)} of {len(negatives)}",
            "standalone_answered_with_clarify": [f"{r['id']}: {r['question']}" for r in negatives
                                                 if clarifies(r["question"])],
            "follow_ups_missed": [f"{r['id']}: {r['question']}" for r in positives if not detect(r["question"])]}
    return out


def answers(follow_ups: list[dict]) -> list[dict]:
    import civicai.rag.chat as chat_module
    from civicai.rag import AnswerKind
    from civicai.rag.followup import Turn, resolve

    out = []
    for row in follow_ups:
        chat = open_chat(row["plan"])
        if chat is None:
            print(f"skip {row['id']}: plan {row['plan']} not ingested (--ingest)", flush=True)
            continue
        result = {"id": row["id"], "plan": row["plan"], "language": row["language"], "question": row["question"],
                  "previous": row["previous"]}
        # as /chat asks it: the previous question is answered first, and its direct answer's sections travel
        first = chat.ask(row["previous"])
        turn = Turn(row["previous"], tuple(c.section for c in first.citations) if not first.abstained else ())
        for mode, rule, previous in (("alone", resolve, None), ("followup", resolve, row["previous"]),
                                     ("conversation", resolve, [turn]),
                                     ("previous rule", legacy_resolve, row["previous"])):
            chat_module.resolve = rule  # the chat's resolver under test; restored below
            try:
                start = time.perf_counter()
                answer = chat.ask(row["question"], previous=previous)
            finally:
                chat_module.resolve = resolve
            quotes = [c.quote for c in answer.citations]
            result[mode] = {"kind": str(answer.kind), "ms": round((time.perf_counter() - start) * 1000),
                            "evidence_cited": any(norm(e) in norm(q) for e in row["evidence"] for q in quotes),
                            "confident_unrelated": answer.kind == AnswerKind.ANSWERED
                            and not any(norm(e) in norm(q) for e in row["evidence"] for q in quotes),
                            "first_quote": quotes[0][:160] if quotes else ""}
        print(row["id"], {m: (result[m]["kind"], result[m]["evidence_cited"]) for m in
                          ("alone", "followup", "conversation", "previous rule")}, flush=True)
        out.append(result)
    return out


def to_markdown(result: dict) -> str:
    meta = result["meta"]
    lines = ["# Follow-up questions in a conversation", "",
             f"{meta['date']}, {meta['machine']}. Produced by `nice .venv/bin/python evaluation/chat_followups.py`. "
             "The follow-up rules were written on the shipped sample plan (tests/test_rag_followup.py); the plans "
             "below were never used to choose them.", "",
             "## 1. Which questions lean on the conversation (no model)", "",
             f"All {meta['questions']} questions of the question sets, each asked as a conversation's first "
             "question. A standalone question taken for a follow-up gets \"what do you mean?\" instead of an "
             "answer.", "",
             "| rule | follow-ups found | standalone taken for follow-ups | standalone answered with 'what do you mean?' |",
             "| --- | --- | --- | --- |"]
    for name, d in result["detection"].items():
        lines.append(f"| {name} | {d['follow_ups_found']} | {d['standalone_taken_for_follow_ups']} | "
                     f"{len(d['standalone_answered_with_clarify'])} |")
    for name, d in result["detection"].items():
        for key in ("standalone_answered_with_clarify", "follow_ups_missed"):
            if d[key]:
                lines += ["", f"{name}, {key.replace('_', ' ')}: " + "; ".join(d[key])]
    rows = result["answers"]
    lines += ["", "## 2. Answers to the follow-up questions of the held-out sets", "",
              f"{len(rows)} follow-up questions ({', '.join(sorted({r['plan'] for r in rows}))}), each asked alone, "
              "in a conversation as /chat asks it (the previous question is answered first and the sections its "
              "direct answer cited travel with the follow-up), after its previous question alone, and after it "
              "under the previous rule. Evidence cited: a gold evidence string is inside a cited quote. "
              "Confident and unrelated: a direct "
              "answer whose quotes hold no gold evidence.", "",
              "| asked | evidence cited | asked what they mean | confident and unrelated | ms p50 |",
              "| --- | --- | --- | --- | --- |"]
    for mode, label in (("conversation", "after the previous question and its answer, as /chat asks it"),
                        ("followup", "after the previous question (civicai.rag.followup)"),
                        ("previous rule", "after the previous question (previous rule)"),
                        ("alone", "alone, no conversation")):
        ms = sorted(r[mode]["ms"] for r in rows)
        lines.append(f"| {label} | {sum(r[mode]['evidence_cited'] for r in rows)} of {len(rows)} | "
                     f"{sum(r[mode]['kind'] == 'clarify' for r in rows)} | "
                     f"{sum(r[mode]['confident_unrelated'] for r in rows)} | {ms[len(ms) // 2] if ms else '-'} |")
    lines += ["", "| id | question | previous | as /chat asks it | previous question only | previous rule | alone |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        cells = [f"{r[m]['kind']}{', evidence' if r[m]['evidence_cited'] else ''}"
                 for m in ("conversation", "followup", "previous rule", "alone")]
        lines.append(f"| {r['id']} | {r['question']} | {r['previous']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ingest", action="store_true", help="ingest the plans the follow-up questions need")
    parser.add_argument("--database", choices=DATABASES, default="followups.db",
                        help="where --ingest writes (a second ingest process uses the second)")
    parser.add_argument("--plans", nargs="*", help="only these plans (ingest, or answers merged into the last run)")
    args = parser.parse_args()
    if not shared_plans().is_dir():
        print(f"skip: {shared_plans()} is absent (the real plans live in ../shared/data)")
        return
    follow_ups = [r for r in all_questions() if r.get("style") == "follow-up"]
    if args.plans:
        follow_ups = [r for r in follow_ups if r["plan"] in args.plans]
    if args.ingest:
        ingest({r["plan"] for r in follow_ups}, args.database)
        return
    rows = all_questions()
    result = {"meta": {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                       "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.0f}",
                       "questions": len(rows)},
              "detection": detection(rows), "answers": answers(follow_ups)}
    previous = RESULTS / "chat_followups.json"
    if args.plans and previous.is_file():  # a partial run keeps the other plans' answers of the last run
        kept = [a for a in json.loads(previous.read_text(encoding="utf-8"))["answers"] if a["plan"] not in args.plans]
        result["answers"] = sorted(kept + result["answers"], key=lambda a: a["id"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "chat_followups.json").write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    (RESULTS / "chat_followups.md").write_text(to_markdown(result), encoding="utf-8")
    print(to_markdown(result))


if __name__ == "__main__":
    main()
