"""Pilot: the local 1.5B LLM (qwen2.5-coder-1.5b-instruct) as a zero-shot judge of position towards the proposal,
against the embedding position model, on held-out items.

Items (seeded): gambling_XS q1 (the proposal: its question restated as a statement; gold AGREE/DISAGREE/UNCLEAR; the shipped position
model never saw gambling_XS, so both methods are held out there) and the shipped sample, stratified by gold
stance (proposal: the plan's measures on the item's gold topic; the embedding model WAS fitted on the sample,
so on the sample only its leave-one-topic-out accuracy from evaluation/results/stance.md is comparable, on
other items). gambling_XS q2 is not used: every gold position there is AGREE. The hand-checked Polis set of the
issue is not built yet.

    nice .venv/bin/python evaluation/stance_llm.py [--per-set 40]

Slow on 2 shared cores (30-60 s per item here), so answers are cached per item in /tmp and the result files are
rewritten after every item: a run can be stopped and resumed.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "evaluation"))

from civicai.sentiment.position import OPPOSES, SUPPORTS, UNCLEAR, wilson_low  # noqa: E402

RESULTS = ROOT / "evaluation" / "results"
CACHE = Path(os.environ.get("CIVICAI_EVAL_CACHE", "/tmp/civicai-eval-cache")) / "stance_llm.json"
MODEL = "qwen2.5-coder-1.5b-instruct"
PROMPT = "stance_judge.v1"
SEED = 15
GAMBLING_PROPOSAL = "Gambling advertisements should be completely banned during televised sporting events."


def gambling_items() -> list[dict]:
    from mapping_learning import gambling

    data = gambling("question_part_1")
    if data is None:
        return []
    # the proposal as a statement: with the question itself ("Should gambling advertisements be completely
    # banned ...?") the model answered 'opposes' for 4 of 6 responses that agree with a ban (first pilot run)
    return [{"set": "gambling_q1", "proposal": GAMBLING_PROPOSAL, "text": t, "gold": p}
            for t, p in zip(data["texts"], data["position"], strict=True) if p]


def sample_items() -> list[dict]:
    from mapping_learning import sample

    data = sample()
    themes = data["themes"]
    return [{"set": "sample", "proposal": f"the city's climate plan measures on {themes[next(iter(g))].label.lower()} "
                                          f"({themes[next(iter(g))].description})", "text": t, "gold": p}
            for t, g, p in zip(data["texts"], data["gold"], data["position"], strict=True) if p]


def parse(answer: str) -> str:
    word = answer.strip().lower()
    for label in (SUPPORTS, OPPOSES, UNCLEAR):
        if word.startswith(label[:5]):
            return label
    return UNCLEAR


def embedding_predictions(items: list[dict]) -> list[str]:
    """The shipped position model (statement method) on the items; meaningful only where it is held out."""
    from civicai.embed import get_embedder
    from civicai.sentiment.position import load_position_model

    embedder = get_embedder("use")
    model = load_position_model(embedder.model_id)
    return [str(x) for x in model.predict(embedder.encode([i["text"] for i in items]))]


def summarise(items: list[dict], answers: dict, embedded: list[str]) -> dict:
    out = {}
    for name in sorted({i["set"] for i in items}):
        chosen = [(i, e) for i, e in zip(items, embedded, strict=True) if i["set"] == name and i["key"] in answers]
        if not chosen:
            continue
        gold = [i["gold"] for i, _ in chosen]
        majority, count = Counter(gold).most_common(1)[0]
        llm_correct = sum(answers[i["key"]] == i["gold"] for i, _ in chosen)
        emb_correct = sum(e == i["gold"] for i, e in chosen)
        n = len(chosen)
        out[name] = {"n": n, "majority": majority, "majority_accuracy": round(count / n, 3),
                     "llm_accuracy": round(llm_correct / n, 3), "llm_wilson_low": round(wilson_low(llm_correct, n), 3),
                     "embedding_accuracy": round(emb_correct / n, 3),
                     "embedding_held_out": name != "sample",
                     "llm_predicted": dict(Counter(answers[i["key"]] for i, _ in chosen)),
                     "gold_counts": dict(Counter(gold))}
    return out


def write(result: dict) -> None:
    (RESULTS / "stance_llm.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    lines = ["# Position towards the proposal: the 1.5B LLM as a zero-shot judge (pilot)", "",
             f"`nice .venv/bin/python evaluation/stance_llm.py --per-set {result['per_set']}`; model `{MODEL}` "
             f"(llama.cpp via xllamacpp, 2 threads, temperature 0), prompt `{PROMPT}`; {result['seconds_per_item']} s "
             "per item on the shared 2-core machine. Items drawn at random (seed 15; the sample stratified by gold "
             "stance). Gold 'neutral'/'mixed' (sample) and UNCLEAR (gambling) count as unclear.", "",
             "| set | n | LLM accuracy (95% low) | embedding model accuracy | embedding held out? | majority class |"
             " LLM answers |", "| --- | ---: | ---: | ---: | --- | --- | --- |"]
    for name, s in result["sets"].items():
        lines.append(f"| {name} | {s['n']} | {s['llm_accuracy']} ({s['llm_wilson_low']}) | {s['embedding_accuracy']} | "
                     f"{'yes' if s['embedding_held_out'] else 'no (fitted on the sample)'} | {s['majority']} "
                     f"({s['majority_accuracy']}) | {s['llm_predicted']} |")
    lines += ["", "Show rule (civicai.sentiment.position): a method's labels are shown only when the lower 95% bound "
              "of its held-out accuracy clears the majority class by 0.10. " + result["verdict"]]
    (RESULTS / "stance_llm.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-set", type=int, default=40)
    args = parser.parse_args()
    rng = random.Random(SEED)
    gamble = gambling_items()
    rng.shuffle(gamble)
    by_stance: dict[str, list[dict]] = {}
    for item in sample_items():
        by_stance.setdefault(item["gold"], []).append(item)
    strat = []
    for label in sorted(by_stance):
        rng.shuffle(by_stance[label])
    while len(strat) < args.per_set and any(by_stance.values()):
        for label in sorted(by_stance):
            if by_stance[label] and len(strat) < args.per_set:
                strat.append(by_stance[label].pop())
    items = []
    for a, b in zip(gamble[: args.per_set], strat, strict=False):  # interleaved: a stopped run covers both sets
        items += [a, b]
    for item in items:
        digest = hashlib.sha256(f"{PROMPT}\x00{item['proposal']}\x00{item['text']}".encode()).hexdigest()[:12]
        item["key"] = f"{item['set']}:{digest}"
    answers = json.loads(CACHE.read_text()) if CACHE.is_file() else {}
    embedded = embedding_predictions(items)
    from civicai.llm import GenerationRequest
    from civicai.llm.llamacpp import LlamaCppGenerator

    generator = LlamaCppGenerator(MODEL, n_threads=2)
    spent, done = 0.0, 0
    for item in items:
        if item["key"] not in answers:
            start = time.perf_counter()
            reply = generator.generate(GenerationRequest(PROMPT, {"proposal": item["proposal"], "comment": item["text"]},
                                                         extractive=UNCLEAR, max_tokens=3))
            answers[item["key"]] = parse(reply)
            spent += time.perf_counter() - start
            done += 1
            CACHE.parent.mkdir(parents=True, exist_ok=True)
            CACHE.write_text(json.dumps(answers))
        sets = summarise(items, answers, embedded)
        verdict = "; ".join(f"{n}: LLM {'clears' if s['llm_wilson_low'] >= s['majority_accuracy'] + 0.10 else 'does not clear'} "
                            f"it on n={s['n']}" for n, s in sets.items())
        write({"per_set": args.per_set, "model": MODEL, "prompt": PROMPT, "sets": sets, "verdict": verdict,
               "seconds_per_item": round(spent / done, 1) if done else None})
    print(json.dumps(summarise(items, answers, embedded), indent=1))


if __name__ == "__main__":
    main()
