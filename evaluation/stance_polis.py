"""Position towards the proposal on the hand-checked Polis set (issue 15): English and Austrian German comments,
each labelled supports / opposes / unclear towards its conversation's statement (evaluation/data/
stance_polis_labels.csv: ids, labels and statements only; the texts are read from ../shared/data/polis and
redacted (patterns) before anything sees them).

Methods, all held out (none was fitted or tuned on Polis): the shipped embedding position model
(civicai.sentiment.position, 'statement' method: it reads the comment alone), the local 1.5B LLM as a zero-shot
judge (prompt stance_judge.v1, given the statement), and the majority class of each language's gold. Per
language: accuracy and macro-F1 with 95% bootstrap intervals, and the show rule's Wilson lower bound.

    nice -n 15 .venv/bin/python evaluation/stance_polis.py judge --limit 40   # LLM answers, cached, resumable
    nice -n 15 .venv/bin/python evaluation/stance_polis.py report             # results/stance_polis.{md,json}

The LLM judges items in a fixed order that alternates English and German, so a partial run covers both.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "evaluation"))

from civicai.paths import shared_data_dir  # noqa: E402
from civicai.sentiment.position import POSITIONS, SHOW_MARGIN, UNCLEAR, wilson_low  # noqa: E402
from stance_llm import parse  # noqa: E402  (the LLM's one-word answer read the same way in both evaluations)

LABELS = ROOT / "evaluation" / "data" / "stance_polis_labels.csv"
RESULTS = ROOT / "evaluation" / "results"
CACHE = Path(os.environ.get("CIVICAI_EVAL_CACHE", "/tmp/civicai-eval-cache")) / "stance_polis_llm.json"
MODEL = "qwen2.5-coder-1.5b-instruct"
PROMPT = "stance_judge.v1"
SEED = 15
BOOTSTRAP = 2000


def read_labels(path: Path = LABELS) -> list[dict[str, str]]:
    """Rows of the labels file (lines starting with '#' are its header notes); a bad row is named."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    for number, row in enumerate(rows, start=2):
        if row.get("label") and row["label"] not in POSITIONS:
            raise ValueError(f"{path.name} row {number}: label {row['label']!r} is not one of {POSITIONS}")
    return rows


def load_items() -> list[dict[str, str]] | None:
    """Labelled rows with their redacted comment texts; None when the Polis exports are absent."""
    polis = shared_data_dir() / "polis"
    if not polis.is_dir():
        return None
    rows = read_labels()
    texts: dict[tuple[str, str], str] = {}
    for conversation in sorted({r["conversation"] for r in rows}):
        with (polis / conversation / "comments.csv").open(encoding="utf-8", newline="") as handle:
            for c in csv.DictReader(handle):
                texts[(conversation, c["comment-id"])] = c["comment-body"].strip()
    missing = [(r["conversation"], r["comment_id"]) for r in rows if (r["conversation"], r["comment_id"]) not in texts]
    if missing:
        raise ValueError(f"{LABELS.name}: comment ids not in the Polis exports: {missing[:5]}")
    from civicai.privacy.redactor import Redactor

    redacted = Redactor(use_ner=False).redact_many([texts[(r["conversation"], r["comment_id"])] for r in rows])
    items = [{**r, "text": red.text} for r, red in zip(rows, redacted, strict=True)]
    for item in items:
        digest = hashlib.sha256(f"{PROMPT}\x00{item['statement']}\x00{item['text']}".encode()).hexdigest()[:12]
        item["key"] = f"{item['conversation']}:{item['comment_id']}:{digest}"
    return items


def judge_order(items: list[dict]) -> list[dict]:
    """Seeded shuffle per language, then English and German alternately."""
    rng = random.Random(SEED)
    by_language: dict[str, list[dict]] = {}
    for item in items:
        by_language.setdefault(item["language"], []).append(item)
    for group in by_language.values():
        rng.shuffle(group)
    order, queues = [], [by_language[k] for k in sorted(by_language)]
    while any(queues):
        for q in queues:
            if q:
                order.append(q.pop(0))
    return order


