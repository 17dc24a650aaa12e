"""Login (JSON for scripts and the apps, an HTML form for people), logout, API tokens, user accounts."""
from __future__ import annotations

import html
import secrets
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicai.api.deps import ADMIN, READERS, ctx_of, current_principal, get_db, require
from civicai.api.schemas import LoginBody, PasswordBody, TokenBody, UserBody, UserPatch
from civicai.store.schema import ApiToken, User
from civicai.workspace.security import SESSION_COOKIE, AuthError, csrf_matches, verify_password
from civicai.workspace.users import (
    AccountLocked,
    Principal,
    authenticate,
    create_user,
    end_session,
    issue_token,
    set_active,
    set_password,
    start_session,
    token_rows,
)

router = APIRouter(tags=["auth"])
LOGIN_CSRF_COOKIE = "civicai_login_csrf"
HOMES = {"admin": "/staff", "staff": "/staff", "auditor": "/audit"}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login(request: Request, response: Response, session: Session, username: str, password: str) -> tuple[User, str]:
    ctx = ctx_of(request)
    if ctx.limiter.check(f"login:{_client(request)}", f"login:{_client(request)}"):
        raise HTTPException(429, "too many login attempts from this address: wait a minute and try again")
    try:
        user = authenticate(session, username, password, address=_client(request))
    except AccountLocked as exc:
        raise HTTPException(429, exc.message, headers={"Retry-After": str(exc.retry_after_s)}) from exc
    except AuthError as exc:
        raise HTTPException(401, exc.message) from exc
    token, csrf = start_session(session, user, ctx.options.session_max_age_s)
    response.set_cookie(SESSION_COOKIE, token, max_age=ctx.options.session_max_age_s, httponly=True,
                        samesite="strict", secure=ctx.secure_cookies, path="/")
    return user, csrf


@router.post("/api/auth/login")
def login(body: LoginBody, request: Request, response: Response, session: Session = Depends(get_db, scope="function")) -> dict[str, Any]:
    """Start a session: sets an HttpOnly cookie; send `csrf_token` as X-CSRF-Token on later state changes."""
    user, csrf = _login(request, response, session, body.username, body.password)
    return {"username": user.username, "role": str(user.role), "csrf_token": csrf,
            "expires_in_s": ctx_of(request).options.session_max_age_s}


@router.post("/api/auth/logout")
def logout(request: Request, response: Response, who: Principal = Depends(require()),
           session: Session = Depends(get_db, scope="function")) -> dict[str, str]:
    """End this session on the server (the cookie is then worthless, wherever a copy of it is)."""
    end_session(session, request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"status": "logged out"}


@router.post("/api/auth/password")
def change_password(body: PasswordBody, response: Response, who: Principal = Depends(require()),
                    session: Session = Depends(get_db, scope="function")) -> dict[str, str]:
    """Change your password: every session and API token of yours ends (sign in again)."""
    user = session.get(User, who.user_id)
    if not verify_password(user.password_hash, body.current_password):
        raise HTTPException(403, "the current password is wrong")
    set_password(session, user.username, body.new_password)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"status": "password changed: sign in again; your API tokens were revoked"}


@router.get("/api/auth/me")
def me(who: Principal = Depends(require())) -> dict[str, Any]:
    return {"username": who.username, "role": who.role, "via": who.via, "csrf_token": who.csrf or None}


@router.post("/api/auth/tokens", status_code=201)
def new_token(body: TokenBody, who: Principal = Depends(require(signed_in=True)),
              session: Session = Depends(get_db, scope="function")) -> dict[str, Any]:
    """An API token for scripts (`Authorization: Bearer ...`), shown once; only its hash is stored. Made from a
    signed-in session only: a token cannot make tokens (they would outlive its revocation)."""
    token, row = issue_token(session, session.get(User, who.user_id), body.name, body.days)
    return {"id": row.id, "token": token, "name": row.name,
            "expires_at": row.expires_at.isoformat() if row.expires_at else None}


@router.get("/api/auth/tokens")
def list_tokens(who: Principal = Depends(require()), session: Session = Depends(get_db, scope="function")) -> list[dict[str, Any]]:
    return token_rows(session, who.user_id)


@router.delete("/api/auth/tokens/{token_id}")
def revoke_token(token_id: int, who: Principal = Depends(require()), session: Session = Depends(get_db, scope="function")) -> dict[str, Any]:
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != who.user_id and who.role != "admin"):
        raise HTTPException(404, f"token {token_id} does not exist")
    session.delete(row)
    return {"revoked": token_id}


@router.post("/api/users", status_code=201)
def add_user(body: UserBody, who: Principal = Depends(require(*ADMIN, signed_in=True)),
             session: Session = Depends(get_db, scope="function")) -> dict[str, Any]:
    user = create_user(session, body.username, body.password, body.role)
    return {"id": user.id, "username": user.username, "role": str(user.role)}


