"""find_duplicates: exact copies, near-duplicates and campaigns in one pass over the texts.

1. exact: texts equal after normalising case, width, whitespace and punctuation collapse to one representative
   (the rest of the work runs on representatives only, so 10,000 copies of one letter cost nothing).
2. near: MinHash on word 3-shingles + LSH banding proposes pairs; the signature Jaccard estimate confirms them
   (>= near_threshold: a copy; >= campaign_threshold: a template variant).
3. semantic (optional): with embeddings, random-hyperplane LSH proposes pairs, cosine >= embed_threshold
   confirms them (catches short or re-punctuated copies that shingles miss).
4. Connected components (scipy) of the confirmed pairs: a component is one voice. Components of
   >= campaign_min_size texts (counting exact copies) of at least campaign_min_words words are campaigns;
   template variants join a copy group only as part of a campaign.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from civicai.dedup import minhash
from civicai.dedup.types import Campaign, DuplicateResult
from civicai.errors import InputError

_CENTRE_SLACK = 0.2  # campaign members may sit this much further from the template than from each other
_EXACT_MARGIN = 0.1  # MinHash estimates this close to a threshold are recomputed exactly
_CJK = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")
_WORD = re.compile(r"[^\W_]+")


def normalise(text: str) -> str:
    """Case, width (NFKC), punctuation and whitespace folded away: what 'the same text' means here."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        # Chinese and Japanese write no spaces: each ideograph/kana counts as a word, so shingles still work
        text = _CJK.sub(r" \1 ", text)
    return " ".join(_WORD.findall(text.casefold()))


def find_duplicates(texts: Sequence[str], embeddings: np.ndarray | None = None, *,
                    ids: Sequence[str] | None = None, near_threshold: float = 0.9,
                    embed_threshold: float = 0.95, campaign_min_size: int = 5, seed: int = 0,
                    campaign_threshold: float = 0.5, campaign_min_words: int = 5,
                    num_perm: int = 128) -> DuplicateResult:
    """Mark copies, near-copies and campaigns. Deterministic for a given seed; no all-pairs comparison."""
    n = len(texts)
    _validate(n, embeddings, ids, near_threshold, embed_threshold, campaign_threshold, campaign_min_size)
    parameters = {"near_threshold": near_threshold, "embed_threshold": embed_threshold,
                  "campaign_min_size": campaign_min_size, "campaign_threshold": campaign_threshold,
                  "campaign_min_words": campaign_min_words, "num_perm": num_perm, "seed": seed,
                  "used_embeddings": int(embeddings is not None)}
    if n == 0:
        return DuplicateResult([], [], [], [], parameters)

    # 1. exact: representative = first text with that normalised form
    first_of: dict[str, int] = {}
    rep_of_text = np.empty(n, dtype=np.int64)  # index into `reps`
    reps: list[int] = []
    normalised: list[str] = []
    for i, text in enumerate(texts):
        key = normalise(text)
        slot = first_of.get(key)
        if slot is None:
            slot = first_of[key] = len(reps)
            reps.append(i)
            normalised.append(key)
        rep_of_text[i] = slot
    m = len(reps)
    copies = np.bincount(rep_of_text, minlength=m)  # texts behind each representative

    # 2. near and template pairs among representatives (MinHash + LSH)
    word_count = np.fromiter((key.count(" ") + 1 if key else 0 for key in normalised), dtype=np.int64, count=m)
    strong_pairs = np.empty((0, 2), dtype=np.int64)
    weak_pairs = np.empty((0, 2), dtype=np.int64)
    near_reps = np.zeros(m, dtype=bool)
    signature = None
    if m > 1:
        signature = minhash.signatures(normalised, num_perm=num_perm, seed=seed)
        bands, rows = minhash.band_params(min(near_threshold, campaign_threshold), num_perm)
        pairs = minhash.candidate_pairs(minhash.band_keys(signature, bands, rows))
        jaccard = minhash.estimated_jaccard(signature, pairs)
        borderline = np.zeros(len(pairs), dtype=bool)
        for threshold in (near_threshold, campaign_threshold):
            borderline |= np.abs(jaccard - threshold) < _EXACT_MARGIN
        jaccard[borderline] = minhash.exact_jaccard(normalised, pairs[borderline])
        # one-word texts have a single shingle: a Jaccard of 1 there is an exact match, already handled
        strong_pairs = pairs[jaccard >= near_threshold]
        weak_pairs = pairs[(jaccard >= campaign_threshold) & (jaccard < near_threshold)]
        near_reps[strong_pairs.ravel()] = True

    # 3. semantic pairs among representatives
    if embeddings is not None and m > 1:
        semantic = minhash.simhash_pairs(np.asarray(embeddings, dtype=np.float32)[reps], embed_threshold, seed=seed)
        strong_pairs = np.concatenate([strong_pairs, semantic]) if len(semantic) else strong_pairs

    # 4. components: strong links = copies; strong + template links = campaign candidates
    strong_label = _components(m, strong_pairs)
    campaign_label = _components(m, np.concatenate([strong_pairs, weak_pairs]))
    duplicate_of: list[int | None] = [None] * n
    kind: list[str | None] = [None] * n
    campaign_id: list[str | None] = [None] * n
    campaigns: list[Campaign] = []

    strong_canonical = _first_member(strong_label)
    campaign_of_rep = _campaign_groups(campaign_label, strong_label, signature, copies, word_count,
                                       np.concatenate([strong_pairs, weak_pairs]), campaign_threshold,
                                       campaign_min_size, campaign_min_words)
    group_canonical = {g: reps[int(np.nonzero(campaign_of_rep == g)[0].min())] for g in set(campaign_of_rep.tolist())
                       if g >= 0}

    members_by_group: dict[int, list[int]] = {}
    for i in range(n):
        r = rep_of_text[i]
        group = int(campaign_of_rep[r])
        if group >= 0:
            canonical = group_canonical[group]
            members_by_group.setdefault(group, []).append(i)
        else:
            canonical = reps[strong_canonical[strong_label[r]]]
        if canonical == i:
            continue
        duplicate_of[i] = canonical
        if r == rep_of_text[canonical]:
            kind[i] = "exact"
        elif strong_label[r] == strong_label[rep_of_text[canonical]]:
            kind[i] = "near" if near_reps[r] else "semantic"
        else:
            kind[i] = "campaign"

    for number, (_group, members) in enumerate(sorted(members_by_group.items(), key=lambda g: g[1][0]), start=1):
        cid = f"c{number}"
        canonical = members[0]
        for i in members:
            campaign_id[i] = cid
        similarity = 1.0
        if signature is not None:
            sig = signature[rep_of_text[members]]
            similarity = float((sig == signature[rep_of_text[canonical]]).mean())
        campaigns.append(Campaign(cid, members, canonical, len(members), texts[canonical],
                                  [str(ids[i]) for i in members] if ids is not None else [],
                                  round(similarity, 3)))
    return DuplicateResult(duplicate_of, campaign_id, campaigns, kind, parameters)


