"""Person names: cue patterns for every language, and the filter that cleans spaCy's PERSON entities.

German and Dutch have no spaCy model on PyPI, so names there are found from cues people actually
write: introductions ("ich heiße", "mijn naam is"), titles ("Herr", "mevrouw") and sign-offs
("Mit freundlichen Grüßen,\nHans Müller"). The same cues work in English and French and catch what the
small NER models miss.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from functools import cache

from civicai.privacy.patterns import CAP, CAPWORD, LETTER, SEP, Span

# Words small NER models tag as people though they are not: greetings, sign-offs, imperative verbs
# that open a sentence, titles and office names. Lower-cased; compared per token.
DENY_WORDS: frozenset[str] = frozenset(["bonjour", "bonsoir", "salut", "coucou", "merci", "cordialement", "contactez", "contacter", "madame", "monsieur", "mademoiselle", "mme", "mlle", "m", "cher", "chère", "chers", "chères", "bien", "amicalement", "salutations", "sincères", "bises", "svp", "stp", "voilà", "voici", "oui", "non", "hello", "hi", "hey", "dear", "thanks", "thank", "regards", "sincerely", "cheers", "best", "kind", "yours", "faithfully", "please", "contact", "call", "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam", "mayor", "councillor", "council", "minister", "president", "director", "hallo", "guten", "tag", "morgen", "abend", "liebe", "lieber", "sehr", "geehrte", "geehrter", "herr", "frau", "hr", "fr", "mfg", "grüße", "grüsse", "gruß", "gruße", "grusse", "gruesse", "gruss", "grüßen", "grüssen", "danke", "bitte", "viele", "herzliche", "freundlichen", "freundliche", "beste", "bürgermeister", "bürgermeisterin", "stadtrat", "gemeinderat", "präsident", "präsidentin", "minister", "ministerin", "hoi", "beste", "geachte", "dag", "goedemorgen", "goedemiddag", "groet", "groeten", "groetjes", "vriendelijke", "hartelijke", "bedankt", "dank", "graag", "meneer", "mevrouw", "dhr", "mevr", "mw", "heer", "burgemeester", "wethouder", "gemeente", "raad", "voorzitter", "maire", "adjoint", "adjointe", "bourgmestre", "échevin", "échevine", "mesdames", "messieurs", "schepen", "ladies", "gentlemen", "everyone", "all", "team", "neighbours", "neighbors", "citizens", "residents", "voisins", "habitants", "nachbarn", "buren", "bewoners", "président", "présidente", "directeur", "directrice", "conseiller", "conseillère", "préfet", "ministre", "docteur", "maître", "citoyen", "citoyenne", "habitant", "habitante", "riverain", "riveraine"])

_NAME = rf"(?:{CAPWORD})(?:{SEP}+(?:(?:van|von|de|der|den|du|des|la|le|ten|ter|zu|da|di|del|dos|bin|ibn|mac){SEP}+){{0,2}}{CAPWORD}){{0,3}}"
_GAP = r"[ \t]*[,:;.!-]?[ \t]*(?:\r?\n[ \t]*){0,3}"

# Introductions: the name follows on the same line.
_CUE_INTRO = (
    r"my\s+name\s+is|my\s+name's|i\s+am\s+called|i'm\s+called|"
    r"je\s+m['’]appelle|je\s+me\s+nomme|mon\s+nom\s+est|moi\s+c['’]est|"
    r"ich\s+hei(?:ß|ss)e|mein\s+name\s+ist|mein\s+name\s+lautet|ik\s+heet|mijn\s+naam\s+is"
)
# Weak introductions ("I am", "je suis", "ich bin" + a noun): only a two-word capitalised name counts.
_CUE_WEAK = r"i\s+am|i'm|je\s+suis|ich\s+bin|hier\s+(?:schreibt|spricht|ist)|ik\s+ben|(?:hallo|hoi|goedendag|goedemiddag|goedemorgen),?\s+met"
# Sign-offs: the name follows (same or next lines) and ends its line or sentence.
_CUE_SIGNOFF = (
    r"signed|sincerely|regards|best\s+wishes|"
    r"yours\s+(?:faithfully|sincerely|truly)|kind\s+regards|best\s+regards|warm\s+regards|cheers|"
    r"cordialement|bien\s+[àa]\s+vous|"
    r"bien\s+cordialement|salutations(?:\s+distingu[ée]es)?|sinc[èe]res\s+salutations|bien\s+amicalement|"
    r"amiti[ée]s|sign[ée]|"
    r"mit\s+freundlichen\s+gr(?:ü|ue|u)(?:ß|ss)en|"
    r"freundliche\s+gr(?:ü|ue|u)(?:ß|ss)e|viele\s+gr(?:ü|ue|u)(?:ß|ss)e|liebe\s+gr(?:ü|ue|u)(?:ß|ss)e|"
    r"beste\s+gr(?:ü|ue|u)(?:ß|ss)e|herzliche\s+gr(?:ü|ue|u)(?:ß|ss)e|mfg|gez\.|"
    r"met\s+vriendelijke\s+groet(?:en)?|vriendelijke\s+groet(?:en)?|"
    r"hartelijke\s+groet(?:en)?|groetjes|mvg|met\s+hartelijke\s+groet"
)
_CUE_BEFORE = _CUE_INTRO + "|" + _CUE_SIGNOFF  # (kept for readers: every cue that precedes a name)
_NAME2 = rf"(?:{CAPWORD})(?:{SEP}+(?:(?:van|von|de|der|den|du|des|la|le|ten|ter|zu|da|di|del|dos){SEP}+){{0,2}}{CAPWORD}){{1,3}}"
_LINE_END = r"(?=[ \t]*(?:[\r\n,.;!(]|$))"
# Titles and greetings directly followed by a name on the same line.
# Abbreviated titles may end with a dot ("Dr. Weber"); greetings may not ("Bonjour. Une idée" is no name).
_TITLE_ABBR = r"mr|mrs|ms|mx|dr|prof|mme|mlle|hr|fr|dhr|mevr|mw"
_TITLE_WORD = (
    r"miss|sir|dear|hello|hi|madame|monsieur|mademoiselle|docteur|ma[îi]tre|bonjour|cher|ch[èe]re|"
    r"herr|frau|mevrouw|meneer|de\s+heer|beste|hoi|geachte(?:\s+heer|\s+mevrouw)?"
)
CUE_INTRO = re.compile(
    rf"(?i:\b(?:{_CUE_INTRO}))\b[ \t]*[,:]?[ \t]*(?P<name>{_NAME})"
    rf"|(?i:\b(?:{_CUE_SIGNOFF}))(?:\b|(?<=\.)){_GAP}(?P<sname>{_NAME}){_LINE_END}"
    rf"|(?i:\b(?:{_CUE_WEAK}))\b[ \t]+(?P<wname>{_NAME2})"
)
CUE_TITLE = re.compile(rf"(?:(?i:\b(?:(?:{_TITLE_ABBR})\b\.?|(?:{_TITLE_WORD})\b))|\bMM?\.){SEP}+(?P<name>{_NAME})")

# Big case-insensitive alternations are the slowest regexes here (Python's re scans them at every
# position), so each runs only when a plain substring / word test says one of its cues can be present.
_INTRO_ANCHORS = ("hier ", "i am", "i'm", "suis", "bin", "ben", " met ", "name", "called", "signed", "sincerely", "regards", "wishes", "yours", "cheers", "appelle",
                  "nomme", "nom est", "moi c", "cordialement", "vous", "salutations", "amiti", "sign", "hei",
                  "grü", "grue", "gruss", "gruß", "mfg", "gez.", "heet", "naam", "groet", "mvg")
_TITLE_WORDS = frozenset(["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dear", "hello", "hi", "mme", "mlle", "madame", "monsieur", "mademoiselle", "docteur", "maître", "maitre", "bonjour", "cher", "chère", "chere", "herr", "frau", "hr", "fr", "dhr", "mevr", "mw", "mevrouw", "meneer", "heer", "beste", "hoi", "geachte"])
_WORD = re.compile(r"[^\W\d_]+")

# A capitalised word that does not open a sentence: a hint that a name may be present (pre-check
# before running NER).
NAME_HINT = re.compile(rf"(?<=[^\s.!?:;\"«(\[]){SEP}({CAP}{LETTER}{{1,30}})")
_SENTENCE_END = re.compile(r"[.!?…]+[\"»”)]*\s+|\n\s*")
_WINDOW = 300  # at most this many characters either side of a hint go to NER

_TOKEN = re.compile(r"\S+")


@cache
def common_words() -> frozenset[str]:
    """Stop words of en/fr/de/nl (from the stop-words package): never a name on their own."""
    from stop_words import get_stop_words  # imported here: only name detection needs the lists

    return frozenset(w.casefold() for lang in ("en", "fr", "de", "nl") for w in get_stop_words(lang))


def trim_name(text: str, start: int, end: int, strip_common: bool = False) -> tuple[int, int] | None:
    """Shrink a candidate name span to its capitalised, non-deny-listed core; None if nothing is left.

    strip_common: also drop leading stop words ("Une riveraine" after a sign-off is no name).
    """
    tokens = [(m.start() + start, m.end() + start) for m in _TOKEN.finditer(text[start:end])]

    def is_name_token(a: int, b: int) -> bool:
        raw = text[a:b]
        if "[" in raw or "]" in raw:  # our own placeholders ("[ID]") are never names
            return False
        word = raw.strip(".,;:!?\"'’()«»")
        return len(word) >= 2 and word[0].isupper() and word.casefold() not in DENY_WORDS \
            and not any(ch.isdigit() or ch in "@[]/" for ch in word)

    while tokens and (not is_name_token(*tokens[0])
                      or strip_common and text[tokens[0][0]:tokens[0][1]].casefold() in common_words()):
        tokens.pop(0)
    while tokens and not is_name_token(*tokens[-1]):
        tokens.pop()
    # A title inside the span ("Laut Frau Schneider"): the name is what follows it.
    inner = [k for k, (x, y) in enumerate(tokens) if text[x:y].strip(".,;:!?").casefold() in DENY_WORDS]
    if inner:
        tokens = tokens[inner[-1] + 1:]
    if not tokens:
        return None
    a, b = tokens[0][0], tokens[-1][1]
    while b > a and text[b - 1] in ".,;:!?\"'’)]»":
        b -= 1
    return (a, b) if b > a else None


def find_cued_names(text: str) -> Iterator[Span]:
    """Names introduced by a cue: 'my name is X', 'Herr X', 'Met vriendelijke groet,\\nX Y'."""
    lower = text.lower()
    patterns = []
    if any(anchor in lower for anchor in _INTRO_ANCHORS):
        patterns.append(CUE_INTRO)
    if "M. " in text or not _TITLE_WORDS.isdisjoint(_WORD.findall(lower)):
        patterns.append(CUE_TITLE)
    for pattern in patterns:
        for m in pattern.finditer(text):
            group = next(g for g in ("name", "sname", "wname") if m.groupdict().get(g) is not None)
            trimmed = trim_name(text, m.start(group), m.end(group), strip_common=True)
            if trimmed:
                yield Span("PERSON", *trimmed)


_SENTENCE_START = re.compile(r"(?:^|[.!?…:;\n•*–-])[\s\"'«“(\[]*$")


def at_sentence_start(text: str, pos: int) -> bool:
    """Is `pos` the first word of a sentence, line or list item?"""
    return _SENTENCE_START.search(text[max(0, pos - 12):pos]) is not None


def _is_hint(word: str, common: frozenset[str]) -> bool:
    # ALL-CAPS words are acronyms (ZBE, LEZ, SMS); stop words and titles open clauses after a comma.
    return not word.isupper() and word.casefold() not in DENY_WORDS and word.casefold() not in common


def ner_windows(text: str, common: frozenset[str] = frozenset(),
                skip: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """The parts of `text` worth running NER on: each sentence holding a capitalised non-initial word
    that is not an acronym, stop word or title (clipped to +-300 chars), merged. Empty: skip NER.

    skip: sorted spans already redacted by patterns ("42 Baker Street"): their words are no hint.
    """
    hints = [m.start(1) for m in NAME_HINT.finditer(text) if _is_hint(m.group(1), common)]
    if skip and hints:
        starts = [a for a, _ in skip]
        hints = [h for h in hints if not (i := bisect.bisect_right(starts, h) - 1) >= 0 or h >= skip[i][1]]
    if not hints:
        return []
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    windows: list[tuple[int, int]] = []
    for h in hints:
        i = bisect.bisect_right(bounds, h) - 1
        lo, hi = max(bounds[i], h - _WINDOW), min(bounds[i + 1] if i + 1 < len(bounds) else len(text), h + _WINDOW)
        if lo > bounds[i]:
            lo = text.find(" ", lo, h) + 1 or lo
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], hi))
        else:
            windows.append((lo, hi))
    return windows
