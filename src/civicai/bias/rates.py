"""Failure rates per group: why submissions were left unassigned, and why input rows were rejected.

Short texts, non-majority languages and dialects are where pipelines usually fail; each reason is its own
outcome so a report can say "Dutch submissions are left 'too_short' three times as often".
"""
from __future__ import annotations

import numpy as np

from civicai.bias.representation import group_values
from civicai.bias.runload import AuditRun
from civicai.bias.stats import ComparisonSpec

MIN_EVENTS_FOR_REASON = 5  # a reason seen fewer times overall says nothing per group


def rate_specs(run: AuditRun, column: str) -> list[ComparisonSpec]:
    specs: list[ComparisonSpec] = []
    groups = group_values(run.assignments, column)
    unassigned = run.assignments["primary_theme"].astype(str).str.strip() == ""
    reasons = run.assignments["unassigned_reason"].astype(str).str.strip()
    for reason in sorted(set(reasons[unassigned]) - {""}):
        outcome = (unassigned & (reasons == reason)).to_numpy()
        if outcome.sum() >= MIN_EVENTS_FOR_REASON:
            specs.append(ComparisonSpec("unassigned", f"unassigned_rate:{reason}", "rate", outcome, groups, column,
                                        note=f"left unassigned as '{reason}'"))
    if column != "language" and not run.rejected.empty and "reason" in run.rejected.columns:
        rejected_groups = group_values(run.rejected, column)
        all_groups = np.concatenate([groups, rejected_groups])
        rejected_reasons = run.rejected["reason"].astype(str).to_numpy()
        for reason in sorted(set(rejected_reasons)):
            hit = rejected_reasons == reason
            if hit.sum() < MIN_EVENTS_FOR_REASON:
                continue
            outcome = np.concatenate([np.zeros(len(groups), bool), hit])
            specs.append(ComparisonSpec("rejected", f"rejection_rate:{reason}", "rate", outcome, all_groups, column,
                                        note=f"rejected as '{reason}'"))
    return specs
