"""Issue 15 in /staff, in Chromium: a reviewer opens a submission in Triage, changes its themes and position under
"Review this submission's themes" and saves (the review is in the database, the page says what changed); "Learn
from reviews and re-map the rest" re-maps the run and lists what to review next, which opens with one click."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

import _browser_support as ui
from _browser_support import BROWSER_MARKS, choose, click_cell, shot, staff_page, wait_text

pytestmark = BROWSER_MARKS
live, browser = ui.live, ui.browser  # the shared fixtures (server with the analysed sample, Chromium)


def _submission_and_other_theme(url: str, run_id: int) -> tuple[int, str, list[str], dict]:
    """A submission holding one leaf theme of the run, its file id, its theme keys, and a leaf it does not hold."""
    from civicai.store.db import session_scope
    from civicai.store.schema import Submission, Theme, ThemeMembership

    with session_scope(url) as session:
        themes = list(session.scalars(select(Theme).where(Theme.run_id == run_id).order_by(Theme.id)))
        parents = {t.parent_id for t in themes if t.parent_id}
        leaves = {t.id: t for t in themes if t.id not in parents}
        held: dict[int, list[int]] = {}
        for m in session.scalars(select(ThemeMembership).where(ThemeMembership.theme_id.in_(list(leaves)))):
            held.setdefault(m.submission_id, []).append(m.theme_id)
        sid = min(s for s, ts in held.items() if len(ts) == 1)
        other = next(t for t in leaves.values() if t.id not in held[sid])
        external = session.get(Submission, sid).external_id
        return sid, external, [leaves[t].key for t in held[sid]], {"key": other.key, "label": other.label}


def test_review_a_submissions_themes_then_learn_and_get_what_to_review_next(live, browser) -> None:
    from civicai.store.db import session_scope
    from civicai.triage.reviews import run_reviews

    sid, external, before, other = _submission_and_other_theme(live.url, live.run_id)
    context, page = staff_page(browser, live)
    page.get_by_role("tab", name="Triage").click()
    page.fill("#submission-id textarea, #submission-id input", external)
    page.click("#open-submission")
    wait_text(page, "#submission-text", f"Submission {external}")
    page.locator("#theme-review").get_by_text("Review this submission's themes").click()  # open the accordion
    wait_text(page, "#review-state", "Not reviewed yet")
    wait_text(page, "#review-themes", f"({before[0]})")  # preselected: the themes it has now
    choose(page, "review-themes", f"({other['key']})")  # add a theme it lacks
    page.keyboard.press("Escape")
    choose(page, "review-position", "opposes")
    page.click("#save-review")

    toast = wait_text(page, "body", "Saved: themes")
    assert "position opposes" in toast and "Re-map to apply your reviews to the rest" in toast, toast
    wait_text(page, "#review-state", "Reviewed by staff1")
    with session_scope(live.url) as session:
        saved = run_reviews(session, live.run_id)[sid]
    assert saved["themes"] == [*before, other["key"]] and saved["position"] == "opposes", saved
    assert saved["actor"] == "staff1"
    wait_text(page, "#history", "theme_review")  # in the submission's append-only trail too
    shot(page, "ui-15-theme-review-saved")

    # learn from the one review: the rest are re-mapped and ten submissions are proposed, none of them reviewed
    page.click("#learn-remap")
    info = wait_text(page, "#review-next-info", "review next:", timeout=180)
    assert re.search(r"1 reviewed, \d+ submissions moved; review next: #R\d{4}", info), info
    page.wait_for_selector("#review-next [data-testid='cell-0-0']", timeout=30_000)
    proposed = page.inner_text("#review-next [data-testid='cell-0-0']").strip()
    assert re.fullmatch(r"R\d{4}", proposed) and proposed != external, proposed
    click_cell(page, "review-next", 0, 0)  # opens the proposal in the submission detail above
    wait_text(page, "#submission-text", f"Submission {proposed}")
    wait_text(page, "#review-state", "Not reviewed yet (1 submission reviewed of this run)")
    with session_scope(live.url) as session:  # the reviewed submission kept exactly the reviewer's themes
        assert run_reviews(session, live.run_id)[sid]["themes"] == [*before, other["key"]]
    shot(page, "ui-15-review-next")
    context.close()


def test_saving_with_nothing_open_is_a_warning_not_a_traceback(live, browser) -> None:
    """Saving with nothing opened says what to do, as a warning."""
    context, page = staff_page(browser, live)
    page.get_by_role("tab", name="Triage").click()
    page.locator("#theme-review").get_by_text("Review this submission's themes").click()
    page.click("#save-review")
    wait_text(page, "body", "Open a submission (and pick a run) first.")
    context.close()


@pytest.fixture(autouse=True)
def _no_traceback_left(live):
    yield
    assert "Traceback" not in live.log.read_text(encoding="utf-8", errors="replace")
