"""Speed of the local generators (llama.cpp through xllamacpp) on a grounded-answer prompt over a real plan passage.

Run: .venv/bin/python evaluation/generator_speed.py [--models smollm2-135m-instruct,qwen2.5-0.5b-instruct]
     [--threads 2] [--repeats 2] [--max-tokens 96]
Writes evaluation/results/generator_speed.{json,md}. Numbers are single-machine measurements: compare
models within one run, not across machines.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

from civicai.config import get_settings
from civicai.llm import GenerationRequest, get_generator
from civicai.llm.grounding import filter_supported
from civicai.paths import project_root, shared_data_dir

QUESTION = "What CO2 reduction target has Amsterdam set for 2030, and how does it compare with the law?"


def passage() -> str:
    text = (shared_data_dir() / "plans" / "climate-city-contracts" / "amsterdam.md").read_text(encoding="utf-8")
    return next(p for p in text.split("\n\n") if "60% CO2 reduction target" in p).strip()


def measure(model_id: str, threads: int, repeats: int, max_tokens: int) -> dict:
    """Load once, then `repeats` cold runs (the generator never reuses the prompt cache); the engine's own timings
    split prefill from decode."""
    generator = get_generator("llama-cpp", get_settings(llm_model=model_id, threads=threads))
    source = passage()
    request = GenerationRequest("grounded_answer", {"question": QUESTION, "passages": [source],
                                                    "language": "English"}, extractive=source, max_tokens=max_tokens)
    start = time.perf_counter()
    generator._server()  # the benchmark times the load on its own
    load_s = time.perf_counter() - start
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        answer = generator.generate(request)
        seconds = time.perf_counter() - start
        usage = generator.last_usage
        prompt, completion = usage["prompt_tokens"], usage["completion_tokens"]
        runs.append({"seconds": seconds, "prompt_tokens": prompt, "completion_tokens": completion,
                     "prefill_tokens_per_s": 1000 * prompt / usage["prompt_ms"] if usage.get("prompt_ms") else None,
                     "decode_tokens_per_s": 1000 * completion / usage["decode_ms"] if usage.get("decode_ms") else None,
                     "answer": answer})
    best = min(runs, key=lambda r: r["seconds"])
    row = {"model": model_id, "threads": threads, "load_s": round(load_s, 2),
           "prompt_tokens": best["prompt_tokens"], "completion_tokens": best["completion_tokens"],
           "prefill_tokens_per_s": round(best["prefill_tokens_per_s"] or 0, 1),
           "decode_tokens_per_s": round(best["decode_tokens_per_s"] or 0, 1),
           "total_s": round(best["seconds"], 2), "answer": best["answer"],
           "grounded": filter_supported(best["answer"], [source]) is not None}
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="smollm2-135m-instruct,qwen2.5-0.5b-instruct")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()
    if not shared_data_dir().is_dir():
        print(f"needs the real data at {shared_data_dir()}", file=sys.stderr)
        return 2
    rows = [measure(m, args.threads, args.repeats, args.max_tokens) for m in args.models.split(",")]
    results = {"machine": {"python": platform.python_version(), "processor": platform.processor(),
                           "cpu_threads_used": args.threads, "cpu_count": os.cpu_count(),
                           "load_average_1_5_15_min_after": [round(x, 1) for x in os.getloadavg()]},
               "question": QUESTION, "rows": rows}
    out = project_root() / "evaluation" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "generator_speed.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    lines = ["# Local generator speed (llama.cpp via xllamacpp, grounded_answer prompt, one real plan passage)", "",
             f"{args.threads} threads on a {os.cpu_count()}-core machine (load average after the run: "
             f"{results['machine']['load_average_1_5_15_min_after']}, i.e. shared with other work); "
             f"best of {args.repeats} runs; max {args.max_tokens} new tokens.", "",
             "| model | load s | prompt tokens | prefill tok/s | decode tok/s | new tokens | total s | answer grounded |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['load_s']} | {r['prompt_tokens']} | {r['prefill_tokens_per_s']} | "
                     f"{r['decode_tokens_per_s']} | {r['completion_tokens']} | {r['total_s']} | {r['grounded']} |")
    lines += ["", "Answers:", ""] + [f"- **{r['model']}**: {r['answer']}" for r in rows]
    (out / "generator_speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
