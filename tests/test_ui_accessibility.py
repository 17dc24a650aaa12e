"""Issue 17: an automated accessibility check of every app. axe-core (the engine behind Deque's axe, bundled
as axe.min.js in the axe-playwright-python package, MPL-2.0) runs in Chromium on /login, /chat, /staff and
/audit, each at desktop and phone size, and must find no serious or critical violation."""
from __future__ import annotations

import json

import pytest

import _browser_support as ui
from _browser_support import ARTIFACTS, BROWSER_MARKS, login, wait_text
from civicai.testing import ask_chat, open_first_in_triage

pytestmark = BROWSER_MARKS
live, browser = ui.live, ui.browser  # the shared fixtures (server with the analysed sample, Chromium)
SIZES = {"desktop": (1400, 900), "phone": (390, 844)}


def _axe(page) -> list[dict]:
    axe_playwright = pytest.importorskip("axe_playwright_python.sync_playwright",
                                         reason="pip install axe-playwright-python (the [dev] extra)")
    results = axe_playwright.Axe().run(page, options={"resultTypes": ["violations"],
                                                      "runOnly": {"type": "tag", "values": [
                                                          "wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                          "best-practice"]}})
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in results.response["violations"]]


def _ensure_audit(page, live) -> None:
    """An auditor's first screen lists bias reports: staff start one of the fixture's run (as the first start's
    automatic audit would) unless one exists, and it is waited for, so the page is judged with its table."""
    login(page, live.base)
    if not page.request.get(f"{live.base}/api/audits").json():
        csrf = page.request.get(f"{live.base}/api/auth/me").json()["csrf_token"]
        answer = page.request.post(f"{live.base}/api/runs/{live.run_id}/audit", headers={"X-CSRF-Token": csrf},
                                   data={"group_columns": ["district", "age_band"]})
        assert answer.ok, answer.text()
        job_id = answer.json()["job_id"]
        for _ in range(600):
            job = page.request.get(f"{live.base}/api/jobs/{job_id}").json()
            if job["status"] in ("done", "failed"):
                break
            page.wait_for_timeout(500)
        assert job["status"] == "done", job
    page.goto(live.base + "/logout")


def _open(page, live, app: str) -> None:
    if app == "login":
        page.goto(live.base + "/login")
        page.wait_for_selector("#username")
    elif app == "chat":
        page.goto(live.base + "/chat/")
        page.wait_for_selector("#question textarea", timeout=90_000)
    elif app == "staff":
        login(page, live.base)
        wait_text(page, "#run", f"{live.run_id} ·")
        page.wait_for_timeout(1500)
    else:
        _ensure_audit(page, live)
        login(page, live.base, "audit1", "/audit/")
        page.wait_for_selector("#audits", timeout=60_000)
        page.wait_for_timeout(1500)


def _open_more(page, live, state: str) -> None:
    """Views past the first screen: an answer with its sources open; the triage queue with a submission open."""
    if state == "chat-answer":
        ask_chat(page, live.base, "How much does the Rivermouth Pass cost per month?", timeout_ms=180_000)
    else:
        _open(page, live, "staff")
        open_first_in_triage(page)
    page.wait_for_timeout(1000)


def _assert_no_serious_violation(browser, size: str, name: str, open_view) -> None:  # type: ignore[no-untyped-def]
    """Open a view with `open_view(page)` at `size`, run axe, keep its findings in tests/artifacts/axe-NAME-SIZE.json
    and fail on any serious or critical one."""
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=size == "phone")
    page = context.new_page()
    open_view(page)
    violations = _axe(page)
    (ARTIFACTS / f"axe-{name}-{size}.json").write_text(json.dumps(violations, indent=1), encoding="utf-8")
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(serious, indent=1)
    context.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("state", ["chat-answer", "staff-triage"])
def test_no_serious_violation_further_in(live, browser, state: str, size: str) -> None:
    _assert_no_serious_violation(browser, size, state, lambda page: _open_more(page, live, state))


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("app", ["login", "chat", "staff", "audit"])
def test_no_serious_accessibility_violation(live, browser, app: str, size: str) -> None:
    _assert_no_serious_violation(browser, size, app, lambda page: _open(page, live, app))


def test_api_docs_render_from_the_server_alone(live, browser) -> None:
    """/docs draws the API in Chromium with every file from civicai's own server (a city network may have no
    internet; FastAPI's default page pulled a floating Swagger UI from a CDN)."""
    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(live.base + "/docs")
        page.wait_for_selector(".opblock", timeout=60_000)
        assert page.locator(".opblock").count() > 20  # the API's operations, listed
        assert "/api/chat" in page.inner_text("body")
        assert requested and all(url.startswith(live.base) or url.startswith("data:") for url in requested), \
            [url for url in requested if not url.startswith(live.base)]
    finally:
        context.close()
