"""Pattern recognisers: e-mails, phones, IBANs, cards, ID numbers, street addresses and personal URLs.

Every quantifier is bounded so that hostile input (a megabyte without spaces) stays linear in time,
and every digit pattern that could be an order number or a date is either checksum-validated or
needs a context word.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from civicai.privacy.checksums import (
    IBAN_LENGTHS,
    belgian_rrn_is_valid,
    card_prefix_is_plausible,
    dutch_bsn_is_valid,
    french_nir_is_valid,
    iban_is_valid,
    luhn_is_valid,
)


class Span(NamedTuple):
    kind: str
    start: int
    end: int


# ---------------------------------------------------------------- building blocks
CAP = r"[A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĖĘĚĞĪĮİĽŁŃŇŌŐŒŘŚŠŞŢŤŪŮŰŲŸŹŻŽ]"
LETTER = r"[^\W\d_]"
# One capitalised word: "Dupont", "Marie-Claire", "O'Brien", "Müller".
CAPWORD = rf"{CAP}{LETTER}{{0,30}}(?:['’-]{LETTER}{{1,30}}){{0,3}}"
SEP = r"[ \t\u00a0\u202f]"          # a space that stays on the same line
NOT_YEAR = r"(?!(?:19|20)\d\d\b)"   # house numbers are rarely 1900..2099: those are years
HOUSE_NO = rf"{NOT_YEAR}\d{{1,4}}(?:{SEP}?[A-Za-z](?![A-Za-z]))?"

# ---------------------------------------------------------------- e-mail
EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}"
    r"(?:@|\s?[\[(]\s?(?:at|arobase)\s?[\])]\s?)"  # "jean [at] mail.fr" is still an address
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
    r"(?:(?:\.|\s?[\[(]\s?(?:dot|point)\s?[\])]\s?)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?){1,6}",
    re.IGNORECASE,
)

# ---------------------------------------------------------------- URLs (only those that point at a person)
URL = re.compile(r"(?<![\w@])(?:https?://|www\.)[^\s<>\"'\]\[(){}]{2,300}", re.IGNORECASE)
_PERSONAL_HOSTS = re.compile(
    r"^(?:[\w-]+\.)*(?:facebook\.com|fb\.com|twitter\.com|x\.com|instagram\.com|linkedin\.com|tiktok\.com|"
    r"t\.me|wa\.me|vk\.com|snapchat\.com|threads\.net|pinterest\.\w+|flickr\.com|about\.me|"
    r"github\.com|gitlab\.com|medium\.com|substack\.com|bsky\.app|mastodon\.\w+|youtube\.com)$",
    re.IGNORECASE,
)
_PERSONAL_PATH = re.compile(r"/(?:~|@)|/(?:users?|profiles?|members?|u|in|people|person)/", re.IGNORECASE)
_PERSONAL_QUERY = re.compile(r"[?&](?:e-?mail|mail|user(?:name)?|name|token|phone|tel|uid|login)=", re.IGNORECASE)

# Social-media handles ("@jean_dupont") identify a person as well as a name does.
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@]|\.\w)")

# ---------------------------------------------------------------- phones
# International: +33 6 12 34 56 78, +44 (0)20 7946 0958, 0031 6 12345678, +49 151 23456789.
PHONE_INTL = re.compile(
    rf"(?<![\w+])(?:\+{SEP}?\d{{1,3}}|00(?:3[0-9]|4[0-9]|35\d|37\d|38\d|42\d))"
    rf"(?:[ \t.\-/]{{0,2}}\(0\))?(?:[ \t.\-/]{{0,2}}\(?\d{{1,5}}\)?){{1,7}}(?![\w])"
)
# National: 06 12 34 56 78, 07700 900123, 020 7946 0958, 06-12345678, (030) 123 456 78, 0470 12 34 56.
PHONE_NATIONAL = re.compile(
    r"(?<![\w+/.,-])(?:\(0\d{1,4}\)|0\d{1,4})(?:[ \t.\-/]{0,2}\d{2,4}){1,5}(?![\w]|[.,/-]\d)"
)

# ---------------------------------------------------------------- IBAN and cards
IBAN = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2})[ ]?\d{2}(?:[ -]?[A-Z0-9]){11,30}")
CARD = re.compile(r"(?<![\d.,-])(?<!\d[ -])\d(?:[ \-]?\d){12,18}(?![\d]|[ .,-]\d)")

# ---------------------------------------------------------------- national ID numbers
FR_NIR = re.compile(
    r"(?<![\w])[12][ .]?\d{2}[ .]?(?:0[1-9]|1[0-2]|[2-9]\d)[ .]?(?:\d{2}|2[AB])[ .]?\d{3}[ .]?\d{3}[ .]?\d{2}(?![\w])",
    re.IGNORECASE,
)
BE_RRN = re.compile(r"(?<![\w.-])\d{2}\.?\d{2}\.?\d{2}[-. ]?\d{3}\.?\d{2}(?![\w]|[.-]\d)")
UK_NINO = re.compile(
    r"(?<![\w])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?[A-D](?![\w])"
)
NL_BSN = re.compile(
    r"(?i:\b(?:bsn|burgerservicenummer|sofi-?nummer))[^\w\n]{0,5}(?i:nummer|nr\.?|number)?[^\w\n]{0,5}"
    r"(\d{4}[ .]?\d{2}[ .]?\d{3}|\d{3}[ .]?\d{2}[ .]?\d{2}[ .]?\d{2}|\d{9})(?!\w)"
)
# Any number right after a word that says it is an identity, tax, insurance or customer number.
ID_CONTEXT = re.compile(
    r"(?i:\b(?:passport|passeport|reisepass|paspoort|personalausweis|ausweis(?:nummer)?|identiteitskaart|"
    r"id[- ]?kaart|id[- ]?card|identity\s+card|carte\s+(?:nationale\s+)?d['’]identit[ée]|cni|"
    r"national\s+insurance|social\s+security|s[ée]curit[ée]\s+sociale|num[ée]ro\s+fiscal|tax\s+id|"
    r"steuer-?id|steueridentifikationsnummer|sozialversicherungsnummer|rijbewijs|driving\s+licen[cs]e|"
    r"driver'?s\s+license|permis\s+de\s+conduire|f[üu]hrerschein|customer\s+(?:number|no)|"
    r"num[ée]ro\s+(?:de\s+)?client|kundennummer|klantnummer|allocataire|patient\s+(?:number|id)|"
    r"nhs\s+number|matricule|rijksregisternummer|registre\s+national|rekeningnummer)\b)"
    r"[^\n\d]{0,25}?(?<![\w])([A-Z0-9](?:[A-Z0-9./ -]{3,24})[A-Z0-9])(?![\w])"
)

# ---------------------------------------------------------------- street addresses
_PARTICLE = r"(?:(?:des|de|du|la|le|les|aux|au|à|saint|sainte|st|ste|of|the|van|von|der|den|het|ter|ten)(?![\w'’])|[dl]['’])"
_NAMEPART = rf"(?:{CAPWORD}|{_PARTICLE}|\d{{1,2}})"
_EN_TYPES = (r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Court|Ct|Place|Pl|Square|Sq|Way|Crescent|"
             r"Cres|Terrace|Gardens|Grove|Hill|Row|Boulevard|Blvd|Mews|Walk|Parade")
_FR_TYPES = (r"rue|avenue|av|bd|boulevard|bld|blvd|place|pl|chemin|ch|impasse|imp|all[ée]e|quai|cours|route|rte|"
             r"square|passage|sentier|r[ée]sidence|lotissement|faubourg|fbg|chauss[ée]e|voie|cit[ée]|hameau|"
             r"rond-point|esplanade|parvis|promenade|traverse|mont[ée]e|clos|lieu-dit")
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}"
_NL_POSTCODE = r"[1-9]\d{3}[ ]?[A-Z]{2}"
_DE_SUFFIX = r"(?:stra(?:ß|ss)e|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|pfad|steig|stieg|markt|gr[ae]ben)"
_NL_SUFFIX = (r"(?:straat|laan|weg|plein|gracht|kade|singel|dijk|steeg|hof|park|pad|dreef|markt|wal|burgwal|"
              r"plantsoen|baan|dam|haven|kanaal|straatweg|dwarsstraat)")
_DE_NL_WORD = (rf"{CAP}{LETTER}{{0,40}}(?:-{LETTER}{{1,30}}){{0,3}}(?:{_DE_SUFFIX}|{_NL_SUFFIX})"
               rf"|(?:{CAPWORD}{SEP}){{1,2}}(?:Stra(?:ß|ss)e|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm|Ufer|Markt)"
               rf"|(?:Am|An\s+der|Im|In\s+der|Auf\s+dem|Zum|Zur|Op\s+de|Aan\s+de|In\s+de|Achter\s+de){SEP}{CAPWORD}")

ADDRESS_EN = re.compile(
    rf"(?<![\w.,-])(?:(?:Flat|Apt\.?|Apartment|Unit){SEP}\d{{1,4}}[A-Za-z]?,?{SEP}+)?{HOUSE_NO},?{SEP}+"
    rf"(?:{CAPWORD}{SEP}+){{1,3}}(?:{_EN_TYPES})\b\.?(?:,?{SEP}+{_UK_POSTCODE}\b)?"
)
ADDRESS_FR = re.compile(
    rf"(?<![\w.,-])(?:{HOUSE_NO}(?:{SEP}?(?:bis|ter|quater)\b)?,?{SEP}+(?i:{_FR_TYPES})\b\.?"
    rf"(?:{SEP}+{_NAMEPART}|(?<=['’]){CAPWORD}){{1,6}}"
    # Belgian order: "rue de la Loi 16", "avenue Louise 54"
    rf"|(?i:\b(?:{_FR_TYPES}))\b\.?(?:{SEP}+{_NAMEPART}|(?<=['’]){CAPWORD}){{1,6}},?{SEP}+{HOUSE_NO}(?![\w]))"
)
ADDRESS_DE_NL = re.compile(
    rf"(?<![\w-])(?:{CAPWORD}{SEP}+(?:(?:van|de|der|den|het|ter|ten|von|vom){SEP}+){{0,2}})?(?:{_DE_NL_WORD})"
    rf"{SEP}*,?{SEP}*{HOUSE_NO}(?:{SEP}?[-/]{SEP}?\d{{1,4}}[a-z]?)?(?![\w])(?:,?{SEP}+{_NL_POSTCODE}\b)?"
)
UK_POSTCODE = re.compile(rf"(?<![\w])(?:{_UK_POSTCODE})(?![\w])")


# ---------------------------------------------------------------- finders
def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def _find_ibans(text: str) -> Iterator[Span]:
    # IBANs come in any grouping ("FR76 3000 6000 ..." or run together); the regex takes the longest run
    # of IBAN characters, then the country's length says where the IBAN really ends.
    for m in IBAN.finditer(text):
        country = m.group(1)
        want = IBAN_LENGTHS.get(country)
        raw = m.group(0)
        compact = "".join(ch for ch in raw if ch.isalnum())
        if want is None:
            want = len(compact)
        if len(compact) < want or not iban_is_valid(compact[:want]):
            continue
        count, end = 0, m.start()
        for i, ch in enumerate(raw):
            if ch.isalnum():
                count += 1
                if count == want:
                    end = m.start() + i + 1
                    break
        if not (end < len(text) and text[end].isalnum()):
            yield Span("IBAN", m.start(), end)


def _find_urls(text: str) -> Iterator[Span]:
    for m in URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?")
        rest = re.sub(r"^(?:https?://)?", "", url, flags=re.IGNORECASE)
        host, _, path = rest.partition("/")
        host = host.split(":")[0].split("@")[-1]
        path = "/" + path
        personal = (_PERSONAL_HOSTS.match(host) and len(path.strip("/")) > 0) \
            or _PERSONAL_PATH.search(path) or _PERSONAL_QUERY.search(path)
        if personal:
            yield Span("URL", m.start(), m.start() + len(url))


def _find_phones(text: str) -> Iterator[Span]:
    for m in PHONE_INTL.finditer(text):
        if 9 <= len(_digits(m.group(0))) <= 15:
            yield Span("PHONE", m.start(), m.end())
    for m in PHONE_NATIONAL.finditer(text):
        digits = _digits(m.group(0))
        if 9 <= len(digits) <= 12 and len(set(digits)) > 2:
            yield Span("PHONE", m.start(), m.end())


def _find_cards(text: str) -> Iterator[Span]:
    for m in CARD.finditer(text):
        digits = _digits(m.group(0))
        if card_prefix_is_plausible(digits) and luhn_is_valid(digits):
            yield Span("CARD", m.start(), m.end())


def _find_ids(text: str) -> Iterator[Span]:
    for m in FR_NIR.finditer(text):
        if french_nir_is_valid(re.sub(r"[ .]", "", m.group(0))):
            yield Span("ID", m.start(), m.end())
    for m in BE_RRN.finditer(text):
        if belgian_rrn_is_valid(_digits(m.group(0))):
            yield Span("ID", m.start(), m.end())
    for m in UK_NINO.finditer(text):
        yield Span("ID", m.start(), m.end())
    for m in NL_BSN.finditer(text):
        if dutch_bsn_is_valid(_digits(m.group(1))):
            yield Span("ID", m.start(1), m.end(1))
    for m in ID_CONTEXT.finditer(text):
        if len(_digits(m.group(1))) >= 4:
            yield Span("ID", m.start(1), m.end(1))


def _find_addresses(text: str) -> Iterator[Span]:
    for pattern in (ADDRESS_EN, ADDRESS_FR, ADDRESS_DE_NL):
        for m in pattern.finditer(text):
            yield Span("ADDRESS", m.start(), m.end())
    for m in UK_POSTCODE.finditer(text):
        yield Span("ADDRESS", m.start(), m.end())


_DIGIT = re.compile(r"\d")


def find_pattern_spans(text: str) -> list[Span]:
    """Every pattern match in `text`, overlapping and unresolved (the redactor picks among them).

    Each family runs only when the text could hold it (an '@', enough digits): most submissions have
    no PII, and skipping the regexes there is most of the speed.
    """
    spans: list[Span] = []
    lower = text.lower()
    if "@" in text or "[at]" in lower or "(at)" in lower:
        spans.extend(Span("EMAIL", m.start(), m.end()) for m in EMAIL.finditer(text))
        spans.extend(Span("PERSON", m.start(), m.end()) for m in HANDLE.finditer(text))
    if "www." in lower or "://" in text:
        spans.extend(_find_urls(text))
    digits = len(_DIGIT.findall(text))
    if digits >= 1:
        spans.extend(_find_addresses(text))
    if digits >= 4:
        spans.extend(_find_ids(text))
    if digits >= 8:
        spans.extend(_find_ibans(text))
    if digits >= 9:
        spans.extend(_find_phones(text))
    if digits >= 13:
        spans.extend(_find_cards(text))
    return spans
