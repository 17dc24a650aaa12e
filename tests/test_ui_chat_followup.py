"""Issue 13, /chat in Chromium as a resident asks: "What does the plan do for cycling?", then "and how much does
that cost?", then "and when will it be finished?". The first follow-up must quote the cycling budget (it once
quoted the energy coaches' EUR 6 million); the second leans on a turn that was itself a follow-up, so the page
must keep the whole conversation (it used to pass only the previous question, and got "what do you mean?")."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

import _browser_support as ui
from _api_support import copy_plan
from _browser_support import BROWSER_MARKS, shot

pytestmark = BROWSER_MARKS
browser = ui.browser  # the shared Chromium fixture


@pytest.fixture(scope="module")
def chat_server(tmp_path_factory: pytest.TempPathFactory, plan_source_url: str) -> Iterator[str]:
    """`civicai serve` on a fresh database that holds only the shipped plan: the chat needs nothing else."""
    from civicai.store.db import init_db

    home = tmp_path_factory.mktemp("followup-home")
    url = f"sqlite:///{home / 'civicai.db'}"
    init_db(url)
    copy_plan(plan_source_url, url)
    yield from ui.serve(home, url)


def _ask(page, question: str, answers_before: int) -> str:
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(f"document.querySelectorAll('details.civicai-sources').length > {answers_before}",
                           timeout=180_000)
    return page.locator("details.civicai-sources").last.evaluate("e => e.parentElement.innerText")


def test_follow_up_in_the_chat_quotes_what_the_earlier_question_was_about(chat_server: str, browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(chat_server + "/chat/")
    page.wait_for_selector("#question textarea", timeout=90_000)
    _ask(page, "What does the plan do for cycling?", 0)
    page.locator("details.civicai-sources").last.evaluate("e => e.open = true")
    answer = _ask(page, "and how much does that cost?", 1)
    page.locator("details.civicai-sources").last.evaluate("e => e.open = true")
    text = page.locator("details.civicai-sources").last.evaluate("e => e.parentElement.innerText")
    assert "EUR 38 million" in text and "EUR 6 million" not in text, answer
    finished = _ask(page, "and when will it be finished?", 2)
    page.locator("details.civicai-sources").last.evaluate("e => e.open = true")
    page.locator("details.civicai-sources").last.scroll_into_view_if_needed()
    shot(page, "ui-13-chat-follow-up")
    text = page.locator("details.civicai-sources").last.evaluate("e => e.parentElement.innerText")
    assert "cycl" in text.lower(), finished  # still about cycling, three turns in
    context.close()
