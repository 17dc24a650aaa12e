"""Alembic environment for civicai: the URL comes from civicai's settings, never from alembic.ini.

`civicai.store.db.init_db()` passes its own open connection (config.attributes["connection"]) so the
SQLite pragmas (foreign keys, WAL) apply; the `alembic` command line opens one from the settings.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from civicai.store.db import get_engine, resolve_url
from civicai.store.schema import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("civicai_url") or resolve_url(config.get_main_option("sqlalchemy.url"))


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """procrastinate's tables (the PostgreSQL job queue) are procrastinate's: autogenerate must not drop them."""
    return not (type_ == "table" and name is not None and name.startswith("procrastinate_"))


def _configure_and_run(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        include_name=_include_name,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=True,
        **kwargs,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: print the SQL instead of running it."""
    _configure_and_run(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})


def run_migrations_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection=connection)
        return
    with get_engine(_url()).begin() as own_connection:
        _configure_and_run(connection=own_connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
