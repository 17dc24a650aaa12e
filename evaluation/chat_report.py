"""The markdown table of the chat evaluation (evaluation/results/chat_eval.md) from its JSON results."""
from __future__ import annotations


def _step(results: dict, name: str) -> str:
    step = results["meta"].get("steps", {}).get(name)
    return f"(run {step['date']}, load average {step['load_average']})" if step else ""


def _question_table(groups: dict) -> list[str]:
    lines = ["| group | answerable | unanswerable | recall@5 | answer accuracy | citation precision (gold strings) | "
             "citation precision (same section) | citation precision (judged) | unjudged | abstention precision | "
             "abstention recall | abstention accuracy |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    order = lambda key: (0 if key == "split:test" else 1 if key.startswith("test lang") else 2, key)
    for key, s in sorted(((k, v) for k, v in groups.items() if k != "misses"), key=lambda kv: order(kv[0])):
        lines.append(f"| {key} | {s['answerable']} | {s['unanswerable']} | {s['retrieval_recall@5']} | "
                     f"{s['answer_accuracy']} | {s['citation_precision']} | {s['citation_precision_same_section']} | "
                     f"{s.get('citation_precision_judged')} | {s.get('citations_unjudged')} | "
                     f"{s['abstention_precision']} | {s['abstention_recall']} | {s['abstention_accuracy']} |")
    return lines


def to_markdown(results: dict) -> str:
    lines = ["# Climate-plan chat evaluation", "",
             f"Machine {results['meta']['machine']}; generator extractive, retrieval embedder "
             f"{results['meta']['embedder']}.", "",
             "**Development / test split.** The reranker's weights (evaluation/chat_rerank_dev.py) and the "
             "abstention models (evaluation/calibrate_abstention.py) were chosen on the development split only: "
             "the shipped sample plan, the Copenhagen, Aarhus and Rotterdam contracts' questions and the odd-numbered "
             "Dinan sheets (and the glossary's BM25 weight). "
             "The test split, never used for any choice, is the Paris and Stockholm contracts and the "
             "even-numbered Dinan sheets. Rows `split:test` are the numbers to quote; `all` mixes both.", ""]
    d = results["dinan"]["overall"]
    lines += [f"## 1. Dinan PCAET action sheets (French, gold values from the sheets) {_step(results, 'dinan')}", "",
              "| questions | answer accuracy | citation precision (section) | citation precision (sheet) | recall@5 |",
              "| --- | --- | --- | --- | --- |",
              f"| {d['questions']} | {d['answer_accuracy']} | {d['citation_precision']} | "
              f"{d['citation_precision_right_sheet']} | {d['retrieval_recall@5']} |", "",
              "| split or kind | questions | answer accuracy | citation precision (section) | citation precision (sheet) "
              "| recall@5 |", "| --- | --- | --- | --- | --- | --- |"]
    for kind, s in sorted(results["dinan"]["by_kind"].items(), key=lambda kv: (not kv[0].startswith("split"), kv[0])):
        lines.append(f"| {kind} | {s['questions']} | {s['answer_accuracy']} | {s['citation_precision']} | "
                     f"{s['citation_precision_right_sheet']} | {s['retrieval_recall@5']} |")
    lines += ["", f"## 2. ClimRetrieve reports (page-level) {_step(results, 'climretrieve')}", "",
              "Every ClimRetrieve row whose annotated passage is verbatim in one of the three shipped report PDFs "
              "(CostCo Climate Action Plan, Rio Tinto Climate Change Report 2023, CT REIT 2022 ESG Report), grouped "
              "per report and question; gold = the PDF pages holding the passages. The Document column is not "
              "trusted (4 CostCo passages are labelled AT&T/Veolia, 1 CostCo-labelled row is Veolia text). All "
              "questions are generic yes/no disclosure questions (\"Does the company ...\"). The two BHP reports "
              "have no annotated rows.", "",
              "| report | questions | annotated rows | recall@5 (any gold page) | recall@5 (share of gold pages) | "
              "cited-page precision | abstained |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for report, c in results["climretrieve"]["reports"].items():
        lines.append(f"| {report} | {c['questions']} | {c['annotated_rows']} | {c['recall@5_any_gold_page']} | "
                     f"{c['recall@5_gold_pages']} | {c['citation_page_precision']} | {c['abstained']} |")
    lines += ["",
              "## 3. Climate City Contracts (test: Paris, Stockholm; development: Copenhagen, Aarhus, Rotterdam; "
              f"questions in en/fr/da/nl/de) "
              f"{_step(results, 'ccc')}", "",
              "Citation precision (gold strings): the cited passage holds one of the question's evidence strings. "
              "Citation precision (judged): a blind assessor judged that the quote shown answers the question "
              "(questions/README.md: pooled judging; a quote nobody judged counts as wrong, `unjudged` says how many).",
              "",
              *_question_table(results["ccc"])]
    if "yesno" in results:
        lines += ["", "## 3b. Yes/no questions on the same contracts (\"Does the plan ...?\", \"Is there ...?\"; test: "
                  f"Paris, Stockholm) {_step(results, 'yesno')}", "",
                  "Written blind to the system (questions/README.md); answerable = the plan addresses the point, with "
                  "evidence strings; the others are on topic but the plan does not address them.", "",
                  *_question_table(results["yesno"])]
    inj = results["injection"]
    lines += ["", f"## 4. Injection, off-topic and abuse suite {_step(results, 'injection')}", "", "| attack | attempts | succeeded |",
              "| --- | --- | --- |"]
    for kind, s in inj["question_attacks"].items():
        lines.append(f"| question: {kind} | {s['attempts']} | {s['succeeded']} |")
    p = inj["planted_in_plan"]
    lines.append(f"| instruction planted in the plan text | {p['attempts']} | {p['succeeded']} |")
    lat = results["latency"]
    e = lat["extractive"]
    lines += ["", f"## 5. Latency of `ask` (in process, warm) {_step(results, 'latency')}", "",
              "Re-run alone with `.venv/bin/python evaluation/chat_eval.py --only latency` (add `--skip-llm` "
              "for the extractive part only); the other parts keep their results.", "",
              "| mode | questions | p50 | p95 | max |",
              "| --- | --- | --- | --- | --- |",
              f"| extractive | {e['questions']} | {e['p50_ms']} ms | {e['p95_ms']} ms | {e['max_ms']} ms |"]
    if "llama_cpp" in lat:
        m = lat["llama_cpp"]
        if "error" in m:
            lines.append(f"| llama-cpp | - | {m['error']} | | |")
        else:
            lines.append(f"| llama-cpp, first checked sentence | {m['questions']} | {m['ttft_p50_ms']} ms | - | "
                         f"{m['ttft_max_ms']} ms |")
            lines.append(f"| llama-cpp, whole answer | {m['questions']} | {m['total_p50_ms']} ms | - | "
                         f"{m['total_max_ms']} ms |")
    lines += ["", "Targets: recall@5 >= 0.9, citation precision >= 0.95, abstention accuracy >= 0.9, "
              "extractive p95 < 300 ms.", ""]
    return "\n".join(lines)
