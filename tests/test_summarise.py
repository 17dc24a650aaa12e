"""Quotes and summaries share a theme's voice fairly between languages, on the real sample consultation."""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from civicai.summarise import fair_subset, group_quotas, mmr_select, theme_text
from civicai.summarise.quotes import MIN_SHARE


def test_group_quotas_are_proportional_and_every_sizeable_group_gets_one() -> None:
    groups = ["en"] * 50 + ["fr"] * 30 + ["nl"] * 16 + ["de"] * 4
    quotas = group_quotas(groups, 4)
    assert sum(quotas.values()) == 4
    assert quotas["en"] >= quotas["fr"] >= quotas["nl"] >= 1  # nl holds 16% >= 15%
    assert "de" not in quotas  # 4%: owed nothing out of 4
    assert group_quotas(groups, 10) == {"en": 5, "fr": 3, "nl": 2}  # 10 picks: exactly proportional
    # more sizeable groups than picks: the largest ones get them
    assert group_quotas(["a"] * 30 + ["b"] * 26 + ["c"] * 24 + ["d"] * 20, 2) == {"a": 1, "b": 1}
    assert group_quotas([], 3) == {} and group_quotas(groups, 0) == {}


def test_fair_subset_keeps_relevance_order_and_covers_sizeable_groups() -> None:
    members = ["en"] * 40 + ["fr"] * 35 + ["nl"] * 15 + ["de"] * 10
    keep = fair_subset(["en", "en", "fr", "nl"], members, 3)
    assert keep == [0, 2, 3]  # the second English item gives way to Dutch (15%)
    # four groups of >= 15%: the summary grows to cite each rather than drop one
    assert fair_subset(["en", "fr", "nl", "de"], ["en"] * 30 + ["fr"] * 30 + ["nl"] * 20 + ["de"] * 20, 3) == [0, 1, 2, 3]
    # a group owed more than it has items: the next items fill in, in order
    assert fair_subset(["fr", "fr", "fr"], members, 3) == [0, 1, 2]


@pytest.fixture(scope="module")
def sample_theme(sample_dir: Path):  # type: ignore[no-untyped-def]
    """The members of one gold theme of the sample, with their languages and USE embeddings."""
    from civicai.embed import get_embedder

    gold = {r["id"]: r["theme"] for r in csv.DictReader((sample_dir / "gold.csv").open(encoding="utf-8"))}
    rows = [r for r in csv.DictReader((sample_dir / "consultation.csv").open(encoding="utf-8"))
            if gold.get(r["id"]) == "cycling" and r["language"] in ("en", "fr", "de", "nl")]
    embedder = get_embedder("use")
    vectors = embedder.encode([r["text"] for r in rows])
    centroid = vectors.mean(axis=0)
    return rows, vectors, centroid / np.linalg.norm(centroid), embedder


def test_mmr_quotes_every_language_that_holds_a_sizeable_share(sample_theme) -> None:  # type: ignore[no-untyped-def]
    rows, vectors, centroid, _ = sample_theme
    languages = [r["language"] for r in rows]
    shares = {lang: n / len(rows) for lang, n in Counter(languages).items()}
    sizeable = {lang for lang, share in shares.items() if share >= MIN_SHARE}
    assert len(sizeable) >= 3, f"the sample's cycling theme should be multilingual, got {shares}"
    picks = mmr_select(vectors, centroid, k=4, groups=languages)
    assert len(picks) == 4 == len(set(picks))
    assert sizeable <= {languages[p] for p in picks}
    # still representative: every pick is closer to the theme than the median member
    closeness = vectors @ centroid
    assert all(closeness[p] >= np.median(closeness) for p in picks)
    with pytest.raises(ValueError, match="one group"):
        mmr_select(vectors, centroid, k=4, groups=languages[:-1])


def test_mmr_quotes_share_out_between_districts_too(sample_theme) -> None:  # type: ignore[no-untyped-def]
    """Quotes blind to the district came three of four from one district on real text; given the district
    column, every district holding >= 15% of the theme is quoted, and the languages still are."""
    rows, vectors, centroid, _ = sample_theme
    languages = [r["language"] for r in rows]
    districts = [r["district"] for r in rows]
    sizeable = {d for d, n in Counter(districts).items() if n / len(rows) >= MIN_SHARE}
    assert 2 <= len(sizeable) <= 4, Counter(districts)
    blind = mmr_select(vectors, centroid, k=4, groups=languages)
    shared = mmr_select(vectors, centroid, k=4, groups=languages, share_by=[districts])
    assert len(shared) == 4 == len(set(shared))
    assert sizeable <= {districts[p] for p in shared}
    assert {languages[p] for p in blind} <= {languages[p] for p in shared}
    with pytest.raises(ValueError, match="one group"):
        mmr_select(vectors, centroid, k=4, groups=languages, share_by=[districts[:-1]])


def test_summary_cites_a_sentence_from_each_sizeable_language(sample_theme) -> None:  # type: ignore[no-untyped-def]
    rows, vectors, centroid, embedder = sample_theme
    languages = [r["language"] for r in rows]
    texts = [r["text"] for r in rows]
    picks = mmr_select(vectors, centroid, k=4, groups=languages)
    quotes = [texts[p] for p in picks]
    text = theme_text(["bike"], quotes, texts, vectors, centroid, len(rows), len(rows), embedder=embedder,
                      quote_groups=[languages[p] for p in picks], member_groups=languages)
    cited = [quote for quote in quotes if any(part.strip("“” ") and part.strip("“” ") in quote.replace("\n", " ")
                                              for part in text.summary.split("” “"))]
    shares = Counter(languages)
    sizeable = {lang for lang, n in shares.items() if n / len(rows) >= MIN_SHARE}
    cited_languages = {languages[picks[quotes.index(q)]] for q in cited}
    assert sizeable <= cited_languages, (text.summary, sizeable)
    assert text.summary.count("“") >= 3
