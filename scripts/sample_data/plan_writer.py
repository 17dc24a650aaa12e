"""Render the Rivermouth plan as Markdown (with page markers) and as a PDF with the same pages.

Each entry of PAGES is exactly one PDF page; rendering fails loudly if a page overflows, so the
'<!-- page N -->' markers in the Markdown always agree with the PDF's page numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from .plan_pages_a import PAGES_A
from .plan_pages_b import PAGES_B
from .questions import QUESTIONS

PAGES = PAGES_A + PAGES_B
TITLE = "Rivermouth Climate Action Plan 2025-2040"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
HEADING = re.compile(r"^(#{1,3}) (.+)$")
SECTION_NUMBER = re.compile(r"^(\d+(?:\.\d+)*|[A-Z]\.\d+|Annex [A-Z])\b")


def markdown_text() -> str:
    return "".join(f"<!-- page {n} -->\n\n{page.strip()}\n\n" for n, page in enumerate(PAGES, start=1))


def blocks(page: str) -> list[tuple[str, list[str]]]:
    """Split one page into (kind, lines) blocks: h1/h2/h3, para, bullets, table."""
    out: list[tuple[str, list[str]]] = []
    for chunk in re.split(r"\n\s*\n", page.strip()):
        lines = [ln.strip() for ln in chunk.strip().splitlines() if ln.strip()]
        if not lines:
            continue
        match = HEADING.match(lines[0])
        if match and len(lines) == 1:
            out.append((f"h{len(match.group(1))}", [match.group(2)]))
        elif all(ln.startswith("- ") for ln in lines):
            out.append(("bullets", [ln[2:] for ln in lines]))
        elif all(ln.startswith("|") for ln in lines):
            rows = [ln for i, ln in enumerate(lines) if i != 1]  # drop the '| --- |' separator
            out.append(("table", rows))
        else:
            out.append(("para", [" ".join(lines)]))
    return out


def plain_text(page: str) -> str:
    """What a reader sees on the page, without Markdown syntax (used by the tests too)."""
    parts = []
    for kind, lines in blocks(page):
        if kind == "table":
            for row in lines:
                parts += [cell.strip() for cell in row.strip("|").split("|")]
        else:
            parts += lines
    return "\n".join(parts)


def section_pages() -> dict[str, list[int]]:
    """Section number -> pages it spans (a section runs until the next heading of its level or above)."""
    headings: list[tuple[int, int, str]] = []  # (page, level, number)
    for n, page in enumerate(PAGES, start=1):
        for kind, lines in blocks(page):
            if kind.startswith("h"):
                number = SECTION_NUMBER.match(lines[0])
                if number:
                    headings.append((n, int(kind[1]), number.group(1)))
    spans: dict[str, list[int]] = {}
    for i, (page, level, number) in enumerate(headings):
        end = len(PAGES)
        for later_page, later_level, _ in headings[i + 1 :]:
            if later_level <= level:
                end = later_page
                break
        spans[number] = list(range(page, end + 1))
    return spans


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def question_records() -> list[dict]:
    spans = section_pages()
    records = []
    counters: dict[str, int] = {}
    for language, question, section, answer in QUESTIONS:
        counters[language] = counters.get(language, 0) + 1
        qid = f"q-{language}-{counters[language]:02d}"
        page = None
        if section is not None:
            hits = [p for p in spans[section] if answer in _squash(plain_text(PAGES[p - 1]))]
            if not hits:
                raise ValueError(f"question {qid}: answer {answer!r} not found in section {section}")
            page = hits[0]
        records.append({"id": qid, "question": question, "language": language, "answerable": section is not None,
                        "expected_section": section, "expected_page": page, "expected_answer": answer})
    return records


def _pdf():
    from fpdf import FPDF  # dev extra; only needed to rebuild the shipped PDF

    class PlanPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-14)
            self.set_font("DejaVu", "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 6, f"{TITLE} - page {self.page_no()} of {{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    missing = [f for f in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf")
               if not (FONT_DIR / f).exists()]
    if missing:
        raise FileNotFoundError(f"fonts {missing} not in {FONT_DIR}: run `apt-get install -y fonts-dejavu-core`")
    pdf = PlanPDF(format="A4")
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
    pdf.set_title(TITLE)
    pdf.set_author("City of Rivermouth, Climate Office")
    pdf.set_creation_date(dt.datetime(2025, 3, 14, 12, 0, tzinfo=dt.UTC))  # reproducible bytes
    return pdf


def _render_page(pdf, page: str, number: int) -> None:
    sizes = {"h1": 15, "h2": 12, "h3": 10.5}
    for kind, lines in blocks(page):
        if kind in sizes:
            pdf.ln(2 if kind != "h1" else 0)
            pdf.set_font("DejaVu", "B", sizes[kind] + (5 if number == 1 and kind == "h1" else 0))
            pdf.multi_cell(0, sizes[kind] * 0.5, lines[0], align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif kind == "para":
            pdf.set_font("DejaVu", "", 9.5)
            pdf.multi_cell(0, 4.7, lines[0], align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif kind == "bullets":
            pdf.set_font("DejaVu", "", 9.5)
            for item in lines:
                pdf.set_x(pdf.l_margin + 3)
                pdf.cell(4, 4.7, "•")
                pdf.multi_cell(pdf.epw - 7, 4.7, item, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif kind == "table":
            pdf.set_font("DejaVu", "", 8.5)
            rows = [[c.strip() for c in row.strip().strip("|").split("|")] for row in lines]
            longest = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
            widths = [max(8, n) for n in longest]  # wide columns for long labels, narrow for numbers
            with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.4, first_row_as_headings=True,
                           padding=1) as table:
                for row in rows:
                    cells = table.row()
                    for value in row:
                        cells.cell(value)
            pdf.ln(2)
    if pdf.page != number:
        raise ValueError(f"plan page {number} does not fit on one PDF page: shorten it in plan_pages_*.py")


def write_plan(out: Path, pdf: bool = True) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    (out / "rivermouth-climate-plan.md").write_text(markdown_text(), encoding="utf-8")
    records = question_records()
    with (out / "questions.jsonl").open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    lines = [f"plan/rivermouth-climate-plan.md: {len(PAGES)} pages",
             f"plan/questions.jsonl: {len(records)} questions, "
             f"{sum(not r['answerable'] for r in records)} unanswerable"]
    if pdf:
        document = _pdf()
        for number, page in enumerate(PAGES, start=1):
            document.add_page()
            _render_page(document, page, number)
        document.output(str(out / "rivermouth-climate-plan.pdf"))
        lines.append(f"plan/rivermouth-climate-plan.pdf: {document.pages_count} pages")
    return lines
