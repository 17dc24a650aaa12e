"""Login (JSON for scripts and the apps, an HTML form for people), logout, API tokens, user accounts."""
from __future__ import annotations

import html
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicai.api.deps import ADMIN, READERS, ctx_of, current_principal, get_db, require
from civicai.api.schemas import LoginBody, TokenBody, UserBody
from civicai.api.security import SESSION_COOKIE, AuthError, csrf_matches
from civicai.api.users import Principal, authenticate, create_user, issue_token
from civicai.store.schema import ApiToken, User

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
        user = authenticate(session, username, password)
    except AuthError as exc:
        raise HTTPException(401, exc.message) from exc
    token, csrf = ctx.signer.issue(user.id, user.password_hash)
    response.set_cookie(SESSION_COOKIE, token, max_age=ctx.options.session_max_age_s, httponly=True,
                        samesite="strict", secure=ctx.secure_cookies, path="/")
    return user, csrf


@router.post("/api/auth/login")
def login(body: LoginBody, request: Request, response: Response, session: Session = Depends(get_db)) -> dict[str, Any]:
    """Start a session: sets an HttpOnly cookie; send `csrf_token` as X-CSRF-Token on later state changes."""
    user, csrf = _login(request, response, session, body.username, body.password)
    return {"username": user.username, "role": str(user.role), "csrf_token": csrf,
            "expires_in_s": ctx_of(request).options.session_max_age_s}


@router.post("/api/auth/logout")
def logout(response: Response, who: Principal = Depends(require())) -> dict[str, str]:
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"status": "logged out"}


@router.get("/api/auth/me")
def me(who: Principal = Depends(require())) -> dict[str, Any]:
    return {"username": who.username, "role": who.role, "via": who.via, "csrf_token": who.csrf or None}


@router.post("/api/auth/tokens", status_code=201)
def new_token(body: TokenBody, who: Principal = Depends(require()), session: Session = Depends(get_db)) -> dict[str, Any]:
    """An API token for scripts (`Authorization: Bearer ...`), shown once; only its hash is stored."""
    token, row = issue_token(session, session.get(User, who.user_id), body.name, body.days)
    return {"id": row.id, "token": token, "name": row.name,
            "expires_at": row.expires_at.isoformat() if row.expires_at else None}


@router.get("/api/auth/tokens")
def list_tokens(who: Principal = Depends(require()), session: Session = Depends(get_db)) -> list[dict[str, Any]]:
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == who.user_id).order_by(ApiToken.id))
    return [{"id": t.id, "name": t.name, "created_at": t.created_at.isoformat(),
             "expires_at": t.expires_at.isoformat() if t.expires_at else None} for t in rows]


@router.delete("/api/auth/tokens/{token_id}")
def revoke_token(token_id: int, who: Principal = Depends(require()), session: Session = Depends(get_db)) -> dict[str, Any]:
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != who.user_id and who.role != "admin"):
        raise HTTPException(404, f"token {token_id} does not exist")
    session.delete(row)
    return {"revoked": token_id}


@router.post("/api/users", status_code=201)
def add_user(body: UserBody, who: Principal = Depends(require(*ADMIN)), session: Session = Depends(get_db)) -> dict[str, Any]:
    user = create_user(session, body.username, body.password, body.role)
    return {"id": user.id, "username": user.username, "role": str(user.role)}


@router.get("/api/users")
def list_users(who: Principal = Depends(require(*ADMIN)), session: Session = Depends(get_db)) -> list[dict[str, Any]]:
    return [{"id": u.id, "username": u.username, "role": str(u.role), "is_active": u.is_active}
            for u in session.scalars(select(User).order_by(User.id))]


# --- the login page for people ---------------------------------------------------------------------------
_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>civicai: sign in</title>
<style>body{{font-family:system-ui,sans-serif;background:#f4f6f9;margin:0;display:flex;min-height:100vh;
align-items:center;justify-content:center}}form{{background:#fff;padding:2rem;border-radius:10px;
box-shadow:0 2px 12px #0002;width:min(22rem,90vw)}}label{{display:block;margin:.8rem 0 .2rem;font-weight:600}}
input{{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #9aa5b1;border-radius:6px}}
button{{margin-top:1.2rem;width:100%;padding:.7rem;font-size:1rem;background:#2f5d8a;color:#fff;border:0;
border-radius:6px;cursor:pointer}}button:focus,input:focus{{outline:3px solid #f0b429}}.err{{color:#b00020}}
</style></head><body><form method="post" action="/login" aria-labelledby="t">
<h1 id="t">civicai sign in</h1><p>Staff workspace and auditors' view. Residents: the chat is at
<a href="/chat/">/chat</a>.</p>{error}
<input type="hidden" name="csrf_token" value="{csrf}"><input type="hidden" name="next" value="{next}">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></body></html>"""


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would let a phishing link borrow our login page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return ""
    return target


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
               csrf_token: str = Form(...), next: str = Form(""), session: Session = Depends(get_db)) -> Response:
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
def logout_page(request: Request, who: Principal | None = Depends(current_principal)) -> Response:
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


__all__ = ["READERS", "router"]
