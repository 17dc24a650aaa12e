"""The store on real databases: a SQLite file always, PostgreSQL when CIVICAI_TEST_POSTGRES_URL is set.

Every test takes `db_url` / `migrated_db_url` (tests/conftest.py), so each one runs once per backend.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, inspect, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from civicai.errors import InputError
from civicai.store import (
    AppendOnlyError,
    StoreError,
    current_revision,
    database_description,
    delete_submission_data,
    downgrade_db,
    get_engine,
    head_revision,
    init_db,
    session_scope,
)
from civicai.store.db import resolve_url
from civicai.store.schema import (
    AnalysisRun,
    ApiToken,
    Audit,
    Base,
    ChatFeedback,
    ChatQuestionLog,
    Consultation,
    Job,
    JobStatus,
    LoginAttempt,
    Plan,
    PlanChunk,
    RateLimitBucket,
    Role,
    RunStatus,
    Submission,
    SubmissionStatus,
    Theme,
    ThemeMembership,
    TriageEvent,
    User,
    UserSession,
)
from civicai.store.vectors import pack_embedding, unpack_embedding

CIVICAI_TABLES = set(Base.metadata.tables)
FRENCH = "Les pistes cyclables du quartier Saint-Étienne sont dangereuses, même à midi ; où est l'éclairage ?"
GERMAN = "Die Straßenbahn nach Köln-Süd fährt zu selten – bitte öfter, auch für Ältere!"


def _add_consultation(session, name: str = "Plan vélo 2026") -> Consultation:
    consultation = Consultation(name=name, question="Que pensez-vous du plan ?")
    session.add(consultation)
    session.flush()
    return consultation


def _add_submission(session, consultation: Consultation, external_id: str, text_: str = FRENCH,
                    **fields) -> Submission:
    submission = Submission(consultation=consultation, external_id=external_id, text_redacted=text_, **fields)
    session.add(submission)
    session.flush()
    return submission


def test_migrations_up_down_up(db_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no alembic.ini here: migrations must come from the package
    assert current_revision(db_url) is None
    assert init_db(db_url) == head_revision() is not None
    assert set(inspect(get_engine(db_url)).get_table_names()) >= CIVICAI_TABLES

    assert downgrade_db(db_url, "base") is None
    assert not CIVICAI_TABLES & set(inspect(get_engine(db_url)).get_table_names())

    assert init_db(db_url) == head_revision()
    assert init_db(db_url) == head_revision()  # idempotent
    with session_scope(db_url) as session:  # and usable after the round trip
        _add_consultation(session)


def test_migrated_schema_matches_models(migrated_db_url: str) -> None:
    with get_engine(migrated_db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], "models and migrations differ: add a revision (docs/store.md)"


def test_round_trip_of_every_model(migrated_db_url: str) -> None:
    started = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    vector = np.linspace(-1, 1, 16, dtype=np.float32)
    with session_scope(migrated_db_url) as session:
        consultation = Consultation(name="Mobilität", question="Was fehlt?", source_file="in.csv",
                                    settings={"min_group_size": 5})
        first = Submission(consultation=consultation, external_id="s-1", question="Q1", text_redacted=GERMAN,
                           text_raw=GERMAN + " Max Muster", language="de", attributes={"district": "Süd"},
                           campaign_id="c1", sentiment="negative", sentiment_score=-0.4,
                           pii_redactions={"PERSON": 1}, status=SubmissionStatus.IN_REVIEW, assignee="ana",
                           tags=["tram"], notes="call back")
        second = Submission(consultation=consultation, external_id="s-2", text_redacted=GERMAN)
        run = AnalysisRun(consultation=consultation, started_at=started, finished_at=started + timedelta(minutes=2),
                          status=RunStatus.DONE, manifest={"seed": 0, "models": {"use": "sha256:ab"}}, out_dir="runs/1")
        parent = Theme(run=run, key="t0", label="Verkehr", keywords=["tram"], size=2, weight=1.0)
        theme = Theme(run=run, key="t1", label="Straßenbahn", summary="Mehr Takt", keywords=["takt"], size=1,
                      weight=0.5, parent=parent, sentiment={"negative": 1}, languages={"de": 1},
                      quotes=[{"submission_id": None, "external_id": "s-1", "text": GERMAN}])
        plan = Plan(name="Klimaplan", version="2025", is_current=True, source_file="plan.pdf", sha256="f" * 64,
                    pages=40, language="de")
        user = User(username="ana", password_hash="argon2$x", role=Role.ADMIN)
        session.add_all([first, second, run, parent, theme, plan, user])
        session.flush()
        second.duplicate_of = first.id
        session.add_all([
            ThemeMembership(theme=theme, submission=first, score=0.9, is_primary=True),
            TriageEvent(submission=first, actor="ana", field="status", old_value="new", new_value="in_review",
                        note="looked"),
            PlanChunk(plan=plan, ordinal=0, section_path="3 Mobilität > 3.2 Tram", page=12, text="Takt 5 min",
                      language="de", embedding=pack_embedding(vector), model_id="e5"),
            ChatFeedback(plan_id=plan.id, question_redacted="Wann kommt die Tram?", answer="2027", rating=1,
                         language="de"),
            ChatQuestionLog(plan_id=plan.id, language="de", audience="child", kind="closest", latency_ms=42),
            ApiToken(user=user, token_hash="h" * 64, name="ci", expires_at=started + timedelta(days=30)),
            UserSession(user_id=user.id, token_hash="s" * 64, csrf="c" * 32, expires_at=started + timedelta(hours=8)),
            Job(kind="analyse", status=JobStatus.RUNNING, progress=0.5, message="embedding", params={"n": 2},
                queue_job_id=2**40, worker="host:12", owner_id=user.id),
            LoginAttempt(user_id=user.id, address="2001:db8::1", failures=3, locked_until=started,
                         signed_in_at=started),
            Audit(run_id=run.id, report={"groups": {"Süd": 1}}, out_dir="audits/1"),
            RateLimitBucket(key="c:ünïcode", tokens=2.5, stamp=1796174288.798775),
        ])
        ids = {"submission": first.id, "run": run.id, "theme": theme.id, "plan": plan.id, "user": user.id}
        created = {type(obj) for obj in [*session.new, *session.identity_map.values()]}
    assert created == {mapper.class_ for mapper in Base.registry.mappers}, "a model has no round-trip case"

    with session_scope(migrated_db_url) as session:
        first = session.get(Submission, ids["submission"])
        assert (first.text_raw, first.language, first.attributes) == (GERMAN + " Max Muster", "de", {"district": "Süd"})
        assert (first.status, first.sentiment_score, first.tags) == (SubmissionStatus.IN_REVIEW, -0.4, ["tram"])
        assert first.status == "in_review" and first.pii_redactions == {"PERSON": 1}
        assert first.created_at.tzinfo is not None
        second = session.scalars(select(Submission).where(Submission.external_id == "s-2")).one()
        assert second.duplicate_of == first.id and second.status == SubmissionStatus.NEW and second.tags == []
        assert [e.new_value for e in first.triage_events] == ["in_review"]
        run = session.get(AnalysisRun, ids["run"])
        assert run.started_at == started and run.finished_at - run.started_at == timedelta(minutes=2)
        assert run.manifest["models"] == {"use": "sha256:ab"} and run.status == RunStatus.DONE
        theme = session.get(Theme, ids["theme"])
        assert theme.parent.key == "t0" and [c.key for c in theme.parent.children] == ["t1"]
        assert theme.quotes[0]["text"] == GERMAN and theme.languages == {"de": 1}
        assert [(m.submission_id, m.score, m.is_primary) for m in theme.memberships] == [(first.id, 0.9, True)]
        chunk = session.get(Plan, ids["plan"]).chunks[0]
        assert np.array_equal(unpack_embedding(chunk.embedding, 16), vector)
        assert chunk.section_path == "3 Mobilität > 3.2 Tram" and chunk.page == 12
        feedback = session.scalars(select(ChatFeedback)).one()
        assert (feedback.plan_id, feedback.rating) == (ids["plan"], 1)
        asked = session.scalars(select(ChatQuestionLog)).one()
        assert (asked.plan_id, asked.language, asked.audience, asked.kind, asked.latency_ms) == \
            (ids["plan"], "de", "child", "closest", 42) and asked.at.tzinfo is not None
        user = session.get(User, ids["user"])
        assert user.role == Role.ADMIN and user.is_active and user.tokens[0].expires_at.tzinfo is not None
        assert (user.failed_logins, user.locked_until) == (0, None)
        login = session.scalars(select(UserSession)).one()
        assert login.user_id == user.id and login.expires_at.tzinfo is not None
        assert first.version == 1
        job = session.scalars(select(Job)).one()
        assert (job.status, job.progress, job.params, job.result) == (JobStatus.RUNNING, 0.5, {"n": 2}, None)
        assert (job.queue_job_id, job.worker, job.attempts, job.cancel_requested) == (2**40, "host:12", 0, False)
        assert job.owner.username == "ana"
        attempt = session.get(LoginAttempt, (user.id, "2001:db8::1"))
        assert (attempt.failures, attempt.locked_until, attempt.signed_in_at) == (3, started, started)
        bucket = session.get(RateLimitBucket, "c:ünïcode")
        assert (bucket.tokens, bucket.stamp) == (2.5, 1796174288.798775)  # double precision: sub-ms survives
        assert session.scalars(select(Audit)).one().report == {"groups": {"Süd": 1}}


def test_unique_constraints_are_enforced(migrated_db_url: str) -> None:
    with session_scope(migrated_db_url) as session:
        consultation = _add_consultation(session)
        other = _add_consultation(session, "Autre consultation")
        _add_submission(session, consultation, "42")
        _add_submission(session, other, "42")  # same external id in another consultation is fine
        run = AnalysisRun(consultation=consultation)
        session.add_all([run, Theme(run=run, key="t1", label="a"), Plan(name="PCAET", version="1", is_current=True),
                         User(username="ana", password_hash="x")])
        consultation_id, run_id = consultation.id, run.id

    duplicates = [
        lambda s: Submission(consultation_id=consultation_id, external_id="42", text_redacted="again"),
        lambda s: Theme(run_id=run_id, key="t1", label="b"),
        lambda s: Plan(name="PCAET", version="1"),
        lambda s: Plan(name="PCAET", version="2", is_current=True),  # a second current version
        lambda s: User(username="ana", password_hash="y"),
        lambda s: Submission(consultation_id=consultation_id + 999, external_id="x", text_redacted="no parent"),
        lambda s: ChatFeedback(question_redacted="q", answer="a", rating=5),
    ]
    for make in duplicates:
        with pytest.raises(IntegrityError), session_scope(migrated_db_url) as session:
            session.add(make(session))
    with session_scope(migrated_db_url) as session:
        session.add(Job(kind="analyse"))
    # the database itself refuses a status outside the enum, and so does the ORM
    with pytest.raises(IntegrityError), get_engine(migrated_db_url).begin() as connection:
        connection.execute(text("UPDATE jobs SET status = 'exploded'"))
    with pytest.raises(StatementError, match="not among the defined enum values"), \
            session_scope(migrated_db_url) as session:
        session.add(Job(kind="analyse", status="exploded"))
    with session_scope(migrated_db_url) as session:
        session.add(Plan(name="PCAET", version="2", is_current=False))  # a non-current version is allowed
        assert session.scalar(select(Submission.text_redacted).where(Submission.consultation_id == consultation_id)) \
            == FRENCH


def _one_event(url: str) -> int:
    with session_scope(url) as session:
        submission = _add_submission(session, _add_consultation(session), "7")
        event = TriageEvent(submission=submission, actor="ana", field="status", old_value="new", new_value="closed")
        session.add(event)
        session.flush()
        return event.id


def test_triage_events_are_append_only_in_the_database(migrated_db_url: str) -> None:
    event_id = _one_event(migrated_db_url)
    engine = get_engine(migrated_db_url)
    for statement in (f"UPDATE triage_events SET new_value = 'answered' WHERE id = {event_id}",
                      f"DELETE FROM triage_events WHERE id = {event_id}",
                      "DELETE FROM submissions"):  # would orphan the trail: refused by the foreign key
        with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
            connection.execute(text(statement))
        if "triage_events" in statement:
            assert "append-only" in str(caught.value)
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("TRUNCATE triage_events CASCADE"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT new_value FROM triage_events")).scalars().all() == ["closed"]
    with engine.begin() as connection:  # appending still works
        connection.execute(text("INSERT INTO triage_events (submission_id, actor, at, field) "
                                "SELECT submission_id, 'bob', at, 'assignee' FROM triage_events"))
        assert connection.execute(text("SELECT count(*) FROM triage_events")).scalar() == 2


def test_triage_events_are_append_only_in_the_orm(migrated_db_url: str) -> None:
    event_id = _one_event(migrated_db_url)
    attempts = [
        lambda s: setattr(s.get(TriageEvent, event_id), "new_value", "answered"),
        lambda s: s.delete(s.get(TriageEvent, event_id)),
        lambda s: s.execute(update(TriageEvent).values(note="rewritten")),
        lambda s: s.execute(delete(TriageEvent)),
    ]
    for attempt in attempts:
        with pytest.raises(AppendOnlyError, match="append-only"), session_scope(migrated_db_url) as session:
            attempt(session)
            session.flush()
    with session_scope(migrated_db_url) as session:
        event = session.get(TriageEvent, event_id)
        assert (event.new_value, event.note) == ("closed", None)
        event.submission.status = SubmissionStatus.CLOSED  # touching the parent is not touching the event


def test_gdpr_erasure_clears_text_and_keeps_a_trail(migrated_db_url: str) -> None:
    with session_scope(migrated_db_url) as session:
        consultation = _add_consultation(session)
        target = _add_submission(session, consultation, "A-17", text_raw=FRENCH + " Jeanne Dupont, 06 12 34 56 78",
                                 notes="a rappelé", attributes={"district": "Nord", "age_band": "30-44"})
        keeper = _add_submission(session, consultation, "A-18", text_=GERMAN)
        run = AnalysisRun(consultation=consultation)
        theme = Theme(run=run, key="t1", label="Vélo", quotes=[
            {"submission_id": target.id, "text": FRENCH[:60]}, FRENCH[:50], {"submission_id": keeper.id, "text": GERMAN}])
        session.add(theme)
        session.add(ThemeMembership(theme=theme, submission=target, score=0.8))
        consultation_id, target_id, keeper_id = consultation.id, target.id, keeper.id

    with session_scope(migrated_db_url) as session:
        result = delete_submission_data(session, consultation_id, "A-17", actor="dpo", note="request #12")
    assert (result.submission_id, result.quotes_removed, result.was_already_erased) == (target_id, 2, False)

    with session_scope(migrated_db_url) as session:
        target = session.get(Submission, target_id)
        assert (target.text_raw, target.text_redacted, target.notes, target.attributes) == (None, "", None, {})
        assert target.erased_at is not None and len(target.memberships) == 1  # counts of past runs still add up
        assert [(e.field, e.actor, e.note) for e in target.triage_events] == [("erasure", "dpo", "request #12")]
        assert session.get(Submission, keeper_id).text_redacted == GERMAN
        assert session.scalars(select(Theme)).one().quotes == [{"submission_id": keeper_id, "text": GERMAN}]
        with pytest.raises(InputError, match="no submission"):
            delete_submission_data(session, consultation_id, "does-not-exist")
        assert delete_submission_data(session, consultation_id, "A-17").was_already_erased
    with get_engine(migrated_db_url).connect() as connection:  # nothing of the text is left in the row
        row = connection.execute(text("SELECT * FROM submissions WHERE id = :id"), {"id": target_id}).one()
        assert not any(isinstance(value, str) and "Saint-Étienne" in value for value in row)


def test_json_columns_keep_non_ascii_text(migrated_db_url: str) -> None:
    attributes = {"quartier": "Saint-Étienne", "Altersgruppe": "über 65", "zitat": GERMAN}
    with session_scope(migrated_db_url) as session:
        submission = _add_submission(session, _add_consultation(session, "Консультация"), "ü-1", text_=FRENCH,
                                     attributes=attributes, tags=["sécurité", "Straße"], pii_redactions={"EMAIL": 1})
        session.add(Theme(run=AnalysisRun(consultation=submission.consultation), key="t1", label="Sécurité",
                          keywords=["éclairage", "Öffnungszeiten"], quotes=[{"text": FRENCH}]))
        submission_id = submission.id
    with session_scope(migrated_db_url) as session:
        submission = session.get(Submission, submission_id)
        assert submission.attributes == attributes and submission.tags == ["sécurité", "Straße"]
        assert submission.consultation.name == "Консультация" and submission.external_id == "ü-1"
        theme = session.scalars(select(Theme)).one()
        assert theme.keywords == ["éclairage", "Öffnungszeiten"] and theme.quotes == [{"text": FRENCH}]
    engine = get_engine(migrated_db_url)
    with engine.connect() as connection:  # stored as readable UTF-8, not \u escapes
        if engine.dialect.name == "postgresql":
            stored = connection.execute(text("SELECT attributes->>'quartier' FROM submissions")).scalar()
            assert stored == "Saint-Étienne"
        else:
            stored = connection.execute(text("SELECT attributes FROM submissions")).scalar()
            assert "Saint-Étienne" in stored and "über 65" in stored


def test_timestamps_are_utc_and_naive_ones_are_refused(migrated_db_url: str) -> None:
    paris = timezone(timedelta(hours=2))
    with session_scope(migrated_db_url) as session:
        run = AnalysisRun(consultation=_add_consultation(session), started_at=datetime(2026, 6, 1, 12, 0, tzinfo=paris))
        session.add(run)
        session.flush()
        run_id = run.id
    with session_scope(migrated_db_url) as session:
        assert session.get(AnalysisRun, run_id).started_at == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    with pytest.raises(Exception, match="naive datetime"), session_scope(migrated_db_url) as session:
        session.add(Job(kind="audit", created_at=datetime(2026, 6, 1, 12, 0)))


def test_default_url_is_sqlite_in_the_civicai_home(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CIVICAI_DATABASE_URL", raising=False)
    monkeypatch.setenv("CIVICAI_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    url = resolve_url()
    assert url == f"sqlite:///{(tmp_path / 'home' / 'civicai.db').resolve()}"
    assert init_db() == head_revision()
    assert (tmp_path / "home" / "civicai.db").is_file()
    monkeypatch.setenv("CIVICAI_DATABASE_URL", "postgresql+psycopg://u:s3cret@db.example:5432/civicai")
    description = database_description()
    assert "s3cret" not in description and "psycopg" in description and "db.example:5432/civicai" in description


def test_unreachable_database_gives_an_actionable_error() -> None:
    url = "postgresql+psycopg://civicai:s3cret@127.0.0.1:1/civicai"  # nothing listens on port 1
    with pytest.raises(StoreError, match="cannot open the database") as caught:
        current_revision(url)
    assert "s3cret" not in str(caught.value) and "CIVICAI_DATABASE_URL" in caught.value.hint
    with pytest.raises(StoreError, match="not a valid SQLAlchemy URL"):
        database_description("not a url")


def test_embedding_bytes_are_validated() -> None:
    vector = np.array([0.5, -0.25, 1.0], dtype=np.float32)
    assert len(pack_embedding(vector)) == 12
    with pytest.raises(ValueError, match="expected 4"):
        unpack_embedding(pack_embedding(vector), dim=4)
    with pytest.raises(ValueError, match="NaN"):
        pack_embedding([0.1, float("nan")])
