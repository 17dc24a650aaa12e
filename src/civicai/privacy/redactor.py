"""The redactor: patterns + cue names + spaCy NER (only where a name may be), resolved into one set of spans.

Why not Presidio's AnalyzerEngine? Measured here on 2 cores it runs every recogniser and the full
spaCy pipeline on every text, one text at a time; the analysis stage needs >= 500 short texts/s.
The same ideas (validated patterns, context words, NER for names) run here in one pass, with NER
batched through `nlp.pipe` and skipped for texts without a capitalised word or a name cue.
See docs/privacy.md for the measured comparison.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache

from civicai.errors import InputError
from civicai.privacy.names import DENY_WORDS, at_sentence_start, find_cued_names, ner_windows, trim_name
from civicai.privacy.ner import NER_FALLBACK, NER_FALLBACK_FOR, NER_PACKAGES, PERSON_LABELS, get_ner
from civicai.privacy.patterns import CAP, LETTER, Span, find_pattern_spans
from civicai.privacy.types import KINDS, RedactedText, Redaction, apply_redactions, hash_value

SUPPORTED_LANGUAGES = ("en", "fr", "de", "nl")
_PRIORITY = {kind: i for i, kind in enumerate(KINDS)}  # EMAIL first ... PERSON last
_POOL_ABOVE = 2_000     # texts; fewer do not repay starting worker processes
_NER_CHUNK = 5_000       # long texts go to NER in pieces: spaCy is slow on huge docs and max_length is 1e6
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
    starts: list[int] = []          # accepted spans, sorted by start, never overlapping
    accepted: list[Span] = []

    def overlapping(lo: int, hi: int) -> list[Span]:
        i = bisect.bisect_left(starts, lo)
        if i > 0 and accepted[i - 1].end > lo:
            i -= 1
        out = []
        while i < len(accepted) and accepted[i].start < hi:
            out.append(accepted[i])
            i += 1
        return out

    def accept(span: Span) -> None:
        i = bisect.bisect_left(starts, span.start)
        starts.insert(i, span.start)
        accepted.insert(i, span)

    for span in sorted(set(spans), key=lambda s: (_PRIORITY[s.kind], s.start - s.end, s.start)):
        clashes = overlapping(span.start, span.end)
        if not clashes:
            accept(span)
        elif span.kind == "PERSON" and not view.startswith("@", span.start):
            cursor = span.start
            for a in clashes + [Span("PERSON", span.end, span.end)]:
                if a.start > cursor:
                    trimmed = trim_name(view, cursor, min(a.start, span.end))
                    if trimmed and not overlapping(*trimmed):
                        accept(Span("PERSON", *trimmed))
                cursor = max(cursor, a.end)
    return accepted


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
    keep_words: words NER must never call a person (the consultation's districts, street-less places).
    """

    def __init__(self, languages: Sequence[str] = SUPPORTED_LANGUAGES, use_ner: bool = True, *,
                 salt: bytes | None = None, batch_size: int = 256, keep_words: Iterable[str] = ()) -> None:
        self.keep_words = frozenset(w.casefold() for w in keep_words)
        if isinstance(languages, str):
            languages = (languages,)
        self.languages = tuple(code.lower() for code in languages)
        bad = [c for c in self.languages if not c.isalpha() or len(c) not in (2, 3)]
        if bad:
            raise InputError(f"Redactor(languages=...) got {bad!r}", "use ISO 639-1 codes such as 'en', 'fr'")
        self.use_ner = use_ner
        self.salt = salt
        self.batch_size = batch_size

    def _ner_for(self, language: str | None) -> tuple[str, bool] | None:
        """(model language, is_fallback) for a text language, or None when no NER runs for it.

        Dutch has no spaCy model on PyPI: it borrows the French one, whose PER tags hold up on Dutch
        names ("Pieter Jansen", "Sanne de Boer"), keeping only multi-word names. German does not: every
        German noun is capitalised and the borrowed model tags hundreds of them as people (measured on
        the Austrian Polis comments), so German names come from cues only.
        """
        if not self.use_ner or not language or language not in self.languages:
            return None
        if language in NER_PACKAGES:
            return language, False
        return (NER_FALLBACK, True) if language in NER_FALLBACK_FOR else None

    def redact(self, text: str, language: str | None = None) -> RedactedText:
        """Redact one text. `language` (ISO code) picks the NER model; None detects it."""
        return self.redact_many([text], None if language is None else [language])[0]

    def redact_many(self, texts: Iterable[str], languages: Sequence[str | None] | None = None,
                    progress: bool = False, workers: int = 1) -> list[RedactedText]:
        """Redact many texts; NER runs batched (nlp.pipe) per language on texts that may hold a name.
        workers > 1 splits large inputs over forked processes (NER is single-threaded Python)."""
        texts = [_check_text(t, f"texts[{i}]") for i, t in enumerate(texts)]
        if languages is not None and len(languages) != len(texts):
            raise InputError(f"redact_many got {len(texts)} texts but {len(languages)} languages",
                             "pass one language code (or None) per text")
        langs = list(languages) if languages is not None else [None] * len(texts)
        batches = [(lo, min(lo + _BATCH, len(texts))) for lo in range(0, len(texts), _BATCH)]
        results: list[RedactedText] = []
        bar = None
        if progress:
            from tqdm import tqdm
            bar = tqdm(total=len(texts), desc="redacting PII", unit="text")
        for done in self._run_batches(texts, langs, batches, workers):
            results.extend(done)
            if bar is not None:
                bar.update(len(done))
        if bar is not None:
            bar.close()
        return results

    def _run_batches(self, texts, langs, batches, workers) -> Iterable[list[RedactedText]]:
        from civicai.parallel import current_engine

        engine = current_engine()
        if engine is not None:  # a cluster (--cluster): the same batches, redacted by its workers' own models
            from civicai.distributed.stages import RedactorSpec, redact_batch

            spec = RedactorSpec(self.languages, self.use_ner, self.batch_size, tuple(sorted(self.keep_words)),
                                self.salt)
            return engine.map(redact_batch, ((spec, texts[lo:hi], langs[lo:hi]) for lo, hi in batches))
        if workers < 2 or len(texts) < _POOL_ABOVE:
            return (self._redact_batch(texts[lo:hi], langs[lo:hi]) for lo, hi in batches)
        from civicai.parallel import fork_map

        return fork_map(_redact_slice, batches, workers, (self, texts, langs))

    def _redact_batch(self, texts: list[str], langs: list[str | None]) -> list[RedactedText]:
        views = [_visible_view(t) for t in texts]
        spans: list[list[Span]] = [[*find_pattern_spans(v), *find_cued_names(v)] for v, _ in views]
        if self.use_ner:
            self._add_ner_spans(views, langs, spans)
        return [_to_redactions(t, v, idx, _resolve(v, s), self.salt) for t, (v, idx), s in zip(texts, views, spans)]

    def _add_ner_spans(self, views, langs, spans) -> None:
        frequent = _frequent_capitalised_words([v for v, _ in views])
        # NER only where a name may be: cheap regexes pick the sentences that hold a capitalised word
        # which is not sentence-initial, an acronym, a stop word or a title; everything else skips spaCy.
        found = [sorted((s.start, s.end) for s in spans_i if s.kind != "PERSON") for spans_i in spans]
        need = [i for i, (v, _) in enumerate(views) if ner_windows(v, skip=found[i])]
        unknown = [i for i in need if not langs[i]]
        if unknown:
            from civicai.text.language import detect_many
            for i, guess in zip(unknown, detect_many([views[i][0] for i in unknown], self.languages)):
                langs[i] = guess.code
        pieces: dict[str, list[tuple[int, int, str, str, bool]]] = {}
        for i in need:
            code = (langs[i] or "").lower().split("-")[0]
            model = self._ner_for(code)
            if model is None:
                continue
            view = views[i][0]
            for lo, hi in ner_windows(view, _stop_words(code), found[i]):
                for off, chunk in _chunks(view[lo:hi]):
                    pieces.setdefault(model[0], []).append((i, lo + off, chunk, code, model[1]))
        for model_language, items in pieces.items():
            docs = get_ner(model_language).pipe((item[2] for item in items), batch_size=self.batch_size)
            for (i, off, _, code, fallback), doc in zip(items, docs):
                view = views[i][0]
                for ent in doc.ents:
                    if ent.label_ not in PERSON_LABELS:
                        continue
                    trimmed = trim_name(view, off + ent.start_char, off + ent.end_char)
                    if not trimmed:
                        continue
                    if _plausible_name(view, *trimmed, code, fallback, frequent | self.keep_words):
                        spans[i].append(Span("PERSON", *trimmed))


