"""Fixtures for the API tests: a real analysis of the shipped small sample and the shipped plan, stored in each
test's fresh database (SQLite, and PostgreSQL when CIVICAI_TEST_POSTGRES_URL is set).

The pipeline runs once per test session into a folder; each test database then gets the same run by running the
pipeline again on that folder, where every stage is reused from its checkpoint (fast, and still the real code).
The plan is ingested once (real parsing and embedding) and its rows are copied into each test database.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "civicai" / "data" / "sample"
SMALL_CSV = SAMPLE / "consultation_small.csv"
PLAN_PDF = SAMPLE / "plan" / "rivermouth-climate-plan.pdf"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def analysis_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    from civicai.pipeline import AnalyseOptions, run_analysis

    # CIVICAI_TEST_RUN_CACHE: a folder kept between test sessions while developing (stages resume from checkpoints)
    cache = os.environ.get("CIVICAI_TEST_RUN_CACHE")
    out = Path(cache) / "api-run" if cache else tmp_path_factory.mktemp("api-run") / "run"
    run_analysis(AnalyseOptions(input_path=SMALL_CSV, out_dir=out, group_columns=("district", "age_band"),
                                store=False, progress=False))
    return out


@pytest.fixture(scope="session")
def plan_source_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from civicai.config import get_settings
    from civicai.plans.ingest import ingest_file

    home = tmp_path_factory.mktemp("plan-home")
    settings = get_settings(home=str(home), database_url=f"sqlite:///{home / 'plan.db'}")
    ingest_file(PLAN_PDF, name="rivermouth", settings=settings)
    return settings.resolved_database_url


def copy_plan(source_url: str, target_url: str) -> None:
    from sqlalchemy import select

    from civicai.store.db import session_scope
    from civicai.store.schema import Plan, PlanChunk

    with session_scope(source_url) as src:
        plans = [(p, list(src.scalars(select(PlanChunk).where(PlanChunk.plan_id == p.id))))
                 for p in src.scalars(select(Plan))]
        rows = [({c.key: getattr(p, c.key) for c in Plan.__table__.columns},
                 [{c.key: getattr(ch, c.key) for c in PlanChunk.__table__.columns} for ch in chunks])
                for p, chunks in plans]
    with session_scope(target_url) as dst:
        for plan, chunks in rows:
            dst.execute(Plan.__table__.insert(), [plan])
            dst.execute(PlanChunk.__table__.insert(), chunks)


@dataclass
class Server:
    client: TestClient
    app: object
    url: str
    run_id: int
    consultation_id: int

    @property
    def ctx(self):
        return self.app.state.civicai


def make_app(url: str, home: Path, **options):
    from civicai.api import ApiOptions, create_app
    from civicai.config import get_settings

    opts = {"bootstrap": False, "mount_ui": False, "start_jobs": False, "warm_chat": False, **options}
    return create_app(get_settings(home=str(home), database_url=url), ApiOptions(**opts))


def add_user(url: str, name: str, role: str) -> None:
    from civicai.store.db import session_scope
    from civicai.workspace.users import create_user

    with session_scope(url) as session:
        create_user(session, name, PASSWORD, role)


def login(client: TestClient, name: str) -> str:
    """Log in; returns the CSRF token and sets it as a default header."""
    response = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token


@pytest.fixture
def server(migrated_db_url: str, analysis_dir: Path, tmp_path: Path) -> Iterator[Server]:
    """An app on a fresh database holding the analysed sample, with users staff1, audit1 and admin1."""
    from civicai.pipeline import AnalyseOptions, run_analysis

    result = run_analysis(AnalyseOptions(input_path=SMALL_CSV, out_dir=analysis_dir, database_url=migrated_db_url,
                                         group_columns=("district", "age_band"), progress=False))
    for name, role in (("staff1", "staff"), ("audit1", "auditor"), ("admin1", "admin")):
        add_user(migrated_db_url, name, role)
    app = make_app(migrated_db_url, tmp_path / "home")
    from civicai.store.db import session_scope
    from civicai.store.schema import AnalysisRun

    with session_scope(migrated_db_url) as session:
        consultation_id = session.get(AnalysisRun, result.run_id).consultation_id
    with TestClient(app) as client:
        yield Server(client, app, migrated_db_url, result.run_id, consultation_id)


def login_page_token(client: TestClient) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
