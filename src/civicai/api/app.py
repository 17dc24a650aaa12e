"""`create_app(settings)`: one FastAPI server with /api, /health, /docs and the Gradio apps /staff, /chat, /audit."""
from __future__ import annotations

import contextlib
import logging
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy.exc import DataError
from starlette.middleware.base import BaseHTTPMiddleware

from civicai import __version__
from civicai.api.deps import READERS, SAFE_METHODS, STAFF, resolve_principal
from civicai.config import Settings, get_settings
from civicai.errors import CivicaiError, InputError
from civicai.store.db import current_revision, init_db, session_scope
from civicai.workspace.analyses import UploadTooLarge
from civicai.workspace.chat import ChatBusy, ChatUnavailable
from civicai.workspace.context import ApiOptions, AppContext
from civicai.workspace.jobs import JobManager, default_runners
from civicai.workspace.privacy import SmallGroup
from civicai.workspace.rate_store import make_rate_limiter
from civicai.workspace.security import (
    SESSION_COOKIE,
    AuthError,
    SessionSigner,
    hide_upload_folders,
    load_secret_key,
)

log = logging.getLogger("civicai.api")
PAGES = {"/staff": STAFF, "/audit": READERS}  # Gradio apps that need a login, and the roles they admit
def _error(status: int, message: str, hint: str = "") -> JSONResponse:
    body: dict[str, Any] = {"detail": hide_upload_folders(message)}
    if hint:
        body["hint"] = hide_upload_folders(hint)
    return JSONResponse(body, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where or 'request'}: {error.get('msg')}")
    return "; ".join(parts)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: e.get(k) for k in ("loc", "msg", "type")} for e in exc.errors()[:10]]
        return JSONResponse({"detail": _validation_message(exc), "errors": errors}, status_code=422)

    @app.exception_handler(UploadTooLarge)
    async def _too_large(request: Request, exc: UploadTooLarge) -> JSONResponse:
        return _error(413, exc.message, exc.hint)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> JSONResponse:
        return _error(422, exc.message, exc.hint)

    @app.exception_handler(AuthError)
    async def _auth(request: Request, exc: AuthError) -> JSONResponse:
        return _error(401, exc.message, exc.hint)

    @app.exception_handler(ChatBusy)
    async def _busy(request: Request, exc: ChatBusy) -> JSONResponse:
        # 429, not 503: the server is fine, this client should come back later (it is the queue that is full)
        return JSONResponse({"detail": exc.message, "hint": exc.hint}, status_code=429, headers={"Retry-After": "30"})

    @app.exception_handler(ChatUnavailable)
    async def _unavailable(request: Request, exc: ChatUnavailable) -> JSONResponse:
        return JSONResponse({"detail": exc.message, "hint": exc.hint}, status_code=503, headers={"Retry-After": "30"})

    @app.exception_handler(SmallGroup)
    async def _small_group(request: Request, exc: SmallGroup) -> JSONResponse:
        return _error(403, exc.message, exc.hint)

    @app.exception_handler(CivicaiError)
    async def _conflict(request: Request, exc: CivicaiError) -> JSONResponse:
        return _error(409, exc.message, exc.hint)

    @app.exception_handler(LookupError)
    async def _missing(request: Request, exc: LookupError) -> JSONResponse:
        return _error(404, str(exc.args[0]) if exc.args else "not found")

    # an id past the database's integer (SQLite: 2^63-1 raises OverflowError in the driver; PostgreSQL: 2^31-1
    # raises DataError): the request's fault, not a server error with a traceback
    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        log.warning("refused: a value out of range for the database in %s %s (%s)", request.method,
                    request.url.path, type(exc).__name__)
        return _error(422, "a number in the request is out of range for the database",
                      "ids are the numbers the API gave out; this one cannot exist")


class GuardMiddleware(BaseHTTPMiddleware):
    """Security headers; cross-site state changes refused; login pages for /staff and /audit."""

    async def dispatch(self, request: Request, call_next):
        ctx: AppContext = request.app.state.civicai
        origin = request.headers.get("origin")
        if (request.method not in SAFE_METHODS and origin and origin != "null" and SESSION_COOKIE in request.cookies
                and urlparse(origin).netloc != request.headers.get("host")):
            return _error(403, f"cross-site request from {origin} refused")
        page = next((p for p in PAGES if request.url.path == p or request.url.path.startswith(p + "/")), None)
        if page is not None:
            with session_scope(ctx.url) as session:
                who = resolve_principal(ctx, session, request.headers, request.cookies)
            is_document = request.url.path.rstrip("/") == page and request.method == "GET"
            if who is None and is_document:
                return RedirectResponse(f"/login?next={quote(page + '/')}", 303)
            if who is not None and who.role not in PAGES[page]:
                return HTMLResponse(f"<h1>403</h1><p>Your role ({who.role}) cannot open {page}. "
                                    f"<a href='/logout'>Sign in as someone else</a>.</p>", 403)
        response = await call_next(request)
        if request.url.path.rstrip("/") == "/chat" and request.method == "GET":
            from civicai.workspace.chat import CLIENT_COOKIE

            if not ctx.signer.read_client(request.cookies.get(CLIENT_COOKIE)):  # each browser its own budget
                response.set_cookie(CLIENT_COOKIE, ctx.signer.sign_client(secrets.token_urlsafe(16)),
                                    max_age=30 * 86400, httponly=True, samesite="lax", secure=ctx.secure_cookies,
                                    path="/")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response


