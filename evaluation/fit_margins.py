"""Fit the `general` audience's citation margin (src/civicai/rag/margins.json) across the development plans,
with leave-one-plan-out cross-validation.

    nice .venv/bin/python evaluation/fit_margins.py     # -> src/civicai/rag/margins.json, evaluation/results/fit_margins.{json,md}

A further passage is cited when its reranked score is within the citation margin of the best one's, and a
further sentence is quoted when it is within the sentence margin of the passage's best sentence. Wider margins
quote more: more answers hold their evidence (recall), more quotes hold none (precision). Per plan, over the
answerable questions the chat answers directly:
  recall     the evidence is in a cited quote (gold string, or a quote a blind assessor judged "yes")
  precision  share of cited quotes that hold a gold evidence string or were judged "yes"
and the objective is their harmonic mean (F1), averaged over plans. Each development plan is left out in turn:
the grid point best on the others is scored on it (the cross-validated number); the shipped value is the grid
point best on all development plans. The sentence margin is recorded in the artefact but not fitted (see
SENTENCE_GRID). Held-out plans (evaluation/chat_heldout.py) are never read here.
"""
from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_data import citation_judgements, norm, quote_key
from chat_heldout import DEVELOPMENT, load_questions, open_chats
from civicai.rag.abstain import load_model
from civicai.rag.compose import MARGINS_FILE, compose_answer, prefer_reason
from civicai.rag.phrases import phrase_language
from civicai.rag.question import is_why

HERE = Path(__file__).resolve().parent
CITE_GRID = (0.0, 0.025, 0.05, 0.1, 0.2, 0.3)
# The sentence margin makes quotes longer, not more numerous: per-quote precision cannot see the cost to the
# reader, so this objective would always widen it. It is kept at its hand-set value until a sentence-level
# judgement exists.
SENTENCE_GRID = (0.1,)


def collect() -> dict[str, list[dict]]:
    """Per development plan: for every answerable question answered directly, each grid point's quotes scored."""
    questions = [q for q in load_questions() if q["plan"] in DEVELOPMENT and q["answerable"] and q.get("evidence")]
    chats = open_chats({q["plan"] for q in questions})
    judged = citation_judgements()
    per_plan: dict[str, list[dict]] = {}
    for row in questions:
        chat = chats.get(row["plan"])
        if chat is None:
            continue
        redacted, language = chat._prepare(row["question"], "general")
        assessment = chat.assess(redacted, language)
        if load_model(chat.index.embedder.name).should_abstain(assessment.features)[0]:
            continue  # the margins only shape direct answers
        ranked = assessment.ranked
        if is_why(redacted):
            ranked = [prefer_reason(p, chat.ranker.sentences(p.hit.chunk)) for p in ranked]
        evidence = [norm(e) for e in row["evidence"]]
        scores = {}
        for cite, sentence in itertools.product(CITE_GRID, SENTENCE_GRID):
            _, citations = compose_answer(ranked, language=phrase_language(language),
                                          chunk_languages=chat.stored.chunk_languages,
                                          plan_language=chat.stored.info.language, audience="general",
                                          ranker=chat.ranker, chunks=chat.stored.chunks, margins=(cite, sentence))
            good = [any(e in norm(c.quote) for e in evidence) or judged.get((row["id"], quote_key(c.quote))) == "yes"
                    for c in citations]
            scores[f"{cite}|{sentence}"] = {"hit": any(good), "good": sum(good), "quotes": len(good)}
        per_plan.setdefault(row["plan"], []).append(scores)
    return per_plan


def f1(rows: list[dict], key: str) -> float:
    recall = sum(r[key]["hit"] for r in rows) / max(1, len(rows))
    precision = sum(r[key]["good"] for r in rows) / max(1, sum(r[key]["quotes"] for r in rows))
    return 2 * recall * precision / (recall + precision) if recall + precision else 0.0


def best(per_plan: dict[str, list[dict]], plans: list[str], keys: list[str]) -> str:
    """The grid point with the best mean F1 over `plans`; ties go to the narrower margins (listed first)."""
    return max(keys, key=lambda k: round(sum(f1(per_plan[p], k) for p in plans) / len(plans), 6))


def main() -> None:
    start = time.perf_counter()
    per_plan = collect()
    plans = sorted(per_plan)
    keys = [f"{c}|{s}" for c, s in itertools.product(CITE_GRID, SENTENCE_GRID)]
    folds = {}
    for held in plans:
        chosen = best(per_plan, [p for p in plans if p != held], keys)
        folds[held] = {"chosen_on_others": chosen, "f1_left_out": round(f1(per_plan[held], chosen), 4),
                       "f1_left_out_previous_setting": round(f1(per_plan[held], "0.05|0.1"), 4)}
    final = best(per_plan, plans, keys)
    cite, sentence = (float(x) for x in final.split("|"))
    artefact = {"version": 1, "general": {"cite_margin": cite, "sentence_margin": sentence},
                "fitted_by": "evaluation/fit_margins.py",
                "fitted_on": f"development plans {', '.join(plans)}: "
                             f"{sum(len(v) for v in per_plan.values())} answerable questions answered directly",
                "objective": "mean over plans of F1(citation recall, citation precision), gold strings or judged yes",
                "cross_validation": "leave one development plan out", "date": time.strftime("%Y-%m-%d")}
    MARGINS_FILE.write_text(json.dumps(artefact, indent=2) + "\n", encoding="utf-8")
    table = {k: {p: round(f1(per_plan[p], k), 4) for p in plans} for k in keys}
    result = {"artefact": artefact, "folds": folds, "f1_per_grid_point": table,
              "seconds": round(time.perf_counter() - start)}
    (HERE / "results" / "fit_margins.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    lines = ["# Citation margin (general audience), fitted across development plans", "",
             f"`nice .venv/bin/python evaluation/fit_margins.py`, {artefact['date']}. {artefact['fitted_on']}. "
             f"Objective: {artefact['objective']}. Shipped: citation margin {cite}, sentence margin {sentence} "
             "(before: 0.05 and 0.1, set by hand).", "",
             "| left-out plan | chosen on the others | F1 on the left-out plan | F1 there with 0.05/0.1 |",
             "| --- | --- | --- | --- |"]
    lines += [f"| {p} | {f['chosen_on_others'].replace('|', ' / ')} | {f['f1_left_out']} | "
              f"{f['f1_left_out_previous_setting']} |" for p, f in folds.items()]
    lines += ["", "F1 per grid point (citation margin / sentence margin) and plan:", "",
              "| margins | " + " | ".join(plans) + " |", "| --- |" + " --- |" * len(plans)]
    lines += [f"| {k.replace('|', ' / ')} | " + " | ".join(str(v[p]) for p in plans) + " |" for k, v in table.items()]
    (HERE / "results" / "fit_margins.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:12 + len(folds)]))


if __name__ == "__main__":
    main()
