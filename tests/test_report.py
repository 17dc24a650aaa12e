"""The standalone report: self-contained (no script, no CDN), escapes everything, shows every theme."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from civicai.report import render_report

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _theme(tid, label, size, parent=None, level="theme", children=()):
    return {"id": tid, "label": label, "summary": f"“{label} summary”", "keywords": ["bus", EVIL], "size": size,
            "weight": size + 2, "submission_ids": [str(i) for i in range(size)],
            "quotes": [{"submission_id": "1", "text": f"quote for {label} {EVIL}"}],
            "sentiment": {"positive": size - 1, "negative": 1}, "languages": {"fr": size},
            "parent": parent, "level": level, "children": list(children), "question": None, "description": "",
            "threshold": 0.5, "label_source": "keywords", "summary_source": "extractive"}


def _manifest():
    return {"civicai_version": "0.1.0", "models": {"embedder": {"name": "use", "model_id": "use-multilingual-v3"},
                                                  "generator": {"backend": "extractive", "model_id": None}},
            "parameters": {"seed": 0}, "mode": "discover", "input": {"name": "x.csv", "sha256": "ab" * 32}}


def _counts():
    return {"submissions": 12, "distinct": 10, "duplicates": 2, "campaigns": 1, "themes": 2, "rejected": 1,
            "unassigned_rate": 0.1, "unassigned": {"off_topic": 1}, "languages": {"fr": 8, "en": 4},
            "pii_redactions": {"EMAIL": 1}, "rejected_by_reason": {"junk": 1}}


@pytest.fixture()
def html(tmp_path):
    themes = [_theme("T1", f"Buses {EVIL}", 6, parent="P1"), _theme("T2", "Trams", 3, parent="P1"),
              _theme("P1", "Transport", 9, level="parent", children=("T1", "T2"))]
    campaigns = [{"id": "c1", "size": 5, "example_text": f"Template letter {EVIL}"}]
    path = render_report(tmp_path / "report.html", themes, _counts(), _manifest(), campaigns, title=f"t {EVIL}")
    return path.read_text(encoding="utf-8")


def test_report_escapes_every_citizen_and_file_value(html):
    assert "<script" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in html


def test_report_is_standalone(html):
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<svg" in html and "<style>" in html


def test_report_shows_themes_quotes_languages_and_campaigns(html):
    for needle in ("T1", "T2", "Transport", "quote for Buses", "c1", "fr 8", "off_topic"):
        assert needle in html, needle


@pytest.mark.browser
def test_report_renders_in_a_real_browser(html, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed")
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=1280,1600", page.as_uri()], check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000
