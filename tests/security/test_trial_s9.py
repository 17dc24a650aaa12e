"""Session 9 user trial (/work/notes/s9/trial.md), weaknesses found by using the served product:

- `POST /api/chat/feedback` (public, no account) with a `plan_id` that does not exist answered 500 with a
  foreign-key traceback in the server log; it is the client's mistake: 422 naming the plan.
- an API token could ask for a new token living 366 days, so a leaked 1-day token bought a year; since session
  10 only a signed-in session makes tokens (a session may still ask for up to 366 days).

On SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _api_support import add_user, login, make_app


@pytest.fixture
def client(migrated_db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    add_user(migrated_db_url, "staff1", "staff")
    with TestClient(make_app(migrated_db_url, tmp_path / "home"), raise_server_exceptions=False) as c:
        yield c


def test_feedback_for_a_plan_that_does_not_exist_is_a_client_error(client: TestClient) -> None:
    response = client.post("/api/chat/feedback", json={"question": "When does the tram open?", "answer": "2029",
                                                       "rating": 1, "plan_id": 999999})
    assert response.status_code == 422, response.text
    assert "plan 999999 does not exist" in response.json()["detail"]
    # without a plan_id it is stored as before
    assert client.post("/api/chat/feedback", json={"question": "q", "answer": "a", "rating": -1}).status_code == 201


def _expiry(response) -> datetime:
    assert response.status_code == 201, response.text
    return datetime.fromisoformat(response.json()["expires_at"])


def test_a_token_cannot_mint_a_token(client: TestClient) -> None:
    """Session 9 capped a token minted with a token at its parent's expiry; the session-10 trial found such a
    child still worked after its parent was revoked. Now only a signed-in session makes tokens."""
    login(client, "staff1")
    short = client.post("/api/auth/tokens", json={"name": "short", "days": 1})
    assert short.status_code == 201, short.text
    from_session = _expiry(client.post("/api/auth/tokens", json={"name": "from session", "days": 366}))
    assert from_session - datetime.now(UTC) > timedelta(days=365)  # a signed-in person may still ask for a year
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")
    bearer = {"Authorization": f"Bearer {short.json()['token']}"}
    assert client.get("/api/auth/me", headers=bearer).status_code == 200  # the token itself works
    for body in ({"name": "long", "days": 366}, {"name": "default"}, {"name": "short", "days": 1}):
        minted = client.post("/api/auth/tokens", json=body, headers=bearer)
        assert minted.status_code == 403 and "sign in" in minted.json()["detail"], minted.text
