"""Parsers: a plan file -> ParsedDocument (blocks in reading order with section path and page).

PDF (pypdf, page numbers kept, sections from the outline or numbered headings), Markdown (`<!-- page N -->`
markers honoured, YAML-like front matter read), HTML (beautifulsoup4; the same page markers or
`data-page` attributes honoured) and DOCX (python-docx; heading styles, explicit page breaks counted).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from civicai.errors import InputError
from civicai.plans.headings import SectionTracker
from civicai.plans.types import Block, ParsedDocument

PAGE_MARKER = re.compile(r"<!--\s*page[\s:=]*(\d+)\s*-->", re.IGNORECASE)
_MD_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*#*\s*$")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")
SUFFIXES = {".pdf": "pdf", ".md": "markdown", ".markdown": "markdown", ".txt": "markdown",
            ".html": "html", ".htm": "html", ".docx": "docx"}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_LATEX_INLINE = re.compile(r"\$\s*([^$]{1,120}?)\s*\$")


def _latex_to_text(match: re.Match) -> str:
    """OCR'd plans write "$\\mathrm{CO}_{2}$" and "$75\\%$": keep the readable characters."""
    body = match.group(1)
    if not re.search(r"[\\_^{]", body):
        return match.group(0)  # "$5 and $10": money, not LaTeX
    body = re.sub(r"\\(?:mathrm|text|mathbf|operatorname)\s*\{([^}]*)\}", r"\1", body)
    body = re.sub(r"[_^]\{([^}]*)\}", r"\1", body)
    body = body.replace("\\%", "%").replace("\\,", "").replace("\\ ", " ")
    body = re.sub(r"\\[a-zA-Z]+", "", body)
    return re.sub(r"[{}_^]", "", body).strip()


def _inline_markdown(text: str) -> str:
    text = _LATEX_INLINE.sub(_latex_to_text, text)
    text = _MD_IMAGE.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = re.sub(r"~~.*?~~", " ", text)  # struck-out text is not part of the plan
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    text = re.sub(r"<[^>]{1,200}>", " ", text)  # inline HTML tags
    return re.sub(r"[ \t]+", " ", text).strip()


def _front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """Simple `key: value` front matter between --- lines (nested YAML lists are skipped)."""
    if not lines or lines[0].strip() != "---":
        return {}, lines
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            meta = {}
            for line in lines[1:end]:
                match = re.match(r"^([A-Za-z_][\w-]*):\s*(.*)$", line)
                if match and match.group(2).strip():
                    meta[match.group(1)] = match.group(2).strip().strip("'\"")
            return meta, lines[end + 1:]
    return {}, lines


def parse_markdown_text(text: str, source: str = "<text>", root: str | None = None) -> ParsedDocument:
    """Markdown -> blocks. Paragraphs, list items and table rows become blocks; `<!-- page N -->` sets pages."""
    meta, lines = _front_matter(text.splitlines())
    title = meta.get("title")
    tracker = SectionTracker(root=root or title)
    blocks: list[Block] = []
    page: int | None = None
    max_page = 0
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            joined = _inline_markdown(" ".join(paragraph))
            if joined:
                blocks.append(Block(joined, tracker.path, page))
            paragraph.clear()

    in_code = False
    for raw in lines:
        line = raw.rstrip()
        marker = PAGE_MARKER.search(line)
        if marker:
            flush()
            page = int(marker.group(1))
            max_page = max(max_page, page)
            line = PAGE_MARKER.sub("", line)
        if line.strip().startswith("```"):
            flush()
            in_code = not in_code
            continue
        line = _HTML_COMMENT.sub("", line)
        heading = None if in_code else _MD_HEADING.match(line)
        if heading:
            flush()
            if title is None and heading.group(2).strip() and not blocks:
                title = _inline_markdown(heading.group(2))
            tracker.heading(_inline_markdown(heading.group(2)), len(heading.group(1)))
        elif not line.strip() or line.strip() in ("---", "***"):
            flush()
        elif _TABLE_RULE.match(line):
            continue
        elif line.lstrip().startswith("|"):
            flush()  # one table row = one block, cells joined readably
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            row = _inline_markdown("; ".join(c for c in cells if c))
            if row:
                blocks.append(Block(row, tracker.path, page))
        elif _LIST_ITEM.match(line):
            flush()
            paragraph.append(_LIST_ITEM.sub("", line))
        else:
            paragraph.append(line.strip())
    flush()
    return ParsedDocument(source=source, format="markdown", blocks=blocks, title=title,
                          pages=max_page or None, metadata=meta)


