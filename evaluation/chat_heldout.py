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
from dataclasses import replace
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_data import (
    QUESTIONS,
    ccc_questions,
    citation_judgements,
    dinan_document,
    norm,
    plan_stores,
    quote_key,
    read_jsonl,
    yesno_questions,
)
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


def open_chats(plans: set[str], embedder: str | None = None, quiet: bool = False) -> dict:
    """Each plan from the evaluation database, else from evaluation/.work/heldout; missing plans are named.
    `embedder`: another retrieval embedder than the one the plans were stored with; its passage vectors are
    computed once per plan and kept in evaluation/.work/embeddings (chat_retrieval_heldout.passage_vectors)."""
    stores = plan_stores()  # the evaluation database, .work/heldout, .work/followups* (chat_data)
    chats = {}
    other = None
    for plan in sorted(plans):
        for settings in stores:
            try:
                chats[plan] = load_chat(plan, settings=settings)
                break
            except CivicaiError:
                continue
        else:
            if not quiet:
                    print(f"skip {plan}: not ingested (run evaluation/chat_ingest.py, or this script with --ingest)",
                      flush=True)
            continue
        if embedder and embedder != chats[plan].index.embedder.name:
            from chat_retrieval_heldout import passage_vectors  # imported here: it imports this module
            from civicai.embed import get_embedder
            from civicai.rag.chat import PlanChat

            other = other or get_embedder(embedder, settings.threads)
            stored = chats[plan].stored
            vectors, _ = passage_vectors(stored, other)
            swapped = replace(stored, embeddings=vectors, model_id=other.model_id)
            chats[plan] = PlanChat.from_stored(swapped, settings, embedder=other)
    return chats


def ingest_new(plans: set[str]) -> None:
    """Ingest the contracts that only the new question sets use (and the shipped sample plan, where the
    evaluation database lacks it), once, into evaluation/.work/heldout."""
    from civicai.plans.ingest import ingest_document
    from civicai.plans.parsers import parse_document

    settings = get_settings(home=WORK, database_url=f"sqlite:///{(WORK / 'heldout.db').resolve()}")
    folder = shared_data_dir() / "plans" / "climate-city-contracts"
    for plan in sorted(plans | {"sample"}):
        if plan in open_chats({plan}, quiet=True):
            continue  # already ingested
        if plan == "dinan":  # 38 action sheets joined into one plan, as the chat evaluation reads them
            document = dinan_document()
        else:
            path = sample_dir() / "plan" / "rivermouth-climate-plan.md" if plan == "sample" \
                else next((p for p in folder.glob("*.md") if p.stem.lower() == plan), None)
            if path is None:
                continue
            document = parse_document(path)
        ingest_document(document, name=plan, settings=settings)
        load_chat(plan, settings=settings).prepare_sentences()
        print(f"ingested {plan}", flush=True)


class Judgements:
    """Blind assessors' labels for cited quotes (evaluation/questions/citation_judgements.jsonl), read for a new
    quote exactly where the same quote was judged, else by containment where that decides it: a quote inside a
    quote judged "no" does not answer either; a quote that holds a whole quote judged "yes" answers too."""

    def __init__(self) -> None:
        self.exact = citation_judgements()
        self.by_id: dict[str, list[tuple[str, str]]] = defaultdict(list)
        path = QUESTIONS / "citation_judgements.jsonl"
        for r in read_jsonl(path) if path.is_file() else []:
            if r.get("quote"):
                self.by_id[r["id"]].append((norm(r["quote"]), r["label"]))

    def label(self, question_id: str, quote: str) -> str | None:
        found = self.exact.get((question_id, quote_key(quote)))
        if found is not None:
            return found
        text = norm(quote)
        if any(label == "yes" and judged in text for judged, label in self.by_id.get(question_id, [])):
            return "yes"
        if any(label == "no" and text in judged for judged, label in self.by_id.get(question_id, [])):
            return "no"
        return None


class PreviousDesign:
    """Records, for each answer, the citations the previous design (the margin rule alone, no relevance model)
    would have shown for the same retrieval and grade: composing is cheap, so both designs are read from one run."""

    def __init__(self) -> None:
        import civicai.rag.chat as chat_module

        self.last = None
        original = chat_module.compose_answer

        def both(*args, **kwargs):
            self.last = original(*args, **{**kwargs, "relevance": None})[1] if kwargs.get("relevance") else None
            return original(*args, **kwargs)
        chat_module.compose_answer = both


def score_quotes(row: dict, quotes: list[str], direct: bool, judgements: Judgements) -> dict:
    labels = [judgements.label(row["id"], q) for q in quotes]
    return {
        "evidence_cited": bool(row["answerable"]) and any(norm(e) in norm(q) for e in row.get("evidence", [])
                                                          for q in quotes),
        "judged_cited": bool(row["answerable"]) and "yes" in labels,
        # precision is over direct answers: the closest passage is said not to answer the question
        "judged_yes": labels.count("yes") if direct else 0,
        "judged": sum(label is not None for label in labels) if direct else 0,
        "quotes": len(quotes) if direct else 0}


