"""Session 9 user trial: `GET /api/runs/{id}/bias_report.json` kept serving the run's first audit
(`civicai analyse --audit` writes RUN/audit/) after the reviewed themes were audited again (RUN/audits/<time>/):
the glob's first match in path order. An auditor downloading "the run's bias report" got findings the re-audit
had replaced (5 flagged instead of 3 on the sample). It now serves the newest; an unknown format is 422, as for
/api/audits/{id}/report.{fmt} (it served the JSON). SQLite and PostgreSQL."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from _api_support import Server, login

pytestmark = pytest.mark.slow


def test_the_runs_bias_report_is_its_newest_audit(server: Server) -> None:
    from civicai.bias.audit import AuditOptions, run_audit
    from civicai.store.db import session_scope
    from civicai.workspace.queries import get_run

    with session_scope(server.url) as session:
        run_dir = Path(get_run(session, server.run_id).out_dir)
    first, again = run_dir / "audit", run_dir / "audits" / "20991231-000000-000000"
    try:
        for out, columns in ((first, ("district", "age_band")), (again, ("district",))):
            run_audit(str(server.run_id), AuditOptions(out_dir=out, group_columns=columns, counterfactuals=False,
                                                       translation_check=False, database_url=server.url))
            time.sleep(0.05)  # distinct modification times
        login(server.client, "audit1")
        for fmt in ("json", "html"):
            served = server.client.get(f"/api/runs/{server.run_id}/bias_report.{fmt}")
            assert served.status_code == 200, served.text
            assert served.content == (again / f"bias_report.{fmt}").read_bytes(), fmt
            assert served.content != (first / f"bias_report.{fmt}").read_bytes(), fmt
        unknown = server.client.get(f"/api/runs/{server.run_id}/bias_report.pdf")
        assert unknown.status_code == 422 and "json or html" in unknown.json()["hint"], unknown.text
    finally:
        shutil.rmtree(first, ignore_errors=True)
        shutil.rmtree(run_dir / "audits", ignore_errors=True)
