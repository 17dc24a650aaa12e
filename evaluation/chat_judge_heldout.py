"""The 1.5B LLM as a relevance judge (civicai.rag.judge), measured against blind assessors on held-out plans.

    nice .venv/bin/python evaluation/chat_judge_heldout.py --limit 40   # -> evaluation/results/chat_judge_heldout.*

Pairs: (question, cited quote) with a blind assessor's label (evaluation/questions/citation_judgements.jsonl)
for questions on plans never used for a choice (chat_heldout.DEVELOPMENT is the other side). "yes" is
positive; "partial" and "no" are negative. A fixed-seed sample of --limit pairs, balanced between the labels,
because one pair costs seconds of CPU. Reported: AUC of P(yes) against the labels (no threshold is chosen
here), accuracy at P(yes) >= 0.5 (the model's own Yes/No), cross-lingual pairs apart, and seconds per pair on
this shared machine (its load is printed).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_data import QUESTIONS, read_jsonl
from chat_heldout import DEVELOPMENT, PLAN_LANGUAGE, load_questions
from chat_retrieval_heldout import auc
from civicai.rag.judge import RelevanceJudge

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def pairs(limit: int, seed: int = 13) -> list[dict]:
    questions = {q["id"]: q for q in load_questions() if q["plan"] not in DEVELOPMENT}
    rows = [r for r in read_jsonl(QUESTIONS / "citation_judgements.jsonl") if r["id"] in questions]
    positive = [r for r in rows if r["label"] == "yes"]
    negative = [r for r in rows if r["label"] != "yes"]
    rng = random.Random(seed)
    rng.shuffle(positive)
    rng.shuffle(negative)
    half = limit // 2
    chosen = positive[:max(half, limit - len(negative))] + negative[:max(limit - half, limit - len(positive))]
    out = []
    for r in chosen[:limit]:
        q = questions[r["id"]]
        plan_language = q.get("plan_language") or PLAN_LANGUAGE.get(q["plan"], "en")
        out.append({"id": r["id"], "plan": q["plan"], "question": q["question"], "language": q["language"],
                    "cross": q["language"][:2] != plan_language[:2], "quote": r["quote"], "label": r["label"]})
    return out


def baselines(rows: list[dict]) -> None:
    """The cheap signals today's chat already has, on the same pairs: cosine of question and quote under the
    sentence encoder (USE) and the retrieval embedder (e5), so the judge is compared with what it would replace."""
    import numpy as np

    from civicai.embed import get_embedder

    for name in ("use", "e5"):
        embedder = get_embedder(name)
        questions = embedder.encode_queries([r["question"] for r in rows])
        quotes = embedder.encode_passages([r["quote"] for r in rows])
        for row, score in zip(rows, np.sum(questions * quotes, axis=1)):
            row[f"cos_{name}"] = round(float(score), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--rescore", action="store_true",
                        help="reuse the judged pairs of the last run (no LLM calls); recompute baselines and tables")
    args = parser.parse_args()
    if args.rescore:
        old = json.loads((RESULTS / "chat_judge_heldout.json").read_text(encoding="utf-8"))
        rows, meta_old = old["pairs"], old["meta"]
        args.limit = len(rows)
    else:
        judge = RelevanceJudge()
        rows = pairs(args.limit)
        for i, row in enumerate(rows, 1):
            result = judge.judge(row["question"], row["quote"])
            row.update(p_yes=round(result.p_yes, 4), seconds=round(result.seconds, 2),
                       prompt_tokens=result.prompt_tokens)
            print(f"{i}/{len(rows)} {row['id']} {row['label']} p_yes={result.p_yes:.3f} {result.seconds:.1f}s", flush=True)
        meta_old = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "model": judge.model_id,
                    "prompt": f"{judge.prompt.name}.v{judge.prompt.version} ({judge.prompt.sha256[:12]})",
                    "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"}
    baselines(rows)

    def stats(group: list[dict]) -> dict:
        def auc_of(key: str) -> float | None:
            return auc([r[key] for r in group if r["label"] == "yes"], [r[key] for r in group if r["label"] != "yes"])
        correct = sum((r["p_yes"] >= 0.5) == (r["label"] == "yes") for r in group)
        return {"pairs": len(group), "yes": sum(r["label"] == "yes" for r in group), "auc": auc_of("p_yes"),
                "auc_cos_use": auc_of("cos_use"), "auc_cos_e5": auc_of("cos_e5"),
                "accuracy_at_0.5": round(correct / len(group), 3) if group else None}
    seconds = sorted(r["seconds"] for r in rows)
    result = {"meta": {**{k: meta_old[k] for k in ("date", "model", "prompt", "machine")},
                       "seconds_p50": seconds[len(seconds) // 2], "seconds_max": seconds[-1],
                       "plans": sorted({r["plan"] for r in rows})},
              "all": stats(rows), "cross-lingual": stats([r for r in rows if r["cross"]]),
              "same language": stats([r for r in rows if not r["cross"]]), "pairs": rows}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "chat_judge_heldout.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n",
                                                     encoding="utf-8")
    meta = result["meta"]
    lines = ["# The 1.5B LLM as a relevance judge, on held-out plans", "",
             f"{meta['date']}, {meta['machine']}. `nice .venv/bin/python evaluation/chat_judge_heldout.py "
             f"--limit {args.limit}` (baselines added with `--rescore`). Model {meta['model']}, prompt {meta['prompt']}. Pairs: cited quotes with a blind "
             f"assessor's label, questions on held-out plans ({', '.join(meta['plans'])}); 'yes' positive, "
             "'partial'/'no' negative. AUC of P(yes); accuracy of the model's own Yes/No (P(yes) >= 0.5).", "",
             "Baselines on the same pairs: cosine of question and quote under USE (today's sentence scorer) and e5.", "",
             "| group | pairs | labelled yes | judge AUC | judge accuracy at 0.5 | USE cosine AUC | e5 cosine AUC |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for key in ("all", "same language", "cross-lingual"):
        s = result[key]
        cells = [s[k] if s[k] is not None else "-" for k in ("auc", "accuracy_at_0.5", "auc_cos_use", "auc_cos_e5")]
        lines.append(f"| {key} | {s['pairs']} | {s['yes']} | " + " | ".join(map(str, cells)) + " |")
    lines += ["", f"Seconds per pair on this machine: median {meta['seconds_p50']}, max {meta['seconds_max']} "
              "(2 shared cores; the model card's 4 s per pair was measured on an idle machine)."]
    (RESULTS / "chat_judge_heldout.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