@router.patch("/api/users/{user_id}")
def patch_user(user_id: int, body: UserPatch, who: Principal = Depends(require(*ADMIN, signed_in=True)),
               session: Session = Depends(get_db, scope="function")) -> dict[str, Any]:
    """Disable (or enable) an account; disabling ends its sessions and API tokens at once."""
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(404, f"user {user_id} does not exist")
    if user.id == who.user_id and not body.is_active:
        raise HTTPException(409, "you cannot disable your own account; ask another administrator")
    set_active(session, user.username, body.is_active)
    return {"id": user.id, "username": user.username, "is_active": user.is_active}


@router.get("/api/users/{user_id}/tokens")
def user_tokens(user_id: int, who: Principal = Depends(require(*ADMIN)),
                session: Session = Depends(get_db, scope="function")) -> list[dict[str, Any]]:
    if session.get(User, user_id) is None:
        raise HTTPException(404, f"user {user_id} does not exist")
    return token_rows(session, user_id)


@router.get("/api/users")
def list_users(who: Principal = Depends(require(*ADMIN)), session: Session = Depends(get_db, scope="function")) -> list[dict[str, Any]]:
    return [{"id": u.id, "username": u.username, "role": str(u.role), "is_active": u.is_active}
            for u in session.scalars(select(User).order_by(User.id))]


# --- the login page for people ---------------------------------------------------------------------------
_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>civicai: sign in</title>
<style>body{{font-family:system-ui,sans-serif;background:#f4f6f9;margin:0;display:flex;min-height:100vh;
align-items:center;justify-content:center}}form{{background:#fff;padding:2rem;border-radius:10px;
box-shadow:0 2px 12px #0002;width:min(22rem,90vw)}}label{{display:block;margin:.8rem 0 .2rem;font-weight:600}}
input{{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #5f6b7a;border-radius:6px}}
button{{margin-top:1.2rem;width:100%;padding:.7rem;font-size:1rem;background:#2f5d8a;color:#fff;border:0;
border-radius:6px;cursor:pointer}}button:focus,input:focus{{outline:3px solid #f0b429}}.err{{color:#b00020}}
</style></head><body><main><form method="post" action="/login" aria-labelledby="t">
<h1 id="t">civicai sign in</h1><p>Staff workspace and auditors' view. Residents: the chat is at
<a href="/chat/">/chat</a>.</p>{error}
<input type="hidden" name="csrf_token" value="{csrf}"><input type="hidden" name="next" value="{next}">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></main></body></html>"""


def _safe_next(target: str | None) -> str:
    """Only a parsed local path: an open redirect would let a phishing link borrow our login page. Browsers drop
    tabs and newlines from a Location and read a backslash as '/', so '/<TAB>/evil.example' would leave the site:
    control characters get 400; a backslash, a scheme or a host gives no redirect; the path is re-encoded."""
    if not target:
        return ""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        raise HTTPException(400, "the 'next' address contains control characters",
                            headers={"Cache-Control": "no-store"})
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or "\\" in target or not parts.path.startswith("/")
            or parts.path.startswith("//")):
        return ""
    decoded = unquote(parts.path)
    if decoded.startswith("//") or "\\" in decoded or any(ord(ch) < 32 or ord(ch) == 127 for ch in decoded):
        return ""
    path = quote(decoded, safe="/-._~")
    return path + (f"?{quote(parts.query, safe='=&-._~%+')}" if parts.query else "")


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str | None = None, error: str | None = None) -> HTMLResponse:
    csrf = secrets.token_urlsafe(24)
    message = f'<p class="err" role="alert">{html.escape(error)}</p>' if error else ""
    page = _PAGE.format(error=message, csrf=csrf, next=html.escape(_safe_next(next)))
    response = HTMLResponse(page)
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, max_age=3600, httponly=True, samesite="strict",
                        secure=ctx_of(request).secure_cookies, path="/login")
    return response


@router.post("/login", include_in_schema=False)
def login_form(request: Request, username: str = Form(..., max_length=64), password: str = Form(..., max_length=1024),
               csrf_token: str = Form(...), next: str = Form(""), session: Session = Depends(get_db, scope="function")) -> Response:
    next = _safe_next(next)  # 400 on control characters, before anything else happens
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token):
        return RedirectResponse("/login?error=" + quote("The form expired: please sign in again."), 303)
    response = RedirectResponse("/", 303)
    try:
        user, _ = _login(request, response, session, username, password)
    except HTTPException as exc:
        target = f"/login?error={quote(str(exc.detail))}" + (f"&next={quote(_safe_next(next))}" if next else "")
        return RedirectResponse(target, 303)
    response.headers["location"] = _safe_next(next) or HOMES.get(str(user.role), "/staff")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", include_in_schema=False)
@router.get("/logout", include_in_schema=False)
def logout_page(request: Request, who: Principal | None = Depends(current_principal),
                session: Session = Depends(get_db, scope="function")) -> Response:
    end_session(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


__all__ = ["READERS", "router"]
