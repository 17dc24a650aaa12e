"""Accounts and API tokens (residents need none): create, authenticate, issue and revoke tokens."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicai.api.security import (
    ROLES,
    AuthError,
    hash_api_token,
    hash_password,
    new_api_token,
    token_expiry,
    verify_password,
)
from civicai.errors import InputError
from civicai.store.schema import ApiToken, Role, User

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
# Verifying against a real hash when the user does not exist keeps the timing the same (no user enumeration).
_DUMMY_HASH = None


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


def set_password(session: Session, username: str, password: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise InputError(f"user '{username}' does not exist", "create it with `civicai user add`")
    user.password_hash = hash_password(password)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    global _DUMMY_HASH
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.is_active:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("not-a-real-password")
        verify_password(_DUMMY_HASH, password)
        raise AuthError("wrong user name or password", "check both; an administrator can reset the password")
    if not verify_password(user.password_hash, password):
        raise AuthError("wrong user name or password", "check both; an administrator can reset the password")
    return user


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def issue_token(session: Session, user: User, name: str | None = None, days: int | None = 90) -> tuple[str, ApiToken]:
    if days is not None and not 1 <= days <= 366:
        raise InputError(f"token lifetime {days} days is out of range", "use 1 to 366 days")
    token, token_hash = new_api_token()
    row = ApiToken(user_id=user.id, token_hash=token_hash, name=(name or "")[:200] or None,
                   expires_at=token_expiry(days))
    session.add(row)
    session.flush()
    return token, row


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_api_token(token))).first()
    if row is None or (row.expires_at is not None and row.expires_at <= datetime.now(UTC)):
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def principal(user: User, via: str, csrf: str = "") -> Principal:
    return Principal(user.id, user.username, str(user.role), via, csrf)
