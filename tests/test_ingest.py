"""Ingest on real files: every layout, and each bad input gives a clear message or a rejected row."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from civicai.errors import InputError
from civicai.ingest import REJECT_REASONS, read_submissions

TEXTS = [
    "Les nouvelles pistes cyclables rendent le quartier plus sûr pour les enfants.",
    "Ich bin gegen die Umweltzone, sie trifft Menschen mit wenig Geld.",
    "Please add more trees along the river path; summers are getting hotter.",
    "Meer bankjes in het park zouden fijn zijn voor ouderen.",
]


def _write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def _rows(header=("id", "comment", "district")) -> list[list[str]]:
    return [list(header)] + [[f"s{i}", text, f"d{i % 2}"] for i, text in enumerate(TEXTS, start=1)]


# --- layouts ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_any_delimiter_and_encoding(tmp_path: Path, encoding: str, delimiter: str) -> None:
    rows = _rows()
    path = _write_csv(tmp_path / "export.csv", rows, encoding=encoding, delimiter=delimiter)
    result = read_submissions(path, group_columns=["district"])
    assert result.layout == "csv"
    assert [s.text for s in result.submissions] == TEXTS  # accents survive the round trip
    assert [s.id for s in result.submissions] == ["s1", "s2", "s3", "s4"]
    assert [s.row for s in result.submissions] == [2, 3, 4, 5]
    assert result.text_column == "comment" and result.id_column == "id"
    assert result.submissions[1].attributes == {"district": "d0"}
    assert result.rejected == []


def test_text_column_guessed_by_length_and_said(tmp_path: Path) -> None:
    rows = [["ref_code", "date", "what residents wrote"]] + [[f"R{i}", "2024-05-01", t] for i, t in enumerate(TEXTS)]
    result = read_submissions(_write_csv(tmp_path / "x.csv", rows))
    assert result.text_column == "what residents wrote"
    assert any("what residents wrote" in note and "longest" in note for note in result.notes)
    assert result.id_column is None and result.submissions[0].id == "2"  # numbered by row


def test_xlsx_picks_sheet_with_text_column(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "cover"
    workbook.active.append(["Consultation export", "2024"])
    sheet = workbook.create_sheet("answers")
    sheet.append(["Response ID", "Response", "Age band"])
    for i, text in enumerate(TEXTS, start=1001):
        sheet.append([i, text, "30-44"])
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    result = read_submissions(path, group_columns=["age band"])
    assert result.layout == "xlsx"
    assert [s.id for s in result.submissions] == ["1001", "1002", "1003", "1004"]  # ints, not '1001.0'
    assert result.submissions[0].row == 2 and result.submissions[0].attributes == {"Age band": "30-44"}
    assert "sheet 'answers'" in result.notes


def test_json_and_jsonl(tmp_path: Path) -> None:
    objects = [{"id": i, "body": t, "lang": "x"} for i, t in enumerate(TEXTS, start=1)]
    (tmp_path / "a.json").write_text(json.dumps({"responses": objects}), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(objects), encoding="utf-8")
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(o) for o in objects) + "\n{broken\n", encoding="utf-8")
    for name, layout in (("a.json", "json"), ("b.json", "json"), ("c.jsonl", "jsonl")):
        result = read_submissions(tmp_path / name)
        assert result.layout == layout and [s.text for s in result.submissions] == TEXTS
        assert result.submissions[2].extra["lang"] == "x"
    broken = read_submissions(tmp_path / "c.jsonl").rejected
    assert [(r.row, r.reason) for r in broken] == [(5, "unparseable")]


def test_multi_question_csv(tmp_path: Path) -> None:
    rows = [["respondent", "question", "answer"]]
    for i, text in enumerate(TEXTS):
        rows += [[f"p{i}", "Q1 mobility", text], [f"p{i}", "Q2 housing", text + " And housing too."]]
    result = read_submissions(_write_csv(tmp_path / "multi.csv", rows), id_column="respondent")
    assert result.question_column == "question"
    assert result.questions == ["Q1 mobility", "Q2 housing"]
    assert {q: len(s) for q, s in result.by_question().items()} == {"Q1 mobility": 4, "Q2 housing": 4}
    assert result.rejected == []  # the same respondent id in two questions is not a duplicate


def test_polis_export(shared_data: Path) -> None:
    folder = shared_data / "polis" / "15-per-hour-seattle"
    result = read_submissions(folder / "comments.csv")
    with (folder / "comments.csv").open(encoding="utf-8", newline="") as handle:
        raw = list(csv.DictReader(handle))
    assert result.layout == "polis"
    assert len(result.submissions) + len(result.rejected) == len(raw)
    moderated_out = {r["comment-id"] for r in raw if r["moderated"] == "-1"}
    assert {r.id for r in result.rejected if r.reason == "moderated_out"} == moderated_out
    assert all(s.extra["moderated"] in ("0", "1") for s in result.submissions)
    assert all("author_id" in s.attributes for s in result.submissions)
    assert any("opinion_group" in s.attributes for s in result.submissions)  # joined from participants-votes.csv


def test_polis_folder_german(shared_data: Path) -> None:
    result = read_submissions(shared_data / "polis" / "austria-climate.2vkxcncppn.2022-07-07")
    assert result.layout == "polis" and len(result.submissions) > 100
    assert any("ä" in s.text or "ö" in s.text or "ü" in s.text for s in result.submissions)


def test_themefinder_multi_question(shared_data: Path) -> None:
    root = shared_data / "consultations" / "themefinder-gambling_XS"
    for path in (root, root / "inputs"):
        result = read_submissions(path)
        assert result.layout == "themefinder"
        groups = result.by_question()
        assert len(groups) == 2 and all(len(s) == 100 for s in groups.values())
        assert all(q and q.endswith("?") for q in groups)  # question text from question.json
        first = result.submissions[0]
        assert first.id == "1001" and first.extra["question_id"] == "question_part_1"
        assert "Do you live in:" in first.attributes  # demographics from respondents.jsonl
    single = read_submissions(root / "inputs" / "question_part_2" / "responses.jsonl")
    assert single.layout == "themefinder" and len(single.submissions) == 100


def test_shipped_sample(sample_dir: Path) -> None:
    path = sample_dir / "consultation.csv"
    if not path.is_file():
        pytest.skip(f"shipped sample {path} not written yet")
    result = read_submissions(path)
    assert len(result.submissions) >= 50
    assert {r.reason for r in result.rejected} <= set(REJECT_REASONS)
    assert len({(s.question, s.id) for s in result.submissions}) == len(result.submissions)


# --- bad files: one clear InputError naming the file and what to do --------------------------------------
def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_submissions(tmp_path / "nope.csv")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "blank.csv").write_text("\n\n  \n", encoding="utf-8")
    for name in ("empty.csv", "blank.csv"):
        with pytest.raises(InputError, match="empty") as info:
            read_submissions(tmp_path / name)
        assert name in str(info.value)


def test_header_only_file(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("id,comment\n", encoding="utf-8")
    with pytest.raises(InputError, match="no usable submissions"):
        read_submissions(tmp_path / "h.csv")


def test_wrong_text_column_lists_columns(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "x.csv", _rows())
    with pytest.raises(InputError) as info:
        read_submissions(path, text_column="opinion")
    error = info.value
    assert "opinion" in error.message and "id, comment, district" in error.message
    assert "--text-column" in error.hint


def test_no_text_column_at_all(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "numbers.csv", [["id", "score"], ["1", "4"], ["2", "5"]])
    with pytest.raises(InputError, match="no column with free text") as info:
        read_submissions(path)
    assert "--text-column" in info.value.hint


def test_binary_file_renamed_csv(tmp_path: Path) -> None:
    import zlib

    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + zlib.compress(bytes(range(256)) * 20)
    (tmp_path / "photo.csv").write_bytes(png)
    with pytest.raises(InputError, match="PNG image") as info:
        read_submissions(tmp_path / "photo.csv")
    assert "photo.csv" in info.value.message
    (tmp_path / "random.csv").write_bytes(bytes(range(256)) * 50)
    with pytest.raises(InputError, match="binary"):
        read_submissions(tmp_path / "random.csv")


def test_unknown_extension(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_text("hello", encoding="utf-8")
    with pytest.raises(InputError, match="unknown file type"):
        read_submissions(tmp_path / "notes.docx")


def test_broken_utf8_rejects_only_broken_rows(tmp_path: Path) -> None:
    good = "id,comment\n1,Très bien pour le vélo.\n2,Größere Gehwege bitte.\n".encode()
    broken = b"3,Caf\xe9 au coin: the \xff\xfe bytes are broken here.\n4,Fine row about buses.\n"
    (tmp_path / "mixed.csv").write_bytes(good + broken)
    result = read_submissions(tmp_path / "mixed.csv")
    assert [s.id for s in result.submissions] == ["1", "2", "4"]
    assert result.submissions[0].text == "Très bien pour le vélo."  # UTF-8 kept, not mis-decoded
    assert [(r.row, r.id, r.reason) for r in result.rejected] == [(4, "3", "bad_encoding")]
    assert any("invalid byte" in note for note in result.notes)


def test_one_megabyte_cell_is_rejected_not_fatal(tmp_path: Path) -> None:
    rows = _rows() + [["big", "word " * 210_000, "d1"]]
    result = read_submissions(_write_csv(tmp_path / "big.csv", rows))
    assert len(result.submissions) == 4
    (rejected,) = result.rejected
    assert rejected.reason == "too_long" and rejected.id == "big" and rejected.row == 6
    assert "1,050,000" in rejected.message and "20,000" in rejected.message


# --- per-row problems -------------------------------------------------------------------------------------
def test_row_level_rejections(tmp_path: Path) -> None:
    rows = [["id", "comment"],
            ["1", "A real comment about the new bus lane."],
            ["2", "   "],
            ["3", "asdfgh"],
            ["4", "!!!"],
            ["5", "https://example.org/petition"],
            ["1", "Same id again but different text."],
            ["", "Text without an id."],
            ["8", "Ja"],
            ["9", "N/A"],
            ["10", "Ctrl\x07chars\u200b and NUL\x00 are stripped."]]
    result = read_submissions(_write_csv(tmp_path / "rows.csv", rows))
    reasons = {r.row: r.reason for r in result.rejected}
    assert reasons == {3: "empty_text", 4: "junk", 5: "junk", 6: "junk", 7: "duplicate_id", 8: "missing_id",
                       10: "junk"}
    kept = {s.id: s.text for s in result.submissions}
    assert kept["8"] == "Ja"  # a short real answer is kept
    assert kept["10"] == "Ctrlchars and NUL are stripped."
    assert all(r.message for r in result.rejected)


def test_unquoted_delimiter_row_is_unparseable(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("id,comment\n1,fine text here\n2,commas, without, quotes\n", encoding="utf-8")
    result = read_submissions(tmp_path / "x.csv")
    assert [s.id for s in result.submissions] == ["1"]
    assert result.rejected[0].reason == "unparseable" and "quote" in result.rejected[0].message.lower()


def test_undecodable_encoding(tmp_path: Path) -> None:
    import random

    rng = random.Random(0)
    noise = bytes(rng.randrange(128, 256) for _ in range(5000))  # no code page makes words of this
    (tmp_path / "mojibake.csv").write_bytes(b"id,comment\n1," + noise + b"\n")
    with pytest.raises(InputError, match="cannot tell the text encoding") as info:
        read_submissions(tmp_path / "mojibake.csv")
    assert "mojibake.csv" in info.value.message and "UTF-8" in info.value.hint


def test_placeholders_and_short_answers(tmp_path: Path) -> None:
    rows = [["id", "comment"], ["1", "keine Angabe"], ["2", "Ja"], ["3", "x"], ["4", "qwertz"],
            ["5", "Non merci, pas ici."]]
    result = read_submissions(_write_csv(tmp_path / "p.csv", rows))
    assert [s.id for s in result.submissions] == ["2", "5"]
    assert {r.id: r.reason for r in result.rejected} == {"1": "junk", "3": "junk", "4": "junk"}
