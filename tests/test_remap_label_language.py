"""A workspace re-map (the 'remap' job after staff edit or review themes) writes its titles and summaries in the
language the analysis was run with, not the re-mapped data's majority language (issue 15)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from _api_support import SMALL_CSV, make_app

pytestmark = pytest.mark.slow


def test_a_remap_keeps_the_label_language_the_analysis_ran_with(migrated_db_url: str, tmp_path: Path) -> None:
    from civicai.store.db import session_scope
    from civicai.store.schema import AnalysisRun, Theme
    from civicai.workspace.analyses import analysis_params, remap_params, run_analysis_job

    ctx = make_app(migrated_db_url, tmp_path / "home").state.civicai
    upload = tmp_path / "upload" / SMALL_CSV.name
    upload.parent.mkdir()
    shutil.copy(SMALL_CSV, upload)  # the job deletes its raw upload after the run
    # the small sample is mostly English; staff asked for French titles
    first = run_analysis_job(ctx, analysis_params(ctx, upload, label_language="fr"))
    with session_scope(migrated_db_url) as session:
        params = remap_params(ctx, session, first["run_id"], "staff1")
    assert params["label_language"] == "fr"
    second = run_analysis_job(ctx, params)
    with session_scope(migrated_db_url) as session:
        run = session.get(AnalysisRun, second["run_id"])
        assert run.manifest["parameters"]["label_language"] == "fr"
        assert {q["label_language"] for q in run.manifest["questions"]} == {"fr"}
        summaries = [t.summary for t in session.query(Theme).filter(Theme.run_id == run.id) if t.summary]
    assert summaries and all("Points les plus cités" in s or "Par exemple" in s for s in summaries), summaries[:3]


def test_a_run_with_the_default_language_is_remapped_in_the_language_it_used() -> None:
    """No language chosen: the re-map keeps the one every question used; mixed per-question languages stay
    per-question (None, each question's majority)."""
    from civicai.workspace.analyses import run_label_language

    assert run_label_language({"parameters": {"label_language": None},
                               "questions": [{"label_language": "de"}, {"label_language": "de"}]}) == "de"
    assert run_label_language({"parameters": {"label_language": "fr"}, "questions": [{"label_language": "fr"}]}) == "fr"
    assert run_label_language({"parameters": {}, "questions": [{"label_language": "de"},
                                                               {"label_language": "en"}]}) is None
