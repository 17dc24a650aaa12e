"""Store a finished run in the database: the consultation, its (redacted) submissions, the run manifest,
themes (parents first) and memberships. Re-running on the same file reuses the consultation and its
submissions, so triage done by staff is kept; each run adds its own themes."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from civicai.pipeline.analyse_question import QuestionAnalysis
from civicai.pipeline.options import AnalyseOptions
from civicai.pipeline.outputs import canonical
from civicai.pipeline.prepare import Prepared

_CHUNK = 2000


def external_ids(prepared: Prepared) -> list[str]:
    """Submission ids are unique per question; across questions the question number is prefixed."""
    keys = prepared.question_keys()
    if len(keys) == 1:
        return list(prepared.ids)
    index = {q: n + 1 for n, q in enumerate(keys)}
    return [f"Q{index[q]}:{i}" for q, i in zip(prepared.questions, prepared.ids)]


def store_run(options: AnalyseOptions, prepared: Prepared, analyses: list[QuestionAnalysis],
              written: dict[str, Any], manifest: dict[str, Any]) -> int:
    from civicai.store import init_db, session_scope
    from civicai.store.schema import AnalysisRun, Consultation, RunStatus, Submission, Theme, ThemeMembership

    url = options.database_url
    init_db(url)
    sha = manifest["input"]["sha256"]
    ext = external_ids(prepared)
    views = written["views"]
    with session_scope(url) as session:
        if options.consultation_id is not None:
            consultation = session.get(Consultation, options.consultation_id)
        else:
            consultation = session.scalars(select(Consultation).where(
                Consultation.source_file == str(options.input_path))).first()
        if consultation is None or (options.consultation_id is None
                                    and (consultation.settings or {}).get("input_sha256") != sha):
            question = prepared.questions[0] if len(prepared.question_keys()) == 1 else None
            consultation = Consultation(name=options.input_path.name, question=question,
                                        source_file=str(options.input_path), settings={"input_sha256": sha})
            session.add(consultation)
            session.flush()
        existing = dict(session.execute(select(Submission.external_id, Submission.id).where(
            Submission.consultation_id == consultation.id)).all())
        fresh = []
        for i in range(len(prepared)):
            if ext[i] not in existing:
                fresh.append({"consultation_id": consultation.id, "external_id": ext[i],
                              "question": prepared.questions[i], "text_redacted": prepared.texts[i],
                              "language": prepared.languages[i], "attributes": prepared.attributes[i],
                              "pii_redactions": prepared.pii[i]})
        for start in range(0, len(fresh), _CHUNK):
            session.execute(Submission.__table__.insert(), fresh[start:start + _CHUNK])
        ids = dict(session.execute(select(Submission.external_id, Submission.id).where(
            Submission.consultation_id == consultation.id)).all())
        changes = [{"id": ids[ext[i]], "duplicate_of": ids[ext[canonical(prepared, i)]] if
                    prepared.duplicate_of[i] is not None else None, "campaign_id": prepared.campaign_id[i],
                    "sentiment": views[i].sentiment, "language": prepared.languages[i]} for i in range(len(prepared))]
        for start in range(0, len(changes), _CHUNK):
            session.execute(update(Submission), changes[start:start + _CHUNK])

        run = AnalysisRun(consultation_id=consultation.id, status=RunStatus.DONE, manifest=manifest,
                          out_dir=str(options.out_dir))
        session.add(run)
        session.flush()
        by_key: dict[str, Theme] = {}
        records = written["themes"]
        for record in sorted(records, key=lambda r: r["level"] != "parent"):  # parents first: children point at them
            theme = Theme(run_id=run.id, key=record["id"], label=record["label"][:300], summary=record["summary"],
                          keywords=record["keywords"], size=record["size"], weight=float(record["weight"]),
                          parent_id=by_key[record["parent"]].id if record["parent"] else None,
                          sentiment=record["sentiment"], languages=record["languages"],
                          quotes=[{"submission_id": ids[_ext_of(prepared, ext, q["submission_id"], record)],
                                   "external_id": q["submission_id"], "text": q["text"]} for q in record["quotes"]])
            session.add(theme)
            session.flush()
            by_key[record["id"]] = theme
        memberships = []
        for i, view in enumerate(views):
            for rank, key in enumerate(view.themes if view.primary else []):
                memberships.append({"theme_id": by_key[key].id, "submission_id": ids[ext[i]],
                                    "score": 1.0, "is_primary": rank == 0})
        for start in range(0, len(memberships), _CHUNK):
            session.execute(ThemeMembership.__table__.insert(), memberships[start:start + _CHUNK])
        session.flush()
        return int(run.id)


def _ext_of(prepared: Prepared, ext: list[str], submission_id: str, record: dict[str, Any]) -> str:
    """External id of a quoted submission (ids repeat across questions, so match the theme's question too)."""
    for i, sid in enumerate(prepared.ids):
        if sid == submission_id and (record.get("question") is None or prepared.questions[i] == record["question"]):
            return ext[i]
    raise KeyError(submission_id)
