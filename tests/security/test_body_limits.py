"""Findings 3 and 4 against a real server on 127.0.0.1: bodies are refused before they are read (a declared
Content-Length, and a chunked stream as it arrives), on the API and on the Gradio apps; the public chat app
accepts no uploads."""
from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _live import live_server

from _api_support import PASSWORD, add_user, make_app

pytestmark = pytest.mark.slow
BIG = 200 * 1024 * 1024


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("limits")
    url = f"sqlite:///{folder / 'civicai.db'}"
    app = make_app(url, folder / "home", mount_ui=True)
    add_user(url, "staff1", "staff")
    with live_server(app) as base:
        login = httpx.post(f"{base}/api/auth/login", json={"username": "staff1", "password": PASSWORD})
        token = httpx.post(f"{base}/api/auth/tokens", json={"name": "t"}, cookies=login.cookies,
                           headers={"X-CSRF-Token": login.json()["csrf_token"]}).json()["token"]
        yield base, token


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=20)
    return sock


def _answer(sock: socket.socket) -> bytes:
    """The server's reply, read until it closes or 20 s pass without a byte (then b'' means: no answer)."""
    chunks = []
    try:
        while True:
            block = sock.recv(65536)
            if not block:
                break
            chunks.append(block)
            if b"\r\n\r\n" in b"".join(chunks) and len(b"".join(chunks)) > 12:
                sock.settimeout(2)
    except (TimeoutError, ConnectionResetError):
        pass
    return b"".join(chunks)


def _declared(base: str, path: str, headers: str = "") -> bytes:
    """Announce a 200 MB body, send none of it, and see whether the server answers anyway."""
    with _connect(base) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {BIG}\r\n"
                     f"Content-Type: multipart/form-data; boundary=x\r\n{headers}\r\n".encode())
        return _answer(sock)


def test_declared_oversize_bodies_are_refused_before_reading(live) -> None:
    base, token = live
    assert _declared(base, "/api/uploads").startswith(b"HTTP/1.1 401")  # anonymous: no login, no reading
    assert _declared(base, "/staff/gradio_api/upload").startswith(b"HTTP/1.1 401")
    assert _declared(base, "/api/uploads", f"Authorization: Bearer {token}\r\n").startswith(b"HTTP/1.1 413")
    assert _declared(base, "/api/chat").startswith(b"HTTP/1.1 413")


def test_a_streamed_body_is_cut_off_at_the_limit(live) -> None:
    base, _ = live
    block = b"a" * 65536
    chunk = f"{len(block):x}\r\n".encode() + block + b"\r\n"
    total = 32 * 1024 * 1024
    sent = 0
    with _connect(base) as sock:
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        try:
            while sent < total:
                sock.sendall(chunk)
                sent += len(block)
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = _answer(sock)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert sent < total  # refused while the body was still arriving


def test_the_public_chat_app_accepts_no_uploads(live, tmp_path: Path) -> None:
    base, _ = live
    for app in ("chat", "audit"):
        response = httpx.post(f"{base}/{app}/gradio_api/upload", files={"files": ("a.csv", b"id,text\n1,hello\n")})
        assert response.status_code == 403, (app, response.status_code, response.text[:200])
