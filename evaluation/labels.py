"""Theme labels, old against new, prepared for a blind judge; and an automatic check against gold names.

Themes are the GOLD groups of each set (so only the labelling differs, not the clustering):
  sample        the shipped sample's 10 planted topics (gold name: data/sample/themes.json label + description)
                - the development set: the new labeller's weights were chosen looking at it
  austria_de    the five Austrian Klimarat Polis conversations (German), one theme per conversation
                (gold name: the conversation's topic, e.g. 'Mobilität')
  polis_en_a    six English Polis conversations (topic_recovery.py's reported mix), one theme per conversation
  polis_en_b    six other English Polis conversations, one theme per conversation (gold: their titles)
  gambling_q1/q2 themefinder gambling_XS, ThemeFinder's gold themes with >= 5 members (gold: theme label)
Systems: 'old' = the labeller before issue 15 (summarise.label.theme_text: the most central short submission,
else the top c-TF-IDF keywords); 'new' = summarise.title (members' phrases in the label language, the
majority language of the set).

    .venv/bin/python evaluation/labels.py prepare   # labels, automatic scores, the blind file for the judge
    .venv/bin/python evaluation/labels.py score     # after the judge: win rate and 'understood' share

prepare writes evaluation/results/labels_blind.md (what the judge reads: ids, quotes, labels; no system
names, A/B order random), labels_blind_key.json (which system wrote what: NOT for the judge) and
labels.json/.md (labels side by side and the automatic score: for each label, is its closest gold name (USE
cosine, across the set's gold names) its own theme's?). score reads labels_verdicts.json (the judge's answers:
{"pairs": {id: "A"|"B"|"tie"}, "gold": {id: "yes"|"partly"|"no"}, "understood": {id: "yes"|"no"}, "judge":
"who judged"}) and adds the judged numbers to labels.md.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "evaluation"))

from civicai.embed import get_embedder  # noqa: E402
from civicai.keywords import ctfidf_keywords  # noqa: E402
from civicai.paths import sample_dir, shared_data_dir  # noqa: E402
from civicai.summarise import mmr_select, quote_eligibility, theme_text  # noqa: E402
from civicai.summarise.title import majority_language, title_themes  # noqa: E402

RESULTS = ROOT / "evaluation" / "results"
AUSTRIA = ["austria-climate.2vkxcncppn.2022-07-07", "austria-climate.5twd2jsnkf.2022-08-08",
           "austria-climate.5tzfrp5eaa.2022-07-07", "austria-climate.7z7ejpbmv5.2022-08-08",
           "austria-climate.9xnndurbfm.2022-07-07"]
POLIS_EN_A = ["15-per-hour-seattle", "canadian-electoral-reform", "london.youth.policing", "scoop-hivemind.ubi",
              "scoop-hivemind.freshwater", "bg2050-volunteers"]
POLIS_EN_B = ["scoop-hivemind.affordable-housing", "scoop-hivemind.biodiversity", "scoop-hivemind.taxes",
              "brexit-consensus", "american-assembly.bowling-green", "football-concussions"]
MIN_MEMBERS = 5
N_QUOTES = 5
SEED = 15


def _redact(texts: list[str]) -> list[str]:
    """Pattern-only redaction before anything is embedded or quoted (Polis comments are public, but still)."""
    from civicai.privacy.redactor import Redactor

    return [r.text for r in Redactor(use_ner=False).redact_many(texts)]


def _languages(texts: list[str]) -> list[str]:
    from civicai.text.language import detect_many

    return [g.code for g in detect_many(texts)]


def polis_set(names: list[str]) -> dict | None:
    texts, primary, gold = [], [], []
    for t, name in enumerate(names):
        folder = shared_data_dir() / "polis" / name
        if not folder.is_dir():
            return None
        with (folder / "summary.csv").open(encoding="utf-8", newline="") as handle:
            topic = next((row[1] for row in csv.reader(handle) if row and row[0] == "topic"), name)
        gold.append(topic)
        with (folder / "comments.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                body = (row.get("comment-body") or "").strip()
                if row.get("moderated") == "1" and body:
                    texts.append(body)
                    primary.append(t)
    texts = _redact(texts)
    return {"texts": texts, "primary": primary, "gold": gold, "languages": _languages(texts)}


def sample_set() -> dict:
    folder = sample_dir()
    themes = json.loads((folder / "themes.json").read_text(encoding="utf-8"))
    index = {t["id"]: i for i, t in enumerate(themes)}
    gold = {r["id"]: r["theme"] for r in csv.DictReader((folder / "gold.csv").open(encoding="utf-8"))}
    rows = [r for r in csv.DictReader((folder / "consultation.csv").open(encoding="utf-8")) if gold.get(r["id"]) in index]
    texts = _redact([r["text"] for r in rows])
    return {"texts": texts, "primary": [index[gold[r["id"]]] for r in rows], "languages": [r["language"] for r in rows],
            "gold": [f"{t['label']} ({t['description']})" for t in themes]}


def gambling_set(part: str) -> dict | None:
    root = shared_data_dir() / "consultations" / "themefinder-gambling_XS"
    if not root.is_dir():
        return None
    gold_dir = root / "outputs" / "mapping" / "2025-07-22" / part
    raw = json.loads((gold_dir / "themes.json").read_text(encoding="utf-8"))
    mapping = {}
    for line in (gold_dir / "mapping.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            mapping[record["response_id"]] = record["labels"]
    responses = [json.loads(x) for x in (root / "inputs" / part / "responses.jsonl").read_text().splitlines() if x.strip()]
    ids = [t["topic_id"] for t in raw]
    size = {i: sum(i in labels for labels in mapping.values()) for i in ids}
    kept = [i for i in ids if size[i] >= MIN_MEMBERS]
    texts, primary = [], []
    for r in responses:  # a response with several gold themes is a member of each (one row per theme)
        for label in mapping.get(r["response_id"], []):
            if label in kept:
                texts.append(r["response"])
                primary.append(kept.index(label))
    texts = _redact(texts)
    names = {t["topic_id"]: f"{t.get('topic_label', t.get('label', ''))}: {t.get('topic_description', '')}".strip(": ")
             for t in raw}
    return {"texts": texts, "primary": primary, "languages": ["en"] * len(texts), "gold": [names[i] for i in kept]}


def label_set(data: dict, embedder) -> list[dict]:  # type: ignore[no-untyped-def]
    texts, languages = data["texts"], data["languages"]
    primary = np.asarray(data["primary"])
    k = len(data["gold"])
    vectors = embedder.encode(texts)
    centroids = np.stack([vectors[primary == t].mean(axis=0) for t in range(k)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    keywords = ctfidf_keywords(texts, primary, k, languages)
    eligible = quote_eligibility(texts)
    quotes, quote_ids = [], []
    for t in range(k):
        local = np.nonzero(primary == t)[0]
        picks = mmr_select(vectors[local], centroids[t], k=N_QUOTES, eligible=eligible[local],
                           groups=[languages[i] for i in local])
        quote_ids.append([int(local[p]) for p in picks])
        quotes.append([texts[int(local[p])] for p in picks])
    language = majority_language(languages)
    new = title_themes(texts, languages, primary, k, centroids, embedder, language, quotes=quotes,
                       fallback_keywords=keywords)
    rows = []
    for t in range(k):
        local = np.nonzero(primary == t)[0]
        old = theme_text(keywords[t], quotes[t], [texts[i] for i in local], vectors[local], centroids[t],
                         len(local), len(local))
        rows.append({"theme": t, "gold": data["gold"][t], "size": int(len(local)), "label_language": language,
                     "old": old.label, "old_source": old.label_source, "new": new[t].title,
                     "new_source": new[t].source, "new_summary": new[t].summary, "quotes": quotes[t]})
    return rows


def identification(rows: list[dict], embedder, system: str) -> float:  # type: ignore[no-untyped-def]
    """Share of labels whose closest gold name (USE cosine, among the set's) is their own theme's."""
    labels = embedder.encode([r[system] for r in rows])
    golds = embedder.encode([r["gold"] for r in rows])
    return float(np.mean(np.argmax(labels @ golds.T, axis=1) == np.arange(len(rows))))


def prepare() -> None:
    embedder = get_embedder("use")
    loaders = {"sample": sample_set, "austria_de": lambda: polis_set(AUSTRIA),
               "polis_en_a": lambda: polis_set(POLIS_EN_A), "polis_en_b": lambda: polis_set(POLIS_EN_B),
               "gambling_q1": lambda: gambling_set("question_part_1"),
               "gambling_q2": lambda: gambling_set("question_part_2")}
    sets, skipped = {}, []
    for name, load in loaders.items():
        start = time.perf_counter()
        data = load()
        if data is None:
            skipped.append(name)
            print(f"{name}: data not found under {shared_data_dir()}, skipped")
            continue
        rows = label_set(data, embedder)
        sets[name] = {"rows": rows, "identified": {s: identification(rows, embedder, s) for s in ("old", "new")},
                      "seconds": round(time.perf_counter() - start, 1)}
        print(name, sets[name]["identified"], sets[name]["seconds"], "s")
    write_blind(sets)
    result = {"sets": sets, "skipped": skipped, "embedder": "use-multilingual-v3",
              "development_set": "sample (the new labeller's weights were chosen looking at it)"}
    (RESULTS / "labels.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    write_markdown(result, None)


def write_blind(sets: dict) -> None:
    """The judge's file: three tasks, ids only, systems hidden, A/B order and item order random (seeded)."""
    rng = random.Random(SEED)
    pairs, gold, understood, key = [], [], [], {"pairs": {}, "gold": {}, "understood": {}}
    for name, data in sets.items():
        for row in data["rows"]:
            where = {"set": name, "theme": row["theme"]}
            swap = rng.random() < 0.5
            a, b = ("new", "old") if swap else ("old", "new")
            pid = f"p{rng.randrange(10**6):06d}"
            pairs.append({"id": pid, "quotes": row["quotes"], "A": row[a], "B": row[b]})
            key["pairs"][pid] = {**where, "A": a, "B": b}
            for system in ("old", "new"):
                gid, uid = f"g{rng.randrange(10**6):06d}", f"u{rng.randrange(10**6):06d}"
                gold.append({"id": gid, "reference": row["gold"], "label": row[system]})
                understood.append({"id": uid, "label": row[system]})
                key["gold"][gid] = {**where, "system": system}
                key["understood"][uid] = {**where, "system": system}
    for items in (pairs, gold, understood):
        rng.shuffle(items)
    lines = ["# Theme labels: blind judgement", "",
             "You judge short titles that a tool gave to groups of citizens' consultation comments. You are not told "
             "how any title was made. Answer in a JSON file shaped like "
             '`{"judge": "who you are", "pairs": {"p123456": "A"}, "gold": {"g123456": "yes"}, "understood": '
             '{"u123456": "no"}}` with one answer per id below.', "",
             "## Task 1: pairs", "",
             "For each group: read its comments, then answer which title (A or B) better tells a city officer what "
             "this group of comments is about: `A`, `B` or `tie`.", ""]
    for item in pairs:
        lines += [f"### {item['id']}", ""]
        lines += [f"> {q.replace(chr(10), ' ')[:400]}" + "\n" for q in item["quotes"]]
        lines += [f"- **A**: {item['A']}", f"- **B**: {item['B']}", ""]
    lines += ["## Task 2: same topic as the reference?", "",
              "Each title was given to a group whose true topic is the reference. Does the title name that topic? "
              "`yes`, `partly` (a real part or aspect of it) or `no`.", "",
              "| id | reference | title |", "| --- | --- | --- |"]
    lines += [f"| {g['id']} | {g['reference']} | {g['label']} |" for g in gold]
    lines += ["", "## Task 3: understood without quotes?", "",
              "Would a city officer understand what a theme with this title is about, without reading any of its "
              "comments? `yes` or `no`.", "", "| id | title |", "| --- | --- |"]
    lines += [f"| {u['id']} | {u['label']} |" for u in understood]
    (RESULTS / "labels_blind.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (RESULTS / "labels_blind_key.json").write_text(json.dumps(key, indent=1), encoding="utf-8")


def judged(key: dict, verdicts: dict) -> dict:
    """Win rate of the new labels (ties count half) and per-system 'same topic' and 'understood' shares."""
    out: dict = {"judge": verdicts.get("judge", "unknown"), "per_set": {}}

    def bucket(name: str) -> dict:
        return out["per_set"].setdefault(name, {"pairs": [], "gold": {"old": [], "new": []},
                                                "understood": {"old": [], "new": []}})

    for pid, answer in verdicts.get("pairs", {}).items():
        if pid in key["pairs"]:
            k = key["pairs"][pid]
            winner = k.get(str(answer).upper()) if str(answer).lower() != "tie" else "tie"
            bucket(k["set"])["pairs"].append(1.0 if winner == "new" else 0.5 if winner == "tie" else 0.0)
    for gid, answer in verdicts.get("gold", {}).items():
        if gid in key["gold"]:
            k = key["gold"][gid]
            bucket(k["set"])["gold"][k["system"]].append({"yes": 1.0, "partly": 0.5}.get(str(answer).lower(), 0.0))
    for uid, answer in verdicts.get("understood", {}).items():
        if uid in key["understood"]:
            k = key["understood"][uid]
            bucket(k["set"])["understood"][k["system"]].append(1.0 if str(answer).lower() == "yes" else 0.0)
    for name, b in out["per_set"].items():
        out["per_set"][name] = {
            "new_win_rate": round(float(np.mean(b["pairs"])), 3) if b["pairs"] else None, "pairs": len(b["pairs"]),
            **{f"gold_{s}": round(float(np.mean(b["gold"][s])), 3) if b["gold"][s] else None for s in ("old", "new")},
            **{f"understood_{s}": round(float(np.mean(b["understood"][s])), 3) if b["understood"][s] else None
               for s in ("old", "new")}}
    return out


def score() -> None:
    path = RESULTS / "labels_verdicts.json"
    if not path.is_file():
        sys.exit(f"{path} not found: give {RESULTS / 'labels_blind.md'} (and nothing else) to a judge first")
    key = json.loads((RESULTS / "labels_blind_key.json").read_text(encoding="utf-8"))
    result = json.loads((RESULTS / "labels.json").read_text(encoding="utf-8"))
    result["judged"] = judged(key, json.loads(path.read_text(encoding="utf-8")))
    (RESULTS / "labels.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    write_markdown(result, result["judged"])


def write_markdown(result: dict, verdicts: dict | None) -> None:
    lines = ["# Theme labels: old vs new", "",
             "`.venv/bin/python evaluation/labels.py prepare` (then `score` after a blind judge). Themes are the gold "
             "groups of each set, so only the labelling differs. Old = the labeller before issue 15 (most central "
             "short submission, else top c-TF-IDF keywords); new = `civicai.summarise.title` (members' own noun "
             "phrases in the set's majority language, scored by coverage x specificity x centrality, MMR). The "
             "sample is the development set (the new labeller's weights were chosen looking at it). No weight was "
             "changed after seeing the Polis and gambling_XS labels; two later changes (the title's second phrase "
             "must add a word; the summary's example quotes shared between languages) came from the sample and "
             "the bias audit, after a first run whose Polis and gambling_XS output had been seen.", "",
             "Automatic check (not a judge): a label 'identifies' its theme when, among the set's gold names, the "
             "closest to it (USE cosine, cross-lingual) is its own theme's.", "",
             "| set | themes | label language | identified: old | identified: new |", "| --- | ---: | --- | ---: | ---: |"]
    for name, data in result["sets"].items():
        rows = data["rows"]
        lines.append(f"| {name} | {len(rows)} | {rows[0]['label_language'] if rows else ''} | "
                     f"{data['identified']['old']:.2f} | {data['identified']['new']:.2f} |")
    if verdicts:
        lines += ["", f"## Blind judgement (judge: {verdicts['judge']})", "",
                  "| set | pairs | new wins (ties half) | same topic as gold: old | new | understood without quotes: "
                  "old | new |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for name, v in verdicts["per_set"].items():
            lines.append(f"| {name} | {v['pairs']} | {v['new_win_rate']} | {v['gold_old']} | {v['gold_new']} | "
                         f"{v['understood_old']} | {v['understood_new']} |")
    else:
        lines += ["", "Blind judgement: not yet done. `labels_blind.md` is the judge's file (ids, quotes and labels, "
                  "systems hidden, A/B order random); `labels_blind_key.json` must not be shown to the judge."]
    lines += ["", "## Labels", ""]
    for name, data in result["sets"].items():
        lines += [f"### {name}", "", "| gold | size | old | new | new summary |", "| --- | ---: | --- | --- | --- |"]
        for r in data["rows"]:
            cell = r["new_summary"].replace("|", "/").replace("\n", " ")
            lines.append(f"| {r['gold'][:60]} | {r['size']} | {r['old'][:80]} | {r['new']} | {cell[:300]} |")
        lines.append("")
    if result.get("skipped"):
        lines.append(f"Skipped (data not found): {', '.join(result['skipped'])}.")
    (RESULTS / "labels.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=["prepare", "score", "render"])
    args = parser.parse_args()
    if args.step == "render":  # rewrite labels.md from labels.json (wording changes only)
        result = json.loads((RESULTS / "labels.json").read_text(encoding="utf-8"))
        write_markdown(result, result.get("judged"))
        return
    prepare() if args.step == "prepare" else score()


if __name__ == "__main__":
    main()
