"""Retrieval embedders compared on whole held-out plans: multilingual-e5-small (today's default) against
EmbeddingGemma-300M, dense alone and fused with BM25 as the chat fuses them, in quality and latency.

    nice .venv/bin/python evaluation/chat_retrieval_heldout.py      # -> evaluation/results/chat_retrieval_heldout.*

Plans and questions are those of evaluation/chat_heldout.py's held-out split (plans never used for a choice).
A question counts as found at k when one of the top-k passages contains one of its gold evidence strings
(accents, case and punctuation folded). Passages are the plan's stored chunks, embedded once per embedder and
kept on disk in evaluation/.work/embeddings (outside the tracked files): EmbeddingGemma takes minutes per plan on
two cores. Also reported: how well the top dense score separates answerable from unanswerable questions
(AUC: what an abstention model could read), the time to embed one question (p50/p95 over all questions, on a
shared machine whose load is printed) and one passage.
"""
from __future__ import annotations

import argparse
import hashlib
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

from chat_data import norm, stored_plan
from chat_heldout import DEVELOPMENT, PLAN_LANGUAGE, load_questions, style_of
from civicai.embed import Embedder, get_embedder
from civicai.plans.repository import StoredPlan
from civicai.rag.index import PlanIndex

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
EMB_CACHE = HERE / ".work" / "embeddings"
EMBEDDERS = ("e5", "gemma")
CROSS_LINGUAL_BM25_WEIGHT = 0.3  # as the chat fuses a question in another language than the plan


