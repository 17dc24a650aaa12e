"""The shipped sample data: the Rivermouth consultation, its gold files and the climate plan.

These checks read the files as a user would get them (csv, json, pypdf), never the generator's
own tables, so a broken generator or a hand-edited file shows up here.
"""
from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["id", "text", "district", "age_band", "language"]
DISTRICTS = {"Harbour", "Old Town", "Northfield", "Riverside", "Hillcrest", "Eastgate"}
AGE_BANDS = {"under 18", "18-29", "30-44", "45-64", "65+"}
STANCES = {"support", "oppose", "neutral", "mixed"}
# Frequent function words: enough to tell the four languages apart without any model.
FUNCTION_WORDS = {
    "en": {"the", "and", "is", "are", "to", "of", "for", "in", "please", "we", "my", "it", "not", "with", "i"},
    "fr": {"le", "la", "les", "des", "et", "est", "pour", "pas", "une", "un", "à", "du", "je", "nous", "svp", "sur"},
    "nl": {"de", "het", "een", "en", "is", "van", "niet", "voor", "ik", "wij", "aub", "op", "zijn", "met", "er"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "für", "ich", "wir", "bitte", "mit", "auf", "ein", "eine", "zu"},
}


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def consultation(sample_dir: Path) -> list[dict[str, str]]:
    return read_csv(sample_dir / "consultation.csv")


@pytest.fixture(scope="module")
def by_id(consultation: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in consultation}


@pytest.fixture(scope="module")
def planted(sample_dir: Path) -> list[dict[str, str]]:
    return read_csv(sample_dir / "planted.csv")


@pytest.fixture(scope="module")
def gold(sample_dir: Path) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in read_csv(sample_dir / "gold.csv")}


def planted_ids(planted: list[dict[str, str]], problem: str) -> list[str]:
    return [row["id"] for row in planted if row["problem"] == problem]


# --- consultation -------------------------------------------------------------------------------

def test_consultation_has_the_promised_columns_and_size(sample_dir: Path, consultation) -> None:
    with (sample_dir / "consultation.csv").open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == COLUMNS
    assert len(consultation) >= 640
    assert len({row["id"] for row in consultation}) == len(consultation), "ids must be unique"


def test_language_shares_are_roughly_35_35_15_15(consultation) -> None:
    counts = Counter(row["language"] for row in consultation)
    assert set(counts) == {"fr", "en", "nl", "de"}
    expected = {"fr": 0.35, "en": 0.35, "nl": 0.15, "de": 0.15}
    for language, share in expected.items():
        assert abs(counts[language] / len(consultation) - share) < 0.03, (language, counts)


def test_language_labels_match_the_words_used(consultation, planted) -> None:
    junk = set(planted_ids(planted, "junk"))
    agree = total = 0
    for row in consultation:
        if row["id"] in junk:
            continue
        tokens = words(row["text"])
        scores = {lang: sum(t in vocab for t in tokens) for lang, vocab in FUNCTION_WORDS.items()}
        if max(scores.values()) == 0:
            continue  # too short to tell ("Bike parking at the station?")
        total += 1
        agree += max(scores, key=scores.get) == row["language"]
    assert total > 500
    assert agree / total > 0.85, f"only {agree}/{total} rows read as their labelled language"


def test_demographics_are_uneven_with_a_small_district_and_blanks(consultation) -> None:
    districts = Counter(row["district"] for row in consultation)
    ages = Counter(row["age_band"] for row in consultation)
    assert set(districts) - {""} == DISTRICTS
    assert set(ages) - {""} == AGE_BANDS
    n = len(consultation)
    assert 0.01 < districts[""] / n < 0.15 and 0.01 < ages[""] / n < 0.15, "some blank demographics"
    smallest = min(DISTRICTS, key=lambda d: districts[d])
    assert smallest == "Hillcrest" and districts["Hillcrest"] / n < 0.06
    assert max(districts[d] for d in DISTRICTS) > 3 * districts["Hillcrest"], "sizes must be uneven"


def test_small_groups_exist_so_suppression_is_exercised(consultation, gold) -> None:
    cells = Counter((row["district"], gold[row["id"]]["theme"]) for row in consultation)
    hillcrest = [count for (district, _), count in cells.items() if district == "Hillcrest"]
    assert any(count < 5 for count in hillcrest), "Hillcrest x theme should have groups under k=5"


