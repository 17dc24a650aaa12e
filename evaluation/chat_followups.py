"""Follow-up questions in a conversation ("and how much does that cost?"): development chains and held-out plans.

    nice .venv/bin/python evaluation/chat_followups.py --ingest         # once: the plans only the new sets use
    nice .venv/bin/python evaluation/chat_followups.py --development    # -> results/chat_followups_dev.{json,md}
    nice .venv/bin/python evaluation/chat_followups.py                  # -> results/chat_followups.{json,md}

Two measures:

1. Detection, no model: every question of every set (ccc, ccc_dev, yesno, the held-out sets; with
   --development, the development chains instead of the held-out follow-ups) is asked as a conversation's first
   question; a standalone question taken for a follow-up would get "what do you mean?" instead of an answer.
   The follow-up questions (style "follow-up") are the positives.
2. Answers: each follow-up question is asked on its plan alone (it should get the clarify answer, never a
   confident unrelated one); after its `previous` question alone; and as /chat, POST /api/chat and
   `civicai ask --conversation` ask it (the previous question is answered first and the sections its direct
   answer cited travel with it: civicai.rag.followup.remember). Each with the topic check off ("before") and on
   ("after": a follow-up whose direct answer neither sits in or next to the previous answer's section nor names
   the carried topic gets "Do you mean <topic>?", civicai.rag.followup.stays_on_topic); alone, the check cannot
   change anything (nothing is carried). Counted: the gold evidence string is in a cited quote; clarifying
   questions; and direct answers whose quotes hold no gold evidence ("confident and unrelated"). For a follow-up
   the plan does not answer (`answerable` false, development chains only) any direct answer is unrelated.
   The development report also lists, per answer before the check, the two signals the check reads, so the
   rule's alternatives can be compared there (and only there).

The topic check was chosen on the development chains (evaluation/questions/dev_followups.jsonl: sample,
Copenhagen, Aarhus, Rotterdam); the held-out follow-ups (heldout_*.jsonl) were not looked at for it.
Plans: chat_data.plan_stores (the evaluation database, evaluation/.work/heldout, evaluation/.work/followups).
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


def detection(rows: list[dict]) -> dict:
    """Every question as a conversation's first: follow-ups found, standalone ones taken for follow-ups."""
    from civicai.rag.followup import leans_on_context, resolve

    positives = [r for r in rows if r.get("style") == "follow-up"]
    negatives = [r for r in rows if r.get("style") != "follow-up"]
    return {"civicai.rag.followup": {
        "follow_ups_found": f"{sum(leans_on_context(r['question']) for r in positives)} of {len(positives)}",
        "standalone_taken_for_follow_ups": f"{sum(leans_on_context(r['question']) for r in negatives)} of {len(negatives)}",
        "standalone_answered_with_clarify": [f"{r['id']}: {r['question']}" for r in negatives
                                             if resolve(r["question"]).clarify],
        "follow_ups_missed": [f"{r['id']}: {r['question']}" for r in positives if not leans_on_context(r["question"])]}}


MODES = ("alone", "followup", "conversation")  # how the follow-up is asked (module docstring)
CHECKED = ("followup", "conversation")  # where the topic check can change the answer


def judge_answer(row: dict, answer, seconds: float) -> dict:
    from civicai.rag import AnswerKind

    quotes = [c.quote for c in answer.citations]
    cited = bool(row["evidence"]) and any(norm(e) in norm(q) for e in row["evidence"] for q in quotes)
    return {"kind": str(answer.kind), "ms": round(seconds * 1000), "evidence_cited": cited,
            "confident_unrelated": answer.kind == AnswerKind.ANSWERED and not cited,
            "first_quote": quotes[0][:160] if quotes else "", "answer": answer.answer[:200],
            "section": answer.citations[0].section if answer.citations else ""}


def signals(chat, question: str, previous, answer) -> dict:
    """What the follow-up checks read for a direct answer (civicai.rag.followup.follow_up_verdict): the carried
    topic; whether the first citation is in or next to the previous answer's section; whether its heading or
    quote names the topic; whether a quote holds the asked kind of value."""
    from civicai.rag.followup import _heading, as_turns, holds_asked_value, names_topic, resolve, same_section

    redacted, _ = chat._prepare(question, "general")
    follow = resolve(redacted, previous, accept=lambda q: chat._earlier(q, "general"))
    if not answer.citations:
        return {"topic": follow.topic}
    first = answer.citations[0]
    return {"topic": follow.topic, "same_section": same_section(as_turns(previous), first.section),
            "names_topic": bool(follow.topic) and names_topic(follow.topic, f"{_heading(first.section)} {first.quote}"),
            "holds_value": holds_asked_value(follow, [c.quote for c in answer.citations])}


