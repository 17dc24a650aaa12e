"""Theme discovery at scale: how many submissions stay unassigned, and how well themes recover the source
conversation, when themes are discovered on a sample of a large run.

Sets are built as evaluation/analysis_speed.py builds its input (real Polis comments, 1-3 comments of one
conversation joined per submission), but from two DISJOINT groups of conversations:
- DEV conversations (the topic-recovery tuning pool + two Austrian climate-council conversations): every
  setting of the discovery (sample growth, second pass) is chosen here;
- HELD-OUT conversations (the topic-recovery reported mix + three other Austrian conversations): reported once.
Only distinct texts are clustered (as `civicai analyse` does); unassigned share and ARI are weighted by copies,
so they are shares of all submissions like run.json's unassigned_rate. Truth = source conversation;
unassigned submissions count as one extra cluster for ARI.

    .venv/bin/python evaluation/discovery_scale.py [--sets dev heldout] [--sizes 10000 100000] [--variants ...]
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

from civicai.paths import shared_data_dir  # noqa: E402

RESULTS = ROOT / "evaluation" / "results"
CACHE = Path(os.environ.get("CIVICAI_EVAL_CACHE", "/tmp/civicai-eval-cache")) / "discovery_scale"
DEV = ["scoop-hivemind.affordable-housing", "scoop-hivemind.biodiversity", "scoop-hivemind.taxes", "brexit-consensus",
       "ssis.land-bank-farmland.2rumnecbeh.2021-08-01", "march-on.operation-marchin-orders",
       "american-assembly.bowling-green", "football-concussions", "austria-climate.5tzfrp5eaa.2022-07-07",
       "austria-climate.7z7ejpbmv5.2022-08-08"]
HELDOUT = ["15-per-hour-seattle", "canadian-electoral-reform", "london.youth.policing", "scoop-hivemind.ubi",
           "scoop-hivemind.freshwater", "bg2050-volunteers", "austria-climate.2vkxcncppn.2022-07-07",
           "austria-climate.5twd2jsnkf.2022-08-08", "austria-climate.9xnndurbfm.2022-07-07"]
GROUPS = {"dev": DEV, "heldout": HELDOUT}


def conversations(names: list[str]) -> list[list[str]]:
    """Comments as analysis_speed.polis_pool reads them (not moderated out), one list per conversation."""
    pool = []
    for name in names:
        with (shared_data_dir() / "polis" / name / "comments.csv").open(encoding="utf-8", newline="") as handle:
            pool.append([r["comment-body"].strip() for r in csv.DictReader(handle)
                         if r.get("moderated") != "-1" and (r.get("comment-body") or "").strip()])
    return pool


def build(group: str, n: int, seed: int = 0) -> tuple[list[str], np.ndarray, np.ndarray]:
    """n submissions -> (distinct texts, their conversation, their number of copies). Copies and near-copies
    are folded by the pipeline's own dedup (civicai.dedup), as `civicai analyse` does before clustering."""
    from civicai.dedup import find_duplicates

    rng = random.Random(seed)
    pool = conversations(GROUPS[group])
    weights = [len(p) for p in pool]
    texts, source = [], []
    for _ in range(n):
        which = rng.choices(range(len(pool)), weights=weights)[0]
        texts.append(" ".join(rng.sample(pool[which], k=min(len(pool[which]), rng.choice([1, 2, 2, 3])))))
        source.append(which)
    duplicate_of = find_duplicates(texts).duplicate_of
    canonical = []
    for i in range(n):
        c = i
        while duplicate_of[c] is not None and duplicate_of[c] != c:
            c = duplicate_of[c]
        canonical.append(c)
    distinct = sorted(set(canonical))
    position = {c: k for k, c in enumerate(distinct)}
    copies = np.bincount([position[c] for c in canonical], minlength=len(distinct))
    return [texts[c] for c in distinct], np.array([source[c] for c in distinct]), copies


def load(group: str, n: int) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    texts, truth, copies = build(group, n)
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"use-{group}-{n}-{len(texts)}.npy"
    if path.is_file():
        return texts, truth, copies, np.load(path)
    from civicai.embed import get_embedder

    vectors = get_embedder("use").encode(texts, batch_size=256)
    np.save(path, vectors)
    return texts, truth, copies, vectors


def growing_sample(m: int, base: int = 5000) -> int:
    """The alternative the issue suggested: 5,000 up to 10k distinct, then growing with the square root."""
    return int(min(m, max(base, round(base * (m / 10_000) ** 0.5))))


