"""Findings 5, 6, 7 and 10 against a real server on 127.0.0.1: logout, a password change and disabling a user end
sessions and tokens on the server; tokens always expire; admins list tokens and disable users (API and CLI);
`next=` after sign-in stays on the site; failed logins back off per account."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from _live import live_server, raw_request

from _api_support import PASSWORD, add_user, make_app


@dataclass
class Live:
    base: str
    url: str
    home: Path


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    home = tmp_path / "home"
    url = f"sqlite:///{tmp_path / 'civicai.db'}"
    app = make_app(url, home)
    for name, role in (("staff1", "staff"), ("admin1", "admin")):
        add_user(url, name, role)
    with live_server(app) as base:
        yield Live(base, url, home)


def _signed_in(live: Live, name: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=live.base, timeout=30)
    response = client.post("/api/auth/login", json={"username": name, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def _replay(live: Live, stolen: httpx.Client) -> httpx.Client:
    """Another client holding a copy of the cookie and CSRF token (as an attacker who copied them would)."""
    copy = httpx.Client(base_url=live.base, timeout=30, cookies=dict(stolen.cookies),
                        headers={"X-CSRF-Token": stolen.headers["X-CSRF-Token"]})
    return copy


def test_logout_ends_the_session_on_the_server(live: Live) -> None:
    client = _signed_in(live, "staff1")
    copy = _replay(live, client)
    assert copy.get("/api/auth/me").status_code == 200
    assert client.post("/api/auth/logout").status_code == 200
    assert copy.get("/api/auth/me").status_code == 401
    assert copy.post("/api/auth/tokens", json={"name": "after logout"}).status_code == 401


def test_password_change_ends_sessions_and_tokens(live: Live) -> None:
    client = _signed_in(live, "staff1")
    copy = _replay(live, client)
    token = client.post("/api/auth/tokens", json={"name": "script"}).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{live.base}/api/auth/me", headers=bearer).status_code == 200
    changed = client.post("/api/auth/password", json={"current_password": PASSWORD,
                                                      "new_password": "another long passphrase"})
    assert changed.status_code == 200, changed.text
    assert copy.get("/api/auth/me").status_code == 401
    assert httpx.get(f"{live.base}/api/auth/me", headers=bearer).status_code == 401
    _signed_in(live, "staff1", "another long passphrase")


def test_tokens_always_expire_and_admins_can_list_and_disable(live: Live) -> None:
    client = _signed_in(live, "staff1")
    forever = client.post("/api/auth/tokens", json={"name": "forever?", "days": None})
    assert forever.status_code == 201, forever.text
    assert forever.json()["expires_at"] is not None
    token = forever.json()["token"]

    admin = _signed_in(live, "admin1")
    listed_users = admin.get("/api/users")
    assert listed_users.status_code == 200, listed_users.text
    users = {u["username"]: u["id"] for u in listed_users.json()}
    listed = admin.get(f"/api/users/{users['staff1']}/tokens")
    assert listed.status_code == 200 and [t["name"] for t in listed.json()] == ["forever?"]
    assert client.get(f"/api/users/{users['admin1']}/tokens").status_code == 403
    disabled = admin.patch(f"/api/users/{users['staff1']}", json={"is_active": False})
    assert disabled.status_code == 200, disabled.text
    assert client.get("/api/auth/me").status_code == 401
    assert httpx.get(f"{live.base}/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    refused = httpx.post(f"{live.base}/api/auth/login", json={"username": "staff1", "password": PASSWORD})
    assert refused.status_code == 401


def test_token_rows_without_expiry_are_refused(live: Live) -> None:
    from sqlalchemy import select

    from civicai.store.db import session_scope
    from civicai.store.schema import ApiToken, User
    from civicai.workspace.security import new_api_token

    token, token_hash = new_api_token()
    with session_scope(live.url) as session:  # a token made before tokens had to expire
        user = session.scalars(select(User).where(User.username == "staff1")).one()
        session.add(ApiToken(user_id=user.id, token_hash=token_hash, name="old", expires_at=None))
    assert httpx.get(f"{live.base}/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_cli_disables_a_user_and_lists_tokens(live: Live) -> None:
    client = _signed_in(live, "staff1")
    client.post("/api/auth/tokens", json={"name": "nightly export"})
    env = {**os.environ, "CIVICAI_HOME": str(live.home), "CIVICAI_DATABASE_URL": live.url}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "civicai", "user", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    listed = cli("tokens", "staff1")
    assert listed.returncode == 0, listed.stderr
    assert "nightly export" in listed.stdout
    disabled = cli("disable", "staff1")
    assert disabled.returncode == 0, disabled.stderr
    assert client.get("/api/auth/me").status_code == 401


def _login_form(live: Live, next_value: str) -> httpx.Response:
    client = httpx.Client(base_url=live.base, timeout=30, follow_redirects=False)
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"username": "staff1", "password": PASSWORD, "csrf_token": csrf,
                                       "next": next_value})


@pytest.mark.parametrize("target", ["/\t/evil.example", "/%09/evil.example", "//evil.example", "/\\evil.example",
                                    "https://evil.example/", "/%2F%2Fevil.example", "/%5Cevil.example"])
def test_next_after_sign_in_stays_on_the_site(live: Live, target: str) -> None:
    response = _login_form(live, target)
    if response.status_code == 400:
        return  # refused outright: fine
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    # what a browser does with a Location: drop tabs and newlines, read backslashes as slashes
    browser = re.sub(r"[\t\r\n]", "", location).replace("\\", "/")
    assert httpx.URL(live.base).join(browser).host == "127.0.0.1", location


def test_control_characters_in_next_get_400_not_a_server_error(live: Live) -> None:
    assert _login_form(live, "/staff\r\nSet-Cookie: x=1").status_code == 400
    response = raw_request(live.base, b"GET /login?next=/a%0d%0aX-Evil:%201 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                      b"Connection: close\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 400"), response[:200]


def test_failed_logins_back_off_per_account(live: Live) -> None:
    for _ in range(5):
        wrong = httpx.post(f"{live.base}/api/auth/login", json={"username": "staff1", "password": "wrong password!"})
        assert wrong.status_code == 401
    # even the right password waits now: guessing cannot continue at the per-address rate
    right = httpx.post(f"{live.base}/api/auth/login", json={"username": "staff1", "password": PASSWORD})
    assert right.status_code == 429, right.text
    other = httpx.post(f"{live.base}/api/auth/login", json={"username": "admin1", "password": PASSWORD})
    assert other.status_code == 200  # another account is not locked
