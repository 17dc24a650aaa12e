"""Build the Rivermouth sample consultation: comments, demographics, gold labels, planted problems."""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from . import phrases_de, phrases_en, phrases_fr, phrases_nl
from .problems import (
    CAMPAIGN_SIGNERS,
    JUNK_TEXTS,
    MIXED_LANGUAGE,
    PII_TEMPLATES,
    PII_VALUES,
    campaign_letter,
)

PHRASES = {"fr": phrases_fr, "en": phrases_en, "nl": phrases_nl, "de": phrases_de}
TOTAL_ROWS = 720
LANGUAGE_SHARE = {"fr": 0.35, "en": 0.35, "nl": 0.15, "de": 0.15}
N_CAMPAIGN = 40
PII_ROWS = {"fr": 12, "en": 12, "nl": 6, "de": 6}  # plus the signed campaign letters: ~8% of rows
DUPLICATE_LANGS = ["en", "fr", "en", "fr", "nl", "de"]
SMALL_ROWS = 80

DISTRICTS = {"Harbour": 0.21, "Old Town": 0.17, "Northfield": 0.26, "Riverside": 0.16, "Hillcrest": 0.06,
             "Eastgate": 0.16}
# Where each language is a bit more common (a real city is not uniformly mixed).
LANGUAGE_DISTRICT_BOOST = {"fr": "Old Town", "en": "Harbour", "nl": "Northfield", "de": "Eastgate"}
THEME_DISTRICT_BOOST = {"flooding": "Riverside", "car_traffic": "Northfield", "waste": "Eastgate",
                        "green_spaces": "Old Town"}
AGE_BANDS = {"under 18": 0.06, "18-29": 0.20, "30-44": 0.30, "45-64": 0.27, "65+": 0.17}
THEME_AGE_BOOST = {"youth_participation": "under 18", "energy_poverty": "65+", "renovation": "45-64",
                   "cycling": "30-44", "public_transport": "18-29"}
BLANK_DISTRICT, BLANK_AGE = 0.05, 0.06
SHORT_TAILS = {  # what people add to a one-liner
    "en": ["That's all I wanted to say.", "Simple as that.", "Thanks in advance.", "Please think about it.",
           "It's not rocket science."],
    "fr": ["C'est tout ce que je voulais dire.", "Merci d'avance.", "Pensez-y svp.", "C'est pas compliqué.",
           "Voilà, c'est dit."],
    "nl": ["Dat wou ik even kwijt.", "Alvast bedankt.", "Denk er eens over na.", "Zo moeilijk is het niet."],
    "de": ["Das wollte ich nur mal sagen.", "Danke im Voraus.", "Bitte darüber nachdenken.", "So schwer ist das nicht."],
}

THEME_WEIGHTS = {"cycling": 14, "public_transport": 13, "car_traffic": 12, "green_spaces": 11, "renovation": 10,
                 "energy_poverty": 10, "solar_energy": 8, "waste": 8, "flooding": 7, "youth_participation": 7}
# Stance mix differs by theme, as it would in a real consultation.
STANCE_WEIGHTS = {
    "cycling": (50, 25, 15, 10), "public_transport": (40, 30, 20, 10), "car_traffic": (30, 45, 15, 10),
    "green_spaces": (60, 15, 17, 8), "renovation": (40, 30, 20, 10), "energy_poverty": (30, 40, 22, 8),
    "solar_energy": (50, 20, 22, 8), "waste": (40, 30, 22, 8), "flooding": (50, 20, 25, 5),
    "youth_participation": (50, 25, 20, 5),
}
STANCES = ("support", "oppose", "neutral", "mixed")
GREETINGS = {"Hello,", "Hi there,", "Bonjour,", "Bonsoir,", "Goedendag,", "Hallo,", "Guten Tag,", "Hallo zusammen,"}
KEEP_CAPITAL = {"I", "I'm", "I've", "I'd", "LEZ", "ZBE", "Rivermouth", "Northfield", "Harbour", "Riverside",
                "Hillcrest", "Eastgate", "Old", "Bus", "Repair", "Pocket"}


@dataclass(eq=False)  # rows compare by identity: two letters may read the same
class Row:
    text: str
    language: str
    theme: str
    stance: str
    district: str = ""
    age_band: str = ""
    pii: list[tuple[str, str]] = field(default_factory=list)
    problem: str = ""  # "", "campaign", "duplicate", "junk"
    duplicate_of: Row | None = None
    id: str = ""


def _weighted(rng: random.Random, weights: dict[str, float], boost: str | None = None, factor: float = 2.5) -> str:
    keys = list(weights)
    values = [weights[k] * (factor if k == boost else 1.0) for k in keys]
    return rng.choices(keys, values)[0]


