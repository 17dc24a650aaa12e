"""Support for the test suite and the evaluation scripts (as `numpy.testing` is for numpy): start a real
server in a subprocess and wait until it answers (tests/conftest.py's `civicai llm serve`,
tests/test_e2e_browser.py and evaluation/load_test.py's `civicai serve`)."""
from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path


class ServerStartError(RuntimeError):
    """The server exited or did not answer in time; the message ends with the tail of its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(command: Sequence[str], ready_url: str, log_path: Path, *, env: Mapping[str, str] | None = None,
                   timeout_s: float = 180) -> Iterator[subprocess.Popen]:
    """Start `command`, wait until GET `ready_url` answers 200, yield the process, stop it on exit."""
    import httpx

    def fail(why: str) -> ServerStartError:
        tail = log_path.read_text(errors="replace")[-3000:] if log_path.is_file() else ""
        return ServerStartError(f"{' '.join(command[:4])} ...: {why}\n{tail}")

    with log_path.open("wb") as log:
        process = subprocess.Popen(list(command), env=None if env is None else dict(env), stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if process.poll() is not None:
                    raise fail(f"exited with code {process.returncode}")
                try:
                    if httpx.get(ready_url, timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise fail(f"{ready_url} did not answer within {timeout_s:.0f} s")
                time.sleep(0.5)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

