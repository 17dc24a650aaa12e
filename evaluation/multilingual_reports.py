"""German and French: analyse the five Austrian climate-council Polis conversations (German, mixed into
one consultation) and the shipped Rivermouth sample (French, English, Dutch, German); list each theme's
label, keywords and first quote, and screenshot the HTML report with headless chromium.

    .venv/bin/python evaluation/multilingual_reports.py [--skip-austria] [--skip-sample]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from civicai.paths import sample_dir, shared_data_dir  # noqa: E402
from civicai.pipeline import AnalyseOptions, run_analysis  # noqa: E402

RESULTS = ROOT / "evaluation" / "results"
WORK = Path(os.environ.get("CIVICAI_EVAL_CACHE", "/tmp/civicai-eval-cache")) / "multilingual"


def austria_csv() -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "austria_climate.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "text", "conversation"])
        for folder in sorted((shared_data_dir() / "polis").glob("austria-climate.*")):
            with (folder / "comments.csv").open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    if row.get("moderated") == "1" and (row.get("comment-body") or "").strip():
                        writer.writerow([f"{folder.name.split('.')[1]}-{row['comment-id']}", row["comment-body"],
                                         folder.name.split(".")[1]])
    return path


def screenshot(report: Path, png: Path) -> bool:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return False
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={png}",
                    "--window-size=1280,2400", report.resolve().as_uri()], capture_output=True, timeout=300)
    return png.is_file()


def analyse(name: str, source: Path, groups: tuple[str, ...]) -> list[str]:
    out = WORK / name
    result = run_analysis(AnalyseOptions(input_path=source, out_dir=out, group_columns=groups, store=False))
    themes = [t for t in result.themes if t["level"] == "theme"]
    c = result.counts
    lines = [f"## {name}", "", f"{c['submissions']} submissions ({c['distinct']} distinct), languages "
             f"{c['languages']}, {c['themes']} themes, unassigned {100 * c['unassigned_rate']:.1f}% "
             f"({c['unassigned']}).", "", "| theme | size | label | keywords | first quote |",
             "| --- | --- | --- | --- | --- |"]
    for t in sorted(themes, key=lambda t: -t["size"])[:15]:
        quote = t["quotes"][0]["text"].replace("\n", " ").replace("|", "/")[:160] if t["quotes"] else ""
        lines.append(f"| {t['id']} | {t['size']} | {t['label'].replace('|', '/')} | "
                     f"{', '.join(t['keywords'][:5])} | {quote} |")
    png = RESULTS / f"report_{name}.png"
    if screenshot(out / "report.html", png):
        lines += ["", f"Screenshot of the report: `evaluation/results/{png.name}`."]
    (RESULTS / f"report_{name}.themes.json").write_text(json.dumps(result.themes, ensure_ascii=False, indent=1),
                                                         encoding="utf-8")
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-austria", action="store_true")
    parser.add_argument("--skip-sample", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    lines = ["# Multilingual analysis: German (Austrian climate council) and the multilingual sample", ""]
    if not args.skip_sample:
        lines += analyse("rivermouth_sample", sample_dir() / "consultation.csv", ("district", "age_band"))
    if not args.skip_austria:
        lines += analyse("austria_climate", austria_csv(), ("conversation",))
    (RESULTS / "multilingual_reports.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
