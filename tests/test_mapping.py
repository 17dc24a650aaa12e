"""`--themes` mapping on real data: ThemeFinder's gambling_XS responses and gold theme sets (../shared/data)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from civicai.cluster.mapping import MappingParams, embed_themes, lexical_scores, map_to_themes, theme_scores
from civicai.pipeline.themes_input import GivenTheme, _theme

GOLD = "outputs/mapping/2025-07-22"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def embedder():  # type: ignore[no-untyped-def]
    from civicai.embed import get_embedder

    return get_embedder("use")


@pytest.fixture(scope="module")
def held_out(shared_data: Path, embedder):  # type: ignore[no-untyped-def]
    """Question 2 (never used to choose MappingParams' defaults): responses, themes, gold labels, vectors."""
    root = shared_data / "consultations" / "themefinder-gambling_XS"
    if not root.is_dir():
        pytest.skip(f"gambling_XS not found under {root}")
    responses = _jsonl(root / "inputs" / "question_part_2" / "responses.jsonl")
    raw = json.loads((root / GOLD / "question_part_2" / "themes.json").read_text(encoding="utf-8"))
    themes = [_theme(t, i, root) for i, t in enumerate(raw)]
    gold = {str(r["response_id"]): set(r["labels"]) for r in _jsonl(root / GOLD / "question_part_2" / "mapping.jsonl")}
    texts = [r["response"] for r in responses]
    return texts, [str(r["response_id"]) for r in responses], themes, gold, embedder.encode(texts), \
        embed_themes(themes, embedder)


def _micro_f1(result, ids, themes, gold) -> float:  # type: ignore[no-untyped-def]
    tp = n_pred = 0
    for i, ident in enumerate(ids):
        predicted = {themes[t].id for t in result.themes[i]}
        tp += len(predicted & gold[ident])
        n_pred += len(predicted)
    n_gold = sum(len(g) for g in gold.values())
    precision, recall = tp / max(n_pred, 1), tp / n_gold
    return 2 * precision * recall / max(precision + recall, 1e-9)


def test_themefinder_catch_all_themes_are_recognised(held_out) -> None:  # type: ignore[no-untyped-def]
    _, _, themes, _, _, _ = held_out
    kinds = {t.label: t.fallback_kind for t in themes}
    assert kinds["None of the Above"] == "other" and kinds["No Reason Given"] == "no_answer"
    assert sum(1 for kind in kinds.values() if kind) == 2
    assert GivenTheme("X", "Other").fallback_kind == "other"
    assert GivenTheme("B", "Bus fares", "Fares are too high, other cities are cheaper").fallback_kind == ""


def test_mapping_beats_the_session_1_rule_on_the_held_out_question(held_out) -> None:  # type: ignore[no-untyped-def]
    texts, ids, themes, gold, embeddings, vectors = held_out
    result = map_to_themes(embeddings, vectors, texts, MappingParams(), themes=themes)
    # session 1 (calibrated cosine thresholds) scored 0.378 here; the LLM anchor is 0.76
    assert _micro_f1(result, ids, themes, gold) >= 0.46
    # the catch-all themes are never matched by similarity, only given to what fits no real theme (gold never
    # uses them on this question): never beside a real theme, and rarely
    fallback = {t for t, theme in enumerate(themes) if theme.fallback_kind}
    caught = [chosen for chosen in result.themes if fallback & set(chosen)]
    assert all(len(chosen) == 1 for chosen in caught) and len(caught) <= 0.05 * len(texts)
    # standardising per theme: no theme with a broad description sweeps up most responses
    counts = Counter(t for chosen in result.themes for t in chosen)
    assert max(counts.values()) <= 0.5 * len(texts)
    assert all(1 <= len(chosen) <= 3 for chosen, reason in zip(result.themes, result.reasons) if not reason)


def test_centring_and_standardising_each_help(held_out) -> None:  # type: ignore[no-untyped-def]
    texts, ids, themes, gold, embeddings, vectors = held_out
    plain = map_to_themes(embeddings, vectors, texts, MappingParams(center=False), themes=themes)
    # without the theme objects there are no fallback themes: they compete like real ones and cost precision
    no_fallback = map_to_themes(embeddings, vectors, texts, MappingParams())
    full = map_to_themes(embeddings, vectors, texts, MappingParams(), themes=themes)
    assert _micro_f1(full, ids, themes, gold) >= _micro_f1(plain, ids, themes, gold) - 0.02
    assert _micro_f1(full, ids, themes, gold) > _micro_f1(no_fallback, ids, themes, gold)
    # the themes' own words help beyond the embeddings (0.52 without, 0.56 with, when measured)
    no_words = map_to_themes(embeddings, vectors, texts, MappingParams(lexical_weight=0.0), themes=themes)
    assert _micro_f1(full, ids, themes, gold) > _micro_f1(no_words, ids, themes, gold)


def test_word_overlap_only_reranks_a_submissions_themes(held_out) -> None:  # type: ignore[no-untyped-def]
    texts, _, themes, _, _, _ = held_out
    matchable = np.array([not t.fallback_kind for t in themes])
    french = ["Il faudrait des campagnes de prévention dans les écoles et des limites de dépôt obligatoires."]
    scores = lexical_scores(texts + french, [" ".join(t.anchor_texts()) for t in themes], matchable)
    # centred per submission: no response, whatever its language, is pushed up or down as a whole
    assert np.allclose(scores[:, matchable].mean(axis=1), 0.0, atol=1e-4)
    assert (scores[:, ~matchable] == 0).all()
    assert np.abs(scores[:-1, matchable]).max() > 1.0  # English responses do share words with the themes


def test_short_and_off_topic_answers_go_to_the_catch_all_themes(held_out, embedder) -> None:  # type: ignore[no-untyped-def]
    texts, _, themes, _, embeddings, vectors = held_out
    extra = ["No idea.", "My neighbour's cat keeps digging up the tulips in my front garden every spring."]
    all_texts = texts + extra
    result = map_to_themes(np.vstack([embeddings, embedder.encode(extra)]), vectors, all_texts,
                           MappingParams(), themes=themes)
    kinds = [t.fallback_kind for t in themes]
    assert [kinds[t] for t in result.themes[-2]] == ["no_answer"]
    assert [kinds[t] for t in result.themes[-1]] == ["other"]
    # without catch-all themes the same answers stay unassigned, with the reason
    real = [t for t in themes if not t.fallback_kind]
    bare = map_to_themes(np.vstack([embeddings, embedder.encode(extra)]), vectors[[i for i, k in enumerate(kinds) if not k]],
                         all_texts, MappingParams(), themes=real)
    assert bare.reasons[-2:] == ["too_short", "off_topic"] and bare.primary[-1] == -1


def test_few_submissions_are_scored_on_the_whole_matrix(held_out) -> None:  # type: ignore[no-untyped-def]
    texts, _, themes, _, embeddings, vectors = held_out
    matchable = np.array([not t.fallback_kind for t in themes])
    few = theme_scores(embeddings[:5], vectors, matchable)
    assert np.isfinite(few[:, matchable]).all() and np.isinf(few[:, ~matchable]).all()
    # with 5 submissions a per-theme z-score would force every theme's best to the top; the whole-matrix one
    # keeps each submission's own ranking of the themes
    raw = (embeddings[:5] - embeddings[:5].mean(0)) @ vectors.T
    assert (few[:, matchable].argmax(1) == np.where(matchable, raw, -np.inf).argmax(1)).mean() >= 0.6