def _campaign_groups(candidate_label: np.ndarray, strong_label: np.ndarray, signature: np.ndarray | None,
                     copies: np.ndarray, word_count: np.ndarray, pairs: np.ndarray, threshold: float,
                     min_size: int, min_words: int, max_rounds: int = 50) -> np.ndarray:
    """Campaign number per representative (-1: none). Linked components can chain unrelated texts (A~B, B~C,
    ...), so a component is split around centres: the best-connected text is a template, its campaign is every
    text within template distance of it (Jaccard >= threshold - _CENTRE_SLACK: two letters edited in different
    places are less alike than each is to the template) or a copy of it, and the rest is searched again. A group is a
    campaign when it holds >= min_size texts (exact copies count) and its template has >= min_words words."""
    out = np.full(len(candidate_label), -1, dtype=np.int64)
    total = np.bincount(candidate_label, weights=copies)
    degree = copies.astype(np.int64).copy()
    if len(pairs):
        degree += np.bincount(pairs.ravel(), minlength=len(candidate_label))
    # the component's own links, found by slicing pairs sorted by component (no scan of all pairs per component)
    pair_label = candidate_label[pairs[:, 0]] if len(pairs) else np.empty(0, dtype=np.int64)
    order = np.argsort(pair_label, kind="stable")
    sorted_labels = pair_label[order]
    unassigned = np.ones(len(candidate_label), dtype=bool)
    next_id = 0
    for label in np.nonzero(total >= min_size)[0]:
        lo, hi = np.searchsorted(sorted_labels, [label, label + 1])
        links = pairs[order[lo:hi]]
        remaining = np.nonzero(candidate_label == label)[0]
        for _ in range(max_rounds):
            if copies[remaining].sum() < min_size:
                break
            centre = remaining[np.argmax(degree[remaining])]
            close = strong_label[remaining] == strong_label[centre]
            if signature is not None:
                close |= (signature[remaining] == signature[centre]).mean(axis=1) >= threshold - _CENTRE_SLACK
            member = np.zeros(len(candidate_label), dtype=bool)
            member[remaining[close]] = True
            # one more hop: a text directly linked to a member (at the full threshold) joins too
            if len(links):
                a, b = links[:, 0], links[:, 1]
                hop = np.concatenate([b[member[a] & ~member[b] & unassigned[b]], a[member[b] & ~member[a] & unassigned[a]]])
                member[hop] = True
            members = np.nonzero(member)[0]
            unassigned[members] = False
            if copies[members].sum() >= min_size and word_count[members.min()] >= min_words:
                out[members] = next_id
                next_id += 1
            remaining = remaining[unassigned[remaining]]
    return out


def _components(m: int, pairs: np.ndarray) -> np.ndarray:
    if len(pairs) == 0:
        return np.arange(m)
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
    _, labels = connected_components(graph, directed=False)
    return labels


def _first_member(labels: np.ndarray) -> np.ndarray:
    """For each label, the smallest index carrying it."""
    first = np.full(labels.max() + 1, len(labels), dtype=np.int64)
    np.minimum.at(first, labels, np.arange(len(labels)))
    return first


def _validate(n: int, embeddings, ids, near_threshold, embed_threshold, campaign_threshold,
              campaign_min_size) -> None:  # type: ignore[no-untyped-def]
    for name, value in (("near_threshold", near_threshold), ("embed_threshold", embed_threshold),
                        ("campaign_threshold", campaign_threshold)):
        if not 0.0 < value <= 1.0:
            raise InputError(f"{name} must be in (0, 1], got {value}", "e.g. near_threshold=0.9")
    if campaign_min_size < 2:
        raise InputError(f"campaign_min_size must be at least 2, got {campaign_min_size}", "the default is 5")
    if embeddings is not None and (getattr(embeddings, "ndim", 0) != 2 or embeddings.shape[0] != n):
        raise InputError(f"embeddings must have one row per text: got shape {getattr(embeddings, 'shape', None)} "
                         f"for {n} texts", "pass the (n, dim) array the embedder returned for these texts")
    if ids is not None and len(ids) != n:
        raise InputError(f"ids has {len(ids)} entries for {n} texts", "pass one id per text")
