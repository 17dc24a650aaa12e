"""PII redaction on real-looking strings in English, French, German and Dutch."""
from __future__ import annotations

import re

import pytest

from civicai.errors import InputError
from civicai.privacy import PLACEHOLDERS, RedactedText, Redaction, Redactor, scan_for_pii


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


@pytest.fixture(scope="module")
def pattern_redactor() -> Redactor:
    return Redactor(use_ner=False)


def _nir_key(body: str) -> str:
    # Written here from the INSEE rule (97 - number mod 97), independent of the library's validator.
    return f"{97 - int(body) % 97:02d}"


NIR = "1 85 05 78 006 084 " + _nir_key("1850578006084")

# (language, text, [(kind, value that must disappear)])
CASES = [
    ("fr", "Contactez-moi au 06 12 34 56 78 ou par mail jean.dupont@gmail.com. J'habite 12 rue des Lilas, 75005 Paris.",
     [("PHONE", "06 12 34 56 78"), ("EMAIL", "jean.dupont@gmail.com"), ("ADDRESS", "12 rue des Lilas")]),
    ("fr", "Bonjour, je m'appelle Marie-Claire Dubois et mon numéro est le +33 6 98 76 54 32.",
     [("PERSON", "Marie-Claire Dubois"), ("PHONE", "+33 6 98 76 54 32")]),
    ("fr", "Virement sur FR14 2004 1010 0505 0001 3M02 606 svp. Mon numéro de sécurité sociale : " + NIR + ".",
     [("IBAN", "FR14 2004 1010 0505 0001 3M02 606"), ("ID", NIR)]),
    ("fr", "Cordialement,\nPierre Lefèvre\n3 bis avenue Jean Jaurès, 69007 Lyon",
     [("PERSON", "Pierre Lefèvre"), ("ADDRESS", "3 bis avenue Jean Jaurès")]),
    ("en", "Call me on +44 7700 900123 or 020 7946 0958. I live at 42 Baker Street, London NW1 6XE.",
     [("PHONE", "+44 7700 900123"), ("PHONE", "020 7946 0958"), ("ADDRESS", "42 Baker Street")]),
    ("en", "Dear Mr Smith, my name is John O'Brien and my card 4111 1111 1111 1111 was charged twice. Kind regards, Sarah Johnson",
     [("PERSON", "Smith"), ("PERSON", "John O'Brien"), ("CARD", "4111 1111 1111 1111"), ("PERSON", "Sarah Johnson")]),
    ("en", "My national insurance number is AB 12 34 56 C and my account GB82 WEST 1234 5698 7654 32.",
     [("ID", "AB 12 34 56 C"), ("IBAN", "GB82 WEST 1234 5698 7654 32")]),
    ("de", "Mit freundlichen Grüßen,\nHans Müller\nHauptstraße 7, 10115 Berlin, Tel. 030 1234567 oder +49 151 23456789",
     [("PERSON", "Hans Müller"), ("ADDRESS", "Hauptstraße 7"), ("PHONE", "030 1234567"), ("PHONE", "+49 151 23456789")]),
    ("de", "Ich heiße Anna Schmidt, meine IBAN ist DE89 3704 0044 0532 0130 00 und ich wohne Berliner Straße 12a.",
     [("PERSON", "Anna Schmidt"), ("IBAN", "DE89 3704 0044 0532 0130 00"), ("ADDRESS", "Berliner Straße 12a")]),
    ("nl", "Bel me op 06-12345678, ik woon Kerkstraat 15, 1012 AB Amsterdam. Met vriendelijke groet, Jan de Vries",
     [("PHONE", "06-12345678"), ("ADDRESS", "Kerkstraat 15"), ("PERSON", "Jan de Vries")]),
    ("nl", "Mijn naam is Pieter van den Berg, BSN 111222333, rekening NL91 ABNA 0417 1643 00, mail p.vdberg@ziggo.nl",
     [("PERSON", "Pieter van den Berg"), ("ID", "111222333"), ("IBAN", "NL91 ABNA 0417 1643 00"), ("EMAIL", "p.vdberg@ziggo.nl")]),
    ("fr", "Je vis avenue Louise 54 à Bruxelles, tél. +32 470 12 34 56, registre national 85.07.30-033.28.",
     [("ADDRESS", "avenue Louise 54"), ("PHONE", "+32 470 12 34 56"), ("ID", "85.07.30-033.28")]),
    ("en", "Find me at https://www.facebook.com/jean.dupont.75 but the plan is on https://www.paris.fr/plan-climat",
     [("URL", "https://www.facebook.com/jean.dupont.75")]),
    ("en", "As @jean_dupont75 said (mail jd@mail.example.org), the INSEE code 75056 is not personal.",
     [("PERSON", "@jean_dupont75"), ("EMAIL", "jd@mail.example.org")]),
]


