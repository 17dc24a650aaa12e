"""Accounts, sessions and API tokens (residents need none): create, authenticate, sign in and out, issue and
revoke tokens, disable users.

Sessions live in the database (user_sessions), so ending one is immediate: logout deletes the session, and a
password change or disabling the user deletes all of that user's sessions and API tokens. Tokens always expire
(at most 366 days). User names are casefolded when created and when looked up ('Staff1' is 'staff1').

Failed sign-ins (security review s8: a lock per account let anyone keep its owner out):
- per (account, client address): LOCK_AFTER failures in a row from one address lock that address out of that
  account for LOCK_FIRST_S, doubling up to LOCK_MAX_S. The owner, elsewhere, is not locked out.
- per account, from every address together: past SLOW_AFTER failures since the last success, each failure
  holds the account back for SLOW_FIRST_S, doubling up to SLOW_MAX_S, for addresses it has not signed in from
  within TRUST_DAYS; an address it signed in from is never held back by this (a delay for strangers, not a
  lock). This bounds what a guesser spreading over many addresses gets (one guess per SLOW_MAX_S).
On top of both, the API limits login attempts per address (civicai.api.routers.auth).
"""
from __future__ import annotations

import hashlib
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from civicai.errors import InputError
from civicai.store.schema import ApiToken, LoginAttempt, Role, User, UserSession
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
LOCK_AFTER = 5  # failed logins in a row from one address before that address is locked out of the account
LOCK_FIRST_S = 30  # the first lock; each further failure doubles it
LOCK_MAX_S = 3600
SLOW_AFTER = 10  # failures from all addresses together before the account backs off for strangers
SLOW_FIRST_S = 2
SLOW_MAX_S = 900  # so at most 4 guesses an hour reach the account however many addresses guess
TRUST_DAYS = 30  # an address the account signed in from this recently is not held back by the account's back-off
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
    """The user name as stored: checked, then casefolded (so 'Staff1' and 'staff1' are one account)."""
    if not isinstance(username, str) or not _USERNAME.match(username):
        raise InputError(f"user name {username!r} is not allowed",
                         "use 2-64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit")
    return username.casefold()


def find_user(session: Session, username: str) -> User | None:
    """The account a typed name means: the exact name, else the one name equal to it but for case. Two accounts
    that differ only in case (made before names were casefolded, `civicai doctor` lists them) are found by
    their exact names only, so nobody signs in to the wrong one."""
    if not isinstance(username, str) or not username or len(username) > 64:
        return None
    exact = session.scalars(select(User).where(User.username == username)).first()
    if exact is not None:
        return exact
    found = list(session.scalars(select(User).where(func.lower(User.username) == username.casefold()).limit(2)))
    return found[0] if len(found) == 1 else None


def case_duplicates(session: Session) -> list[list[str]]:
    """Groups of user names that differ only in case (left by versions before names were casefolded)."""
    groups: dict[str, list[str]] = {}
    for name in session.scalars(select(User.username).order_by(User.id)):
        groups.setdefault(name.casefold(), []).append(name)
    return [names for names in groups.values() if len(names) > 1]


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"unknown role '{role}'", f"use one of: {', '.join(ROLES)}")
    return role


def create_user(session: Session, username: str, password: str, role: str = "staff") -> User:
    given, username = username, validate_username(username)
    validate_role(role)
    taken = session.scalars(select(User.username).where(func.lower(User.username) == username)).first()
    if taken is not None:
        raise InputError(f"user '{taken}' already exists" + ("" if taken == given else
                         f" ('{given}' differs from it only in case)"),
                         "pick another name, or use `civicai user passwd`")
    user = User(username=username, password_hash=hash_password(password), role=Role(role))
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = find_user(session, username)
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
    user = find_user(session, username)
    if user is None:
        raise InputError(f"user '{username}' does not exist", "create it with `civicai user add`")
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    session.execute(delete(LoginAttempt).where(LoginAttempt.user_id == user.id))  # a reset unlocks every address
    session.flush()
    end_all_sessions(session, user.id)
    return user


def rename_user(session: Session, old: str, new: str) -> User:
    """Give an account another name (how an administrator settles two names that differ only in case)."""
    user = find_user(session, old)
    if user is None:
        raise InputError(f"user '{old}' does not exist", "see `civicai user list` (exact names)")
    new = validate_username(new)
    taken = session.scalars(select(User.username).where(func.lower(User.username) == new, User.id != user.id)).first()
    if taken is not None:
        raise InputError(f"user '{taken}' already exists", "pick another name")
    user.username = new
    session.flush()
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


def _wait_s(until: datetime | None) -> int:
    return max(1, int((until - _now()).total_seconds() + 0.999)) if until is not None else 0


