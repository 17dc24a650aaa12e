"""Stance towards the consultation's question: does a response agree with the proposal it asks about?

The tone classifier (classifier.py) reads support or opposition towards a measure named in the text. On a
yes/no question it fails in a telling way: people who want gambling adverts banned write angrily about the
adverts, which reads as negative (evaluation/results/sentiment_eval.md). Here the question itself is turned
into two statements, the proposal and its negation ("Should X be banned ...?" -> "X should be banned ..." /
"X should not be banned ..."), and a response leans towards the one its embedding is closer to. Responses
within `band` of both are neutral (unclear).

Only English yes/no questions of the forms "Should/Must/Can/Would/Will X be|have ...?" and "Do you agree
(that) ...?" / "Do you support ...?" are turned into statements; for any other question `question_statements`
returns None and callers keep the tone classifier. The embedder is cross-lingual, so the responses may be in
any language it covers.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from civicai.errors import InputError

# the first clause of a compound question ("Should X be banned, and what impact ...?")
_CLAUSE_END = re.compile(r",\s*(?:and|or|but)\s|\?|;|\.\s")
_MODAL = re.compile(r"^(should|must|shall|can|could|would|will)\s+(.+?)\s+(be|have)\s+(.+)$", re.I)
_AGREE = re.compile(r"^do\s+you\s+(agree|support|approve of|favour|favor)\s+((?:that\s+|with\s+)?.+)$", re.I)
BAND = 0.01  # chosen on gambling_XS question 1's odd-numbered responses (evaluation/sentiment_eval.py)


@dataclass(frozen=True)
class QuestionStatements:
    support: str
    oppose: str


def question_statements(question: str | None) -> QuestionStatements | None:
    """The proposal a yes/no question asks about, as a statement and its negation; None when the question
    is not one of the recognised yes/no forms (then agreement cannot be read this way)."""
    if not question or not question.strip():
        return None
    clause = _CLAUSE_END.split(question.strip(), maxsplit=1)[0].strip()
    modal = _MODAL.match(clause)
    if modal:
        verb, subject, aux, rest = modal.groups()
        subject = subject[:1].upper() + subject[1:]
        return QuestionStatements(f"{subject} {verb.lower()} {aux} {rest}.", f"{subject} {verb.lower()} not {aux} {rest}.")
    agree = _AGREE.match(clause)
    if agree:
        verb, rest = agree.groups()
        verb = verb.lower()
        return QuestionStatements(f"I {verb} {rest}.", f"I do not {verb} {rest}.")
    return None


def stance_towards_question(embeddings: np.ndarray, statements: QuestionStatements, embedder: Any,
                            band: float = BAND) -> list[str]:
    """'positive' (agrees with the proposal), 'negative' (disagrees) or 'neutral' for each response embedding:
    the sign of cos(response, proposal) - cos(response, its negation), neutral within `band`."""
    vectors = np.asarray(embeddings, dtype=np.float32)
    if vectors.ndim != 2:
        raise InputError(f"embeddings must be a 2-D array (n, dim), got shape {vectors.shape}",
                         "pass embedder.encode(texts)")
    if len(vectors) == 0:
        return []
    support, oppose = embedder.encode([statements.support, statements.oppose])
    if vectors.shape[1] != support.shape[0]:
        raise InputError(f"embeddings have {vectors.shape[1]} dimensions, the embedder gives {support.shape[0]}",
                         "embed the responses with the same embedder")
    lean = vectors @ support - vectors @ oppose
    return ["neutral" if abs(x) < band else ("positive" if x > 0 else "negative") for x in lean]


def stance_for_question(texts: Sequence[str], question: str | None, embedder: Any,
                        embeddings: np.ndarray | None = None) -> tuple[list[str], str]:
    """Stance of each text and the method used: towards the question when it is a recognised yes/no question
    ('question'), else the tone classifier read sentence by sentence ('tone')."""
    statements = question_statements(question)
    if statements is not None:
        vectors = embeddings if embeddings is not None else embedder.encode(list(texts))
        return stance_towards_question(vectors, statements, embedder), "question"
    from civicai.sentiment.classifier import StanceClassifier

    return StanceClassifier.pretrained(embedder).predict_texts(list(texts), embedder), "tone"