def test_comment_lengths_vary_between_5_and_120_words(consultation, planted) -> None:
    junk = set(planted_ids(planted, "junk"))
    campaign = set(planted_ids(planted, "campaign"))
    lengths = [len(words(row["text"])) for row in consultation if row["id"] not in junk]
    assert min(lengths) >= 5 and max(lengths) <= 120
    own_words = [len(words(row["text"])) for row in consultation if row["id"] not in junk | campaign]
    assert sum(n <= 8 for n in own_words) >= 30, "some very short comments"
    assert sum(n >= 60 for n in own_words) >= 30, "some long comments besides the campaign letters"


def test_texts_are_diverse_apart_from_planted_copies(consultation, planted) -> None:
    skip = set(planted_ids(planted, "duplicate")) | set(planted_ids(planted, "junk"))
    texts = [row["text"] for row in consultation if row["id"] not in skip]
    assert len(set(texts)) == len(texts), "only the planted duplicates may repeat a text"
    trigrams = Counter()
    for text in texts:
        tokens = words(text)
        trigrams.update(set(zip(tokens, tokens[1:], tokens[2:])))
    assert len(trigrams) > 5000, "the texts should not be a handful of templates"


# --- planted problems ---------------------------------------------------------------------------

def test_exact_duplicates_repeat_an_earlier_text_under_a_new_id(consultation, by_id, planted) -> None:
    duplicates = [row for row in planted if row["problem"] == "duplicate"]
    assert 5 <= len(duplicates) <= 8
    for row in duplicates:
        copy, original = by_id[row["id"]], by_id[row["detail"]]
        assert copy["text"] == original["text"] and copy["id"] != original["id"]
    repeated = [t for t, n in Counter(r["text"] for r in consultation if r["text"].strip()).items() if n > 1]
    assert len(repeated) == len(duplicates), "no other exact duplicates besides the planted ones"


def _shingles(text: str, k: int = 3) -> set[tuple[str, ...]]:
    tokens = words(text)
    return {tuple(tokens[i : i + k]) for i in range(len(tokens) - k + 1)}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def test_campaign_letters_are_near_identical_but_not_exact(by_id, planted) -> None:
    letters = [by_id[i] for i in planted_ids(planted, "campaign")]
    assert 35 <= len(letters) <= 45
    assert len({row["language"] for row in letters}) == 1, "the campaign is written in one language"
    assert len({row["text"] for row in letters}) >= 0.8 * len(letters), "small edits, mostly not exact copies"
    shingles = [_shingles(row["text"]) for row in letters]
    similarity = [_jaccard(a, b) for a, b in combinations(shingles, 2)]
    assert sum(similarity) / len(similarity) > 0.5
    assert all("ZBE" in row["text"] for row in letters), "all letters are about the low-emission zone"


def test_ordinary_comments_are_not_near_identical(consultation, planted) -> None:
    skip = {row["id"] for row in planted}
    shingles = [_shingles(r["text"]) for r in consultation if r["id"] not in skip]
    shingles = [s for s in shingles if s]
    holders: dict[tuple[str, ...], list[int]] = {}
    for index, grams in enumerate(shingles):
        for gram in grams:
            holders.setdefault(gram, []).append(index)
    candidates = {pair for docs in holders.values() for pair in combinations(docs, 2)}  # share a trigram
    close = [(a, b) for a, b in candidates if _jaccard(shingles[a], shingles[b]) >= 0.6]
    assert not close, f"{len(close)} unplanted near-copies: only duplicates and the campaign may look alike"


def test_junk_rows_carry_no_real_comment(by_id, planted) -> None:
    junk = [by_id[i]["text"] for i in planted_ids(planted, "junk")]
    assert 8 <= len(junk) <= 14
    assert any(not text.strip() for text in junk), "some empty or whitespace-only rows"
    assert any(text.startswith("http") for text in junk), "a lone URL"
    for text in junk:
        assert len(words(re.sub(r"https?://\S+", "", text))) <= 1, text