def _redact_slice(job: tuple[Redactor, list[str], list[str | None]], bounds: tuple[int, int]) -> list[RedactedText]:
    redactor, texts, langs = job
    lo, hi = bounds
    return redactor._redact_batch(texts[lo:hi], langs[lo:hi])


_STREET_TYPES = frozenset(["street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr", "boulevard", "blvd", "square", "sq", "row", "court", "ct", "way", "place", "pl", "close", "crescent", "terrace", "rue", "avenue", "allée", "chemin", "quai", "straat", "laan", "weg", "plein", "gracht", "straße", "strasse"])
_PARTICLES = frozenset(["van", "von", "de", "der", "den", "du", "des", "la", "le", "ten", "ter", "zu", "da", "di", "del", "dos", "het", "'t"])
_CAPITALISED = re.compile(rf"(?<![\w-]){CAP}{LETTER}{{2,}}")


def _frequent_capitalised_words(views: list[str]) -> frozenset[str]:
    """Capitalised words found in many texts of one batch (>= 10 texts and >= 2%): the consultation's own
    places and organisations ("Rivermouth", "Riverside"). A private person's one-word name does not
    recur across that many independent submissions; multi-word names are never affected."""
    if len(views) < 10:
        return frozenset()
    counts = Counter(w for v in views for w in set(_CAPITALISED.findall(v)))
    floor = max(10, 0.02 * len(views))
    return frozenset(w.casefold() for w, n in counts.items() if n >= floor)


