"""Staff reviews of a run's mapping in the store (civicai.triage.reviews): what a reviewer decided is kept and
logged append-only, the rest is re-mapped from the reviews, renames survive, and the next reviews are proposed.
Real sample submissions in a migrated database."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from _review_support import stored_run
from civicai.errors import InputError
from civicai.store.db import session_scope
from civicai.store.schema import AnalysisRun, Submission, Theme, ThemeMembership
from civicai.triage import history
from civicai.triage.reviews import remap_run, review_submission, run_reviews


@pytest.fixture
def run(migrated_db_url: str, sample_dir: Path) -> tuple[str, int, dict[str, int], dict[int, str]]:
    return migrated_db_url, *stored_run(migrated_db_url, sample_dir, 60)


def _themes_of(session, submission_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    rows = session.execute(select(Theme.key, ThemeMembership.is_primary).join(ThemeMembership).where(
        ThemeMembership.submission_id == submission_id)).all()
    return [k for k, primary in sorted(rows, key=lambda r: not r[1])]


def test_reviews_stick_and_the_rest_is_remapped(run) -> None:  # type: ignore[no-untyped-def]
    url, run_id, ids, truth = run
    first, second = list(truth)[:2]
    wrong = "flooding" if truth[first] != "flooding" else "cycling"
    with session_scope(url) as session:
        review_submission(session, run_id, first, [wrong], actor="ana", position="opposes", note="read it twice")
        review_submission(session, run_id, second, [truth[second]], actor="ben")
        for sid in list(truth)[2:12]:
            review_submission(session, run_id, sid, [truth[sid]], actor="ana")
    with session_scope(url) as session:
        result = remap_run(session, run_id, actor="ana")
        assert result.reviewed == 12 and result.moved > 0
        assert _themes_of(session, first) == [wrong] and _themes_of(session, second) == [truth[second]]
        assert session.get(Submission, first).sentiment == "opposes"
        rest = list(truth)[12:]
        mapped = {sid: _themes_of(session, sid) for sid in rest}
        # off-topic or very short submissions stay unassigned, as in the zero-shot mapping
        assert sum(bool(m) for m in mapped.values()) >= 0.8 * len(rest)
        primary_right = sum(bool(m) and m[0] == truth[sid] for sid, m in mapped.items()) / len(rest)
        assert primary_right > 0.6, primary_right
        assert len(result.suggestions) == 10 and not set(result.suggestions) & set(list(truth)[:12])
        assert session.get(AnalysisRun, run_id).manifest["review_log"][-1]["action"] == "remap"


def test_history_is_append_only_and_the_last_review_counts(run) -> None:  # type: ignore[no-untyped-def]
    url, run_id, _, truth = run
    sid = next(iter(truth))
    with session_scope(url) as session:
        review_submission(session, run_id, sid, ["cycling"], actor="ana")
        review_submission(session, run_id, sid, ["cycling", "green_spaces"], actor="ben")
    with session_scope(url) as session:
        state = run_reviews(session, run_id)
        assert state[sid]["themes"] == ["cycling", "green_spaces"] and state[sid]["actor"] == "ben"
        trail = [e for e in history(session, sid) if e.field == "theme_review"]
        assert [e.actor for e in trail] == ["ben", "ana"] and trail[0].old_value == '["cycling"]'


def test_renames_survive_a_remap_and_errors_say_what_to_do(run) -> None:  # type: ignore[no-untyped-def]
    url, run_id, _, truth = run
    with session_scope(url) as session:
        theme = session.scalars(select(Theme).where(Theme.run_id == run_id, Theme.key == "flooding")).one()
        theme.label = "Flood insurance and dikes"
    with session_scope(url) as session:
        remap_run(session, run_id, actor="ana")
        assert session.scalars(select(Theme.label).where(Theme.key == "flooding")).one() == "Flood insurance and dikes"
        with pytest.raises(InputError, match="unknown theme keys") as info:
            review_submission(session, run_id, next(iter(truth)), ["nope"], actor="ana")
        assert "car_traffic" in (info.value.hint or "")
        with pytest.raises(InputError, match="unknown position"):
            review_submission(session, run_id, next(iter(truth)), ["cycling"], actor="ana", position="positive")


def test_cli_sets_remaps_and_lists(run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from civicai.cli import app

    url, run_id, _, truth = run
    monkeypatch.setenv("CIVICAI_DATABASE_URL", url)
    sid = next(iter(truth))
    runner = CliRunner()
    done = runner.invoke(app, ["review", "set", str(run_id), str(sid), "--theme", "cycling", "--position", "supports",
                               "--by", "ana"])
    assert done.exit_code == 0, done.output
    assert "-> cycling; position supports" in done.output
    remapped = runner.invoke(app, ["review", "remap", str(run_id), "--by", "ana", "--suggest", "5"])
    assert remapped.exit_code == 0, remapped.output
    assert "1 reviewed" in remapped.output and len(remapped.output.split("review next:")[1].split()) == 5
    listed = runner.invoke(app, ["review", "list", str(run_id)])
    assert f"{sid}\tcycling\tsupports\tcli:ana" in listed.output
    bad = runner.invoke(app, ["review", "set", str(run_id), str(sid), "--theme", "nope"])
    assert bad.exit_code != 0


def test_a_run_of_another_consultation_is_refused_as_a_filter(migrated_db_url: str, sample_dir: Path) -> None:
    """A listing filtered by consultation A and a run of consultation B named the mismatch nowhere (user trial)."""
    from civicai.workspace.queries import SubmissionFilter, find_submissions

    first, _, _ = stored_run(migrated_db_url, sample_dir, 10)
    second, _, _ = stored_run(migrated_db_url, sample_dir, 10)
    with session_scope(migrated_db_url) as session:
        mine, other = session.get(AnalysisRun, first).consultation_id, session.get(AnalysisRun, second).consultation_id
        assert mine != other
        total, _ = find_submissions(session, SubmissionFilter(consultation_id=mine, run_id=first))
        assert total == 10
        with pytest.raises(InputError, match=f"run {second} belongs to consultation {other}"):
            find_submissions(session, SubmissionFilter(consultation_id=mine, run_id=second))
        theme = session.scalars(select(Theme).where(Theme.run_id == second)).first()
        with pytest.raises(InputError, match=f"theme {theme.id} belongs to consultation {other}"):
            find_submissions(session, SubmissionFilter(consultation_id=mine, theme_id=theme.id))