def passage_vectors(plan: StoredPlan, embedder: Embedder) -> tuple[np.ndarray, float | None]:
    """The plan's passages embedded once per (embedder, passage texts), from disk when done before; the
    seconds per passage when they were embedded now."""
    texts = [c.index_text() for c in plan.chunks]
    key = hashlib.sha256("\x1e".join(texts).encode("utf-8")).hexdigest()[:16]
    path = EMB_CACHE / embedder.model_id / f"{plan.info.name}-{key}.npy"
    if path.is_file():
        return np.load(path), None
    if plan.embeddings is not None and plan.model_id == embedder.model_id:
        return plan.embeddings, None
    start = time.perf_counter()
    vectors = embedder.encode_passages(texts, batch_size=16, progress=True)
    per_passage = (time.perf_counter() - start) / len(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors, per_passage


def auc(positive: list[float], negative: list[float]) -> float | None:
    """P(score of a random positive > a random negative), ties counted half."""
    if not positive or not negative:
        return None
    pos, neg = np.asarray(positive)[:, None], np.asarray(negative)[None, :]
    return round(float((pos > neg).mean() + 0.5 * (pos == neg).mean()), 3)


def evaluate(name: str, questions: list[dict], plans: dict[str, StoredPlan]) -> tuple[list[dict], dict]:
    embedder = get_embedder(name)
    rows, timing = [], {"passage_seconds": [], "query_ms": []}
    for plan_name, plan in sorted(plans.items()):
        vectors, per_passage = passage_vectors(plan, embedder)
        if per_passage is not None:
            timing["passage_seconds"].append(per_passage)
        index = PlanIndex(plan.chunks, vectors, embedder)
        haystacks = [norm(c.index_text(depth=99)) for c in plan.chunks]
        position = {c.ordinal: i for i, c in enumerate(plan.chunks)}
        for q in (q for q in questions if q["plan"] == plan_name):
            start = time.perf_counter()
            query = embedder.encode_queries([q["question"]])[0]
            timing["query_ms"].append(1000 * (time.perf_counter() - start))
            plan_language = q.get("plan_language") or PLAN_LANGUAGE.get(plan_name, "en")
            cross = q["language"][:2] != plan_language[:2]
            hybrid = index.search(q["question"], k=10, query_vector=query,
                                  bm25_weight=CROSS_LINGUAL_BM25_WEIGHT if cross else 1.0)
            dense = index.embeddings @ query
            dense_top = [int(i) for i in np.argsort(-dense, kind="stable")[:10]]
            gold = [norm(e) for e in q.get("evidence", []) if norm(e)]
            holds = {i for i, text in enumerate(haystacks) if any(g in text for g in gold)}

            def rank(order: list[int], holds: set[int] = holds) -> int | None:
                return next((r for r, i in enumerate(order, 1) if i in holds), None)
            rows.append({"id": q["id"], "plan": plan_name, "style": style_of(q), "language": q["language"],
                         "cross": cross, "answerable": bool(q["answerable"]),
                         "has_gold": bool(holds), "dense_rank": rank(dense_top),
                         "hybrid_rank": rank([position[h.chunk.ordinal] for h in hybrid.hits]),
                         "top_dense": float(dense.max())})
    meta = {"passage_seconds": round(float(np.mean(timing["passage_seconds"])), 3) if timing["passage_seconds"] else None,
            "query_ms_p50": round(float(np.percentile(timing["query_ms"], 50)), 1),
            "query_ms_p95": round(float(np.percentile(timing["query_ms"], 95)), 1),
            "dim": embedder.dim}
    return rows, meta


def summarise(rows: list[dict]) -> dict:
    gold = [r for r in rows if r["answerable"] and r["has_gold"]]

    def at(kind: str, k: int) -> float | None:
        return round(sum(1 for r in gold if r[kind] is not None and r[kind] <= k) / len(gold), 3) if gold else None
    return {"questions": len(gold), "dense@1": at("dense_rank", 1), "dense@5": at("dense_rank", 5),
            "hybrid@1": at("hybrid_rank", 1), "hybrid@5": at("hybrid_rank", 5), "hybrid@10": at("hybrid_rank", 10),
            "auc_answerable": auc([r["top_dense"] for r in rows if r["answerable"]],
                                  [r["top_dense"] for r in rows if not r["answerable"]])}


def breakdown(rows: list[dict]) -> dict:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        for key in ("all", f"plan:{r['plan']}", f"style:{r['style']}", f"language:{r['language']}",
                    "cross-lingual" if r["cross"] else "same language"):
            groups[key].append(r)
    return {key: summarise(g) for key, g in sorted(groups.items(), key=lambda kv: (kv[0] != "all", kv[0]))}


def to_markdown(result: dict) -> str:
    meta = result["meta"]
    lines = ["# Retrieval embedders on whole held-out plans", "",
             f"{meta['date']}, {meta['machine']}. Produced by "
             f"`{meta.get('command', 'nice .venv/bin/python evaluation/chat_retrieval_heldout.py')}`."
             f" Held-out plans (never used for a choice): {', '.join(meta['plans'])}. A question is found at k when a"
             " top-k passage contains its gold evidence; questions whose evidence is in no passage are left out"
             f" ({meta['no_gold']} of them). AUC: top dense score, answerable vs unanswerable questions.", "",
             "| embedder | dim | passage embed (s each) | question embed p50 / p95 (ms) |", "| --- | --- | --- | --- |"]
    for name, m in meta["embedders"].items():
        lines.append(f"| {name} | {m['dim']} | {m['passage_seconds'] if m['passage_seconds'] is not None else 'cached'}"
                     f" | {m['query_ms_p50']} / {m['query_ms_p95']} |")
    columns = ("questions", "dense@1", "dense@5", "hybrid@1", "hybrid@5", "hybrid@10", "auc_answerable")
    lines += ["", "| group | embedder | " + " | ".join(columns) + " |", "| --- | --- |" + " --- |" * len(columns)]
    first = next(iter(result["groups"].values()))
    for key in first:
        for name, groups in result["groups"].items():
            stats = groups[key]
            lines.append(f"| {key} | {name} | " + " | ".join("-" if stats[c] is None else str(stats[c])
                                                            for c in columns) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedders", nargs="*", default=list(EMBEDDERS))
    parser.add_argument("--plans", nargs="*", help="only these held-out plans (e.g. those already embedded)")
    parser.add_argument("--results", default="chat_retrieval_heldout",
                        help="name of the results files in evaluation/results (a partial run beside the full one)")
    args = parser.parse_args()
    questions = [q for q in load_questions() if q["plan"] not in DEVELOPMENT and (not args.plans or q["plan"] in args.plans)]
    plans = {}
    for name in sorted({q["plan"] for q in questions}):
        plan = stored_plan(name)
        if plan is None:
            print(f"skip {name}: not ingested (run evaluation/chat_heldout.py --ingest)", flush=True)
        else:
            plans[name] = plan
    questions = [q for q in questions if q["plan"] in plans]
    groups, metas, no_gold = {}, {}, 0
    for name in args.embedders:
        rows, metas[name] = evaluate(name, questions, plans)
        groups[name] = breakdown(rows)
        no_gold = sum(1 for r in rows if r["answerable"] and not r["has_gold"])
        print(name, json.dumps(groups[name]["all"]), json.dumps(metas[name]), flush=True)
    result = {"meta": {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                       "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
                       "plans": sorted(plans), "no_gold": no_gold, "embedders": metas},
              "groups": groups}
    RESULTS.mkdir(exist_ok=True)
    result["meta"]["command"] = " ".join(["nice .venv/bin/python evaluation/chat_retrieval_heldout.py", *sys.argv[1:]])
    (RESULTS / f"{args.results}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    (RESULTS / f"{args.results}.md").write_text(to_markdown(result), encoding="utf-8")
    print(to_markdown(result))


if __name__ == "__main__":
    main()
