"""Accounts, sessions and API tokens (residents need none): create, authenticate, sign in and out, issue and
revoke tokens, disable users.

Sessions live in the database (user_sessions), so ending one is immediate: logout deletes the session, and a
password change or disabling the user deletes all of that user's sessions and API tokens. Tokens always expire
(at most 366 days). Failed logins back off per account (LOCK_AFTER failures lock it for a doubling time), on top
of the per-address limit, so spreading a guessing attack over many addresses does not help.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from civicai.errors import InputError
from civicai.store.schema import ApiToken, Role, User, UserSession
from civicai.workspace.context import AppContext
from civicai.workspace.security import (
    ROLES,
    SESSION_COOKIE,
    AuthError,
    hash_api_token,
    hash_password,
    new_api_token,
    token_expiry,
    verify_password,
)

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
# Verifying against a real hash when the user does not exist keeps the timing the same (no user enumeration).
_DUMMY_HASH = None
LOCK_AFTER = 5  # failed logins in a row before the account backs off
LOCK_FIRST_S = 30  # the first lock; each further failure doubles it
LOCK_MAX_S = 3600
DEFAULT_TOKEN_DAYS = 90


@dataclass(frozen=True)
class Principal:
    """Who is calling: a logged-in user (session) or a script (API token)."""

    user_id: int
    username: str
    role: str
    via: str  # "session" | "token"
    csrf: str = ""


def validate_username(username: str) -> str:
    if not isinstance(username, str) or not _USERNAME.match(username):
        raise InputError(f"user name {username!r} is not allowed",
                         "use 2-64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit")
    return username


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"unknown role '{role}'", f"use one of: {', '.join(ROLES)}")
    return role


def create_user(session: Session, username: str, password: str, role: str = "staff") -> User:
    validate_username(username)
    validate_role(role)
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise InputError(f"user '{username}' already exists", "pick another name, or use `civicai user passwd`")
    user = User(username=username, password_hash=hash_password(password), role=Role(role))
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise InputError(f"user '{username}' does not exist", "see `civicai user list`")
    return user


def end_all_sessions(session: Session, user_id: int) -> int:
    """Every session and API token of the user ends now (password change, disabling, an admin's decision)."""
    ended = session.execute(delete(UserSession).where(UserSession.user_id == user_id)).rowcount or 0
    ended += session.execute(delete(ApiToken).where(ApiToken.user_id == user_id)).rowcount or 0
    session.expire_all()
    return ended


def set_password(session: Session, username: str, password: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise InputError(f"user '{username}' does not exist", "create it with `civicai user add`")
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    session.flush()
    end_all_sessions(session, user.id)
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    """Disable (or enable) an account; disabling ends its sessions and tokens at once."""
    user = get_user(session, username)
    user.is_active = active
    session.flush()
    if not active:
        end_all_sessions(session, user.id)
    return user


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def authenticate(session: Session, username: str, password: str) -> User:
    """The user, or AuthError; a locked account answers the same as a wrong password (no account probing)."""
    global _DUMMY_HASH
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.is_active:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("not-a-real-password")
        verify_password(_DUMMY_HASH, password)
        raise AuthError("wrong user name or password", "check both; an administrator can reset the password")
    locked = _aware(user.locked_until)
    if locked is not None and locked > _now():
        raise AccountLocked("too many failed sign-ins for this account: wait a few minutes and try again",
                            "an administrator can reset the password to unlock it now")
    if not verify_password(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= LOCK_AFTER:
            seconds = min(LOCK_MAX_S, LOCK_FIRST_S * 2 ** (user.failed_logins - LOCK_AFTER))
            user.locked_until = _now() + timedelta(seconds=seconds)
        session.commit()  # the count must survive the error response's rollback
        raise AuthError("wrong user name or password", "check both; an administrator can reset the password")
    user.failed_logins, user.locked_until = 0, None
    return user


class AccountLocked(AuthError):
    """Too many failed logins for one account (HTTP 429)."""


# --- sessions --------------------------------------------------------------------------------------------
def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, max_age_s: int) -> tuple[str, str]:
    """(the cookie value, the CSRF token) of a new server-side session."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    session.add(UserSession(user_id=user.id, token_hash=_hash(token), csrf=csrf,
                            expires_at=_now() + timedelta(seconds=max_age_s)))
    session.execute(delete(UserSession).where(UserSession.expires_at <= _now()))  # housekeeping
    session.flush()
    return token, csrf


def session_user(session: Session, token: str | None) -> tuple[User, str] | None:
    """(user, csrf) of a live session; None when unknown, ended, expired or the user is disabled."""
    if not token or len(token) > 200:
        return None
    row = session.scalars(select(UserSession).where(UserSession.token_hash == _hash(token))).first()
    if row is None or _aware(row.expires_at) <= _now():
        return None
    user = session.get(User, row.user_id)
    return (user, row.csrf) if user is not None and user.is_active else None


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(UserSession).where(UserSession.token_hash == _hash(token)))


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def issue_token(session: Session, user: User, name: str | None = None,
                days: int | None = DEFAULT_TOKEN_DAYS) -> tuple[str, ApiToken]:
    """Tokens always expire: no lifetime means the default, never 'forever'."""
    days = DEFAULT_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 366:
        raise InputError(f"token lifetime {days} days is out of range", "use 1 to 366 days")
    token, token_hash = new_api_token()
    row = ApiToken(user_id=user.id, token_hash=token_hash, name=(name or "")[:200] or None,
                   expires_at=token_expiry(days))
    session.add(row)
    session.flush()
    return token, row


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_api_token(token))).first()
    # a token without an expiry (made before tokens had to expire) is refused
    if row is None or row.expires_at is None or _aware(row.expires_at) <= _now():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def token_rows(session: Session, user_id: int) -> list[dict]:
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))
    return [{"id": t.id, "name": t.name, "created_at": t.created_at.isoformat(),
             "expires_at": t.expires_at.isoformat() if t.expires_at else None} for t in rows]


def principal(user: User, via: str, csrf: str = "") -> Principal:
    return Principal(user.id, user.username, str(user.role), via, csrf)


# --- who is calling (every door: the API's dependencies, the Gradio apps, the body-limit middleware) -------
STAFF = ("admin", "staff")
READERS = ("admin", "staff", "auditor")
ADMIN = ("admin",)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def resolve_principal(ctx: AppContext, session: Session, headers, cookies) -> Principal | None:
    """The caller from a bearer API token or a session cookie; None when anonymous, ended or expired."""
    auth = headers.get("authorization") or ""
    if auth.lower().startswith("bearer "):
        user = user_for_token(session, auth[7:].strip())
        return principal(user, "token") if user is not None else None
    found = session_user(session, cookies.get(SESSION_COOKIE))  # server-side: logout ends it everywhere
    if found is None:
        return None
    return principal(found[0], "session", found[1])
