"""Typed values that flow through plan ingestion: file -> ParsedDocument (blocks) -> chunks."""
from __future__ import annotations

from dataclasses import dataclass, field

SECTION_SEPARATOR = " > "


@dataclass(frozen=True)
class Block:
    """One paragraph-like piece of a document, where it sits (section path) and on which page."""

    text: str
    section_path: tuple[str, ...] = ()
    page: int | None = None

    @property
    def section(self) -> str:
        return SECTION_SEPARATOR.join(self.section_path)


@dataclass
class ParsedDocument:
    """What a parser returns: the text in reading order, with section paths and page numbers kept."""

    source: str
    format: str  # pdf | markdown | html | docx
    blocks: list[Block]
    title: str | None = None
    pages: int | None = None  # None where the format has no pages (e.g. Markdown without page markers)
    sha256: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n\n".join(block.text for block in self.blocks)


@dataclass(frozen=True)
class Chunk:
    """A retrieval unit: never crosses a section or a page, so its citation is exact."""

    ordinal: int
    text: str
    section_path: tuple[str, ...]
    page: int | None

    @property
    def section(self) -> str:
        return SECTION_SEPARATOR.join(self.section_path)

    def index_text(self, depth: int = 3) -> str:
        """Text for BM25 and the embedder: the last section headings give a short passage its topic."""
        heading = SECTION_SEPARATOR.join(self.section_path[-depth:])
        return f"{heading}\n{self.text}" if heading else self.text
