"""The redactor: patterns + cue names + spaCy NER (only where a name may be), resolved into one set of spans.

Why not Presidio's AnalyzerEngine? Measured here on 2 cores it runs every recogniser and the full
spaCy pipeline on every text, one text at a time; the analysis stage needs >= 500 short texts/s.
The same ideas (validated patterns, context words, NER for names) run here in one pass, with NER
batched through `nlp.pipe` and skipped for texts without a capitalised word or a name cue.
See docs/privacy.md for the measured comparison.
"""
from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Sequence

from civicai.errors import InputError
from civicai.privacy.names import DENY_WORDS, find_cued_names, may_contain_name, trim_name
from civicai.privacy.ner import PERSON_LABELS, get_ner
from civicai.privacy.patterns import Span, find_pattern_spans
from civicai.privacy.types import KINDS, RedactedText, Redaction, apply_redactions, hash_value

SUPPORTED_LANGUAGES = ("en", "fr", "de", "nl")
_PRIORITY = {kind: i for i, kind in enumerate(KINDS)}  # EMAIL first ... PERSON last
_NER_CHUNK = 50_000      # spaCy's max_length is 1e6; chunks also keep memory flat on huge texts
_BATCH = 512


def _visible_view(text: str) -> tuple[str, list[int] | None]:
    """Drop invisible format characters (zero-width, bidi overrides) that can split a value to hide it.

    Returns the cleaned text and, when anything was dropped, the original index of each kept character.
    """
    if text.isascii() or not any(unicodedata.category(ch) == "Cf" for ch in text):
        return text, None
    keep = [i for i, ch in enumerate(text) if unicodedata.category(ch) != "Cf"]
    return "".join(text[i] for i in keep), keep


def _chunks(text: str) -> list[tuple[int, str]]:
    """Split very long texts for NER at whitespace, keeping each chunk's offset."""
    if len(text) <= _NER_CHUNK:
        return [(0, text)]
    out, start = [], 0
    while start < len(text):
        end = min(start + _NER_CHUNK, len(text))
        if end < len(text):
            cut = max(text.rfind("\n", start, end), text.rfind(" ", start, end))
            end = cut + 1 if cut > start else end
        out.append((start, text[start:end]))
        start = end
    return out


def _resolve(view: str, spans: Iterable[Span]) -> list[Span]:
    """Pick non-overlapping spans: stronger kinds first (an e-mail beats the name inside it), then longer.

    A name that overlaps an address ("Hans Müller Hauptstraße 7") is trimmed, not dropped.
    """
    accepted: list[Span] = []
    for span in sorted(set(spans), key=lambda s: (_PRIORITY[s.kind], s.start - s.end, s.start)):
        overlapping = [a for a in accepted if a.start < span.end and span.start < a.end]
        if not overlapping:
            accepted.append(span)
        elif span.kind == "PERSON":
            cursor = span.start
            for a in sorted(overlapping) + [Span("PERSON", span.end, span.end)]:
                if a.start > cursor:
                    trimmed = trim_name(view, cursor, min(a.start, span.end))
                    if trimmed:
                        accepted.append(Span("PERSON", *trimmed))
                cursor = max(cursor, a.end)
    return sorted(accepted, key=lambda s: s.start)


def _to_redactions(text: str, view: str, index: list[int] | None, spans: list[Span], salt: bytes | None) -> RedactedText:
    reds = []
    for s in spans:
        start, end = (s.start, s.end) if index is None else (index[s.start], index[s.end - 1] + 1)
        reds.append(Redaction(s.kind, start, end, hash_value(view[s.start:s.end], salt)))
    return RedactedText(apply_redactions(text, reds), reds)


def _check_text(text: object, where: str) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        raise InputError(f"{where} is a {type(text).__name__}, not text",
                         "pass str values (convert missing values to '' first)")
    return text


def scan_for_pii(text: str) -> list[Redaction]:
    """Patterns and name cues only (no NER): fast, for scanning outputs (summaries, answers, exports) for leaks.

    Placeholders such as "[PERSON]" are never flagged.
    """
    text = _check_text(text, "scan_for_pii(text)")
    view, index = _visible_view(text)
    spans = _resolve(view, [*find_pattern_spans(view), *find_cued_names(view)])
    return _to_redactions(text, view, index, spans, None).redactions


