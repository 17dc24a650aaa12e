"""Audit of the residents' chat: are questions in every language, and for every audience, served alike?

Questions with known answers (JSONL rows: id, question, language, answerable, optional plan) are asked of
a stored plan, each under every audience (child, general, expert), and timed. Per ask:
- refused: an answerable question got no direct answer (refused, only the closest passage, a request to
  clarify, or stopped by the guard);
- judged citation: an answerable question given at least one quote (direct or closest passage) that a
  blind assessor judged to answer it (judgement rows: id, quote, label). An answer with no quote judged "yes" but some quote nobody
  judged is undetermined: left out of this measure and counted per group (counting it as wrong would make
  a group whose quotes were judged less often, such as another audience's, look worse);
- guarded: stopped as off-topic, abuse or injection (every question here is a fair one);
- slow: among the slowest tenth of this audit's asks;
- answered unanswerable: the plan does not hold the answer, yet the chat answered.
Groups are the question's language (general audience only, so each question counts once) and the audience
(every question under each). Each group is compared with the rest by civicai.bias.stats.compare_all: the
interval, test, multiple-testing correction, suppression below min_group_size and flag rule of the analysis
audit. A flag in the harmful direction (more refused, fewer correct citations, ...) means that group is
served worse.

Languages are not spread evenly over plans and topics (a set's Danish questions may all be on the hardest
plan), so where a question names its English original (`translation_of`, or its id less a "-<language>"
tail) each translation is also compared with its own original: an exact McNemar test on the pairs where
only one of the two was refused (or answered with a judged-correct quote), Holm-corrected over these
paired tests as a family of their own at alpha (so a report has two 5% budgets: group comparisons, pairs).

Real use: every resident question is counted in chat_questions (its language, audience, kind of answer and
latency; never its text), and residents' thumbs up/down are kept in chat_feedback (question redacted). Both
are only counted here, per language (and audience): the share not answered directly, the share stopped by the
guard, the share rated down, compared the same way. No question is ever shown.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from civicai.bias.stats import ALPHA, BAND, UNKNOWN_GROUP, ComparisonSpec, Finding, compare_all
from civicai.errors import InputError
from civicai.rag.types import AUDIENCES, Answer, AnswerKind

GUARD_KINDS = (AnswerKind.OFF_TOPIC, AnswerKind.ABUSE, AnswerKind.INJECTION)
SLOW_QUANTILE = 0.9
# metric -> (kind for the error budget, the direction that serves the group worse, words for the verdict)
METRICS: dict[str, tuple[str, str, str]] = {
    "refusal_rate": ("voice", "over", "answerable questions not answered directly"),
    "judged_citation_rate": ("voice", "under", "answerable questions given a quote judged correct"),
    "guard_rate": ("rate", "over", "fair questions stopped as off-topic, abuse or injection"),
    "slow_rate": ("rate", "over", "questions among the slowest tenth"),
    "answered_unanswerable_rate": ("rate", "over", "unanswerable questions answered anyway"),
    "feedback_down_rate": ("rate", "over", "rated answers rated down by residents"),
    "logged_not_direct_rate": ("rate", "over", "residents' questions not answered directly"),
    "logged_guard_rate": ("rate", "over", "residents' questions stopped as off-topic, abuse or injection"),
}


@dataclass(frozen=True)
class ChatQuestion:
    id: str
    text: str
    language: str
    answerable: bool
    original: str | None = None  # id of the English question this one translates


@dataclass(frozen=True)
class Asked:
    """One question asked under one audience, and what the chat did."""

    question: ChatQuestion
    audience: str
    kind: str
    judged_correct: bool | None  # None: answered, no quote judged "yes", some quote never judged
    unjudged: int  # cited quotes nobody judged
    seconds: float

    @property
    def refused(self) -> bool:
        return self.kind != AnswerKind.ANSWERED


def quote_norm(text: str) -> str:
    """Quotes match their judgements under the evaluation's normalisation (accents folded, only letters,
    digits, % and €), so a re-flowed space or apostrophe still finds its label."""
    from civicai.rag.tokenize import fold

    return re.sub(r"[^a-z0-9%€]", "", fold(text.replace("’", "'")))


def default_question_files() -> tuple[tuple[Path, ...], Path | None]:
    """The checkout's evaluation question sets and their judgements (a development install has them; an
    installed package does not, and the caller must name a question set)."""
    from civicai.paths import project_root

    sets = project_root() / "evaluation" / "questions"
    files = tuple(p for p in (sets / "ccc.jsonl", sets / "ccc_dev.jsonl", sets / "yesno.jsonl") if p.is_file())
    judgements = sets / "citation_judgements.jsonl"
    return files, judgements if judgements.is_file() else None


def summary_rows(report: dict[str, Any], column: str = "language") -> list[dict[str, Any]]:
    """One row per group of `column`: each measure's rate (None when suppressed), for a table on screen."""
    rows: dict[str, dict[str, Any]] = {}
    for f in report["findings"]:
        if f["group_column"] != column:
            continue
        row = rows.setdefault(f["group"], {column: f["group"], "questions": report["groups"].get(column, {}).get(
            f["group"])})
        mark = ""
        if f["flagged"]:
            mark = " worse" if f["direction"] == METRICS[f["metric"]][1] else " better"
        row[f["metric"]] = None if f["suppressed"] else f"{100 * f['value']:.0f}%{mark}"
    return list(rows.values())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_questions(paths: Iterable[Path], plan: str | None = None) -> list[ChatQuestion]:
    """Rows with a question and a language (rows naming another plan are skipped; a repeated id keeps its last
    row). A row whose `translation_of` (or id less a "-<language>" tail) is another row gets it as original."""
    rows: dict[str, dict[str, Any]] = {}
    for path in paths:
        for row in read_jsonl(path):
            if "question" not in row or "language" not in row or (plan and row.get("plan", plan) != plan):
                continue
            rows[str(row.get("id", f"{path.stem}-{len(rows)}"))] = row
    questions = []
    for ident, row in rows.items():
        language = str(row["language"])[:2]
        original = row.get("translation_of") or (ident.removesuffix(f"-{language}") if language != "en" else None)
        questions.append(ChatQuestion(ident, str(row["question"]), language, bool(row.get("answerable", True)),
                                      original if original in rows and original != ident else None))
    return questions


