"""Shared setup of the issue-17 browser tests (tests/test_ui_*.py): Debian's Chromium driven by Playwright
against a real `civicai serve` on a database that already holds the analysed small sample (with its district
and age-band group columns), the shipped plan and one user per role. The analysis comes from the session's
`analysis_dir` checkpoints (the real pipeline; set CIVICAI_TEST_RUN_CACHE to keep them between sessions)."""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from _api_support import PASSWORD, SMALL_CSV, add_user, copy_plan
from civicai.testing import ServerStartError, free_port, running_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
BROWSER_MARKS = [pytest.mark.browser, pytest.mark.slow,
                 pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at "
                                    "/usr/bin/chromium (apt-get install chromium); the browser tests need it")]
USERS = (("staff1", "staff"), ("audit1", "auditor"), ("admin1", "admin"))


@dataclass
class Live:
    base: str
    url: str  # the database
    home: Path
    run_id: int
    consultation_id: int

    @property
    def log(self) -> Path:
        return self.home / "server.log"


def plan_database(home: Path, plan_source_url: str, users: tuple[tuple[str, str], ...] = ()) -> str:
    """A fresh SQLite database in `home` holding the shipped plan and `users` ((name, role) pairs): its URL."""
    from civicai.store.db import init_db

    url = f"sqlite:///{home / 'civicai.db'}"
    init_db(url)
    copy_plan(plan_source_url, url)
    for name, role in users:
        add_user(url, name, role)
    return url


def analysed_database(home: Path, analysis_dir: Path, plan_source_url: str) -> tuple[str, int, int]:
    """A fresh SQLite database with the analysed small sample, the plan and the users: (url, run, consultation)."""
    from civicai.pipeline import AnalyseOptions, run_analysis
    from civicai.store.db import session_scope
    from civicai.store.schema import AnalysisRun

    url = plan_database(home, plan_source_url)
    result = run_analysis(AnalyseOptions(input_path=SMALL_CSV, out_dir=analysis_dir, database_url=url,
                                         group_columns=("district", "age_band"), progress=False))
    for name, role in USERS:
        add_user(url, name, role)
    with session_scope(url) as session:
        consultation_id = session.get(AnalysisRun, result.run_id).consultation_id
    return url, result.run_id, consultation_id


def serve(home: Path, url: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "CIVICAI_HOME": str(home), "CIVICAI_DATABASE_URL": url, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "civicai", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-sample"]
    base = f"http://127.0.0.1:{port}"
    try:
        with running_server(command, f"{base}/health", home / "server.log", env=env):
            yield base
    except ServerStartError as exc:
        pytest.fail(f"civicai serve did not start: {exc}")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, analysis_dir: Path, plan_source_url: str) -> Iterator[Live]:
    home = tmp_path_factory.mktemp("ui-home")
    url, run_id, consultation_id = analysed_database(home, analysis_dir, plan_source_url)
    for base in serve(home, url):
        yield Live(base, url, home, run_id, consultation_id)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield instance
        instance.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page, base: str, user: str = "staff1", target: str = "/staff/", screenshot: str | None = None) -> None:
    """Sign in through the form; `screenshot` saves the filled-in form under that name first."""
    page.goto(base + target)
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    if screenshot:
        shot(page, screenshot)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Signed in as", timeout=90_000)


def staff_page(browser, live: Live, width: int = 1400, height: int = 900):
    """A signed-in staff page with the sample's consultation and run loaded."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    login(page, live.base)
    wait_text(page, "#run", f"{live.run_id} ·")
    return context, page


def choose(page, elem_id: str, option: str) -> None:
    """Pick an option of a Gradio dropdown by its text."""
    page.click(f"#{elem_id} input")
    page.locator("ul[role=listbox] li", has_text=option).first.click()


def wait_text(page, selector: str, text: str, timeout: float = 60.0) -> str:
    """Wait until the element's text (or an input's value inside it) holds `text`; returns what it holds."""
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        seen = page.evaluate("""s => { const e = document.querySelector(s); if (!e) return '';
            const inputs = [...e.querySelectorAll('input, textarea')].map(i => i.value).join(' ');
            return e.innerText + ' ' + inputs; }""", selector)
        if text in seen:
            return seen
        time.sleep(0.5)
    raise AssertionError(f"{selector} never showed {text!r}; it showed {seen[:500]!r}")


def table_rows(page, elem_id: str) -> list[list[str]]:
    """The visible rows of a Gradio table, cell texts."""
    return page.evaluate("""id => { const rows = {};
        for (const cell of document.querySelectorAll(`#${id} [data-testid^="cell-"]`)) {
          const m = cell.getAttribute('data-testid').match(/^cell-(\\d+)-(\\d+)$/); if (!m) continue;
          (rows[m[1]] = rows[m[1]] || [])[+m[2]] = cell.innerText.trim(); }
        return Object.keys(rows).sort((a, b) => a - b).map(k => rows[k]); }""", elem_id)


def table_headers(page, elem_id: str) -> list[str]:
    return page.evaluate("""id => [...document.querySelectorAll(`#${id} thead th`)].map(th => th.innerText.trim())
        .filter(t => t.length)""", elem_id)


def click_cell(page, elem_id: str, row: int, column: int = 0) -> None:
    page.click(f"#{elem_id} [data-testid='cell-{row}-{column}']")
