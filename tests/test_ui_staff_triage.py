"""Issue 17, /staff Triage and Export in Chromium: empty tables name their columns; the queue's headers are
readable; a saved edit shows in the queue at once; the history shows tags as text and the note's text; the
"current filter" export links honour the assignee filter and the files are named after consultation, filter
and date."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import _browser_support as ui
from _browser_support import (
    BROWSER_MARKS,
    choose,
    click_cell,
    shot,
    staff_page,
    table_headers,
    table_rows,
    wait_text,
)

pytestmark = BROWSER_MARKS
live, browser = ui.live, ui.browser  # the shared fixtures (server with the analysed sample, Chromium)
# how many lines each header's text takes (a header squashed to a letter per line takes many)
HEADER_LINES = """id => [...document.querySelectorAll(`#${id} thead th`)].filter(th => th.innerText.trim()).map(th => {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT); let lines = 0, node;
    while ((node = walker.nextNode())) { if (!node.textContent.trim()) continue; const r = document.createRange();
      r.selectNodeContents(node); lines = Math.max(lines, new Set([...r.getClientRects()].map(x => Math.round(x.top))).size); }
    return [th.innerText.trim(), lines]; })"""


def test_triage_queue_history_and_exports(live, browser) -> None:
    context, page = staff_page(browser, live)
    page.get_by_role("tab", name="Triage").click()
    # before anything is opened the history has its real column names, not "1 2 3" (issue 17)
    page.wait_for_selector("#history thead th", timeout=30_000)
    assert table_headers(page, "history")[:3] == ["when", "who", "field"], table_headers(page, "history")

    page.click("#show-queue")
    page.wait_for_selector("#queue [data-testid='cell-0-0']", timeout=60_000)
    headers = dict(page.evaluate(HEADER_LINES, "queue"))
    assert headers.get("assignee") == 1 and headers.get("tags") == 1, headers  # not a letter per line
    first = table_rows(page, "queue")[0]
    assert re.fullmatch(r"R\d{4}", first[0]), first  # the file's own id, no database id beside it

    click_cell(page, "queue", 0, 0)
    wait_text(page, "#submission-text", f"Submission {first[0]}")
    choose(page, "triage-status", "in_review")
    page.fill("#triage-assignee textarea, #triage-assignee input", "staff1")
    page.fill("#triage-tags textarea, #triage-tags input", "flood, insurance")
    page.fill("#triage-notes textarea", "Phoned back about the dike works")
    page.click("#save-triage")
    wait_text(page, "#history", "in_review")
    # the queue above shows the saved status and assignee without pressing "Show queue" again (issue 17)
    for _ in range(60):
        row = next((r for r in table_rows(page, "queue") if r and r[0] == first[0]), [])
        if "staff1" in row:
            break
        page.wait_for_timeout(500)
    assert "staff1" in row and "in_review" in row, row
    history = page.inner_text("#history")
    assert "flood, insurance" in history and '["' not in history, history  # tags as text, not JSON
    assert "Phoned back about the dike works" in history, history  # the note's text, to staff who may read it
    shot(page, "ui-17-triage-saved")

    # export of the current filter: the assignee filter is part of it (issue 17: the links dropped it)
    page.fill("#queue-assignee textarea, #queue-assignee input", "staff1")
    page.click("#show-queue")
    wait_text(page, "#queue-info", "1 submissions match")
    page.get_by_role("tab", name="Export").click()
    filtered = page.locator("#exports a", has_text="CSV").nth(1).get_attribute("href")
    assert "assignee=staff1" in filtered, filtered
    response = page.request.get(live.base + filtered)
    assert response.ok, response.text()
    name = re.search(r'filename="?([^";]+)', response.headers["content-disposition"]).group(1)
    assert "assignee-staff1" in name and date.today().isoformat() in name and "consultation" in name, name
    rows = list(csv.DictReader(io.StringIO(response.body().decode("utf-8-sig"))))
    assert [r["external_id"] for r in rows] == [first[0]] and rows[0]["assignee"] == "staff1", rows
    everything = page.locator("#exports a", has_text="CSV").first.get_attribute("href")
    other = page.request.get(live.base + everything).headers["content-disposition"]
    assert "_all_" in other and name not in other, other  # two exports, two names
    shot(page, "ui-17-export")
    context.close()


def test_an_unknown_id_clears_the_opened_submission(live, browser) -> None:
    """Typing an id the consultation does not have left the previous submission on screen, as if it were the one
    asked for (user trial); now the panel is cleared and a warning names the id."""
    context, page = staff_page(browser, live)
    page.get_by_role("tab", name="Triage").click()
    page.fill("#submission-id textarea, #submission-id input", "R0002")
    page.click("#open-submission")
    wait_text(page, "#submission-text", "Submission R0002")
    page.fill("#submission-id textarea, #submission-id input", "R9999")
    page.click("#open-submission")
    wait_text(page, "#submission-text", "Select a submission")
    assert "R0002" not in page.inner_text("#submission-text")
    wait_text(page, "body", "R9999")  # the warning names what was not found
    page.fill("#submission-id textarea, #submission-id input", " r0002 ")  # typed as people type: case folded
    page.click("#open-submission")
    wait_text(page, "#submission-text", "Submission R0002")
    context.close()