def judge(rows: list[dict], chats: dict, checkpoint: Path | None = None) -> list[dict]:
    """Every question asked through `ask`; with `checkpoint`, each result is appended there as it comes and
    questions already in it are not asked again (a long run on a shared machine can be resumed)."""
    judgements = Judgements()
    previous = PreviousDesign()
    done = {}
    if checkpoint is not None and checkpoint.is_file():
        done = {r["id"]: r for r in read_jsonl(checkpoint)}
    out = []
    for row in rows:
        if row["id"] in done:
            out.append(done[row["id"]])
            continue
        chat = chats[row["plan"]]
        previous.last = None
        start = time.perf_counter()
        answer = chat.ask(row["question"], previous=row.get("previous"))  # a follow-up leans on its previous question
        ms = (time.perf_counter() - start) * 1000
        rewritten = getattr(chat, "rewriter", None) and chat.rewriter.last  # --rewrite: a cached rewrite adds its cost
        ms += 1000 * rewritten.seconds if rewritten and chat.rewriter.last_cached else 0.0
        direct = answer.kind == AnswerKind.ANSWERED
        quotes = [c.quote for c in answer.citations]
        before = [c.quote for c in previous.last] if previous.last is not None else quotes
        plan_language = row.get("plan_language") or PLAN_LANGUAGE.get(row["plan"], "en")
        result = {
            "id": row["id"], "plan": row["plan"], "split": "development" if row["plan"] in DEVELOPMENT else "held-out",
            "style": style_of(row), "language": row["language"], "cross": row["language"][:2] != plan_language[:2],
            "answerable": bool(row["answerable"]), "kind": str(answer.kind),
            **score_quotes(row, quotes, direct, judgements),
            "previous": score_quotes(row, before, direct, judgements), "ms": round(ms, 1),
            **({"rewrite": rewritten.text, "rewrite_s": rewritten.seconds} if rewritten else {})}
        out.append(result)
        if checkpoint is not None:
            with checkpoint.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(result, ensure_ascii=False) + "\n")
    return out


def summarise(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    judged = sum(r["judged"] for r in rows)

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 3) if whole else None
    before = [r.get("previous") for r in rows]
    return {
        "answerable": len(answerable), "unanswerable": len(unanswerable),
        "citation_recall": share(sum(r["evidence_cited"] or r["judged_cited"] for r in answerable), len(answerable)),
        "citation_recall_previous": share(sum(b["evidence_cited"] or b["judged_cited"] for b, r in zip(before, rows)
                                              if b and r["answerable"]), len(answerable)) if all(before) else None,
        "judged_precision_previous": share(sum(b["judged_yes"] for b in before), sum(b["judged"] for b in before))
        if all(before) else None,
        "citation_recall_gold_strings": share(sum(r["evidence_cited"] for r in answerable), len(answerable)),
        "answered_directly": share(sum(r["kind"] == AnswerKind.ANSWERED for r in answerable), len(answerable)),
        "answerable_refused": share(sum(r["kind"] not in (AnswerKind.ANSWERED, AnswerKind.CLOSEST)
                                        for r in answerable), len(answerable)),
        "answerable_refused_before": share(sum(r["kind"] != AnswerKind.ANSWERED for r in answerable), len(answerable)),
        "unanswerable_answered": share(sum(r["kind"] == AnswerKind.ANSWERED for r in unanswerable), len(unanswerable)),
        "unanswerable_closest": share(sum(r["kind"] == AnswerKind.CLOSEST for r in unanswerable), len(unanswerable)),
        "judged_precision": share(sum(r["judged_yes"] for r in rows), judged),
        "judged_quotes": f"{judged} of {sum(r['quotes'] for r in rows)}",
        "quotes_per_direct_answer": share(sum(r["quotes"] for r in rows),
                                          sum(r["kind"] == AnswerKind.ANSWERED for r in rows)),
        "ms_p50_p95": "/".join(str(round(float(np.percentile([r["ms"] for r in rows], q)))) for q in (50, 95))
        if rows and all("ms" in r for r in rows) else None,
    }


def breakdown(rows: list[dict]) -> dict:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        for key in ("all", f"plan:{r['plan']}", f"style:{r['style']}", f"language:{r['language']}",
                    "cross-lingual" if r["cross"] else "same language"):
            groups[key].append(r)
    return {key: summarise(group) for key, group in sorted(groups.items(), key=lambda kv: (kv[0] != "all", kv[0]))}


COLUMNS = (("answerable", "answerable"), ("unanswerable", "unanswerable"), ("citation_recall", "citation recall"),
           ("citation_recall_previous", "… previous citation design"),
           ("citation_recall_gold_strings", "… by gold strings only"), ("answered_directly", "answered directly"), ("answerable_refused", "answerable refused"),
           ("answerable_refused_before", "refused, previous design"),
           ("unanswerable_answered", "unanswerable answered as if answerable"),
           ("unanswerable_closest", "unanswerable given the closest passage"),
           ("judged_precision", "judged citation precision"), ("judged_precision_previous", "… previous citation design"),
           ("judged_quotes", "quotes judged"),
           ("quotes_per_direct_answer", "quotes per direct answer"), ("ms_p50_p95", "ms per answer p50/p95"))
