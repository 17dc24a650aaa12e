"""FastAPI dependencies: the request's database session, who is calling, and role/CSRF checks."""
from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from civicai.store.db import session_scope
from civicai.workspace.context import AppContext
from civicai.workspace.security import CSRF_HEADER, csrf_matches
from civicai.workspace.users import ADMIN, READERS, SAFE_METHODS, STAFF, Principal, resolve_principal

__all__ = ["ADMIN", "READERS", "SAFE_METHODS", "STAFF", "ctx_of", "current_principal", "get_db", "require",
           "resolve_principal"]


def ctx_of(request: Request) -> AppContext:
    return request.app.state.civicai


def get_db(request: Request) -> Iterator[Session]:
    """The request's session. Use it as Depends(get_db, scope="function"): it then commits when the handler
    returns, before the response is sent; FastAPI's default would commit after, and a client acting on the
    response at once (the next request with a new session cookie, a logout, a disabled user) could still see
    the old state."""
    with session_scope(ctx_of(request).url) as session:
        yield session


def current_principal(request: Request, session: Session = Depends(get_db, scope="function")) -> Principal | None:
    if not hasattr(request.state, "principal"):
        request.state.principal = resolve_principal(ctx_of(request), session, request.headers, request.cookies)
    return request.state.principal


def require(*roles: str, signed_in: bool = False) -> Callable[..., Principal]:
    """401 for anonymous callers, 403 for the wrong role, 403 for a cookie-authenticated state change without
    the session's CSRF token. `signed_in`: a person at a signed-in session only, never an API token (making
    accounts and tokens: a leaked 1-day token could otherwise create a lasting admin account, or tokens that
    outlive its revocation; user trial, session 10)."""

    def dependency(request: Request, who: Principal | None = Depends(current_principal)) -> Principal:
        if who is None:
            raise HTTPException(401, "login required: send the session cookie (POST /api/auth/login) or "
                                     "'Authorization: Bearer <API token>'",
                                headers={"WWW-Authenticate": "Bearer"})
        if roles and who.role not in roles:
            raise HTTPException(403, f"role '{who.role}' may not do this; it needs: {', '.join(roles)}")
        if signed_in and who.via != "session":
            raise HTTPException(403, "an API token may not do this: sign in (POST /api/auth/login or the /login "
                                     "page) and do it from the signed-in session")
        if who.via == "session" and request.method not in SAFE_METHODS \
                and not csrf_matches(who.csrf, request.headers.get(CSRF_HEADER)):
            raise HTTPException(403, f"CSRF check failed: send the {CSRF_HEADER} header with the token from "
                                     "/api/auth/login or /api/auth/me")
        return who

    return dependency

