"""Fit the sentence-relevance model that chooses what the chat cites (src/civicai/rag/relevance.json), across
the development plans with leave-one-plan-out cross-validation.

    nice .venv/bin/python evaluation/fit_relevance.py [--embedder e5|gemma] [--cached]
        # -> src/civicai/rag/relevance.json (the entry for that embedder), evaluation/results/fit_relevance_EMBEDDER.{json,md}

Data: every answerable development question with a gold evidence string (evaluation/chat_heldout.py
DEVELOPMENT). For each, the chat's reranked candidates are computed as `ask` computes them; every quotable
sentence of every candidate is a row (civicai.rag.relevance.FEATURES), labelled 1 when the quote the chat would
show for it (the sentence, completed to read on its own) holds a gold evidence string or a blind assessor judged
it "yes" (exactly or by containment, chat_heldout.Judgements).

Fitted: a logistic regression (the weights), then the threshold and the most citations of the general answer.
The setting chosen is the one with the highest citation recall whose citation precision (quotes holding gold
evidence or judged "yes") is not below the previous design's (the margin rule, margins.json) on the same
questions; recall and precision are means over plans. Each development plan is left out in turn: weights and
setting are fitted on the others and scored on it (the cross-validated numbers); the shipped model is fitted on
all development plans. Held-out plans are never read here.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import pickle
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from sklearn.linear_model import LogisticRegression

from chat_data import norm
from chat_heldout import DEVELOPMENT, Judgements, load_questions, open_chats
from civicai.rag.abstain import load_model
from civicai.rag.compose import (
    SENTENCE_MARGIN,
    STYLE,
    _previous_sentence,
    compose_answer,
    prefer_reason,
    select_quote,
)
from civicai.rag.followup import resolve
from civicai.rag.phrases import phrase_language
from civicai.rag.question import is_why
from civicai.rag.relevance import FEATURES, RELEVANCE_FILE, RelevanceModel, sentence_features

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.96, 0.05))
MAX_CITATIONS = (2, 3, 4)


def collect(embedder: str | None, plans: list[str] | None = None) -> list[dict]:
    """Per answerable development question: its candidates' feature matrices, each sentence's label, and the
    previous design's citations scored the same way."""
    questions = [q for q in load_questions() if q["plan"] in (plans or DEVELOPMENT) and q["plan"] in DEVELOPMENT
                 and q["answerable"] and q.get("evidence")]
    chats = open_chats({q["plan"] for q in questions}, embedder=embedder)
    judgements = Judgements()
    out = []
    for row in questions:
        chat = chats.get(row["plan"])
        if chat is None:
            continue
        evidence = [norm(e) for e in row["evidence"] if norm(e)]

        def good(quote: str, evidence: list[str] = evidence, qid: str = row["id"]) -> bool:
            return any(e in norm(quote) for e in evidence) or judgements.label(qid, quote) == "yes"
        redacted, language = chat._prepare(row["question"], "general")
        follow = resolve(redacted, row.get("previous"), accept=lambda earlier, chat=chat: chat._earlier(earlier, "general"))
        if follow.clarify:
            continue  # the chat asks what the resident means: nothing is cited
        assessment = chat.assess(follow.query, language)
        direct = not load_model(chat.index.embedder.name).should_abstain(assessment.features)[0]
        ranked = assessment.ranked
        if is_why(redacted):
            ranked = [prefer_reason(p, chat.ranker.sentences(p.hit.chunk)) for p in ranked]
        labels, quotes = [], []
        for passage in ranked:
            chunk = passage.hit.chunk
            sentences = chat.ranker.sentences(chunk) if passage.best_sentence >= 0 else []
            previous = _previous_sentence(chunk, chat.stored.chunks, chat.ranker)
            # the quote the chat shows when it cites this sentence: completed, with the passage's next-best
            # sentence within the sentence margin (civicai.rag.compose.select_quote), one sentence for the closest
            # passage
            texts = [select_quote(replace(passage, best_sentence=j), sentences, chunk.text, STYLE["general"][1],
                                  STYLE["general"][2], SENTENCE_MARGIN["general"], previous=previous,
                                  single=not direct) for j in range(len(sentences))]
            quotes.append(texts)
            labels.append(np.array([bool(t) and good(t) for t in texts], dtype=bool))
        _, before = compose_answer(ranked, language=phrase_language(language), chunk_languages=chat.stored.chunk_languages,
                                   plan_language=chat.stored.info.language, audience="general", ranker=chat.ranker,
                                   chunks=chat.stored.chunks, limit=None if direct else 1)
        ordinals = [p.hit.chunk.ordinal for p in ranked]
        out.append({"id": row["id"], "plan": row["plan"], "direct": direct, "x": sentence_features(ranked),
                    "labels": labels, "quotes": quotes, "before": [good(c.quote) for c in before],
                    "before_quotes": [c.quote for c in before],
                    "before_passages": [ordinals.index(c.chunk) for c in before if c.chunk in ordinals]})
    return out


