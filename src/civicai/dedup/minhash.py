"""MinHash signatures for many texts at once and LSH banding, with no O(n^2) step.

Pure Python hashing per shingle (datasketch's MinHash.update) costs ~25 s per 100k texts on a laptop core,
so signatures are computed in NumPy: each distinct word is hashed once (blake2b, stable across runs and
machines), a word 3-shingle's hash mixes its three word hashes (splitmix64), and each of the `num_perm`
permutations is a multiply-shift hash. datasketch supplies the optimal band/row split for a threshold.
"""
from __future__ import annotations

import hashlib

import numpy as np
from datasketch.lsh import _optimal_param

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a fast, well-mixing bijection on uint64 (wrapping arithmetic)."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def shingle_hashes(token_lists: list[list[str]], vocabulary: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """(hashes of every word 3-shingle, start offset of each text's shingles). A text shorter than three words
    is one shingle of its words (it then matches only near-exact copies); an empty text is one empty shingle."""
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    flat = [w for tokens in token_lists for w in tokens]
    for word in set(flat).difference(vocabulary):
        vocabulary[word] = _word_hash(word)
    words = np.fromiter(map(vocabulary.__getitem__, flat), dtype=np.uint64, count=len(flat))
    words = np.concatenate([words, np.zeros(2, dtype=np.uint64)])  # padding: reads past the end are masked
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    per_text = np.maximum(lengths - 2, 1)
    offsets = np.concatenate([[0], np.cumsum(per_text)[:-1]])
    owner = np.repeat(np.arange(len(token_lists)), per_text)
    position = np.arange(int(per_text.sum())) - offsets[owner]
    index = starts[owner] + position
    with np.errstate(over="ignore"):
        mixed = np.full(len(index), np.uint64(0x243F6A8885A308D3), dtype=np.uint64)
        for k in range(3):
            word = np.where(position + k < lengths[owner], words[index + k], np.uint64(0))
            mixed = _splitmix(mixed ^ word)
    return mixed, offsets


def signatures(normalised_texts: list[str], num_perm: int = 128, seed: int = 0, batch: int = 2000) -> np.ndarray:
    """(n, num_perm) uint32 MinHash signatures of space-separated normalised texts, in batches (bounded memory).
    Each permutation is x -> a*x + b mod 2^32 with odd a: a bijection of 32-bit shingle hashes that are already
    well mixed, computed in 32-bit lanes (half the memory traffic of 64-bit)."""
    rng = np.random.default_rng(seed)
    a = (rng.integers(0, 2**32, size=num_perm, dtype=np.uint64) | np.uint64(1)).astype(np.uint32)
    b = rng.integers(0, 2**32, size=num_perm, dtype=np.uint64).astype(np.uint32)
    out = np.empty((len(normalised_texts), num_perm), dtype=np.uint32)
    vocabulary: dict[str, int] = {}
    with np.errstate(over="ignore"):
        for begin in range(0, len(normalised_texts), batch):
            chunk = [text.split() for text in normalised_texts[begin:begin + batch]]
            hashes, offsets = shingle_hashes(chunk, vocabulary)
            hashes32 = (hashes >> np.uint64(32)).astype(np.uint32)
            permuted = a[:, None] * hashes32[None, :]
            permuted += b[:, None]
            out[begin:begin + len(chunk)] = np.minimum.reduceat(permuted, offsets, axis=1).T
    return out


def band_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising false positives + negatives around `threshold` (datasketch's choice)."""
    return _optimal_param(threshold, num_perm, 0.5, 0.5)


def candidate_pairs(keys: np.ndarray, max_offset: int = 16) -> np.ndarray:
    """Pairs (i, j), i < j, that share a bucket in any band. keys: (n, bands) int64 bucket keys.
    Within a bucket only members up to `max_offset` apart in sorted order are paired: enough to connect a
    bucket (union-find makes the rest), and it bounds the work when one bucket is huge."""
    pairs = []
    n = keys.shape[0]
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        sorted_keys = keys[order, band]
        for offset in range(1, min(max_offset, n - 1) + 1):
            same = np.nonzero(sorted_keys[offset:] == sorted_keys[:-offset])[0]
            if same.size == 0:
                break
            left, right = order[same], order[same + offset]
            pairs.append(np.stack([np.minimum(left, right), np.maximum(left, right)], axis=1))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    merged = np.concatenate(pairs).astype(np.int64)
    codes = merged[:, 0] * n + merged[:, 1]
    del merged
    codes.sort()  # sort + neighbour test: several times faster than np.unique's hashing on tens of millions
    codes = codes[np.concatenate([[True], codes[1:] != codes[:-1]])]
    return np.stack([codes // n, codes % n], axis=1)


def band_keys(signature: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per (text, band): a polynomial hash of the band's rows (wrapping uint64 arithmetic)."""
    keys = np.zeros((signature.shape[0], bands), dtype=np.uint64)
    multiplier = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        for band in range(bands):
            acc = np.full(signature.shape[0], np.uint64(band + 1), dtype=np.uint64)
            for col in range(band * rows, (band + 1) * rows):
                acc = acc * multiplier + signature[:, col]
            keys[:, band] = acc
    return keys.view(np.int64)


def estimated_jaccard(signature: np.ndarray, pairs: np.ndarray, batch: int = 200_000) -> np.ndarray:
    out = np.empty(len(pairs), dtype=np.float32)
    for start in range(0, len(pairs), batch):
        p = pairs[start:start + batch]
        out[start:start + len(p)] = (signature[p[:, 0]] == signature[p[:, 1]]).mean(axis=1)
    return out


def simhash_pairs(embeddings: np.ndarray, threshold: float, bands: int = 48, bits: int | None = None,
                  seed: int = 0, batch: int = 20_000) -> np.ndarray:
    """Pairs of L2-normalised vectors with cosine >= threshold: random-hyperplane LSH (a sign bit per
    hyperplane, `bits` per band) proposes candidates, exact cosine on the candidates confirms them.
    `bits` defaults to the most that keeps recall at the threshold near 97% with `bands` bands: two vectors at
    angle theta agree on a bit with probability 1 - theta/pi."""
    if bits is None:
        agree = 1.0 - float(np.arccos(np.clip(threshold, -1.0, 1.0))) / np.pi
        bits = int(np.clip(np.floor(np.log(0.07) / np.log(max(agree, 1e-6))), 8, 32)) if agree < 1 else 32
    n, dim = embeddings.shape
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    rng = np.random.default_rng(seed)
    # A shared pool of hyperplanes, each band drawing its own `bits` of them: 5x fewer projections than one
    # set of planes per band, for nearly the same recall (bands overlap only a little).
    pool = min(bands * bits, 384)
    planes = rng.standard_normal((dim, pool)).astype(np.float32)
    chosen = np.stack([rng.choice(pool, size=bits, replace=False) for _ in range(bands)])  # (bands, bits)
    keys = np.empty((n, bands), dtype=np.int64)
    for start in range(0, n, batch):
        signs = (embeddings[start:start + batch] @ planes) > 0  # (b, pool) bool
        packed = np.packbits(signs[:, chosen], axis=2, bitorder="little")  # (b, bands, ceil(bits/8)) uint8
        padded = np.zeros(packed.shape[:2] + (8,), dtype=np.uint8)
        padded[:, :, :packed.shape[2]] = packed
        keys[start:start + len(signs)] = padded.view(np.int64)[:, :, 0]
    pairs = candidate_pairs(keys, max_offset=4)
    if len(pairs) == 0:
        return pairs
    cosine = np.empty(len(pairs), dtype=np.float32)
    for start in range(0, len(pairs), 200_000):
        p = pairs[start:start + 200_000]
        cosine[start:start + len(p)] = np.einsum("ij,ij->i", embeddings[p[:, 0]], embeddings[p[:, 1]])
    return pairs[cosine >= threshold]


def exact_jaccard(normalised_texts: list[str], pairs: np.ndarray) -> np.ndarray:
    """Exact Jaccard of the word 3-shingle sets for the given pairs: used where the MinHash estimate lies
    close to a threshold, so the estimator's noise (about ±0.02 at 128 permutations) never decides."""
    if len(pairs) == 0:
        return np.empty(0, dtype=np.float32)
    involved = np.unique(pairs)
    hashes, offsets = shingle_hashes([normalised_texts[i].split() for i in involved], {})
    sets = {int(i): set(chunk.tolist()) for i, chunk in zip(involved, np.split(hashes, offsets[1:]))}
    out = np.empty(len(pairs), dtype=np.float32)
    for k, (i, j) in enumerate(pairs.tolist()):
        a, b = sets[i], sets[j]
        out[k] = len(a & b) / len(a | b)
    return out
