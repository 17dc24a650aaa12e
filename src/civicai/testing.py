"""Support for the test suite and the evaluation scripts (as `numpy.testing` is for numpy): start a real
server in a subprocess and wait until it answers (tests/conftest.py's `civicai llm serve`,
tests/test_e2e_browser.py and evaluation/load_test.py's `civicai serve`), and open the apps' pages in a
browser as a person does (the browser tests and scripts/screenshots.py)."""
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



# --- the apps' pages as a person opens them (Playwright pages): the browser tests and scripts/screenshots.py ---
def ask_chat(page, base: str, question: str, timeout_ms: float) -> None:  # type: ignore[no-untyped-def]
    """/chat/ with `question` asked (the Ask button) and the answer's sources opened."""
    page.goto(base + "/chat/")
    page.wait_for_selector("#question textarea", timeout=90_000)
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_selector("details.civicai-sources", timeout=timeout_ms)
    page.click("details.civicai-sources summary")


def open_first_in_triage(page) -> None:  # type: ignore[no-untyped-def]
    """On a signed-in /staff page: the Triage tab, its queue listed and the first submission opened."""
    page.get_by_role("tab", name="Triage").click()
    page.click("#show-queue")
    page.wait_for_selector("#queue [data-testid='cell-0-0']", timeout=60_000)
    page.click("#queue [data-testid='cell-0-0']")
    page.wait_for_selector("#submission-text >> text=Submission", timeout=60_000)
