"""What kind of answer a question wants: a yes or no, a reason, or a fact (value types: civicai.rag.rerank).

Read from the question's opening words in en/fr/de/nl/da, on accent-folded text. A yes/no question opens with
an auxiliary or a verb ("Does the plan ...", "Est-ce que ...", "Gibt es ...", "Is er ...", "Har planen ...")
and has no question word; the answer then starts with "Yes, the plan says ..." or "The plan does not mention
...", which a quote alone does not say.
"""
from __future__ import annotations

import re

from civicai.rag.tokenize import fold

_WH = re.compile(r"\b(what|which|who|whom|whose|where|when|why|how|quel\w*|qui|ou|quand|pourquoi|comment|"
                 r"combien|que|quoi|was|welche\w*|wer|wo|wann|warum|wieso|weshalb|wie|wat|welk\w*|wie|waar|"
                 r"wanneer|waarom|hoe|hvad|hvilk\w*|hvem|hvor|hvornar|hvorfor|hvordan)\b")
# auxiliaries and verbs that open a yes/no question
_YES_NO_OPENERS = {
    "en": ("does", "do", "did", "is", "are", "was", "were", "will", "would", "can", "could", "has", "have",
           "should", "shall", "must", "may"),
    "fr": ("est-ce que", "existe-t-il", "y a-t-il", "y aura-t-il", "peut-on", "va-t-on",
           "faut-il"),
    "de": ("gibt", "ist", "sind", "hat", "haben", "wird", "werden", "kann", "konnen", "soll", "sollen", "plant",
           "enthalt", "sieht", "muss", "darf", "bekommt", "bekommen"),
    "nl": ("is", "zijn", "heeft", "hebben", "wordt", "worden", "komt", "komen", "bevat", "zal", "zullen", "gaat",
           "gaan", "kan", "kunnen", "staat", "moet", "krijgt", "krijgen"),
    "da": ("er", "har", "vil", "kan", "skal", "indeholder", "bliver", "findes", "far", "giver", "planlaegger",
           "ma", "kommer"),
}
_FR_INVERSION = re.compile(r"\b\w+-t-(il|elle|on)\b|\b\w+-(il|elle|ils|elles|on)\b")
_WHY = re.compile(r"^\W*(why|how come|what for|pourquoi|warum|wieso|weshalb|waarom|hvorfor)\b")
# words that give a reason, in en/fr/de/nl/da (accent-folded): "because", "to protect", "so that", "parce que",
# "afin de", "weil", "damit", "omdat", "zodat", "fordi", "for at"
_REASON = re.compile(r"\b(because|since|due to|owing to|as a result|in order to|so that|so as to|reason\w*|caus\w*|"
                     r"protect\w*|harm\w*|health\w*|pollut\w*|therefore|thus|why|parce que|car|afin de|pour que|"
                     r"a cause|grace a|raison\w*|proteg\w*|sante|weil|da|damit|um zu|grund\w*|schutz\w*|schutz|"
                     r"omdat|zodat|doordat|reden\w*|bescherm\w*|gezondheid|fordi|for at|sa at|grund|beskyt\w*|"
                     r"sundhed)\b")
_NEGATION = re.compile(r"\b(not|cannot|no|never|none|nor|ne|pas|jamais|aucun\w*|nicht|kein\w*|nie|niet|geen|nooit|"
                       r"ikke|ingen|aldrig)\b|n't\b")


def is_yes_no(question: str) -> bool:
    """True for "Does the plan include night buses?", "Existe-t-il une aide ?", "Gibt es Nachtbusse?"."""
    text = fold(question).strip().lstrip("¿¡\"'«“ ")
    words = text.split()
    if not words or _WH.fullmatch(words[0].split("-")[0].rstrip("?,")):
        return False  # a question word opens it: "How much ...", "Combien y a-t-il ..."
    if _FR_INVERSION.search(text):
        return True  # "Le plan prévoit-il ...", "Existe-t-il ..."
    return any(text.startswith(opener + " ") for openers in _YES_NO_OPENERS.values() for opener in openers)


def is_why(question: str) -> bool:
    """True for "Why do we need to stop using cars?" and its translations."""
    return bool(_WHY.match(fold(question)))


def gives_reason(sentence: str) -> bool:
    """The sentence says why ("It protects residents from air pollution: ..."), for a "why" question."""
    return bool(_REASON.search(fold(sentence)))


def negated(sentence: str) -> bool:
    """The sentence says something is not so: a plain "Yes, the plan says" would then mislead."""
    return bool(_NEGATION.search(fold(sentence)))
