"""Duplicate and campaign detection on the shipped sample's planted copies and on constructed cases."""
from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from civicai.dedup import find_duplicates, minhash, normalise
from civicai.errors import InputError
from civicai.ingest import read_submissions


@pytest.fixture(scope="module")
def sample(sample_dir: Path):  # type: ignore[no-untyped-def]
    path, planted = sample_dir / "consultation.csv", sample_dir / "planted.csv"
    if not path.is_file() or not planted.is_file():
        pytest.skip("shipped sample (consultation.csv, planted.csv) not present")
    result = read_submissions(path)
    with planted.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return result, rows


def test_sample_planted_duplicates_and_campaign(sample) -> None:  # type: ignore[no-untyped-def]
    result, planted = sample
    ids = [s.id for s in result.submissions]
    found = find_duplicates([s.text for s in result.submissions], ids=ids)
    position = {i: n for n, i in enumerate(ids)}
    for row in planted:
        if row["problem"] == "duplicate":
            assert found.duplicate_of[position[row["id"]]] == position[row["detail"]], row
            assert found.kind[position[row["id"]]] == "exact"
    campaign_members = {row["id"] for row in planted if row["problem"] == "campaign"}
    assert len(found.campaigns) == 1
    (campaign,) = found.campaigns
    assert set(campaign.member_ids) == campaign_members
    assert campaign.size == len(campaign_members) and campaign.canonical_index == min(position[i] for i in campaign_members)
    # a campaign is one voice with weight: every other member points at the canonical letter
    weights = found.weights
    assert weights[campaign.canonical_index] >= campaign.size
    assert all(found.duplicate_of[i] == campaign.canonical_index for i in campaign.member_indices[1:])
    # nothing else is marked: the sample's other submissions are distinct voices
    planted_ids = {row["id"] for row in planted if row["problem"] in ("duplicate", "campaign")}
    marked = {ids[i] for i, d in enumerate(found.duplicate_of) if d is not None} | {ids[campaign.canonical_index]}
    assert marked <= planted_ids


def test_minhash_estimate_tracks_true_jaccard() -> None:
    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(400)]
    base = [rng.choice(vocabulary) for _ in range(60)]
    variants = [" ".join(base)]
    for edits in (1, 3, 8, 20, 60):
        words = list(base)
        for _ in range(edits):
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
        variants.append(" ".join(words))
    signature = minhash.signatures(variants, num_perm=256, seed=0)
    pairs = np.array([[0, j] for j in range(1, len(variants))])
    estimates = minhash.estimated_jaccard(signature, pairs)

    def shingle_set(text: str) -> set[tuple[str, ...]]:
        w = text.split()
        return {tuple(w[i:i + 3]) for i in range(len(w) - 2)}

    truth = [len(shingle_set(variants[0]) & shingle_set(variants[j])) / len(shingle_set(variants[0]) | shingle_set(variants[j]))
             for j in range(1, len(variants))]
    assert np.allclose(estimates, truth, atol=0.1), (estimates, truth)
    assert truth[0] > 0.85 and truth[-1] < 0.2  # the cases span the range


def test_near_duplicates_found_among_many_without_all_pairs() -> None:
    rng = random.Random(0)
    vocabulary = [f"word{i}" for i in range(5000)]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(15, 40))) for _ in range(20000)]
    planted = []
    for k in range(50):
        source = rng.randrange(len(texts))
        words = texts[source].split()
        k = rng.randrange(len(words))
        words[k] = words[k].upper()  # case only: folded away by normalising
        words.append("thanks")  # one extra word at the end: near
        texts.append(" ".join(words))
        planted.append((source, len(texts) - 1))
    found = find_duplicates(texts)
    for source, copy in planted:
        assert found.duplicate_of[copy] == source
    assert found.n_distinct == 20000


def test_embeddings_catch_short_rewordings() -> None:
    from civicai.embed import get_embedder

    texts = ["More trees on Main Street please.", "Bus every ten minutes to the hospital.",
             "More trees on Main St, please!!", "Lower the speed limit near the primary school.",
             "Close the bridge to cars on Sundays."]
    vectors = get_embedder("use").encode(texts)
    without = find_duplicates(texts)
    with_embeddings = find_duplicates(texts, vectors, embed_threshold=float(vectors[0] @ vectors[2]) - 1e-3)
    assert without.duplicate_of[2] is None  # too short for shingles to notice
    assert with_embeddings.duplicate_of[2] == 0 and with_embeddings.kind[2] == "semantic"
    assert with_embeddings.duplicate_of[1] is None and with_embeddings.duplicate_of[3] is None
    assert float(vectors[0] @ vectors[2]) > 0.8  # the threshold used above is a real near-copy, not noise


