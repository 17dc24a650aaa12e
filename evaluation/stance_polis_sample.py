"""Draw the hand-checked Polis stance set's comments (issue 15): ids only, stratified by conversation and by the
crowd's vote on each comment (more agrees than disagrees, or not), so views the crowd rejected are not rare.

    .venv/bin/python evaluation/stance_polis_sample.py   # writes evaluation/data/stance_polis_labels.csv, label empty

The comment texts stay in ../shared/data/polis; the labels were then filled in by hand (the file's header says
by whom and how). Re-running draws the same ids (seed 15) and refuses to overwrite a labelled file.
"""
from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from civicai.paths import shared_data_dir  # noqa: E402

POLIS = shared_data_dir() / "polis"
OUT = ROOT / "evaluation" / "data" / "stance_polis_labels.csv"
SEED = 15

# conversation -> (language, how many to draw, the statement each comment's position is judged against)
CONVERSATIONS: dict[str, tuple[str, int, str]] = {
    "15-per-hour-seattle": ("en", 40, "Seattle's new $15/hour minimum wage law will be good for Seattle."),
    "scoop-hivemind.ubi": ("en", 50, "New Zealand (Aotearoa) should introduce a universal basic income."),
    "canadian-electoral-reform": ("en", 60, "Canada should replace its first-past-the-post voting system with a "
                                            "different electoral system."),
    "austria-climate.2vkxcncppn.2022-07-07": ("de", 20, "Österreich soll im Bereich Energie entschlossene "
                                                        "Klimaschutzmaßnahmen setzen, um klimaneutral zu werden."),
    "austria-climate.5twd2jsnkf.2022-08-08": ("de", 20, "Österreich soll im Bereich Produktion und Konsum "
                                                        "entschlossene Klimaschutzmaßnahmen setzen, um bis 2040 "
                                                        "klimaneutral zu werden."),
    "austria-climate.5tzfrp5eaa.2022-07-07": ("de", 20, "Österreich soll im Bereich Mobilität entschlossene "
                                                        "Klimaschutzmaßnahmen setzen, um bis 2040 klimaneutral zu "
                                                        "werden."),
    "austria-climate.7z7ejpbmv5.2022-08-08": ("de", 20, "Österreich soll im Bereich Wohnen entschlossene "
                                                        "Klimaschutzmaßnahmen setzen, um bis 2040 klimaneutral zu "
                                                        "werden."),
    "austria-climate.9xnndurbfm.2022-07-07": ("de", 20, "Österreich soll im Bereich Ernährung und Landnutzung "
                                                        "entschlossene Klimaschutzmaßnahmen setzen, um klimaneutral "
                                                        "zu werden."),
}


def comments(conversation: str) -> list[dict[str, str]]:
    path = POLIS / conversation / "comments.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["comment-body"].strip()]


def draw() -> list[dict[str, str]]:
    rng = random.Random(SEED)
    out = []
    for conversation, (language, n, statement) in CONVERSATIONS.items():
        rows = comments(conversation)
        agreed = [r for r in rows if int(r["agrees"] or 0) >= int(r["disagrees"] or 0)]
        rejected = [r for r in rows if int(r["agrees"] or 0) < int(r["disagrees"] or 0)]
        rng.shuffle(agreed)
        rng.shuffle(rejected)
        take_rejected = min(len(rejected), n // 2)
        chosen = rejected[:take_rejected] + agreed[: n - take_rejected]
        for r in sorted(chosen, key=lambda r: int(r["comment-id"])):
            out.append({"conversation": conversation, "comment_id": r["comment-id"], "language": language,
                        "stratum": "crowd_disagreed" if r in rejected else "crowd_agreed", "statement": statement})
    return out


def main() -> None:
    if not POLIS.is_dir():
        sys.exit(f"{POLIS} is absent: the Polis exports are needed to draw the set")
    if OUT.is_file():
        sys.exit(f"{OUT} exists (it holds hand labels): move it away to draw again")
    rows = [{**r, "label": ""} for r in draw()]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} ids -> {OUT}")


if __name__ == "__main__":
    main()