def _attempt_row(session: Session, user_id: int, address: str) -> LoginAttempt:
    row = session.get(LoginAttempt, (user_id, address))
    if row is None:
        row = LoginAttempt(user_id=user_id, address=address, failures=0)
        session.add(row)
    return row


def _record_failure(session: Session, user: User, row: LoginAttempt) -> None:
    now = _now()
    row.failures = (row.failures or 0) + 1
    row.updated_at = now
    if row.failures >= LOCK_AFTER:
        row.locked_until = now + timedelta(seconds=min(LOCK_MAX_S, LOCK_FIRST_S * 2 ** (row.failures - LOCK_AFTER)))
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= SLOW_AFTER:
        user.locked_until = now + timedelta(seconds=min(SLOW_MAX_S,
                                                        SLOW_FIRST_S * 2 ** min(20, user.failed_logins - SLOW_AFTER)))
    # an address that failed a few times a day ago and never signed in is not worth a row any more
    session.flush()
    session.execute(delete(LoginAttempt).where(
        LoginAttempt.user_id == user.id, LoginAttempt.updated_at < now - timedelta(days=1),
        or_(LoginAttempt.locked_until.is_(None), LoginAttempt.locked_until < now),
        or_(LoginAttempt.signed_in_at.is_(None), LoginAttempt.signed_in_at < now - timedelta(days=TRUST_DAYS))))


_account_locks: dict[int, threading.Lock] = {}
_account_locks_guard = threading.Lock()


def _account_lock(user_id: int) -> threading.Lock:
    with _account_locks_guard:
        return _account_locks.setdefault(user_id, threading.Lock())


def authenticate(session: Session, username: str, password: str, address: str = "unknown") -> User:
    """The user, or AuthError. `address` is the client's (the per-address lock). A lock answers AccountLocked
    (HTTP 429) without checking the password, so a locked guesser learns nothing."""
    global _DUMMY_HASH
    user = find_user(session, username)
    if user is None or not user.is_active:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("not-a-real-password")
        verify_password(_DUMMY_HASH, password)
        raise AuthError("wrong user name or password", "check both; an administrator can reset the password")
    # One sign-in of an account at a time, or 40 guesses sent at once all read "not held back" before the first
    # failure is stored (seen on SQLite in the s8 review: 40 of 40 checked). In this process a lock; across
    # PostgreSQL servers the user's row, locked until the failure is committed.
    with _account_lock(user.id):
        session.execute(select(User.id).where(User.id == user.id).with_for_update())
        session.refresh(user)
        return _check(session, user, password, address)


def _check(session: Session, user: User, password: str, address: str) -> User:
    address = (address or "unknown")[:64]
    row = session.get(LoginAttempt, (user.id, address))
    now = _now()
    if row is not None and _aware(row.locked_until) is not None and _aware(row.locked_until) > now:
        wait = _wait_s(_aware(row.locked_until))
        raise AccountLocked(f"too many failed sign-ins for this account from your address: wait {wait} s and try "
                            "again", "an administrator can reset the password to unlock it now", wait)
    known = row is not None and row.signed_in_at is not None \
        and _aware(row.signed_in_at) > now - timedelta(days=TRUST_DAYS)
    held = _aware(user.locked_until)
    if not known and held is not None and held > now:
        wait = _wait_s(held)
        raise AccountLocked(f"this account has had many failed sign-ins: wait {wait} s and try again",
                            "signing in from an address you used before is not held back", wait)
    row = row or _attempt_row(session, user.id, address)
    if not verify_password(user.password_hash, password):
        _record_failure(session, user, row)
        session.commit()  # the counts must survive the error response's rollback
        raise AuthError("wrong user name or password", "check both; an administrator can reset the password")
    row.failures, row.locked_until, row.signed_in_at, row.updated_at = 0, None, now, now
    user.failed_logins, user.locked_until = 0, None
    return user


class AccountLocked(AuthError):
    """Too many failed logins for this account from this address, or for the account from strangers (HTTP 429,
    Retry-After: retry_after_s)."""

    def __init__(self, message: str, hint: str = "", retry_after_s: int = 60) -> None:
        super().__init__(message, hint)
        self.retry_after_s = retry_after_s


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
    """Tokens always expire: no lifetime means the default, never 'forever'. Only a signed-in person makes
    them (`POST /api/auth/tokens` refuses a token: a leaked short-lived token cannot buy a year)."""
    days = DEFAULT_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 366:
        raise InputError(f"token lifetime {days} days is out of range", "use 1 to 366 days")
    expires = token_expiry(days)
    token, token_hash = new_api_token()
    row = ApiToken(user_id=user.id, token_hash=token_hash, name=(name or "")[:200] or None,
                   expires_at=expires)
    session.add(row)
    session.flush()
    return token, row


def user_for_token(session: Session, token: str) -> User | None:
    """The token's active user; None for an unknown, expired or orphaned token."""
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
