"""What duplicate detection returns: for every text, the copy it stands for, and the campaigns found."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Campaign:
    """A group of >= campaign_min_size near-identical texts (a template letter with small edits). Its members
    count as weight behind one voice, the canonical (first) text."""

    id: str  # "c1", "c2", ... in order of first appearance
    member_indices: list[int]
    canonical_index: int
    size: int
    example_text: str
    member_ids: list[str] = field(default_factory=list)  # when ids were given
    mean_similarity: float = 1.0  # mean estimated Jaccard of members to the canonical text


@dataclass
class DuplicateResult:
    """`duplicate_of[i]` is the index of the canonical first occurrence that text i copies (None for originals
    and for canonical texts); `kind[i]` says how it was matched: 'exact' (same after normalising case,
    whitespace and punctuation), 'near' (MinHash Jaccard >= near_threshold), 'semantic' (embedding cosine >=
    embed_threshold) or 'campaign' (a template copy with edits, matched only through its campaign)."""

    duplicate_of: list[int | None]
    campaign_id: list[str | None]
    campaigns: list[Campaign]
    kind: list[str | None]
    parameters: dict[str, float | int]

    @property
    def weights(self) -> list[int]:
        """How many submissions each text stands for: 1 + its copies for canonical texts, 0 for copies."""
        weights = [1 if d is None else 0 for d in self.duplicate_of]
        for original in self.duplicate_of:
            if original is not None:
                weights[original] += 1
        return weights

    @property
    def n_distinct(self) -> int:
        return sum(1 for d in self.duplicate_of if d is None)

    def counts(self) -> dict[str, int]:
        out = {"texts": len(self.duplicate_of), "distinct": self.n_distinct, "campaigns": len(self.campaigns)}
        for k in ("exact", "near", "semantic", "campaign"):
            out[k] = sum(1 for x in self.kind if x == k)
        return out
