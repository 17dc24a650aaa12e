"""API tests of the staff workspace on a real analysis of the shipped sample: consultations, runs, themes and
the review loop, submissions and triage with their append-only history, exports; on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io

import pytest

from _api_support import Server, login

pytestmark = pytest.mark.slow


def _themes(s: Server) -> list[dict]:
    return s.client.get(f"/api/runs/{s.run_id}/themes").json()


def test_reading_endpoints_need_a_login_and_a_role(server: Server) -> None:
    c = server.client
    for path in ("/api/consultations", f"/api/consultations/{server.consultation_id}", "/api/runs",
                 f"/api/runs/{server.run_id}", f"/api/runs/{server.run_id}/manifest", f"/api/runs/{server.run_id}/map",
                 f"/api/runs/{server.run_id}/themes", "/api/submissions", "/api/jobs", "/api/triage/events",
                 f"/api/exports/csv?consultation_id={server.consultation_id}", "/api/audits", "/api/model-cards"):
        assert c.get(path).status_code == 401, path
    login(c, "audit1")  # auditors may read the workspace, never change it
    assert c.get("/api/consultations").status_code == 200
    themes = _themes(server)
    sub = c.get("/api/submissions", params={"consultation_id": server.consultation_id, "limit": 1}).json()["items"][0]
    for method, path, body in (("patch", f"/api/submissions/{sub['id']}", {"status": "closed"}),
                               ("post", "/api/submissions/bulk", {"ids": [sub["id"]], "status": "closed"}),
                               ("patch", f"/api/themes/{themes[0]['id']}", {"label": "x"}),
                               ("delete", f"/api/themes/{themes[0]['id']}", None),
                               ("post", f"/api/runs/{server.run_id}/remap", None)):
        response = c.request(method.upper(), path, json=body)
        assert response.status_code == 403, (path, response.text)


def test_consultation_runs_themes_and_map(server: Server) -> None:
    c = server.client
    login(c, "staff1")
    consultations = c.get("/api/consultations").json()
    assert consultations[0]["submissions"] > 50 and consultations[0]["latest_run_id"] == server.run_id
    detail = c.get(f"/api/consultations/{server.consultation_id}").json()
    assert set(detail["groups"]) >= {"district", "age_band"}
    assert detail["runs"][0]["counts"]["submissions"] == consultations[0]["submissions"]
    manifest = c.get(f"/api/runs/{server.run_id}/manifest").json()
    assert manifest["models"]["embedder"] and manifest["seed"] == 0
    themes = _themes(server)
    assert len(themes) >= 2 and all(t["label"] and t["size"] >= 0 for t in themes)
    points = c.get(f"/api/runs/{server.run_id}/map").json()
    assert len(points) > 50 and {"x", "y", "theme", "text"} <= set(points[0])
    labels = {t["label"] for t in themes}
    assert {p["theme"] for p in points} - {"(unassigned)"} <= labels
    assert c.get("/api/runs/99999").status_code == 404
    assert c.get("/api/consultations/99999").json()["detail"] == "consultation 99999 does not exist"
    assert c.get("/api/runs/abc").status_code == 422


def test_theme_detail_filters_and_review_loop(server: Server) -> None:
    c = server.client
    login(c, "staff1")
    themes = sorted(_themes(server), key=lambda t: -t["size"])
    big, other, third = themes[0], themes[1], themes[2]
    detail = c.get(f"/api/themes/{big['id']}").json()
    # members include duplicate and campaign copies: size counts distinct voices, weight counts the copies
    assert big["size"] <= detail["members_total"] <= big["weight"] and detail["quotes"]
    quoted = detail["quotes"][0]["submission_id"]
    assert c.get(f"/api/submissions/{quoted}").json()["text"] == detail["quotes"][0]["text"]
    language = detail["members"][0]["language"]
    only = c.get(f"/api/themes/{big['id']}", params={"language": language}).json()
    assert only["members_total"] <= detail["members_total"] and all(m["language"] == language for m in only["members"])
    assert c.get(f"/api/themes/{big['id']}", params={"status": "nonsense"}).status_code == 422
    bad_group = c.get(f"/api/themes/{big['id']}", params={"group": "district"})
    assert bad_group.status_code == 422 and "COLUMN:VALUE" in bad_group.json()["detail"]

    renamed = c.patch(f"/api/themes/{big['id']}", json={"label": "Cycling network", "summary": "Edited."}).json()
    assert renamed["label"] == "Cycling network" and renamed["summary"] == "Edited."
    assert c.patch(f"/api/themes/{big['id']}", json={}).status_code == 422
    assert c.patch(f"/api/themes/{big['id']}", json={"label": ""}).status_code == 422
    assert c.patch(f"/api/themes/{big['id']}", json={"colour": "red"}).status_code == 422

    members = c.get(f"/api/themes/{big['id']}", params={"limit": 500}).json()["members"]
    moved = [m["id"] for m in members[:2]]
    new = c.post(f"/api/themes/{big['id']}/split", json={"submission_ids": moved, "label": "Split part"})
    assert new.status_code == 201 and new.json()["weight"] == 2
    outsider = c.post(f"/api/themes/{big['id']}/split", json={"submission_ids": [other["id"] * 0 + 10**9],
                                                               "label": "x"})
    assert outsider.status_code == 422 and "not in theme" in outsider.json()["detail"]
    history = c.get(f"/api/submissions/{moved[0]}/history").json()
    assert history[0]["field"] == "theme" and history[0]["actor"] == "staff1" and history[0]["note"] == "split"

    before = {t["id"]: t["size"] for t in _themes(server)}
    merged = c.post(f"/api/themes/{other['id']}/merge", json={"source_ids": [third["id"]]}).json()
    assert merged["size"] >= max(before[other["id"]], before[third["id"]])
    assert third["id"] not in {t["id"] for t in _themes(server)}
    assert c.post(f"/api/themes/{other['id']}/merge", json={"source_ids": []}).status_code == 422
    assert c.post(f"/api/themes/{other['id']}/merge", json={"source_ids": [other["id"]]}).status_code == 422

    deleted = c.delete(f"/api/themes/{new.json()['id']}").json()
    assert deleted["unassigned"] == 2
    unassigned = c.get("/api/submissions", params={"run_id": server.run_id, "consultation_id":
                                                   server.consultation_id, "unassigned": True, "limit": 500}).json()
    assert set(moved) <= {s["id"] for s in unassigned["items"]}
    log = c.get(f"/api/runs/{server.run_id}").json()["review_log"]
    assert [e["action"] for e in log] == ["rename", "edit_summary", "split", "merge", "delete"]
    assert all(e["actor"] == "staff1" for e in log)
    assert c.delete("/api/themes/99999").status_code == 404


def test_remap_starts_a_job_with_the_edited_themes(server: Server) -> None:
    import json

    c = server.client
    login(c, "staff1")
    theme = _themes(server)[0]
    c.patch(f"/api/themes/{theme['id']}", json={"label": "Renamed by staff"})
    job_id = c.post(f"/api/runs/{server.run_id}/remap").json()["job_id"]
    job = c.get(f"/api/jobs/{job_id}").json()
    assert job["kind"] == "remap" and job["status"] == "queued"  # this app runs no jobs; test_api_jobs does
    # the job view names files, not the server's paths (security review s8): find it in the server's runs folder
    assert "themes_path" not in job["params"] and "out_dir" not in job["params"]
    folder = server.ctx.runs_dir / job["params"]["output_folder"]
    edited = json.loads((folder / job["params"]["themes_file"]).read_text(encoding="utf-8"))
    flat = edited if isinstance(edited, list) else [t for v in edited.values() for t in v]
    assert "Renamed by staff" in {t["label"] for t in flat}
    assert c.post("/api/runs/99999/remap").status_code == 404


def test_triage_changes_are_recorded_append_only(server: Server) -> None:
    c = server.client
    login(c, "staff1")
    items = c.get("/api/submissions", params={"consultation_id": server.consultation_id, "limit": 3}).json()["items"]
    sid = items[0]["id"]
    changed = c.patch(f"/api/submissions/{sid}", json={"status": "in_review", "assignee": "ann",
                                                       "tags": ["Mobility", "urgent"], "notes": "call back",
                                                       "note": "first look"})
    assert changed.status_code == 200
    body = changed.json()
    assert body["status"] == "in_review" and body["assignee"] == "ann" and body["tags"] == ["mobility", "urgent"]
    fields = {e["field"]: e for e in body["history"]}
    assert set(fields) == {"status", "assignee", "tags", "notes"}
    assert fields["status"]["old_value"] == "new" and fields["status"]["new_value"] == "in_review"
    assert all(e["actor"] == "staff1" and e["at"] for e in body["history"])
    assert "call back" not in fields["notes"]["new_value"]  # notes are logged by length, never their words
    same = c.patch(f"/api/submissions/{sid}", json={"status": "in_review"}).json()
    assert len(same["history"]) == 4  # no change, no event
    assert c.patch(f"/api/submissions/{sid}", json={"status": "done"}).status_code == 422
    assert "status" in c.patch(f"/api/submissions/{sid}", json={"status": "done"}).json()["detail"]
    assert c.patch(f"/api/submissions/{sid}", json={}).status_code == 422
    assert c.patch(f"/api/submissions/{sid}", json={"tags": ["x" * 50]}).status_code == 422
    assert c.patch("/api/submissions/999999", json={"status": "closed"}).status_code == 404

    ids = [i["id"] for i in items]
    bulk = c.post("/api/submissions/bulk", json={"ids": ids, "status": "flagged", "add_tags": ["campaign"]})
    assert bulk.status_code == 200 and bulk.json()["updated"] == 3
    flagged = c.get("/api/submissions", params={"consultation_id": server.consultation_id, "status": "flagged"})
    assert {i["id"] for i in flagged.json()["items"]} == set(ids)
    tagged = c.get("/api/submissions", params={"consultation_id": server.consultation_id, "tag": "campaign"})
    assert tagged.json()["total"] == 3
    assert c.post("/api/submissions/bulk", json={"ids": ids + [999999], "status": "closed"}).status_code == 404
    assert c.get(f"/api/submissions/{ids[1]}").json()["status"] == "flagged"  # the failed batch changed nothing
    assert c.post("/api/submissions/bulk", json={"ids": [], "status": "closed"}).status_code == 422
    events = c.get("/api/triage/events", params={"consultation_id": server.consultation_id}).json()
    assert len(events) == 4 + 6

    from sqlalchemy import text

    from civicai.store.db import get_engine

    with pytest.raises(Exception, match="(?i)append-only|not allowed|triage_events"), \
            get_engine(server.url).begin() as connection:
        connection.execute(text("UPDATE triage_events SET actor = 'mallory'"))


def test_submission_filters(server: Server) -> None:
    c = server.client
    login(c, "staff1")
    base = {"consultation_id": server.consultation_id}
    total = c.get("/api/submissions", params=base).json()["total"]
    french = c.get("/api/submissions", params={**base, "language": "fr", "limit": 500}).json()
    assert 0 < french["total"] < total and all(i["language"] == "fr" for i in french["items"])
    district = c.get("/api/submissions", params={**base, "group": "district:Riverside"}).json()
    assert 0 < district["total"] < total
    first = c.get("/api/submissions", params={**base, "language": "fr", "limit": 1}).json()["items"][0]["text"]
    word = max(first.split(), key=len).strip(".,;:!?()'\"").lower()
    words = c.get("/api/submissions", params={**base, "q": word}).json()
    assert 0 < words["total"] < total and all(word in i["text"].lower() for i in words["items"])
    assert c.get("/api/submissions", params={**base, "limit": 0}).status_code == 422
    assert c.get("/api/submissions", params={"unassigned": True}).status_code == 422


def test_exports_neutralise_formulas(server: Server) -> None:
    from sqlalchemy import select

    from civicai.store.db import session_scope
    from civicai.store.schema import Submission

    with session_scope(server.url) as session:  # a citizen wrote a formula (the pipeline kept it as text)
        row = session.scalars(select(Submission).where(Submission.consultation_id == server.consultation_id)).first()
        row.text_redacted = '=HYPERLINK("http://evil.example","click")'
        target = row.id
    c = server.client
    login(c, "staff1")
    base = {"consultation_id": server.consultation_id, "run_id": server.run_id}
    exported = c.get("/api/exports/csv", params=base)
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == c.get("/api/submissions", params=base).json()["total"]
    cell = next(r["text_redacted"] for r in rows if r["submission_id"] == str(target))
    assert cell.startswith("'=HYPERLINK")
    xlsx = c.get("/api/exports/xlsx", params={**base, "language": "fr"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.values)
    assert values[0][0] == "submission_id" and all(v[values[0].index("language")] == "fr" for v in values[1:])
    full = c.get("/api/exports/html", params=base)
    assert full.status_code == 200 and "<html" in full.text.lower()
    filtered = c.get("/api/exports/html", params={**base, "status": "new", "q": "<script>"})
    assert filtered.status_code == 200 and "&lt;script&gt;" in filtered.text and "<script>" not in filtered.text
    assert c.get("/api/exports/pdf", params=base).status_code == 422
    assert "consultation_id" in c.get("/api/exports/csv").json()["detail"]
