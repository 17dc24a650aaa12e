"""Issue 17, /staff Theme detail and review in Chromium: a merge recomputes the merged theme's position and
language counts and the Themes tab shows it without a page reload; clicking a quote opens it in Triage and
brings the Triage tab up; people see the file's own ids."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

import _browser_support as ui
from _browser_support import BROWSER_MARKS, choose, click_cell, shot, staff_page, wait_text

pytestmark = BROWSER_MARKS
live, browser = ui.live, ui.browser  # the shared fixtures (server with the analysed sample, Chromium)


def _two_sibling_leaves(url: str, run_id: int) -> tuple[dict, dict]:
    """Two themes with the same parent and no sub-themes of their own, the larger first."""
    from civicai.store.db import session_scope
    from civicai.store.schema import Theme

    with session_scope(url) as session:
        themes = list(session.scalars(select(Theme).where(Theme.run_id == run_id)))
        parents = {t.parent_id for t in themes if t.parent_id}
        leaves = [t for t in themes if t.id not in parents]
        by_parent: dict = {}
        for t in leaves:
            by_parent.setdefault(t.parent_id, []).append(t)
        group = max(by_parent.values(), key=len)
        assert len(group) >= 2, "the sample run has no two sibling themes to merge"
        first, second = sorted(group, key=lambda t: -t.size)[:2]
        return ({"id": first.id, "label": first.label}, {"id": second.id, "label": second.label})


def test_merge_recomputes_counts_and_redraws_the_themes_tab(live, browser) -> None:
    target, source = _two_sibling_leaves(live.url, live.run_id)
    context, page = staff_page(browser, live)
    page.get_by_role("tab", name="Themes").click()
    wait_text(page, "#themes-table", source["label"][:20])
    page.get_by_role("tab", name="Theme detail & review").click()
    choose(page, "theme", f"{target['id']} ·")
    wait_text(page, "#theme-detail", target["label"][:20])
    page.locator("#review").get_by_text("Review this theme").click()  # open the accordion
    choose(page, "merge-with", f"{source['id']} ·")
    page.click("#merge")
    wait_text(page, "#theme", f"{target['id']} ·")

    # the merged theme's position and language counts describe its new members (issue 17: the old 81 of 129)
    theme = page.request.get(f"{live.base}/api/themes/{target['id']}").json()
    assert sum(theme["sentiment"].values()) == theme["size"], theme["sentiment"]
    assert sum(theme["languages"].values()) == theme["size"], theme["languages"]
    detail = wait_text(page, "#theme-detail", f"Size: {theme['size']}")
    shown = re.search(r"Position:\s*([^·\n]+)", detail).group(1)
    assert sum(int(n) for n in re.findall(r"\d+", shown)) == theme["size"], detail

    # the Themes tab changed without a reload: the source theme's row is gone, the target's size is new
    page.get_by_role("tab", name="Themes").click()
    deadline_rows = None
    for _ in range(60):
        text = page.inner_text("#themes-table")
        if source["label"][:20] not in text:
            deadline_rows = text
            break
        page.wait_for_timeout(500)
    assert deadline_rows is not None, "the merged-away theme is still listed on the Themes tab"
    shot(page, "ui-17-after-merge-themes")
    context.close()


def test_clicking_a_quote_opens_it_in_triage_with_its_file_id(live, browser) -> None:
    context, page = staff_page(browser, live)
    page.get_by_role("tab", name="Theme detail & review").click()
    page.wait_for_selector("#quotes [data-testid='cell-0-0']", timeout=60_000)
    quoted = page.inner_text("#quotes [data-testid='cell-0-0']").strip()
    assert re.fullmatch(r"R\d{4}", quoted), quoted  # the file's own id
    click_cell(page, "quotes", 0, 1)
    # the Triage tab comes up by itself (issue 17: the quote loaded out of sight)
    page.wait_for_selector("button[role=tab][aria-selected=true]:has-text('Triage')", timeout=30_000)
    text = wait_text(page, "#submission-text", f"Submission {quoted}")
    assert not re.search(r"Submission \d+ \(", text), text  # one id, the file's, not "337 (R0346)"
    # members show the file's id too, with no database-id column beside it
    page.get_by_role("tab", name="Theme detail & review").click()
    page.wait_for_selector("#members [data-testid='cell-0-0']", timeout=60_000)
    assert re.fullmatch(r"R\d{4}", page.inner_text("#members [data-testid='cell-0-0']").strip())
    shot(page, "ui-17-quote-opened")
    context.close()


def test_every_tab_is_in_view_on_a_phone(live, browser) -> None:
    """A phone showed two tabs and hid the rest behind a "..." menu: they wrap onto a second line instead."""
    context, page = staff_page(browser, live, 390, 844)
    tabs = page.evaluate("""() => [...document.querySelectorAll('#tabs button[role=tab]')].map(b => {
        const r = b.getBoundingClientRect(); return [b.innerText.trim(), r.width > 0 && r.right <= innerWidth]; })""")
    assert [name for name, shown in tabs if shown] == ["Upload & analyse", "Themes", "Theme detail & review",
                                                       "Triage", "Export"], tabs
    page.get_by_role("tab", name="Export").click()  # reachable with one tap
    shot(page, "ui-17-staff-phone-tabs")
    context.close()


@pytest.fixture(autouse=True)
def _no_traceback_left(live):
    yield
    assert "Traceback" not in live.log.read_text(encoding="utf-8", errors="replace")
