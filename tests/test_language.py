"""Language identification on real sentences in the project's four languages."""
from __future__ import annotations

import pytest

from civicai.text.language import LanguageGuess, detect_language, detect_many

SENTENCES = [
    ("en", "We need more protected bike lanes and trees along the main roads of the city."),
    ("fr", "Il faudrait plus de pistes cyclables sécurisées et d'arbres le long des grands axes."),
    ("de", "Wir brauchen mehr geschützte Radwege und Bäume entlang der Hauptstraßen der Stadt."),
    ("nl", "We hebben meer veilige fietspaden en bomen nodig langs de grote wegen van de stad."),
    ("fr", "Le tramway doit aller\njusqu'à la gare,\n\nmerci de nous écouter."),
    ("en", "Please fix the potholes!!!\nThey are dangerous for cyclists."),
]


@pytest.mark.parametrize("expected,text", SENTENCES)
def test_detects_the_language(expected, text):
    guess = detect_language(text)
    assert isinstance(guess, LanguageGuess)
    assert guess.code == expected, f"{text!r} -> {guess}"
    assert 0.5 < guess.score <= 1.0


@pytest.mark.parametrize("junk", ["", "   \n\t ", "12345 678", "!!!???", "🌍🔥💚", "\x00\x01", "[PERSON] [EMAIL] [PHONE]"])
def test_empty_or_junk_is_undetermined(junk):
    assert detect_language(junk) == LanguageGuess("und", 0.0)


def test_placeholders_links_and_numbers_do_not_sway_detection():
    text = "[PERSON] [EMAIL] https://example.com/path 06 12 34 56 78 Je suis contre ce projet de parking."
    assert detect_language(text).code == "fr"


def test_detect_many_keeps_order_and_length():
    texts = [t for _, t in SENTENCES] + ["", "Hallo zusammen, wie geht es euch heute?"]
    guesses = detect_many(texts)
    assert [g.code for g in guesses] == [c for c, _ in SENTENCES] + ["und", "de"]


def test_huge_and_hostile_text_does_not_crash():
    assert detect_language("Bonjour tout le monde. " * 50_000).code == "fr"
    assert detect_language("\u202e" + "Hello there, how are you today?" + "\u202c").code == "en"
    assert detect_language(None).code == "und"  # type: ignore[arg-type]


def test_expected_languages_are_preferred_when_plausible():
    short_dutch = "Gaan de tarieven weer omhoog?"
    assert detect_language(short_dutch, languages=("en", "fr", "de", "nl")).code == "nl"
    # A text in none of the expected languages keeps the detector's own answer.
    assert detect_language("Necesitamos más carriles bici en la ciudad.", languages=("en", "fr")).code == "es"
    assert [g.code for g in detect_many(["Bonjour à tous", short_dutch], languages=["fr", "nl"])] == ["fr", "nl"]
