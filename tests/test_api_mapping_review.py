"""API of the reviewed mapping on a real analysis of the shipped sample: staff review, remap, list; auditors may
read but not review."""
from __future__ import annotations

import pytest

from _api_support import Server, login

pytestmark = pytest.mark.slow


def test_staff_review_remap_and_list(server: Server) -> None:
    c = server.client
    login(c, "staff1")
    themes = [t for t in c.get(f"/api/runs/{server.run_id}/themes").json() if t.get("level", "theme") == "theme"]
    keys = [t["key"] for t in themes]
    subs = c.get("/api/submissions", params={"consultation_id": server.consultation_id, "limit": 5}).json()["items"]
    target = subs[0]["id"]
    done = c.post(f"/api/runs/{server.run_id}/submissions/{target}/review",
                  json={"themes": [keys[-1]], "position": "opposes", "note": "checked"})
    assert done.status_code == 200, done.text
    assert done.json()["themes"] == [keys[-1]]
    bad = c.post(f"/api/runs/{server.run_id}/submissions/{target}/review", json={"themes": ["no-such-theme"]})
    assert bad.status_code == 422 and "unknown theme keys" in bad.text
    remapped = c.post(f"/api/runs/{server.run_id}/reviews/remap", json={"suggest": 5})
    assert remapped.status_code == 200, remapped.text
    body = remapped.json()
    assert body["reviewed"] == 1 and len(body["review_next"]) == 5 and target not in body["review_next"]
    listed = c.get(f"/api/runs/{server.run_id}/reviews").json()["reviews"]
    assert listed == [{"submission_id": target, "themes": [keys[-1]], "position": "opposes", "actor": "staff1",
                       "at": listed[0]["at"], "before": done.json()["previous"]}]  # what the run said before
    detail = c.get(f"/api/submissions/{target}", params={"run_id": server.run_id}).json()
    assert detail["sentiment"] == "opposes"


def test_auditors_read_but_do_not_review(server: Server) -> None:
    c = server.client
    login(c, "audit1")
    assert c.get(f"/api/runs/{server.run_id}/reviews").status_code == 200
    assert c.post(f"/api/runs/{server.run_id}/reviews/remap", json={}).status_code == 403
