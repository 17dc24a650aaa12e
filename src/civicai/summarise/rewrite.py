"""An LLM may rewrite a theme's title and summary, and its text is used only when every sentence passes the
grounding check (civicai.llm.grounding) against what it was given: the phrases and quotes for a title, the
extractive summary (which holds the counts) and the quotes for a summary. Titles must also stay 2-6 words and
must not collide with another theme's title. Anything else keeps the extractive draft, and the theme records
which one it got (source 'llm' or the draft's)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civicai.errors import CivicaiError
from civicai.summarise.title import MAX_TITLE_WORDS, ThemeTitle, _collision_key, language_name

TITLE_PROMPT = "theme_label.v2"
SUMMARY_PROMPT = "theme_summary.v2"


def grounded(text: str, sources: Sequence[str]) -> bool:
    """True when every sentence of `text` is supported by one of `sources`."""
    from civicai.llm.grounding import supported_sentences

    judged = supported_sentences(text, list(sources))
    return bool(judged) and all(r.supported for r in judged)


def _clean_title(text: str) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line.strip().strip('"“”«»„').rstrip(".").strip()


def rewrite_titles(titles: list[ThemeTitle], quotes: Sequence[Sequence[str]], generator: Any) -> dict[str, int]:
    """Rewrite in place where the model's text passes the checks; returns how many titles/summaries changed."""
    from civicai.llm import GenerationRequest

    changed = {"titles": 0, "summaries": 0, "failed": 0}
    if generator is None or getattr(generator, "name", "extractive") == "extractive":
        return changed
    taken = {_collision_key(t.title) for t in titles}
    for theme, theme_quotes in zip(titles, quotes, strict=True):
        if theme.source == "keywords":
            continue
        language = language_name(theme.language)
        phrases = [f"{p.text} ({p.count})" for p in theme.points]
        sources = [*theme_quotes, *(p.text for p in theme.ranked[:12])]
        try:
            reply = generator.generate(GenerationRequest(TITLE_PROMPT, {
                "phrases": phrases, "quotes": list(theme_quotes), "draft": theme.title, "language": language},
                extractive=theme.title, max_tokens=20))
            title = _clean_title(reply)
            key = _collision_key(title)
            if title and 2 <= len(title.split()) <= MAX_TITLE_WORDS and title != theme.title \
                    and key not in taken - {_collision_key(theme.title)} and grounded(title, sources):
                taken.discard(_collision_key(theme.title))
                taken.add(key)
                theme.title, theme.source = title[:1].upper() + title[1:], "llm"
                changed["titles"] += 1
            summary = generator.generate(GenerationRequest(SUMMARY_PROMPT, {
                "draft": theme.summary, "quotes": list(theme_quotes), "language": language},
                extractive=theme.summary, max_tokens=140)).strip()
            if summary and summary != theme.summary and grounded(summary, [theme.summary, *theme_quotes]):
                theme.summary = summary
                theme.summary_source = "llm"
                changed["summaries"] += 1
        except CivicaiError:  # a model failure must not lose the analysis: the extractive text stands
            changed["failed"] += 1
    return changed