def discover(embeddings: np.ndarray, texts: list[str], fit_sample: int, second: bool, seed: int = 0,
             carry: str = "predict", weights: np.ndarray | None = None) -> dict:
    """The pipeline's discovery stages (pipeline/analyse_question.py) on cached embeddings."""
    from civicai.cluster import AssignParams, ClusterParams, ReduceParams, assign, cluster_points, reduce_embeddings
    from civicai.cluster.extend import carry_over, extend_labels
    from civicai.cluster.leftovers import second_pass
    from civicai.cluster.sample import discovery_sample

    m = len(texts)
    start = time.perf_counter()
    if weights is None:  # uniform over distinct texts, the draw the pipeline made before issue 18
        sample = np.sort(np.random.default_rng(seed).choice(m, fit_sample, replace=False)) if m > fit_sample \
            else np.arange(m)
    else:
        sample = discovery_sample(weights, fit_sample, seed)
    reduce_params = ReduceParams(seed=seed)
    labels = np.full(m, -1, dtype=np.int64)
    coords = reduce_embeddings(embeddings[sample], reduce_params).coords
    clusters = cluster_points(coords, ClusterParams(), keep_model=sample.size < m)
    labels[sample] = clusters.labels
    if sample.size < m and carry == "density":  # the rule before issue 18: neighbour vote + density bar
        labels = extend_labels(embeddings, labels, sample)
    elif sample.size < m:  # HDBSCAN's approximate_predict at UMAP's placement of each outsider
        labels = carry_over(embeddings, labels, sample, coords, clusters)
    info: dict = {}
    if second and sample.size < m:
        passed = second_pass(embeddings, labels, texts, fit_sample, reduce_params, ClusterParams(), AssignParams(),
                             seed, weights=weights)
        labels = passed.labels
        info = {**passed.describe(), "details": passed.details}
    primary = assign(embeddings, labels, texts, AssignParams()).primary
    return {"primary": primary, "seconds": round(time.perf_counter() - start, 1), "second_pass": info,
            "fit_sample": int(sample.size)}


def measure(truth: np.ndarray, copies: np.ndarray, primary: np.ndarray) -> dict:
    """Shares of all submissions (copies count), ARI with unassigned as one extra cluster."""
    from sklearn.metrics import adjusted_rand_score

    t, p = np.repeat(truth, copies), np.repeat(primary, copies)
    assigned = p >= 0
    return {"unassigned": round(float(1 - assigned.mean()), 4), "ari": round(float(adjusted_rand_score(t, p)), 4),
            "ari_assigned_only": round(float(adjusted_rand_score(t[assigned], p[assigned])), 4),
            "themes": int(len(set(p[assigned].tolist())))}


VARIANTS = {  # name: (sample growing with the input, second pass, how outsiders are carried, sample by submissions)
    "before": (False, False, "density", False), "density+second": (False, True, "density", False),
    "growing+density": (True, False, "density", False), "predict": (False, False, "predict", False),
    "predict+second": (False, True, "predict", False), "growing+predict+second": (True, True, "predict", False),
    "weighted+predict": (False, False, "predict", True), "weighted+predict+second": (False, True, "predict", True)}


def run(group: str, n: int, variant: str, seed: int = 0) -> dict:
    texts, truth, copies, embeddings = load(group, n)
    grow, second, carry, weighted = VARIANTS[variant]
    fit_sample = growing_sample(len(texts)) if grow else 5000
    out = discover(embeddings, texts, fit_sample, second, seed, carry, copies.astype(float) if weighted else None)
    np.save(CACHE / f"primary-{group}-{n}-{variant}-{seed}.npy", out["primary"])
    row = {"set": group, "n": n, "distinct": len(texts), "variant": variant, "seed": seed,
           "fit_sample": out["fit_sample"], "seconds": out["seconds"], **measure(truth, copies, out["primary"]),
           "second_pass": out["second_pass"]}
    return row


DESCRIBE = {
    "before": "fixed 5,000 sample, outsiders by neighbour vote + density bar (cluster.extend_labels), no second pass",
    "density+second": "as before + second pass over the leftovers",
    "growing+density": "sample growing with sqrt(distinct), neighbour vote, no second pass",
    "predict": "fixed 5,000 sample, outsiders placed with approximate_predict (cluster.extend.carry_over)",
    "predict+second": "approximate_predict + second pass",
    "growing+predict+second": "sample growing with sqrt(distinct) + approximate_predict + second pass",
    "weighted+predict": "sample drawn by submissions (cluster.sample) + approximate_predict, no second pass",
    "weighted+predict+second": "sample drawn by submissions + approximate_predict + second pass (shipped default)",
}