def load_judgements(path: Path | None) -> dict[tuple[str, str], str]:
    """(question id, normalised quote) -> "yes" | "partial" | "no"."""
    if path is None or not path.is_file():
        return {}
    return {(str(r["id"]), quote_norm(r["quote"])): str(r["label"]) for r in read_jsonl(path)}


def ask_all(chat: Any, questions: list[ChatQuestion], judgements: dict[tuple[str, str], str],
            audiences: tuple[str, ...] = AUDIENCES) -> list[Asked]:
    """Ask every question under every audience, timing each `ask` (one untimed ask first warms caches)."""
    if questions:
        chat.ask(questions[0].text)
    asked: list[Asked] = []
    for question in questions:
        for audience in audiences:
            started = time.perf_counter()
            answer: Answer = chat.ask(question.text, audience=audience)
            seconds = time.perf_counter() - started
            # a closest-passage answer (abstained, with quotes) that quotes the right passage still serves
            labels = [judgements.get((question.id, quote_norm(c.quote))) for c in answer.citations]
            unjudged = sum(label is None for label in labels)
            correct = "yes" in labels
            asked.append(Asked(question, audience, str(answer.kind),
                               judged_correct=None if unjudged and not correct else correct,
                               unjudged=unjudged, seconds=seconds))
    return asked


def _spec(metric: str, column: str, outcome: list[bool], groups: list[str]) -> ComparisonSpec:
    kind, _, words = METRICS[metric]
    return ComparisonSpec(metric.removesuffix("_rate"), metric, kind, np.array(outcome, dtype=bool),
                          np.array(groups, dtype=object), column, note=words)


