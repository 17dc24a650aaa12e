"""`civicai audit RUN_DIR_OR_ID --group-column C ... --out DIR`: the bias audit of an analysis run.
`civicai audit --chat PLAN --out DIR`: the audit of the residents' chat on that plan (civicai.bias.chat_audit)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    @app.command("audit")
    def audit(
        run: str | None = typer.Argument(None, help="The analysis run: its output folder, or its database id."),
        group_column: list[str] = typer.Option([], "--group-column", "-g",
                                               help="Column of assignments.csv to audit by (repeatable), e.g. "
                                                    "district, age_band. Default: the run's own group columns."),
        out: Path = typer.Option(..., "--out", "-o", help="Folder for bias_report.json and bias_report.html."),
        seed: int = typer.Option(0, help="Seed for the bootstrap and the counterfactual sample."),
        sample: int = typer.Option(200, "--counterfactual-sample",
                                   help="Submissions edited in the counterfactual test (0 skips it)."),
        no_language: bool = typer.Option(False, "--no-language", help="Do not audit per detected language."),
        no_translation_check: bool = typer.Option(False, "--no-translation-check",
                                                  help="Skip the classifier check on translated pairs."),
        min_group_size: int | None = typer.Option(None, help="Suppress groups smaller than this (default: "
                                                             "settings.min_group_size, 5)."),
        no_store: bool = typer.Option(False, "--no-store", help="Do not record the audit in the database."),
        chat: str | None = typer.Option(None, "--chat", help="Audit the chat on this stored plan instead of a run: "
                                                            "each question language and audience served alike?"),
        questions: list[Path] = typer.Option([], "--questions", help="With --chat: JSONL question set(s) (id, "
                                             "question, language, answerable[, plan]). Default: the checkout's "
                                             "evaluation/questions/{ccc,ccc_dev,yesno}.jsonl."),
        judgements: Path | None = typer.Option(None, "--judgements", help="With --chat: judged quotes (id, quote, "
                                               "label). Default: evaluation/questions/citation_judgements.jsonl."),
    ) -> None:
        """Audit an analysis run for bias: who is heard at every stage, classifier disparity, counterfactual
        invariance, campaign influence, personal-data leakage and (Polis) opinion groups."""
        from rich.console import Console

        from civicai.bias import audit_run
        from civicai.config import get_settings
        from civicai.errors import InputError

        settings = get_settings()
        console = Console(stderr=True)
        if chat is not None:
            if run is not None:
                raise InputError("give either a run or --chat PLAN, not both", "run two audits")
            _chat_audit(console, chat, out, questions, judgements, seed, min_group_size)
            return
        if run is None:
            raise InputError("no run to audit", "give the run's output folder or database id, or --chat PLAN")
        console.print(f"auditing [bold]{run}[/bold] -> {out}")
        result = audit_run(run, tuple(group_column) or None, out, seed=seed, counterfactual_sample=sample,
                           counterfactuals=sample > 0, include_language=not no_language,
                           translation_check=not no_translation_check, min_group_size=min_group_size,
                           store=not no_store, database_url=settings.database_url)
        counts = {s: sum(1 for v in result.report["verdict"] if v["severity"] == s) for s in ("flag", "watch")}
        for line in result.report["verdict"]:
            if line["severity"] in ("flag", "watch"):
                console.print(f"[{'red' if line['severity'] == 'flag' else 'yellow'}]{line['severity']}[/] "
                              f"{line['sentence']}", highlight=False)
        console.print(f"{counts['flag']} to act on, {counts['watch']} to check; "
                      f"{result.report['method']['n_tests']} comparisons by {', '.join(result.report['group_columns'])}")
        if result.audit_id is not None:
            console.print(f"stored as audit {result.audit_id} of run {result.report['run']['run_id']}")
        console.print(f"report: {result.html_path}\njson:   {result.json_path}")


def _chat_audit(console: Any, plan: str, out: Path, questions: list[Path], judgements: Path | None, seed: int,
                min_group_size: int | None) -> None:
    from civicai.bias.chat_audit import ChatAuditOptions, default_question_files, run_chat_audit

    default_sets, default_judgements = default_question_files()
    questions = questions or list(default_sets)
    judgements = judgements or default_judgements
    console.print(f"auditing the chat on [bold]{plan}[/bold] -> {out}")
    result = run_chat_audit(plan, ChatAuditOptions(out_dir=out, questions=tuple(questions), judgements=judgements,
                                                   min_group_size=min_group_size, seed=seed))
    for line in result.report["verdict"]:
        colour = {"flag": "red", "ok": "green"}.get(line["severity"], "white")
        console.print(f"[{colour}]{line['severity']}[/] {line['sentence']}", highlight=False)
    console.print(f"{result.report['questions']['n']} questions, {result.report['method']['n_tests']} comparisons; "
                  f"served worse: {', '.join(result.report['served_worse']) or 'none'}")
    console.print(f"report: {result.html_path}\njson:   {result.json_path}")
