"""Issue 16: the chat audit. The real chat on the shipped sample plan, asked its real multilingual questions;
harm is injected by cutting one language's questions to two words, so the chat cannot answer them."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from civicai.bias.chat_audit import (
    ChatAuditOptions,
    ask_all,
    build_report,
    load_questions,
    quote_norm,
    run_chat_audit,
    served_worse,
    summary_rows,
)
from civicai.config import get_settings
from civicai.plans.ingest import ingest_file
from civicai.rag import load_chat


@pytest.fixture(scope="module")
def sample_chat(sample_dir: Path):  # type: ignore[no-untyped-def]
    ingest_file(sample_dir / "plan" / "rivermouth-climate-plan.md", name="rivermouth")
    return load_chat("rivermouth")


@pytest.fixture(scope="module")
def questions_file(sample_dir: Path) -> Path:
    return sample_dir / "plan" / "questions.jsonl"


@pytest.mark.slow
def test_largest_language_refused_is_the_one_served_worse(sample_chat, questions_file: Path) -> None:  # type: ignore[no-untyped-def]
    questions = load_questions([questions_file])
    cut = [q.__class__(q.id, " ".join(q.text.split()[:2]), q.language, q.answerable) if q.language == "en" else q
           for q in questions]
    asked = ask_all(sample_chat, cut, {}, audiences=("general",))
    report, findings = build_report(asked, plans=[{"name": "rivermouth", "version": "test"}], min_group_size=5, seed=0)
    worse = served_worse(findings)
    assert ("language", "en", "refusal_rate") in {(f.group_column, f.group, f.metric) for f in worse}
    assert not [f for f in worse if f.metric == "refusal_rate" and f.group != "en"]
    assert report["served_worse"][0] == "language:en"
    assert any(line["severity"] == "flag" and "“en”" in line["sentence"] for line in report["verdict"])


@pytest.mark.slow
def test_chat_audit_counts_judged_quotes_and_feedback_and_never_shows_a_question(
        sample_chat, questions_file: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from civicai.store import session_scope
    from civicai.workspace.chat import store_feedback

    rows = [json.loads(line) for line in questions_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    # Judge quotes the way the pooled evaluation does, here by the gold answer: "yes" when the quote holds it.
    judged = []
    for row in rows:
        if row["answerable"]:
            for citation in sample_chat.ask(row["question"]).citations:
                label = "yes" if quote_norm(row["expected_answer"]) in quote_norm(citation.quote) else "no"
                judged.append({"id": row["id"], "quote": citation.quote, "label": label})
    judgements = tmp_path / "judgements.jsonl"
    judgements.write_text("\n".join(json.dumps(j) for j in judged), encoding="utf-8")
    plan_id = sample_chat.stored.info.id
    with session_scope(get_settings().resolved_database_url) as session:
        for language, rating, count in (("en", 1, 12), ("en", -1, 1), ("fr", -1, 9), ("fr", 1, 1), ("da", -1, 2)):
            for i in range(count):
                store_feedback(session, question=f"Question {i} from jane@example.org", answer="…", rating=rating,
                               plan_id=plan_id, language=language)

    result = run_chat_audit("rivermouth", ChatAuditOptions(out_dir=tmp_path / "audit", questions=(questions_file,),
                                                           judgements=judgements, min_group_size=10))
    report = result.report
    assert report["questions"] == {"n": 67, "asks": 201, "answerable": 50, "audiences": ["child", "expert", "general"]}
    assert report["groups"]["language"] == {"da": None, "de": 11, "en": 22, "fr": 14, "nl": 11}
    assert all(f["suppressed"] and f["value"] is None for f in report["findings"] if f["group"] == "da")
    en = next(f for f in report["findings"] if f["group_column"] == "language" and f["group"] == "en"
              and f["metric"] == "judged_citation_rate")
    assert 0 < en["value"] <= 1 and en["n"] == 17
    # every quote of the general audience was judged above, so none of its answers is left undetermined
    assert set(report["undetermined_citations"]["language"].values()) == {0}
    table = {row["language"]: row for row in summary_rows(report)}  # what the /audit Chat tab shows
    assert table["da"]["questions"] is None and table["da"]["refusal_rate"] is None
    assert table["en"]["questions"] == 22 and "%" in table["en"]["refusal_rate"]
    feedback = {f["group"]: f for f in report["findings"] if f["group_column"] == "feedback language"}
    assert feedback["fr"]["events"] == 9 and feedback["fr"]["n"] == 10 and feedback["da"]["suppressed"]
    assert "feedback language:fr" in report["served_worse"]
    written = result.json_path.read_text(encoding="utf-8") + result.html_path.read_text(encoding="utf-8")
    assert "jane" not in written and "[EMAIL]" not in written
    assert not [r["question"] for r in rows if r["question"] in written]


def test_cli_chat_audit_explains_what_is_missing(questions_file: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    def audit(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "civicai", "audit", *args, "--out", str(tmp_path)],
                              capture_output=True, text=True, timeout=300)

    not_stored = audit("--chat", "copenhagen", "--questions", str(questions_file))
    assert not_stored.returncode == 2 and "plan ingest" in not_stored.stderr
    paris_only = tmp_path / "paris.jsonl"
    paris_only.write_text('{"id": "p1", "plan": "paris", "question": "Quand ?", "language": "fr"}\n', encoding="utf-8")
    other_plan = audit("--chat", "copenhagen", "--questions", str(paris_only))
    assert other_plan.returncode == 2 and "no question" in other_plan.stderr and "copenhagen" in other_plan.stderr
    neither = audit()
    assert neither.returncode == 2 and "--chat PLAN" in neither.stderr


@pytest.mark.slow
def test_translations_that_lose_their_meaning_are_flagged_against_their_originals(
        sample_chat, questions_file: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Each answerable English question gets a "translation" cut to its first two words (ids q-en-NN-fr, half
    also naming `translation_of`): the paired test must find them refused more than their own originals."""
    rows = [json.loads(line) for line in questions_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    english = [r for r in rows if r["language"] == "en" and r["answerable"]]
    cut = [{"id": f"{r['id']}-fr", "question": " ".join(r["question"].split()[:2]), "language": "fr",
            "answerable": True, **({"translation_of": r["id"]} if i % 2 else {})} for i, r in enumerate(english)]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in english + cut), encoding="utf-8")
    questions = load_questions([path])
    assert sum(q.original is not None for q in questions) == len(english)
    asked = ask_all(sample_chat, questions, {}, audiences=("general",))
    report, _ = build_report(asked, plans=[{"name": "rivermouth", "version": "test"}], min_group_size=5, seed=0)
    refused = next(r for r in report["paired"] if r["measure"] == "refused")
    assert refused["language"] == "fr" and refused["pairs"] == len(english) and refused["flagged"]
    assert refused["worse_in_translation"] > refused["better_in_translation"]
    assert "translation:fr" in report["served_worse"]


