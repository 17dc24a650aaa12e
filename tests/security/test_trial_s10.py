"""Session 10 user trial, weaknesses found by using the served product as an attacker on 127.0.0.1:

- a leaked 1-day admin API token could create a new admin account with a password: a lasting foothold that
  revoking the token does not remove. Making or changing accounts now needs a signed-in session.
- `GET /api/submissions?run_id=R` without `consultation_id` listed every consultation's submissions (885 on the
  trial server, most without themes); the run's own consultation bounds the listing now.

On SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _api_support import add_user, login, make_app
from _review_support import stored_run


@pytest.fixture
def client(migrated_db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    add_user(migrated_db_url, "admin1", "admin")
    add_user(migrated_db_url, "staff1", "staff")
    with TestClient(make_app(migrated_db_url, tmp_path / "home"), raise_server_exceptions=False) as c:
        yield c


def test_an_admin_token_cannot_make_or_change_accounts(client: TestClient) -> None:
    login(client, "admin1")
    token = client.post("/api/auth/tokens", json={"name": "script", "days": 1}).json()["token"]
    made = client.post("/api/users", json={"username": "helper", "password": "a-long-enough-password", "role": "staff"})
    assert made.status_code == 201, made.text  # a signed-in admin still can
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/users", headers=bearer).status_code == 200  # reading is fine
    evil = client.post("/api/users", json={"username": "evil", "password": "a-long-enough-password", "role": "admin"},
                       headers=bearer)
    assert evil.status_code == 403 and "sign in" in evil.json()["detail"], evil.text
    disable = client.patch(f"/api/users/{made.json()['id']}", json={"is_active": False}, headers=bearer)
    assert disable.status_code == 403, disable.text
    assert "evil" not in {u["username"] for u in client.get("/api/users", headers=bearer).json()}


def test_a_run_alone_lists_only_its_consultation(client: TestClient, migrated_db_url: str, sample_dir: Path) -> None:
    first, _, _ = stored_run(migrated_db_url, sample_dir, 10)
    stored_run(migrated_db_url, sample_dir, 12)  # another consultation
    login(client, "staff1")
    listed = client.get("/api/submissions", params={"run_id": first, "limit": 100})
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == 10  # not 22: the other consultation is not listed under this run
