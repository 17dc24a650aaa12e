"""`--themes THEMES.json`: a given theme set (e.g. edited by staff) to map submissions onto.

Accepted shapes (one list of themes, or a dict of lists keyed by question text for multi-question files):
    [{"id": "A", "label": "...", "description": "...", "keywords": ["..."], "examples": ["..."]}, ...]
ThemeFinder's themes.json (topic_id, topic_label, topic_description) is read as is.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civicai.errors import InputError

# Catch-all themes (ThemeFinder adds "None of the Above" and "No Reason Given" to every theme set): they are
# not topics to match by similarity but where submissions go that fit no theme / give no answer.
_OTHER = re.compile(r"^(none of the above|other|others|other topics?|something else|not covered)$|"
                    r"only use this if no other theme applies|not covered by the (listed|other) themes", re.I)
_NO_ANSWER = re.compile(r"^(no reason given|no answer|no response|no substantive answer|blank)$|"
                        r"does not provide a substantive answer", re.I)


@dataclass
class GivenTheme:
    id: str
    label: str
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def anchor_texts(self) -> list[str]:
        """Texts embedded to stand for the theme: label + description (+ keywords), and each example."""
        head = self.label if not self.description else f"{self.label}: {self.description}"
        if self.keywords:
            head = f"{head} ({', '.join(self.keywords)})"
        return [head, *self.examples]

    @property
    def fallback_kind(self) -> str:
        """'other' for a "None of the above" theme, 'no_answer' for "No reason given", '' for a real theme."""
        for text in (self.label.strip(), self.description):
            if _NO_ANSWER.search(text):
                return "no_answer"
            if _OTHER.search(text):
                return "other"
        return ""


def _theme(raw: Any, position: int, source: Path) -> GivenTheme:
    where = f"{source.name}, theme #{position + 1}"
    if not isinstance(raw, dict):
        raise InputError(f"{where} is a {type(raw).__name__}, not an object",
                         'write each theme as {"label": "...", "description": "..."}')
    label = raw.get("label") or raw.get("topic_label") or raw.get("name")
    if not isinstance(label, str) or not label.strip():
        raise InputError(f"{where} has no label", 'give every theme a "label" (text)')
    theme_id = str(raw.get("id") or raw.get("topic_id") or f"T{position + 1}")
    description = raw.get("description") or raw.get("topic_description") or ""
    keywords = raw.get("keywords") or []
    examples = raw.get("examples") or raw.get("quotes") or []
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise InputError(f"{where}: 'keywords' must be a list of strings", 'e.g. "keywords": ["buses", "fares"]')
    if not isinstance(examples, list):
        raise InputError(f"{where}: 'examples' must be a list", 'e.g. "examples": ["More buses at night"]')
    examples = [e["text"] if isinstance(e, dict) and "text" in e else str(e) for e in examples]
    return GivenTheme(theme_id, label.strip(), str(description).strip(), keywords, [e for e in examples if e.strip()])


def _theme_list(raw: Any, source: Path) -> list[GivenTheme]:
    if isinstance(raw, dict) and "themes" in raw:
        raw = raw["themes"]
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{source} holds no list of themes", "write a JSON list of theme objects")
    themes = [_theme(item, i, source) for i, item in enumerate(raw)]
    ids = [t.id for t in themes]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise InputError(f"{source}: theme id(s) {', '.join(repeated)} used more than once", "give each theme its own id")
    return themes


def load_themes(path: Path) -> dict[str | None, list[GivenTheme]]:
    """{None: themes} for one theme set, or {question text: themes} for a per-question file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"themes file {path} does not exist", "pass --themes path/to/THEMES.json")
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"themes file {path} is not valid JSON: {exc}", "fix the file (UTF-8 JSON)") from exc
    if isinstance(raw, dict) and "themes" not in raw:
        return {str(q): _theme_list(v, path) for q, v in raw.items()}
    return {None: _theme_list(raw, path)}


def themes_for_question(themes: dict[str | None, list[GivenTheme]], question: str | None) -> list[GivenTheme]:
    if None in themes:
        return themes[None]
    if question in themes:
        return themes[question]
    raise InputError(f"the themes file has no theme set for question {question!r}",
                     f"its questions are: {', '.join(map(repr, themes))}")
