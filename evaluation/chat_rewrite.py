"""LLM query rewriting (civicai.rag.rewrite) measured end to end, against the chat without it.

    nice -n 15 .venv/bin/python evaluation/chat_rewrite.py run --split development --variant off
    nice -n 15 .venv/bin/python evaluation/chat_rewrite.py run --split development --variant cross
    nice -n 15 .venv/bin/python evaluation/chat_rewrite.py run --split held-out --variant cross
    .venv/bin/python evaluation/chat_rewrite.py report      # -> evaluation/results/chat_rewrite.{json,md}

Each run asks every question of the split through `PlanChat.ask` (evaluation/chat_heldout.py's `judge`, the
same scoring) and appends one row per question to evaluation/.work/chat_rewrite_<split>_<variant>.rows.jsonl,
so a run on a shared machine can be resumed. Variants: off (today), cross (only questions in another language
than the plan are rewritten), all (every question). Rewrites are cached in evaluation/.work/rewrites; a cached
rewrite's latency counts what it cost to generate. The variant is chosen on the development plans only; the
held-out plans report the chosen one.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import chat_heldout as heldout
from chat_data import read_jsonl

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
CACHE = WORK / "rewrites"
RESULTS = HERE / "results"
SPLITS = ("development", "held-out")
VARIANTS = ("off", "cross", "all")


def rows_path(split: str, variant: str) -> Path:
    return WORK / f"chat_rewrite_{split}_{variant}.rows.jsonl"


def variant_name(scope: str, fusion: str | None, words: bool = True) -> str:
    """'off', 'cross', 'all'; with another fusion than the shipped one 'cross+max'; with the rewrite used for
    retrieval only (not for word matching) '+nowords'."""
    from civicai.rag.rewrite import FUSION

    if scope == "off":
        return scope
    return scope + ("" if fusion in (None, FUSION) else f"+{fusion}") + ("" if words else "+nowords")


def round_robin(questions: list[dict]) -> list[dict]:
    """Plans interleaved, so a run cut short has asked a like share of every plan."""
    position: dict[str, int] = defaultdict(int)
    keyed = []
    for q in questions:
        keyed.append(((position[q["plan"]], q["plan"]), q))
        position[q["plan"]] += 1
    return [q for _, q in sorted(keyed, key=lambda pair: pair[0])]


def run(split: str, variant: str, plans: list[str] | None, cross_only: bool, timeout_s: float,
        fusion: str | None = None, words: bool = True, like: str | None = None) -> None:
    import civicai.rag.rewrite as rewrite_module
    from civicai.rag.rewrite import QueryRewriter

    name = variant_name(variant, fusion, words)
    if fusion:
        rewrite_module.FUSION = fusion  # search_both reads it at call time

    questions = [q for q in heldout.load_questions()
                 if (q["plan"] in heldout.DEVELOPMENT) == (split == "development") and (not plans or q["plan"] in plans)]
    if cross_only:  # only the questions the 'cross' variant changes (a quick first look)
        questions = [q for q in questions
                     if q["language"][:2] != (q.get("plan_language") or heldout.PLAN_LANGUAGE.get(q["plan"], "en"))[:2]]
    if like:  # the questions another run asked (e.g. those whose rewrites are cached), for a paired comparison
        asked = {r["id"] for r in read_jsonl(Path(like))}
        questions = [q for q in questions if q["id"] in asked]
    chats = heldout.open_chats({q["plan"] for q in questions})
    rewriter = None if variant == "off" else QueryRewriter(scope=variant, cache_dir=CACHE, timeout_s=timeout_s,
                                                                words=words)
    if rewriter is not None:  # page the model's weights in first: the first question must not pay for it
        rewriter._generate("Bonjour ?", "French", "English")
    for chat in chats.values():
        chat.rewriter = rewriter
    start = time.perf_counter()
    rows = heldout.judge(round_robin([q for q in questions if q["plan"] in chats]), chats, rows_path(split, name))
    print(f"{split} {name}: {len(rows)} questions in {time.perf_counter() - start:.0f} s", flush=True)


def retrieval(split: str, like: str) -> None:
    """Where the rewrite acts: is a gold evidence string inside one of the reranker's candidate passages (the
    top 8 fused hits), without and with the cached rewrite, for the answerable questions in `like`?"""
    from civicai.rag.chat import RERANK_CANDIDATES, detect_question_language, redact_question
    from civicai.rag.rewrite import QueryRewriter

    asked = {r["id"] for r in read_jsonl(Path(like))}
    questions = [q for q in heldout.load_questions() if q["id"] in asked and q["answerable"] and q.get("evidence")]
    chats = heldout.open_chats({q["plan"] for q in questions})
    rewriter = QueryRewriter(scope="cross", cache_dir=CACHE, timeout_s=1)
    found = {"off": 0, "rewrite": 0, "rewrite_only": 0, "original_only": 0, "top1_off": 0, "top1_rewrite": 0}
    n = 0
    for q in questions:
        if q["plan"] not in chats or q.get("previous"):
            continue  # follow-ups lean on their previous question: not a plain retrieval case
        chat = chats[q["plan"]]
        language = detect_question_language(q["question"], chat.stored.info.language)
        text = redact_question(q["question"], language, chat.public_text)
        rewrite = rewriter.rewrite(text, language, chat.stored.info.language)
        if rewrite is None:
            continue
        chat.rewriter = rewriter
        gold = [heldout.norm(e) for e in q["evidence"]]
        hits = {}
        for key, rw in (("off", None), ("rewrite", rewrite)):
            ranked = chat.assess(text, language, rewrite=rw).evidence.hits[:RERANK_CANDIDATES]
            inside = [any(g and g in heldout.norm(h.chunk.text) for g in gold) for h in ranked]
            hits[key] = any(inside)
            found[key] += any(inside)
            found[f"top1_{key}"] += bool(inside and inside[0])
        found["rewrite_only"] += hits["rewrite"] and not hits["off"]
        found["original_only"] += hits["off"] and not hits["rewrite"]
        n += 1
    out = {"split": split, "questions": n, "candidates": RERANK_CANDIDATES, **found}
    path = WORK / f"chat_rewrite_retrieval_{split}.json"
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(out, flush=True)


def latency(rows: list[dict]) -> str | None:
    if not rows:
        return None
    return "/".join(str(round(float(np.percentile([r["ms"] for r in rows], q)))) for q in (50, 95))


def paired(base: list[dict], other: list[dict]) -> dict:
    """Answerable questions whose gold evidence the variant gained or lost against `off`, same questions."""
    cited = {r["id"]: r["evidence_cited"] or r["judged_cited"] for r in base if r["answerable"]}
    gained = [r["id"] for r in other if r["id"] in cited and (r["evidence_cited"] or r["judged_cited"]) and not cited[r["id"]]]
    lost = [r["id"] for r in other if r["id"] in cited and not (r["evidence_cited"] or r["judged_cited"]) and cited[r["id"]]]
    return {"gained": len(gained), "lost": len(lost), "gained_ids": gained, "lost_ids": lost}


KEYS = ("answerable", "unanswerable", "citation_recall", "answered_directly", "answerable_refused",
        "unanswerable_answered", "judged_precision", "judged_quotes", "ms_p50_p95")
LABELS = ("answerable", "unanswerable", "citation recall", "answered directly", "answerable refused",
          "unanswerable answered as if answerable", "judged citation precision", "quotes judged",
          "ms per answer p50/p95")
GROUPS = ("all", "cross-lingual", "same language")
NOTES = (
    "- Variant names: `cross` is the shipped option (interleaved fusion, `FUSION = \"max\"`, the rewrite's words also "
    "feed word matching); `cross+sum` is plain RRF; `all` rewrites every question. A variant with fewer questions "
    "than `off` was run on a subset; its gained/lost counts compare the same questions.",
    "- Development: the fusion and word use were chosen on the first 47 cross-lingual questions whose rewrites were "
    "ready (44 answerable: off 0.614, interleaved 0.705 with 4 gained and 0 lost, plain RRF 0.636 with 3 gained and 2 "
    "lost, retrieval-only 0.614 with 1 gained and 1 lost); the tables show all 161 cross-lingual questions afterwards.",
    "- Held-out `all` (if present) is exploratory only: the 44 held-out paraphrase and child questions in the plan's "
    "language, rewritten to see whether rewriting helps those styles. The development plans have no such questions, "
    "so no choice could be made there, and none was made on these.",
    "- Runs (2026-12-02 UTC, the chat's code unchanged between them: commits 0acff11 to 6a3cea0): rewrites generated "
    "07:31-08:33; development off/cross/cross+sum 08:21-08:34; held-out off/cross 08:21-08:29; held-out all 08:35-08:39.",
    "- Same-language questions are not rewritten by `cross`, so their rows equal `off`'s by construction. `ms` "
    "includes the rewrite's generation time (cached rewrites count what they cost when generated: on a 2-core "
    "machine shared with other jobs at load 4-15, under `nice -n 15`).",
)


def report() -> None:
    result: dict = {"meta": {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                             "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
                             "development": list(heldout.DEVELOPMENT)}, "splits": {}}
    for split in SPLITS:
        base = read_jsonl(rows_path(split, "off")) if rows_path(split, "off").is_file() else []
        ids = {r["id"] for r in base}
        variants = {}
        names = sorted({p.name.split(f"chat_rewrite_{split}_")[1].split(".rows")[0]
                        for p in WORK.glob(f"chat_rewrite_{split}_*.rows.jsonl")},
                       key=lambda v: (v != "off", v))
        for variant in names:
            path = rows_path(split, variant)
            if not path.is_file():
                continue
            rows = read_jsonl(path)
            common = {r["id"] for r in rows} & ids if variant != "off" else ids
            rows = [r for r in rows if r["id"] in common]
            table = heldout.breakdown(rows)
            rewritten = [r for r in rows if r.get("rewrite_s") is not None]
            variants[variant] = {
                "questions": len(rows), "table": table,
                "paired": paired([r for r in base if r["id"] in common], rows) if variant != "off" else None,
                "rewritten": len(rewritten),
                "rewrite_s_p50_p95": "/".join(f"{np.percentile([r['rewrite_s'] for r in rewritten], q):.1f}"
                                              for q in (50, 95)) if rewritten else None,
                "ms_rewritten_p50_p95": latency(rewritten)}
        if variants:
            result["splits"][split] = variants
        found = WORK / f"chat_rewrite_retrieval_{split}.json"
        if found.is_file():
            result.setdefault("retrieval", {})[split] = json.loads(found.read_text(encoding="utf-8"))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "chat_rewrite.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (RESULTS / "chat_rewrite.md").write_text(to_markdown(result), encoding="utf-8")
    print(to_markdown(result))


def to_markdown(result: dict) -> str:
    lines = ["# LLM query rewriting in the plan chat, end to end", "",
             f"{result['meta']['date']} (report; the runs' rows carry their own times), {result['meta']['machine']}. "
             "Produced by `evaluation/chat_rewrite.py` (see its docstring). Rewriter: Qwen2.5-Coder-1.5B-Instruct "
             "(Q4_K_M, xllamacpp, 2 threads, temperature 0, max 48 tokens), prompt `query_rewrite.v1`; the "
             "original and the rewritten query are both searched and their rankings fused by reciprocal rank. Variants: off (today), cross "
             "(only questions in another language than the plan are rewritten), all (every question). "
             f"Development plans (the variant is chosen there): {', '.join(result['meta']['development'])}.", "",
             *NOTES, ""]
    for split, variants in result["splits"].items():
        lines += [f"## {split} plans", "",
                  "| variant | group | " + " | ".join(LABELS) + " |", "| --- | --- |" + " --- |" * len(LABELS)]
        for variant, data in variants.items():
            for group in GROUPS:
                stats = data["table"].get(group)
                if stats:
                    cells = ["-" if stats.get(k) is None else str(stats[k]) for k in KEYS]
                    lines.append(f"| {variant} | {group} | " + " | ".join(cells) + " |")
        lines += ["", "| variant | questions | rewritten | evidence gained vs off | lost vs off | "
                  "rewrite s p50/p95 | ms per rewritten answer p50/p95 |", "| --- | --- | --- | --- | --- | --- | --- |"]
        for variant, data in variants.items():
            p = data["paired"] or {}
            lines.append(f"| {variant} | {data['questions']} | {data['rewritten']} | {p.get('gained', '-')} | "
                         f"{p.get('lost', '-')} | {data['rewrite_s_p50_p95'] or '-'} | "
                         f"{data['ms_rewritten_p50_p95'] or '-'} |")
        lines += ["", "By style and language (citation recall; answerable questions):", "",
                  "| variant | " + " | ".join(k for k in next(iter(variants.values()))["table"]
                                             if k.startswith(("style:", "language:"))) + " |"]
        keys = [k for k in next(iter(variants.values()))["table"] if k.startswith(("style:", "language:"))]
        lines.append("| --- |" + " --- |" * len(keys))
        for variant, data in variants.items():
            lines.append(f"| {variant} | " + " | ".join(
                str(data["table"].get(k, {}).get("citation_recall", "-")) for k in keys) + " |")
        lines.append("")
        where = result.get("retrieval", {}).get(split)
        if where:
            lines += [f"Retrieval ({where['questions']} answerable cross-lingual questions with gold evidence and a "
                      f"rewrite): gold evidence among the reranker's {where['candidates']} candidates without / with "
                      f"the rewrite: {where['off']} / {where['rewrite']} (only with: {where['rewrite_only']}, only "
                      f"without: {where['original_only']}); in the first candidate: {where['top1_off']} / "
                      f"{where['top1_rewrite']}.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("run", help="ask one split's questions with one variant")
    one.add_argument("--split", choices=SPLITS, required=True)
    one.add_argument("--variant", choices=VARIANTS, required=True)
    one.add_argument("--plans", nargs="*", help="only these plans")
    one.add_argument("--cross-only", action="store_true", help="only questions in another language than the plan")
    one.add_argument("--fusion", choices=("sum", "max"), default=None, help="how the two rankings are fused "
                     "(default: the shipped civicai.rag.rewrite.FUSION); rows of another go to VARIANT+FUSION")
    one.add_argument("--no-words", action="store_true",
                     help="the rewrite feeds retrieval only, not word matching (reranking, abstention features)")
    one.add_argument("--like", default=None, help="only the questions in this rows file (JSONL with 'id')")
    one.add_argument("--timeout", type=float, default=180.0,
                     help="seconds per rewrite before falling back (the product's is 20; on a shared 2-core machine a "
                          "rewrite can take longer, and this run measures what rewriting does, latency apart)")
    sub.add_parser("report", help="tables from the runs' rows")
    where = sub.add_parser("retrieval", help="gold evidence among the reranker's candidates, without/with rewrite")
    where.add_argument("--split", choices=SPLITS, required=True)
    where.add_argument("--like", required=True, help="rows file whose questions to use (their rewrites are cached)")
    args = parser.parse_args()
    if args.command == "retrieval":
        retrieval(args.split, args.like)
    elif args.command == "run":
        run(args.split, args.variant, args.plans, args.cross_only, args.timeout, args.fusion,
            not args.no_words, args.like)
    else:
        report()


if __name__ == "__main__":
    main()