TARGETS = {"citation_recall": (">=", 0.90), "answerable_refused": ("<=", 0.10),
           "unanswerable_answered": ("<=", 0.10), "judged_precision": (">=", 0.90)}


def to_markdown(result: dict) -> str:
    lines = ["# Chat on whole held-out plans (graded answers)", "",
             f"{result['meta']['date']}, {result['meta']['machine']}, retrieval embedder "
             f"{result['meta'].get('embedder')}, citations: {result['meta'].get('design')}. Produced by `nice .venv/bin/python "
             f"evaluation/chat_heldout.py{' --embedder ' + result['meta']['embedder'] if result['meta'].get('embedder') not in (None, 'e5') else ''}`. Development plans (every setting chosen there): "
             f"{', '.join(result['meta']['development'])}. Held-out plans: {', '.join(result['meta']['held_out'])}.",
             "", "Targets: " + "; ".join(f"{k} {op} {v}" for k, (op, v) in TARGETS.items()) + ".", ""]
    for split, groups in result["splits"].items():
        carried = result["meta"].get("development_carried_from") if split == "development plans" else None
        note = [f"Not re-run this time: carried over from the run of {carried}.", ""] if carried else []
        lines += [f"## {split}", "", *note, "| group | " + " | ".join(label for _, label in COLUMNS) + " |",
                  "| --- |" + " --- |" * len(COLUMNS)]
        for key, stats in groups.items():
            cells = ["-" if stats.get(k) is None else str(stats[k]) for k, _ in COLUMNS]
            lines.append(f"| {key} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def carry_development(splits: dict, rows: list[dict], previous: Path) -> str | None:
    """A run of held-out plans only (--plans) keeps the development table of the last full run, said so, rather
    than dropping it; the questions of that run are not carried."""
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
    parser.add_argument("--embedder", default=None,
                        help="retrieval embedder (e5, gemma); default the plans' own. Results of another than the "
                             "default go to chat_heldout_EMBEDDER.{json,md}")
    parser.add_argument("--previous-design", action="store_true",
                        help="cite by the margin rule alone, without the sentence-relevance model (for comparison; "
                             "results to chat_heldout[_EMBEDDER]_previous.{json,md})")
    parser.add_argument("--rewrite", choices=("cross", "all"), default=None,
                        help="also search for the question as the local LLM rewrites it (civicai.rag.rewrite): 'cross' "
                             "questions in another language than the plan, 'all' every one; rewrites cached in "
                             "evaluation/.work/rewrites; results to chat_heldout[...]_rewrite_SCOPE.{json,md}")
    parser.add_argument("--checkpoint", action="store_true",
                        help="append each answer to evaluation/.work/<results name>.rows.jsonl and skip questions "
                             "already there (resume a long run)")
    args = parser.parse_args()
    if args.previous_design:
        import civicai.rag.chat

        civicai.rag.chat.load_relevance = lambda embedder: None
    questions = [q for q in load_questions() if not args.plans or q["plan"] in args.plans]
    if args.ingest:
        ingest_new({q["plan"] for q in questions if q["source"].startswith("heldout_")})
    chats = open_chats({q["plan"] for q in questions}, embedder=args.embedder)
    name = "chat_heldout" if args.embedder in (None, get_settings().embedder_retrieval) else f"chat_heldout_{args.embedder}"
    name += "_previous" if args.previous_design else ""
    if args.rewrite:
        from civicai.rag.rewrite import QueryRewriter

        rewriter = QueryRewriter(scope=args.rewrite, cache_dir=HERE / ".work" / "rewrites")
        for chat in chats.values():
            chat.rewriter = rewriter
        name += f"_rewrite_{args.rewrite}"
    start = time.perf_counter()
    # round robin over plans: a run cut short (--checkpoint) has asked a like share of every plan
    position: dict[str, int] = defaultdict(int)
    order = []
    for q in questions:
        order.append((position[q["plan"]], q["plan"]))
        position[q["plan"]] += 1
    questions = [q for _, q in sorted(zip(order, questions), key=lambda pair: pair[0])]
    rows = judge([q for q in questions if q["plan"] in chats], chats,
                 HERE / ".work" / f"{name}.rows.jsonl" if args.checkpoint else None)
    splits = {"held-out plans": breakdown([r for r in rows if r["split"] == "held-out"]),
              "development plans": breakdown([r for r in rows if r["split"] == "development"])}
    carried = carry_development(splits, rows, RESULTS / f"{name}.json")
    result = {"meta": {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                       "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
                       "seconds": round(time.perf_counter() - start),
                       "embedder": next(iter(chats.values())).index.embedder.name if chats else None,
                       "design": "margin rule only (previous)" if args.previous_design else "margin rule + relevance model",
                       "development": [p for p in DEVELOPMENT if p in chats],
                       "held_out": sorted(p for p in chats if p not in DEVELOPMENT),
                       "development_carried_from": carried},
              "splits": splits, "questions": rows}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (RESULTS / f"{name}.md").write_text(to_markdown(result), encoding="utf-8")
    print(to_markdown(result))


if __name__ == "__main__":
    main()
