"""Theme titles and summaries (issue 15): short noun phrases members wrote, in the staff's chosen language,
with sub-points and their counts; colliding titles get told apart; staff names are never replaced."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest

from civicai.summarise.title import (
    Phrase,
    ThemeTitle,
    distinguish,
    distinguish_parents,
    majority_language,
    summary_text,
    title_themes,
)


@pytest.fixture(scope="module")
def embedder():  # type: ignore[no-untyped-def]
    from civicai.embed import get_embedder

    return get_embedder("use")


@pytest.fixture(scope="module")
def sample(sample_dir: Path, embedder):  # type: ignore[no-untyped-def]
    """The sample's gold topics as themes: texts, languages, theme index, centroids."""
    themes = json.loads((sample_dir / "themes.json").read_text(encoding="utf-8"))
    index = {t["id"]: i for i, t in enumerate(themes)}
    gold = {r["id"]: r["theme"] for r in csv.DictReader((sample_dir / "gold.csv").open(encoding="utf-8"))}
    rows = [r for r in csv.DictReader((sample_dir / "consultation.csv").open(encoding="utf-8")) if gold[r["id"]] in index]
    texts = [r["text"] for r in rows]
    primary = np.array([index[gold[r["id"]]] for r in rows])
    vectors = embedder.encode(texts)
    centroids = np.stack([vectors[primary == t].mean(axis=0) for t in range(len(themes))])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    return texts, [r["language"] for r in rows], primary, centroids, len(themes)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.lower())


@pytest.mark.parametrize("language", ["en", "fr"])
def test_titles_are_short_distinct_phrases_members_wrote_in_the_chosen_language(sample, embedder, language) -> None:  # type: ignore[no-untyped-def]
    texts, languages, primary, centroids, k = sample
    titles = title_themes(texts, languages, primary, k, centroids, embedder, language)
    conjunction = {"en": "and", "fr": "et"}[language]
    assert len({t.title.lower() for t in titles}) == k  # no two themes read the same
    for t, title in enumerate(titles):
        assert title.language == language and title.source == "phrases", title
        assert 1 <= len(title.title.split()) <= 6, title.title
        # every word of the title was written by a member of this theme, in the chosen language (the old
        # labeller mixed languages: "Zbe, zone, moyens", "Bike, vélo, lanes")
        written = " ".join(texts[i] for i in np.nonzero(primary == t)[0] if languages[i] == language).lower()
        assert all(w in written for w in _words(title.title) if w != conjunction), (title.title, language)
        # sub-points with how many members wrote each, in the same language
        assert re.search(r"\(\d+\)", title.summary), title.summary
        assert all(p.count >= 2 for p in title.points)
    if language == "en":
        assert titles[0].summary.startswith("Most often raised (")  # only some members wrote in English: said
        assert "For example" not in titles[0].summary  # no quotes given: nothing cited
    else:
        assert "Points les plus cités" in titles[0].summary


def test_default_label_language_is_the_majority_and_ties_do_not_depend_on_order() -> None:
    assert majority_language(["fr", "en", "fr", "nl"]) == "fr"
    assert majority_language(["fr", "en"]) == majority_language(["en", "fr"]) == "en"
    assert majority_language(["und"]) == "en"


