"""Helpers shared by the Gradio apps: who is calling, errors shown to people, the look."""
from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from civicai.errors import CivicaiError
from civicai.store.db import session_scope
from civicai.workspace.context import AppContext
from civicai.workspace.users import Principal, resolve_principal

log = logging.getLogger("civicai.ui")

# Soft's labels, primary buttons and placeholders are blue/slate 400-500 on pale fills (3.0, 3.7 and 2.6:1):
# the 700 shades and slate-600 pass WCAG AA's 4.5:1 (issue 17; tests/test_e2e_browser.py measures them).
THEME = gr.themes.Soft(primary_hue="blue", neutral_hue="slate").set(
    block_label_text_color="*primary_700", block_title_text_color="*primary_700",
    button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
    checkbox_label_background_fill_selected="*primary_700", input_placeholder_color="*neutral_600",
    body_text_color_subdued="*neutral_600")
# Mobile first: full width, larger tap targets, visible keyboard focus.
CSS = """
.gradio-container {max-width: 1200px !important; width: 100% !important; margin: auto}
.gradio-container .main, .gradio-container .contain {width: 100%}
button, input, select, textarea {min-height: 2.4rem}
:focus-visible {outline: 3px solid #f0b429 !important; outline-offset: 2px}
.civicai-header {display:flex; justify-content:space-between; align-items:center; flex-wrap:wrap; gap:.5rem}
.civicai-notice {font-size:.9rem; color:#3d4852; background:#eef3f8; padding:.4rem .7rem; border-radius:6px}
.progress-outer {background:#e3e8ef; border-radius:6px; height:1.1rem; width:100%}
.progress-inner {background:#2f6fb0; height:1.1rem; border-radius:6px}
/* the "Conversation" label floated over the messages, covering the first line: put it above them */
/* ... and its share/clear/copy buttons, which floated over the first line once the messages scrolled, sit on
   the label's row: label and buttons above, the messages below, nothing over them */
#chatbot > .wrapper {display: grid; grid-template-columns: 1fr auto; grid-template-rows: auto minmax(0, 1fr)}
#chatbot > .wrapper > label.float {position: static; justify-self: start; margin: .4rem .4rem .2rem;
  grid-column: 1; grid-row: 1}
#chatbot > .wrapper > .icon-button-wrapper.top-panel {position: static; grid-column: 2; grid-row: 1;
  align-self: center; margin: .2rem .3rem}
#chatbot > .wrapper > .bubble-wrap {grid-column: 1 / -1; grid-row: 2; min-height: 0; height: auto}
/* after a refused event Gradio covers each output with a blank panel holding a red "Error" pill, which stays
   (issue 17): the toast or the error summary already says what went wrong, so the panel goes */
.wrap:has(> span.error) {display: none !important}
/* the selected tab's label was primary-500 on white (3.7:1): blue-700 passes AA (axe, issue 17) */
button[role=tab].selected {color: #1d4ed8 !important}
.civicai-error {border: 4px solid #b3261e; padding: .6rem 1rem; margin: .5rem 0; color: #0b0c0c; background: #fff}
.civicai-error h2 {color: #b3261e; font-size: 1.15rem; margin: 0 0 .3rem}
.civicai-warning {border-left: 6px solid #8a5a00; background: #fff7e0; color: #0b0c0c; padding: .5rem .8rem;
  margin: .5rem 0}
dl.civicai-facts {display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0}
dl.civicai-facts dt {font-weight: 600}
dl.civicai-facts dd {margin: 0; min-width: 0; overflow-wrap: anywhere}
.civicai-manifest {border-collapse: collapse; width: 100%; font-size: .92rem}
.civicai-manifest caption {text-align: left; font-weight: 600; padding: .3rem 0}
.civicai-manifest th, .civicai-manifest td {border-bottom: 1px solid #d0d7de; padding: .25rem .5rem;
  text-align: left; vertical-align: top; overflow-wrap: anywhere}
.civicai-manifest th[scope=row] {font-weight: 500; width: 32%}
.civicai-manifest th.section {background: #eef3f8; font-size: 1rem; padding-top: .5rem}
/* long words, links and quotes wrap inside the bubble instead of running out of it */
#chatbot .message, #chatbot .message * {overflow-wrap: anywhere}
#chatbot details.civicai-sources ol {margin: .3rem 0; padding-left: 0}
@media (max-width: 640px) {.gradio-container {padding: 4px !important} h1 {font-size: 1.4rem}
  /* a phone: the conversation takes most of the screen (it was a fixed 460 px box), the question box and its
     button stack below it at full width (issue 17) */
  #chatbot {height: 72dvh !important; max-height: none !important; min-height: 26rem}
  #chatbot .message-row, #chatbot .message {max-width: 100% !important}
  #question-row {flex-wrap: wrap}
  #question-row > * {min-width: 100% !important}
  dl.civicai-facts {grid-template-columns: 1fr} dl.civicai-facts dd {margin-bottom: .3rem}
}
"""


