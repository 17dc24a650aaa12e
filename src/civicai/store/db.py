"""Engines, sessions and migrations for the civicai store.

The URL comes from `civicai.config.get_settings()` (SQLite file in the civicai home by default,
PostgreSQL with CIVICAI_DATABASE_URL=postgresql+psycopg://...). The schema is created only by Alembic
(`init_db` runs `upgrade head` from the migrations shipped inside this package, so it works from an
installed wheel without any alembic.ini in the current directory).
"""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from civicai.errors import CivicaiError

PACKAGE_DIR = Path(__file__).resolve().parent
ALEMBIC_INI = PACKAGE_DIR / "alembic.ini"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"

_MIGRATION_LOCK = 0x63697663  # pg_advisory_xact_lock key held while one process migrates
_engines: dict[str, Engine] = {}
_sessionmakers: dict[str, sessionmaker[Session]] = {}
_lock = threading.Lock()


class StoreError(CivicaiError):
    """The database cannot be reached, opened or migrated."""


def resolve_url(url: str | None = None) -> str:
    """The URL to use: the argument, else the configured one (SQLite in the civicai home)."""
    if url:
        return url
    from civicai.config import get_settings  # late: config reads env/toml at call time

    return get_settings().resolved_database_url


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"database URL {url!r} is not a valid SQLAlchemy URL",
                         "use sqlite:///path/to/civicai.db or postgresql+psycopg://user:pass@host:5432/db") from exc


def _is_sqlite_memory(parsed: URL) -> bool:
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite enforces foreign keys only when asked, per connection; WAL lets readers run beside a writer."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")  # a no-op answer ("memory") for :memory: databases
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster commits
    finally:
        cursor.close()


def _json_dumps(value: Any) -> str:
    # Keep French/German text readable in the database instead of \u escapes.
    return json.dumps(value, ensure_ascii=False)


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the life of the process (engines own connection pools)."""
    resolved = resolve_url(url)
    with _lock:
        engine = _engines.get(resolved)
        if engine is not None:
            return engine
        parsed = _parse(resolved)
        kwargs: dict[str, Any] = {"json_serializer": _json_dumps}
        if parsed.get_backend_name() == "sqlite":
            if _is_sqlite_memory(parsed):
                # One shared connection, or every session would see its own empty database.
                kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
            else:
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True  # survive server restarts between requests
        try:
            engine = create_engine(parsed, **kwargs)
        except (NoSuchModuleError, ModuleNotFoundError) as exc:
            raise StoreError(f"no driver for database URL {parsed.render_as_string(hide_password=True)}: {exc}",
                             "use postgresql+psycopg://... (psycopg 3 is installed) or sqlite:///...") from exc
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        _engines[resolved] = engine
        _sessionmakers[resolved] = sessionmaker(bind=engine, expire_on_commit=False)
        return engine


def dispose_engine(url: str | None = None) -> None:
    """Close the pooled connections of a cached engine and forget it (tests, dropping a database)."""
    resolved = resolve_url(url)
    with _lock:
        engine = _engines.pop(resolved, None)
        _sessionmakers.pop(resolved, None)
    if engine is not None:
        engine.dispose()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A Session that commits when the block ends normally and rolls back on any exception."""
    resolved = resolve_url(url)
    get_engine(resolved)
    session = _sessionmakers[resolved]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_or_raise(session: Session, model: type, ident: Any, what: str) -> Any:
    """The row with primary key `ident`, or LookupError("<what> <ident> does not exist") (the API's 404)."""
    row = session.get(model, ident)
    if row is None:
        raise LookupError(f"{what} {ident} does not exist")
    return row


def _alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    # Absolute path: works from any CWD and from an installed package.
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["civicai_url"] = url
    return config


def _run_alembic(url: str | None, action: str, revision: str) -> str | None:
    from alembic import command

    resolved = resolve_url(url)
    engine = get_engine(resolved)
    config = _alembic_config(resolved)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":  # servers and workers starting at once migrate in turn
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            config.attributes["connection"] = connection  # env.py reuses it (keeps SQLite pragmas)
            getattr(command, action)(config, revision)
    except CivicaiError:
        raise
    except Exception as exc:
        raise StoreError(f"migrating {database_description(resolved)} ({action} {revision}) failed: {exc}",
                         "check that the database is reachable and writable; run `civicai doctor`") from exc
    return current_revision(resolved)


def init_db(url: str | None = None) -> str | None:
    """Create or upgrade the schema to the newest migration; returns the revision now in the database."""
    return _run_alembic(url, "upgrade", "head")


def downgrade_db(url: str | None = None, revision: str = "base") -> str | None:
    """Migrate down (to `base` drops every table). For operators rolling back and for the tests."""
    return _run_alembic(url, "downgrade", revision)


def current_revision(url: str | None = None) -> str | None:
    """The Alembic revision stamped in the database, or None for an empty (never migrated) one."""
    from alembic.runtime.migration import MigrationContext

    resolved = resolve_url(url)
    try:
        with get_engine(resolved).connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"cannot open the database {database_description(resolved)}: {reason}",
                         "start the database server or fix CIVICAI_DATABASE_URL; run `civicai doctor`") from exc


def head_revision() -> str | None:
    """The newest revision shipped with this version of civicai."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config("")).get_current_head()


def database_description(url: str | None = None) -> str:
    """Backend, driver and URL with the password hidden, e.g. for `civicai doctor` and run manifests."""
    parsed = _parse(resolve_url(url))
    return (f"{parsed.get_backend_name()} (driver {parsed.get_driver_name()}) "
            f"{parsed.render_as_string(hide_password=True)}")