def fit(rows: list[dict]) -> tuple[np.ndarray, np.ndarray, LogisticRegression]:
    x = np.concatenate([m for r in rows for m in r["x"] if len(m)])
    y = np.concatenate([lab for r in rows for lab, m in zip(r["labels"], r["x"]) if len(m)])
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    model = LogisticRegression(C=1.0, max_iter=2000).fit((x - mean) / scale, y)
    return mean, scale, model


def as_model(mean, scale, model, threshold: float, max_citations: int, embedder: str, fitted_on: str) -> RelevanceModel:
    def floats(values) -> tuple[float, ...]:
        return tuple(round(float(v), 6) for v in values)
    return RelevanceModel(floats(mean), floats(scale), floats(model.coef_[0]), round(float(model.intercept_[0]), 6),
                          float(threshold), int(max_citations), embedder, fitted_on)


def score(rows: list[dict], model: RelevanceModel, threshold: float, max_citations: int) -> tuple[float, float]:
    """(citation recall, citation precision) as the chat would cite: a direct answer up to `max_citations`
    quotes, the closest passage its one quote; precision over direct answers (the closest passage is said not
    to answer)."""
    hits, good, shown = 0, 0, 0
    for r in rows:
        # the reranker's own citations first, then the best sentence of further passages that pass
        cited = set(r["before_passages"])
        extra = sorted(((float(p.max()), i, int(np.argmax(p))) for i, p in enumerate(_probabilities(model, r["x"]))
                        if len(p) and i not in cited and float(p.max()) >= threshold), reverse=True)
        seen = set(r["before_quotes"])
        labels = list(r["before"])
        for _, i, j in extra[:max(0, max_citations - len(r["before"]))] if r["direct"] else []:
            quote = r["quotes"][i][j]
            if quote and quote not in seen:
                seen.add(quote)
                labels.append(bool(r["labels"][i][j]))
        hits += any(labels)
        if r["direct"]:
            good, shown = good + sum(labels), shown + len(labels)
    return hits / max(1, len(rows)), good / max(1, shown)


def _probabilities(model: RelevanceModel, matrices: list[np.ndarray]) -> list[np.ndarray]:
    out = []
    for x in matrices:
        if not len(x):
            out.append(np.zeros(0))
            continue
        z = (x - np.array(model.mean)) / np.array(model.scale)
        out.append(1.0 / (1.0 + np.exp(-(z @ np.array(model.weights) + model.bias))))
    return out


def before(rows: list[dict]) -> tuple[float, float]:
    direct = [r for r in rows if r["direct"]]
    return (sum(any(r["before"]) for r in rows) / max(1, len(rows)),
            sum(sum(r["before"]) for r in direct) / max(1, sum(len(r["before"]) for r in direct)))


