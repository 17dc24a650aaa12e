"""Security review s8, item 5: user names differing only in case could both be created ('staff1' and 'Staff1'
are two accounts that look alike in every log and list). Now names are casefolded when created and when signing
in; accounts made before that which clash are found by their exact names only (nobody signs in to the wrong
one), `civicai doctor` lists them and `civicai user rename` settles them. On SQLite and PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _api_support import PASSWORD, add_user, login, make_app


def test_a_name_differing_only_in_case_is_refused(migrated_db_url: str, tmp_path: Path) -> None:
    from civicai.errors import InputError
    from civicai.store.db import session_scope
    from civicai.workspace.users import create_user

    add_user(migrated_db_url, "Staff1", "staff")  # stored as staff1
    for name in ("staff1", "STAFF1", "sTaFf1"):
        with pytest.raises(InputError, match="already exists"), session_scope(migrated_db_url) as session:
            create_user(session, name, PASSWORD, "staff")
    add_user(migrated_db_url, "Admin1", "admin")
    app = make_app(migrated_db_url, tmp_path / "home")
    with TestClient(app) as client:
        login(client, "ADMIN1")  # sign-in casefolds too
        assert client.get("/api/auth/me").json()["username"] == "admin1"
        refused = client.post("/api/users", json={"username": "STAFF1", "password": PASSWORD, "role": "admin"})
        assert refused.status_code == 422 and "already exists" in refused.json()["detail"], refused.text
        names = [u["username"] for u in client.get("/api/users").json()]
    assert names == ["staff1", "admin1"]


def test_the_cli_refuses_a_case_variant(tmp_path: Path) -> None:
    env = {**os.environ, "CIVICAI_HOME": str(tmp_path / "home"),
           "CIVICAI_DATABASE_URL": f"sqlite:///{tmp_path / 'civicai.db'}"}

    def user(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "civicai", "user", *args], input=PASSWORD + "\n", env=env,
                              capture_output=True, text=True, timeout=300)

    assert "created staff 'staff1'" in user("add", "Staff1", "--password-stdin").stdout
    again = user("add", "STAFF1", "--password-stdin")
    assert again.returncode != 0 and "already exists" in again.stdout + again.stderr
    assert user("list").stdout.split() == ["staff1", "staff", "active"]


def test_clashing_names_from_before_are_reported_and_settled(db_url: str, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """A database from before migration 0005 with 'Bob' and 'bob', and 'Carol' alone."""
    from sqlalchemy import text

    from civicai.store.db import _run_alembic, init_db, session_scope
    from civicai.workspace.security import hash_password
    from civicai.workspace.users import authenticate, case_duplicates, find_user, rename_user

    _run_alembic(db_url, "upgrade", "0004")
    with session_scope(db_url) as session:
        for name in ("Bob", "bob", "Carol"):
            session.execute(text("INSERT INTO users (username, password_hash, role, created_at, is_active) "
                                 "VALUES (:n, :h, 'staff', CURRENT_TIMESTAMP, true)"),
                            {"n": name, "h": hash_password(PASSWORD + name)})
    init_db(db_url)
    from civicai.cli.doctor import _case_duplicate_users

    assert _case_duplicate_users(db_url) == [["Bob", "bob"]]  # `civicai doctor` prints them and exits 1
    with caplog.at_level("WARNING", logger="civicai.api"):
        make_app(db_url, tmp_path / "home")  # and every server start says so
    assert "user names differing only in case: Bob, bob" in caplog.text
    with session_scope(db_url) as session:
        assert case_duplicates(session) == [["Bob", "bob"]]
        assert find_user(session, "carol").username == "carol"  # lowered: it clashed with nobody
        assert find_user(session, "Bob").username == "Bob" and find_user(session, "bob").username == "bob"
        assert find_user(session, "BOB") is None  # which one? neither
        assert authenticate(session, "Bob", PASSWORD + "Bob", "10.0.0.1").username == "Bob"
        rename_user(session, "Bob", "robert")
        assert case_duplicates(session) == []
    with session_scope(db_url) as session:
        rename_user(session, "robert", "Bob2")
        assert find_user(session, "bob2").username == "bob2"
    assert _case_duplicate_users(db_url) == []