def test_pii_gold_values_occur_in_their_rows(sample_dir: Path, by_id, consultation) -> None:
    pii = read_csv(sample_dir / "pii_gold.csv")
    assert {"person", "email", "phone", "address", "iban"} <= {row["kind"] for row in pii}
    for row in pii:
        assert row["value"] in by_id[row["id"]]["text"], row
        holders = [r["id"] for r in consultation if row["value"] in r["text"]]
        assert holders == [row["id"]], f"{row['value']!r} should occur only in {row['id']}, found in {holders}"
    share = len({row["id"] for row in pii}) / len(consultation)
    assert 0.06 <= share <= 0.12, f"PII in {share:.1%} of rows"
    phones = [row["value"] for row in pii if row["kind"] == "phone"]
    for prefix in ("+33", "07", "06-", "+49"):
        assert any(p.startswith(prefix) for p in phones), f"a phone number starting {prefix}"
    addresses = " ".join(row["value"] for row in pii if row["kind"] == "address")
    for street in ("rue", "Street", "straat", "straße"):
        assert street in addresses


def test_ibans_in_pii_gold_have_valid_check_digits(sample_dir: Path) -> None:
    for row in read_csv(sample_dir / "pii_gold.csv"):
        if row["kind"] == "iban":
            iban = row["value"].replace(" ", "")
            rearranged = iban[4:] + iban[:4]
            assert int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1, iban


def test_gold_labels_cover_every_row_with_themes_in_all_languages(consultation, gold) -> None:
    assert set(gold) == {row["id"] for row in consultation}
    assert {row["stance"] for row in gold.values()} == STANCES
    themes = Counter(row["theme"] for row in gold.values())
    real_themes = [t for t in themes if t != "none"]
    assert len(real_themes) == 10
    per_language = Counter((gold[row["id"]]["theme"], row["language"]) for row in consultation)
    for theme in real_themes:
        for language in ("fr", "en", "nl", "de"):
            assert per_language[(theme, language)] >= 3, (theme, language)
    stances = Counter(row["stance"] for row in gold.values())
    assert all(stances[s] / len(gold) > 0.05 for s in STANCES)


def test_small_file_is_the_head_and_holds_every_problem(sample_dir: Path, consultation, planted) -> None:
    small = read_csv(sample_dir / "consultation_small.csv")
    assert 60 <= len(small) <= 100
    assert small == consultation[: len(small)]
    ids = {row["id"] for row in small}
    pairs = [row for row in planted if row["problem"] == "duplicate" and {row["id"], row["detail"]} <= ids]
    assert pairs, "a duplicate and its original"
    assert len(ids & set(planted_ids(planted, "campaign"))) >= 3
    assert len(ids & set(planted_ids(planted, "junk"))) >= 2
    pii_ids = {row["id"] for row in read_csv(sample_dir / "pii_gold.csv")}
    assert len(ids & pii_ids) >= 3
    assert {row["language"] for row in small} == {"fr", "en", "nl", "de"}


# --- climate plan -------------------------------------------------------------------------------

PLAN = "plan/rivermouth-climate-plan"


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def markdown_pages(sample_dir: Path) -> dict[int, str]:
    text = (sample_dir / f"{PLAN}.md").read_text(encoding="utf-8")
    parts = re.split(r"<!-- page (\d+) -->", text)
    assert parts[0].strip() == "", "the Markdown starts with the page-1 marker"
    return {int(number): body for number, body in zip(parts[1::2], parts[2::2])}


@pytest.fixture(scope="module")
def pdf_pages(sample_dir: Path) -> dict[int, str]:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(sample_dir / f"{PLAN}.pdf")
    return {n: page.extract_text() for n, page in enumerate(reader.pages, start=1)}


def markdown_words(page: str) -> list[str]:
    without_syntax = re.sub(r"^\s*(#+|-)\s", " ", page, flags=re.M).replace("|", " ")
    return [w for w in words(without_syntax) if not re.fullmatch(r"-+", w)]


def test_plan_pdf_has_at_least_15_pages_matching_the_markdown_markers(markdown_pages, pdf_pages) -> None:
    assert len(pdf_pages) >= 15
    assert sorted(markdown_pages) == list(range(1, len(pdf_pages) + 1))


