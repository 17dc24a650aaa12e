"""`civicai erase --submission ID [--consultation C]`: GDPR erasure of one person's submission, everywhere."""
from __future__ import annotations

import getpass

import typer


def register(app: typer.Typer) -> None:
    @app.command("erase")
    def erase(submission: str = typer.Option(None, "--submission", help="The submission id as in the imported file."),
              consultation: int = typer.Option(None, "--consultation",
                                               help="The consultation, when several hold this id."),
              by: str = typer.Option(None, "--by", help="Who asked for the erasure (logged; default: your login)."),
              note: str = typer.Option(None, "--note", help="Why, e.g. the request's reference (no citizen text)."),
              compact: bool = typer.Option(False, "--compact",
                                           help="Only compact the SQLite file (after an erasure the server was busy for).")
              ) -> None:
        """Erase a submission's text from the database, every run folder and checkpoint, the stored upload, theme
        quotes, labels and summaries and audits; the erasure itself (who, when, which id) is logged."""
        from civicai.config import get_settings
        from civicai.errors import InputError
        from civicai.store.db import init_db
        from civicai.workspace.erasure import compact_database, erase_submission

        settings = get_settings()
        url = settings.resolved_database_url
        init_db(url)
        if compact:
            compact_database(url)
            typer.echo("database compacted")
            return
        if not submission:
            raise InputError("no submission given", "pass --submission ID (the id in the imported file)")
        report = erase_submission(url, settings.home, actor=f"cli:{by or getpass.getuser()}",
                                  external_id=submission, consultation_id=consultation, note=note)
        typer.echo(f"erased submission {report.external_id} of consultation {report.consultation_id}: "
                   f"{report.quotes_removed} quotes removed, {report.themes_marked} theme labels/summaries marked, "
                   f"{len(report.files_changed)} files rewritten, {len(report.folders_removed)} folders deleted")
