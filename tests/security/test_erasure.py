"""Finding 1: erasure must erase. A person's submission goes through the real upload -> analysis -> re-map path;
after `DELETE /api/submissions/{id}` no file under the home holds their words, and neither a re-map nor a resumed
job brings them back. Also: the raw upload is deleted once its analysis succeeds (retention)."""
from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _api_support import SMALL_CSV, add_user, login

pytestmark = pytest.mark.slow

PERSON = ("The heron footbridge behind the old tannery floods at every spring tide and my children cannot reach "
          "school. Please raise the footbridge deck by one metre before next winter, it is the only way across.")
SENTENCES = [s.strip() for s in PERSON.replace(". ", ".\n").splitlines()]


def _upload_file(folder: Path) -> Path:
    rows = list(csv.DictReader(SMALL_CSV.open(encoding="utf-8")))
    rows.append({"id": "R9999", "text": PERSON, "district": "Eastgate", "age_band": "30-44", "language": "en"})
    path = folder / "consultation.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _wait(client: TestClient, job_id: int) -> dict:
    for _ in range(1800):  # a bound on a background job, not a timing assertion
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def _files_holding(home: Path, needles: list[str]) -> list[str]:
    found = []
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.relative_to(home)}: {n[:30]}" for n in needles if n.encode() in data]
    return found


def _app(tmp_path: Path, keep_raw_text: bool):
    from civicai.api import ApiOptions, create_app
    from civicai.config import get_settings

    home = tmp_path / "home"
    url = f"sqlite:///{home / 'civicai.db'}"
    settings = get_settings(home=str(home), database_url=url, keep_raw_text=keep_raw_text)
    app = create_app(settings, ApiOptions(bootstrap=False, mount_ui=False, start_jobs=True, warm_chat=False))
    for name, role in (("staff1", "staff"), ("admin1", "admin")):
        add_user(url, name, role)
    return app, home


def _analyse(client: TestClient, tmp_path: Path) -> dict:
    path = _upload_file(tmp_path)
    with path.open("rb") as handle:
        upload = client.post("/api/uploads", files={"file": ("consultation.csv", handle, "text/csv")})
    assert upload.status_code == 201, upload.text
    job = client.post("/api/analyses", json={"upload_id": upload.json()["upload_id"],
                                             "group_columns": ["district", "age_band"]})
    assert job.status_code == 202, job.text
    done = _wait(client, job.json()["job_id"])
    assert done["status"] == "done", done
    return done


def test_erasure_removes_the_text_from_every_file_and_remap_and_resume_do_not_bring_it_back(tmp_path: Path) -> None:
    app, home = _app(tmp_path, keep_raw_text=True)  # the worst case: the operator keeps raw uploads
    with TestClient(app) as client:
        login(client, "admin1")
        done = _analyse(client, tmp_path)
        run_id, consultation_id = done["result"]["run_id"], done["result"]["consultation_id"]
        audit = client.post(f"/api/runs/{run_id}/audit", json={"group_columns": ["district", "age_band"]})
        assert audit.status_code == 202, audit.text  # the audit's report and context snippets are erased too
        assert _wait(client, audit.json()["job_id"])["status"] == "done"
        assert _files_holding(home, SENTENCES), "the analysis should have stored the text somewhere under the home"
        found = client.get("/api/submissions", params={"consultation_id": consultation_id, "q": "tannery"}).json()
        [person] = found["items"]

        staff = TestClient(app)
        login(staff, "staff1")
        assert staff.delete(f"/api/submissions/{person['id']}").status_code == 403  # admins only
        erased = client.delete(f"/api/submissions/{person['id']}")
        assert erased.status_code == 200, erased.text

        history = client.get(f"/api/submissions/{person['id']}/history").json()
        assert [(e["field"], e["actor"]) for e in history if e["field"] == "erasure"] == [("erasure", "admin1")]
        assert not _files_holding(home, SENTENCES)

        remap = client.post(f"/api/runs/{run_id}/remap")
        assert remap.status_code == 202, remap.text
        remapped = _wait(client, remap.json()["job_id"])
        assert remapped["status"] == "done", remapped
        new_run = remapped["result"]["run_id"]
        assert remapped["result"]["consultation_id"] == consultation_id
        themes = client.get(f"/api/runs/{new_run}/themes").text
        assert "tannery" not in themes and "footbridge" not in themes

        # an analysis job resumed after the erasure must not read the person's words again
        from civicai.store.db import session_scope
        from civicai.store.schema import Job, JobStatus

        with session_scope(app.state.civicai.url) as session:
            session.get(Job, done["id"]).status = JobStatus.INTERRUPTED
        assert client.post(f"/api/jobs/{done['id']}/resume").status_code == 202
        _wait(client, done["id"])
        assert not _files_holding(home, SENTENCES)
        assert "tannery" not in client.get("/api/submissions", params={"consultation_id": consultation_id,
                                                                       "q": "tannery"}).text


def test_the_raw_upload_is_deleted_once_its_analysis_succeeds(tmp_path: Path) -> None:
    app, home = _app(tmp_path, keep_raw_text=False)
    with TestClient(app) as client:
        login(client, "staff1")
        _analyse(client, tmp_path)
        assert not [p for p in (home / "uploads").rglob("*") if p.is_file()]


def test_raw_uploads_older_than_the_retention_period_are_deleted(tmp_path: Path) -> None:
    import os

    from _api_support import make_app

    old = tmp_path / "home" / "uploads" / ("a" * 32)
    old.mkdir(parents=True)
    (old / "never-analysed.csv").write_text(f"id,text\n1,{PERSON}\n", encoding="utf-8")
    stamp = old.stat().st_mtime - 8 * 86400
    os.utime(old, (stamp, stamp))
    make_app(f"sqlite:///{tmp_path / 'civicai.db'}", tmp_path / "home", upload_retention_days=7)
    assert not old.exists()
