"""The bias audit: injected bias is found at the right group and stage, a fair run raises nothing, small
groups never show, the report validates, escapes and does not leak, and the CLI and database paths work."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from civicai.bias import AuditOptions, load_run, measure, run_audit, validate_report
from civicai.bias.perturb import Perturber
from civicai.bias.schema import ReportSchemaError
from civicai.bias.stats import fisher_two_sided, holm
from civicai.bias.synthetic import Bias, make_run

QUICK = {"counterfactuals": False, "translation_check": False, "store": False}


def _flags(findings, stage=None):  # type: ignore[no-untyped-def]
    return {(f.group_column, f.group, f.stage) for f in findings if f.flagged and (stage is None or f.stage == stage)}


def _measure(run_dir: Path, columns=("district", "age_band")):  # type: ignore[no-untyped-def]
    run = load_run(run_dir)
    findings, _ = measure(run, list(columns), min_group_size=5, seed=0)
    return findings


@pytest.fixture(scope="module")
def control_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run(tmp_path_factory.mktemp("control") / "run", seed=3, n=1500)


def test_never_quoted_group_is_flagged_at_quotes_and_nowhere_else(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", seed=3, n=1500, bias=Bias("age_band", "65+", "quoted"))
    findings = _measure(run_dir)
    assert _flags(findings, "quoted") == {("age_band", "65+", "quoted")}
    assert not _flags(findings, "assigned")
    quoted = next(f for f in findings if f.flagged and f.stage == "quoted")
    assert quoted.value == 0 and quoted.direction == "under" and quoted.ci_high < 1


def test_always_unassigned_group_is_flagged_at_assignment(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", seed=4, n=1500, bias=Bias("district", "Hillcrest", "assigned"))
    findings = _measure(run_dir)
    assert _flags(findings, "assigned") == {("district", "Hillcrest", "assigned")}
    assert not _flags(findings, "accepted")


def test_rejected_group_is_flagged_at_acceptance_with_groups_joined_from_the_input(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", seed=5, n=1500, bias=Bias("district", "Old Town", "accepted", strength=0.5))
    findings = _measure(run_dir)
    assert _flags(findings, "accepted") == {("district", "Old Town", "accepted")}


def test_unbiased_control_raises_no_flag(control_run: Path) -> None:
    findings = _measure(control_run, ("district", "age_band", "language"))
    assert len(findings) > 100
    assert _flags(findings) == set()


def test_small_groups_are_suppressed_and_never_carry_values(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", seed=6, n=400)
    frame = (run_dir / "assignments.csv").read_text(encoding="utf-8").splitlines()
    # relabel 3 accepted rows as a tiny district
    header, rows = frame[0], frame[1:]
    tiny = [r.replace(",Riverside,", ",Tinyville,") for r in rows[:3]]
    (run_dir / "assignments.csv").write_text("\n".join([header, *tiny, *rows[3:]]) + "\n", encoding="utf-8")
    result = run_audit(run_dir, AuditOptions(out_dir=tmp_path / "audit", group_columns=("district",), **QUICK))
    tiny_findings = [f for f in result.report["findings"] if f["group"] == "Tinyville"]
    assert tiny_findings and all(f["suppressed"] for f in tiny_findings)
    assert all(f[key] is None for f in tiny_findings for key in ("value", "ratio", "n", "ci_low", "events"))
    assert result.report["groups"]["district"]["Tinyville"] is None
    html = result.html_path.read_text(encoding="utf-8")
    assert "Tinyville" in html and "not shown" in html


def test_report_files_validate_and_escape_group_names(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", seed=7, n=600)
    path = run_dir / "assignments.csv"
    text = path.read_text(encoding="utf-8").replace(",Docklands,", ",<script>alert(1)</script>,")
    path.write_text(text, encoding="utf-8")
    result = run_audit(run_dir, AuditOptions(out_dir=tmp_path / "audit", group_columns=("district",), **QUICK))
    report = json.loads(result.json_path.read_text(encoding="utf-8"))
    validate_report(report)
    for key in ("group_column", "group", "stage", "metric", "value", "reference_value", "ratio", "ci_low",
                "ci_high", "n", "flagged", "suppressed"):
        assert all(key in f for f in report["findings"])
    html = result.html_path.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "http://" not in html.split("<svg")[0] and "https://cdn" not in html
    broken = dict(report, findings=[dict(report["findings"][0], suppressed=True)])
    with pytest.raises(ReportSchemaError, match="findings/0"):
        validate_report(broken)


def test_leaked_email_in_a_quote_is_reported_without_its_value(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", seed=8, n=500)
    themes = json.loads((run_dir / "themes.json").read_text(encoding="utf-8"))
    themes[0]["quotes"][0]["text"] += " Write to jane.doe@example.org for details."
    (run_dir / "themes.json").write_text(json.dumps(themes), encoding="utf-8")
    result = run_audit(run_dir, AuditOptions(out_dir=tmp_path / "audit", group_columns=("district",), **QUICK))
    leaks = result.report["leakage"]
    assert leaks["total"] >= 1 and any(leak["kind"] == "EMAIL" and leak["file"] == "themes.json" for leak in leaks["leaks"])
    assert "jane.doe@example.org" not in result.json_path.read_text(encoding="utf-8").split('"manifest"')[0]
    assert any(v["severity"] == "flag" and "personal" in v["sentence"] for v in result.report["verdict"])


def test_campaign_inflation_is_measured_from_sizes_and_weights(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", seed=9, n=800, copy_rate=0.3)
    result = run_audit(run_dir, AuditOptions(out_dir=tmp_path / "audit", group_columns=("district",), **QUICK))
    themes = json.loads((run_dir / "themes.json").read_text(encoding="utf-8"))
    by_id = {t["theme"]: t for t in result.report["campaigns"]["themes"]}
    for theme in themes:
        row = by_id[theme["id"]]
        assert row["inflation"] == pytest.approx(theme["weight"] / theme["size"])
        assert row["inflated"] == (theme["weight"] / theme["size"] > 1.25)
    assert result.report["campaigns"]["copies_total"] > 0


def test_fisher_and_holm_match_their_definitions() -> None:
    from scipy.stats import fisher_exact

    for k, n, k_rest, n_rest in [(0, 300, 60, 1200), (5, 50, 5, 500), (12, 40, 30, 100)]:
        expected = fisher_exact([[k, n - k], [k_rest, n_rest - k_rest]])[1]
        assert fisher_two_sided(k, n, k + k_rest, n + n_rest) == pytest.approx(expected, rel=1e-9)
    adjusted, rejected = holm([0.01, 0.04, 0.03, 0.5], alpha=0.05)
    assert list(np.round(adjusted, 4)) == [0.04, 0.09, 0.09, 0.5]
    assert list(rejected) == [True, False, False, False]


def test_perturbations_swap_marked_words_only() -> None:
    perturber = Perturber(extra_places=["Riverside", "Old Town"])
    assert perturber.perturb("My husband John lives in Riverside.", "en", "gender") == "My wife John lives in Riverside."
    assert perturber.perturb("My husband John lives in Riverside.", "en", "names") == "My husband Mohammed lives in Riverside."
    assert perturber.perturb("My husband John lives in Riverside.", "en", "places") == "My husband John lives in Old Town."
    assert perturber.perturb("The neighbourhood centre", "en", "spelling") == "The neighborhood center"
    assert perturber.perturb("Die Straßen in München", "de", "spelling") == "Die Strassen in Muenchen"
    assert perturber.perturb("Le père de Marie", "fr", "gender") == "Le mère de Marie"
    assert perturber.perturb("Nothing to change here", "en", "gender") == "Nothing to change here"


def test_counterfactuals_and_translated_pairs_run_on_the_real_embedder(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", seed=10, n=400)
    result = run_audit(run_dir, AuditOptions(out_dir=tmp_path / "audit", group_columns=("district",),
                                             counterfactual_sample=120, store=False))
    cf = result.report["counterfactuals"]
    assert not cf["skipped"], cf["skipped"]
    assert cf["text_source"] == "input file, redacted again" and cf["sample_size"] == 120
    kinds = {row["perturbation"] for row in cf["by_perturbation"]}
    assert {"gender", "places", "style"} <= kinds
    assert all(0 <= row["theme_change_rate"] <= 1 for row in cf["rows"])
    assert all(e["original"] != e["perturbed"] for e in cf["worst"])
    # the nearest-centroid rule must reproduce the run's own placement well on unedited text
    assert cf["centroid_agreement"] > 0.8
    tc = result.report["translation_check"]
    assert not tc["skipped"], tc["skipped"]
    assert tc["languages"] == ["en", "fr", "de", "nl"] and tc["n_items"] == 24
    assert 0 <= tc["any_disagreement_rate"] <= 1


def test_opinion_groups_are_computed_from_votes_when_the_export_has_none(tmp_path: Path) -> None:
    from civicai.bias.opinion_groups import groups_from_votes

    rng = np.random.default_rng(0)
    votes = tmp_path / "participants-votes.csv"
    with votes.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["participant", "group-id", "n-comments", "n-votes", *map(str, range(20))])
        for p in range(60):  # two camps voting opposite ways on every comment
            side = 1 if p < 30 else -1
            row = [side * (1 if rng.random() > 0.1 else -1) for _ in range(20)]
            writer.writerow([p, "", 0, 20, *row])
    groups = groups_from_votes(votes)
    assert len(groups) == 60
    first, second = {groups[str(p)] for p in range(30)}, {groups[str(p)] for p in range(30, 60)}
    assert len(first) == 1 and len(second) == 1 and first != second


def test_polis_conversation_is_audited_by_opinion_group(shared_data: Path, tmp_path: Path) -> None:
    from civicai.bias.opinion_groups import attach_opinion_groups

    folder = shared_data / "polis" / "scoop-hivemind.biodiversity"
    with (folder / "comments.csv").open(encoding="utf-8") as handle:
        comments = list(csv.DictReader(handle))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with (run_dir / "assignments.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["submission_id", "primary_theme", "themes", "unassigned_reason", "language"])
        for c in comments:
            writer.writerow([c["comment-id"], "0", "0", "", "en"])
    (run_dir / "themes.json").write_text(json.dumps([{"id": "0", "label": "all", "quotes": []}]), encoding="utf-8")
    (run_dir / "run.json").write_text(json.dumps({"input": {"path": str(folder / "comments.csv")}}), encoding="utf-8")
    run = load_run(run_dir)
    assert attach_opinion_groups(run)
    assert (run.assignments["opinion_group"] != "").mean() > 0.3


def test_cli_audit_writes_both_files_and_explains_a_wrong_column(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", seed=11, n=300)
    out = tmp_path / "audit"
    ok = subprocess.run([sys.executable, "-m", "civicai", "audit", str(run_dir), "--group-column", "district",
                         "--out", str(out), "--counterfactual-sample", "0", "--no-translation-check", "--no-store"],
                        capture_output=True, text=True, timeout=600)
    assert ok.returncode == 0, ok.stderr
    assert (out / "bias_report.json").is_file() and (out / "bias_report.html").is_file()
    bad = subprocess.run([sys.executable, "-m", "civicai", "audit", str(run_dir), "--group-column", "postcode",
                          "--out", str(out), "--no-store"], capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2
    assert "postcode" in bad.stderr and "district" in bad.stderr


def test_audit_of_a_stored_run_is_recorded_in_the_database(tmp_path: Path, migrated_db_url: str) -> None:
    from sqlalchemy import select

    from civicai.store import session_scope
    from civicai.store.schema import AnalysisRun, Audit, Consultation

    run_dir = make_run(tmp_path / "run", seed=12, n=300)
    with session_scope(migrated_db_url) as session:
        consultation = Consultation(name="synthetic")
        session.add(consultation)
        session.flush()
        stored = AnalysisRun(consultation_id=consultation.id, out_dir=str(run_dir))
        session.add(stored)
        session.flush()
        run_id = stored.id
    result = run_audit(str(run_id), AuditOptions(out_dir=tmp_path / "audit", group_columns=("district",),
                                                 counterfactuals=False, translation_check=False,
                                                 database_url=migrated_db_url))
    assert result.audit_id is not None and result.report["run"]["run_id"] == run_id
    with session_scope(migrated_db_url) as session:
        audit = session.scalars(select(Audit).where(Audit.id == result.audit_id)).one()
        assert audit.run_id == run_id
        assert len(audit.report["findings"]) == len(result.report["findings"])


@pytest.mark.slow
def test_analyse_with_audit_on_the_shipped_sample(sample_dir: Path, tmp_path: Path) -> None:
    """The real pipeline on the shipped small sample, then the audit through `analyse --audit`'s hook."""
    from sqlalchemy import select

    from civicai.pipeline import AnalyseOptions, run_analysis
    from civicai.store import session_scope
    from civicai.store.schema import Audit

    db = f"sqlite:///{tmp_path / 'e2e.db'}"
    out = tmp_path / "run"
    result = run_analysis(AnalyseOptions(input_path=sample_dir / "consultation_small.csv", out_dir=out,
                                         group_columns=("district", "age_band"), database_url=db, progress=False,
                                         use_ner=False, audit=True))
    report = json.loads((out / "audit" / "bias_report.json").read_text(encoding="utf-8"))
    validate_report(report)
    assert {"district", "age_band", "language"} <= set(report["group_columns"])
    themes = json.loads((out / "themes.json").read_text(encoding="utf-8"))
    quoted = {q["submission_id"] for t in themes for q in t["quotes"]}
    with (out / "assignments.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # stage "quoted" by district: the audit's counts agree with the run's files
    by_district = [f for f in report["findings"] if f["group_column"] == "district" and f["stage"] == "quoted"]
    shown = [f for f in by_district if not f["suppressed"]]
    assert shown
    for finding in shown:  # quotes are counted over distinct submissions (copies left out)
        members = [r for r in rows if (r["district"] or "(not given)") == finding["group"] and not r["duplicate_of"]]
        assert finding["n"] == len(members)
        assert finding["events"] == sum(r["submission_id"] in quoted for r in members)
    assert report["leakage"]["files_scanned"][:2] == ["themes.json", "assignments.csv"]
    assert (out / "audit" / "bias_report.html").is_file()
    with session_scope(db) as session:
        audits = session.scalars(select(Audit)).all()
        assert [a.run_id for a in audits] == [result.run_id]


def test_group_rate_intervals_agree_with_fairlearn_bootstrap() -> None:
    """The audit draws each group's rate from Beta(k+1/2, n-k+1/2); fairlearn's MetricFrame bootstrap
    (resampling rows) must give nearly the same 95% interval for a group rate."""
    import pandas as pd
    from fairlearn.metrics import MetricFrame, selection_rate

    rng = np.random.default_rng(0)
    groups = np.array(["a"] * 400 + ["b"] * 600)
    outcome = np.concatenate([rng.random(400) < 0.1, rng.random(600) < 0.25]).astype(int)
    frame = MetricFrame(metrics=selection_rate, y_true=outcome, y_pred=outcome,
                        sensitive_features=pd.Series(groups, name="g"), n_boot=60, ci_quantiles=[0.025, 0.975],
                        random_state=0)
    low, high = frame.by_group_ci
    for group in ("a", "b"):
        k, n = int(outcome[groups == group].sum()), int((groups == group).sum())
        draws = np.random.default_rng(1).beta(k + 0.5, n - k + 0.5, 20000)
        ours = np.quantile(draws, [0.025, 0.975])
        assert ours[0] == pytest.approx(low.loc[group], abs=0.015)
        assert ours[1] == pytest.approx(high.loc[group], abs=0.015)