@pytest.mark.parametrize("language,text,expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_pii_is_replaced_by_placeholders(redactor, language, text, expected):
    result = redactor.redact(text, language=language)
    for kind, value in expected:
        assert value not in result.text, f"{kind} {value!r} leaked: {result.text!r}"
        start = text.index(value)
        covering = [r for r in result.redactions if r.start <= start and text.index(value) + len(value) <= r.end]
        assert covering and covering[0].kind == kind, f"{value!r} not redacted as {kind}: {result.redactions}"
        assert PLACEHOLDERS[kind] in result.text


@pytest.mark.parametrize("language,text,expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_offsets_point_into_the_original_text(redactor, language, text, expected):
    result = redactor.redact(text, language=language)
    rebuilt, cursor = [], 0
    for red in result.redactions:
        assert 0 <= red.start < red.end <= len(text) and red.start >= cursor
        rebuilt += [text[cursor:red.start], red.placeholder]
        cursor = red.end
    assert "".join(rebuilt) + text[cursor:] == result.text
    assert sum(result.counts.values()) == len(result.redactions)


def test_language_detection_is_used_when_language_is_not_given(redactor):
    text = "Bonjour, je m'appelle Marie-Claire Dubois et j'habite 12 rue des Lilas à Paris."
    assert redactor.redact(text).text == redactor.redact(text, language="fr").text


KEEP = [
    ("fr", "Bonjour, la réunion du 12 mars 2024 à Paris a réuni 1500 personnes pour un budget de 3 000 000 euros.",
     ["Bonjour", "12 mars 2024", "Paris", "1500", "3 000 000"]),
    ("fr", "Contactez la mairie de Lyon avant le 15/03/2025 : le plan climat vise 2030 et Marseille aussi.",
     ["Contactez", "Lyon", "15/03/2025", "2030", "Marseille"]),
    ("en", "Hello, on 03.04.2025 the council of Manchester voted 45 to 12 for more bike lanes by 2030.",
     ["Hello", "03.04.2025", "Manchester", "2030"]),
    ("de", "Guten Tag, Berlin und München brauchen bis 2035 mehr Radwege; die Sitzung ist am 12.05.2025.",
     ["Guten Tag", "Berlin", "München", "2035", "12.05.2025"]),
    ("en", "The plan page https://www.paris.fr/plan-climat and INSEE code 75056 stay; so does 2 500 000 EUR.",
     ["https://www.paris.fr/plan-climat", "75056", "2 500 000"]),
    ("nl", "Beste gemeente, in Amsterdam en Rotterdam moeten er vóór 2030 meer bomen komen, zegt 78% van de bewoners.",
     ["Amsterdam", "Rotterdam", "2030", "78%"]),
]


@pytest.mark.parametrize("language,text,kept", KEEP, ids=[f"{c[0]}-{i}" for i, c in enumerate(KEEP)])
def test_cities_dates_greetings_and_numbers_are_kept(redactor, language, text, kept):
    result = redactor.redact(text, language=language)
    for word in kept:
        assert word in result.text, f"{word!r} was redacted: {result.text!r}"


def test_invalid_checksums_are_not_redacted_as_iban_or_card(pattern_redactor):
    text = "Order FR76 3000 6000 0112 3456 7890 188 and ref 4111 1111 1111 1112."
    kinds = {r.kind for r in pattern_redactor.redact(text, language="en").redactions}
    assert "IBAN" not in kinds and "CARD" not in kinds


def test_redactions_keep_no_raw_value_only_a_stable_hash(redactor):
    first = redactor.redact("Write to jean.dupont@gmail.com", language="en").redactions[0]
    second = redactor.redact("JEAN.DUPONT@gmail.com is me", language="en").redactions[0]
    other = redactor.redact("Write to marie@gmail.com", language="en").redactions[0]
    assert set(Redaction.__slots__) == {"kind", "start", "end", "text_hash"}
    assert "jean" not in first.text_hash and len(first.text_hash) == 12
    assert first.text_hash == second.text_hash != other.text_hash


def test_redacting_twice_changes_nothing(redactor):
    for _, text, _ in CASES:
        once = redactor.redact(text).text
        assert redactor.redact(once).redactions == [], once


def test_redact_many_matches_redact(redactor):
    texts = [c[1] for c in CASES] + [k[1] for k in KEEP] + ["", "   "]
    batch = redactor.redact_many(texts)
    assert [r.text for r in batch] == [redactor.redact(t).text for t in texts]
    given = redactor.redact_many(texts, languages=[c[0] for c in CASES] + [k[0] for k in KEEP] + [None, None])
    assert len(given) == len(texts) and all(isinstance(r, RedactedText) for r in given)


def test_scan_for_pii_finds_leaks_and_ignores_placeholders(redactor):
    leaks = scan_for_pii("Residents like Ms Garcia (garcia.l@outlook.com, 06 11 22 33 44) want trees.")
    assert {r.kind for r in leaks} >= {"EMAIL", "PHONE", "PERSON"}
    placeholders = " ".join(PLACEHOLDERS.values())
    assert scan_for_pii(f"Summary: {placeholders} asked for trees; [PERSON] wrote from [ADDRESS].") == []
    for _, text, _ in CASES:
        assert scan_for_pii(redactor.redact(text).text) == []


def test_hidden_pii_split_by_invisible_characters_is_found(redactor):
    text = "mail: jean\u200b.dupont@gm\u200dail.com, tel 06\u200b 12 34 56 78 \u202edone"
    result = redactor.redact(text, language="fr")
    assert result.counts.get("EMAIL") == 1 and result.counts.get("PHONE") == 1
    email = next(r for r in result.redactions if r.kind == "EMAIL")
    assert text[email.start:email.end] == "jean\u200b.dupont@gm\u200dail.com"


@pytest.mark.parametrize("text", [
    "",
    "\x00\x01\x02\x1b[31m\x7f",
    "🌍🔥💚 " * 50 + "contact: 🌍jean@x.fr🌍",
    "\u202eevil\u202c \u200f\u200e\u2066 Jean \u2069 +33 6 12 34 56 78",
    "\ud800 lone surrogate then bob@example.org",
    "A" * 10_000,
    "[[[[]]]]" * 1000 + "@" * 1000,
])
def test_hostile_inputs_do_not_crash(redactor, text):
    result = redactor.redact(text)
    assert isinstance(result.text, str)
    assert all(0 <= r.start < r.end <= len(text) for r in result.redactions)


def test_one_megabyte_text(redactor):
    # Lower-case prose (no NER candidates) keeps this fast; the patterns still run over all of it.
    paragraph = "we want more bike lanes; reach me on 07700 900123 or at bob@example.org, 42 Baker Street. "
    text = paragraph * (1_000_000 // len(paragraph) + 1)
    result = redactor.redact(text, language="en")
    assert "07700 900123" not in result.text and "bob@example.org" not in result.text
    assert result.counts["PHONE"] == result.counts["EMAIL"] == text.count("07700 900123")


def test_names_deep_inside_a_long_text_get_right_offsets(redactor):
    filler = "the tram should run every ten minutes and the buses too. " * 400
    text = filler + "Yesterday Sarah Johnson wrote about it. " + filler
    result = redactor.redact(text, language="en")
    person = [r for r in result.redactions if r.kind == "PERSON"]
    assert [text[r.start:r.end] for r in person] == ["Sarah Johnson"]


def test_bad_inputs_raise_errors_that_say_what_to_do(redactor):
    with pytest.raises(InputError, match="texts\\[1\\]"):
        redactor.redact_many(["ok", 42])
    with pytest.raises(InputError, match="one language"):
        redactor.redact_many(["a", "b"], languages=["en"])
    with pytest.raises(InputError):
        Redactor(languages=("english",))
    assert redactor.redact(None).text == ""  # a missing cell is an empty text


def test_pattern_only_redactor_needs_no_model(pattern_redactor):
    result = pattern_redactor.redact("Mail bob@example.org or call 06 12 34 56 78.", language="en")
    assert re.fullmatch(r"Mail \[EMAIL\] or call \[PHONE\]\.", result.text)


NER_CASES = [
    ("en", "Yesterday Sarah Johnson and I walked to the new park in Leeds with Tom.", ["Sarah Johnson", "Tom"], ["Leeds"]),
    ("fr", "Hier, Jean Dupont a parlé au conseil municipal de Lyon avec Claire Martin.", ["Jean Dupont", "Claire Martin"], ["Lyon"]),
    ("fr", "Bonjour, Contactez la mairie. Merci à Patrick Morel pour son aide à Marseille.", ["Patrick Morel"],
     ["Bonjour", "Contactez", "Marseille"]),
    ("en", "I agree with Emily Clarke: the tram to Manchester Airport must run at night.", ["Emily Clarke"], ["Manchester"]),
    ("nl", "Gisteren sprak Pieter Jansen met de gemeente Utrecht over fietspaden.", ["Pieter Jansen"], ["Gisteren", "Utrecht"]),
    ("fr", "Salutations distinguées,\nUn habitant de Northfield", [], ["Un habitant", "Northfield"]),
]


@pytest.mark.parametrize("language,text,names,kept", NER_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(NER_CASES)])
def test_bare_names_found_by_ner_and_places_kept(redactor, language, text, names, kept):
    result = redactor.redact(text, language=language)
    for name in names:
        assert name not in result.text, result.text
    for word in kept:
        assert word in result.text, result.text


def test_place_names_frequent_in_a_batch_are_not_people(redactor):
    # One-word places that recur across many submissions are the consultation's own districts.
    texts = [f"The flooding in Rivermouth is getting worse, number {i} in a row." for i in range(30)]
    assert all("Rivermouth" in r.text for r in redactor.redact_many(texts, languages=["en"] * 30))
    kept = Redactor(keep_words=["Rivermouth"]).redact("Nobody asked Rivermouth about it.", language="en")
    assert "Rivermouth" in kept.text


def test_worker_processes_redact_exactly_like_one_process():
    from civicai.privacy.redactor import _POOL_ABOVE

    base = ["Call me on +32 470 12 34 56, Sanne de Boer", "Mail jan.peeters@example.org about the bus lane",
            "Hallo, hier schreibt Klaus Becker aus der Altstadt.", "Plus de pistes cyclables, merci. Marie Dubois"]
    texts = [f"{base[i % 4]} ({i})" for i in range(_POOL_ABOVE + 50)]
    redactor = Redactor(salt=b"test-salt")
    pooled, single = redactor.redact_many(texts, workers=2), redactor.redact_many(texts, workers=1)
    assert [r.text for r in pooled] == [r.text for r in single]
    assert [r.redactions for r in pooled] == [r.redactions for r in single]
    assert "[PHONE]" in pooled[0].text and "[EMAIL]" in pooled[1].text and "Klaus Becker" not in pooled[2].text
