"""Known export layouts recognised without flags: Polis conversations and ThemeFinder consultations."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from civicai.ingest.columns import normalise_name

POLIS_COLUMNS = {"commentid", "commentbody", "authorid", "moderated"}
THEMEFINDER_COLUMNS = {"responseid", "response"}


def is_polis(columns: list[str]) -> bool:
    return {normalise_name(c) for c in columns} >= POLIS_COLUMNS


def is_themefinder(columns: list[str]) -> bool:
    return {normalise_name(c) for c in columns} >= THEMEFINDER_COLUMNS


def polis_opinion_groups(comments_csv: Path) -> dict[str, str]:
    """participant id -> Polis opinion group, from participants-votes.csv beside comments.csv (if present).
    Streams the file and reads only its first two columns: some exports are hundreds of MB."""
    votes = comments_csv.with_name("participants-votes.csv")
    if not votes.is_file():
        return {}
    groups: dict[str, str] = {}
    with votes.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        header = [normalise_name(c) for c in next(reader, [])]
        if "participant" not in header or "groupid" not in header:
            return {}
        who, group = header.index("participant"), header.index("groupid")
        for cells in reader:
            if len(cells) > max(who, group) and cells[group].strip():
                groups[cells[who].strip()] = cells[group].strip()
    return groups


@dataclass(frozen=True)
class QuestionPart:
    """One question of a ThemeFinder consultation: its responses file and question text (if known)."""

    key: str  # folder name, e.g. question_part_1
    responses: Path
    question: str | None


def themefinder_parts(path: Path) -> list[QuestionPart] | None:
    """The question parts under a ThemeFinder folder (dataset root, inputs/, or one question_part_N/), or
    for a single responses.jsonl; None if `path` is not laid out that way."""
    if path.is_file():
        return [_part(path.parent)] if path.name == "responses.jsonl" else None
    if (path / "inputs").is_dir():
        path = path / "inputs"
    if (path / "responses.jsonl").is_file():
        return [_part(path)]
    parts = sorted((p for p in path.glob("*/responses.jsonl")), key=lambda p: _natural_key(p.parent.name))
    return [_part(p.parent) for p in parts] or None


def _natural_key(name: str) -> tuple:
    import re

    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


def _part(folder: Path) -> QuestionPart:
    question = None
    for name in ("question.json", "question.txt"):
        file = folder / name
        if file.is_file():
            raw = file.read_text(encoding="utf-8", errors="replace")
            if name.endswith(".json"):
                try:
                    data = json.loads(raw)
                    question = data.get("question_text") or data.get("question") if isinstance(data, dict) else None
                except json.JSONDecodeError:
                    question = None
            else:
                question = raw.strip() or None
            break
    return QuestionPart(folder.name, folder / "responses.jsonl", question or folder.name)


def themefinder_respondents(responses: Path) -> dict[str, dict[str, str]]:
    """response_id -> demographic answers, from respondents.jsonl in the inputs folder (if present)."""
    for folder in (responses.parent, responses.parent.parent):
        file = folder / "respondents.jsonl"
        if file.is_file():
            break
    else:
        return {}
    people: dict[str, dict[str, str]] = {}
    with file.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict) and "response_id" in obj:
                demographics = obj.get("demographic_data") or {}
                if isinstance(demographics, dict):
                    people[str(obj["response_id"])] = {str(k): str(v) for k, v in demographics.items() if v is not None}
    return people
