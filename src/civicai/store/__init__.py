"""The civicai store: SQLAlchemy 2 models (schema.py) migrated by Alembic (migrations/), on SQLite by
default or PostgreSQL by URL. Entry points: `init_db`, `session_scope`, `get_engine` (db.py) and
`delete_submission_data` (erasure.py). See docs/store.md."""
from civicai.store.db import (
    StoreError,
    current_revision,
    database_description,
    dispose_engine,
    downgrade_db,
    get_engine,
    head_revision,
    init_db,
    session_scope,
)
from civicai.store.erasure import delete_submission_data
from civicai.store.guards import AppendOnlyError

__all__ = [
    "AppendOnlyError",
    "StoreError",
    "current_revision",
    "database_description",
    "delete_submission_data",
    "dispose_engine",
    "downgrade_db",
    "get_engine",
    "head_revision",
    "init_db",
    "session_scope",
]
