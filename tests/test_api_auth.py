"""API tests of login, sessions, CSRF, API tokens, roles, accounts, upload limits and the chat rate limit, on
SQLite and PostgreSQL (db_url fixtures)."""
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _api_support import PASSWORD, add_user, login, login_page_token, make_app


@pytest.fixture
def app_client(migrated_db_url: str, tmp_path: Path):
    app = make_app(migrated_db_url, tmp_path / "home")
    add_user(migrated_db_url, "staff1", "staff")
    add_user(migrated_db_url, "audit1", "auditor")
    with TestClient(app) as client:
        yield app, client


def test_health_and_openapi_are_public(app_client) -> None:
    _, client = app_client
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert health.json()["database_revision"]
    spec = client.get("/openapi.json").json()
    for path in ("/api/auth/login", "/api/submissions/{submission_id}", "/api/themes/{theme_id}/merge",
                 "/api/chat", "/api/exports/{fmt}", "/api/audits", "/api/jobs/{job_id}/resume"):
        assert path in spec["paths"], path
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn." not in docs.text and "https://" not in docs.text  # nothing from a CDN
    script = client.get("/docs-assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    assert client.get("/docs-assets/swagger-ui.css").status_code == 200
    index = client.get("/")
    assert index.status_code == 200 and "/chat/" in index.text and "/staff/" in index.text


def test_dev_mode_creates_a_random_admin_password_once(app_client, migrated_db_url: str, tmp_path: Path) -> None:
    app, client = app_client
    password = app.state.civicai.first_admin_password
    assert password and len(password) >= 16
    assert client.post("/api/auth/login", json={"username": "admin", "password": password}).status_code == 200
    again = make_app(migrated_db_url, tmp_path / "home2")  # users exist now: no second admin, no password
    assert again.state.civicai.first_admin_password is None


def test_production_mode_has_no_default_account(db_url: str, tmp_path: Path) -> None:
    from civicai.api import ApiOptions, create_app
    from civicai.config import get_settings
    from civicai.store.db import session_scope
    from civicai.store.schema import User

    app = create_app(get_settings(home=str(tmp_path), database_url=db_url, production=True),
                     ApiOptions(bootstrap=False, mount_ui=False, start_jobs=False))
    assert app.state.civicai.first_admin_password is None
    with session_scope(db_url) as session:
        assert session.query(User).count() == 0


def test_login_errors_and_session(app_client) -> None:
    _, client = app_client
    assert client.get("/api/auth/me").status_code == 401
    wrong = client.post("/api/auth/login", json={"username": "staff1", "password": "not the password"})
    assert wrong.status_code == 401 and "wrong user name or password" in wrong.json()["detail"]
    unknown = client.post("/api/auth/login", json={"username": "nobody", "password": "whatever123"})
    assert unknown.status_code == 401 and unknown.json()["detail"] == wrong.json()["detail"]
    missing = client.post("/api/auth/login", json={"username": "staff1"})
    assert missing.status_code == 422 and "password" in missing.json()["detail"]
    login(client, "staff1")
    me = client.get("/api/auth/me").json()
    assert me["username"] == "staff1" and me["role"] == "staff"
    cookie = client.cookies.get("civicai_session")
    assert cookie and PASSWORD not in cookie
    assert client.post("/api/auth/logout").status_code == 200
    client.cookies.clear()
    assert client.get("/api/auth/me").status_code == 401


def test_password_is_stored_as_argon2_hash(app_client, migrated_db_url: str) -> None:
    from civicai.store.db import session_scope
    from civicai.store.schema import User

    with session_scope(migrated_db_url) as session:
        stored = session.query(User).filter_by(username="staff1").one().password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_expired_or_tampered_session_is_refused(app_client) -> None:
    app, client = app_client
    login(client, "staff1")
    good = client.cookies.get("civicai_session")
    client.cookies.clear()
    client.cookies.set("civicai_session", good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"))
    assert client.get("/api/auth/me").status_code == 401
    client.cookies.clear()
    client.cookies.set("civicai_session", good)
    assert client.get("/api/auth/me").status_code == 200
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from civicai.store.db import session_scope
    from civicai.store.schema import UserSession

    with session_scope(app.state.civicai.url) as session:  # sessions live on the server: age this one
        session.execute(update(UserSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert client.get("/api/auth/me").status_code == 401


def test_csrf_needed_for_cookie_state_changes(app_client) -> None:
    _, client = app_client
    token = login(client, "staff1")
    del client.headers["X-CSRF-Token"]
    refused = client.post("/api/auth/tokens", json={"name": "x"})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    wrong = client.post("/api/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    ok = client.post("/api/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201
    cross = client.post("/api/auth/tokens", json={"name": "y"},
                        headers={"X-CSRF-Token": token, "Origin": "https://evil.example"})
    assert cross.status_code == 403 and "cross-site" in cross.json()["detail"]


def test_api_tokens_for_scripts(app_client, migrated_db_url: str) -> None:
    from civicai.store.db import session_scope
    from civicai.store.schema import ApiToken

    _, client = app_client
    login(client, "staff1")
    bad = client.post("/api/auth/tokens", json={"name": "cron", "days": 1000})
    assert bad.status_code == 422 and "days" in bad.json()["detail"]
    issued = client.post("/api/auth/tokens", json={"name": "cron", "days": 30}).json()
    token = issued["token"]
    with session_scope(migrated_db_url) as session:
        assert all(t.token_hash != token for t in session.query(ApiToken))
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/auth/me", headers=bearer).json()["via"] == "token"
    # only a signed-in session makes tokens (a token's children would outlive its revocation)
    assert client.post("/api/auth/tokens", json={"name": "n2"}, headers=bearer).status_code == 403
    assert client.get("/api/consultations", headers={"Authorization": "Bearer cvc_wrong"}).status_code == 401
    listed = client.get("/api/auth/tokens", headers=bearer).json()
    assert {t["name"] for t in listed} == {"cron"}
    # a token needs no CSRF header for a state change: it is not sent by browsers on their own
    assert client.delete(f"/api/auth/tokens/{issued['id']}", headers=bearer).status_code == 200
    assert client.get("/api/auth/me", headers=bearer).status_code == 401
    assert client.delete("/api/auth/tokens/99999", headers=bearer).status_code == 401


def test_users_admin_only(app_client) -> None:
    app, client = app_client
    login(client, "staff1")
    assert client.get("/api/users").status_code == 403
    assert client.post("/api/users", json={"username": "x1", "password": "long enough pw"}).status_code == 403
    client.cookies.clear()
    client.post("/api/auth/login", json={"username": "admin", "password": app.state.civicai.first_admin_password})
    client.headers["X-CSRF-Token"] = client.get("/api/auth/me").json()["csrf_token"]
    short = client.post("/api/users", json={"username": "x1", "password": "short"})
    assert short.status_code == 422 and "password" in short.json()["detail"]
    bad_role = client.post("/api/users", json={"username": "x1", "password": "long enough pw", "role": "root"})
    assert bad_role.status_code == 422 and "role" in bad_role.json()["detail"]
    bad_name = client.post("/api/users", json={"username": "x 1/..", "password": "long enough pw"})
    assert bad_name.status_code == 422 and "user name" in bad_name.json()["detail"]
    created = client.post("/api/users", json={"username": "x1", "password": "long enough pw", "role": "auditor"})
    assert created.status_code == 201 and created.json()["role"] == "auditor"
    assert client.post("/api/users", json={"username": "x1", "password": "long enough pw"}).status_code == 422
    assert {u["username"] for u in client.get("/api/users").json()} >= {"admin", "staff1", "x1"}


def test_login_form_page(app_client) -> None:
    _, client = app_client
    token = login_page_token(client)
    forged = client.post("/login", data={"username": "staff1", "password": PASSWORD, "csrf_token": "forged"},
                         follow_redirects=False)
    assert forged.status_code == 303 and "error" in forged.headers["location"]
    assert client.get("/api/auth/me").status_code == 401
    wrong = client.post("/login", data={"username": "staff1", "password": "nope", "csrf_token": token},
                        follow_redirects=False)
    assert "error" in wrong.headers["location"]
    token = login_page_token(client)
    ok = client.post("/login", data={"username": "staff1", "password": PASSWORD, "csrf_token": token,
                                     "next": "//evil.example/x"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/staff"  # no open redirect
    assert client.get("/api/auth/me").json()["username"] == "staff1"
    out = client.get("/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/api/auth/me").status_code == 401
    page = client.get("/login?error=<script>alert(1)</script>").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_upload_limits(migrated_db_url: str, tmp_path: Path) -> None:
    app = make_app(migrated_db_url, tmp_path / "home", max_upload_bytes=2048)
    add_user(migrated_db_url, "staff1", "staff")
    add_user(migrated_db_url, "audit1", "auditor")
    with TestClient(app) as client:
        assert client.post("/api/uploads", files={"file": ("a.csv", b"id,text\n1,hello there\n")}).status_code == 401
        login(client, "audit1")
        assert client.post("/api/uploads", files={"file": ("a.csv", b"id,text\n1,x\n")}).status_code == 403
        client.cookies.clear()
        login(client, "staff1")
        exe = client.post("/api/uploads", files={"file": ("run.exe", b"MZ\x90\x00")})
        assert exe.status_code == 422 and ".exe" in exe.json()["detail"]
        fake = client.post("/api/uploads", files={"file": ("book.xlsx", b"id,text\n1,a\n")})
        assert fake.status_code == 422 and "Excel" in fake.json()["detail"]
        binary = client.post("/api/uploads", files={"file": ("data.csv", b"\x00\x01\x02" * 100)})
        assert binary.status_code == 422 and "binary" in binary.json()["detail"]
        big = client.post("/api/uploads", files={"file": ("big.csv", b"id,text\n" + b"1,abcdefgh\n" * 400)})
        assert big.status_code == 413 and "larger than" in big.json()["detail"]
        empty = client.post("/api/uploads", files={"file": ("e.csv", b"")})
        assert empty.status_code == 422 and "empty" in empty.json()["detail"]
        assert not any((tmp_path / "home" / "uploads").glob("*/*"))  # refused uploads leave nothing behind
        assert client.post("/api/uploads").status_code == 422


def test_chat_rate_limit_per_client(migrated_db_url: str, tmp_path: Path, plan_source_url: str) -> None:
    from _api_support import copy_plan
    from civicai.workspace.security import RateLimit

    copy_plan(plan_source_url, migrated_db_url)
    app = make_app(migrated_db_url, tmp_path / "home", rate_limit=RateLimit(per_minute=2, burst=2))
    with TestClient(app) as first, TestClient(app) as second:
        question = {"question": "What is the emissions target for 2030?"}
        codes = [first.post("/api/chat", json=question).status_code for _ in range(4)]
        assert codes[:2] == [200, 200] and codes[-1] == 429
        limited = first.post("/api/chat", json=question)
        assert limited.status_code == 429 and "Retry-After" in limited.headers
        assert second.post("/api/chat", json=question).status_code == 200  # another resident is not starved


def test_chat_without_a_plan_says_so(app_client) -> None:
    _, client = app_client
    response = client.post("/api/chat", json={"question": "When will the buses be electric?"})
    assert response.status_code == 503 and "not loaded" in response.json()["detail"]
    assert response.headers["retry-after"]
