"""`civicai plan ingest|list|use` and `civicai ask`: the climate-plan chat from the command line."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from civicai.errors import InputError

plan_app = typer.Typer(help="Climate action plans: ingest (PDF, Markdown, HTML, DOCX), list, pick the current.",
                       no_args_is_help=True)


@plan_app.command("ingest")
def ingest(file: Path = typer.Argument(..., help="Plan file: .pdf, .md, .html or .docx."),
           name: str = typer.Option(..., "--name", help="Plan name, e.g. 'copenhagen'."),
           version: str | None = typer.Option(None, "--version", help="Version label (default: v1, v2, ...)."),
           current: bool = typer.Option(True, "--current/--not-current", help="Make this version the current one."),
           force: bool = typer.Option(False, "--force", help="Ingest even if this exact file is already stored.")
           ) -> None:
    """Parse the plan (sections and pages kept), chunk it, embed it and store it as a new version."""
    from civicai.plans.ingest import ingest_file

    result = ingest_file(file, name=name, version=version, make_current=current, progress=sys.stderr.isatty(),
                         force=force)
    info = result.plan
    if not result.created:
        typer.echo(f"{file} is already stored as {info.name} {info.version} (use --force to store it again)")
        return
    from civicai.rag import load_chat

    # the chat's sentence vectors, encoded once now rather than per question
    load_chat(info.name, info.version).prepare_sentences(progress=sys.stderr.isatty())
    pages = f", {info.pages} pages" if info.pages else ""
    typer.echo(f"ingested {file} as {info.name} {info.version}{' (current)' if info.is_current else ''}: "
               f"{result.chunks} chunks in {result.sections} sections{pages}, language {info.language}")


@plan_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List stored plans and versions; * marks the current version of each plan."""
    from civicai.config import get_settings
    from civicai.plans.repository import list_plans
    from civicai.store.db import init_db, session_scope

    url = get_settings().resolved_database_url
    init_db(url)
    with session_scope(url) as session:
        plans = list_plans(session)
    if as_json:
        typer.echo(json.dumps([{"name": p.name, "version": p.version, "current": p.is_current, "pages": p.pages,
                                "chunks": p.chunks, "language": p.language, "source_file": p.source_file,
                                "ingested_at": p.ingested_at.isoformat() if p.ingested_at else None}
                               for p in plans], ensure_ascii=False))
        return
    if not plans:
        typer.echo("no plans yet: civicai plan ingest FILE --name NAME")
    for p in plans:
        typer.echo(f"{'*' if p.is_current else ' '} {p.name} {p.version}  {p.chunks} chunks  "
                   f"{p.pages or '-'} pages  {p.language or '?'}  {p.source_file or ''}")


@plan_app.command("use")
def use(name: str = typer.Argument(..., help="Plan name."),
        version: str = typer.Argument(..., help="Version to make current.")) -> None:
    """Make VERSION the current version of plan NAME (what `ask` uses by default)."""
    from civicai.config import get_settings
    from civicai.plans.repository import set_current
    from civicai.store.db import init_db, session_scope

    url = get_settings().resolved_database_url
    init_db(url)
    with session_scope(url) as session:
        info = set_current(session, name, version)
    typer.echo(f"{info.name} {info.version} is now current")


def _read_questions(path: Path) -> list[dict]:
    if not path.is_file():
        raise InputError(f"questions file {path} does not exist", "pass a JSONL file with one {\"id\", \"question\"} per line")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path} line {number} is not JSON: {exc.msg}", "one JSON object per line") from exc
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or "id" not in row:
            raise InputError(f"{path} line {number} needs fields 'id' and 'question' (a string)",
                             'write lines like {"id": "q1", "question": "..."}')
        rows.append(row)
    return rows


def _read_conversations(path: Path) -> list[dict]:
    """`--conversation` rows: {"id", "question", "conversation"} per line; rows that share a conversation id are
    one conversation, in file order (a later question may be a follow-up of an earlier one)."""
    rows = _read_questions(path)
    for number, row in enumerate(rows, start=1):
        if not isinstance(row.get("conversation"), str | int) or isinstance(row.get("conversation"), bool) \
                or not str(row["conversation"]).strip():
            raise InputError(f"{path} question {number} (id {row['id']!r}) needs the field 'conversation': the id "
                             "of the conversation it belongs to (a string)",
                             'write lines like {"id": "q2", "conversation": "c1", "question": "and how much does '
                             'that cost?"}')
    return rows