class Redactor:
    """Replace PII in free text by placeholders ("[EMAIL]", "[PERSON]", ...), keeping the original offsets.

    languages: languages to run NER for when a model exists (en, fr); others get patterns and name cues.
    use_ner: False gives a pattern-only redactor (no spaCy, ~10x faster, misses bare names).
    salt: key for the value hashes (default: per-process secret, or CIVICAI_PII_SALT).
    """

    def __init__(self, languages: Sequence[str] = SUPPORTED_LANGUAGES, use_ner: bool = True, *,
                 salt: bytes | None = None, batch_size: int = 256) -> None:
        if isinstance(languages, str):
            languages = (languages,)
        self.languages = tuple(code.lower() for code in languages)
        bad = [c for c in self.languages if not c.isalpha() or len(c) not in (2, 3)]
        if bad:
            raise InputError(f"Redactor(languages=...) got {bad!r}", "use ISO 639-1 codes such as 'en', 'fr'")
        self.use_ner = use_ner
        self.salt = salt
        self.batch_size = batch_size

    def _ner_for(self, language: str | None):
        if not self.use_ner or not language or language not in self.languages:
            return None
        return get_ner(language)

    def redact(self, text: str, language: str | None = None) -> RedactedText:
        """Redact one text. `language` (ISO code) picks the NER model; None detects it."""
        return self.redact_many([text], None if language is None else [language])[0]

    def redact_many(self, texts: Iterable[str], languages: Sequence[str | None] | None = None,
                    progress: bool = False) -> list[RedactedText]:
        """Redact many texts; NER runs batched (nlp.pipe) per language on texts that may hold a name."""
        texts = [_check_text(t, f"texts[{i}]") for i, t in enumerate(texts)]
        if languages is not None and len(languages) != len(texts):
            raise InputError(f"redact_many got {len(texts)} texts but {len(languages)} languages",
                             "pass one language code (or None) per text")
        results: list[RedactedText] = []
        bar = None
        if progress:
            from tqdm import tqdm
            bar = tqdm(total=len(texts), desc="redacting PII", unit="text")
        for lo in range(0, len(texts), _BATCH):
            chunk = texts[lo:lo + _BATCH]
            langs = list(languages[lo:lo + _BATCH]) if languages is not None else [None] * len(chunk)
            results.extend(self._redact_batch(chunk, langs))
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.close()
        return results

    def _redact_batch(self, texts: list[str], langs: list[str | None]) -> list[RedactedText]:
        views = [_visible_view(t) for t in texts]
        spans: list[list[Span]] = [[*find_pattern_spans(v), *find_cued_names(v)] for v, _ in views]
        if self.use_ner:
            self._add_ner_spans(views, langs, spans)
        return [_to_redactions(t, v, idx, _resolve(v, s), self.salt) for t, (v, idx), s in zip(texts, views, spans)]

    def _add_ner_spans(self, views, langs, spans) -> None:
        need = [i for i, (v, _) in enumerate(views) if may_contain_name(v)]
        if not need:
            return
        unknown = [i for i in need if not langs[i]]
        if unknown:
            from civicai.text.language import detect_many
            for i, guess in zip(unknown, detect_many([views[i][0] for i in unknown])):
                langs[i] = guess.code
        by_language: dict[str, list[int]] = {}
        for i in need:
            code = (langs[i] or "").lower().split("-")[0]
            if self._ner_for(code) is not None:
                by_language.setdefault(code, []).append(i)
        for code, idxs in by_language.items():
            nlp = self._ner_for(code)
            pieces = [(i, off, chunk) for i in idxs for off, chunk in _chunks(views[i][0])]
            docs = nlp.pipe((chunk for _, _, chunk in pieces), batch_size=self.batch_size)
            for (i, off, _), doc in zip(pieces, docs):
                view = views[i][0]
                for ent in doc.ents:
                    if ent.label_ not in PERSON_LABELS:
                        continue
                    trimmed = trim_name(view, off + ent.start_char, off + ent.end_char)
                    if trimmed and not _looks_like_common_word(view[trimmed[0]:trimmed[1]], code):
                        spans[i].append(Span("PERSON", *trimmed))


def _looks_like_common_word(name: str, language: str) -> bool:
    """A one-word 'name' that is a stop word of the language ("Pour", "Dans") is a tagging error."""
    words = name.split()
    return len(words) == 1 and (words[0].casefold() in _stop_words(language) or words[0].casefold() in DENY_WORDS)


_STOP_CACHE: dict[str, frozenset[str]] = {}


def _stop_words(language: str) -> frozenset[str]:
    if language not in _STOP_CACHE:
        try:
            from stop_words import get_stop_words
            _STOP_CACHE[language] = frozenset(w.casefold() for w in get_stop_words(language))
        except Exception:  # unknown language or package missing: no extra filter
            _STOP_CACHE[language] = frozenset()
    return _STOP_CACHE[language]


def default_threads() -> int:
    return int(os.environ.get("CIVICAI_THREADS", "2"))
