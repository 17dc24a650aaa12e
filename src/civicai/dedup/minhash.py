"""MinHash signatures for many texts at once and LSH banding, with no O(n^2) step.

Signatures use datasketch's scheme (sha1 32-bit shingle hashes, the same seeded permutations, so a row
equals `datasketch.MinHash(num_perm, seed)` fed the same shingles) but are computed in NumPy for a whole
batch of texts; datasketch's optimal band/row split picks the LSH parameters for a threshold.
"""
from __future__ import annotations

import numpy as np
from datasketch import MinHash
from datasketch.hashfunc import sha1_hash32
from datasketch.lsh import _optimal_param

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)


def shingles(tokens: list[str], size: int = 3) -> list[str]:
    """Word n-grams; a text shorter than `size` words is one shingle (it then matches only near-exact copies)."""
    if len(tokens) < size:
        return [" ".join(tokens)]
    return [" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)]


def signatures(token_lists: list[list[str]], num_perm: int = 128, seed: int = 0,
               batch: int = 2000) -> np.ndarray:
    """(n, num_perm) uint64 MinHash signatures; processed in batches so memory stays bounded."""
    a, b = MinHash(num_perm=num_perm, seed=seed).permutations
    out = np.empty((len(token_lists), num_perm), dtype=np.uint64)
    for start in range(0, len(token_lists), batch):
        chunk = token_lists[start:start + batch]
        hashes: list[int] = []
        offsets = np.empty(len(chunk), dtype=np.int64)
        for i, tokens in enumerate(chunk):
            offsets[i] = len(hashes)
            hashes.extend(sha1_hash32(s.encode("utf-8")) for s in set(shingles(tokens)))
        hv = np.asarray(hashes, dtype=np.uint64)[:, None]
        permuted = np.bitwise_and((hv * a + b) % _MERSENNE, _MAX_HASH)
        out[start:start + len(chunk)] = np.minimum.reduceat(permuted, offsets, axis=0)
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
    codes = np.unique(merged[:, 0] * n + merged[:, 1])
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


def simhash_pairs(embeddings: np.ndarray, threshold: float, bands: int = 48, bits: int = 24,
                  seed: int = 0, batch: int = 20_000) -> np.ndarray:
    """Candidate pairs of L2-normalised vectors likely to have cosine >= threshold: random-hyperplane LSH
    (a sign bit per hyperplane, `bits` per band), then exact cosine on the candidates only."""
    n, dim = embeddings.shape
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    planes = np.random.default_rng(seed).standard_normal((dim, bands * bits)).astype(np.float32)
    weights = (np.uint64(1) << np.arange(bits, dtype=np.uint64))
    keys = np.empty((n, bands), dtype=np.int64)
    for start in range(0, n, batch):
        signs = (embeddings[start:start + batch] @ planes) > 0
        packed = signs.reshape(-1, bands, bits).astype(np.uint64) @ weights
        keys[start:start + len(signs)] = packed.astype(np.int64)
    pairs = candidate_pairs(keys, max_offset=8)
    if len(pairs) == 0:
        return pairs
    cosine = np.empty(len(pairs), dtype=np.float32)
    for start in range(0, len(pairs), 200_000):
        p = pairs[start:start + 200_000]
        cosine[start:start + len(p)] = np.einsum("ij,ij->i", embeddings[p[:, 0]], embeddings[p[:, 1]])
    return pairs[cosine >= threshold]
