"""Data for the chat evaluation: the plans (from ../shared/data and the shipped sample) and their questions.

Plans are ingested once into evaluation/.cache/chat_eval.db (embeddings kept), so re-running the evaluation
does not re-embed. The Dinan PCAET is 38 action sheets; they are joined into one plan, one top-level section
per sheet (its title), each sheet's sections below it. The association's own commentary ("Nos remarques") is
left out: it is not part of the plan.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from civicai.paths import sample_dir, shared_data_dir
from civicai.plans.parsers import parse_markdown_text
from civicai.plans.types import Block, ParsedDocument

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
QUESTIONS = HERE / "questions"
DINAN_QUESTION_SECTIONS = {
    # section heading in the sheets -> (question template in French, kind)
    "Moyens financiers": ("Quels sont les moyens financiers prévus pour l'action « {title} » ?", "budget"),
    "Calendrier": ("Quel est le calendrier de l'action « {title} » ?", "calendar"),
    "Porteur de projet": ("Qui est le porteur de projet de l'action « {title} » ?", "lead"),
    "Indicateurs de suivi": ("Quels sont les indicateurs de suivi de l'action « {title} » ?", "indicators"),
}


@dataclass(frozen=True)
class PlanSource:
    name: str
    path: Path | None  # None for composite documents


def shared_plans() -> Path:
    return shared_data_dir() / "plans"


def dinan_sheets() -> list[Path]:
    return sorted((shared_plans() / "dinan-pcaet" / "content" / "actions").glob("fiche[0-9]*.md"))


def _sheet_title(text: str) -> str:
    match = re.search(r"^title:\s*['\"]?(.*?)['\"]?\s*$", text, re.MULTILINE)
    return match.group(1).strip() if match else "?"


def dinan_document() -> ParsedDocument:
    blocks: list[Block] = []
    digest = hashlib.sha256()
    for path in dinan_sheets():
        text = path.read_text(encoding="utf-8")
        digest.update(text.encode("utf-8"))
        sheet = parse_markdown_text(text, source=str(path))
        blocks.extend(b for b in sheet.blocks if "Nos remarques" not in b.section_path)
    return ParsedDocument(source=str(shared_plans() / "dinan-pcaet"), format="markdown", blocks=blocks,
                          title="PCAET Dinan Agglomération (fiches actions)", sha256=digest.hexdigest())


def _section_body(text: str, heading: str) -> str:
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    return match.group(1).strip() if match else ""


def dinan_questions() -> list[dict]:
    """Gold questions derived from the sheets: the expected value is the first line of the named section."""
    rows = []
    for path in dinan_sheets():
        text = path.read_text(encoding="utf-8")
        title = _sheet_title(text)
        number = re.search(r"(\d+)", path.stem).group(1)
        for heading, (template, kind) in DINAN_QUESTION_SECTIONS.items():
            body = _section_body(text, heading)
            lines = [re.sub(r"^\s*[-*]\s*", "", line).strip() for line in body.splitlines()]
            lines = [re.sub(r"\s+", " ", line) for line in lines if line and line not in ("-", "/")]
            if not lines:
                continue  # the sheet leaves this section empty: no gold value to ask for
            rows.append({"id": f"dinan-{number}-{kind}", "question": template.format(title=title), "language": "fr",
                         "answerable": True, "kind": kind, "expected": lines[0], "sheet_title": title,
                         "expected_section": heading})
    return rows


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ccc_questions() -> list[dict]:
    """Every Climate City Contract question: ccc.jsonl (Copenhagen, Paris, Stockholm) and the extra
    development sets (ccc_*.jsonl, other contracts), in file order."""
    files = [QUESTIONS / "ccc.jsonl"] + sorted(QUESTIONS.glob("ccc_*.jsonl"))
    return [row for path in files if path.is_file() for row in read_jsonl(path)]


def yesno_questions() -> list[dict]:
    """Yes/no questions ("Does the plan ...?", "Is there ...?") over the same contracts (yesno.jsonl): same fields
    as the contract questions, `kind` "yesno"; the split follows the plan (Paris and Stockholm are test)."""
    path = QUESTIONS / "yesno.jsonl"
    return read_jsonl(path) if path.is_file() else []


def quote_key(quote: str) -> str:
    """A cited quote's key in citation_judgements.jsonl: the first 12 hex digits of sha1 of its normalised text."""
    return hashlib.sha1(norm(quote).encode("utf-8")).hexdigest()[:12]


def norm(text: str) -> str:
    """Compare plan strings robustly: accents folded, punctuation and spaces dropped."""
    from civicai.rag.tokenize import fold

    return re.sub(r"[^a-z0-9%€]", "", fold(text.replace("’", "'")))


def citation_judgements() -> dict[tuple[str, str], str]:
    """Blind assessor labels ("yes", "partial", "no") for cited quotes, keyed by (question id, quote_key):
    does the quote answer the question? (pooled judging; see questions/README.md)."""
    path = QUESTIONS / "citation_judgements.jsonl"
    if not path.is_file():
        return {}
    return {(r["id"], r["quote_sha"]): r["label"] for r in read_jsonl(path)}


# The ClimRetrieve reports shipped in ../shared/data whose annotated passages are found in the PDF
# (the two BHP reports have no annotated rows in ClimRetrieve_base.xlsx).
CLIMRETRIEVE_REPORTS = {"costco": "CostCo_Climate_Action_Plan.pdf",
                        "rio-tinto": "Rio_Tinto_Climate_Change_Report_2023.pdf",
                        "ct-reit": "CT_REIT_2022_ESG_Report.pdf"}