def choose(per_plan: dict[str, list[dict]], model: RelevanceModel) -> tuple[float, int, dict]:
    """The grid point with the best mean recall over plans among those whose mean precision is not below the
    previous design's there (ties: the higher threshold, the fewer citations)."""
    floor = float(np.mean([before(rows)[1] for rows in per_plan.values()]))
    table = {}
    for t, m in itertools.product(THRESHOLDS, MAX_CITATIONS):
        scores = [score(rows, model, t, m) for rows in per_plan.values()]
        table[(t, m)] = (float(np.mean([s[0] for s in scores])), float(np.mean([s[1] for s in scores])))
    allowed = [k for k, (_, p) in table.items() if p >= floor - 1e-9] or list(table)
    t, m = max(allowed, key=lambda k: (round(table[k][0], 6), k[0], -k[1]))
    return t, m, {"floor_precision": round(floor, 4), "grid": {f"{k[0]}|{k[1]}": [round(v[0], 4), round(v[1], 4)]
                                                               for k, v in table.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--cached", action="store_true", help="reuse the last collected features")
    parser.add_argument("--plans", nargs="*", help="only these development plans")
    args = parser.parse_args()
    cache = WORK / f"relevance_rows_{args.embedder}.pkl"
    start = time.perf_counter()
    if args.cached and cache.is_file():
        rows = pickle.loads(cache.read_bytes())
    else:
        rows = collect(None if args.embedder == "e5" else args.embedder, args.plans)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(rows))
    per_plan: dict[str, list[dict]] = {}
    for r in rows:
        per_plan.setdefault(r["plan"], []).append(r)
    plans = sorted(per_plan)
    folds = {}
    for held in plans:
        train = {p: per_plan[p] for p in plans if p != held}
        mean, scale, lr = fit([r for p in train for r in train[p]])
        model = as_model(mean, scale, lr, 0.5, 2, args.embedder, "")
        t, m, _ = choose(train, model)
        recall, precision = score(per_plan[held], model, t, m)
        old_recall, old_precision = before(per_plan[held])
        folds[held] = {"chosen_on_others": f"threshold {t}, at most {m}", "questions": len(per_plan[held]),
                       "recall": round(recall, 4), "precision": round(precision, 4),
                       "recall_before": round(old_recall, 4), "precision_before": round(old_precision, 4)}
    mean, scale, lr = fit(rows)
    n_sentences = sum(len(m) for r in rows for m in r["x"])
    fitted_on = (f"development plans {', '.join(plans)}: {len(rows)} answerable questions with gold evidence, "
                 f"{n_sentences} candidate sentences; leave-one-plan-out cross-validated")
    model = as_model(mean, scale, lr, 0.5, 2, args.embedder, fitted_on)
    t, m, grid = choose(per_plan, model)
    model = replace(model, threshold=t, max_citations=m)
    data = json.loads(RELEVANCE_FILE.read_text(encoding="utf-8")) if RELEVANCE_FILE.is_file() else {}
    entries = [e for e in data.get("models", []) if e.get("embedder") != args.embedder]
    entry = dict(model.to_dict(), fitted_by="evaluation/fit_relevance.py", date=time.strftime("%Y-%m-%d"),
                 objective="highest mean citation recall over plans with mean citation precision (gold evidence or "
                           "judged yes) not below the previous margin rule's")
    RELEVANCE_FILE.write_text(json.dumps({"version": 1, "models": sorted(entries + [entry], key=lambda e: e["embedder"])},
                                         indent=2) + "\n", encoding="utf-8")
    result = {"embedder": args.embedder, "shipped": entry, "folds": folds, **grid,
              "weights": dict(zip(FEATURES, model.weights, strict=True)), "seconds": round(time.perf_counter() - start)}
    (HERE / "results" / f"fit_relevance_{args.embedder}.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = [f"# Sentence-relevance model for citations ({args.embedder}), fitted across development plans", "",
             f"`nice .venv/bin/python evaluation/fit_relevance.py --embedder {args.embedder}`, {entry['date']}, "
             f"load {os.getloadavg()[0]:.1f}. {fitted_on}. Objective: {entry['objective']}. Shipped: threshold {t}, "
             f"at most {m} citations (general direct answer; the closest passage keeps its one quote).", "",
             "Recall: the question's evidence is in a cited quote (direct answer or closest passage). Precision: "
             "share of the direct answers' quotes that hold gold evidence or were judged \"yes\" (a lower bound: "
             "unjudged quotes without the gold string count as wrong). \"Before\": the margin rule on the same "
             "questions.", "",
             "| left-out plan | questions | chosen on the others | recall | recall before | precision | precision before |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {p} | {f['questions']} | {f['chosen_on_others']} | {f['recall']} | {f['recall_before']} | "
              f"{f['precision']} | {f['precision_before']} |" for p, f in folds.items()]
    lines += ["", "Weights (standardised features): " + ", ".join(f"{k} {v:+.2f}" for k, v in result["weights"].items())]
    (HERE / "results" / f"fit_relevance_{args.embedder}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