def _demographics(rng: random.Random, language: str, theme: str) -> tuple[str, str]:
    boost = THEME_DISTRICT_BOOST.get(theme) if rng.random() < 0.5 else LANGUAGE_DISTRICT_BOOST[language]
    district = "" if rng.random() < BLANK_DISTRICT else _weighted(rng, DISTRICTS, boost, 1.8)
    age = "" if rng.random() < BLANK_AGE else _weighted(rng, AGE_BANDS, THEME_AGE_BOOST.get(theme), 3.0)
    return district, age


def _join(first: str, second: str, language: str) -> str:
    """Join two pieces; after a comma lower-case the next word where the language allows it."""
    if first.endswith(",") and first not in GREETINGS and language != "de":
        word = second.split(" ", 1)[0].strip("!?.,:")
        if word not in KEEP_CAPITAL and not word.isupper():
            second = second[0].lower() + second[1:]
    return f"{first} {second}"


def _assemble(parts: list[str], language: str) -> str:
    text = parts[0]
    for part in parts[1:]:
        text = _join(text, part, language)
    return text


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _typo(text: str, rng: random.Random) -> str:
    """Mistakes real people make: swapped or dropped letters, no accents, all lower case, '!!'."""
    kind = rng.choice(["swap", "drop", "double", "lower", "accents", "bang", "swap"])
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if kind in {"swap", "drop", "double"} and candidates:
        i = rng.choice(candidates)
        w = words[i]
        j = rng.randrange(1, len(w) - 2)
        if kind == "swap":
            w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        elif kind == "drop":
            w = w[:j] + w[j + 1 :]
        else:
            w = w[:j] + w[j] + w[j:]
        words[i] = w
        return " ".join(words)
    if kind == "lower":
        return text.lower().rstrip(".")
    if kind == "accents":
        return _strip_accents(text)
    return text.rstrip(".!") + "!!"


def _fill(sentence: str, district: str, language: str) -> str:
    if "{district}" not in sentence:
        return sentence
    place = district or {"fr": "chez nous", "en": "our area", "nl": "onze buurt", "de": "unser Viertel"}[language]
    return sentence.replace("{district}", place)


def compose(rng: random.Random, language: str, theme: str, stance: str, district: str, used_short: set) -> str:
    """One comment from fragments: opener? + core (+ bridge + core for mixed) + details + closer?"""
    mod = PHRASES[language]
    bank = mod.THEMES[theme]
    shorts = [t for s, t in bank["short"] if s == stance and (language, t) not in used_short]
    roll = rng.random()
    if shorts and roll < 0.35:
        text = rng.choice(shorts)
        used_short.add((language, text))
        tails = rng.sample(SHORT_TAILS[language], k=2)
        while word_count(text) < 5:  # very short comments still get a word or two more
            text = f"{text} {tails.pop()}"
        return text
    if stance == "mixed":
        core = [rng.choice(bank["support"]), rng.choice(mod.BRIDGES), rng.choice(bank["oppose"])]
    else:
        core = [rng.choice(bank[stance])]
    long_comment = roll > 0.82
    details = rng.sample(bank["detail"], k=rng.choice([2, 3, 3]) if long_comment else rng.choice([0, 1, 1, 1, 2, 2]))
    if long_comment and stance != "neutral" and rng.random() < 0.6:
        details.append(rng.choice(bank["neutral"]))  # an opinion followed by a question
    if rng.random() < (0.4 if long_comment else 0.12):  # residents wander to a second topic
        other = rng.choice([t for t in mod.THEMES if t != theme])
        details.append(rng.choice(mod.THEMES[other]["detail"]))
    parts = core + details
    if stance != "mixed" and rng.random() < 0.5:
        rng.shuffle(parts)  # detail first, opinion after: people write both ways
        if parts[0] in mod.BRIDGES:
            parts = core + details
    if rng.random() < (0.8 if long_comment else 0.45):
        parts.insert(0, rng.choice(mod.OPENERS))
    if rng.random() < (0.7 if long_comment else 0.35):
        parts.append(rng.choice(mod.CLOSERS))
    text = _assemble([_fill(p, district, language) for p in parts], language)
    return text


NEAR_COPY = 0.5  # word-trigram Jaccard from which two comments count as near-copies