def climretrieve_questions() -> list[dict]:
    """Every ClimRetrieve row whose relevant passage is in one of the shipped reports, grouped per report and
    question.

    The Document column is not reliable (CostCo: 10 rows named, one of them a Veolia passage, and 4 CostCo
    passages labelled AT&T and Veolia), so a row counts for the report whose PDF holds its relevant passage
    (first 120 normalised characters, verbatim); the gold page is the PDF page that holds it (pypdf page
    numbers, as ingest keeps them; the sheet's Page column counts printed page labels in some reports).
    """
    import openpyxl
    from pypdf import PdfReader

    root = shared_plans() / "climretrieve"
    pages = {plan: [norm(page.extract_text() or "") for page in PdfReader(root / pdf).pages]
             for plan, pdf in CLIMRETRIEVE_REPORTS.items()}
    book = openpyxl.load_workbook(root / "ClimRetrieve_base.xlsx", read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    col = {name: header.index(name) for name in ("Document", "Question", "Page", "Relevant")}
    grouped: dict[tuple[str, str], dict] = {}
    for row in rows[1:]:
        question = str(row[col["Question"]] or "").strip()
        key = norm(str(row[col["Relevant"]] or ""))[:120]
        if not question or len(key) < 30:
            continue
        for plan, texts in pages.items():
            found = [number for number, text in enumerate(texts, start=1) if key in text]
            if not found:
                continue
            entry = grouped.setdefault((plan, question), {"pages": set(), "rows": 0, "labelled": set()})
            entry["pages"].add(found[0])
            entry["rows"] += 1
            entry["labelled"].add(str(row[col["Document"]]))
    out = []
    for plan in CLIMRETRIEVE_REPORTS:
        questions = sorted((q, e) for (p, q), e in grouped.items() if p == plan)
        out += [{"id": f"{plan}-{i:02d}", "plan": plan, "question": q, "language": "en",
                 "gold_pages": sorted(e["pages"]), "rows": e["rows"], "labelled_as": sorted(e["labelled"])}
                for i, (q, e) in enumerate(questions, start=1)]
    return out


def plan_sources() -> list[PlanSource]:
    ccc = shared_plans() / "climate-city-contracts"
    return [
        PlanSource("sample", sample_dir() / "plan" / "rivermouth-climate-plan.md"),
        PlanSource("copenhagen", ccc / "copenhagen.md"),
        PlanSource("paris", ccc / "paris.md"),
        PlanSource("stockholm", ccc / "stockholm.md"),
        PlanSource("aarhus", ccc / "Aarhus.md"),
        PlanSource("rotterdam", ccc / "Rotterdam.md"),
        *(PlanSource(plan, shared_plans() / "climretrieve" / pdf) for plan, pdf in CLIMRETRIEVE_REPORTS.items()),
        PlanSource("dinan", None),
    ]


def split_of(row: dict) -> str:
    """'dev' or 'test'. Development (weights and thresholds chosen here): the Copenhagen, Aarhus and Rotterdam
    contracts and the odd-numbered Dinan sheets. Test (reported, never tuned on): Paris, Stockholm, the
    even-numbered sheets."""
    if row.get("plan") in ("paris", "stockholm"):
        return "test"
    if str(row.get("id", "")).startswith("dinan-"):
        return "dev" if int(row["id"].split("-")[1]) % 2 == 1 else "test"
    return "dev"


# -- where the evaluations read ingested plans from ------------------------------------------------------------
HELDOUT_WORK = HERE / ".work" / "heldout"  # chat_heldout.py --ingest
FOLLOWUPS_WORK = HERE / ".work" / "followups"  # chat_followups.py --ingest (followups.db, followups_b.db)


def store_settings(database: Path, home: Path):
    """Settings of one SQLite plan store (its embeddings and sentence vectors kept under `home`)."""
    from civicai.config import get_settings

    return get_settings(home=home, database_url=f"sqlite:///{database.resolve()}")


def heldout_store():
    return store_settings(HELDOUT_WORK / "heldout.db", HELDOUT_WORK)


def followups_store(database: str = "followups.db"):
    """A chat_followups.py store: followups.db keeps its files in .work/followups, any other in a folder of its
    own (a second ingest process)."""
    home = FOLLOWUPS_WORK if database == "followups.db" else FOLLOWUPS_WORK / database.removesuffix(".db")
    return store_settings(FOLLOWUPS_WORK / database, home)


def plan_stores() -> list:
    """Every store, first match wins: the evaluation database (chat_ingest.py), evaluation/.work/heldout, then
    evaluation/.work/followups*.db. One list, so every script finds a plan wherever it was ingested."""
    from chat_ingest import eval_settings  # imported here: chat_ingest imports this module

    return [eval_settings(), heldout_store(), *[followups_store(db.name)
                                                for db in sorted(FOLLOWUPS_WORK.glob("followups*.db"))]]


def open_chat(plan: str, stores: list | None = None):
    """The plan's PlanChat from the first store that holds it, or None."""
    from civicai.errors import CivicaiError
    from civicai.rag import load_chat

    for settings in stores if stores is not None else plan_stores():
        try:
            return load_chat(plan, settings=settings)
        except CivicaiError:
            continue
    return None


def stored_plan(plan: str, stores: list | None = None):
    """The plan's StoredPlan (chunks and passage vectors, no models loaded) from the first store that holds it."""
    from civicai.errors import CivicaiError
    from civicai.plans.repository import load_plan
    from civicai.store.db import init_db, session_scope

    for settings in stores if stores is not None else plan_stores():
        url = settings.resolved_database_url
        init_db(url)
        try:
            with session_scope(url) as session:
                return load_plan(session, plan)
        except CivicaiError:
            continue
    return None
