"""Representation at every stage: is each group's voice kept from the input to the quotes a reader sees?

Each stage is a yes/no outcome per submission (see STAGES). A group whose submissions are dropped
anywhere along the way gets a low rate there. Quotes and citations are measured over distinct submissions
(copies, `duplicate_of`, are left out): the pipeline only ever quotes originals, and crediting every copy
of a quoted campaign text would make the campaign's group look better heard than anyone else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from civicai.bias.runload import AuditRun
from civicai.bias.stats import UNKNOWN_GROUP, ComparisonSpec

# stage -> (metric, what it means in words; used by the report)
STAGES: dict[str, tuple[str, str]] = {
    "accepted": ("acceptance_rate", "submissions accepted for analysis (not rejected)"),
    "assigned": ("assignment_rate", "submissions placed in a theme (not left unassigned)"),
    "quoted": ("quote_rate", "submissions quoted in a theme"),
    "cited": ("citation_rate", "submissions cited in a theme summary"),
}
# What "share of X" means in a plain-language sentence, per stage.
STAGE_NOUNS = {"accepted": "accepted submissions", "assigned": "submissions placed in a theme",
               "quoted": "quoted voices", "cited": "voices cited in summaries"}


@dataclass
class RunFacts:
    """Per accepted submission: its group values and what happened to it, aligned to run.assignments."""

    ids: np.ndarray
    assigned: np.ndarray
    quoted: np.ndarray
    cited: np.ndarray
    members: dict[str, np.ndarray]  # theme id -> is member
    theme_labels: dict[str, str]
    is_copy: np.ndarray


def group_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), UNKNOWN_GROUP, dtype=object)
    values = frame[column].astype(str).str.strip()
    return np.where(values == "", UNKNOWN_GROUP, values).astype(object)


def _normalise(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


_QUOTED = re.compile(r"[“\"«„]([^”\"»“]{12,}?)[”\"»“]")


def cited_ids(theme: dict, texts: dict[str, str] | None = None) -> set[str]:
    """Submissions a theme's summary cites: an explicit list when the pipeline gives one; else every quote
    or member whose (redacted) text contains a sentence the summary quotes (extractive summaries quote
    central sentences), or, for a summary that quotes nothing, whose opening words it repeats."""
    for key in ("cited_ids", "citations", "summary_citations"):
        explicit = theme.get(key)
        if isinstance(explicit, list):
            return {str(item.get("submission_id") if isinstance(item, dict) else item) for item in explicit}
    summary = str(theme.get("summary", ""))
    segments = [_normalise(m) for m in _QUOTED.findall(summary)]
    segments = [seg for seg in segments if len(seg) >= 12]
    candidates = {str(q.get("submission_id")): str(q.get("text", "")) for q in theme.get("quotes") or []}
    if texts:
        for member in theme.get("submission_ids") or []:
            if str(member) in texts:
                candidates.setdefault(str(member), texts[str(member)])
    found: set[str] = set()
    if segments:
        for ident, text in candidates.items():
            normal = _normalise(text)
            if any(seg in normal for seg in segments):
                found.add(ident)
        return found
    flat = _normalise(summary)
    for ident, text in candidates.items():
        opening = _normalise(text)[:60]
        if opening and opening in flat:
            found.add(ident)
    return found


def run_facts(run: AuditRun) -> RunFacts:
    frame = run.assignments
    ids = frame["submission_id"].astype(str).to_numpy()
    originals = frame["duplicate_of"].astype(str).str.strip().to_numpy()
    quoted_ids = {str(q.get("submission_id")) for t in run.themes for q in (t.get("quotes") or [])}
    texts = None
    for column in ("text_redacted", "text"):
        if column in frame.columns:
            texts = dict(zip(frame["submission_id"].astype(str), frame[column].astype(str)))
            break
    cited = set().union(*(cited_ids(t, texts) for t in run.themes)) if run.themes else set()

    def heard(found: set[str]) -> np.ndarray:
        return np.array([i in found for i in ids], dtype=bool)

    membership = [{m.strip() for m in row.split(";")} for row in frame["themes"].astype(str)]
    primary = frame["primary_theme"].astype(str).str.strip()
    members: dict[str, np.ndarray] = {}
    labels: dict[str, str] = {}
    for theme in run.themes:
        key = str(theme.get("id"))
        labels[key] = str(theme.get("label", key))
        members[key] = np.fromiter((key in row for row in membership), dtype=bool, count=len(membership))
    return RunFacts(ids, (primary != "").to_numpy(), heard(quoted_ids), heard(cited), members, labels,
                    originals != "")


def representation_specs(run: AuditRun, facts: RunFacts, column: str) -> list[ComparisonSpec]:
    accepted_groups = group_values(run.assignments, column)
    specs: list[ComparisonSpec] = []
    if column != "language":  # rejected rows have no language; their acceptance is audited per group only
        rejected_groups = group_values(run.rejected, column) if not run.rejected.empty else np.array([], object)
        groups = np.concatenate([accepted_groups, rejected_groups])
        outcome = np.concatenate([np.ones(len(accepted_groups), bool), np.zeros(len(rejected_groups), bool)])
        specs.append(ComparisonSpec("accepted", STAGES["accepted"][0], "voice", outcome, groups, column))
    specs.append(ComparisonSpec("assigned", STAGES["assigned"][0], "voice", facts.assigned, accepted_groups, column))
    distinct = ~facts.is_copy
    for stage, outcome in (("quoted", facts.quoted), ("cited", facts.cited)):
        if not outcome.any():
            continue  # nothing quoted/cited at all: there is no stage to compare
        specs.append(ComparisonSpec(stage, STAGES[stage][0], "voice", outcome[distinct], accepted_groups[distinct],
                                    column))
    # What groups talk about is measured among the submissions placed in a theme, so a group left
    # unassigned (already flagged at "assigned") does not show up again as missing from every theme.
    placed = facts.assigned
    for key, is_member in facts.members.items():
        specs.append(ComparisonSpec(f"theme:{key}", "membership_rate", "topic", is_member[placed],
                                    accepted_groups[placed], column, note=facts.theme_labels.get(key, key)))
    return specs