def judge(limit: int) -> None:
    items = load_items()
    if items is None:
        sys.exit("../shared/data/polis is absent: nothing to judge")
    from civicai.llm import GenerationRequest
    from civicai.llm.llamacpp import LlamaCppGenerator

    answers = json.loads(CACHE.read_text()) if CACHE.is_file() else {}
    generator = LlamaCppGenerator(MODEL, n_threads=2)
    todo = [i for i in judge_order(items) if i["key"] not in answers][:limit]
    for number, item in enumerate(todo, start=1):
        start = time.perf_counter()
        reply = generator.generate(GenerationRequest(PROMPT, {"proposal": item["statement"], "comment": item["text"]},
                                                     extractive=UNCLEAR, max_tokens=3))
        answers[item["key"]] = {"answer": parse(reply), "raw": reply, "seconds": round(time.perf_counter() - start, 1)}
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_text(json.dumps(answers))
        print(f"{number}/{len(todo)} {item['language']} {answers[item['key']]}", flush=True)


def macro_f1(gold: list[str], pred: list[str]) -> float:
    """Mean F1 over the positions present in the gold."""
    scores = []
    for label in sorted(set(gold)):
        tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores)) if scores else 0.0


def scored(gold: list[str], pred: list[str], seed: int = SEED) -> dict:
    """Accuracy and macro-F1 with percentile bootstrap 95% intervals (resampling items)."""
    n = len(gold)
    g, p = np.asarray(gold), np.asarray(pred)
    rng = np.random.default_rng(seed)
    accs, f1s = [], []
    for _ in range(BOOTSTRAP):
        idx = rng.integers(0, n, n)
        accs.append(float((g[idx] == p[idx]).mean()))
        f1s.append(macro_f1(list(g[idx]), list(p[idx])))
    correct = int((g == p).sum())
    return {"n": n, "accuracy": round(correct / n, 3),
            "accuracy_ci": [round(float(np.percentile(accs, 2.5)), 3), round(float(np.percentile(accs, 97.5)), 3)],
            "accuracy_wilson_low": round(wilson_low(correct, n), 3), "macro_f1": round(macro_f1(gold, pred), 3),
            "macro_f1_ci": [round(float(np.percentile(f1s, 2.5)), 3), round(float(np.percentile(f1s, 97.5)), 3)],
            "predicted": dict(Counter(pred)),
            # of the comments that do take a side: how often the method names that side
            "sided_recall": round(float(np.mean([pp == gg for gg, pp in zip(gold, pred, strict=True)
                                                 if gg != UNCLEAR])), 3) if any(gg != UNCLEAR for gg in gold) else None}


def embedding_predictions(items: list[dict]) -> list[str]:
    from civicai.embed import get_embedder
    from civicai.sentiment.position import load_position_model

    embedder = get_embedder("use")
    model = load_position_model(embedder.model_id)
    if model is None:
        raise SystemExit(f"no position model for {embedder.model_id}: run evaluation/stance_fit.py")
    return [str(x) for x in model.predict(embedder.encode([i["text"] for i in items]))]


def report() -> dict:
    items = load_items()
    if items is None:
        sys.exit("../shared/data/polis is absent: nothing to report")
    items = [i for i in items if i.get("label")]
    answers = json.loads(CACHE.read_text()) if CACHE.is_file() else {}
    embedded = embedding_predictions(items)
    out: dict = {"labels_file": str(LABELS.relative_to(ROOT)), "model": MODEL, "prompt": PROMPT,
                 "show_margin": SHOW_MARGIN, "languages": {}}
    for language in sorted({i["language"] for i in items}):
        chosen = [(i, e) for i, e in zip(items, embedded, strict=True) if i["language"] == language]
        gold = [i["label"] for i, _ in chosen]
        majority, count = Counter(gold).most_common(1)[0]
        entry = {"n": len(gold), "gold_counts": dict(Counter(gold)), "majority": majority,
                 "majority_accuracy": round(count / len(gold), 3),
                 "conversations": dict(Counter(i["conversation"] for i, _ in chosen)),
                 "majority_class": scored(gold, [majority] * len(gold)),
                 "embedding": scored(gold, [e for _, e in chosen])}
        judged = [(i, e) for i, e in chosen if i["key"] in answers]
        if judged:
            jg = [i["label"] for i, _ in judged]
            # the baseline keeps answering the language's majority label (not the subset's, which is unknown)
            jmaj, jcount = majority, sum(g == majority for g in jg)
            entry["llm_subset"] = {"n": len(judged), "majority": jmaj, "majority_accuracy": round(jcount / len(jg), 3),
                                   "llm": scored(jg, [answers[i["key"]]["answer"] for i, _ in judged]),
                                   "embedding": scored(jg, [e for _, e in judged]),
                                   "majority_class": scored(jg, [jmaj] * len(jg)),
                                   "seconds_per_item": round(float(np.mean([answers[i["key"]]["seconds"]
                                                                            for i, _ in judged])), 1)}
        for method, block in (("embedding", entry), ("llm", entry.get("llm_subset"))):
            if block and method in block:
                low, bar = block[method]["accuracy_wilson_low"], block["majority_accuracy"] + SHOW_MARGIN
                entry[f"{method}_shows"] = bool(low >= bar)
        out["languages"][language] = entry
    write(out)
    return out


