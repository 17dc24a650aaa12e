"""`civicai analyse` end to end on the shipped small sample: outputs, planted problems, privacy,
determinism, --themes mapping and resume after a crash. Real models, real files, real SQLite."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from civicai.pipeline import AnalyseOptions, run_analysis
from civicai.pipeline.outputs import ASSIGNMENT_COLUMNS, MAP_COLUMNS, REJECTED_COLUMNS

GROUPS = ("district", "age_band")
THEME_FIELDS = {"id", "label", "summary", "keywords", "size", "weight", "submission_ids", "quotes", "sentiment",
                "languages", "parent"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _options(sample_dir: Path, out: Path, **extra) -> AnalyseOptions:
    return AnalyseOptions(input_path=sample_dir / "consultation_small.csv", out_dir=out, group_columns=GROUPS,
                          database_url=f"sqlite:///{out.parent / (out.name + '.db')}", progress=False, **extra)


@pytest.fixture(scope="module")
def run(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("analysis") / "out"
    return run_analysis(_options(sample_dir, out))


@pytest.fixture(scope="module")
def assignments(run) -> dict[str, dict[str, str]]:
    return {row["submission_id"]: row for row in _rows(run.path("assignments.csv"))}


def test_all_outputs_are_written_with_the_documented_columns(run):
    for name in ("themes.json", "assignments.csv", "rejected.csv", "report.html", "run.json", "map.csv"):
        assert run.path(name).is_file(), name
    header = next(csv.reader(run.path("assignments.csv").open(encoding="utf-8")))
    assert header[: len(ASSIGNMENT_COLUMNS)] == ASSIGNMENT_COLUMNS
    assert set(GROUPS) <= set(header)  # the bias audit needs the group columns per submission
    assert next(csv.reader(run.path("rejected.csv").open(encoding="utf-8"))) == REJECTED_COLUMNS
    assert next(csv.reader(run.path("map.csv").open(encoding="utf-8")))[:4] == MAP_COLUMNS
    themes = json.loads(run.path("themes.json").read_text(encoding="utf-8"))
    assert themes, "the sample has ten topics; at least one theme must be found"
    for theme in themes:
        assert set(theme) >= THEME_FIELDS
        assert theme["size"] == len(theme["submission_ids"]) and theme["weight"] >= theme["size"]
        assert sum(theme["sentiment"].values()) == theme["size"]
        assert sum(theme["languages"].values()) == theme["size"]
    manifest = json.loads(run.path("run.json").read_text(encoding="utf-8"))
    for key in ("civicai_version", "models", "prompts", "parameters", "seed", "counts", "timings_s", "input"):
        assert key in manifest, key
    assert len(manifest["input"]["sha256"]) == 64
    assert all(f["sha256"] for f in manifest["models"]["embedder"]["files"])
    assert {p["name"] for p in manifest["prompts"]} == {"theme_label", "theme_summary"}
    assert {"redact", "embed", "reduce", "cluster", "outliers", "sentiment"} <= set(manifest["timings_s"])


def test_every_input_row_is_accepted_or_rejected_never_dropped(run, sample_dir, assignments):
    source = _rows(sample_dir / "consultation_small.csv")
    rejected = _rows(run.path("rejected.csv"))
    assert len(assignments) + len(rejected) == len(source)
    assert {r["id"] for r in rejected} | set(assignments) == {r["id"] for r in source}
    assert all(r["reason"] and r["message"] for r in rejected)


def test_planted_duplicates_and_campaign_letters_are_marked(sample_dir, assignments):
    planted = [p for p in _rows(sample_dir / "planted.csv") if p["id"] in assignments or p["detail"] in assignments]
    duplicates = [p for p in planted if p["problem"] == "duplicate"]
    campaign = [p for p in planted if p["problem"] == "campaign" and p["id"] in assignments]
    assert duplicates and campaign, "the small sample plants duplicates and campaign letters"

    def canonical(sid: str) -> str:
        return assignments[sid]["duplicate_of"] or sid

    for p in duplicates:
        assert assignments[p["id"]]["duplicate_of"] == canonical(p["detail"]), p
    ids = {assignments[p["id"]]["campaign_id"] for p in campaign}
    assert "" not in ids and len(ids) == 1, ids
    # copies carry their original's themes: one voice, more weight
    for p in duplicates:
        assert assignments[p["id"]]["themes"] == assignments[canonical(p["detail"])]["themes"]


def test_junk_never_lands_in_a_theme(sample_dir, assignments):
    for p in _rows(sample_dir / "planted.csv"):
        if p["problem"] == "junk" and p["id"] in assignments:
            assert assignments[p["id"]]["primary_theme"] == "", p


def test_unassigned_submissions_say_why(assignments):
    for row in assignments.values():
        assert bool(row["primary_theme"]) != bool(row["unassigned_reason"]), row
        assert row["unassigned_reason"] in ("", "too_short", "off_topic", "ambiguous")


def test_no_planted_pii_in_any_output(run, sample_dir, assignments):
    values = [p["value"] for p in _rows(sample_dir / "pii_gold.csv") if p["id"] in assignments]
    assert values, "the small sample holds PII"
    for name in ("themes.json", "report.html", "assignments.csv", "map.csv"):
        text = run.path(name).read_text(encoding="utf-8")
        leaked = [v for v in values if v in text]
        assert not leaked, f"{name} leaks {leaked}"
    assert sum(int(r["pii_redactions"]) for r in assignments.values()) >= len(values) // 2


def test_quotes_are_exact_redacted_submissions(run, assignments):
    themes = json.loads(run.path("themes.json").read_text(encoding="utf-8"))
    for theme in themes:
        for quote in theme["quotes"]:
            assert quote["text"] == assignments[quote["submission_id"]]["text_redacted"]
            assert quote["submission_id"] in theme["submission_ids"]
        for sid in theme["submission_ids"]:
            assert theme["id"] in assignments[sid]["themes"].split(";")


def test_run_is_stored_in_the_database(run):
    from sqlalchemy import func, select

    from civicai.store import session_scope
    from civicai.store.schema import AnalysisRun, Submission, Theme

    url = json.loads(run.path("run.json").read_text())["parameters"]["database_url"]
    with session_scope(url) as session:
        stored = session.get(AnalysisRun, run.run_id)
        assert stored is not None and stored.manifest["input"]["sha256"]
        n_themes = session.scalar(select(func.count()).select_from(Theme).where(Theme.run_id == run.run_id))
        n_subs = session.scalar(select(func.count()).select_from(Submission).where(
            Submission.consultation_id == stored.consultation_id))
    assert n_themes == len(json.loads(run.path("themes.json").read_text()))
    assert n_subs == run.counts["submissions"]


def test_same_input_and_seed_give_the_same_output(run, sample_dir, tmp_path):
    again = run_analysis(_options(sample_dir, tmp_path / "again", resume=False, store=False))
    for name in ("themes.json", "assignments.csv", "map.csv"):
        assert again.path(name).read_bytes() == run.path(name).read_bytes(), name


def test_large_runs_discover_themes_on_a_sample_and_everyone_else_still_gets_a_theme_or_a_reason(sample_dir, tmp_path):
    # fit_sample below the run's size: the path every run above 5,000 distinct submissions takes
    result = run_analysis(_options(sample_dir, tmp_path / "sampled", resume=False, store=False, fit_sample=60))
    manifest = json.loads(result.path("run.json").read_text())
    assert [q["fit_sample"] for q in manifest["questions"]] == [60], manifest["questions"]
    rows = _rows(result.path("assignments.csv"))
    distinct = [r for r in rows if not r["duplicate_of"]]
    assert len(distinct) > 60
    assert all(r["primary_theme"] or r["unassigned_reason"] for r in rows)
    assert len({r["primary_theme"] for r in distinct if r["primary_theme"]}) >= 2
    # submissions outside the sample enter as noise; the closeness rule lets the close ones join a theme
    assert manifest["questions"][0]["joined_from_noise"] > 0
    # what stayed unassigned went through the second discovery pass (cluster.leftovers), recorded per question
    second = manifest["questions"][0]["second_pass"]
    assert second["leftovers"] > 0 and second["joined"] <= second["leftovers"], second


def test_themes_file_maps_onto_the_given_themes(sample_dir, tmp_path):
    gold = {r["id"]: r["theme"] for r in _rows(sample_dir / "gold.csv")}
    path = sample_dir / "themes.json"  # the sample's staff theme set, as a city would write it
    given = json.loads(path.read_text(encoding="utf-8"))
    result = run_analysis(_options(sample_dir, tmp_path / "mapped", themes_path=path, store=False))
    themes = json.loads(result.path("themes.json").read_text(encoding="utf-8"))
    assert [t["id"] for t in themes] == [g["id"] for g in given]
    assert [t["label"] for t in themes] == [g["label"] for g in given]
    rows = [r for r in _rows(result.path("assignments.csv")) if r["primary_theme"] and not r["duplicate_of"]]
    correct = sum(gold.get(r["submission_id"]) in r["themes"].split(";") for r in rows)
    assert correct / len(rows) > 0.5  # ten themes: chance is about 0.1
    assert json.loads(result.path("run.json").read_text())["mode"] == "mapping"


def test_resume_after_a_crash_does_not_redo_finished_stages(sample_dir, tmp_path):
    out = tmp_path / "crashy"
    command = [sys.executable, "-m", "civicai", "analyse", str(sample_dir / "consultation_small.csv"), "--out",
               str(out), "--no-store", "--fast-pii"]
    env = {**os.environ, "CIVICAI_CRASH_AFTER_STAGE": "embed"}
    crashed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert crashed.returncode != 0 and not (out / "run.json").exists()
    saved = {p.name: p.stat().st_mtime_ns for p in (out / ".checkpoints").iterdir()}
    assert any(name.startswith("embed-") for name in saved)
    env.pop("CIVICAI_CRASH_AFTER_STAGE")
    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    manifest = json.loads((out / "run.json").read_text())
    assert {"redact", "language", "dedup"} <= set(manifest["resumed_stages"])
    assert any(s.startswith("embed-") for s in manifest["resumed_stages"])
    assert "redact" not in manifest["timings_s"]  # not recomputed
    for name, mtime in saved.items():  # finished checkpoints untouched
        assert (out / ".checkpoints" / name).stat().st_mtime_ns == mtime


def test_themes_file_errors_name_the_problem(tmp_path):
    from civicai.errors import InputError
    from civicai.pipeline.themes_input import load_themes

    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_themes(bad)
    bad.write_text(json.dumps([{"description": "no label here"}]), encoding="utf-8")
    with pytest.raises(InputError, match="theme #1 has no label"):
        load_themes(bad)
    bad.write_text(json.dumps([{"label": "A", "id": "x"}, {"label": "B", "id": "x"}]), encoding="utf-8")
    with pytest.raises(InputError, match="more than once"):
        load_themes(bad)
    themefinder = tmp_path / "tf.json"
    themefinder.write_text(json.dumps([{"topic_id": "A", "topic_label": "Ban", "topic_description": "Ban ads"}]))
    [theme] = load_themes(themefinder)[None]
    assert (theme.id, theme.label, theme.anchor_texts()) == ("A", "Ban", ["Ban: Ban ads"])
