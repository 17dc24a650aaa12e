"""One comparison rule for every measure: a group's rate against the rest of the population's, with an
interval, a test, small-cell suppression and a multiple-testing correction.

Why this shape:
- Each group's rate is divided by the rate of everyone else (all other shown groups pooled). Aequitas's
  default, the largest group as reference, breaks exactly when the largest group is the one harmed (the
  biggest district, the majority language): every other group then looks different and the harmed one
  does not (issue 16). A ratio outside [0.8, 1.25] is a disparity worth a look.
- When one group departs strongly it drags the rest's rate with it, so the fair groups would look "over"
  against a pool that contains it. `compare_all` therefore steps down: after flagging, the flagged group of
  each comparison that departs most surely from its rest (largest |z|) leaves the pool of the others, and
  all are compared again, until no new group is flagged (while at least two groups stay in). A group that
  departs at a voice stage (its words lost) leaves the pools of every measure of its column: a district
  never placed in a theme also has no "off_topic" texts and leaves its quotes to others. With no bias
  nothing is flagged in the first pass and the procedure stops there, so the false-flag guarantee below is
  that of a single pass. Groups below min_group_size are left out of every pool too: otherwise the rests
  of two groups would differ by exactly the small group's count.
- A ratio alone flags noise in small groups, so a finding is *flagged* only when the ratio is outside the
  band AND its 95% bootstrap interval excludes 1 AND the difference survives Holm's correction across
  the report's comparisons (Fisher's exact test, group vs its rest; see `apply_flags`), which keeps the
  chance of any false flag in a report at or below 5%.
- The bootstrap resamples each group's outcomes (stratified: group sizes are fixed); for a binary outcome
  that is the Bayesian bootstrap of Rubin (1981), drawn here as Beta(k + 1/2, n - k + 1/2) so a group with
  zero events still gets an honest interval instead of [0, 0].
- Point estimates come from fairlearn's MetricFrame (selection_rate by group).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import gammaln

BAND = (0.8, 1.25)
ALPHA = 0.05
N_BOOT = 2000
UNKNOWN_GROUP = "(not given)"
REST = "rest"  # Finding.reference_group: every other shown group, pooled

# What a measure says about the pipeline: "voice" stages lose or keep people's words (a disparity there is
# bias the run introduced or passed on); "topic" and "sentiment" describe what groups said (a disparity
# there may be real difference of opinion); "rate" is the failure side of a voice stage.
KINDS = ("voice", "rate", "topic", "sentiment", "classifier")


@dataclass
class Finding:
    """One group at one stage of one measure (the rows of bias_report.json's `findings`)."""

    group_column: str
    group: str
    stage: str
    metric: str
    value: float | None
    reference_value: float | None
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    n: int | None
    flagged: bool
    suppressed: bool
    kind: str = "voice"
    reference_group: str | None = None  # REST: every other shown group pooled
    events: int | None = None  # how many of the group's n had the outcome
    reference_n: int | None = None  # size of the rest the group is compared with
    reference_events: int | None = None
    reference_excludes: list[str] = field(default_factory=list)  # groups left out of the rest: they depart too
    p_value: float | None = None
    p_adjusted: float | None = None
    share_population: float | None = None  # the group's share of the stage's population (shown groups only)
    share_outcome: float | None = None  # the group's share of those with the outcome (e.g. of the quoted)
    direction: str | None = None  # "under" | "over" when flagged
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ComparisonSpec:
    """A binary outcome over a population, to compare across the groups of one column."""

    stage: str
    metric: str
    kind: str
    outcome: np.ndarray  # bool, one per member of the population
    groups: np.ndarray  # str group label, one per member
    group_column: str
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _fairlearn_rates(outcome: np.ndarray, groups: np.ndarray) -> pd.Series:
    """Each group's selection rate via fairlearn's MetricFrame (the project's pinned fairness library)."""
    from fairlearn.metrics import MetricFrame, selection_rate

    frame = MetricFrame(metrics=selection_rate, y_true=outcome.astype(int), y_pred=outcome.astype(int),
                        sensitive_features=pd.Series(groups, name="group"))
    return frame.by_group


def _numpy_rates(outcome: np.ndarray, groups: np.ndarray) -> pd.Series:
    """The same rates by counting (MetricFrame costs ~0.3 s a call; a report makes hundreds of comparisons)."""
    labels, inverse = np.unique(groups, return_inverse=True)
    return pd.Series(np.bincount(inverse, weights=outcome) / np.bincount(inverse), index=labels)


def _log_choose(a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
    return gammaln(np.asarray(a) + 1) - gammaln(np.asarray(b) + 1) - gammaln(np.asarray(a) - np.asarray(b) + 1)


def fisher_two_sided(k: int, n: int, events: int, total: int) -> float:
    """Fisher's exact test (two-sided, as scipy's fisher_exact) for k events among a group of n, when
    `events` of `total` had the outcome: the sum of every table at most as likely as the one seen.
    The hypergeometric pmf is computed with log-gamma (scipy.stats' generic machinery is 20x slower)."""
    low, high = max(0, events - (total - n)), min(n, events)
    support = np.arange(low, high + 1)
    log_pmf = _log_choose(events, support) + _log_choose(total - events, n - support) - _log_choose(total, n)
    observed = log_pmf[k - low]
    return float(min(1.0, np.exp(log_pmf[log_pmf <= observed + 1e-7]).sum()))


def _ratio_draws(k: int, n: int, k_ref: int, n_ref: int, rng: np.random.Generator) -> np.ndarray:
    group = rng.beta(k + 0.5, n - k + 0.5, N_BOOT)
    reference = rng.beta(k_ref + 0.5, n_ref - k_ref + 0.5, N_BOOT)
    return group / reference


def compare(spec: ComparisonSpec, min_group_size: int, rng: np.random.Generator,
            departed: frozenset[str] = frozenset()) -> list[Finding]:
    """One Finding per group of `spec.groups`, each against the rest: every other group of at least
    min_group_size, less those in `departed` (found to depart themselves). Flags are set later by
    `apply_flags` (they need every p)."""
    outcome = np.asarray(spec.outcome, dtype=bool)
    groups = np.asarray(spec.groups, dtype=object)
    if outcome.size == 0:
        return []
    groups = groups.astype(str)  # once: comparing object arrays label by label is the slow part at 10k rows
    labels, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    events = np.bincount(inverse, weights=outcome, minlength=labels.size).astype(int)
    shown = counts >= min_group_size
    # Headline stages (people's words kept or lost) go through fairlearn; the many descriptive ones are counted.
    rates = (_fairlearn_rates if spec.kind == "voice" else _numpy_rates)(outcome, groups)
    # Shares among shown groups only, so no total minus the shown counts gives away a small group's count.
    total_n, total_k = int(counts[shown].sum()), int(events[shown].sum())
    findings: list[Finding] = []
    for index, label in enumerate(labels):
        n, k = int(counts[index]), int(events[index])
        left_out = sorted(str(g) for g in departed if g != label)
        in_pool = shown & (labels != label) & ~np.isin(labels, left_out)
        n_ref, k_ref = int(counts[in_pool].sum()), int(events[in_pool].sum())
        common = {"group_column": spec.group_column, "group": str(label), "stage": spec.stage,
                  "metric": spec.metric, "kind": spec.kind, "reference_group": REST, "note": spec.note}
        if n < min_group_size:
            findings.append(Finding(**common, value=None, reference_value=None, ratio=None, ci_low=None,
                                    ci_high=None, n=None, flagged=False, suppressed=True))
            continue
        value = float(rates.loc[label])
        finding = Finding(**common, value=value, reference_value=None, ratio=None, ci_low=None, ci_high=None,
                          n=n, flagged=False, suppressed=False, events=k, reference_excludes=left_out,
                          share_population=n / total_n, share_outcome=(k / total_k) if total_k else None)
        if n_ref >= min_group_size:  # a column with one shown group has nothing to compare with
            ref_value = k_ref / n_ref
            finding.reference_value, finding.reference_n, finding.reference_events = ref_value, n_ref, k_ref
            finding.ratio = (value / ref_value) if ref_value > 0 else None
            if (k + k_ref) > 0:
                draws = _ratio_draws(k, n, k_ref, n_ref, rng)
                finding.ci_low, finding.ci_high = (float(v) for v in np.quantile(draws, [0.025, 0.975]))
                # The test compares the same two sets as the ratio and its interval (group vs its rest).
                finding.p_value = fisher_two_sided(k, n, k + k_ref, n + n_ref)
        findings.append(finding)
    return findings


def smoothed_ratio(finding: Finding) -> float | None:
    """The ratio, or (when the reference rate is 0) its Jeffreys-smoothed value, so 5/50 vs 0/200 still counts."""
    if finding.ratio is not None:
        return finding.ratio
    if finding.events is None or finding.n is None or finding.reference_n is None:
        return None
    k, n, k_ref, n_ref = finding.events, finding.n, finding.reference_events or 0, finding.reference_n
    return ((k + 0.5) / (n + 1)) / ((k_ref + 0.5) / (n_ref + 1))


# Three families of tests share the error budget. Whether people's words are kept (the voice stages the
# verdict asks auditors to act on) gets half of it; why they were lost (per-reason failure rates, the
# classifier) and what groups said (theme membership, sentiment) a quarter each.
FAMILIES = {"voice": "kept", "rate": "why", "classifier": "why", "topic": "said", "sentiment": "said"}
FAMILY_SHARE = {"kept": 0.5, "why": 0.25, "said": 0.25}


def holm(p_values: list[float], alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(Holm-adjusted p-values, rejected at alpha): strong control of the chance of any false flag."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return p, np.zeros(0, dtype=bool)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate(p[order] * (m - np.arange(m))).clip(max=1.0)
    adjusted = np.empty(m)
    adjusted[order] = stepped
    return adjusted, adjusted <= alpha


def apply_flags(findings: list[Finding], alpha: float = ALPHA) -> int:
    """Set p_adjusted, flagged and direction on every testable finding; returns the number of tests.

    Holm's procedure within each family at its share of alpha (the shares sum to 1): whatever the data,
    the chance that the report raises any false flag stays at or below alpha (Bonferroni across families,
    Holm within; measured in evaluation/bias_detection.py).
    """
    testable = [f for f in findings if f.p_value is not None and not f.suppressed]
    families: dict[str, list[Finding]] = {}
    for finding in testable:
        families.setdefault(FAMILIES.get(finding.kind, "kept"), []).append(finding)
    for family, members in families.items():
        adjusted, rejected = holm([f.p_value for f in members], alpha * FAMILY_SHARE[family])
        for finding, p_adj, significant in zip(members, adjusted, rejected):
            finding.p_adjusted = float(p_adj)
            ratio = smoothed_ratio(finding)
            outside = ratio is not None and not (BAND[0] <= ratio <= BAND[1])
            ci_excludes_one = finding.ci_low is not None and (finding.ci_low > 1.0 or finding.ci_high < 1.0)
            finding.flagged = bool(significant and outside and ci_excludes_one)
            if finding.flagged:
                finding.direction = "under" if ratio < 1 else "over"
    return len(testable)


def _departure_z(finding: Finding) -> float:
    """|z| of the two-proportion test, group vs its rest: the size of the departure in standard errors
    (Fisher's p, which orders the same way, underflows to 0 for the largest departures)."""
    k, n, k_ref, n_ref = finding.events or 0, finding.n or 0, finding.reference_events or 0, finding.reference_n or 0
    pooled = (k + k_ref) / (n + n_ref)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / n_ref))
    return abs(k / n - k_ref / n_ref) / spread if spread > 0 else 0.0


def compare_all(specs: list[ComparisonSpec], min_group_size: int, rng: np.random.Generator,
                alpha: float = ALPHA) -> tuple[list[Finding], int]:
    """Every spec's findings against the rest, flagged, with the step-down described in the module
    docstring; returns (findings, number of tests)."""
    own = [frozenset[str]() for _ in specs]  # groups each spec's own step-down found departing
    used = [frozenset[str]() for _ in specs]  # the groups each spec's findings were computed without
    per_spec = [compare(spec, min_group_size, rng) for spec in specs]
    while True:
        findings = [f for found in per_spec for f in found]
        n_tests = apply_flags(findings, alpha)
        for i, found in enumerate(per_spec):
            new = [f for f in found if f.flagged and f.group not in used[i]]
            shown = sum(1 for f in found if not f.suppressed)
            if new and shown - len(used[i]) - 1 >= 2:  # leave at least two groups to compare
                own[i] = own[i] | {max(new, key=_departure_z).group}
        # A group whose words are lost at a voice stage is treated differently by the pipeline: it drags
        # every other measure of its column too (a district never placed has no "off_topic" texts, and
        # a fixed number of quotes goes to the others), so it leaves the rest of the column's measures.
        carried: dict[str, frozenset[str]] = {}
        for spec, departed in zip(specs, own):
            if spec.kind == "voice":
                carried[spec.group_column] = carried.get(spec.group_column, frozenset()) | departed
        changed = False
        for i, spec in enumerate(specs):
            shown = sum(1 for f in per_spec[i] if not f.suppressed)
            wanted = own[i] | carried.get(spec.group_column, frozenset())
            if shown - len(wanted) < 2:
                wanted = own[i]
            if wanted != used[i]:
                used[i] = wanted
                per_spec[i] = compare(spec, min_group_size, rng, wanted)
                changed = True
        if not changed:  # own and carried only grow and are bounded by the groups, so this ends
            return findings, n_tests
