"""The staff UI's erase button (finding 1) calls the same erasure as the API and the CLI, for administrators only."""
from __future__ import annotations

import gradio as gr
import pytest
from starlette.requests import Request

from _api_support import Server, analysis_dir, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


def _request_as(server: Server, username: str) -> gr.Request:  # noqa: F811
    from sqlalchemy import select

    from civicai.store.db import session_scope
    from civicai.store.schema import User
    from civicai.workspace.users import start_session

    with session_scope(server.url) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        token, _ = start_session(session, user, 3600)
    scope = {"type": "http", "method": "POST", "path": "/staff/", "headers": [
        (b"cookie", f"civicai_session={token}".encode())], "query_string": b"", "client": ("127.0.0.1", 1)}
    return gr.Request(request=Request(scope))


def test_the_erase_button_erases_for_admins_only(server: Server) -> None:  # noqa: F811
    from sqlalchemy import select

    from civicai.store.db import session_scope
    from civicai.store.schema import Submission
    from civicai.ui.staff import build_staff

    with session_scope(server.url) as session:
        person = session.scalars(select(Submission).order_by(Submission.id)).first()
        person_id, text = person.id, person.text_redacted
    blocks = build_staff(server.ctx)
    on_erase = next(fn.fn for fn in blocks.fns.values() if getattr(fn.fn, "__name__", "") == "on_erase")

    with pytest.raises(gr.Error):
        on_erase(person_id, None, "ref 1", True, _request_as(server, "staff1"))
    with pytest.raises(gr.Error):
        on_erase(person_id, None, "ref 1", False, _request_as(server, "admin1"))  # not confirmed
    shown = on_erase(person_id, None, "ref 1", True, _request_as(server, "admin1"))
    assert text[:40] not in shown[0]
    with session_scope(server.url) as session:
        person = session.get(Submission, person_id)
        assert person.erased_at is not None and person.text_redacted == ""
        assert [(e.field, e.actor) for e in person.triage_events if e.field == "erasure"] == [("erasure", "admin1")]
