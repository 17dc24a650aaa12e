"""`civicai review set|remap|list`: staff confirm, reject or add a submission's themes (and position) in a run,
then re-map the unreviewed rest from those reviews (civicai.triage.reviews)."""
from __future__ import annotations

import getpass

import typer

review_app = typer.Typer(help="Review a run's theme mapping; the mapping learns from the reviews.",
                         no_args_is_help=True)


def _url() -> str:
    from civicai.config import get_settings
    from civicai.store.db import init_db

    url = get_settings().resolved_database_url
    init_db(url)
    return url


@review_app.command("set")
def set_review(run: int = typer.Argument(..., help="The analysis run id."),
               submission: int = typer.Argument(..., help="The submission's database id."),
               theme: list[str] = typer.Option([], "--theme", help="A theme key it belongs to (repeat; none = no theme fits)."),
               position: str = typer.Option(None, "--position", help="supports | opposes | unclear"),
               by: str = typer.Option(None, "--by", help="Who reviewed (logged; default: your login)."),
               note: str = typer.Option(None, "--note", help="Why (staff words, no citizen text).")) -> None:
    """Set the submission's themes in this run to exactly the given keys; later remaps never change them."""
    from civicai.store.db import session_scope
    from civicai.triage.reviews import review_submission

    with session_scope(_url()) as session:
        done = review_submission(session, run, submission, theme, actor=f"cli:{by or getpass.getuser()}",
                                 position=position, note=note)
    typer.echo(f"submission {submission}: {', '.join(done['previous']) or '-'} -> {', '.join(done['themes']) or '-'}"
               + (f"; position {position}" if position else ""))


@review_app.command("remap")
def remap(run: int = typer.Argument(..., help="The analysis run id."),
          by: str = typer.Option(None, "--by", help="Who asked for the remap (logged; default: your login)."),
          count: int = typer.Option(10, "--suggest", help="How many submissions to propose for review next.")) -> None:
    """Re-map every unreviewed submission from the reviews so far and propose what to review next."""
    from civicai.store.db import session_scope
    from civicai.triage.reviews import remap_run

    with session_scope(_url()) as session:
        result = remap_run(session, run, actor=f"cli:{by or getpass.getuser()}", suggest=count)
    typer.echo(f"run {run}: {result.reviewed} reviewed, {result.moved} unreviewed submissions moved")
    for question, shown in result.positions_shown.items():
        typer.echo(f"position learned from reviews{' for ' + question if question else ''}: "
                   f"{'shown' if shown else 'not shown yet (not well above the majority of the reviews)'}")
    typer.echo("review next: " + " ".join(str(i) for i in result.suggestions))


@review_app.command("list")
def list_reviews(run: int = typer.Argument(..., help="The analysis run id.")) -> None:
    """Who reviewed what in this run (the last review of each submission)."""
    from civicai.store.db import session_scope
    from civicai.triage.reviews import run_reviews

    with session_scope(_url()) as session:
        reviews = run_reviews(session, run)
    for submission, r in sorted(reviews.items()):
        typer.echo(f"{submission}\t{', '.join(r['themes']) or '-'}\t{r['position'] or ''}\t{r['actor']}\t{r['at']}")


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