def parse_markdown(path: Path) -> ParsedDocument:
    doc = parse_markdown_text(_read_text(path), source=str(path))
    doc.sha256 = _sha256(path)
    return doc


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(raw).best()
        if best is None:
            raise InputError(f"{path} is not text in any encoding we recognise", "save it as UTF-8") from None
        return str(best)


# ---------- PDF ----------
# what pypdf raises on a damaged outline or metadata dictionary (it has no single base class for these)
_PDF_DATA_ERRORS = (ArithmeticError, AttributeError, KeyError, IndexError, TypeError, ValueError, OSError)
_PDF_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+[A-ZÀ-Þ][^.!?:;,]{2,70}(?<![\s,])$"
                          r"(?<!\band)(?<!\bor)(?<!\bof)(?<!\bthe)(?<!\bto)(?<!\bin)(?<!\bfor)(?<!\bwith)")


def _outline_pages(reader) -> list[tuple[int, int, str]]:
    """(page index, depth, title) for each outline entry, in page order."""
    found: list[tuple[int, int, str]] = []

    def walk(items, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
                continue
            try:
                found.append((reader.get_destination_page_number(item), depth, str(item.title)))
            except _PDF_DATA_ERRORS:  # broken destinations are common; skip the entry
                continue

    try:
        walk(reader.outline, 1)
    except _PDF_DATA_ERRORS:  # an unreadable outline: sections then come from the text alone
        return []
    return sorted(found, key=lambda entry: entry[0])


def _pdf_paragraphs(page_text: str) -> list[str]:
    """Reflow a page's lines into paragraphs: blank lines, bullets and sentence ends break paragraphs."""
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in page_text.splitlines():
        line = re.sub(r"\s+", " ", raw).strip()
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        starts_item = bool(_LIST_ITEM.match(line)) or line[:1] in "•▪●"
        heading_before = len(current) == 1 and _PDF_HEADING.match(current[0])
        if current and (starts_item or (current[-1].endswith((".", ":", "!", "?")) and line[:1].isupper())
                        or _PDF_HEADING.match(line) or heading_before):
            paragraphs.append(" ".join(current))
            current = []
        if current and current[-1].endswith("-") and line[:1].islower():
            current[-1] = current[-1][:-1] + line  # re-join hyphenated words
        else:
            current.append(line)
    if current:
        paragraphs.append(" ".join(current))
    return [p.lstrip("•▪● ").strip() for p in paragraphs if p.strip()]


def parse_pdf(path: Path) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        # NFKC: PDFs set "fi" and "fl" as ligature glyphs ("signiﬁcant"), which no keyword search matches
        pages = [unicodedata.normalize("NFKC", page.extract_text() or "") for page in reader.pages]
    except (PdfReadError, OSError, ValueError) as exc:
        raise InputError(f"{path} could not be read as a PDF: {exc}", "check the file is a valid PDF") from exc
    title = None
    try:
        title = (reader.metadata.title or None) if reader.metadata else None
    except _PDF_DATA_ERRORS:  # a broken metadata dictionary: the file name stands in for the title
        title = None
    # In-text numbered headings ("3.2 Cycling network") give the finest sections; the PDF outline is used
    # only for documents without them.
    in_text_headings = sum(1 for text in pages for p in _pdf_paragraphs(text) if _PDF_HEADING.match(p))
    outline = _outline_pages(reader) if in_text_headings < 3 else []
    tracker = SectionTracker()
    blocks: list[Block] = []
    next_outline = 0
    for index, text in enumerate(pages):
        while next_outline < len(outline) and outline[next_outline][0] <= index:
            _, depth, name = outline[next_outline]
            tracker.heading(name, depth)
            next_outline += 1
        for paragraph in _pdf_paragraphs(text):
            if not outline and _PDF_HEADING.match(paragraph):
                tracker.heading(paragraph, 1)
                continue
            blocks.append(Block(paragraph, tracker.path, index + 1))
    if not any(block.text.strip() for block in blocks):
        raise InputError(f"{path} has no extractable text (a scanned PDF?)", "run OCR on it first, then ingest")
    return ParsedDocument(source=str(path), format="pdf", blocks=blocks, title=title, pages=len(pages),
                          sha256=_sha256(path))


# ---------- HTML ----------
_HTML_BLOCKS = {"p", "li", "blockquote", "pre", "dd", "dt", "figcaption", "caption", "tr"}
_HTML_SKIP = {"script", "style", "nav", "header", "footer", "noscript", "template", "svg"}


def parse_html_text(html: str, source: str = "<html>") -> ParsedDocument:
    from bs4 import BeautifulSoup, Comment, NavigableString, Tag

    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    tracker = SectionTracker()
    blocks: list[Block] = []
    state = {"page": None, "max_page": 0}

    def set_page(value: str) -> None:
        if value.strip().isdigit():
            state["page"] = int(value)
            state["max_page"] = max(state["max_page"], int(value))

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                marker = PAGE_MARKER.search(f"<!--{child}-->")
                if marker:
                    set_page(marker.group(1))
                continue
            if isinstance(child, NavigableString) or not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in _HTML_SKIP:
                continue
            if child.has_attr("data-page"):
                set_page(str(child["data-page"]))
            if re.fullmatch(r"h[1-6]", name):
                tracker.heading(child.get_text(" ", strip=True), int(name[1]))
            elif name in _HTML_BLOCKS and (name == "tr" or child.find(list(_HTML_BLOCKS - {"tr"})) is None):
                sep = "; " if name == "tr" else " "
                cells = [c.get_text(" ", strip=True) for c in child.find_all(["td", "th"])] if name == "tr" else []
                text = sep.join(c for c in cells if c) if name == "tr" else child.get_text(" ", strip=True)
                text = re.sub(r"\s+", " ", text).strip()
                if text:
                    blocks.append(Block(text, tracker.path, state["page"]))
            else:
                walk(child)

    walk(soup.body or soup)
    return ParsedDocument(source=source, format="html", blocks=blocks, title=title,
                          pages=state["max_page"] or None)


def parse_html(path: Path) -> ParsedDocument:
    doc = parse_html_text(_read_text(path), source=str(path))
    doc.sha256 = _sha256(path)
    return doc


# ---------- DOCX ----------
def parse_docx(path: Path) -> ParsedDocument:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise InputError(f"{path} could not be read as a DOCX file: {exc}", "save it as .docx (Word 2007+)") from exc
    tracker = SectionTracker()
    blocks: list[Block] = []
    page = 1
    title = document.core_properties.title or None
    body = document.element.body
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for element in body.iterchildren():
        if element.tag == f"{ns}p":
            paragraph = docx.text.paragraph.Paragraph(element, document)
            text = paragraph.text.strip()
            style = (paragraph.style.name or "") if paragraph.style is not None else ""
            heading = re.match(r"(?i)^heading\s*(\d)", style)
            if heading or style.lower() == "title":
                if style.lower() == "title":
                    title = title or text
                else:
                    tracker.heading(text, int(heading.group(1)))
            elif text:
                blocks.append(Block(text, tracker.path, page))
            # explicit page breaks (hard breaks and "page break before") move on the page counter
            breaks = element.findall(f".//{ns}br[@{ns}type='page']")
            page += len(breaks)
        elif element.tag == f"{ns}tbl":
            table = docx.table.Table(element, document)
            for row in table.rows:
                cells = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                        cells.append(value)
                if cells:
                    blocks.append(Block("; ".join(cells), tracker.path, page))
    return ParsedDocument(source=str(path), format="docx", blocks=blocks, title=title,
                          pages=page if page > 1 else None, sha256=_sha256(path))


def parse_document(path: str | Path) -> ParsedDocument:
    """Pick the parser by file suffix. Raises InputError naming the file if it cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"plan file {path} does not exist", "check the path")
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"{path}: unsupported plan format '{path.suffix}'",
                         f"use one of: {', '.join(sorted(SUFFIXES))}")
    parser = {"pdf": parse_pdf, "markdown": parse_markdown, "html": parse_html, "docx": parse_docx}[kind]
    document = parser(path)
    if not document.blocks:
        raise InputError(f"{path} contains no text to index", "check the file is not empty")
    return document
