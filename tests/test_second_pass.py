"""Large runs: themes carried from the discovery sample to everyone else (approximate_predict), and the second
discovery pass over what the first pass left unassigned (civicai.cluster.leftovers), on real Polis comments."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from civicai.cluster import AssignParams, ClusterParams, ReduceParams, assign, cluster_points, reduce_embeddings
from civicai.cluster.extend import carry_over
from civicai.cluster.leftovers import second_pass

# Five real conversations of very different sizes: the small ones are a handful of points in a small sample
CONVERSATIONS = ["march-on.operation-marchin-orders", "american-assembly.bowling-green", "scoop-hivemind.biodiversity",
                 "scoop-hivemind.affordable-housing", "scoop-hivemind.taxes"]
FIT_SAMPLE = 300


@pytest.fixture(scope="module")
def polis(shared_data: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    from civicai.embed import get_embedder

    texts, truth = [], []
    for label, name in enumerate(CONVERSATIONS):
        with (shared_data / "polis" / name / "comments.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                body = (row.get("comment-body") or "").strip()
                if row.get("moderated") != "-1" and body:
                    texts.append(body)
                    truth.append(label)
    return texts, np.array(truth), get_embedder("use").encode(texts)


def _first_pass(embeddings: np.ndarray, seed: int) -> tuple[np.ndarray, ReduceParams]:
    """What analyse_question does above the sample size: discover on a seeded sample, place everyone else."""
    m = embeddings.shape[0]
    sample = np.sort(np.random.default_rng(seed).choice(m, FIT_SAMPLE, replace=False))
    params = ReduceParams(seed=seed)
    coords = reduce_embeddings(embeddings[sample], params).coords
    clusters = cluster_points(coords, ClusterParams(), keep_model=True)
    labels = np.full(m, -1, dtype=np.int64)
    labels[sample] = clusters.labels
    return carry_over(embeddings, labels, sample, coords, clusters), params


def test_everyone_outside_the_sample_is_placed_in_the_samples_clustering(polis):
    texts, truth, embeddings = polis
    labels, _ = _first_pass(embeddings, seed=0)
    assert (labels >= 0).mean() > 0.5  # most outsiders land in a theme, not only the 300 sampled
    placed = labels >= 0
    # placed by where they fall in the sample's clustering: each theme is still mostly one conversation
    agree = [np.bincount(truth[placed & (labels == t)]).max() / (placed & (labels == t)).sum()
             for t in range(labels.max() + 1)]
    assert np.mean(agree) > 0.6, agree


def test_second_pass_assigns_submissions_the_first_pass_left_unassigned(polis):
    texts, truth, embeddings = polis
    labels, params = _first_pass(embeddings, seed=0)
    first = assign(embeddings, labels, texts, AssignParams())
    before = first.primary
    passed = second_pass(embeddings, labels, texts, FIT_SAMPLE, params, ClusterParams(), AssignParams(), seed=0)
    after = assign(embeddings, passed.labels, texts, AssignParams()).primary

    assert passed.leftovers == int(((before < 0) & (np.array(first.reasons) != "too_short")).sum())
    assert passed.joined > 0 and passed.merged + passed.kept_new > 0
    changed = passed.labels != labels
    assert (labels[changed] == -1).all()  # only leftovers move; the first pass's themes keep every member
    assert (before[changed] == -1).all()  # ... and only those the first pass left unassigned
    newly = (before < 0) & (after >= 0)
    assert newly.sum() >= passed.joined // 2
    assert (after < 0).sum() < (before < 0).sum()
    # the newly assigned join a theme whose other members mostly come from the same conversation
    majority = {t: np.bincount(truth[(after == t) & ~newly]).argmax() for t in set(after[newly].tolist())
                if ((after == t) & ~newly).any()}
    judged = [i for i in np.flatnonzero(newly) if after[i] in majority]
    assert np.mean([truth[i] == majority[after[i]] for i in judged]) > 0.7


def test_second_pass_is_deterministic_for_a_seed(polis):
    texts, _, embeddings = polis
    labels, params = _first_pass(embeddings, seed=0)
    a = second_pass(embeddings, labels, texts, FIT_SAMPLE, params, ClusterParams(), AssignParams(), seed=0)
    b = second_pass(embeddings, labels, texts, FIT_SAMPLE, params, ClusterParams(), AssignParams(), seed=0)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.describe() == b.describe()


def test_second_pass_keeps_loose_leftover_crowds_out_and_leaves_runs_without_themes_alone():
    rng = np.random.default_rng(0)
    # one tight theme (the first pass found it) and 200 random directions left over: no theme among them
    centre = rng.normal(size=32)
    tight = centre + rng.normal(scale=0.2, size=(120, 32))
    loose = rng.normal(size=(200, 32))
    x = np.vstack([tight, loose]).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    texts = ["a reasonably long submission about this topic"] * len(x)
    labels = np.r_[np.zeros(120, dtype=np.int64), np.full(200, -1)]
    passed = second_pass(x, labels, texts, 5000, ReduceParams(seed=0), ClusterParams(), AssignParams(), seed=0)
    assert passed.kept_new == 0 and passed.merged == 0
    np.testing.assert_array_equal(passed.labels, labels)
    none = second_pass(x, np.full(len(x), -1), texts, 5000, ReduceParams(), ClusterParams())
    assert none.skipped and (none.labels == -1).all()


def test_discovery_sample_counts_copies_and_draws_texts_many_people_sent_first():
    from civicai.cluster.sample import discovery_sample, submission_weights

    # submissions 0..9 distinct; 10..29 are copies of 3, 30..31 copies of 7
    duplicate_of = [None] * 10 + [3] * 20 + [7] * 2
    weights = submission_weights(duplicate_of, list(range(10)))
    assert weights.tolist() == [1, 1, 1, 21, 1, 1, 1, 3, 1, 1]
    drawn = [discovery_sample(weights, 2, seed) for seed in range(50)]
    assert sum(3 in d for d in drawn) >= 40  # a text 21 submissions stand for is almost always looked at
    np.testing.assert_array_equal(discovery_sample(weights, 2, 7), discovery_sample(weights, 2, 7))
    assert discovery_sample(weights, 10, 0).tolist() == list(range(10))  # no sampling below the bound