def user_for_roles(ctx: AppContext, roles: tuple[str, ...]) -> Callable[[Any], str | None]:
    """Gradio's auth_dependency: the user name from the session cookie, if the role may use this app."""

    def dependency(request: Any) -> str | None:
        with session_scope(ctx.url) as session:
            who = resolve_principal(ctx, session, request.headers, request.cookies)
        return who.username if who is not None and who.role in roles else None

    return dependency


def who(ctx: AppContext, request: gr.Request | None, roles: tuple[str, ...]) -> Principal:
    """The caller of a Gradio event, checked again on every event (the page may be older than the session)."""
    if request is None:
        raise refuse("no request: please reload the page")
    with session_scope(ctx.url) as session:
        principal = resolve_principal(ctx, session, request.headers, request.cookies)
    if principal is None:
        raise refuse("your session has expired: please sign in again at /login")
    if principal.role not in roles:
        raise refuse(f"your role ({principal.role}) cannot do this")
    return principal


def refuse(message: str) -> gr.Error:
    """An expected refusal (nothing picked, a missing confirmation): shown to the person, one log line."""
    log.info("refused: %s", message)
    return gr.Error(message, print_exception=False)


def friendly(exc: Exception, public: bool = False) -> gr.Error:
    """An error people can act on. For the public (anonymous) apps an unexpected exception's text is logged,
    never shown: it can hold paths, SQL or other residents' words."""
    # expected user errors (a bad file, a stale edit, an unknown id): one log line, no traceback (issue 17)
    if isinstance(exc, CivicaiError):
        message = f"{exc.message}" + (f" ({exc.hint})" if exc.hint else "")
        log.warning("refused: %s", message)
        return gr.Error(message, print_exception=False)
    if isinstance(exc, LookupError):
        message = str(exc.args[0]) if exc.args else "not found"
        log.warning("refused: %s", message)
        return gr.Error(message, print_exception=False)
    if public:
        log.error("unexpected error in the public chat", exc_info=exc)
        return gr.Error("Something went wrong on our side; please try again in a minute.", print_exception=False)
    log.error("unexpected error in the staff or audit app", exc_info=exc)  # a bug: its traceback, once
    return gr.Error(f"{type(exc).__name__}: {exc}", print_exception=False)


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def header_html(title: str, principal_name: str | None = None, role: str | None = None) -> str:
    right = (f'<span>Signed in as <b>{esc(principal_name)}</b> ({esc(role)}) · <a href="/logout">Sign out</a></span>'
             if principal_name else "")
    return f'<div class="civicai-header"><h1 style="margin:0">{esc(title)}</h1>{right}</div>'


def progress_html(fraction: float, text: str) -> str:
    pct = max(0.0, min(1.0, fraction or 0.0)) * 100
    return (f'<div role="progressbar" aria-valuenow="{pct:.0f}" aria-valuemin="0" aria-valuemax="100" '
            f'aria-label="analysis progress"><div class="progress-outer"><div class="progress-inner" '
            f'style="width:{pct:.0f}%"></div></div><div>{pct:.0f}% · {esc(text)}</div></div>')


# --- citizen text ------------------------------------------------------------------------------------------
# Citizen text (and theme labels, summaries and quotes made from it) is shown through gr.HTML with every character
# escaped, never through gr.Markdown: Markdown would still turn `![x](http://host/p.png)` into an image the staff
# member's browser fetches, or `[click](http://...)` into a link, whatever html.escape did first.
def text_html(value: Any) -> str:
    return f'<div class="citizen-text" style="white-space:pre-wrap">{esc(value)}</div>'


def theme_detail_html(detail: dict[str, Any]) -> str:
    sentiment = ", ".join(f"{k} {v}" for k, v in detail["sentiment"].items())
    languages = ", ".join(f"{k} {v}" for k, v in detail["languages"].items())
    return (f"<h2>{esc(detail['label'])}</h2>{text_html(detail['summary'] or '(no summary)')}"
            f"<p><b>Keywords:</b> {esc(', '.join(detail['keywords']))}<br><b>Size:</b> {esc(detail['size'])} "
            f"submissions (weight {detail['weight']:.0f} with copies) · <b>Position:</b> {esc(sentiment)}"
            f" · <b>Languages:</b> {esc(languages)}</p>")


def submission_html(detail: dict[str, Any]) -> str:
    themes = ", ".join(t["label"] for t in detail["themes"]) or "(no theme)"
    # the file's own id only: the database id means nothing to people (issue 17)
    return (f"<p><b>Submission {esc(detail['external_id'])}</b> · {esc(detail['language'])} · "
            f"{esc(detail['sentiment'])} · theme: {esc(themes)}</p>"
            f'<blockquote>{text_html(detail["text"])}</blockquote>')
