"""Regenerate the shipped sample data (deterministic: same seed, same files).

    python scripts/make_sample_data.py            # writes src/civicai/data/sample/
    python scripts/make_sample_data.py --seed 7   # another draw, for experiments

Writes consultation.csv, consultation_small.csv, gold.csv, pii_gold.csv, planted.csv and
plan/ (the Rivermouth climate plan as Markdown and PDF, plus questions.jsonl).
See docs/sample-data.md for what is planted where.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample_data.writer import write_all

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src" / "civicai" / "data" / "sample"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=20250314, help="random seed (default: the shipped data's)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--no-pdf", action="store_true", help="skip the plan PDF (needs fpdf2 and DejaVu fonts)")
    args = parser.parse_args(argv)
    for line in write_all(args.out, seed=args.seed, pdf=not args.no_pdf):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
