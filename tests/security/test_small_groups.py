"""Finding 8: groups smaller than min_group_size cannot be singled out through any read path: the submission list,
a theme's members, the CSV/XLSX/HTML exports (auditors included)."""
from __future__ import annotations

from collections import Counter

import pytest

from _api_support import Server, login

pytestmark = pytest.mark.slow


def _groups(s: Server) -> Counter:
    from sqlalchemy import select

    from civicai.store.db import session_scope
    from civicai.store.schema import Submission

    with session_scope(s.url) as session:
        rows = session.scalars(select(Submission.attributes).where(Submission.consultation_id == s.consultation_id))
        return Counter((a.get("district"), a.get("age_band")) for a in rows if a.get("district") and a.get("age_band"))


def test_small_groups_are_refused_on_every_read_path(server: Server) -> None:
    sizes = _groups(server)
    small = next(g for g, n in sizes.items() if n < 5)
    large = max(sizes, key=sizes.get)
    assert sizes[large] >= 5
    c = server.client
    themes = None
    for who in ("staff1", "audit1"):
        login(c, who)
        small_filter = {"consultation_id": server.consultation_id,
                        "group": [f"district:{small[0]}", f"age_band:{small[1]}"]}
        listed = c.get("/api/submissions", params=small_filter)
        assert listed.status_code == 403, listed.text
        assert "fewer than" in listed.json()["detail"]
        for fmt in ("csv", "xlsx", "html"):
            assert c.get(f"/api/exports/{fmt}", params=small_filter).status_code == 403, fmt
        themes = themes or c.get(f"/api/runs/{server.run_id}/themes").json()
        members = c.get(f"/api/themes/{themes[0]['id']}", params={"group": small_filter["group"]})
        assert members.status_code == 403
        without_consultation = c.get("/api/submissions", params={"run_id": server.run_id,
                                                                 "group": small_filter["group"]})
        assert without_consultation.status_code == 403
        large_filter = {"consultation_id": server.consultation_id,
                        "group": [f"district:{large[0]}", f"age_band:{large[1]}"]}
        assert c.get("/api/submissions", params=large_filter).json()["total"] == sizes[large]
        c.cookies.clear()
