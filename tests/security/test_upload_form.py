"""Security review s7: the upload form's parameters. A label language the product cannot write titles in was
accepted (202) and the job ran with it; an error about a column named the server's upload folder
(HOME/uploads/<id>/...) to the caller. Now: 422 naming the field and the languages there are, and errors name
the file as it was uploaded."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _api_support import add_user, login, make_app

CSV = "id,text\n" + "".join(f"{i},The bus lane on street {i} should be wider and safer for bikes\n" for i in range(30))


@pytest.fixture
def upload(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    url = f"sqlite:///{tmp_path / 'civicai.db'}"
    app = make_app(url, tmp_path / "home")  # start_jobs=False: a started analysis stays queued
    add_user(url, "staff1", "staff")
    with TestClient(app) as client:
        login(client, "staff1")
        response = client.post("/api/uploads", files={"file": ("survey.csv", CSV.encode(), "text/csv")})
        assert response.status_code == 201, response.text
        yield client, response.json()["upload_id"]


@pytest.mark.parametrize("language", ["xx", "zzz", "pl"])
def test_a_label_language_without_title_support_is_refused(upload: tuple[TestClient, str], language: str) -> None:
    client, upload_id = upload
    response = client.post("/api/analyses", json={"upload_id": upload_id, "label_language": language})
    assert response.status_code == 422, response.text
    assert "label_language" in response.json()["detail"] and "'fr'" in response.json()["detail"]


def test_the_api_offers_the_languages_titles_are_written_in() -> None:
    from typing import get_args

    from civicai.api.schemas import LabelLanguage
    from civicai.summarise.title import _WORDS

    assert set(get_args(LabelLanguage)) == set(_WORDS)


def test_a_supported_label_language_starts_the_analysis(upload: tuple[TestClient, str]) -> None:
    client, upload_id = upload
    response = client.post("/api/analyses", json={"upload_id": upload_id, "label_language": "fr"})
    assert response.status_code == 202, response.text
    job = client.get(f"/api/jobs/{response.json()['job_id']}").json()
    assert job["params"]["label_language"] == "fr"


def test_a_column_error_names_the_file_not_the_server_folder(upload: tuple[TestClient, str]) -> None:
    client, upload_id = upload
    answers = [client.post("/api/analyses", json={"upload_id": upload_id, "text_column": "comment"}),
               client.get(f"/api/uploads/{upload_id}/preview", params={"text_column": "comment"})]
    for response in answers:
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert "survey.csv" in detail and "comment" in detail, detail
        assert "/uploads/" not in detail and upload_id not in detail, detail


def test_a_failed_jobs_message_names_the_file_not_the_server_folder(upload: tuple[TestClient, str]) -> None:
    """The upload is gone by the time the job runs (erased, or swept by retention): the job fails, and its
    message, which the staff page shows in its progress line, says which file."""
    import shutil

    from civicai.queue.execute import execute_job

    client, upload_id = upload
    job_id = client.post("/api/analyses", json={"upload_id": upload_id}).json()["job_id"]
    ctx = client.app.state.civicai
    shutil.rmtree(ctx.uploads_dir / upload_id)
    execute_job(ctx.url, job_id, ctx.jobs.runners, worker="test")
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "failed" and "survey.csv" in job["message"], job
    assert "/uploads/" not in job["message"] and upload_id not in job["message"], job["message"]
