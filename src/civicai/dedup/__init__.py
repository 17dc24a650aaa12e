"""Dedup: exact copies, near-duplicates and campaigns (template letters), kept as weight, not as extra voices."""
from civicai.dedup.detect import find_duplicates, normalise
from civicai.dedup.types import Campaign, DuplicateResult

__all__ = ["Campaign", "DuplicateResult", "find_duplicates", "normalise"]
