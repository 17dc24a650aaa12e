"""The staff workspace's Themes tab on real runs (issue 17): a run too small to find themes says so and keeps
its submissions searchable; the chart counts each submission once (top-level themes only) and puts the
largest theme first, as its title "by size" says."""
from __future__ import annotations

import csv
import html
from pathlib import Path

import pytest

from _api_support import SMALL_CSV, make_app

pytestmark = pytest.mark.slow


def _twenty_rows(path: Path) -> Path:
    """10 English and 10 French submissions of the shipped sample: the upload of the issue."""
    with SMALL_CSV.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    picked = [r for r in rows if r["language"] == "en"][:10] + [r for r in rows if r["language"] == "fr"][:10]
    assert len(picked) == 20
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(picked)
    return path


def _analyse(csv_path: Path, out: Path, url: str) -> int:
    from civicai.pipeline import AnalyseOptions, run_analysis

    return run_analysis(AnalyseOptions(input_path=csv_path, out_dir=out, database_url=url, progress=False,
                                       group_columns=("district", "age_band"))).run_id


def test_too_few_submissions_say_so_and_stay_searchable(migrated_db_url: str, tmp_path: Path) -> None:
    from civicai.ui import staff_data as data
    from civicai.workspace import queries

    run_id = _analyse(_twenty_rows(tmp_path / "twenty.csv"), tmp_path / "run", migrated_db_url)
    ctx = make_app(migrated_db_url, tmp_path / "home").state.civicai
    table, bars = data.themes_frame(ctx, run_id)
    assert table.empty and bars.empty  # the case of the issue: no theme at all
    notice = data.themes_notice(ctx, run_id)
    assert "too few submissions to find themes" in notice and "Triage" in notice
    flt = queries.SubmissionFilter(run_id=run_id, q="the", min_group_size=ctx.settings.min_group_size)
    found, total, _ids = data.submissions_frame(ctx, flt)
    assert total > 0 and not found.empty  # the submissions are still there to search and triage


def test_chart_counts_top_level_themes_largest_first(migrated_db_url: str, tmp_path: Path) -> None:
    from civicai.store.db import session_scope
    from civicai.ui import staff_data as data
    from civicai.workspace import queries

    # the first-start sample: its run has parent themes holding sub-themes
    run_id = _analyse(SMALL_CSV.with_name("consultation.csv"), tmp_path / "run", migrated_db_url)
    ctx = make_app(migrated_db_url, tmp_path / "home").state.civicai
    with session_scope(migrated_db_url) as session:
        rows = queries.theme_rows(session, run_id)
    children = [t for t in rows if t["parent_id"]]
    top = [t for t in rows if not t["parent_id"]]
    assert children, "the sample's run should have sub-themes"
    assert data.themes_notice(ctx, run_id) == ""
    table, bars = data.themes_frame(ctx, run_id)
    charted = bars.groupby("theme", sort=False)["submissions"].sum()
    assert not any(label.endswith(f"(#{t['id']})") for t in children for label in charted.index)
    assert len(charted) == len(top)  # parents and stand-alone themes, each once
    order = data.bar_order(bars)
    sizes = [next(t["size"] for t in top if label.endswith(f"(#{t['id']})")) for label in order]
    assert sizes == sorted(sizes, reverse=True) and order != sorted(order)
    parts = table.set_index("id")["part of"]
    assert all(parts[t["id"]].startswith(f"#{t['parent_id']} ") for t in children)  # which parent it belongs to
    points = data.map_frame(ctx, run_id)
    colours = data.map_colours(points)
    assert set(colours) == set(points["theme"])  # every theme on the map has its colour in the key
    key = data.colour_key_html("Themes on the map", colours)
    assert all(html.escape(label) in key for label in colours)
