"""Person names: cue patterns for every language, and the filter that cleans spaCy's PERSON entities.

German and Dutch have no spaCy model on PyPI, so names there are found from cues people actually
write: introductions ("ich heiße", "mijn naam is"), titles ("Herr", "mevrouw") and sign-offs
("Mit freundlichen Grüßen,\nHans Müller"). The same cues work in English and French and catch what the
small NER models miss.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from civicai.privacy.patterns import CAP, CAPWORD, LETTER, SEP, Span

# Words small NER models tag as people though they are not: greetings, sign-offs, imperative verbs
# that open a sentence, titles and office names. Lower-cased; compared per token.
DENY_WORDS: frozenset[str] = frozenset("""
bonjour bonsoir salut coucou merci cordialement contactez contacter madame monsieur mademoiselle mme mlle m
cher chère chers chères bien amicalement salutations sincères bises svp stp voilà voici oui non
hello hi hey dear thanks thank regards sincerely cheers best kind yours faithfully please contact call
mr mrs ms miss dr prof sir madam mayor councillor council minister president director
hallo guten tag morgen abend liebe lieber sehr geehrte geehrter herr frau hr fr mfg grüße grüsse gruß
danke bitte viele herzliche freundlichen freundliche beste bürgermeister bürgermeisterin stadtrat
gemeinderat präsident präsidentin minister ministerin
hoi beste geachte dag goedemorgen goedemiddag groet groeten groetjes vriendelijke hartelijke bedankt dank
graag meneer mevrouw dhr mevr mw heer burgemeester wethouder gemeente raad voorzitter
maire adjoint adjointe président présidente directeur directrice conseiller conseillère préfet ministre
docteur maître citoyen citoyenne habitant habitante riverain riveraine
""".split())

_NAME = rf"(?:{CAPWORD})(?:{SEP}+(?:(?:van|von|de|der|den|du|des|la|le|ten|ter|zu|da|di|del|dos|bin|ibn|mac){SEP}+){{0,2}}{CAPWORD}){{0,3}}"
_GAP = r"[ \t]*[,:;.!-]?[ \t]*(?:\r?\n[ \t]*){0,3}"

# Introductions and sign-offs: the name follows (on the same or the next lines).
_CUE_BEFORE = (
    r"my\s+name\s+is|my\s+name's|i\s+am\s+called|i'm\s+called|signed|sincerely|regards|best\s+wishes|"
    r"yours\s+(?:faithfully|sincerely|truly)|kind\s+regards|best\s+regards|warm\s+regards|cheers|"
    r"je\s+m['’]appelle|je\s+me\s+nomme|mon\s+nom\s+est|moi\s+c['’]est|cordialement|bien\s+[àa]\s+vous|"
    r"bien\s+cordialement|salutations(?:\s+distingu[ée]es)?|sinc[èe]res\s+salutations|bien\s+amicalement|"
    r"amiti[ée]s|sign[ée]|"
    r"ich\s+hei(?:ß|ss)e|mein\s+name\s+ist|mein\s+name\s+lautet|mit\s+freundlichen\s+gr(?:ü|ue|u)(?:ß|ss)en|"
    r"freundliche\s+gr(?:ü|ue|u)(?:ß|ss)e|viele\s+gr(?:ü|ue|u)(?:ß|ss)e|liebe\s+gr(?:ü|ue|u)(?:ß|ss)e|"
    r"beste\s+gr(?:ü|ue|u)(?:ß|ss)e|herzliche\s+gr(?:ü|ue|u)(?:ß|ss)e|mfg|gez\.|"
    r"ik\s+heet|mijn\s+naam\s+is|met\s+vriendelijke\s+groet(?:en)?|vriendelijke\s+groet(?:en)?|"
    r"hartelijke\s+groet(?:en)?|groetjes|mvg|met\s+hartelijke\s+groet"
)
# Titles and greetings directly followed by a name on the same line.
_TITLE = (
    r"mr|mrs|ms|miss|mx|dr|prof|sir|dear|hello|hi|"
    r"m\.|mme|mlle|madame|monsieur|mademoiselle|docteur|ma[îi]tre|me|bonjour|cher|ch[èe]re|"
    r"herr|frau|hr\.|fr\.|"
    r"dhr|mevr|mw|mevrouw|meneer|de\s+heer|beste|hoi|geachte(?:\s+heer|\s+mevrouw)?"
)
CUE_PERSON = re.compile(
    rf"(?i:\b(?:{_CUE_BEFORE}))(?:\b|(?<=\.)){_GAP}(?P<name>{_NAME})"
    rf"|(?i:\b(?:{_TITLE}))(?:\b|(?<=\.))\.?{SEP}+(?P<tname>{_NAME})"
)
# A capitalised word that does not open a sentence: cheap hint that a name may be present (pre-check
# before running NER).
NAME_HINT = re.compile(rf"(?<=[^\s.!?:;\"«(\[]){SEP}{CAP}{LETTER}{{1,30}}")

_TOKEN = re.compile(r"\S+")


def trim_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Shrink a candidate name span to its capitalised, non-deny-listed core; None if nothing is left."""
    tokens = [(m.start() + start, m.end() + start) for m in _TOKEN.finditer(text[start:end])]

    def is_name_token(a: int, b: int) -> bool:
        raw = text[a:b]
        if "[" in raw or "]" in raw:  # our own placeholders ("[ID]") are never names
            return False
        word = raw.strip(".,;:!?\"'’()«»")
        return len(word) >= 2 and word[0].isupper() and word.casefold() not in DENY_WORDS \
            and not any(ch.isdigit() or ch in "@[]/" for ch in word)

    while tokens and not is_name_token(*tokens[0]):
        tokens.pop(0)
    while tokens and not is_name_token(*tokens[-1]):
        tokens.pop()
    if not tokens:
        return None
    a, b = tokens[0][0], tokens[-1][1]
    while b > a and text[b - 1] in ".,;:!?\"'’)]»":
        b -= 1
    return (a, b) if b > a else None


def find_cued_names(text: str) -> Iterator[Span]:
    """Names introduced by a cue: 'my name is X', 'Herr X', 'Met vriendelijke groet,\\nX Y'."""
    for m in CUE_PERSON.finditer(text):
        group = "name" if m.group("name") is not None else "tname"
        trimmed = trim_name(text, m.start(group), m.end(group))
        if trimmed:
            yield Span("PERSON", *trimmed)


def may_contain_name(text: str) -> bool:
    """Cheap test: is running NER on this text worth it?"""
    return NAME_HINT.search(text) is not None or CUE_PERSON.search(text) is not None