def ask(chat, row: dict, previous, topic_check: bool) -> dict:
    chat.topic_check = topic_check
    start = time.perf_counter()
    answer = chat.ask(row["question"], previous=previous)
    result = judge_answer(row, answer, time.perf_counter() - start)
    if not topic_check:
        result.update(signals(chat, row["question"], previous, answer))
    return result


def answers(follow_ups: list[dict]) -> list[dict]:
    from civicai.rag.followup import remember

    out = []
    for row in follow_ups:
        chat = open_chat(row["plan"])
        if chat is None:
            print(f"skip {row['id']}: plan {row['plan']} not ingested (--ingest)", flush=True)
            continue
        result = {"id": row["id"], "plan": row["plan"], "language": row["language"], "question": row["question"],
                  "previous": row["previous"], "answerable": row.get("answerable", True)}
        # as /chat asks it: the previous question is answered first, and its direct answer's sections travel
        chat.topic_check = True
        first = chat.ask(row["previous"])
        result["previous_sections"] = [c.section for c in first.citations] if not first.abstained else []
        previous = {"alone": None, "followup": row["previous"], "conversation": remember([], row["previous"], first)}
        for mode in MODES:
            result[mode] = ask(chat, row, previous[mode], topic_check=False)
            if mode in CHECKED:
                result[mode + " checked"] = ask(chat, row, previous[mode], topic_check=True)
        print(row["id"], {m: (result[m]["kind"], result[m]["evidence_cited"]) for m in MODES},
              {m: result[m + " checked"]["kind"] for m in CHECKED}, flush=True)
        out.append(result)
    return out


def candidate_rules(rows: list[dict]) -> list[dict]:
    """The topic check's alternatives, applied to the answers given with the check off: a direct follow-up answer
    is kept when the rule holds, else it becomes a clarifying question (development report only)."""
    def on_topic(r: dict) -> bool:
        return r.get("same_section", False) or r.get("names_topic", False)
    # (kept as a direct answer, made a clarifying question when not kept on topic grounds)
    rules = {"no check": lambda r: (True, True),
             "same or sibling section": lambda r: (r.get("same_section", False), True),
             "names the topic": lambda r: (r.get("names_topic", False), True),
             "section or topic": lambda r: (on_topic(r), True),
             "asked value held": lambda r: (True, r.get("holds_value", True)),
             "section or topic, then asked value held (adopted)": lambda r: (on_topic(r), r.get("holds_value", True))}
    out = []
    for name, keep in rules.items():
        for mode in CHECKED:
            cited = clarified = closest = unrelated = 0
            for row in rows:
                a = row[mode]
                topical, valued = keep(a) if a["kind"] == "answered" and a.get("topic") else (True, True)
                kept = topical and valued
                cited += a["evidence_cited"] and kept  # a "closest" answer quotes one passage: counted as lost
                clarified += a["kind"] == "clarify" or not topical
                closest += topical and not valued
                unrelated += a["confident_unrelated"] and kept
            out.append({"rule": name, "mode": mode, "evidence_cited": cited, "clarify": clarified,
                        "closest": closest, "confident_unrelated": unrelated, "of": len(rows)})
    return out


LABELS = {"conversation": "as /chat, the API and `ask --conversation` ask it (previous question and its cited "
                          "sections)",
          "followup": "after the previous question only",
          "alone": "alone, no conversation"}