def test_colliding_titles_get_distinguishing_titles(embedder) -> None:  # type: ignore[no-untyped-def]
    rats = ["The green bins are overflowing on our street.", "Green bins are never emptied on time.",
            "The green bins smell terrible in summer.", "Our green bins are always full.",
            "Rats are everywhere around the green bins.", "The rats come for the green bins at night.",
            "Green bins left open attract rats."]
    days = ["The green bins are overflowing after holidays.", "Green bins should be emptied every week.",
            "We need bigger green bins for families.", "Green bins are too small for our house.",
            "The collection day changed without notice for the green bins.",
            "Nobody told us the collection day for the green bins.", "Put the collection day on the green bins."]
    other = ["Buses are late every morning.", "The bus fares are too high.", "More buses at night, please.",
             "The bus stop has no shelter.", "Bus drivers are friendly.", "Bus lanes would help a lot."]
    texts = rats + days + other
    primary = np.array([0] * len(rats) + [1] * len(days) + [2] * len(other))
    vectors = embedder.encode(texts)
    centroids = np.stack([vectors[primary == t].mean(axis=0) for t in range(3)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    titles = title_themes(texts, ["en"] * len(texts), primary, 3, centroids, embedder, "en")
    first, second = titles[0].title.lower(), titles[1].title.lower()
    assert first != second
    assert first.startswith("green bins") and second.startswith("green bins")  # both lead with what they share
    assert "rats" in first and "collection day" in second  # and say what sets them apart


def test_distinguish_numbers_what_no_phrase_can_tell_apart() -> None:
    shared = Phrase("bin", "bins", 5, 1.0)
    titles = [ThemeTitle("Bins", "", "en", [shared], [shared]), ThemeTitle("Bins", "", "en", [shared], [shared])]
    distinguish(titles, "en")
    assert [t.title for t in titles] == ["Bins", "Bins (2)"]


def test_a_parent_titled_like_its_child_names_what_it_groups() -> None:
    """The sample's parent "Flood and river defences" grouped the theme of the same title and the bins theme."""
    flood, river = Phrase("flood", "flood", 16, 1.0), Phrase("river defence", "river defences", 8, 0.8)
    bins = Phrase("overflowing bin", "overflowing bins", 9, 1.0)
    children = [ThemeTitle("Flood and river defences", "", "en", [flood, river], [flood, river], size=62),
                ThemeTitle("Overflowing bins", "", "en", [bins], [bins], size=60),
                ThemeTitle("Bike lanes", "", "en", [Phrase("bike", "bike", 9, 1.0)], [], size=90)]
    parents = [ThemeTitle("Flood and river defences", "", "en", [flood], [flood], size=122),
               ThemeTitle("Bike and bins", "", "en", [], [], size=150)]
    distinguish_parents(parents, children, [[0, 1], [1, 2]])
    assert parents[0].title == "Flood and overflowing bins"
    assert parents[1].title == "Bike and bins"  # no collision with its children: left as it is


def test_summary_counts_follow_the_label_language() -> None:
    points = [Phrase("a", "pistes cyclables", 7, 1.0), Phrase("b", "vélo", 18, 0.9)]
    text = summary_text(30, 30, points, "fr", ["Il faut des pistes."])
    assert text == "Points les plus cités : vélo (18) et pistes cyclables (7). Par exemple : « Il faut des pistes. »"
    assert summary_text(90, 30, points, "de").startswith("Am häufigsten genannt (30 Beiträge auf Deutsch)")


def test_staff_theme_names_are_kept_even_when_they_collide(sample, embedder) -> None:  # type: ignore[no-untyped-def]
    """A re-map (a run with --themes from the edited theme set) keeps every staff name as written: titles are
    only generated, and told apart, for discovered themes."""
    from civicai.pipeline.analyse_question import _describe_themes
    from civicai.pipeline.options import AnalyseOptions
    from civicai.pipeline.prepare import Prepared
    from civicai.pipeline.themes_input import GivenTheme

    texts, languages, primary, centroids, k = sample
    chosen = np.nonzero(primary < 2)[0]
    sub_texts = [texts[i] for i in chosen]
    prepared = Prepared(ids=[str(i) for i in chosen], rows=list(range(len(chosen))), texts=sub_texts,
                        questions=[None] * len(chosen), attributes=[{}] * len(chosen), pii=[{}] * len(chosen),
                        rejected=[], layout="csv", columns={}, languages=[languages[i] for i in chosen])
    given = [GivenTheme("a", "Traffic"), GivenTheme("b", "Traffic")]  # staff renamed both the same
    options = AnalyseOptions(input_path=Path("x.csv"), out_dir=Path("out"))
    out = _describe_themes(sub_texts, embedder.encode(sub_texts), primary[chosen], centroids[:2], [0.5, 0.5],
                           ["a", "b"], given, prepared, list(range(len(chosen))), options, None, embedder, "en")
    assert [(t["label"], t["label_source"]) for t in out["themes"]] == [("Traffic", "given"), ("Traffic", "given")]


def test_summary_is_in_the_label_language_but_cites_every_sizeable_language(sample, embedder) -> None:  # type: ignore[no-untyped-def]
    """Counts and phrases are in the staff's language; whose words the summary quotes stays fair (the bias
    audit flagged English at 38% of submissions but 100% of the voices cited when only English was quoted)."""
    from civicai.bias.representation import cited_ids
    from civicai.summarise import mmr_select

    texts, languages, primary, centroids, k = sample
    vectors = embedder.encode(texts)
    quotes, quote_ids = [], []
    for t in range(k):
        local = np.nonzero(primary == t)[0]
        picks = [int(local[p]) for p in mmr_select(vectors[local], centroids[t], k=4, groups=[languages[i] for i in local])]
        quote_ids.append(picks)
        quotes.append([texts[i] for i in picks])
    titles = title_themes(texts, languages, primary, k, centroids, embedder, "en", quotes=quotes)
    cited_languages = set()
    for t, title in enumerate(titles):
        assert title.summary.startswith("Most often raised"), title.summary
        theme = {"summary": title.summary, "quotes": [{"submission_id": i, "text": texts[i]} for i in quote_ids[t]]}
        cited = {int(i) for i in cited_ids(theme)}
        assert cited, title.summary
        cited_languages |= {languages[i] for i in cited}
    assert cited_languages == {"en", "fr", "de", "nl"}


def test_staff_choose_the_label_language_when_they_start_an_analysis(tmp_path: Path) -> None:
    """POST /api/analyses takes `label_language` (an ISO code) and hands it to the job's AnalyseOptions."""
    from types import SimpleNamespace

    from pydantic import ValidationError

    from civicai.api.schemas import AnalysisBody
    from civicai.workspace.analyses import analysis_params

    body = AnalysisBody(upload_id="0" * 32, label_language="fr")
    assert body.label_language == "fr" and AnalysisBody(upload_id="0" * 32).label_language is None
    with pytest.raises(ValidationError):
        AnalysisBody(upload_id="0" * 32, label_language="French")
    params = analysis_params(SimpleNamespace(runs_dir=tmp_path), tmp_path / "in.csv", label_language="fr")
    assert params["label_language"] == "fr"


def test_large_runs_parse_a_bounded_sample_and_count_over_every_member(sample, embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The parser reads ~10k words/s: beyond PARSE_LIMIT texts a per-theme sample is parsed for phrases, and the
    counts staff see are recounted over every member written in the label language."""
    from civicai.summarise import phrases, title

    texts, languages, primary, centroids, k = sample
    parsed: list[int] = []
    real = phrases.count_phrases
    monkeypatch.setattr(title, "PARSE_LIMIT", 100)
    monkeypatch.setattr(title, "PARSE_MIN_PER_THEME", 10)
    monkeypatch.setattr(title, "count_phrases", lambda items, language: parsed.append(len(items)) or real(items, language))
    titles = title_themes(texts, languages, primary, k, centroids, embedder, "en")
    assert parsed == [100]  # 10 themes x 10 English members each, of 252
    for t, theme in enumerate(titles):
        english = [texts[i] for i in np.nonzero(primary == t)[0] if languages[i] == "en"]
        assert theme.points and all(2 <= p.count <= len(english) for p in theme.points), theme.points
    # only 10 members of each theme were parsed, yet counts go beyond that: they were taken over everyone
    assert max(p.count for theme in titles for p in theme.points) > 10


def test_every_label_language_has_the_whole_summary_wording() -> None:
    """wording.toml is edited by translators: a missing key or a dropped placeholder would break summaries in that
    language only, so every table is checked against English."""
    from civicai.summarise.title import _WORDS, summary_text

    english = _WORDS["en"]
    for code, words in _WORDS.items():
        assert set(words) == set(english), f"{code}: keys differ from English"
        for key, text in english.items():
            for placeholder in re.findall(r"\{\w+\}", text):
                assert placeholder in words[key], f"{code}.{key} lacks {placeholder}"
        points = [Phrase("bus", "bus", 3, 1.0), Phrase("tram", "tram", 2, 0.5)]
        text = summary_text(9, 5, points, code, ["Quote."])
        assert "{" not in text and "bus" in text and "Quote." in text, (code, text)


def test_a_sentence_two_submissions_share_is_quoted_once(sample_dir: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    """R0002 and R0005 of the shipped sample both say "The insurance premium for our house tripled after the
    last flood." (their closest sentence to a flood theme): the summary cites it once and takes the other
    submission's next-closest sentence, so the example shows two people's words, not one sentence twice."""
    from civicai.summarise.label import central_sentences

    rows = {r["id"]: r["text"] for r in csv.DictReader((sample_dir / "consultation_small.csv").open(encoding="utf-8"))}
    quotes = [rows["R0002"], rows["R0005"]]
    centroid = embedder.encode(["The insurance premium for our house tripled after the last flood."])[0]
    chosen = central_sentences(quotes, centroid, embedder)
    assert len(chosen) == 2
    assert chosen[0] == "The insurance premium for our house tripled after the last flood."
    assert chosen[1] != chosen[0] and chosen[1] in rows["R0005"]
