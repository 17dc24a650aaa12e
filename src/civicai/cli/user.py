"""`civicai user add|passwd|list|token|tokens|disable|enable|rename`: staff, auditor and admin accounts (residents
need none). A password change or `disable` ends the user's sessions and API tokens at once. Names are casefolded:
`add Staff1` creates 'staff1', and refuses when 'staff1' exists."""
from __future__ import annotations

import sys

import typer

from civicai.errors import InputError

user_app = typer.Typer(help="Accounts for the staff workspace and the auditors' view.", no_args_is_help=True)


def _password(password_stdin: bool) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("no password on standard input", "pipe it in: echo \"$PW\" | civicai user add ...")
        return password
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def _url() -> str:
    from civicai.config import get_settings
    from civicai.store.db import init_db

    url = get_settings().resolved_database_url
    init_db(url)
    return url


@user_app.command("add")
def add(name: str = typer.Argument(..., help="User name."),
        role: str = typer.Option("staff", "--role", help="admin | staff | auditor"),
        password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin.")) -> None:
    """Create an account; the password is prompted (or read from stdin) and stored as an argon2id hash."""
    from civicai.store.db import session_scope
    from civicai.workspace.users import create_user, validate_role, validate_username

    validate_username(name)
    validate_role(role)
    password = _password(password_stdin)
    with session_scope(_url()) as session:
        name = create_user(session, name, password, role).username  # casefolded
    typer.echo(f"created {role} '{name}'")


@user_app.command("passwd")
def passwd(name: str = typer.Argument(..., help="User name."),
           password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin.")) -> None:
    """Set a new password (ends the user's sessions)."""
    from civicai.store.db import session_scope
    from civicai.workspace.users import set_password

    password = _password(password_stdin)
    with session_scope(_url()) as session:
        set_password(session, name, password)
    typer.echo(f"password of '{name}' changed")


@user_app.command("list")
def list_() -> None:
    from sqlalchemy import select

    from civicai.store.db import session_scope
    from civicai.store.schema import User

    with session_scope(_url()) as session:
        for user in session.scalars(select(User).order_by(User.id)):
            typer.echo(f"{user.username}\t{user.role}\t{'active' if user.is_active else 'disabled'}")


@user_app.command("token")
def token(name: str = typer.Argument(..., help="User name."),
          label: str = typer.Option("script", "--name", help="What the token is for."),
          days: int = typer.Option(90, "--days", min=1, max=366, help="Lifetime in days.")) -> None:
    """Print a new API token for scripts (shown once; only its hash is stored)."""
    from civicai.store.db import session_scope
    from civicai.workspace.users import find_user, issue_token

    with session_scope(_url()) as session:
        user = find_user(session, name)
        if user is None:
            raise InputError(f"user '{name}' does not exist", "create it with `civicai user add`")
        value, _ = issue_token(session, user, label, days)
    typer.echo(value)


@user_app.command("tokens")
def tokens(name: str = typer.Argument(..., help="User name."),
           revoke: int = typer.Option(None, "--revoke", help="Revoke the token with this id.")) -> None:
    """List a user's API tokens (id, name, created, expires), or revoke one."""
    from sqlalchemy import select

    from civicai.store.db import session_scope
    from civicai.store.schema import ApiToken
    from civicai.workspace.users import get_user, token_rows

    with session_scope(_url()) as session:
        user = get_user(session, name)
        if revoke is not None:
            row = session.scalars(select(ApiToken).where(ApiToken.id == revoke, ApiToken.user_id == user.id)).first()
            if row is None:
                raise InputError(f"'{name}' has no token {revoke}", f"list them with `civicai user tokens {name}`")
            session.delete(row)
            typer.echo(f"token {revoke} of '{name}' revoked")
            return
        rows = token_rows(session, user.id)
    for row in rows:
        typer.echo(f"{row['id']}\t{row['name'] or ''}\tcreated {row['created_at']}\texpires {row['expires_at']}")
    if not rows:
        typer.echo(f"'{name}' has no API token")


@user_app.command("disable")
def disable(name: str = typer.Argument(..., help="User name.")) -> None:
    """Disable an account: it can no longer sign in, and its sessions and API tokens end now."""
    from civicai.store.db import session_scope
    from civicai.workspace.users import set_active

    with session_scope(_url()) as session:
        set_active(session, name, False)
    typer.echo(f"'{name}' disabled; its sessions and API tokens ended")


@user_app.command("enable")
def enable(name: str = typer.Argument(..., help="User name.")) -> None:
    """Enable a disabled account again (it signs in anew; old tokens stay revoked)."""
    from civicai.store.db import session_scope
    from civicai.workspace.users import set_active

    with session_scope(_url()) as session:
        set_active(session, name, True)
    typer.echo(f"'{name}' enabled")


@user_app.command("rename")
def rename(name: str = typer.Argument(..., help="User name (exact, when two differ only in case)."),
           new_name: str = typer.Argument(..., help="The new user name (casefolded).")) -> None:
    """Rename an account, e.g. one of two names that differ only in case (`civicai doctor` lists them). Its
    sessions, tokens and jobs stay its own."""
    from civicai.store.db import session_scope
    from civicai.workspace.users import rename_user

    with session_scope(_url()) as session:
        user = rename_user(session, name, new_name)
        renamed = user.username
    typer.echo(f"'{name}' is now '{renamed}'")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
