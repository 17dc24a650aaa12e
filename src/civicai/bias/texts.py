"""The redacted text of a run's submissions, for the counterfactual test (the models only ever see it).

Sources, first that works: the `text_redacted` column of assignments.csv (the pipeline writes it); the database (Submission.text is stored
redacted) when the run is stored; else the run's input file read again and redacted with
civicai.privacy exactly as the pipeline does (patterns, plus NER when the run used it).
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from civicai.bias.runload import AuditRun, find_value
from civicai.errors import CivicaiError


def load_texts(run: AuditRun, ids: Sequence[str], database_url: str | None = None) -> tuple[dict[str, str], str]:
    """(submission id -> redacted text, which source was used) for the ids that could be found."""
    wanted = set(ids)
    frame = run.assignments
    for column in ("text_redacted", "text"):
        if column in frame.columns:
            rows = frame[frame["submission_id"].isin(wanted)]
            return dict(zip(rows["submission_id"], rows[column])), f"assignments.csv ({column})"
    if run.run_id is not None:
        found = _from_database(run.run_id, wanted, database_url)
        if found:
            return found, "database"
    return _from_input(run, wanted), "input file, redacted again"


def _from_database(run_id: int, wanted: set[str], database_url: str | None) -> dict[str, str]:
    try:
        from sqlalchemy import select

        from civicai.store import session_scope
        from civicai.store.schema import AnalysisRun, Submission

        with session_scope(database_url) as session:
            run = session.get(AnalysisRun, run_id)
            if run is None:
                return {}
            rows = session.execute(select(Submission.external_id, Submission.text_redacted)
                                   .where(Submission.consultation_id == run.consultation_id,
                                          Submission.external_id.in_(wanted)))
            found = {str(external_id): str(text or "") for external_id, text in rows}
            return found
    except (SQLAlchemyError, CivicaiError):  # schema differs or no database: fall back to the input file
        return {}


def _from_input(run: AuditRun, wanted: set[str]) -> dict[str, str]:
    path = run.input_path
    if path is None or not path.exists():
        return {}
    from civicai.ingest import read_submissions
    from civicai.privacy import Redactor

    params = {key: find_value(run.manifest, ("parameters", key), ("params", key), ("options", key), (key,))
              for key in ("text_column", "id_column", "question_column", "use_ner")}
    result = read_submissions(path, text_column=params["text_column"], id_column=params["id_column"],
                              question_column=params["question_column"])
    chosen = [s for s in result.submissions if s.id in wanted]
    languages = dict(zip(run.assignments["submission_id"], run.assignments["language"]))
    redactor = Redactor(use_ner=params["use_ner"] is not False)
    redacted = redactor.redact_many([s.text for s in chosen], languages=[languages.get(s.id) or None for s in chosen])
    return {s.id: r.text for s, r in zip(chosen, redacted)}
