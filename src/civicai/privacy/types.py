"""What a redaction leaves behind: the redacted text and where each piece of PII was, never its value."""
from __future__ import annotations

import hashlib
import hmac
import os
from collections import Counter
from dataclasses import dataclass, field

# Every kind of personal data we redact, and the placeholder that replaces it in the text.
KINDS: tuple[str, ...] = ("EMAIL", "URL", "IBAN", "CARD", "ID", "PHONE", "ADDRESS", "PERSON")
PLACEHOLDERS: dict[str, str] = {kind: f"[{kind}]" for kind in KINDS}

# A per-process secret: hashes link repeats of one value inside a run (e.g. one e-mail address in many
# submissions: a campaign) without being reversible by a dictionary attack on common names or numbers.
# Set CIVICAI_PII_SALT to keep hashes stable across runs (then treat that salt as a secret).
_PROCESS_SALT: bytes = os.environ.get("CIVICAI_PII_SALT", "").encode() or os.urandom(16)


def hash_value(value: str, salt: bytes | None = None) -> str:
    """A short keyed hash of a PII value (12 hex chars); case and spacing do not change it."""
    normalised = " ".join(value.split()).casefold().encode("utf-8", "surrogatepass")
    return hmac.new(salt or _PROCESS_SALT, normalised, hashlib.sha256).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Redaction:
    """One piece of PII found in a text. `start`/`end` index the ORIGINAL text (Python str offsets)."""

    kind: str
    start: int
    end: int
    text_hash: str = ""

    def __post_init__(self) -> None:
        if self.kind not in PLACEHOLDERS:
            raise ValueError(f"unknown PII kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if not 0 <= self.start < self.end:
            raise ValueError(f"bad span [{self.start}, {self.end}) for {self.kind}: need 0 <= start < end")

    @property
    def placeholder(self) -> str:
        return PLACEHOLDERS[self.kind]


@dataclass(frozen=True, slots=True)
class RedactedText:
    """The text with every PII span replaced by its placeholder, and the spans (original offsets)."""

    text: str
    redactions: list[Redaction] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(r.kind for r in self.redactions))

    def __str__(self) -> str:
        return self.text


def apply_redactions(text: str, redactions: list[Redaction]) -> str:
    """Replace each (non-overlapping, sorted) span of `text` by its placeholder."""
    parts: list[str] = []
    cursor = 0
    for red in redactions:
        parts.append(text[cursor:red.start])
        parts.append(red.placeholder)
        cursor = red.end
    parts.append(text[cursor:])
    return "".join(parts)