@pytest.mark.slow
def test_residents_questions_are_counted_by_language_without_their_text(migrated_db_url: str, tmp_path: Path,
                                                                          plan_source_url: str) -> None:
    """Questions asked through the real API are counted (language, audience, kind, latency), never stored as
    text, and the chat audit compares the counts per language."""
    from fastapi.testclient import TestClient
    from sqlalchemy import select, text

    from _api_support import copy_plan, make_app
    from civicai.bias.chat_audit import logged_specs
    from civicai.bias.stats import compare_all
    from civicai.store import session_scope
    from civicai.store.schema import ChatQuestionLog
    from civicai.workspace.security import RateLimit

    copy_plan(plan_source_url, migrated_db_url)
    app = make_app(migrated_db_url, tmp_path / "home", rate_limit=RateLimit(per_minute=600, burst=100))
    secret = "my email is jane.doe@example.org and I live at 12 Mill Street"
    english = ["How much does a place in a bike hangar cost?", "When will the tram line T3 open?",
               f"What is the emissions target for 2030? {secret}", "xyzzy plugh frobnicate"] * 2
    french = ["Combien coûte une place dans un abri à vélos ?", "Quand la ligne de tram T3 ouvrira-t-elle ?"] * 3
    with TestClient(app) as client:
        for question in english + french[:-1]:
            assert client.post("/api/chat", json={"question": question}).status_code == 200
        streamed = client.post("/api/chat/stream", json={"question": french[-1], "audience": "child"})
        assert streamed.status_code == 200 and '"answer"' in streamed.text.splitlines()[-1]

    with session_scope(migrated_db_url) as session:
        rows = session.scalars(select(ChatQuestionLog)).all()
        assert len(rows) == len(english) + len(french)
        assert {r.language for r in rows} == {"en", "fr"} and {r.audience for r in rows} == {"general", "child"}
        assert all(r.kind and r.latency_ms is not None and r.latency_ms >= 0 for r in rows)
        dump = "\n".join(str(row) for row in session.execute(text("SELECT * FROM chat_questions")).all())
    assert "jane" not in dump and "Mill" not in dump and "hangar" not in dump  # counts only, no text

    specs, n = logged_specs("rivermouth", migrated_db_url)
    assert n == len(english) + len(french)
    findings, _ = compare_all(specs, 5, np.random.default_rng(0), 0.05)
    by_group = {(f.group_column, f.group, f.metric): f for f in findings}
    assert by_group[("logged language", "en", "logged_not_direct_rate")].n == len(english)
    assert by_group[("logged language", "fr", "logged_not_direct_rate")].n == len(french)
    assert by_group[("logged audience", "child", "logged_guard_rate")].suppressed  # 1 question: below 5
