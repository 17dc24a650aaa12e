"""Choose the reranker's weights (civicai.rag.rerank) on DEVELOPMENT questions only.

Development set: the Copenhagen contract's answerable questions (all languages), the odd-numbered Dinan
PCAET sheets, and the shipped sample plan's answerable gold questions. The reported test set
(evaluation/chat_eval.py --split test) is Paris + Stockholm and the even-numbered Dinan sheets: it is not read here.

For each question it scores every sentence of the top fused candidates under a grid of weights and counts
(a) is the passage of the best sentence a gold passage (citation precision of the first citation) and
(b) does the best sentence hold the expected value (answer accuracy of a one-sentence answer).

    .venv/bin/python evaluation/chat_rerank_dev.py [--candidates 8]
"""
from __future__ import annotations

import argparse
import itertools
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from chat_data import ccc_questions, dinan_questions, read_jsonl, split_of
from chat_eval import contains
from chat_ingest import eval_settings
from civicai.paths import sample_dir
from civicai.rag import load_chat
from civicai.rag.rerank import DEFAULT_WEIGHTS

NAMES = ("lexical", "value", "sentence", "heading", "passage", "coverage", "fused")
# (with E5 as the sentence encoder instead of USE, try sentence weights 2-20: E5 cosines sit in a narrow band)
GRID = {"lexical": (1.0,), "value": (0.2, 0.4, 0.8), "sentence": (0.25, 0.5, 1.0),
        "heading": (2.0, 4.0, 8.0), "passage": (10.0, 20.0, 40.0), "coverage": (0.0, 0.5, 1.0),
        "fused": (1.0, 2.0, 4.0, 8.0)}


def dev_questions() -> list[dict]:
    rows = []
    for r in ccc_questions():
        if r["answerable"] and split_of(r) == "dev":
            rows.append({"set": "ccc" if r["language"] == "en" else "ccc-other-language", "plan": r["plan"],
                         "question": r["question"],
                         "gold_chunk": lambda c, r=r: any(contains(c.text, e) for e in r["evidence"]),
                         "gold_sentence": lambda s, r=r: any(contains(s, e) for e in r["evidence"])})
    for r in dinan_questions():
        if split_of(r) == "dev":
            gold = (r["sheet_title"], r["expected_section"])
            rows.append({"set": "dinan", "plan": "dinan", "question": r["question"],
                         "gold_chunk": lambda c, g=gold: c.section_path[:2] == g,
                         "gold_sentence": lambda s, r=r: contains(s, r["expected"][:80])})
    for r in read_jsonl(sample_dir() / "plan" / "questions.jsonl"):
        if r["answerable"]:
            number = r["expected_section"]
            rows.append({"set": "sample", "plan": "sample", "question": r["question"],
                         "gold_chunk": lambda c, n=number: any(p.split()[0] == n for p in c.section_path),
                         "gold_sentence": lambda s, r=r: contains(s, r["expected_answer"])})
    return rows


def collect(candidates: int) -> list[dict]:
    settings = eval_settings()
    chats = {}
    out = []
    for row in dev_questions():
        chat = chats.get(row["plan"]) or chats.setdefault(row["plan"], load_chat(row["plan"], settings=settings))
        redacted, language = chat._prepare(row["question"], "general")
        assessed = chat.assess(redacted, language)
        evidence, question_vector = assessed.evidence, assessed.question_vector
        hits = evidence.hits[:candidates]
        use_scores = chat.sentence_scorer(question_vector)
        feats = chat.reranker.features(chat.keywords(redacted, language), hits, use_scores)
        rows_f, chunk_of, gold_s, gold_c = [], [], [], []
        for i, (hit, f) in enumerate(zip(hits, feats)):
            sentences = chat.reranker.sentences_of(hit.chunk)
            gc = row["gold_chunk"](hit.chunk)
            for j, sentence in enumerate(sentences):
                rows_f.append([f["lexical"][j], f["value"][j], f["sentence"][j], f["heading"], f["passage"],
                               f["coverage"], f["fused"]])
                chunk_of.append(i)
                gold_s.append(gc and row["gold_sentence"](sentence))
                gold_c.append(gc)
        out.append({"set": row["set"], "F": np.array(rows_f, dtype=np.float32), "chunk": np.array(chunk_of),
                    "gold_s": np.array(gold_s, bool), "gold_c": np.array(gold_c, bool),
                    "fused_top_gold": bool(hits) and row["gold_chunk"](hits[0].chunk)})
    return out


def evaluate(data: list[dict], W: np.ndarray) -> dict[str, np.ndarray]:
    """Per set: share of questions whose best sentence (per weight column) sits in a gold passage / is gold."""
    result: dict[str, list] = {}
    for q in data:
        if not len(q["F"]):
            continue
        best = np.argmax(q["F"] @ W, axis=0)
        result.setdefault(q["set"], []).append(np.stack([q["gold_c"][best], q["gold_s"][best]]))
    return {k: np.mean(v, axis=0) for k, v in result.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=8)
    args = parser.parse_args()
    data = collect(args.candidates)
    for name in sorted({q["set"] for q in data}):
        qs = [q for q in data if q["set"] == name]
        print(f"{name}: {len(qs)} questions; fused top passage gold {np.mean([q['fused_top_gold'] for q in qs]):.3f}")
    combos = list(itertools.product(*(GRID[n] for n in NAMES)))
    W = np.array(combos, dtype=np.float32).T
    scores = evaluate(data, W)
    sets = sorted(scores)
    objective = np.mean([scores[s].sum(axis=0) for s in sets], axis=0)
    order = np.argsort(-objective)
    for k in order[:10]:
        print(dict(zip(NAMES, combos[k])), {s: tuple(scores[s][:, k].round(3)) for s in sets})
    shipped = tuple(getattr(DEFAULT_WEIGHTS, name) for name in NAMES)
    current = [combos.index(c) for c in combos if c == shipped]
    for k in current:
        print("defaults", {s: tuple(scores[s][:, k].round(3)) for s in sets})


if __name__ == "__main__":
    main()