def _ask_conversations(chat, rows: list[dict], audience: str) -> None:
    """One JSON line per question, answered with its conversation so far (civicai.rag.followup, as /chat and
    POST /api/chat do)."""
    from civicai.rag.followup import remember, turn_json

    conversations: dict[str, list] = {}
    for row in rows:
        key = str(row["conversation"])
        turns = conversations.get(key, [])
        answer = chat.ask(row["question"], audience=row.get("audience", audience), previous=turns)
        conversations[key] = remember(turns, row["question"], answer)
        typer.echo(json.dumps({"id": row["id"], "conversation": key, **answer.to_json(), "kind": str(answer.kind),
                               "turn": turn_json(conversations[key][-1])}, ensure_ascii=False))


def _interactive(chat, audience: str) -> None:
    """Questions from standard input, one per line, each answered with the conversation so far; an empty line or
    end of input stops."""
    from civicai.rag.followup import remember

    turns: list = []
    typer.secho(chat.notice_for("") + " Ask follow-up questions; an empty line ends.", dim=True)
    while True:
        try:
            question = input("? ").strip()
        except EOFError:
            break
        if not question:
            break
        answer = chat.ask(question, audience=audience, previous=turns)
        turns = remember(turns, question, answer)
        _print_human(answer, show_notice=False)


def _print_human(answer, show_notice: bool, show_answer: bool = True) -> None:
    if show_notice:
        typer.secho(answer.notice, dim=True)
    if show_answer:
        typer.echo(answer.answer)
    for c in answer.citations:
        page = f", p. {c.page}" if c.page is not None else ""
        typer.secho(f"  [{c.n}] {c.section}{page}  (score {c.score:.3f})", dim=True)


def ask(question: str | None = typer.Argument(None, help="Your question, in any language."),
        plan: str = typer.Option(..., "--plan", help="Plan name (its current version is used)."),
        version: str | None = typer.Option(None, "--version", help="Ask a specific version instead."),
        audience: str = typer.Option("general", "--audience", help="child | general | expert"),
        as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
        questions: Path | None = typer.Option(None, "--questions", help="JSONL batch: {\"id\", \"question\"} per line."),
        conversation: Path | None = typer.Option(
            None, "--conversation", help="JSONL batch of conversations: {\"id\", \"question\", \"conversation\"} per "
            "line; questions with the same conversation id carry context, in file order (docs/chat.md)."),
        interactive: bool = typer.Option(False, "--interactive", "-i",
                                         help="Ask questions one per line on standard input, follow-ups included."),
        generator: str | None = typer.Option(None, "--generator", help="extractive | llama-cpp | openai"),
        stream: bool = typer.Option(False, "--stream", help="Print the answer as it is written (LLM)."),
        rewrite: bool = typer.Option(False, "--rewrite", help="Also search for the question as the local LLM "
                                     "translates it into the plan's language (CIVICAI_CHAT_REWRITE=llm).")) -> None:
    """Ask the climate plan a question; get quotes with section and page, or 'the plan does not say'."""
    from civicai.config import get_settings
    from civicai.rag import AUDIENCES, load_chat

    if audience not in AUDIENCES:
        raise InputError(f"unknown audience '{audience}'", f"use one of: {', '.join(AUDIENCES)}")
    given = [name for name, value in (("QUESTION", question), ("--questions", questions),
                                      ("--conversation", conversation), ("--interactive", interactive or None))
             if value is not None]
    if len(given) != 1:
        raise InputError(f"give exactly one of QUESTION, --questions FILE.jsonl, --conversation FILE.jsonl or "
                         f"--interactive{' (got ' + ', '.join(given) + ')' if given else ''}",
                         "e.g. civicai ask 'When ...?' --plan sample")
    rows = _read_conversations(conversation) if conversation is not None else None  # bad files fail before loading
    settings = get_settings(generator=generator, chat_rewrite="llm" if rewrite else None)
    chat = load_chat(plan, version, settings)
    if rows is not None:
        _ask_conversations(chat, rows, audience)
        return
    if interactive:
        _interactive(chat, audience)
        return
    if questions is not None:
        for row in _read_questions(questions):
            answer = chat.ask(row["question"], audience=row.get("audience", audience))
            typer.echo(json.dumps({"id": row["id"], **answer.to_json()}, ensure_ascii=False))
        return
    if stream and not as_json:
        final = None
        typer.secho(chat.notice_for(question), dim=True)  # once, before the answer starts
        for piece in chat.stream(question, audience=audience):
            if isinstance(piece, str):
                sys.stdout.write(piece)
                sys.stdout.flush()
            else:
                final = piece
        sys.stdout.write("\n")
        if final is not None:
            _print_human(final, show_notice=False, show_answer=False)
        return
    answer = chat.ask(question, audience=audience)
    if as_json:
        typer.echo(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        _print_human(answer, show_notice=True)


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
    app.command("ask")(ask)
