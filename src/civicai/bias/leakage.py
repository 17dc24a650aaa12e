"""PII leakage: scan every output of the run (and the audit's own report) for what the redactor missed.

Uses civicai.privacy.scan_for_pii (patterns and name cues, no NER: fast, and the check is independent of
the NER pass the pipeline used). Leaks are reported by file, place and kind, with the value itself
masked: a leak report must not leak.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup

MAX_LISTED = 50
CONTEXT = 30


@dataclass
class LeakageResult:
    files_scanned: list[str] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # file -> kind -> count
    leaks: list[dict[str, Any]] = field(default_factory=list)  # first MAX_LISTED, values masked
    total: int = 0
    skipped: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _masked_context(text: str, start: int, end: int, kind: str) -> str:
    before = text[max(0, start - CONTEXT):start]
    after = text[end:end + CONTEXT]
    return f"…{before}[{kind}?]{after}…".replace("\n", " ")


class LeakScanner:
    def __init__(self) -> None:
        from civicai.privacy import scan_for_pii

        self._scan = scan_for_pii
        self.result = LeakageResult()

    def scan_text(self, file: str, where: str, text: str) -> None:
        if not text or not text.strip():
            return
        for hit in self._scan(text):
            self.result.total += 1
            per_file = self.result.counts.setdefault(file, {})
            per_file[hit.kind] = per_file.get(hit.kind, 0) + 1
            if len(self.result.leaks) < MAX_LISTED:
                self.result.leaks.append({"file": file, "where": where, "kind": hit.kind,
                                          "context": _masked_context(text, hit.start, hit.end, hit.kind)})

    def scan_themes(self, path: Path) -> None:
        themes = json.loads(path.read_text(encoding="utf-8"))
        themes = themes.get("themes", []) if isinstance(themes, dict) else themes
        for theme in themes:
            tid = theme.get("id")
            self.scan_text(path.name, f"theme {tid} label", str(theme.get("label", "")))
            self.scan_text(path.name, f"theme {tid} summary", str(theme.get("summary", "")))
            self.scan_text(path.name, f"theme {tid} keywords", ", ".join(map(str, theme.get("keywords") or [])))
            for quote in theme.get("quotes") or []:
                self.scan_text(path.name, f"theme {tid} quote of {quote.get('submission_id')}",
                               str(quote.get("text", "")))

    def scan_csv(self, path: Path, skip_columns: tuple[str, ...] = ()) -> None:
        """Each distinct value of each free-text column once (group columns repeat: 10k rows, a few values)."""
        import pandas as pd

        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for column in (c for c in frame.columns if c not in skip_columns):
            values = frame[column]
            first_row = {v: i + 2 for i, v in reversed(list(enumerate(values)))}
            for value, row in first_row.items():
                self.scan_text(path.name, f"column {column}, row {row}", value)

    def scan_html(self, path: Path) -> None:
        soup = BeautifulSoup(path.read_text(encoding="utf-8", errors="replace"), "html.parser")
        for tag in soup(["script", "style"]):
            tag.decompose()
        for tag in soup.select("[data-no-scan]"):  # model cards and manifests: public reference text, not data
            tag.decompose()
        for number, block in enumerate(soup.get_text("\n").split("\n"), start=1):
            self.scan_text(path.name, f"text line {number}", block)

    def scan_file(self, path: Path) -> None:
        if not path.is_file():
            return
        self.result.files_scanned.append(path.name)
        if path.name == "themes.json":
            self.scan_themes(path)
        elif path.suffix == ".csv":
            # ids, reasons and numeric columns hold no free text; the rest (group columns, messages) is scanned
            self.scan_csv(path, skip_columns=("submission_id", "primary_theme", "themes", "duplicate_of",
                                              "campaign_id", "pii_redactions", "row", "id"))
        elif path.suffix in (".html", ".htm"):
            self.scan_html(path)
        elif path.suffix == ".json":
            self.scan_text(path.name, "whole file", path.read_text(encoding="utf-8", errors="replace"))


def scan_outputs(run_dir: Path, extra_files: list[Path] = ()) -> LeakageResult:
    scanner = LeakScanner()
    for name in ("themes.json", "assignments.csv", "rejected.csv", "report.html"):
        scanner.scan_file(run_dir / name)
    for path in extra_files:
        scanner.scan_file(path)
    return scanner.result


def kind_totals(result: LeakageResult) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for per_file in result.counts.values():
        totals.update(per_file)
    return dict(totals)