def shingles(text: str) -> set[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    return {tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2)} or {tuple(tokens)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


def word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _add_pii(row: Row, rng: random.Random, pools: dict[str, dict[str, list[str]]], used: Counter) -> None:
    # only templates whose values are still unused (every planted value belongs to one writer),
    # least-used first, so each language gets every kind of PII
    usable = [(t, w) for t, w in PII_TEMPLATES[row.language]
              if all(pools[row.language][k] for k in re.findall(r"\{(\w+)\}", t))]
    fewest = min(used[t] for t, _ in usable)
    template, where = rng.choice([(t, w) for t, w in usable if used[t] == fewest])
    used[template] += 1
    values = {}
    for kind in re.findall(r"\{(\w+)\}", template):
        values[kind] = pools[row.language][kind].pop(0)
        row.pii.append((kind, values[kind]))
    sentence = template.format(**values)
    if where == "start":
        row.text = f"{sentence} {row.text}"
    else:
        glue = " " if row.text.rstrip()[-1:] in {".", "!", "?"} else ". "
        row.text = f"{row.text.rstrip()}{glue}{sentence}"


def build_rows(seed: int) -> list[Row]:
    rng = random.Random(seed)
    rows: list[Row] = []
    signers = list(CAMPAIGN_SIGNERS)
    for _ in range(N_CAMPAIGN):
        text, pii = campaign_letter(rng, signers)
        district = "Northfield" if rng.random() < 0.6 else _weighted(rng, DISTRICTS)
        age = rng.choice(["45-64", "65+", "65+", "30-44", ""])
        rows.append(Row(text, "fr", "car_traffic", "oppose", district, age, pii, problem="campaign"))
    for text in JUNK_TEXTS:
        language = _weighted(rng, LANGUAGE_SHARE)
        district, age = _demographics(rng, language, "none")
        rows.append(Row(text, language, "none", "neutral", district, age, problem="junk"))
    for language, mod in PHRASES.items():
        for theme, stance, text in mod.HANDWRITTEN:
            rows.append(Row(text, language, theme, stance, *_demographics(rng, language, theme)))
    for language, theme, stance, text in MIXED_LANGUAGE:
        rows.append(Row(text, language, theme, stance, *_demographics(rng, language, theme)))

    # Fill each language up to its share with composed comments: all distinct, and none a near-copy
    # of another (only the planted duplicates and the campaign may look alike).
    accepted = [shingles(r.text) for r in rows if not r.problem]
    used_short: set = set()
    for language, share in LANGUAGE_SHARE.items():
        have = sum(r.language == language for r in rows) + DUPLICATE_LANGS.count(language)
        for _ in range(round(TOTAL_ROWS * share) - have):
            theme = _weighted(rng, THEME_WEIGHTS)
            stance = rng.choices(STANCES, STANCE_WEIGHTS[theme])[0]
            district, age = _demographics(rng, language, theme)
            for _attempt in range(1000):
                text = compose(rng, language, theme, stance, district, used_short)
                if rng.random() < 0.18:
                    text = _typo(text, rng)
                grams = shingles(text)
                if 5 <= word_count(text) <= 120 and all(jaccard(grams, other) < NEAR_COPY for other in accepted):
                    break
            else:
                raise RuntimeError(f"no distinct {language}/{theme}/{stance} comment left: add phrases")
            accepted.append(grams)
            rows.append(Row(text, language, theme, stance, district, age))

    plain = [r for r in rows if not r.problem]
    pools = {lang: {kind: list(vals) for kind, vals in kinds.items()} for lang, kinds in PII_VALUES.items()}
    used: Counter = Counter()
    for language, n_rows in PII_ROWS.items():
        candidates = [r for r in plain if r.language == language]
        for row in rng.sample(candidates, n_rows):
            _add_pii(row, rng, pools, used)

    # Exact duplicates: the same text sent again under another id (other demographics).
    for language in DUPLICATE_LANGS:
        original = rng.choice([r for r in plain if r.language == language and not r.pii and not r.duplicate_of
                               and word_count(r.text) >= 12 and r not in _duplicated(rows)])
        district, age = _demographics(rng, language, original.theme)
        rows.append(Row(original.text, language, original.theme, original.stance, district, age,
                        problem="duplicate", duplicate_of=original))
    return _order_and_number(rows, rng)


def _duplicated(rows: list[Row]) -> list[Row]:
    return [r.duplicate_of for r in rows if r.duplicate_of is not None]


def _order_and_number(rows: list[Row], rng: random.Random) -> list[Row]:
    """Shuffle, but put a sample of every planted problem in the first SMALL_ROWS rows."""
    dups = [r for r in rows if r.problem == "duplicate"]
    head: list[Row] = []
    for dup in dups[:2]:
        head += [dup, dup.duplicate_of]
    head += [r for r in rows if r.problem == "campaign"][:6]
    head += [r for r in rows if r.problem == "junk"][:4]
    head += [r for r in rows if r.pii and r.problem != "campaign"][:6]
    rest = [r for r in rows if r not in head]
    rng.shuffle(rest)
    head += rest[: SMALL_ROWS - len(head)]
    rest = [r for r in rest if r not in head]
    rng.shuffle(head)
    ordered = head + rest
    # a duplicate must come after its original, as it would on the form
    for dup in dups:
        i, j = ordered.index(dup), ordered.index(dup.duplicate_of)
        if i < j:
            ordered[i], ordered[j] = ordered[j], ordered[i]
    for n, row in enumerate(ordered, start=1):
        row.id = f"R{n:04d}"
    return ordered