def asked_specs(asked: list[Asked]) -> list[ComparisonSpec]:
    """The comparisons: per language on the general audience's asks, per audience on all of them."""
    if not asked:
        return []
    threshold = float(np.quantile([a.seconds for a in asked], SLOW_QUANTILE))
    specs: list[ComparisonSpec] = []
    views = (("language", [a for a in asked if a.audience == "general"] or asked, lambda a: a.question.language),
             ("audience", asked, lambda a: a.audience))
    for column, rows, group_of in views:
        answerable = [a for a in rows if a.question.answerable]
        unanswerable = [a for a in rows if not a.question.answerable]
        if answerable:
            groups = [group_of(a) for a in answerable]
            specs.append(_spec("refusal_rate", column, [a.refused for a in answerable], groups))
            determined = [a for a in answerable if a.judged_correct is not None]
            specs.append(_spec("judged_citation_rate", column, [bool(a.judged_correct) for a in determined],
                               [group_of(a) for a in determined]))
        if unanswerable:
            specs.append(_spec("answered_unanswerable_rate", column, [not a.refused for a in unanswerable],
                               [group_of(a) for a in unanswerable]))
        groups = [group_of(a) for a in rows]
        specs.append(_spec("guard_rate", column, [a.kind in GUARD_KINDS for a in rows], groups))
        specs.append(_spec("slow_rate", column, [a.seconds > threshold for a in rows], groups))
    return specs


def feedback_specs(plan: str, database_url: str) -> tuple[list[ComparisonSpec], int]:
    """Residents' ratings of this plan's answers, per language: counted, never read one by one."""
    from sqlalchemy import select

    from civicai.store import session_scope
    from civicai.store.schema import ChatFeedback, Plan

    with session_scope(database_url) as session:
        rows = session.execute(select(ChatFeedback.language, ChatFeedback.rating)
                               .join(Plan, Plan.id == ChatFeedback.plan_id).where(Plan.name == plan)).all()
    if not rows:
        return [], 0
    groups = [(language or "")[:2] or UNKNOWN_GROUP for language, _ in rows]
    return [_spec("feedback_down_rate", "feedback language", [rating < 0 for _, rating in rows], groups)], len(rows)


def logged_specs(plan: str, database_url: str) -> tuple[list[ComparisonSpec], int]:
    """Residents' own questions to this plan (chat_questions: language, audience, kind of answer; no text), per
    language and per audience: the share not answered directly and the share stopped by the guard. Counted only:
    whether a logged question was answerable is unknown, so these describe service, not accuracy."""
    from sqlalchemy import select

    from civicai.store import session_scope
    from civicai.store.schema import ChatQuestionLog, Plan

    with session_scope(database_url) as session:
        rows = session.execute(select(ChatQuestionLog.language, ChatQuestionLog.audience, ChatQuestionLog.kind)
                               .join(Plan, Plan.id == ChatQuestionLog.plan_id).where(Plan.name == plan)).all()
    if not rows:
        return [], 0
    guard = {str(k) for k in GUARD_KINDS}
    specs = []
    for column, groups in (("logged language", [(lang or "")[:2] or UNKNOWN_GROUP for lang, _, _ in rows]),
                           ("logged audience", [audience or UNKNOWN_GROUP for _, audience, _ in rows])):
        specs.append(_spec("logged_not_direct_rate", column,
                           [kind != AnswerKind.ANSWERED and kind not in guard for _, _, kind in rows], groups))
        specs.append(_spec("logged_guard_rate", column, [kind in guard for _, _, kind in rows], groups))
    return specs, len(rows)


def group_sizes(asked: list[Asked], min_group_size: int) -> dict[str, dict[str, int | None]]:
    sizes: dict[str, dict[str, int | None]] = {"language": {}, "audience": {}}
    general = [a for a in asked if a.audience == "general"] or asked
    for column, rows, group_of in (("language", general, lambda a: a.question.language),
                                   ("audience", asked, lambda a: a.audience)):
        values, counts = np.unique([group_of(a) for a in rows], return_counts=True) if rows else ([], [])
        sizes[column] = {str(v): (int(c) if c >= min_group_size else None) for v, c in zip(values, counts)}
    return sizes


def latency_ms(asked: list[Asked], min_group_size: int) -> dict[str, dict[str, float | None]]:
    """Median milliseconds per group (suppressed like every other number)."""
    out: dict[str, dict[str, float | None]] = {"language": {}, "audience": {}}
    general = [a for a in asked if a.audience == "general"] or asked
    for column, rows, group_of in (("language", general, lambda a: a.question.language),
                                   ("audience", asked, lambda a: a.audience)):
        by: dict[str, list[float]] = {}
        for a in rows:
            by.setdefault(group_of(a), []).append(a.seconds)
        out[column] = {g: (round(1000 * float(np.median(v)), 1) if len(v) >= min_group_size else None)
                       for g, v in sorted(by.items())}
    return out


