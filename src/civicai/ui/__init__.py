"""The Gradio apps, mounted on the FastAPI server: /staff (login), /chat (public), /audit (login).

They call the same service functions as the /api routers (civicai.workspace.*), in process, so the UI and the API
always agree. Login is the server's session cookie: Gradio's `auth_dependency` reads it, and the server's
middleware sends anonymous visitors of /staff and /audit to /login.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from civicai.workspace.context import AppContext


def mount_apps(app: FastAPI, ctx: AppContext) -> None:
    import gradio as gr

    from civicai.ui.audit import build_audit
    from civicai.ui.chat import build_chat
    from civicai.ui.common import CSS, THEME, user_for_roles
    from civicai.ui.staff import build_staff
    from civicai.workspace.users import READERS, STAFF

    common = {"footer_links": [], "run_history": False, "ssr_mode": False, "theme": THEME, "css": CSS,
              "show_error": True}
    gr.mount_gradio_app(app, build_chat(ctx), path="/chat", **common)
    gr.mount_gradio_app(app, build_staff(ctx), path="/staff", auth_dependency=user_for_roles(ctx, STAFF),
                        max_file_size=ctx.options.max_upload_bytes, **common)
    gr.mount_gradio_app(app, build_audit(ctx), path="/audit", auth_dependency=user_for_roles(ctx, READERS),
                        **common)