def test_every_pdf_page_carries_the_text_of_its_markdown_page(markdown_pages, pdf_pages) -> None:
    for number, page in markdown_pages.items():
        expected = Counter(markdown_words(page))
        found = Counter(words(pdf_pages[number]))
        missing = sum((expected - found).values())
        assert missing / sum(expected.values()) < 0.02, f"page {number}: {expected - found}"
        assert f"page {number} of {len(pdf_pages)}" in pdf_pages[number], "page number in the footer"


def test_plan_pdf_embeds_its_unicode_font(sample_dir: Path, pdf_pages) -> None:
    import pypdf

    reader = pypdf.PdfReader(sample_dir / f"{PLAN}.pdf")
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        descendant = ref.get_object()["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"], "TrueType font file embedded"
    french = squash(next(text for text in pdf_pages.values() if "Le Plan d'action climat" in text))
    assert "à partir du 1er janvier 2027" in french, "accents survive text extraction"


def test_plan_has_the_promised_chapters(markdown_pages) -> None:
    text = "\n".join(markdown_pages.values())
    for heading in ("3.2 Cycling network", "4.2 Renovation subsidies", "10 Governance and monitoring",
                    "8.3 Citizens' Climate Assembly", "11 Glossary", "12 Résumé en français"):
        assert re.search(rf"^#+ {re.escape(heading)}$", text, flags=re.M), heading


# --- gold questions -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def questions(sample_dir: Path) -> list[dict]:
    lines = (sample_dir / "plan" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_questions_are_well_formed(questions) -> None:
    keys = {"id", "question", "language", "answerable", "expected_section", "expected_page", "expected_answer"}
    assert 50 <= len(questions) <= 80
    assert len({q["id"] for q in questions}) == len(questions)
    assert {q["language"] for q in questions} == {"en", "fr", "nl", "de", "da"}
    assert sum(not q["answerable"] for q in questions) >= 15
    for q in questions:
        assert set(q) == keys, q["id"]
        assert q["question"].strip().endswith("?"), q["id"]
        if q["answerable"]:
            assert isinstance(q["expected_page"], int) and q["expected_section"] and q["expected_answer"], q["id"]
        else:
            assert q["expected_page"] is None and q["expected_section"] is None and q["expected_answer"] is None


def section_spans(markdown_pages: dict[int, str]) -> dict[str, range]:
    """Section number -> the pages it covers: from its heading to the next heading of its level or above."""
    heads = [(n, len(m.group(1)), m.group(2)) for n, body in sorted(markdown_pages.items())
             for m in re.finditer(r"^(#+) (\d+(?:\.\d+)*|[A-Z]\.\d+)\s", body, flags=re.M)]
    spans = {}
    for i, (page, level, number) in enumerate(heads):
        end = next((p for p, lv, _ in heads[i + 1 :] if lv <= level), max(markdown_pages))
        spans[number] = range(page, end + 1)
    return spans


def test_expected_answers_are_on_the_expected_pdf_page(questions, pdf_pages, markdown_pages) -> None:
    spans = section_spans(markdown_pages)
    for q in questions:
        if not q["answerable"]:
            continue
        page = q["expected_page"]
        assert q["expected_answer"] in squash(pdf_pages[page]), (q["id"], page)
        assert page in spans[q["expected_section"]], (q["id"], q["expected_section"], page)


def test_unanswerable_questions_are_really_absent_from_the_plan(questions, markdown_pages) -> None:
    text = " ".join(markdown_pages.values()).lower()
    for absent in ("nuclear", "hydrogen", "congestion charge", "scooter", "airport", "ferry", "firework", "toll"):
        assert absent not in text, absent


# --- generator ----------------------------------------------------------------------------------

def test_generator_reproduces_the_shipped_files(tmp_path: Path, sample_dir: Path) -> None:
    script = REPO_ROOT / "scripts" / "make_sample_data.py"
    if not script.exists():
        pytest.skip("scripts/ is not part of an installed package")
    subprocess.run([sys.executable, str(script), "--no-pdf", "--out", str(tmp_path)], check=True,
                   capture_output=True, text=True)
    for name in ("consultation.csv", "consultation_small.csv", "gold.csv", "pii_gold.csv", "planted.csv",
                 "plan/rivermouth-climate-plan.md", "plan/questions.jsonl"):
        assert (tmp_path / name).read_bytes() == (sample_dir / name).read_bytes(), f"{name}: rerun the generator"
