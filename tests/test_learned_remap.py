"""The learned mapping end to end in the store (civicai.triage.reviews.remap_run) once a question has enough
reviews for the ridge learner (civicai.cluster.learned.LearnerParams.switch): reviewed submissions keep exactly
what the reviewer decided, the rest is re-mapped by the ridge, the remap log says which learner ran, and the
history of who decided what keeps every review. Real sample submissions in a migrated database."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from _review_support import stored_run
from civicai.cluster.learned import LearnerParams
from civicai.store.db import session_scope
from civicai.store.schema import AnalysisRun, Theme, ThemeMembership, TriageEvent
from civicai.triage.reviews import FIELD, remap_run, review_submission, run_reviews

REVIEWS = LearnerParams().switch + 5


@pytest.fixture
def run(migrated_db_url: str, sample_dir: Path) -> tuple[str, int, dict[int, str]]:
    run_id, _, truth = stored_run(migrated_db_url, sample_dir, 110)
    return migrated_db_url, run_id, truth


def _themes_of(session, submission_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    rows = session.execute(select(Theme.key, ThemeMembership.is_primary).join(ThemeMembership).where(
        ThemeMembership.submission_id == submission_id)).all()
    return [k for k, primary in sorted(rows, key=lambda r: not r[1])]


def test_ridge_remap_keeps_reviews_logs_the_learner_and_the_history(run) -> None:  # type: ignore[no-untyped-def]
    url, run_id, truth = run
    ids = list(truth)
    reviewed, rest = ids[:REVIEWS], ids[REVIEWS:]
    wrong = reviewed[0]
    wrong_key = "flooding" if truth[wrong] != "flooding" else "cycling"
    with session_scope(url) as session:
        review_submission(session, run_id, wrong, [truth[wrong]], actor="ana")
        review_submission(session, run_id, wrong, [wrong_key], actor="ben", note="changed my mind")
        for sid in reviewed[1:]:
            review_submission(session, run_id, sid, [truth[sid]], actor="ana")
    with session_scope(url) as session:
        result = remap_run(session, run_id, actor="ana")
        assert result.reviewed == REVIEWS and result.learners == {"": "ridge"}
        assert session.get(AnalysisRun, run_id).manifest["review_log"][-1]["learners"] == {"": "ridge"}
        assert _themes_of(session, wrong) == [wrong_key]
        assert all(_themes_of(session, sid) == [truth[sid]] for sid in reviewed[1:])
        mapped = {sid: _themes_of(session, sid) for sid in rest}
        primary_right = sum(bool(m) and m[0] == truth[sid] for sid, m in mapped.items()) / len(rest)
        assert primary_right > 0.7, primary_right
        assert not set(result.suggestions) & set(reviewed) and len(result.suggestions) == 10
        # who decided what: both of the changed submission's reviews are kept, the last one counts
        events = list(session.scalars(select(TriageEvent).where(TriageEvent.field == FIELD,
                                                                 TriageEvent.submission_id == wrong)))
        assert [e.actor for e in events] == ["ana", "ben"]
        assert run_reviews(session, run_id)[wrong]["actor"] == "ben"
