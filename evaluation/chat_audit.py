"""The chat audit (civicai.bias.chat_audit) on the Climate City Contract questions: which question languages
(and audiences) are served worse? Results: evaluation/results/chat_audit.{json,md}.

    .venv/bin/python evaluation/chat_ingest.py --only copenhagen paris ...   # once (slow: E5 embeddings)
    nice .venv/bin/python evaluation/chat_audit.py [--plans copenhagen paris stockholm aarhus rotterdam]

Each plan that is ingested in evaluation/.cache/chat_eval.db is asked its questions (questions/ccc.jsonl,
ccc_dev.jsonl, yesno.jsonl) under the three audiences, with the pooled citation judgements. Plans that are
not ingested are skipped and named. One audit pools the asks of every plan (more questions per language,
so more power); one audit per plan follows. Extractive answers only (the shipped default), as `ask` runs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_data import CACHE, QUESTIONS
from chat_ingest import eval_settings
from civicai.bias.chat_audit import METRICS, ask_all, build_report, load_judgements, load_questions

RESULTS = Path(__file__).resolve().parent / "results"
PLANS = ("copenhagen", "paris", "stockholm", "aarhus", "rotterdam")
SETS = ("ccc.jsonl", "ccc_dev.jsonl", "yesno.jsonl")


def table(report: dict, column: str) -> list[str]:
    rows = [f for f in report["findings"] if f["group_column"] == column]
    groups = sorted({f["group"] for f in rows})
    metrics = [m for m in METRICS if any(f["metric"] == m for f in rows)]
    lines = ["| " + column + " | n | " + " | ".join(METRICS[m][2] for m in metrics) + " |",
             "| --- | --- |" + " --- |" * len(metrics)]
    for group in groups:
        cells = []
        n = report["groups"].get(column, {}).get(group)
        for metric in metrics:
            f = next((f for f in rows if f["group"] == group and f["metric"] == metric), None)
            if f is None or f["suppressed"]:
                cells.append("not shown")
                continue
            rest = "–" if f["reference_value"] is None else f"{f['reference_value']:.0%}"
            ci = "" if f["ci_low"] is None else f", ratio {f['ratio'] or 0:.2f} [{f['ci_low']:.2f}, {f['ci_high']:.2f}]"
            mark = ""
            if f["flagged"]:
                mark = " **worse**" if f["direction"] == METRICS[metric][1] else " *better*"
            cells.append(f"{f['value']:.0%} ({f['events']}/{f['n']}) vs {rest}{ci}{mark}")
        lines.append(f"| {group} | {n if n is not None else 'not shown'} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", nargs="*", default=list(PLANS))
    args = parser.parse_args()
    db = CACHE / "chat_eval.db"
    if not db.is_file():
        sys.exit(f"{db} not found: run evaluation/chat_ingest.py --only {' '.join(args.plans)} first")
    settings = eval_settings()
    from civicai.errors import CivicaiError
    from civicai.rag import load_chat

    judgements = load_judgements(QUESTIONS / "citation_judgements.jsonl")
    asked_by_plan: dict[str, list] = {}
    plans, skipped = [], []
    started = time.time()
    for plan in args.plans:
        try:
            chat = load_chat(plan, settings=settings)
        except CivicaiError as exc:
            skipped.append(f"{plan}: {exc}")
            print(f"skip {plan}: {exc}", file=sys.stderr)
            continue
        questions = load_questions([QUESTIONS / name for name in SETS], plan)
        asked_by_plan[plan] = ask_all(chat, questions, judgements)
        plans.append({"name": plan, "version": chat.stored.info.version})
        print(f"{plan}: {len(questions)} questions asked ({time.time() - started:.0f} s)", file=sys.stderr)
    if not plans:
        sys.exit("no plan ingested: run evaluation/chat_ingest.py first")
    pooled = [a for asked in asked_by_plan.values() for a in asked]
    k = settings.min_group_size
    report, _ = build_report(pooled, plans=plans, min_group_size=k, seed=0)
    per_plan = {plan: build_report(asked, plans=[p for p in plans if p["name"] == plan], min_group_size=k,
                                   seed=0)[0] for plan, asked in asked_by_plan.items()}
    RESULTS.mkdir(exist_ok=True)
    pairs = report["paired"]
    (RESULTS / "chat_audit.json").write_text(json.dumps({"pooled": report, "per_plan": per_plan, "skipped": skipped,
                                                         "seconds": round(time.time() - started, 1)},
                                                        ensure_ascii=False, indent=1, default=str))
    lines = ["# Chat audit: are residents served alike in every language?", "",
             f"`civicai.bias.chat_audit` on {', '.join(p['name'] for p in plans)} "
             f"({report['questions']['n']} questions, {report['questions']['answerable']} answerable, each asked for "
             f"the child, general and expert audiences; extractive answers). Each group is compared with the rest "
             f"(every other group pooled), flag rule as the analysis audit (band 0.8-1.25, 95% interval, Holm), "
             f"groups under {k} questions not shown. Language = the language the question was written in; per "
             "language only the general audience's asks count. Not answered directly = refused, only the closest "
             "passage, a request to clarify, or stopped by the guard. A judged citation = a quote the blind "
             "assessors labelled `yes` (questions/README.md); an answer whose quotes were never judged (and none "
             "judged yes) is left out of that measure and counted. "
             "Produced by `evaluation/chat_audit.py`." + (f" Skipped: {'; '.join(skipped)}." if skipped else ""), "",
             "## Pooled over the plans", "",
             "Served worse: " + (", ".join(report["served_worse"]) or "no group") + ".", "", *table(report, "language"),
             "", *table(report, "audience"), "",
             f"Median latency (ms) by language: {report['latency_ms_median']['language']}; by audience: "
             f"{report['latency_ms_median']['audience']}. Answerable asks left out of the judged-citation "
             f"measure (no quote judged yes, some quote never judged) by language: "
             f"{report['undetermined_citations']['language']}; by audience: "
             f"{report['undetermined_citations']['audience']}.", "",
             f"What the chat did with the answerable questions, by language (general audience): "
             f"{report['answer_kinds']['language']}.", "",
             "Verdict:", "", *[f"- {line['severity']}: {line['sentence']}" for line in report["verdict"]],
             "", "## Translated questions against their own English originals (same plan, general audience)", "",
             "The pooled table mixes plans: Danish questions are mostly Aarhus's and Copenhagen's, Dutch mostly "
             "Rotterdam's. Each translated answerable question against its English original removes that "
             "(`civicai.bias.chat_audit.paired_tests`: exact McNemar test on the discordant pairs, Holm across "
             "the rows; flagged rows are 'served worse' lines of the verdict above).", "",
             "| language | measure | pairs | translated | English originals | worse in translation | better | "
             "adj. p |", "| --- | --- | --- | --- | --- | --- | --- | --- |",
             *[f"| {r['language']} | {r['measure']} | {r['pairs']} | {r['translated_rate']:.0%} | "
               f"{r['original_rate']:.0%} | {r['worse_in_translation']} | {r['better_in_translation']} | "
               f"{r['p_adjusted']:.3f}{' **worse**' if r['flagged'] else ''} |" for r in pairs]]
    for plan, plan_report in per_plan.items():
        lines += ["", f"## {plan}", "", "Served worse: " + (", ".join(plan_report["served_worse"]) or "no group") + ".",
                  "", *table(plan_report, "language")]
    lines += ["", f"Total time {time.time() - started:.0f} s."]
    (RESULTS / "chat_audit.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
