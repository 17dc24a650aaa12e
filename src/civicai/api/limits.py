"""Request body limits enforced before a body is read, on every route (the Gradio apps' included).

A pure ASGI middleware, outside everything else: a declared Content-Length over the route's limit gets 413 at
once; a streamed (chunked) body is counted as it arrives and refused with 413 the moment it passes the limit, so
neither memory nor a temporary file ever holds more than the limit. Upload routes are the only ones with a large
limit, and they check the caller's login and role first: an anonymous upload gets 401 before one byte is read.
The public chat (/chat) and the auditors' app accept no file uploads at all.
"""
from __future__ import annotations

import json
import re
from typing import Any

# Gradio's upload routes (/gradio_api/upload and older spellings) under each mounted app
_GRADIO_UPLOAD = re.compile(r"^/(chat|staff|audit)(/.*)?/upload/?$")
_API_UPLOAD = "/api/uploads"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024  # JSON bodies: a chat question, triage edits, a theme set
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around an upload


async def _reply(send: Any, status: int, message: str, hint: str = "") -> None:
    body = json.dumps({"detail": message, **({"hint": hint} if hint else {})}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    def __init__(self, app: Any, ctx: Any) -> None:
        self.app = app
        self.ctx = ctx

    def _limit(self, path: str) -> tuple[int, str | None]:
        """(byte limit, role group needed before reading) for a path; limit 0 means no body is accepted."""
        upload = self.ctx.options.max_upload_bytes + MULTIPART_OVERHEAD
        if path.rstrip("/") == _API_UPLOAD:
            return upload, "staff"
        match = _GRADIO_UPLOAD.match(path)
        if match:
            return (upload, "staff") if match.group(1) == "staff" else (0, None)
        return self.ctx.options.max_body_bytes, None

    def _caller_role(self, scope: dict[str, Any]) -> str | None:
        from starlette.requests import HTTPConnection

        from civicai.store.db import session_scope
        from civicai.workspace.users import resolve_principal

        connection = HTTPConnection(scope)
        with session_scope(self.ctx.url) as session:
            who = resolve_principal(self.ctx, session, connection.headers, connection.cookies)
        return who.role if who is not None else None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, needs = self._limit(scope["path"])
        if limit == 0:
            await _reply(send, 403, "this app accepts no file uploads")
            return
        if needs is not None:
            from starlette.concurrency import run_in_threadpool

            from civicai.workspace.users import STAFF

            role = await run_in_threadpool(self._caller_role, scope)
            if role is None:
                await _reply(send, 401, "login required to upload (staff or admin)",
                             "sign in at /login, or send 'Authorization: Bearer <API token>'")
                return
            if role not in STAFF:
                await _reply(send, 403, f"role '{role}' may not upload; it needs: {', '.join(STAFF)}")
                return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _reply(send, 400, "the Content-Length header is not a number")
                return
            if size > limit:
                await _reply(send, 413, f"the request body ({size} bytes) is larger than {limit} bytes",
                             "send less; uploads: split the export or ask the administrator to raise the limit")
                return
        seen = 0
        started = refused = False

        async def counted_receive() -> dict[str, Any]:
            nonlocal seen, refused, started
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # answer 413 now and tell the app the client left: it stops reading, and whatever it
                    # answers after this is dropped (exceptions would come back as 400s through the middleware)
                    refused = True
                    if not started:
                        started = True
                        await _reply(send, 413, f"the request body is larger than {limit} bytes",
                                     "send less; uploads: split the export or ask the administrator")
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message: dict[str, Any]) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted_receive, tracked_send)
