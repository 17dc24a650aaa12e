"""A real uvicorn server on 127.0.0.1 in a background thread (what a browser or attacker talks to)."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

PASSWORD = "correct horse battery"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(app, **config) -> Iterator[str]:
    import uvicorn

    port = _port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **config))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(600):  # until it listens (a bound, not a timing assertion)
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def raw_request(base: str, data: bytes, read: int = 65536) -> bytes:
    """Send bytes as they are (no client library fixes them up) and return what the server answers."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while True:
                block = sock.recv(read)
                if not block:
                    break
                chunks.append(block)
        except TimeoutError:
            pass
        return b"".join(chunks)
