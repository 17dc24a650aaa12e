"""Turn a stream of headings into a section path.

OCR'd plans (the Climate City Contracts) get heading levels wrong ("# 2.3.1 Reducing energy" beside
"## 2.3 Module A-3"), but their numbering is right; so a numbered heading takes its level from its number,
and an unnumbered heading that follows numbered ones sits one level below the last numbered heading.
"""
from __future__ import annotations

import re

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,5})\.?\s+[^\d\s%]")
_MAX_HEADING_CHARS = 160


def clean_heading(text: str) -> str:
    text = re.sub(r"[*_`#]+", " ", text)
    return re.sub(r"\s+", " ", text).strip(" :.-–")


class SectionTracker:
    """Feed headings in reading order; `path` is the current section path."""

    def __init__(self, root: str | None = None) -> None:
        self._stack: list[tuple[float, str]] = []
        self._root = root
        self._offset: int | None = None  # markup level minus number depth of the first numbered heading
        self._last_numbered_level: float | None = None

    @property
    def path(self) -> tuple[str, ...]:
        names = tuple(name for _, name in self._stack)
        return ((self._root,) + names) if self._root else names

    def heading(self, text: str, markup_level: int) -> None:
        title = clean_heading(text)[:_MAX_HEADING_CHARS]
        if not title:
            return  # OCR leaves bare "#" lines: not a section
        numbered = _NUMBERED.match(title)
        level: float
        if numbered:
            depth = numbered.group(1).count(".") + 1
            if self._offset is None:
                self._offset = max(0, markup_level - depth)
            level = depth + self._offset
            self._last_numbered_level = level
        elif self._last_numbered_level is not None and markup_level > (self._offset or 0):
            level = self._last_numbered_level + 0.5  # below the numbered section it follows
        else:
            level = markup_level
            if self._offset is not None and markup_level <= self._offset:
                self._last_numbered_level = None
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, title))
