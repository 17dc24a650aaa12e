"""Finding 9: citizen text is shown as text in the staff UI. A submission holding Markdown or HTML that would make
the staff member's browser fetch a URL or follow a link renders as inert text in Triage and Theme detail."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from _api_support import Server

pytestmark = pytest.mark.slow
PAYLOAD = ("Fix the drains ![x](http://attacker.example/p.png) and [click here](http://attacker.example/login) "
           "<img src=http://attacker.example/q.png> <a href='http://attacker.example/'>a</a> **bold**")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.found.append((tag, dict(attrs)))


def _what_the_browser_gets(kind: str, value: str) -> list[tuple[str, dict]]:
    """The elements a component of this kind puts on the page (Gradio's Markdown renders CommonMark + raw HTML)."""
    if kind == "markdown":
        from markdown_it import MarkdownIt

        value = MarkdownIt("commonmark").render(value)
    parser = _Tags()
    parser.feed(value)
    return parser.found


def _outputs(blocks, name: str):
    for fn in blocks.fns.values():
        if getattr(fn.fn, "__name__", "") == name:
            return fn.fn, fn.outputs
    raise AssertionError(f"no callback {name}")


def test_submission_and_theme_text_is_never_interpreted(server: Server) -> None:
    from sqlalchemy import select

    from civicai.store.db import session_scope
    from civicai.store.schema import Submission, Theme
    from civicai.ui.staff import build_staff

    with session_scope(server.url) as session:
        person = session.scalars(select(Submission).order_by(Submission.id)).first()
        person.text_redacted = PAYLOAD
        theme = session.scalars(select(Theme).where(Theme.run_id == server.run_id)).first()
        theme.label, theme.summary = "Drains ![t](http://attacker.example/t.png)", PAYLOAD
        person_id, theme_id, theme_key = person.id, theme.id, theme.label
    blocks = build_staff(server.ctx)

    open_submission, outputs = _outputs(blocks, "open_submission")
    shown = open_submission(person_id, None)[0]
    kind = outputs[0].get_block_name()
    for tag, attrs in _what_the_browser_gets(kind, shown):
        assert tag not in ("img", "a", "script", "iframe"), (kind, tag, attrs)
        assert not any("attacker.example" in str(v) for v in attrs.values()), (kind, tag, attrs)
    assert "attacker.example/p.png" in shown  # still there, as text for staff to read

    on_theme, outputs = _outputs(blocks, "on_theme")
    shown = on_theme(f"{theme_id} · {theme_key}", None, "", "", "", "")[0]
    kind = outputs[0].get_block_name()
    for tag, attrs in _what_the_browser_gets(kind, shown):
        assert tag not in ("img", "a", "script", "iframe"), (kind, tag, attrs)