def write_results(rows: list[dict]) -> None:
    """Merge these rows into results/discovery_scale.json (same set/size/variant/seed replaced) and rewrite the .md."""
    path = RESULTS / "discovery_scale.json"
    old = json.loads(path.read_text(encoding="utf-8"))["rows"] if path.is_file() else []
    keep = {(r["set"], r["n"], r["variant"], r["seed"]) for r in rows}
    rows = [r for r in old if (r["set"], r["n"], r["variant"], r["seed"]) not in keep] + rows
    rows.sort(key=lambda r: (r["set"] != "dev", r["n"], list(DESCRIBE).index(r["variant"]), r["seed"]))
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    path.write_text(json.dumps({"date": when, "dev": DEV, "heldout": HELDOUT, "rows": rows}, indent=2),
                    encoding="utf-8")
    lines = ["# Theme discovery at scale: unassigned share and topic recovery (evaluation/discovery_scale.py)", "",
             f"Updated {when}. Real Polis comments scaled up as `analysis_speed.py` does (1-3 comments of one "
             "conversation per submission), from two disjoint groups of conversations. DEV (every choice made "
             f"here): {', '.join(DEV)}. HELD-OUT (reported once, nothing chosen): {', '.join(HELDOUT)}. "
             "Copies and near-copies folded by civicai.dedup first; shares are of all submissions (as run.json's "
             "unassigned_rate); ARI vs the source conversation with unassigned as one extra cluster. Seconds are "
             "the discovery stages only (reduce, cluster, carry over, second pass, outliers) on a shared 2-core "
             "machine under load, so only rough.", "",
             "| set | submissions | distinct | variant | sample | unassigned | ARI | ARI (assigned) | themes | "
             "second pass: leftovers / clusters found / merged / new / dropped loose / joined | seconds |",
             "| --- " * 11 + "|"]
    for r in rows:
        sp = r["second_pass"]
        second = (f"{sp['leftovers']} / {sp['found']} / {sp['merged']} / {sp['new_themes']} / {sp['dropped_loose']}"
                  f" / {sp['joined']}" if sp else "-")
        lines.append(f"| {r['set']} | {r['n']:,} | {r['distinct']:,} | {r['variant']} (seed {r['seed']}) | "
                     f"{r['fit_sample']:,} | {100 * r['unassigned']:.1f}% | {r['ari']:.3f} | "
                     f"{r['ari_assigned_only']:.3f} | {r['themes']} | {second} | {r['seconds']} |")
    lines += ["", "Variants:", ""] + [f"- `{k}`: {v}" for k, v in DESCRIBE.items()]
    lines += ["", "How the design was reached (DEV only, 100k, seed 0 unless said; exploration runs of this script "
              "and one-off scripts, some with an earlier second pass whose smallest theme was 5% of the leftovers):", "",
              "- diagnosis of `before`: HDBSCAN calls 37% of the 5,000-text sample noise; the neighbour vote labels "
              "51% of the outsiders; unassigned after the closeness rule: 19% of sampled vs 31% of other submissions;",
              "- approximate_predict instead of the neighbour vote labels 66% of the outsiders: 21.6% unassigned, "
              "ARI 0.512 (before: 29.5%, 0.404);",
              "- + second pass (5% rule): 18.3%, ARI 0.526; three rounds of it: 17.1%; second pass with the old "
              "neighbour vote: 25.7%, 0.429;",
              "- sample growing with sqrt(distinct) (9,884 texts): 30.1% / 0.454 / 12 themes with the neighbour vote, "
              "20.0% / 0.569 / 12 themes with approximate_predict + second pass, at about twice the reduction time: "
              "not kept;",
              "- most unassigned submissions were copies: 4,185 distinct texts stand for 65% of the submissions and "
              "a uniform sample rarely looks at them; drawing the sample by submissions: 2.5% unassigned, ARI 0.900;",
              "- second pass smallest theme size on DEV 10k seed 1 (17.9% left after the first pass): first-pass "
              "size (100) 17.9%, 74: 16.4%, 50: 13.2%, but ARI on assigned 0.73 / 0.72 / 0.66 (leftover clusters "
              "merged into the wrong conversation's theme), and 5% of 187 leftovers on seed 0 made 3 themes of about "
              "10 texts: the first pass's size was kept."]
    (RESULTS / "discovery_scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["dev"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--save", default="", help="write rows to this JSON file instead of results/ (parallel runs)")
    parser.add_argument("--merge", nargs="+", default=[], help="merge --save files into results/ and stop")
    args = parser.parse_args()
    if args.merge:
        write_results([row for name in args.merge for row in json.loads(Path(name).read_text(encoding="utf-8"))])
        return
    rows = []
    for group in args.sets:
        for n in args.sizes:
            for variant in args.variants:
                for seed in args.seeds:
                    row = run(group, n, variant, seed)
                    print(json.dumps({k: v for k, v in row.items() if k != "second_pass"}),
                          json.dumps({k: v for k, v in row["second_pass"].items() if k != "details"}), flush=True)
                    rows.append(row)
                    if args.save:
                        Path(args.save).write_text(json.dumps(rows, indent=2), encoding="utf-8")
                    else:
                        write_results(rows)


if __name__ == "__main__" and sys.argv[1:2] == ["--embed-only"]:
    for g in sys.argv[2:]:
        group, n = g.split(":")
        t0 = time.time()
        texts, *_ = load(group, int(n))
        print(group, n, len(texts), round(time.time() - t0, 1), flush=True)
elif __name__ == "__main__":
    main()
