"""Plain-language verdict lines for a non-technical auditor, most serious first.

Severity: "flag" (a group's voice is lost or personal data leaked: act), "watch" (a difference worth
checking: classifier or perturbation sensitivity, too little data to tell), "info" (what groups talk
about differs; not in itself bias), "ok" (a stage checked and found even).
"""
from __future__ import annotations

from typing import Any

from civicai.bias.representation import STAGE_NOUNS, STAGES
from civicai.bias.stats import BAND, Finding, smoothed_ratio

SEVERITY_ORDER = {"flag": 0, "watch": 1, "info": 2, "ok": 3}
MAX_TOPIC_LINES = 6
WATCH_CHANGE_RATE = 0.05  # a perturbation that moves >5% of decisions is worth a look
WATCH_TRANSLATION = 0.2
MIN_COUNTERFACTUALS = 20  # fewer edited texts than this: a change rate means little


def who(finding: Finding) -> str:
    column = finding.group_column.replace("_", " ")
    return f"Submissions with {column} “{finding.group}”"


def _pct(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{100 * x:.1f}%" if 0 < x < 0.1 else f"{100 * x:.0f}%"


def rest(finding: Finding) -> str:
    """Who the group is compared with, in words: every other group, less those that depart themselves."""
    if not finding.reference_excludes:
        return "the other groups"
    left_out = ", ".join(f"“{g}”" for g in finding.reference_excludes)
    return f"the other groups (leaving out {left_out}, which depart too)"


def _voice_sentence(f: Finding) -> str:
    population = "of the input" if f.stage == "accepted" else "of the accepted submissions"
    ratio = f", ratio {f.ratio:.2f}" if f.ratio is not None else ""
    if f.value == 0:
        how = f"none of them reached this stage, against {_pct(f.reference_value)} of {rest(f)}"
    else:
        how = f"{_pct(f.value)} of them reached this stage against {_pct(f.reference_value)} of {rest(f)}{ratio}"
    return (f"{who(f)} are {_pct(f.share_population)} {population} but {_pct(f.share_outcome)} of the "
            f"{STAGE_NOUNS[f.stage]} ({how}).")


def _outside_band(f: Finding) -> bool:
    if f.reference_value is None:
        return False  # one shown group: nothing to compare with
    ratio = smoothed_ratio(f)
    return ratio is not None and not BAND[0] <= ratio <= BAND[1]


def _unclear_sentence(f: Finding) -> str:
    share = "none of them" if not f.events else f"{_pct(f.value)} of them"
    interval = (f" (ratio {f.ratio:.2f}, 95% interval {f.ci_low:.2f}–{f.ci_high:.2f})"
                if f.ratio is not None and f.ci_low is not None and f.ci_high is not None else "")
    return (f"{who(f)}: {share} among the {STAGE_NOUNS[f.stage]}, against {_pct(f.reference_value)} of {rest(f)}"
            f"{interval}. Too little data to tell whether that is a real difference or chance.")


def _line(sentence: str, severity: str, f: Finding | None = None, **extra: Any) -> dict[str, Any]:
    line = {"sentence": sentence, "severity": severity, **extra}
    if f is not None:
        line.update(group_column=f.group_column, group=f.group, stage=f.stage, metric=f.metric, ratio=f.ratio)
    return line


def verdict_lines(findings: list[Finding], report: dict[str, Any]) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    flagged = [f for f in findings if f.flagged]
    for f in flagged:
        if f.kind == "voice":
            lines.append(_line(_voice_sentence(f), "flag", f))
        elif f.kind == "rate":
            times = f"{f.ratio:.1f}×" if f.ratio is not None else "far more"
            lines.append(_line(f"{who(f)} are {times} as likely as {rest(f)} to be {f.note} "
                               f"({_pct(f.value)} vs {_pct(f.reference_value)}).", "flag", f))
        elif f.kind == "sentiment":
            lines.append(_line(f"{who(f)} are {f.note} {_pct(f.value)} of the time, {rest(f)} "
                               f"{_pct(f.reference_value)}: a real difference of opinion, or the classifier "
                               "reading one group differently (see the translation check).", "watch", f))
    topics = sorted((f for f in flagged if f.kind == "topic"), key=lambda f: -abs((f.ratio or 9) - 1))
    for f in topics[:MAX_TOPIC_LINES]:
        subject = who(f)
        lines.append(_line(f"Theme “{f.note}”: {_pct(f.value)} of {subject[0].lower() + subject[1:]} are in it, "
                           f"against {_pct(f.reference_value)} of {rest(f)}. Groups raise different topics; "
                           "this is not in itself bias.", "info", f))
    if len(topics) > MAX_TOPIC_LINES:
        lines.append(_line(f"{len(topics) - MAX_TOPIC_LINES} more theme differences between groups are in the "
                           "evidence tables.", "info"))
    for stage in STAGES:
        tested = [f for f in findings if f.stage == stage and not f.suppressed]
        # Outside the band but not flagged: the interval is too wide to say either way, so such a group
        # must never be listed under "no group is under-represented" (issue 17: 3.1% vs 9.0% was).
        unclear = [f for f in tested if not f.flagged and _outside_band(f)]
        if tested and not any(f.flagged for f in tested):
            columns = sorted({f.group_column for f in tested})
            if not unclear:
                lines.append(_line(f"No group is under- or over-represented among {STAGE_NOUNS[stage]} "
                                   f"(checked by {', '.join(columns)}; band {BAND[0]}–{BAND[1]}).", "ok",
                                   stage=stage))
            elif len(unclear) < len(tested):
                lines.append(_line(f"No other group is under- or over-represented among {STAGE_NOUNS[stage]} "
                                   f"(checked by {', '.join(columns)}; band {BAND[0]}–{BAND[1]}).", "ok",
                                   stage=stage))
        for f in unclear[:3]:
            lines.append(_line(_unclear_sentence(f), "watch", f))
        if len(unclear) > 3:
            lines.append(_line(f"{len(unclear) - 3} more group(s) differ among {STAGE_NOUNS[stage]} with too "
                               "little data to tell; see the evidence tables.", "watch", stage=stage))
    suppressed = sorted({(f.group_column, f.group) for f in findings if f.suppressed})
    if suppressed:
        lines.append(_line(f"{len(suppressed)} group(s) have fewer than {report['method']['min_group_size']} "
                           "submissions and are not shown (small groups could identify people).", "info"))
    lines.extend(_other_measures(report))
    lines.sort(key=lambda line: SEVERITY_ORDER[line["severity"]])
    return lines


def _other_measures(report: dict[str, Any]) -> list[dict[str, Any]]:
    lines = []
    leaks = report.get("leakage", {})
    if leaks.get("total"):
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(leaks.get("by_kind", {}).items()))
        lines.append(_line(f"{leaks['total']} possible personal detail(s) found in the outputs ({kinds}); "
                           "see the leakage table and fix the redaction before publishing.", "flag"))
    elif "files_scanned" in leaks:
        lines.append(_line(f"No personal data found in {', '.join(leaks['files_scanned'])}.", "ok"))
    for row in report.get("counterfactuals", {}).get("by_perturbation", []):
        if row["n"] < MIN_COUNTERFACTUALS:
            lines.append(_line(f"Only {row['n']} sampled submission(s) had {row['perturbation']} words to change: "
                               "too few to judge that edit.", "info"))
            continue
        rate = max(row["theme_change_rate"], row["sentiment_change_rate"] or 0)
        text = (f"Changing {row['perturbation']} in {row['n']} submissions changed the theme of "
                f"{_pct(row['theme_change_rate'])} and the sentiment of {_pct(row['sentiment_change_rate'])}.")
        lines.append(_line(text, "watch" if rate > WATCH_CHANGE_RATE else "ok"))
    check = report.get("translation_check", {})
    if check.get("any_disagreement_rate") is not None:
        rate = check["any_disagreement_rate"]
        lines.append(_line(f"The same sentence in {', '.join(check['languages'])} got different sentiment labels "
                           f"in {_pct(rate)} of {check['n_items']} translated pairs.",
                           "watch" if rate > WATCH_TRANSLATION else "ok"))
    inflated = [t for t in report.get("campaigns", {}).get("themes", []) if t.get("inflated")]
    for theme in inflated[:5]:
        lines.append(_line(f"Theme “{theme['label']}” counts {theme['weight']} submissions but only {theme['size']} "
                           "distinct ones: copies and campaigns inflate it.", "info"))
    return lines