def kind_counts(asked: list[Asked], min_group_size: int) -> dict[str, dict[str, dict[str, int] | None]]:
    """What the chat did with the answerable questions, per language (general audience): answered, closest
    passage, abstained, clarify, guard kinds (None for a group too small to show)."""
    by: dict[str, dict[str, int]] = {}
    for a in asked:
        if a.audience == "general" and a.question.answerable:
            counts = by.setdefault(a.question.language, {})
            counts[a.kind] = counts.get(a.kind, 0) + 1
    return {"language": {g: (c if sum(c.values()) >= min_group_size else None) for g, c in sorted(by.items())}}


def undetermined_counts(asked: list[Asked]) -> dict[str, dict[str, int]]:
    """Answerable asks left out of the judged-citation measure (their quotes were never judged), per group."""
    out: dict[str, dict[str, int]] = {"language": {}, "audience": {}}
    for a in asked:
        if not a.question.answerable:
            continue
        missing = int(a.judged_correct is None)
        if a.audience == "general":
            out["language"][a.question.language] = out["language"].get(a.question.language, 0) + missing
        out["audience"][a.audience] = out["audience"].get(a.audience, 0) + missing
    return out


def served_worse(findings: list[Finding]) -> list[Finding]:
    """Flagged findings in the direction that serves the group worse."""
    return [f for f in findings if f.flagged and f.direction == METRICS[f.metric][1]]


PAIRED = {"refused": lambda a: a.refused, "judged citation": lambda a: a.judged_correct}
PAIRED_WORSE = {"refused": True, "judged citation": False}  # the value that serves the translation worse