def test_short_repeated_answers_are_copies_not_a_campaign() -> None:
    texts = ["Yes."] * 8 + ["no", "No!", "NO"] + ["Stop the incinerator, protect our children's lungs now."] * 6
    found = find_duplicates(texts)
    assert found.duplicate_of[:8] == [None] + [0] * 7
    assert found.duplicate_of[9:11] == [8, 8]
    assert [c.size for c in found.campaigns] == [6]  # the letter-length slogan is a campaign
    assert found.campaign_id[:11] == [None] * 11


def test_campaign_template_with_personal_edits() -> None:
    template = ("Dear council, I am writing as a resident of {street} to object to the proposed incinerator "
                "next to the river. It will harm air quality for thousands of families and the traffic of "
                "lorries will make our roads dangerous. Please withdraw the plan. {sign}")
    streets = ["Mill Lane", "the High Street", "Elm Road", "Station Road", "Park View", "Church Street"]
    letters = [template.format(street=s, sign=f"Regards, {n}") for s, n in zip(streets, "ABCDEF")]
    others = ["The new playground is lovely, thank you.", "Please fix the lights on the footbridge."]
    texts = [others[0]] + letters + [others[1]]
    found = find_duplicates(texts, ids=[f"id{i}" for i in range(len(texts))])
    assert len(found.campaigns) == 1 and found.campaigns[0].member_indices == list(range(1, 7))
    assert found.campaigns[0].member_ids == [f"id{i}" for i in range(1, 7)]
    assert found.duplicate_of[0] is None and found.duplicate_of[7] is None
    # two such letters alone are not a campaign, and with 4 edits they are not copies either
    pair = find_duplicates(letters[:2])
    assert pair.campaigns == [] and pair.duplicate_of == [None, None]


def test_deterministic_and_validated() -> None:
    texts = [f"comment number {i % 40} about the park and the river path" for i in range(200)]
    assert find_duplicates(texts).duplicate_of == find_duplicates(texts).duplicate_of
    with pytest.raises(InputError, match="one row per text"):
        find_duplicates(texts, np.zeros((3, 4), dtype=np.float32))
    with pytest.raises(InputError, match="ids"):
        find_duplicates(texts, ids=["a"])
    assert find_duplicates([]).duplicate_of == []


def test_normalise_folds_case_width_and_punctuation() -> None:
    assert normalise("  Hello,   WORLD!! ") == normalise("hello world") == "hello world"
    assert normalise("Ｃａｆé — très  bien") == "café très bien"


def test_simhash_pairs_match_brute_force_components() -> None:
    """The embedding neighbour search (no all-pairs step) links the same groups a brute-force search does."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(0)
    centres = rng.standard_normal((150, 64)).astype(np.float32)
    vectors = centres[rng.integers(0, 150, 3000)] + rng.standard_normal((3000, 64)).astype(np.float32) * 0.15
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = vectors @ vectors.T
    truth = np.argwhere(np.triu(similarity >= 0.95, k=1))
    found = minhash.simhash_pairs(vectors, 0.95, seed=1)
    assert len(truth) > 1000
    assert np.all(similarity[found[:, 0], found[:, 1]] >= 0.95)  # never a false link

    def components(pairs: np.ndarray) -> np.ndarray:
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(3000, 3000))
        return connected_components(graph, directed=False)[1]

    true_labels, found_labels = components(truth), components(found)
    agree = np.mean([true_labels[i] == true_labels[j] for i, j in found]) if len(found) else 1.0
    assert agree == 1.0
    same_true = true_labels[truth[:, 0]] == true_labels[truth[:, 1]]
    same_found = found_labels[truth[:, 0]] == found_labels[truth[:, 1]]
    assert same_found.mean() > 0.98 and same_true.all()  # nearly every true link is implied by the found graph


def test_chinese_near_copies_without_spaces() -> None:
    """CJK text has no spaces: each character counts as a word, so a small edit is still a near copy."""
    letter = ("個人認為應比照小黃立個規範，想開uber的駕駛都須通過由交通部監理單位所舉辦的行車認證或考試，考過便可核發個人或"
              "營業用登記證，一來可保障所有乘客，另一方面可保障所有駕駛的基本權利。政府也應該定期檢查車輛的安全與保險。")
    other = "我支持在市中心設立更多的自行車道，這樣可以減少交通堵塞，也能改善空氣品質，讓大家的生活更健康。"
    found = find_duplicates([letter, other, letter.replace("考試", "考核")])
    assert found.duplicate_of == [None, None, 0] and found.kind[2] == "near"
