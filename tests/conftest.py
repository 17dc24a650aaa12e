"""Shared fixtures. Real data from ../shared/data is optional: tests that need it skip with a clear message."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from civicai.testing import ServerStartError, running_server
from civicai.testing import free_port as free_port_number

# _isolation: tests marked `llm` run in a process of their own; _api_support: the API fixtures (server, analysis_dir, ...)
pytest_plugins = ["_isolation", "_api_support"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CIVICAI_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
SAMPLE_DIR = REPO_ROOT / "src" / "civicai" / "data" / "sample"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (real public data for evaluation); skips the test where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}: set CIVICAI_SHARED_DATA or place the shared/ folder "
                    "beside the checkout to run this test")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE_DIR


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test session gets its own civicai home (database, runs), never the user's. The model cache
    (assembled GGUF, verified checksums) lives in the checkout's .cache/ so a 500 MB model is assembled once."""
    home = tmp_path_factory.mktemp("civicai-home")
    os.environ.setdefault("CIVICAI_HOME", str(home))
    os.environ.setdefault("CIVICAI_CACHE_DIR", str(REPO_ROOT / ".cache"))


# --- store: one fresh database per test, on SQLite and (when configured) on PostgreSQL -----------------
POSTGRES_ENV = "CIVICAI_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def _postgres_admin_engine():  # type: ignore[no-untyped-def]
    """An AUTOCOMMIT engine on CIVICAI_TEST_POSTGRES_URL, used only to create and drop test databases."""
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        pytest.skip(f"PostgreSQL case skipped: {POSTGRES_ENV} is not set. Run `bash .ci/start-postgres.sh` "
                    f"and export {POSTGRES_ENV} with the URL it prints (CI does this).")
    from sqlalchemy import create_engine

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """URL of a fresh, empty (not yet migrated) database: a SQLite file, and a uniquely named PostgreSQL
    database created on CIVICAI_TEST_POSTGRES_URL's server and dropped afterwards (skips if unset)."""
    import uuid

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from civicai.store.db import dispose_engine

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'civicai-test.db'}"
        yield url
        dispose_engine(url)
        return
    admin = request.getfixturevalue("_postgres_admin_engine")
    name = f"civicai_t_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin.url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        dispose_engine(url)
        _drop_database(admin, name)


def _drop_database(admin, name: str) -> None:  # type: ignore[no-untyped-def]
    """DROP ... WITH (FORCE) ends our own leftover connections, but a non-superuser may not end an autovacuum
    worker that happens to be busy on the fresh database (InsufficientPrivilege): wait for it and retry."""
    import time

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    for attempt in range(20):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == 19:
                raise
            time.sleep(0.5)


@pytest.fixture
def migrated_db_url(db_url: str) -> str:
    """`db_url` with the schema migrated to the newest revision (`civicai.store.init_db`)."""
    from civicai.store import init_db

    init_db(db_url)
    return db_url


# --- llm: a real OpenAI-compatible server (llama.cpp's, serving SmolLM2) for the openai generator ---------
@pytest.fixture(scope="session")
def free_port() -> int:
    """A port nothing listens on (for "server unreachable" tests)."""
    return free_port_number()


@pytest.fixture(scope="session")
def openai_server_url(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Base URL (…/v1) of `civicai llm serve` (llama.cpp's C++ server) serving SmolLM2-135M, once per session."""
    import sys

    pytest.importorskip("xllamacpp", reason="the optional LLM runtime is not installed (make llm)")
    from civicai.errors import CivicaiError
    from civicai.registry import resolve_model

    try:
        resolve_model("smollm2-135m-instruct")
    except CivicaiError as exc:
        pytest.skip(f"SmolLM2 model not available: {exc}")
    port = free_port_number()
    log_path = tmp_path_factory.mktemp("llm-server") / "server.log"
    command = [sys.executable, "-m", "civicai", "llm", "serve", "--model", "smollm2", "--port", str(port),
               "--threads", "1", "--n-ctx", "1024", "--seed", "0"]
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        with running_server(command, f"{base_url}/models", log_path, timeout_s=120):
            yield base_url
    except ServerStartError as exc:
        pytest.fail(f"civicai llm serve did not start: {exc}")


