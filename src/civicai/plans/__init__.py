"""Climate-plan documents: parse (PDF, Markdown, HTML, DOCX) keeping sections and pages, then chunk."""
from civicai.plans.chunking import chunk_blocks
from civicai.plans.parsers import parse_document, parse_html_text, parse_markdown_text
from civicai.plans.sentences import split_sentences
from civicai.plans.types import Block, Chunk, ParsedDocument

__all__ = ["Block", "Chunk", "ParsedDocument", "chunk_blocks", "parse_document", "parse_html_text",
           "parse_markdown_text", "split_sentences"]
