"""Security review s8, item 2: jobs had no owner, so any staff member could cancel or resume anyone's job. Now a
job records who queued it; only that user or an admin may cancel or resume it (403 naming the owner otherwise),
a job queued by a job belongs to the same user, and one the server queued itself only admins control. The
columns come with a migration that fills in the owners of existing jobs. On SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _api_support import add_user, login, make_app

CSV = "id,text\n" + "".join(f"{i},The tram stop at square {i} needs a shelter against the rain\n" for i in range(30))


@pytest.fixture
def workspace(migrated_db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    for name, role in (("staff1", "staff"), ("staff2", "staff"), ("admin1", "admin"), ("audit1", "auditor")):
        add_user(migrated_db_url, name, role)
    app = make_app(migrated_db_url, tmp_path / "home")  # start_jobs=False: a started analysis stays queued
    with TestClient(app) as client:
        yield client


def _start(client: TestClient, name: str) -> int:
    login(client, name)
    upload = client.post("/api/uploads", files={"file": (f"{name}.csv", CSV.replace("tram", name).encode(),
                                                         "text/csv")})
    assert upload.status_code == 201, upload.text
    # again: the same file twice is refused otherwise (test_duplicate_upload.py)
    started = client.post("/api/analyses", json={"upload_id": upload.json()["upload_id"], "again": True})
    assert started.status_code == 202, started.text
    return started.json()["job_id"]


def test_only_the_owner_or_an_admin_cancels_a_job(workspace: TestClient) -> None:
    client = workspace
    first, second = _start(client, "staff1"), _start(client, "staff1")
    assert client.get(f"/api/jobs/{first}").json()["owner"] == "staff1"

    login(client, "staff2")
    for action in ("cancel", "resume"):
        refused = client.post(f"/api/jobs/{first}/{action}")
        assert refused.status_code == 403, refused.text
        assert "started by staff1" in refused.json()["detail"] and action in refused.json()["detail"]
    assert client.get(f"/api/jobs/{first}").json()["status"] == "queued"  # untouched

    login(client, "audit1")
    assert client.post(f"/api/jobs/{first}/cancel").status_code == 403  # not staff at all

    login(client, "staff1")
    assert client.post(f"/api/jobs/{first}/cancel").json()["status"] == "cancelled"
    login(client, "admin1")
    assert client.post(f"/api/jobs/{second}/cancel").json()["status"] == "cancelled"


def test_the_staff_apps_cancel_uses_the_same_rule(workspace: TestClient) -> None:
    """The /staff button calls JobManager.cancel with the signed-in user; the rule lives there."""
    from civicai.workspace.jobs import JobForbidden
    from civicai.workspace.users import Principal

    client = workspace
    job_id = _start(client, "staff1")
    ctx = client.app.state.civicai
    staff2 = Principal(user_id=_user_id(ctx.url, "staff2"), username="staff2", role="staff", via="session")
    with pytest.raises(JobForbidden, match="started by staff1"):
        ctx.jobs.cancel(job_id, staff2)
    with pytest.raises(JobForbidden, match="started by staff1"):
        ctx.jobs.resume(job_id, staff2)


def _user_id(url: str, name: str) -> int:
    from sqlalchemy import select

    from civicai.store.db import session_scope
    from civicai.store.schema import User

    with session_scope(url) as session:
        return session.scalars(select(User.id).where(User.username == name)).one()


def test_a_job_the_server_queued_is_for_admins_only(workspace: TestClient) -> None:
    client = workspace
    ctx = client.app.state.civicai
    job_id = ctx.jobs.submit("plan-ingest", {"path": "/srv/civicai/plan.pdf", "name": "rivermouth"})  # first start
    login(client, "staff1")
    refused = client.post(f"/api/jobs/{job_id}/cancel")
    assert refused.status_code == 403 and "only an administrator" in refused.json()["detail"]
    login(client, "admin1")
    assert client.post(f"/api/jobs/{job_id}/cancel").status_code == 202


def test_a_job_queued_by_a_job_belongs_to_its_owner(migrated_db_url: str) -> None:
    """An analysis queues its audit while it runs (civicai.workspace.analyses): the audit is its owner's too."""
    from civicai.queue.execute import execute_job
    from civicai.store.db import session_scope
    from civicai.store.schema import Job
    from civicai.workspace.jobs import JobManager

    add_user(migrated_db_url, "staff1", "staff")
    owner = _user_id(migrated_db_url, "staff1")
    manager = JobManager(migrated_db_url, {}, start=False, queue="thread")
    manager.runners.update({"analyse": lambda p: {"audit_job": manager.submit("audit", {})},
                            "audit": lambda p: {}})
    parent = manager.submit("analyse", {}, owner_id=owner)
    assert execute_job(migrated_db_url, parent, manager.runners) == "done"
    with session_scope(migrated_db_url) as session:
        child = session.get(Job, session.get(Job, parent).result["audit_job"])
        assert child.owner_id == owner
    assert manager.submit("audit", {}) != child.id  # outside a job: nobody's
    with session_scope(migrated_db_url) as session:
        assert session.get(Job, child.id + 1).owner_id is None


def test_migration_fills_in_the_owners_of_existing_jobs(db_url: str) -> None:
    """Jobs from before 0005 name their user only in params.requested_by: the migration makes that the owner
    when exactly such a user exists; first-start jobs stay without one (admins only)."""
    import json

    from sqlalchemy import text

    from civicai.store.db import _run_alembic, init_db, session_scope
    from civicai.store.schema import Job

    _run_alembic(db_url, "upgrade", "0004")
    with session_scope(db_url) as session:
        session.execute(text("INSERT INTO users (username, password_hash, role, created_at, is_active) "
                             "VALUES ('staff1', 'x', 'staff', CURRENT_TIMESTAMP, true)"))
        for requested_by in ("staff1", "first-start", "nobody"):
            session.execute(text("INSERT INTO jobs (kind, status, progress, params, created_at, updated_at) VALUES "
                                 "('analyse', 'done', 1.0, :p, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                            {"p": json.dumps({"requested_by": requested_by})})
    init_db(db_url)
    with session_scope(db_url) as session:
        owners = [(j.params["requested_by"], j.owner.username if j.owner else None)
                  for j in session.query(Job).order_by(Job.id)]
    assert owners == [("staff1", "staff1"), ("first-start", None), ("nobody", None)]
