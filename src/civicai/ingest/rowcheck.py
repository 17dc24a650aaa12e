"""Per-row cleaning and checks: a bad row becomes a RejectedRow with a reason, never a failed run."""
from __future__ import annotations

import re
import unicodedata

from civicai.ingest.decode import REPLACEMENT

# Control characters (C0/C1, except tab and newlines), zero-width and bidi overrides (used to hide text).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*(\n\s*)+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
_TWO_LETTERS = re.compile(r"[^\W\d_].*?[^\W\d_]", re.DOTALL)
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn", "qwertzuiop",
                  "yxcvbnm", "1234567890")
_PLACEHOLDERS = {"n/a", "na", "nan", "none", "null", "nil", "-", "--", "---", "...", "tbd", "xxx", "test", "#n/a",
                 "#value!", "undefined", "nvt", "k.a.", "keine angabe", "sans objet", "s.o."}


def clean_text(value: str) -> str:
    """Unicode NFC, control/zero-width characters and NUL bytes removed, spaces collapsed, ends trimmed.
    Line breaks are kept (a paragraph break can carry meaning); runs of blank lines are shortened."""
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def junk_reason(text: str) -> str | None:
    """Why a non-empty text carries no words to analyse, or None if it does.

    Deliberately conservative: short real answers ("Yes", "Non", "Ja, bitte") are kept; what is rejected has
    no letters at all, is only a link, a placeholder such as "N/A", or a keyboard mash like "asdfgh"."""
    stripped = _URL.sub(" ", text).strip()
    if not stripped and _URL.search(text):
        return "only a link, no words"
    if _LETTER.search(stripped) is None:
        return "no letters (only digits, punctuation or symbols)"
    if _TWO_LETTERS.search(stripped) is None:
        return "a single letter"
    if len(text) > 40:
        return None  # everything below concerns a short answer
    lowered = text.lower().strip()
    if lowered in _PLACEHOLDERS:
        return f"placeholder '{text.strip()}'"
    if " " in lowered:
        return None
    letters = "".join(ch for ch in lowered if ch.isalpha())
    if len(letters) >= 4:
        if len(set(letters)) == 1:
            return "one letter repeated"
        if any(all(ch in row for ch in letters) and _runs_along(letters, row) for row in _KEYBOARD_ROWS):
            return "keyboard mash"
    return None


def _runs_along(letters: str, row: str) -> bool:
    """'asdfgh' walks along a keyboard row: most neighbouring letters are neighbours on the row too."""
    steps = sum(1 for a, b in zip(letters, letters[1:]) if abs(row.index(a) - row.index(b)) <= 1)
    return steps >= 0.6 * (len(letters) - 1)


def has_broken_bytes(text: str) -> bool:
    return REPLACEMENT in text
