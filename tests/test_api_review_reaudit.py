"""Session 9 user trial: a theme edit through the API (rename, summary, merge, split, delete) left the run's
bias report on the themes as they were, while the same edit in /staff queues the audit again (issue 17;
docs/apps.md: "Every review edit queues a new bias audit of the reviewed themes"). Now every door queues it:
one waiting audit per run, owned by the editor, and none for an edit that failed. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from _api_support import Server, login

pytestmark = pytest.mark.slow


def _audits(server: Server) -> list[dict]:
    return [j for j in server.client.get("/api/jobs").json()
            if j["kind"] == "audit" and j["params"].get("run_id") == server.run_id]


def test_theme_edits_through_the_api_queue_the_audit_again(server: Server) -> None:
    c = server.client
    login(c, "staff1")
    themes = c.get(f"/api/runs/{server.run_id}/themes").json()
    leaves = [t for t in themes if not any(o.get("parent_id") == t["id"] for o in themes)]
    assert c.patch("/api/themes/999999", json={"label": "nothing"}).status_code == 404
    assert _audits(server) == []  # a failed edit queues nothing
    renamed = c.patch(f"/api/themes/{leaves[0]['id']}", json={"label": "Buses, trams and bikes"})
    assert renamed.status_code == 200, renamed.text
    queued = _audits(server)
    assert len(queued) == 1 and queued[0]["status"] == "queued" and queued[0]["owner"] == "staff1", queued
    assert queued[0]["params"]["group_columns"] == ["district", "age_band"]
    merged = c.post(f"/api/themes/{leaves[0]['id']}/merge", json={"source_ids": [leaves[1]["id"]]})
    assert merged.status_code == 200, merged.text
    assert c.delete(f"/api/themes/{leaves[2]['id']}").status_code == 200
    assert [j["id"] for j in _audits(server)] == [queued[0]["id"]]  # one waiting audit per run, not one per edit
