"""How much of a discovery run does a review re-map move, and is the move for the better? (the /staff review loop)

A user trial found that one review and a re-map moved 289 of the sample's 709 submissions: below 40 reviews
the learner started each theme's vector from the theme's words (label, summary, quotes: the zero-shot
mapping), not from where discovery had put its members, so the first re-map re-derived the whole mapping.
Since session 10, on a discovery run, `ReviewedMapper.fit(..., current=...)` starts each theme from its
members (a reviewed submission as it was before its review), never uses the ridge, and `predict` moves an
unreviewed submission only where the reviews change what the learner predicts.

Protocol: the shipped sample analysed as `civicai analyse` does (discovery, stored in a fresh SQLite database).
Each discovered theme stands for the gold theme most of its members carry (sample gold.csv). A simulated
reviewer opens N submissions (a seeded random order) and sets each to the discovered themes that stand for its
gold theme (none fits, when no theme does). Then `remap_run`, once per start:
- words: the run stored as a mapping run (`manifest.mode`), i.e. the learner's start before this change;
- members: the discovery run as it is (session 10: start from the members, move only what the reviews change).
Measured on the unreviewed submissions: how many moved, and how many carry a primary theme that stands for
their gold theme (before the re-map, and after). Nothing is chosen here: the anchor weight and the rule are the
learner's own (chosen on gambling_XS q1, evaluation/mapping_learners.py); this reports only.

    nice .venv/bin/python evaluation/remap_stability.py [--reviews 1 10 40] [--seed 0]
"""
from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sqlalchemy import select

RESULTS = Path(__file__).resolve().parent / "results"


def _state(session, run_id: int) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """external id -> theme keys (primary first) of the run's leaf themes."""
    from civicai.store.schema import Submission, Theme, ThemeMembership

    out: dict[str, list[tuple[bool, str]]] = {}
    rows = session.execute(select(Submission.external_id, Theme.key, ThemeMembership.is_primary)
                           .join(ThemeMembership, ThemeMembership.submission_id == Submission.id)
                           .join(Theme, Theme.id == ThemeMembership.theme_id)
                           .where(Theme.run_id == run_id, Theme.key.notlike("P%")))
    for external, key, primary in rows:
        out.setdefault(external, []).append((not primary, key))
    return {e: [k for _, k in sorted(v)] for e, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, nargs="+", default=[1, 10, 40, 80])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from civicai.paths import sample_dir
    from civicai.pipeline import AnalyseOptions, run_analysis
    from civicai.store.db import init_db, session_scope
    from civicai.store.schema import AnalysisRun, Submission
    from civicai.triage.reviews import remap_run, review_submission

    started = time.time()
    samples = sample_dir()
    gold = {r["id"]: r["theme"] for r in csv.DictReader((samples / "gold.csv").open(encoding="utf-8"))}
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.db"
        init_db(f"sqlite:///{base}")
        run = run_analysis(AnalyseOptions(input_path=samples / "consultation.csv", out_dir=Path(tmp) / "run",
                                          group_columns=("district", "age_band"), use_ner=False, store=True,
                                          database_url=f"sqlite:///{base}", progress=False, workers=1))
        run_id = int(run.manifest["database"]["run_id"])
        with session_scope(f"sqlite:///{base}") as session:
            before = _state(session, run_id)
            ids = {s.external_id: s.id for s in session.scalars(select(Submission).where(
                Submission.duplicate_of.is_(None)))}
        # each discovered theme stands for its members' majority gold theme
        members: dict[str, Counter] = {}
        for external, keys in before.items():
            if external in gold and keys:
                members.setdefault(keys[0], Counter())[gold[external]] += 1
        stands_for = {key: c.most_common(1)[0][0] for key, c in members.items()}
        shuffled = list(np.random.default_rng(args.seed).permutation(sorted(e for e in ids if e in gold)))
        misplaced = [e for e in shuffled if not (before.get(e) and stands_for.get(before[e][0]) == gold[e])]
        orders = {"random": shuffled,  # whoever opens what
                  "misplaced first": misplaced + [e for e in shuffled if e not in set(misplaced)]}  # corrections

        def right(state: dict[str, list[str]], externals: list[str]) -> float:
            return float(np.mean([bool(state.get(e)) and stands_for.get(state[e][0]) == gold[e] for e in externals]))

        for (order_name, order), n in ((o, n) for o in orders.items() for n in args.reviews):
            reviewed = order[:n]
            rest = [e for e in ids if e in gold and e not in set(reviewed)]
            for start in ("words", "members"):
                db = Path(tmp) / f"{start}-{n}.db"
                with sqlite3.connect(base) as source, sqlite3.connect(db) as target:
                    source.backup(target)  # the database may be in WAL mode: copy through SQLite, not the file
                url = f"sqlite:///{db}"
                with session_scope(url) as session:
                    analysis = session.get(AnalysisRun, run_id)
                    analysis.manifest = {**analysis.manifest, "mode": "discover" if start == "members" else "mapping"}
                    for external in reviewed:
                        keys = [k for k, g in stands_for.items() if g == gold[external]]
                        review_submission(session, run_id, ids[external], keys, actor="eval")
                with session_scope(url) as session:
                    result = remap_run(session, run_id, actor="eval")
                    after = _state(session, run_id)
                row = {"order": order_name, "reviews": n, "start": start, "unreviewed": len(rest), "moved": result.moved,
                       "moved_share": round(result.moved / len(rest), 3), "learner": result.learners,
                       "primary_right_before": round(right(before, rest), 3),
                       "primary_right_after": round(right(after, rest), 3),
                       "unassigned_after": sum(not after.get(e) for e in rest)}
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    RESULTS.mkdir(exist_ok=True)
    summary = {"seed": args.seed, "themes": len(stands_for), "misplaced_by_discovery": len(misplaced), "seconds": round(time.time() - started, 1), "rows": rows}
    (RESULTS / "remap_stability.json").write_text(json.dumps(summary, indent=1))
    lines = ["# Review re-map on a discovery run: what moves, and is it better", "",
             "The shipped sample analysed by discovery (stored), a simulated reviewer who sets N submissions to the "
             "discovered themes standing for their gold theme, then `remap_run`. 'words' = the learner before session 10 "
             "(theme vectors from the theme's words; the ridge from 40 reviews); 'members' = session 10 on a "
             "discovery run (start from the members, move only what the reviews change). "
             "Right = the primary theme stands for the gold theme (unreviewed submissions). "
             "Produced by `evaluation/remap_stability.py`; reporting only.", "",
             "| reviewer opens | reviews | start | moved of unreviewed | primary right before | after "
             "| left without a theme |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['order']} | {r['reviews']} | {r['start']} | {r['moved']} of {r['unreviewed']} ({r['moved_share']:.0%}) "
                     f"| {r['primary_right_before']:.3f} | {r['primary_right_after']:.3f} | {r['unassigned_after']} |")
    lines += ["", f"Total time {summary['seconds']:.0f} s."]
    (RESULTS / "remap_stability.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