def _plausible_name(view: str, start: int, end: int, language: str, fallback: bool, known: frozenset[str]) -> bool:
    """Filter spaCy PERSON entities: the small models call many capitalised words a person."""
    words = view[start:end].split()
    stop = _stop_words(language)
    if words[-1].rstrip(".").casefold() in _STREET_TYPES:
        return False  # "Scottsville Rd", "Shive Lane": a street without a number is a place, not a person
    if len(words) == 1:
        if words[0].isupper():
            return False  # acronyms: "SKYPAC", "LEFT"
        word = words[0].casefold()
        # "Rehausser la digue", "Une idée": one capitalised word opening a sentence is rarely a name.
        return not fallback and word not in stop and word not in DENY_WORDS and word not in known \
            and not at_sentence_start(view, start)
    if fallback:
        # Borrowed model on German/Dutch: German nouns are capitalised, so keep only clean
        # "First Last" shapes that do not open a sentence and hold no common word.
        if at_sentence_start(view, start):
            return False
        for w in words:
            low = w.casefold()
            if low in _PARTICLES:
                continue
            if not w[0].isupper() or low in stop or low in DENY_WORDS:
                return False
    return True


_STOP_CACHE: dict[str, frozenset[str]] = {}


def _stop_words(language: str) -> frozenset[str]:
    if language not in _STOP_CACHE:
        from stop_words import StopWordError, get_stop_words

        try:
            _STOP_CACHE[language] = frozenset(w.casefold() for w in get_stop_words(language))
        except StopWordError:  # a language the lists do not cover: no extra filter
            _STOP_CACHE[language] = frozenset()
    return _STOP_CACHE[language]


@cache
def shared_redactor() -> Redactor:
    """One default Redactor per process, for the doors that redact one text at a time (the chat's questions,
    an upload's preview): loading the spaCy models takes seconds."""
    return Redactor()
