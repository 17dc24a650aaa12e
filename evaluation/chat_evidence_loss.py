"""Where answer evidence is lost between retrieval and the cited quotes, on the DEVELOPMENT plans (the default).

    nice .venv/bin/python evaluation/chat_evidence_loss.py [--embedder e5|gemma] [--limit N] [--split held-out]
        # -> evaluation/results/chat_evidence_loss[_heldout][_EMBEDDER].{json,md}

`--split held-out` reads the held-out plans instead, for REPORTING ONLY: it says how much of the citation-recall
target the present design can reach at all (a question whose evidence is in no candidate cannot be cited by any
choice of quotes). Nothing may be chosen from it.

For every answerable development question with a gold evidence string, the stages of the chat are followed
and the first stage where the evidence drops out is counted (gold strings only, accents/case/punctuation
folded):
  not retrieved      no passage among the reranker's candidates holds the evidence
  split              a candidate holds it, but no single quotable sentence (nor two neighbours) does
  passage not cited  a candidate sentence holds it, but its passage is not among the cited ones
  sentence not quoted its passage is cited, the quote holds other sentences
  cited              the evidence is in a cited quote
The answer's kind (answered directly / closest passage / refused) is recorded with it, so "found, then
refused or cut to one sentence" shows. Held-out plans are read only with --split held-out.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_data import norm
from chat_heldout import DEVELOPMENT, load_questions, open_chats

HERE = Path(__file__).resolve().parent
STAGES = ("cited", "sentence not quoted", "passage not cited", "split", "not retrieved")


def locate(chat, row: dict) -> dict:
    evidence = [norm(e) for e in row["evidence"] if norm(e)]

    def holds(text: str) -> bool:
        return any(e in norm(text) for e in evidence)
    answer = chat.ask(row["question"], previous=row.get("previous"))
    redacted, language = chat._prepare(row["question"], "general")
    ranked = chat.assess(redacted, language).ranked
    quotes = [c.quote for c in answer.citations]
    cited_chunks = {c.chunk for c in answer.citations}
    rank_of_chunk = next((i for i, p in enumerate(ranked) if holds(p.hit.chunk.text)), None)
    sentence_rank, sentence_pos = None, None
    for i, p in enumerate(ranked):
        sentences = chat.ranker.sentences(p.hit.chunk)
        pairs = [(j, s) for j, s in enumerate(sentences)] + \
                [(j, s + " " + t) for j, (s, t) in enumerate(zip(sentences, sentences[1:]))]
        hit = next((j for j, s in pairs if holds(s)), None)
        if hit is not None:
            sentence_rank = i
            order = sorted(range(len(p.sentence_scores)), key=lambda k: -p.sentence_scores[k])
            sentence_pos = order.index(hit) if hit < len(order) else None
            break
    if any(holds(q) for q in quotes):
        stage = "cited"
    elif rank_of_chunk is None:
        stage = "not retrieved"
    elif sentence_rank is None:
        stage = "split"
    elif ranked[sentence_rank].hit.chunk.ordinal not in cited_chunks:
        stage = "passage not cited"
    else:
        stage = "sentence not quoted"
    return {"id": row["id"], "plan": row["plan"], "question": row["question"], "kind": str(answer.kind),
            "stage": stage, "passage_rank": rank_of_chunk, "sentence_passage_rank": sentence_rank,
            "sentence_rank_in_passage": sentence_pos, "quotes": len(quotes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=0, help="at most N questions per plan (a quick look)")
    parser.add_argument("--embedder", default=None, help="retrieval embedder (default: the chat's)")
    parser.add_argument("--split", choices=("development", "held-out"), default="development",
                        help="which plans (held-out: for reporting only)")
    args = parser.parse_args()
    development = args.split == "development"
    questions = [q for q in load_questions()
                 if (q["plan"] in DEVELOPMENT) == development and q["answerable"] and q.get("evidence")]
    if args.limit:
        per: dict[str, int] = defaultdict(int)
        questions = [q for q in questions if (per.__setitem__(q["plan"], per[q["plan"]] + 1) or per[q["plan"]]) <= args.limit]
    chats = open_chats({q["plan"] for q in questions}, embedder=args.embedder)
    start = time.perf_counter()
    rows = [locate(chats[q["plan"]], q) for q in questions if q["plan"] in chats]
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        by_kind[r["kind"]][r["stage"]] += 1
    total = Counter(r["stage"] for r in rows)
    suffix = ("" if development else "_heldout") + (f"_{args.embedder}" if args.embedder else "")
    flags = (" --embedder " + args.embedder if args.embedder else "") + ("" if development else " --split held-out")
    title = "development plans only" if development else "held-out plans, for reporting only: nothing is chosen here"
    lines = [f"# Where answer evidence is lost ({title})", "",
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {os.getloadavg()[0]:.1f}. "
             f"`nice .venv/bin/python evaluation/chat_evidence_loss.py{flags}`. "
             f"{len(rows)} answerable questions with gold evidence on {', '.join(sorted(chats))}. Gold strings only.",
             "", "| answer kind | " + " | ".join(STAGES) + " | questions |", "| --- |" + " --- |" * (len(STAGES) + 1)]
    for kind, counts in sorted(by_kind.items()) + [("all", total)]:
        lines.append(f"| {kind} | " + " | ".join(str(counts[s]) for s in STAGES) + f" | {sum(counts.values())} |")
    lost = [r for r in rows if r["stage"] in ("passage not cited", "sentence not quoted")]
    lines += ["", "Where the lost evidence sat, when a candidate sentence held it: rank of its passage among the "
              "reranked candidates (0 = first) and of its sentence within the passage by the reranker's score:", "",
              "| rank | passage | sentence in passage |", "| --- | --- | --- |"]
    for k in range(8):
        lines.append(f"| {k} | {sum(r['sentence_passage_rank'] == k for r in lost)} | "
                     f"{sum(r['sentence_rank_in_passage'] == k for r in lost)} |")
    n = len(rows) or 1
    in_candidates = sum(r["sentence_passage_rank"] is not None for r in rows)
    lines += ["", "What any choice of quotes from the reranker's candidates could reach (a sentence, or two neighbours, "
              "holding the gold evidence, in the passage at that rank or above):", "",
              "| candidates read | share of questions |", "| --- | --- |"]
    for k in (1, 3, 5):
        reach = sum(r["sentence_passage_rank"] is not None and r["sentence_passage_rank"] < k for r in rows)
        lines.append(f"| top {k} | {reach / n:.3f} |")
    lines.append(f"| all candidates | {in_candidates / n:.3f} |")
    lines.append(f"| cited today | {total['cited'] / n:.3f} |")
    out = {"rows": rows, "seconds": round(time.perf_counter() - start)}
    (HERE / "results" / f"chat_evidence_loss{suffix}.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    (HERE / "results" / f"chat_evidence_loss{suffix}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
