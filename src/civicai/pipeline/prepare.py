"""The first stages: validate/normalise (ingest) -> redact PII -> detect language -> duplicates/campaigns.

Redaction comes before anything else sees the text: the raw text is dropped right after it, so no later
stage, checkpoint, output or model ever holds it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from civicai.pipeline.checkpoint import Checkpoints, stage_key
from civicai.pipeline.options import AnalyseOptions
from civicai.pipeline.timing import StageTimer


@dataclass
class Prepared:
    """Accepted submissions after redaction (parallel lists, one entry per submission)."""

    ids: list[str]
    rows: list[int]
    texts: list[str]  # redacted
    questions: list[str | None]
    attributes: list[dict[str, str]]
    pii: list[dict[str, int]]  # redactions per kind
    rejected: list[dict[str, Any]]
    layout: str
    columns: dict[str, Any]  # text/id/group/question columns as used, and ingest's notes
    languages: list[str] = field(default_factory=list)
    language_scores: list[float] = field(default_factory=list)
    duplicate_of: list[int | None] = field(default_factory=list)  # index of the canonical submission
    campaign_id: list[str | None] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def question_keys(self) -> list[str | None]:
        seen: dict[str | None, None] = {}
        for q in self.questions:
            seen.setdefault(q, None)
        return list(seen) or [None]


def _ingest_and_redact(options: AnalyseOptions, timer: StageTimer, erased: list[str]) -> dict[str, Any]:
    from civicai.ingest import read_submissions
    from civicai.privacy import Redactor

    with timer("validate"):
        result = read_submissions(options.input_path, text_column=options.text_column, id_column=options.id_column,
                                  group_columns=options.group_columns, question_column=options.question_column)
        _skip_erased(result.submissions, erased)
    with timer("redact"):
        raw = [s.text for s in result.submissions]
        redacted = Redactor(use_ner=options.use_ner).redact_many(raw, None, progress=options.progress,
                                                                  workers=options.workers)
        del raw
    submissions = result.submissions
    prepared = {
        "ids": [s.id for s in submissions], "rows": [s.row for s in submissions],
        "texts": [r.text for r in redacted], "questions": [s.question for s in submissions],
        "attributes": [dict(s.attributes) for s in submissions], "pii": [r.counts for r in redacted],
        "rejected": [asdict(r) for r in result.rejected], "layout": result.layout,
        "columns": {"text": result.text_column, "id": result.id_column, "groups": list(result.group_columns),
                    "question": result.question_column, "notes": list(result.notes)},
    }
    submissions.clear()  # the raw texts go with them
    return prepared


def erased_ids(options: AnalyseOptions) -> list[str]:
    """Ids erased (GDPR) from the consultation this input feeds: never read again, by a resume or a re-run."""
    if not options.store or not options.database_url:
        return []
    from civicai.store.db import init_db
    from civicai.workspace.erasure import erased_external_ids

    init_db(options.database_url)
    return sorted(erased_external_ids(options.database_url, str(options.input_path), options.consultation_id))


def _skip_erased(submissions: list, erased: list[str]) -> None:
    if not erased:
        return
    keys: dict[str | None, int] = {}
    for s in submissions:
        keys.setdefault(s.question, len(keys) + 1)
    gone = set(erased)

    def external(s) -> str:  # as persist.external_ids numbers them
        return f"Q{keys[s.question]}:{s.id}" if len(keys) > 1 else str(s.id)

    submissions[:] = [s for s in submissions if external(s) not in gone]


def _languages(texts: list[str]) -> dict[str, Any]:
    from civicai.text.language import detect_many

    guesses = detect_many(texts)
    return {"codes": [g.code for g in guesses], "scores": [round(float(g.score), 4) for g in guesses]}


def _duplicates(prepared: Prepared) -> dict[str, Any]:
    """Exact, near-duplicate and campaign detection, separately per question (the same sentence answering
    two questions is not a copy)."""
    from civicai.dedup import find_duplicates

    n = len(prepared)
    duplicate_of: list[int | None] = [None] * n
    campaign_id: list[str | None] = [None] * n
    campaigns: list[dict[str, Any]] = []
    keys = prepared.question_keys()
    for q_index, key in enumerate(keys):
        members = [i for i in range(n) if prepared.questions[i] == key]
        result = find_duplicates([prepared.texts[i] for i in members], ids=[prepared.ids[i] for i in members])
        prefix = f"Q{q_index + 1}-" if len(keys) > 1 else ""
        for local, canonical in enumerate(result.duplicate_of):
            if canonical is not None:
                while result.duplicate_of[canonical] is not None and result.duplicate_of[canonical] != canonical:
                    canonical = result.duplicate_of[canonical]  # follow chains to the first copy
                if canonical != local:
                    duplicate_of[members[local]] = members[canonical]
        for local, cid in enumerate(result.campaign_id):
            if cid is not None:
                campaign_id[members[local]] = prefix + str(cid)
        for campaign in result.campaigns:
            campaigns.append({"id": prefix + str(campaign.id), "question": key, "size": int(campaign.size),
                              "canonical_id": prepared.ids[members[campaign.canonical_index]],
                              "member_ids": [prepared.ids[members[j]] for j in campaign.member_indices],
                              "example_text": campaign.example_text})
    return {"duplicate_of": duplicate_of, "campaign_id": campaign_id, "campaigns": campaigns}


def prepare(options: AnalyseOptions, checkpoints: Checkpoints, input_sha256: str,
            timer: StageTimer) -> tuple[Prepared, str]:
    """Run (or resume) the first stages; returns the submissions and the checkpoint key chain so far."""
    erased = erased_ids(options)
    key = stage_key(input_sha256, "redact", {"text": options.text_column, "id": options.id_column,
                                             "groups": list(options.group_columns),
                                             "question": options.question_column, "ner": options.use_ner,
                                             # only when there is one: older checkpoints keep their keys
                                             **({"erased": erased} if erased else {})})
    data = checkpoints.json("redact", key, lambda: _ingest_and_redact(options, timer, erased))
    timer.finished("redact")
    prepared = Prepared(**data)
    key = stage_key(key, "language", {})
    with timer("language"):
        languages = checkpoints.json("language", key, lambda: _languages(prepared.texts))
    timer.finished("language")
    prepared.languages, prepared.language_scores = languages["codes"], languages["scores"]
    key = stage_key(key, "dedup", {})
    with timer("dedup"):
        dups = checkpoints.json("dedup", key, lambda: _duplicates(prepared))
    timer.finished("dedup")
    prepared.duplicate_of, prepared.campaign_id, prepared.campaigns = (
        dups["duplicate_of"], dups["campaign_id"], dups["campaigns"])
    return prepared, key
