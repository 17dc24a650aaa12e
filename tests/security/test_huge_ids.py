"""Security review s7: an id too large for the database (a path, query or body number) is a client error, not
a server error. On SQLite a Python int past 2^63-1 raised OverflowError, on PostgreSQL an integer column past
2^31-1 raised DataError: both came back as 500 with a traceback in the log (POST /api/jobs/{id}/cancel among
them). On SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _api_support import add_user, login, make_app

HUGE = [2**31, 2**63, 10**30]  # past PostgreSQL's integer, SQLite's integer, any integer column


@pytest.fixture
def staff(migrated_db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    add_user(migrated_db_url, "staff1", "staff")
    app = make_app(migrated_db_url, tmp_path / "home")
    with TestClient(app, raise_server_exceptions=False) as client:
        login(client, "staff1")
        yield client


@pytest.mark.parametrize("number", HUGE)
def test_huge_ids_are_client_errors(staff: TestClient, number: int) -> None:
    calls = [("post", f"/api/jobs/{number}/cancel"), ("post", f"/api/jobs/{number}/resume"),
             ("get", f"/api/jobs/{number}"), ("get", f"/api/runs/{number}"), ("get", f"/api/consultations/{number}")]
    for method, path in calls:
        response = getattr(staff, method)(path)
        assert response.status_code in (404, 422), (path, response.status_code, response.text)
        assert "detail" in response.json(), path
    # a filter by such an id finds nothing (or is refused), it does not fail
    assert staff.get(f"/api/runs?consultation_id={number}").status_code in (200, 422)


def test_ordinary_missing_ids_still_answer_404(staff: TestClient) -> None:
    response = staff.post("/api/jobs/99999/cancel")
    assert response.status_code == 404 and "job 99999 does not exist" in response.json()["detail"]