def to_markdown(result: dict) -> str:
    meta = result["meta"]
    development = meta.get("set") == "development"
    title = "development chains (sample, Copenhagen, Aarhus, Rotterdam)" if development else "held-out plans"
    lines = [f"# Follow-up questions in a conversation: {title}", "",
             f"{meta['date']}, {meta['machine']}, code {meta.get('commit', '?')}. Produced by "
             f"`nice .venv/bin/python evaluation/chat_followups.py{' --development' if development else ''}`. "
             + ("The topic check was chosen on these chains." if development else
                "The follow-up rules and the topic check were chosen on the shipped sample plan and the development "
                "chains (results/chat_followups_dev.md); these plans were never used to choose them."), "",
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
    answerable = sum(r["answerable"] for r in rows)
    lines += ["", "## 2. Answers to the follow-up questions", "",
              f"{len(rows)} follow-up questions ({answerable} the plan answers; plans: "
              f"{', '.join(sorted({r['plan'] for r in rows}))}). Evidence cited: a gold evidence string is inside a "
              "cited quote. Asked what they mean: the clarify answer (\"what do you mean?\" or \"Do you mean "
              "<topic>?\"). Confident and unrelated: a direct answer whose quotes hold no gold evidence (for a "
              "follow-up the plan does not answer, any direct answer).", "",
              "| asked | topic check | evidence cited | asked what they mean | confident and unrelated | ms p50 |",
              "| --- | --- | --- | --- | --- | --- |"]
    for mode in ("conversation", "followup", "alone"):
        for key, check in ((mode, "before (off)"), (mode + " checked", "after (on)")):
            if key not in rows[0]:
                continue
            ms = sorted(r[key]["ms"] for r in rows)
            lines.append(f"| {LABELS[mode]} | {check} | {sum(r[key]['evidence_cited'] for r in rows)} of {answerable} | "
                         f"{sum(r[key]['kind'] == 'clarify' for r in rows)} | "
                         f"{sum(r[key]['confident_unrelated'] for r in rows)} | {ms[len(ms) // 2] if ms else '-'} |")
    if development:
        lines += ["", "## 3. The topic check's alternatives (answers with the check off, rule applied after)", "",
                  "Direct answers only; one made \"closest\" is counted as losing its evidence (a lower bound: "
                  "the closest passage may still quote it).", "",
                  "| rule | asked | evidence cited (at least) | asked what they mean | made closest | "
                  "confident and unrelated |", "| --- | --- | --- | --- | --- | --- |"]
        for c in candidate_rules(rows):
            lines.append(f"| {c['rule']} | {LABELS[c['mode']]} | {c['evidence_cited']} of {answerable} | "
                         f"{c['clarify']} | {c['closest']} | {c['confident_unrelated']} |")
    lines += ["", "| id | question | previous | as /chat asks it: before | after | previous question only: before | "
              "after | alone |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]

    def cell(a: dict) -> str:
        return f"{a['kind']}{', evidence' if a['evidence_cited'] else ''}"
    for r in rows:
        cells = [cell(r[m]) for m in ("conversation", "conversation checked", "followup", "followup checked", "alone")]
        lines.append(f"| {r['id']}{'' if r['answerable'] else ' (not in the plan)'} | {r['question']} | "
                     f"{r['previous']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def all_rows(development: bool) -> list[dict]:
    """The questions of the detection measure: the held-out follow-ups, or (--development) the development
    chains in their place; every other question of the sets is a negative."""
    rows = all_questions()
    if development:
        rows = [r for r in rows if r.get("style") != "follow-up"]
        rows += [dict(r, source="dev_followups") for r in read_jsonl(QUESTIONS / "dev_followups.jsonl")]
    return rows


def commit() -> str:
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE)
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ingest", action="store_true", help="ingest the plans the follow-up questions need")
    parser.add_argument("--database", choices=DATABASES, default="followups.db",
                        help="where --ingest writes (a second ingest process uses the second)")
    parser.add_argument("--development", action="store_true",
                        help="the development chains (questions/dev_followups.jsonl) instead of the held-out ones")
    parser.add_argument("--plans", nargs="*", help="only these plans (ingest, or answers merged into the last run)")
    args = parser.parse_args()
    if not shared_plans().is_dir():
        print(f"skip: {shared_plans()} is absent (the real plans live in ../shared/data)")
        return
    rows = all_rows(args.development)
    follow_ups = [r for r in rows if r.get("style") == "follow-up"]
    if args.plans:
        follow_ups = [r for r in follow_ups if r["plan"] in args.plans]
    if args.ingest:
        ingest({r["plan"] for r in follow_ups}, args.database)
        return
    result = {"meta": {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                       "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.0f}",
                       "commit": commit(), "questions": len(rows),
                       "set": "development" if args.development else "held-out"},
              "detection": detection(rows), "answers": answers(follow_ups)}
    name = "chat_followups_dev" if args.development else "chat_followups"
    previous = RESULTS / f"{name}.json"
    if args.plans and previous.is_file():  # a partial run keeps the other plans' answers of the last run
        kept = [a for a in json.loads(previous.read_text(encoding="utf-8"))["answers"] if a["plan"] not in args.plans]
        result["answers"] = sorted(kept + result["answers"], key=lambda a: a["id"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    (RESULTS / f"{name}.md").write_text(to_markdown(result), encoding="utf-8")
    print(to_markdown(result))


if __name__ == "__main__":
    main()