def paired_tests(asked: list[Asked], min_group_size: int, alpha: float = ALPHA) -> list[dict[str, Any]]:
    """Each answerable translation against its English original (general audience), per language and
    measure: counts of pairs where only one side did worse, exact McNemar p, Holm over the rows."""
    from scipy.stats import binomtest

    from civicai.bias.stats import holm

    by_id = {a.question.id: a for a in asked if a.audience == "general"}
    rows: list[dict[str, Any]] = []
    for language in sorted({a.question.language for a in by_id.values()} - {"en"}):
        pairs = [(a, by_id[a.question.original]) for a in by_id.values()
                 if a.question.language == language and a.question.answerable and a.question.original in by_id]
        for measure, value in PAIRED.items():
            usable = [(t, e) for t, e in pairs if value(t) is not None and value(e) is not None]
            if len(usable) < min_group_size:
                continue
            worse = sum(1 for t, e in usable if bool(value(t)) != bool(value(e)) and bool(value(t)) == PAIRED_WORSE[measure])
            better = sum(1 for t, e in usable if bool(value(t)) != bool(value(e))) - worse
            rows.append({"language": language, "measure": measure, "pairs": len(usable),
                         "translated_rate": sum(bool(value(t)) for t, _ in usable) / len(usable),
                         "original_rate": sum(bool(value(e)) for _, e in usable) / len(usable),
                         "worse_in_translation": worse, "better_in_translation": better,
                         "p_value": binomtest(worse, worse + better).pvalue if worse + better else 1.0})
    adjusted, rejected = holm([r["p_value"] for r in rows], alpha)
    for row, p_adj, significant in zip(rows, adjusted, rejected):
        row["p_adjusted"], row["flagged"] = float(p_adj), bool(significant and row["worse_in_translation"]
                                                                > row["better_in_translation"])
    return rows


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def verdict_lines(findings: list[Finding], unjudged: dict[str, dict[str, int]], n_tests: int,
                  pairs: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for row in pairs or []:
        if row["flagged"]:
            what = "not answered directly" if row["measure"] == "refused" else "given a quote judged correct"
            lines.append({"severity": "flag", "group_column": "translation", "group": row["language"],
                          "metric": row["measure"],
                          "sentence": f"Questions translated into “{row['language']}” are {what} "
                                      f"{_pct(row['translated_rate'])} of the time, their own English originals "
                                      f"{_pct(row['original_rate'])} ({row['worse_in_translation']} of "
                                      f"{row['pairs']} pairs worse in translation, {row['better_in_translation']} "
                                      f"better; adjusted p {row['p_adjusted']:.3f}): served worse in that language."})
    worse = served_worse(findings)
    for f in worse:
        noun = "Questions in" if f.group_column == "language" else \
            "Questions for the audience" if f.group_column == "audience" else "Feedback in"
        caveat = ""
        if f.metric == "judged_citation_rate" and unjudged.get(f.group_column, {}).get(f.group):
            caveat = (f" {unjudged[f.group_column][f.group]} answer(s) of this group quote passages nobody judged "
                      "and are left out: judge them before acting on this line.")
        lines.append({"severity": "flag", "group_column": f.group_column, "group": f.group, "metric": f.metric,
                      "sentence": f"{noun} “{f.group}” are served worse: {_pct(f.value)} of {f.note}, against "
                                  f"{_pct(f.reference_value)} for the other groups.{caveat}"})
    for f in findings:
        if f.flagged and f not in worse:
            lines.append({"severity": "info", "group_column": f.group_column, "group": f.group, "metric": f.metric,
                          "sentence": f"“{f.group}” ({f.group_column}) does better than the rest: {_pct(f.value)} of "
                                      f"{f.note}, against {_pct(f.reference_value)}."})
    for f in findings:  # outside the band with an interval that excludes 1, but not past Holm's correction
        if (not f.flagged and f.ratio is not None and f.ci_low is not None and f.direction is None
                and not BAND[0] <= f.ratio <= BAND[1] and (f.ci_low > 1 or f.ci_high < 1)
                and ("over" if f.ratio > 1 else "under") == METRICS[f.metric][1]):
            lines.append({"severity": "watch", "group_column": f.group_column, "group": f.group, "metric": f.metric,
                          "sentence": f"“{f.group}” ({f.group_column}) may be served worse: {_pct(f.value)} of "
                                      f"{f.note}, against {_pct(f.reference_value)} (ratio {f.ratio:.2f}, 95% "
                                      f"interval {f.ci_low:.2f}–{f.ci_high:.2f}), but with so few questions the "
                                      f"difference does not survive the correction for {n_tests} comparisons "
                                      f"(adjusted p {f.p_adjusted:.2f}): ask more questions in this group."})
    if n_tests and not worse and not any(row["flagged"] for row in pairs or []):
        lines.append({"severity": "ok", "sentence": "No language or audience group is flagged as served worse "
                                                    f"(band {BAND[0]}–{BAND[1]}, {n_tests} comparisons)."})
    suppressed = sorted({(f.group_column, f.group) for f in findings if f.suppressed})
    if suppressed:
        lines.append({"severity": "info", "sentence": f"{len(suppressed)} group(s) are too small to show "
                                                      "(fewer questions than min_group_size): no value is given."})
    order = {"flag": 0, "watch": 1, "info": 2, "ok": 3}
    return sorted(lines, key=lambda line: order[line["severity"]])


@dataclass
class ChatAuditOptions:
    out_dir: Path
    questions: tuple[Path, ...] = ()
    judgements: Path | None = None
    audiences: tuple[str, ...] = AUDIENCES
    min_group_size: int | None = None  # default: settings.min_group_size
    seed: int = 0
    feedback: bool = True  # count residents' stored ratings and logged questions for the plan

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        self.questions = tuple(Path(p) for p in self.questions)


@dataclass
class ChatAuditResult:
    report: dict[str, Any]
    json_path: Path
    html_path: Path
    findings: list[Finding] = field(default_factory=list)


def build_report(asked: list[Asked], *, plans: list[dict[str, str]], min_group_size: int, seed: int,
                 feedback: tuple[list[ComparisonSpec], int] = ([], 0),
                 logged: tuple[list[ComparisonSpec], int] = ([], 0)) -> tuple[dict[str, Any], list[Finding]]:
    """Compare, flag and describe: the chat audit's JSON report (asks may come from several plans)."""
    specs = [*asked_specs(asked), *feedback[0], *logged[0]]
    findings, n_tests = compare_all(specs, min_group_size, np.random.default_rng(seed), ALPHA)
    unjudged = undetermined_counts(asked)
    pairs = paired_tests(asked, min_group_size)
    report = {
        "kind": "chat audit",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "plans": plans,
        "method": {"band": list(BAND), "alpha": ALPHA, "min_group_size": min_group_size, "n_tests": n_tests,
                   "seed": seed, "slow": f"latency above the {SLOW_QUANTILE:.0%} quantile of this audit's asks",
                   "reference": "the rest: every other group of the column with at least min_group_size asks",
                   "flag_rule": "ratio outside the band AND 95% interval excludes 1 AND Holm-adjusted Fisher p "
                                "below its family's share of alpha (as the analysis audit)",
                   "paired": "each answerable translation against its English original (general audience): exact "
                             "McNemar test, Holm over the paired rows at alpha, flagged when worse more often"},
        "questions": {"n": len({a.question.id for a in asked}), "asks": len(asked),
                      "answerable": len({a.question.id for a in asked if a.question.answerable}),
                      "audiences": sorted({a.audience for a in asked})},
        "groups": group_sizes(asked, min_group_size),
        "latency_ms_median": latency_ms(asked, min_group_size),
        "undetermined_citations": unjudged,
        "answer_kinds": kind_counts(asked, min_group_size),
        "logged": {"questions_stored": True,
                   "note": "each resident question is counted (language, audience, kind of answer, latency; never "
                           "its text) and residents' ratings are stored redacted; both are only counted here",
                   "question_rows": logged[1], "feedback_rows": feedback[1]},
        "findings": [f.to_dict() for f in findings],
        "paired": pairs,
        "served_worse": sorted({f.group_column + ":" + f.group for f in served_worse(findings)}
                               | {"translation:" + r["language"] for r in pairs if r["flagged"]}),
        "verdict": verdict_lines(findings, unjudged, n_tests, pairs),
    }
    return report, findings


def run_chat_audit(plan: str, options: ChatAuditOptions, settings: Any = None) -> ChatAuditResult:
    """`civicai audit --chat PLAN`: ask, compare, write chat_audit.json and chat_audit.html to out_dir."""
    from civicai.config import get_settings
    from civicai.rag import load_chat

    settings = settings or get_settings()
    if not options.questions:
        raise InputError("no question set for the chat audit", "pass --questions FILE.jsonl (rows: id, question, "
                         "language, answerable), e.g. evaluation/questions/ccc.jsonl")
    missing = [str(p) for p in options.questions if not p.is_file()]
    if missing:
        raise InputError(f"question file(s) not found: {', '.join(missing)}", "check the --questions paths")
    questions = load_questions(options.questions, plan)
    if not questions:
        raise InputError(f"no question in {', '.join(map(str, options.questions))} is for plan '{plan}'",
                         "rows need `question` and `language`, and `plan` equal to the plan's name when given")
    bad = [a for a in options.audiences if a not in AUDIENCES]
    if bad:
        raise InputError(f"unknown audience(s) {', '.join(bad)}", f"use some of: {', '.join(AUDIENCES)}")
    k = options.min_group_size or settings.min_group_size
    chat = load_chat(plan, settings=settings)
    asked = ask_all(chat, questions, load_judgements(options.judgements), options.audiences)
    feedback = feedback_specs(plan, settings.resolved_database_url) if options.feedback else ([], 0)
    logged = logged_specs(plan, settings.resolved_database_url) if options.feedback else ([], 0)
    info = chat.stored.info
    report, findings = build_report(asked, plans=[{"name": info.name, "version": info.version}], min_group_size=k,
                                    seed=options.seed, feedback=feedback, logged=logged)
    report["question_files"] = [str(p) for p in options.questions]
    report["judgements_file"] = str(options.judgements) if options.judgements else None
    options.out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = options.out_dir / "chat_audit.json", options.out_dir / "chat_audit.html"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    write_html(report, html_path)
    return ChatAuditResult(report, json_path, html_path, findings)


def write_html(report: dict[str, Any], path: Path) -> Path:
    from civicai.bias.report import template_environment

    template = template_environment().get_template("chat_audit.html.j2")
    path.write_text(template.render(report=report, metrics=METRICS), encoding="utf-8")
    return path
