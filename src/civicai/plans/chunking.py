"""Blocks -> chunks of about `target_words`, never crossing a section or page boundary.

Small chunks make citations precise (a quote points at one passage on one page); the section headings
travel with each chunk (Chunk.index_text) so a two-word section such as "Lead: City of X" still retrieves.
"""
from __future__ import annotations

from collections.abc import Iterable

from civicai.errors import InputError
from civicai.plans.sentences import split_sentences
from civicai.plans.types import Block, Chunk


def _split_long(text: str, max_words: int) -> list[str]:
    """A block longer than max_words is cut at sentence ends (a single huge sentence is cut by words)."""
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in split_sentences(text):
        words = sentence.split()
        while len(words) > max_words:  # a run-on "sentence" (tables, OCR): hard cut
            if current:
                pieces.append(" ".join(current))
                current, count = [], 0
            pieces.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if count + len(words) > max_words and current:
            pieces.append(" ".join(current))
            current, count = [], 0
        current.append(" ".join(words))
        count += len(words)
    if current:
        pieces.append(" ".join(current))
    return pieces


def chunk_blocks(blocks: Iterable[Block], target_words: int = 120, max_words: int = 200) -> list[Chunk]:
    """Greedy packing of consecutive blocks with the same (section, page) up to target_words."""
    if target_words < 10 or max_words < target_words:
        raise InputError(f"chunk sizes target_words={target_words}, max_words={max_words} are not usable",
                         "use target_words >= 10 and max_words >= target_words")
    chunks: list[Chunk] = []
    buffer: list[str] = []
    words = 0
    key: tuple[tuple[str, ...], int | None] | None = None

    def flush() -> None:
        nonlocal buffer, words
        if buffer and key is not None:
            chunks.append(Chunk(len(chunks), "\n".join(buffer), key[0], key[1]))
        buffer, words = [], 0

    for block in blocks:
        text = block.text.strip()
        if not text:
            continue
        block_key = (block.section_path, block.page)
        if block_key != key:
            flush()
            key = block_key
        for piece in (_split_long(text, max_words) if len(text.split()) > max_words else [text]):
            n = len(piece.split())
            if buffer and words + n > target_words:
                flush()
            buffer.append(piece)
            words += n
    flush()
    return chunks