def _bootstrap_admin(ctx: AppContext) -> None:
    """Dev mode: with no account at all, create 'admin' with a random password printed once by `civicai serve`.
    Production mode never creates an account (use `civicai user add`)."""
    from civicai.workspace.security import generate_password
    from civicai.workspace.users import count_users, create_user

    with session_scope(ctx.url) as session:
        if count_users(session) or ctx.settings.production:
            return
        password = generate_password()
        create_user(session, "admin", password, "admin")
    ctx.first_admin_password = password


def _warn_case_clashes(ctx: AppContext) -> None:
    """Accounts from before user names were casefolded that differ only in case: each signs in by its exact
    name only until an administrator renames one (security review s8); say so at every start."""
    from civicai.workspace.users import case_duplicates

    with session_scope(ctx.url) as session:
        for names in case_duplicates(session):
            log.warning("user names differing only in case: %s; rename or disable all but one "
                        "(`civicai user rename NAME NEW-NAME`; `civicai doctor` lists them)", ", ".join(names))


def _bootstrap_data(ctx: AppContext) -> list[int]:
    """First start: ingest the shipped plan and analyse the shipped sample, as background jobs."""
    from sqlalchemy import select

    from civicai.paths import sample_dir
    from civicai.store.schema import Consultation, Job, Plan

    jobs = []
    with session_scope(ctx.url) as session:
        has_plan = session.scalars(select(Plan).where(Plan.name == ctx.options.plan_name)).first() is not None
        has_consultation = session.scalars(select(Consultation)).first() is not None
        pending = {j.kind for j in session.scalars(select(Job).where(Job.status.in_(["queued", "running"])))}
    if not has_plan and "plan-ingest" not in pending:
        pdf = sample_dir() / "plan" / "rivermouth-climate-plan.pdf"
        jobs.append(ctx.jobs.submit("plan-ingest", {"path": str(pdf), "name": ctx.options.plan_name}))
    if not has_consultation and "analyse" not in pending:
        from civicai.workspace.analyses import analysis_params

        params = analysis_params(ctx, sample_dir() / "consultation.csv", group_columns=["district", "age_band"],
                                 label="sample")
        params["requested_by"] = "first-start"
        jobs.append(ctx.jobs.submit("analyse", params))
    return jobs


_INDEX = """<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport"
content="width=device-width, initial-scale=1"><title>civicai</title><style>body{font-family:system-ui,sans-serif;
max-width:40rem;margin:3rem auto;padding:0 1rem}a{display:block;margin:.8rem 0;font-size:1.2rem}</style></head>
<body><h1>civicai</h1><a href="/chat/">Ask the climate plan (residents)</a><a href="/staff/">Staff workspace</a>
<a href="/audit/">Auditors' view</a><a href="/docs">API documentation</a></body></html>"""


def _serve_api_docs(app: FastAPI) -> None:
    """/docs from Swagger UI files installed with civicai (the fastapi-swagger package's copy), not from a CDN:
    FastAPI's default page loads a floating version from jsdelivr without an integrity check, and is blank on
    a city network without internet."""
    from importlib.resources import files

    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    assets = files("fastapi_swagger") / "resources"
    app.mount("/docs-assets", StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title="civicai API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")


def create_app(settings: Settings | None = None, options: ApiOptions | None = None) -> FastAPI:
    settings = settings or get_settings()
    options = options or ApiOptions()
    Path(settings.home).mkdir(parents=True, exist_ok=True)
    ctx = AppContext(settings=settings, options=options,
                     signer=SessionSigner(load_secret_key(settings.home), options.session_max_age_s),
                     limiter=make_rate_limiter(settings.resolved_database_url, options.rate_limit))
    init_db(ctx.url)
    # SQLite: jobs run in this process's thread; PostgreSQL: queued for `civicai worker`s (civicai.queue.mode),
    # and this process works the queue too only when start_jobs says so (`civicai serve` passes False there)
    ctx.jobs = JobManager(ctx.url, default_runners(ctx), start=options.start_jobs)
    if not settings.keep_raw_text:
        from civicai.workspace.erasure import sweep_uploads

        sweep_uploads(ctx.home, options.upload_retention_days)
    interrupted = ctx.jobs.recover()
    if interrupted:
        log.warning("jobs %s were interrupted by the last shutdown; resume them in /staff or POST "
                    "/api/jobs/{id}/resume", interrupted)
    _bootstrap_admin(ctx)
    _warn_case_clashes(ctx)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        ctx.jobs.shutdown()

    app = FastAPI(title="civicai", lifespan=lifespan, version=__version__, docs_url=None, redoc_url=None,
                  description="Consultation analysis, the residents' climate-plan chat and the bias audit. "
                              "Log in with POST /api/auth/login (cookie + X-CSRF-Token) or use an API token "
                              "(`Authorization: Bearer ...`, POST /api/auth/tokens).")
    app.state.civicai = ctx
    _install_handlers(app)
    app.add_middleware(GuardMiddleware)

    from civicai.api.routers import audits, auth, chat, mapping_review, review, workspace

    for module in (auth, workspace, review, mapping_review, chat, audits):
        app.include_router(module.router)

    _serve_api_docs(app)

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "database_revision": current_revision(ctx.url)}

    @app.get("/", include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(_INDEX)

    if options.bootstrap:
        ctx.bootstrap_jobs = _bootstrap_data(ctx)
    if options.warm_chat:
        import threading

        from civicai.workspace.chat import warm_up

        threading.Thread(target=warm_up, args=(ctx,), name="civicai-chat-warm-up", daemon=True).start()
    if options.mount_ui:
        from civicai.ui import mount_apps

        mount_apps(app, ctx)
    # outermost: a body over its route's limit is refused before anything reads it (Gradio's routes too)
    from civicai.api.limits import BodyLimitMiddleware

    app.add_middleware(BodyLimitMiddleware, ctx=ctx)
    return app
