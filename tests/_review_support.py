"""A stored analysis run over real sample submissions with five of the sample's staff themes, for the tests of
staff reviews and the learned re-map (test_theme_reviews.py, test_learned_remap.py)."""
from __future__ import annotations

import csv
from pathlib import Path

from civicai.paths import sample_dir
from civicai.pipeline.themes_input import load_themes
from civicai.store.db import session_scope
from civicai.store.schema import AnalysisRun, Consultation, RunStatus, Submission, Theme

THEME_KEYS = ("car_traffic", "cycling", "green_spaces", "public_transport", "flooding")
# five of the sample's staff themes (src/civicai/data/sample/themes.json)
THEMES = [(t.id, t.label, t.description) for t in load_themes(sample_dir() / "themes.json")[None] if t.id in THEME_KEYS]


def stored_run(url: str, samples: Path, size: int) -> tuple[int, dict[str, int], dict[int, str]]:
    """The first `size` sample submissions whose gold theme is one of THEMES, stored as one done run.
    Returns the run id, submission ids by external id, and each submission's gold theme key."""
    gold = {r["id"]: r["theme"] for r in csv.DictReader((samples / "gold.csv").open(encoding="utf-8"))}
    rows = [r for r in csv.DictReader((samples / "consultation.csv").open(encoding="utf-8"))
            if gold.get(r["id"]) in THEME_KEYS][:size]
    with session_scope(url) as session:
        consultation = Consultation(name="Rivermouth", question=None)
        analysis = AnalysisRun(consultation=consultation, status=RunStatus.DONE, manifest={})
        themes = [Theme(run=analysis, key=key, label=label, summary=description) for key, label, description in THEMES]
        subs = [Submission(consultation=consultation, external_id=r["id"], text_redacted=r["text"],
                           language=r["language"]) for r in rows]
        session.add_all([analysis, *themes, *subs])
        session.flush()
        return analysis.id, {s.external_id: s.id for s in subs}, {s.id: gold[s.external_id] for s in subs}
