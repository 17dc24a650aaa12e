"""Security review s8, item 3: the staff app refused to analyse a file that was analysed before unless the
officer ticked "Analyse it again anyway", but POST /api/analyses had no such check (the same upload could be
started three times at once; the first job's end erased the raw file and the others failed). Now one function
(civicai.workspace.upload_checks.refuse_repeat_analysis) serves both: 409 naming the earlier consultation or the
running job, unless the caller sends "again": true."""
from __future__ import annotations

from _api_support import SMALL_CSV, Server, login


def _upload(server: Server, name: str, content: bytes) -> str:
    response = server.client.post("/api/uploads", files={"file": (name, content, "text/csv")})
    assert response.status_code == 201, response.text
    return response.json()["upload_id"]


def test_a_file_analysed_before_is_refused_unless_asked_again(server: Server) -> None:
    client = server.client
    login(client, "staff1")
    upload_id = _upload(server, "again.csv", SMALL_CSV.read_bytes())  # the fixture analysed this very file
    refused = client.post("/api/analyses", json={"upload_id": upload_id})
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert "already analysed" in body["detail"] and f"consultation {server.consultation_id}" in body["detail"]
    assert '"again": true' in body["hint"]
    assert not client.get("/api/jobs").json()  # nothing was started
    started = client.post("/api/analyses", json={"upload_id": upload_id, "again": True})
    assert started.status_code == 202, started.text


def test_a_file_being_analysed_is_refused_unless_asked_again(server: Server) -> None:
    """The same upload (or the same content uploaded twice) while its first analysis waits or runs."""
    client = server.client
    login(client, "staff1")
    content = SMALL_CSV.read_bytes().replace(b"\n", b"\r\n")  # other bytes: not analysed before
    first = _upload(server, "new.csv", content)
    job_id = client.post("/api/analyses", json={"upload_id": first}).json()["job_id"]
    for upload_id in (first, _upload(server, "copy.csv", content)):
        refused = client.post("/api/analyses", json={"upload_id": upload_id})
        assert refused.status_code == 409 and f"job {job_id}" in refused.json()["detail"], refused.text
    assert client.post("/api/analyses", json={"upload_id": first, "again": True}).status_code == 202


def test_the_staff_app_and_the_api_share_the_rule(server: Server) -> None:
    """The staff app's start button calls the same function with its tick box (the browser test
    tests/test_ui_staff_upload.py drives the button); here the function itself, as the app calls it."""
    import pytest

    from civicai.store.db import session_scope
    from civicai.workspace.upload_checks import AlreadyAnalysed, refuse_repeat_analysis

    with session_scope(server.url) as session:
        with pytest.raises(AlreadyAnalysed, match=f"consultation {server.consultation_id}"):
            refuse_repeat_analysis(session, SMALL_CSV, False, "tick 'Analyse it again anyway'")
        refuse_repeat_analysis(session, SMALL_CSV, True, "tick 'Analyse it again anyway'")
