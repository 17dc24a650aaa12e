"""Screenshots of the apps for docs/screenshots/: /login, /chat (with an answer), /staff (Themes and Triage) and
/audit, each at 1400x900 (desktop) and 390x844 (phone), taken in headless Chromium (Debian's /usr/bin/chromium
driven by Playwright) from a real `civicai serve` on a fresh home that holds the analysed shipped sample.

    python scripts/screenshots.py                 # the small sample (119 rows, about two minutes)
    python scripts/screenshots.py --sample full   # the first-start sample (900 rows, several minutes)

Nothing leaves the machine; the temporary home is deleted afterwards (--keep keeps it).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "civicai" / "data" / "sample"
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
SIZES = {"desktop": (1400, 900), "phone": (390, 844)}
PASSWORD = "screenshots only 1"
QUESTION = "How much does the Rivermouth Pass cost per month?"


def prepare(home: Path, sample: str) -> str:
    """A database with the analysed sample (district and age band as group columns, audited), the plan and
    one user per role. Returns its URL."""
    from civicai.config import get_settings
    from civicai.pipeline import AnalyseOptions, run_analysis
    from civicai.plans.ingest import ingest_file
    from civicai.store.db import init_db, session_scope
    from civicai.workspace.users import create_user

    url = f"sqlite:///{home / 'civicai.db'}"
    init_db(url)
    settings = get_settings(home=str(home), database_url=url)
    print("ingesting the plan ...", flush=True)
    ingest_file(SAMPLE / "plan" / "rivermouth-climate-plan.pdf", name="rivermouth", settings=settings)
    source = SAMPLE / ("consultation.csv" if sample == "full" else "consultation_small.csv")
    print(f"analysing {source.name} ...", flush=True)
    run_analysis(AnalyseOptions(input_path=source, out_dir=home / "runs" / "sample", database_url=url,
                                group_columns=("district", "age_band"), progress=False, audit=True))
    with session_scope(url) as session:
        for name, role in (("officer", "staff"), ("auditor", "auditor")):
            create_user(session, name, PASSWORD, role)
    return url


def sign_in(page, base: str, user: str, target: str) -> None:
    page.goto(base + target)
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Signed in as", timeout=90_000)
    page.wait_for_timeout(2500)  # the first data loads after the header


def take(browser, base: str, size: str) -> list[Path]:
    from civicai.testing import ask_chat, open_first_in_triage

    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=size == "phone",
                                  has_touch=size == "phone")
    page = context.new_page()
    saved = []

    def save(name: str, full: bool = False) -> None:
        path = OUT / f"{name}-{size}.png"
        page.screenshot(path=str(path), full_page=full)
        saved.append(path)

    page.goto(base + "/login")
    page.wait_for_selector("#username")
    save("login")
    ask_chat(page, base, QUESTION, timeout_ms=240_000)
    page.wait_for_timeout(800)
    page.evaluate("window.scrollTo(0, 0)")  # the page as a resident sees it: heading, then the conversation
    page.wait_for_timeout(300)
    save("chat")
    sign_in(page, base, "officer", "/staff/")
    page.get_by_role("tab", name="Themes").click()
    page.wait_for_timeout(3000)
    save("staff-themes", full=True)
    open_first_in_triage(page)
    page.wait_for_timeout(1000)
    save("staff-triage", full=True)
    page.goto(base + "/logout")
    sign_in(page, base, "auditor", "/audit/")
    page.click("#audits [data-testid='cell-0-0']")
    page.wait_for_timeout(2000)
    save("audit", full=True)
    context.close()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", choices=("small", "full"), default="small")
    parser.add_argument("--keep", action="store_true", help="keep the temporary home (database, runs, log)")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} not found: apt-get install chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    from civicai.testing import free_port, running_server

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    home = Path(tempfile.mkdtemp(prefix="civicai-screens-"))
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        url = prepare(home, args.sample)
        port = free_port()
        env = {**os.environ, "CIVICAI_HOME": str(home), "CIVICAI_DATABASE_URL": url}
        command = [sys.executable, "-m", "civicai", "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--no-sample"]
        base = f"http://127.0.0.1:{port}"
        with running_server(command, f"{base}/health", home / "server.log", env=env), sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            started = time.monotonic()
            for size in SIZES:
                for path in take(browser, base, size):
                    print(f"wrote {path.relative_to(ROOT)}", flush=True)
            browser.close()
            print(f"screenshots took {time.monotonic() - started:.0f} s")
    finally:
        if args.keep:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