def _row(name: str, s: dict) -> str:
    return (f"| {name} | {s['n']} | {s['accuracy']} [{s['accuracy_ci'][0]}, {s['accuracy_ci'][1]}] | "
            f"{s['accuracy_wilson_low']} | {s['macro_f1']} [{s['macro_f1_ci'][0]}, {s['macro_f1_ci'][1]}] | "
            f"{s['sided_recall']} | {s['predicted']} |")


def write(result: dict) -> None:
    (RESULTS / "stance_polis.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
    head = ("| method | n | accuracy [95% bootstrap] | Wilson low | macro-F1 [95% bootstrap] | right side when gold "
            "takes one | predicted |")
    lines = ["# Position towards the proposal on hand-checked Polis comments (English, Austrian German)", "",
             "`nice -n 15 .venv/bin/python evaluation/stance_polis.py report` (LLM answers from `... judge`). "
             "Labels: `evaluation/data/stance_polis_labels.csv` (its header says who labelled them and how). "
             "Every method is held out: none was fitted or tuned on Polis. Show rule: a method's labels are shown "
             f"only when the Wilson 95% lower bound of its accuracy is at least {SHOW_MARGIN} above the majority "
             "class.", ""]
    for language, e in result["languages"].items():
        lines += [f"## {language}: {e['n']} comments, gold {e['gold_counts']}, majority '{e['majority']}' "
                  f"{e['majority_accuracy']}", "", f"Conversations: {e['conversations']}", "", head,
                  "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
                  _row("majority class", e["majority_class"]), _row("embedding position model", e["embedding"]), ""]
        sub = e.get("llm_subset")
        if sub:
            lines += [f"LLM-judged subset (the first {sub['n']} in the judging order; {sub['seconds_per_item']} s per "
                      f"item on the shared 2-core machine); the language's majority label '{sub['majority']}' is right on "
                      f"{sub['majority_accuracy']} of them:",
                      "", head, "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
                      _row("majority class", sub["majority_class"]), _row("embedding position model", sub["embedding"]),
                      _row(f"LLM {MODEL} zero-shot", sub["llm"]), ""]
        shows = [f"{m}: {'shown' if e[f'{m}_shows'] else 'not shown'}" for m in ("embedding", "llm")
                 if f"{m}_shows" in e]
        lines += ["Show rule: " + "; ".join(shows), ""]
    lines += ["## How to read this", "",
              "- The gold is one AI agent's reading of each comment (single pass, no second annotator, no agreement "
              "figure); it is not a city officer's. The Austrian statements ('decisive climate measures in <topic>') "
              "were written by the same agent, because those conversations ask for ideas on a topic, not about a "
              "proposal.",
              "- The embedding position model reads the comment alone (it never sees the statement): a comment "
              "against more of something the conversation wants (\"Higher wages make it hard for small businesses\") "
              "and one against something it opposes read the same to it. The LLM is given the statement.",
              "- 'unclear' is the majority in English because many Polis comments are questions, demographics "
              "('I am 55 or older') or remarks about the tool; in the Austrian conversations most comments propose a "
              "measure, so 'supports' is the majority.",
              "- 'right side when gold takes one' is the share of the supports/opposes comments given that side. The "
              "LLM almost never answers 'unclear' (it was asked to), which costs it every unclear comment; where a "
              "comment does take a side it names it more often than the embedding model (see the tables), so an LLM "
              "judge with a separate 'takes a side at all?' step is the next thing to try, not this prompt as is.",
              "- The LLM was run on as many items as the shared 2-core machine allowed before the session's stop; "
              "its row is on that subset, with the other methods scored on the same subset beside it.",
              "- The shipped model's Polis numbers are also pooled into the artefact's held-out record "
              "(evaluation/stance_fit.py --update-heldout), which is what the product's show rule reads.", ""]
    (RESULTS / "stance_polis.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    j = sub.add_parser("judge")
    j.add_argument("--limit", type=int, default=40)
    sub.add_parser("report")
    args = parser.parse_args()
    if args.command == "judge":
        judge(args.limit)
    else:
        print(json.dumps(report(), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
