"""The 'Lower' findings: a stale triage edit gets 409 (not a silent overwrite); run outputs are written whole or
not at all; the HTML export carries a sandbox CSP; the anonymous chat never shows exception text; stored chat
feedback is redacted and capped."""
from __future__ import annotations

from pathlib import Path

import pytest

from _api_support import Server, analysis_dir, login, server  # noqa: F401  (fixtures)


@pytest.mark.slow
def test_a_stale_triage_edit_gets_409_and_the_export_html_is_sandboxed(server: Server) -> None:  # noqa: F811
    c = server.client
    login(c, "staff1")
    item = c.get("/api/submissions", params={"consultation_id": server.consultation_id, "limit": 1}).json()["items"][0]
    seen = item["version"]
    first = c.patch(f"/api/submissions/{item['id']}", json={"status": "in_review", "version": seen})
    assert first.status_code == 200, first.text
    stale = c.patch(f"/api/submissions/{item['id']}", json={"notes": "my older view", "version": seen})
    assert stale.status_code == 409, stale.text
    assert "changed by someone else" in stale.json()["detail"]
    assert c.get(f"/api/submissions/{item['id']}").json()["notes"] is None  # nothing overwritten
    fresh = c.patch(f"/api/submissions/{item['id']}", json={"notes": "now", "version": first.json()["version"]})
    assert fresh.status_code == 200

    for params in ({"consultation_id": server.consultation_id, "run_id": server.run_id},
                   {"consultation_id": server.consultation_id, "status": "in_review"}):
        html = c.get("/api/exports/html", params=params)
        assert html.status_code == 200
        assert "sandbox" in html.headers["content-security-policy"], params


def test_outputs_are_written_whole_or_not_at_all(tmp_path: Path) -> None:
    from civicai.export import write_csv, write_xlsx

    for writer, name in ((write_csv, "assignments.csv"), (write_xlsx, "assignments.xlsx")):
        path = tmp_path / name
        writer(path, [{"id": 1, "text": "the previous, complete file"}], ["id", "text"])
        before = path.read_bytes()

        def crashing():
            yield {"id": 2, "text": "half"}
            raise OSError("disk full")  # the process dies mid-write

        with pytest.raises(OSError):
            writer(path, crashing(), ["id", "text"])
        assert path.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(name)) == [name]


def test_anonymous_chat_errors_show_no_exception_text() -> None:
    from civicai.ui.common import friendly

    shown = str(friendly(RuntimeError("sqlite3.OperationalError at /srv/civicai/home/civicai.db"), public=True))
    assert "sqlite" not in shown and "/srv" not in shown


def test_feedback_is_redacted_and_capped(tmp_path: Path) -> None:
    from civicai.store.db import init_db, session_scope
    from civicai.workspace.chat import MAX_ANSWER_CHARS, store_feedback

    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    init_db(url)
    answer = "Write to me at jane.doe@example.org or call +44 20 7946 0958. " + "x" * 20_000
    with session_scope(url) as session:
        row = store_feedback(session, question="When will the buses be electric?", answer=answer, rating=-1,
                             plan_id=None, language="en")
        stored = row.answer
    assert len(stored) <= MAX_ANSWER_CHARS
    assert "jane.doe@example.org" not in stored and "7946" not in stored
