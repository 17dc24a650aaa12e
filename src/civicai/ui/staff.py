"""/staff: the staff workspace. Upload and analyse (background job, progress survives a reload), theme overview
(chart, 2-D map, campaigns), theme detail with the review loop, the triage queue with history, exports."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import gradio as gr
import pandas as pd

from civicai.errors import CivicaiError
from civicai.store.db import session_scope
from civicai.triage import STATUSES, UNSET, TriageChange, bulk_update, update_submission
from civicai.triage.reviews import remap_run, review_submission
from civicai.ui import staff_data as data
from civicai.ui.common import (
    esc,
    friendly,
    header_html,
    progress_html,
    refuse,
    submission_html,
    theme_detail_html,
    who,
)
from civicai.workspace import audits as auditsvc
from civicai.workspace import queries, review
from civicai.workspace.analyses import analysis_params, preview, store_upload
from civicai.workspace.context import AppContext
from civicai.workspace.privacy import SmallGroup
from civicai.workspace.security import hide_upload_folders
from civicai.workspace.upload_checks import earlier_analyses, file_sha256, refuse_repeat_analysis
from civicai.workspace.users import STAFF

# id, theme, status, language, position, assignee, tags, text: wide enough for each header on one line
# pixels, not percentages: on a phone the table scrolls sideways instead of squeezing headers to a letter a line
MEMBER_WIDTHS = ["80px", "150px", "100px", "95px", "90px", "100px", "110px", "380px"]
# position towards the proposal (civicai.sentiment.position); the old tone labels still colour older runs
SENTIMENT_COLOURS = {"supports": "#2e8b57", "unclear": "#9aa5b1", "opposes": "#c0392b", "positive": "#2e8b57",
                     "neutral": "#9aa5b1", "negative": "#c0392b", "unknown": "#d4d9df"}


# the languages theme titles and summaries have wording for (civicai.summarise.title); "" = the majority language
LABEL_LANGUAGES = [("Most submissions' language", ""), ("English", "en"), ("Français", "fr"), ("Deutsch", "de"),
                   ("Nederlands", "nl"), ("Español", "es"), ("Italiano", "it"), ("Dansk", "da")]
EMPTY_PREVIEW = pd.DataFrame(columns=["row", "id", "text"])
EMPTY_QUOTES = pd.DataFrame(columns=["submission", "quote"])


def error_summary_html(title: str, message: str) -> str:
    """GOV.UK's error summary: one box, read out at once by screen readers."""
    return (f'<div class="civicai-error" role="alert"><h2>{esc(title)}</h2><p>{esc(message)}</p>'
            "<p>Fix the file and upload it again.</p></div>")


def warning_html(message: str) -> str:
    return f'<div class="civicai-warning" role="status"><b aria-hidden="true">!</b> <span>{esc(message)}</span></div>'


def _file_chunks(path: str):
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            yield block


def build_staff(ctx: AppContext) -> gr.Blocks:
    def guard(request: gr.Request):
        return who(ctx, request, STAFF)

    # --- callbacks: upload and jobs -------------------------------------------------------------------
    def on_load(request: gr.Request):
        me = guard(request)
        choices = data.consultation_choices(ctx)
        return header_html("civicai · staff workspace", me.username, me.role), \
            gr.update(choices=choices, value=choices[0] if choices else None)

    def on_upload(path: str | None, request: gr.Request):
        guard(request)
        empty = (None, gr.update(value=EMPTY_PREVIEW, visible=False), *(gr.update(choices=[], value=None),) * 4,
                 gr.update(visible=False, value=False))
        if not path:
            return (*empty[:2], "", *empty[2:], gr.update())
        name = Path(path).name
        try:
            stored = store_upload(ctx, name, _file_chunks(path))
            info = preview(stored.path)
        except Exception as exc:  # noqa: BLE001 - friendly() logs an unexpected one with its traceback
            # one clear message where the officer looks, instead of a toast plus an empty red "Error" on every
            # output (issue 17); an expected problem is one log line. The server's path is not the officer's.
            message = hide_upload_folders(friendly(exc).message)
            message = message.replace(" with --text-column", "").removeprefix(f"{name}: ")
            return (*empty[:2], error_summary_html(f"{name} could not be used", message), *empty[2:], None)
        finally:
            Path(path).unlink(missing_ok=True)  # Gradio's temporary copy: the stored upload is the only one kept
        columns = info["columns"]
        notes = "; ".join(info["notes"])
        summary = (f"<p><b>{esc(stored.name)}</b>: {info['accepted']} usable rows, {info['rejected']} rejected "
                   f"(layout {esc(info['layout'])}). {esc(notes)}</p>")
        if info.get("rejected_rows"):  # which rows (user trial: "1 rejected" did not say which)
            listed = "; ".join(f"row {r['row']}" + (f" (id {r['id']})" if r["id"] else "")
                               + f": {r['reason'].replace('_', ' ')} in '{r['field']}'" for r in info["rejected_rows"])
            more = info["rejected"] - len(info["rejected_rows"])
            summary += (f"<p>Rejected: {esc(listed)}" + (f"; and {more} more" if more > 0 else "")
                        + ". They are listed with their reasons in the run's rejected.csv.</p>")
        with session_scope(ctx.url) as session:
            earlier = earlier_analyses(session, file_sha256(stored.path))
        if earlier:
            first = earlier[0]
            summary += warning_html(f"This file was already analysed: consultation {first['consultation_id']} "
                                    f"({first['consultation']}), run {first['run_id']}, {first['when']}. Analysing "
                                    "it again makes a second, identical consultation. Pick that consultation above "
                                    "to see its results, or tick the box below to analyse it again anyway.")
        groups = [c for c in columns if c not in (info["text_column"], info["id_column"], info["question_column"])]
        return (stored.upload_id, gr.update(value=pd.DataFrame(info["rows"]), visible=True), summary,
                gr.update(choices=columns, value=info["text_column"]),
                gr.update(choices=[""] + columns, value=info["id_column"] or ""),
                gr.update(choices=groups, value=info.get("group_columns") or []),
                gr.update(choices=[""] + columns, value=info["question_column"] or ""),
                gr.update(visible=bool(earlier), value=False), gr.update())

    def on_start(upload_id, text_col, id_col, groups, question_col, label_lang, again, request: gr.Request):
        me = guard(request)
        if not upload_id:
            raise refuse("Upload a file first.")
        from civicai.workspace.analyses import upload_path

        try:
            path = upload_path(ctx, upload_id)
            with session_scope(ctx.url) as session:  # the API's rule too (POST /api/analyses, "again")
                refuse_repeat_analysis(session, path, bool(again), "tick 'Analyse it again anyway'")
            preview(path, text_col or None)
            params = analysis_params(ctx, path, text_column=text_col or None, id_column=id_col or None,
                                     group_columns=list(groups or []), question_column=question_col or None,
                                     label="upload", label_language=label_lang or None)
            params["requested_by"] = me.username
            job_id = ctx.jobs.submit("analyse", params, owner_id=me.user_id)
        except gr.Error:
            raise
        except Exception as exc:
            raise friendly(exc) from exc
        gr.Info(f"Analysis started (job {job_id}). You can reload the page: the progress is kept.")
        return refresh_jobs()

    def refresh_jobs():
        table, active = data.jobs_frame(ctx)
        table = gr.update(value=table, visible=not table.empty)  # no empty table: the line above says so
        if active is None:
            return progress_html(0, "no analysis yet"), table
        message = active["message"] if active["message"] not in (None, "", active["status"]) else ""
        stage = data.stage_of(active)
        label = (f"job {active['id']} ({active['kind']}): {active['status']}" + (f" · {stage}" if stage else "")
                 + (f" · {message}" if message else ""))
        if active["status"] == "done" and (active["result"] or {}).get("themes") == 0:
            label += " · no themes: too few submissions to find themes (all are in the Triage tab)"
        return progress_html(active["progress"], label), table

    def refresh_lists(consultation, run, known):
        """A consultation or run a job just finished (an analysis, a re-map) joins its list without a page reload
        (user trial: the re-mapped run only showed after one). A list is redrawn only when it changed, so an
        open dropdown is not reset by every tick, and what staff picked stays picked."""
        known = known or {}
        consultations = data.consultation_choices(ctx)
        runs = data.run_choices(ctx, data.choice_id(consultation))
        updates = []
        for key, choices, value in (("consultations", consultations, consultation), ("runs", runs, run)):
            if known.get(key) == choices:
                updates.append(gr.update())
                continue
            # by id: a run's label changes with its status ("running" -> "done")
            same = next((c for c in choices if data.choice_id(c) == data.choice_id(value)), None)
            updates.append(gr.update(choices=choices, value=same or (choices[0] if choices else None)))
        return *updates, {"consultations": consultations, "runs": runs}

    def on_cancel(job_id, request: gr.Request):
        me = guard(request)
        try:
            status = ctx.jobs.cancel(int(job_id or 0), me)  # the job's owner or an admin only
        except Exception as exc:
            raise friendly(exc) from exc
        gr.Info(f"Job {int(job_id)}: {'cancelled' if status == 'cancelled' else 'stopping within seconds'}.")
        return refresh_jobs()

    def on_resume(job_id, request: gr.Request):
        me = guard(request)
        try:
            ctx.jobs.resume(int(job_id or 0), me)
        except Exception as exc:
            raise friendly(exc) from exc
        return refresh_jobs()

    # --- callbacks: overview --------------------------------------------------------------------------
    def on_consultation(value):
        runs = data.run_choices(ctx, data.choice_id(value))
        groups = []
        if data.choice_id(value) is not None:
            with session_scope(ctx.url) as session:
                groups = [f"{k}:{v}" for k, vs in queries.group_columns(session, data.choice_id(value)).items()
                          for v in vs][:200]
        return gr.update(choices=runs, value=runs[0] if runs else None), gr.update(choices=[""] + groups, value="")

    def on_run(consultation, run):
        themes = data.theme_choices(ctx, data.choice_id(run))
        return (*overview(consultation, run), gr.update(choices=themes, value=themes[0] if themes else None),
                gr.update(choices=themes, value=[]), export_links(consultation, run, "", "", "", ""))

    def overview(consultation, run):
        """The Themes tab; also redrawn after every review edit (issue 17: it changed only on a page reload)."""
        run_id = data.choice_id(run)
        table, bars = data.themes_frame(ctx, run_id)
        points = data.map_frame(ctx, run_id)
        colours = data.map_colours(points)
        present = set(bars["sentiment"])
        sentiment_key = data.colour_key_html("Position", {k: v for k, v in SENTIMENT_COLOURS.items() if k in present})
        # largest first, as the title says; no empty chart or map when the run found no theme
        chart = gr.BarPlot(value=bars, sort=data.bar_order(bars), visible=not bars.empty)
        themes_map = gr.ScatterPlot(value=points, color_map=colours or None, visible=not bars.empty)
        return (chart, sentiment_key, data.themes_notice(ctx, run_id), themes_map,
                data.colour_key_html("Themes on the map", colours) if not bars.empty else "", table,
                data.campaigns_frame(ctx, data.choice_id(consultation)))

    # --- callbacks: theme detail and review -----------------------------------------------------------
    def on_theme(theme, run, status, language, sentiment, group):
        detail = data.theme_detail(ctx, data.choice_id(theme))
        if detail is None:
            return "Pick a theme.", EMPTY_QUOTES, {}, data.empty_members(), {}, "", ""
        md = theme_detail_html(detail)  # HTML-escaped, never Markdown (citizen words)
        # quotes hold the database id and the file's id: people see the file's (issue 17)
        picked = [q for q in detail["quotes"] if isinstance(q, dict)]
        quotes = pd.DataFrame([{"submission": q.get("external_id") or q.get("submission_id"), "quote": q.get("text")}
                               for q in picked], columns=["submission", "quote"])
        quote_ids = {str(q["external_id"]): q["submission_id"] for q in picked
                     if q.get("external_id") and isinstance(q.get("submission_id"), int)}
        members, member_ids = filtered_members(detail["id"], run, status, language, sentiment, group)
        return md, quotes, quote_ids, members, member_ids, detail["label"], detail["summary"] or ""

    def filtered_members(theme_id, run, status, language, sentiment, group):
        groups = dict([group.split(":", 1)]) if group else {}
        flt = queries.SubmissionFilter(run_id=data.choice_id(run), theme_id=theme_id, status=status or None,
                                       language=language or None, sentiment=sentiment or None, group=groups,
                                       min_group_size=ctx.settings.min_group_size)
        try:
            frame, _, ids = data.submissions_frame(ctx, flt)
        except SmallGroup as exc:  # the same rule as the API: too small a group is not listed
            return pd.DataFrame({"members": [exc.message]}), {}
        return frame, ids

    def review_action(action: str):
        def handler(theme, run, label, summary, merge_with, split_ids, confirm, request: gr.Request):
            me = guard(request)
            theme_id = data.choice_id(theme)
            if theme_id is None:
                raise refuse("Pick a theme first.")
            try:
                with session_scope(ctx.url) as session:
                    if action == "rename":
                        review.rename_theme(session, theme_id, label, actor=me.username)
                    elif action == "summary":
                        review.edit_summary(session, theme_id, summary, actor=me.username)
                    elif action == "merge":
                        review.merge_themes(session, theme_id, [data.choice_id(m) for m in merge_with or []],
                                            actor=me.username)
                    elif action == "split":
                        ids = data.resolve_ids(ctx, data.consultation_of_run(ctx, data.choice_id(run)), split_ids)
                        review.split_theme(session, theme_id, ids, label, actor=me.username)
                    elif action == "delete":
                        if not confirm:
                            raise refuse("Tick 'I am sure' to delete the theme.")
                        review.delete_theme(session, theme_id, actor=me.username)
            except gr.Error:
                raise
            except Exception as exc:
                raise friendly(exc) from exc
            with session_scope(ctx.url) as session:  # the bias report follows the reviewed themes (issue 17)
                reaudit = auditsvc.request_reaudit(ctx, session, data.choice_id(run) or 0, me.username,
                                                   owner_id=me.user_id)
            gr.Info(f"Theme {action} saved." + (" The bias audit runs again on the reviewed themes." if reaudit else ""))
            themes = data.theme_choices(ctx, data.choice_id(run))
            keep = next((t for t in themes if data.choice_id(t) == theme_id), themes[0] if themes else None)
            return gr.update(choices=themes, value=keep), gr.update(choices=themes, value=[])
        return handler

    def on_remap(run, request: gr.Request):
        me = guard(request)
        run_id = data.choice_id(run)
        if run_id is None:
            raise refuse("Pick a run first.")
        from civicai.workspace.analyses import remap_params

        try:
            with session_scope(ctx.url) as session:  # the same rule as POST /api/runs/{id}/remap
                params = remap_params(ctx, session, run_id, me.username)
            job_id = ctx.jobs.submit("remap", params, owner_id=me.user_id)
        except gr.Error:
            raise
        except Exception as exc:
            raise friendly(exc) from exc
        gr.Info(f"Re-mapping started (job {job_id}); the new run appears under Themes when it is done.")

    # --- callbacks: triage ----------------------------------------------------------------------------
    def open_submission(submission_id, run):
        detail = data.submission_detail(ctx, int(submission_id or 0), data.choice_id(run))
        if detail is None:
            return ("Select a submission in a table.", None, "", "", "", data.empty_history(), None,
                    gr.update(choices=[], value=[]), "keep", "Open a submission to review its themes.")
        md = submission_html(detail)  # HTML-escaped, never Markdown (citizen words)
        choices, current, state = data.theme_review_form(ctx, data.choice_id(run), detail["id"])
        return (md, detail["status"], detail["assignee"] or "", ", ".join(detail["tags"]), detail["notes"] or "",
                detail["history"], detail["version"], gr.update(choices=choices, value=current), "keep", state)

    def pick_row(ids: dict, evt: gr.SelectData):
        """The database id of the selected row: tables show the file's id, `ids` maps it back."""
        row = evt.row_value or []
        return ids.get(str(row[0])) if row and ids else None

    def pick_and_go(ids: dict, evt: gr.SelectData):
        """A quote or member picked in Theme detail opens in Triage, and the Triage tab comes up (issue 17)."""
        return pick_row(ids, evt), gr.Tabs(selected="triage")

    def open_by_file_id(given, consultation, run):
        """The submission named by its file id; when there is none, the panel is cleared with a warning, so the
        submission opened before does not pass for the one asked for (user trial)."""
        try:
            found = data.resolve_ids(ctx, data.choice_id(consultation), given)
        except CivicaiError as exc:
            gr.Warning(str(exc))
            return None
        except Exception as exc:
            raise friendly(exc) from exc
        if len(found) != 1:
            gr.Warning("Type one submission id, as in the file (e.g. R0346).")
            return None
        return found[0]

    def on_save(submission_id, run, status, assignee, tags, notes, why, version, request: gr.Request):
        me = guard(request)
        if not submission_id:
            raise refuse("Select a submission first.")
        change = TriageChange(status=status or UNSET, assignee=assignee,
                              tags=[t for t in (tags or "").split(",") if t.strip()], notes=notes, note=why or None)
        try:
            with session_scope(ctx.url) as session:
                # the version this form was opened on: someone else's save in between gives a clear error (409)
                update_submission(session, int(submission_id), change, actor=me.username, expected_version=version)
        except Exception as exc:
            raise friendly(exc) from exc
        gr.Info("Saved; the change is in the history.")
        return open_submission(submission_id, run)

    def on_erase(submission_id, run, note, confirmed, request: gr.Request):
        me = who(ctx, request, ("admin",))  # the same rule as DELETE /api/submissions/{id}
        if not submission_id:
            raise refuse("Select a submission first.")
        if not confirmed:
            raise refuse("Tick 'I am sure' first: an erasure cannot be undone.")
        from civicai.workspace.erasure import erase_submission

        try:
            report = erase_submission(ctx.url, ctx.home, actor=me.username, submission_id=int(submission_id),
                                      note=note or None)
        except Exception as exc:
            raise friendly(exc) from exc
        gr.Info(f"Submission {report.external_id} erased: {report.quotes_removed} quotes removed, "
                f"{report.themes_marked} labels/summaries withdrawn, {len(report.files_changed)} files rewritten.")
        return open_submission(submission_id, run)

    # --- callbacks: theme review of one submission, learning from the reviews (issue 15) ---------------
    def on_review_save(submission_id, run, keys, position, request: gr.Request):
        """The submission's themes in this run become exactly `keys` (POST /api/runs/{run}/submissions/{id}/review)."""
        me = guard(request)
        run_id = data.choice_id(run)
        if not submission_id or run_id is None:
            gr.Warning("Open a submission (and pick a run) first.")
            return (gr.update(),) * len(sub_out)
        chosen = None if position in (None, "", "keep") else position
        try:
            with session_scope(ctx.url) as session:
                saved = review_submission(session, run_id, int(submission_id), list(keys or []), actor=me.username,
                                          position=chosen)
        except CivicaiError as exc:  # an unknown theme or position, a run of another consultation: a warning
            gr.Warning(friendly(exc).message)
            return (gr.update(),) * len(sub_out)
        except Exception as exc:
            raise friendly(exc) from exc
        names = {key: label for label, key in data.theme_review_form(ctx, run_id, int(submission_id))[0]}
        listed = lambda keys: ", ".join(names.get(k, k) for k in keys) or "none fits"
        gr.Info(f"Saved: themes {listed(saved['themes'])} (was {listed(saved['previous'])}); "
                f"position {chosen or 'unchanged'}. Re-map to apply your reviews to the rest.")
        return open_submission(submission_id, run)

    def on_learn(run, request: gr.Request, progress=gr.Progress()):
        """Refit on the reviews and re-map the unreviewed rest, in the request (POST /api/runs/{run}/reviews/remap)."""
        me = guard(request)
        run_id = data.choice_id(run)
        unchanged = gr.update(), gr.update(), gr.update()
        if run_id is None:
            gr.Warning("Pick a run first.")
            return unchanged
        gr.Info("Learning from the reviews and re-mapping the rest: about 20 seconds for 700 submissions.")
        progress(0.1, desc="Learning from the reviews and re-mapping the rest")
        try:
            with session_scope(ctx.url) as session:
                result = remap_run(session, run_id, actor=me.username, suggest=10)
        except CivicaiError as exc:
            gr.Warning(friendly(exc).message)
            return unchanged
        except Exception as exc:
            raise friendly(exc) from exc
        frame, ids = data.review_next_frame(ctx, run_id, result.suggestions)
        nexts = ", ".join(f"#{i}" for i in ids) or "nothing left to propose"
        message = f"{result.reviewed} reviewed, {result.moved} submissions moved; review next: {nexts}."
        gr.Info(message)
        return frame, ids, message + " Select one below (or type its id above) to open it."

    def on_queue(consultation, run, status, assignee, tag, q, unassigned):
        flt = queries.SubmissionFilter(consultation_id=data.choice_id(consultation), run_id=data.choice_id(run),
                                       status=status or None, assignee=assignee or None, tag=tag or None,
                                       q=q or None, unassigned=bool(unassigned),
                                       min_group_size=ctx.settings.min_group_size)
        try:
            frame, total, ids = data.submissions_frame(ctx, flt)
        except Exception as exc:
            raise friendly(exc) from exc
        return frame, ids, f"{total} submissions match (first {len(frame)} shown).", \
            export_links(consultation, run, status, assignee, tag, q)

    def on_bulk(consultation, ids, status, assignee, tag, request: gr.Request):
        me = guard(request)
        try:
            chosen = data.resolve_ids(ctx, data.choice_id(consultation), ids)
        except Exception as exc:
            raise friendly(exc) from exc
        change = TriageChange(status=status or UNSET, assignee=assignee if assignee else UNSET,
                              add_tags=[tag] if tag else ())
        if change.is_empty():
            raise refuse("Choose a status, an assignee or a tag to apply.")
        try:
            with session_scope(ctx.url) as session:
                events = bulk_update(session, chosen, change, actor=me.username)
        except Exception as exc:
            raise friendly(exc) from exc
        return f"{len(chosen)} submissions updated ({events} changes recorded)."

    def export_links(consultation, run, status, assignee, tag, q):
        cid, rid = data.choice_id(consultation), data.choice_id(run)
        if cid is None:
            return "Pick a consultation first."
        base = {"consultation_id": cid, **({"run_id": rid} if rid else {})}
        # every filter of the queue, the assignee too (issue 17: the links dropped it)
        chosen_filters = {"status": status, "assignee": assignee, "tag": tag, "q": q}
        flt = {**base, **{k: v for k, v in chosen_filters.items() if v}}
        link = lambda fmt, params: f'<a href="/api/exports/{fmt}?{esc(urlencode(params))}" download>{fmt.upper()}</a>'
        everything = " · ".join(link(f, base) for f in ("csv", "xlsx", "html"))
        filtered = " · ".join(link(f, flt) for f in ("csv", "xlsx", "html"))
        chosen = ", ".join(f"{k}={v}" for k, v in flt.items() if k not in base) or "none"
        return (f"<p><b>Everything:</b> {everything}</p><p><b>Current triage filter</b> ({esc(chosen)}): "
                f"{filtered}</p><p>Spreadsheet formulas in citizens' text are neutralised in CSV and XLSX.</p>")

    # --- layout ----------------------------------------------------------------------------------------
    with gr.Blocks(title="civicai · staff") as demo:
        header = gr.HTML(header_html("civicai · staff workspace"))
        upload_id = gr.State(None)
        with gr.Row():
            consultation = gr.Dropdown(label="Consultation", choices=[], scale=3, elem_id="consultation")
            run = gr.Dropdown(label="Analysis run", choices=[], scale=2, elem_id="run")
        # on a phone the tabs wrap onto a second line rather than hide in a "..." menu
        with gr.Tabs(elem_id="tabs", overflow_behavior="wrap") as tabs:
            with gr.Tab("Upload & analyse", id="upload"):
                file = gr.File(label="Consultation export (CSV, XLSX, JSON, JSONL)", type="filepath",
                               file_types=[".csv", ".tsv", ".txt", ".xlsx", ".json", ".jsonl"], elem_id="upload")
                preview_info = gr.HTML(elem_id="upload-message")
                preview_table = gr.Dataframe(EMPTY_PREVIEW, label="Preview (text redacted)", interactive=False,
                                             wrap=True, elem_id="preview", visible=False)
                with gr.Row():
                    text_col = gr.Dropdown(label="Text column", choices=[])
                    id_col = gr.Dropdown(label="Id column", choices=[])
                    group_cols = gr.Dropdown(label="Group columns (for the audit)", choices=[], multiselect=True,
                                             elem_id="group-columns",
                                             info="Demographic columns are chosen for you; the audit compares them.")
                    question_col = gr.Dropdown(label="Question column", choices=[])
                    label_lang = gr.Dropdown(label="Language of theme titles", choices=LABEL_LANGUAGES, value="",
                                             elem_id="label-language",
                                             info="Titles and summaries are written from submissions in it.")
                again = gr.Checkbox(label="Analyse it again anyway", value=False, visible=False, elem_id="again")
                start = gr.Button("Start analysis", variant="primary", elem_id="start-analysis")
                progress = gr.HTML(progress_html(0, "no analysis yet"), elem_id="job-progress")
                jobs_table = gr.Dataframe(data.empty_jobs(), label="Recent jobs", interactive=False,
                                          elem_id="jobs", visible=False)
                with gr.Row():
                    resume_id = gr.Number(label="Job number (to resume or cancel)", precision=0, elem_id="job-id")
                    resume_btn = gr.Button("Resume interrupted job")
                    cancel_btn = gr.Button("Cancel job", variant="stop", elem_id="cancel-job")
            with gr.Tab("Themes", id="themes") as themes_tab:
                themes_notice = gr.Markdown(elem_id="themes-notice")
                bars = gr.BarPlot(x="theme", y="submissions", color="sentiment", label="Themes by size and position",
                                  x_label_angle=-35, height=460, elem_id="theme-chart", color_map=SENTIMENT_COLOURS,
                                  colors_in_legend=[],  # the key below: the chart's own was cut off
                                  caption="Bars: submissions per theme by position towards the proposal; green supports, grey unclear "
                                          "(also where it could not be measured reliably), red opposes.")
                chart_key = gr.HTML(elem_id="chart-key")
                # the map's axes have no unit people can read (a 2-D projection): no titles or tick labels
                scatter = gr.ScatterPlot(x="x", y="y", color="theme", tooltip=["theme", "text"], height=560,
                                         x_title=" ", y_title=" ", x_axis_labels_visible=False,
                                         label="Map of submissions (hover for the redacted text)", elem_id="map",
                                         caption="Each point is a submission, coloured by its theme; nearby "
                                                 "points say similar things. Hover to read it.",
                                         colors_in_legend=[])  # the key below names every theme
                map_key = gr.HTML(elem_id="map-key")
                themes_table = gr.Dataframe(data.themes_frame(ctx, None)[0], label="Themes", interactive=False,
                                            wrap=True, elem_id="themes-table",
                                            column_widths=["60px", "190px", "150px", "70px", "80px", "260px", "170px"])
                campaigns = gr.Dataframe(data.campaigns_frame(ctx, None), label="Campaigns and duplicates",
                                         interactive=False, elem_id="campaigns")
            with gr.Tab("Theme detail & review", id="detail"):
                theme = gr.Dropdown(label="Theme", choices=[], elem_id="theme")
                detail_md = gr.HTML(elem_id="theme-detail")
                quotes = gr.Dataframe(EMPTY_QUOTES, label="Quotes (select one to open it in Triage)",
                                      interactive=False, wrap=True, column_widths=["110px", "85%"], elem_id="quotes")
                with gr.Row():
                    f_status = gr.Dropdown(label="Status", choices=[""] + list(STATUSES), value="")
                    f_lang = gr.Textbox(label="Language (e.g. fr)")
                    f_sent = gr.Dropdown(label="Position", choices=["", "supports", "unclear", "opposes"], value="")
                    f_group = gr.Dropdown(label="Group", choices=[""], value="")
                members = gr.Dataframe(data.empty_members(), label="Members (select one to open it in Triage)",
                                       interactive=False, wrap=True, elem_id="members", column_widths=MEMBER_WIDTHS)
                with gr.Accordion("Review this theme", open=False, elem_id="review"):
                    with gr.Row():
                        label_box = gr.Textbox(label="Label", scale=4, elem_id="theme-label")
                        rename_btn = gr.Button("Rename", scale=1, elem_id="rename")
                    summary_box = gr.Textbox(label="Summary", lines=3)
                    summary_btn = gr.Button("Save summary")
                    with gr.Row():
                        merge_with = gr.Dropdown(label="Merge these themes into it", choices=[], multiselect=True,
                                                 scale=4, elem_id="merge-with")
                        merge_btn = gr.Button("Merge", scale=1, elem_id="merge")
                    with gr.Row():
                        split_ids = gr.Textbox(label="Split off submissions (their ids, e.g. R0346 R0347) under the "
                                                     "label above", scale=4)
                        split_btn = gr.Button("Split", scale=1)
                    with gr.Row():
                        confirm = gr.Checkbox(label="I am sure", value=False)
                        delete_btn = gr.Button("Delete theme", variant="stop")
                    remap_btn = gr.Button("Re-map all submissions onto the edited themes", variant="primary")
            with gr.Tab("Triage", id="triage"):
                with gr.Row():
                    q_status = gr.Dropdown(label="Status", choices=[""] + list(STATUSES), value="")
                    q_assignee = gr.Textbox(label="Assignee", elem_id="queue-assignee")
                    q_tag = gr.Textbox(label="Tag")
                    q_text = gr.Textbox(label="Words in text")
                    q_unassigned = gr.Checkbox(label="Only without theme")
                q_btn = gr.Button("Show queue", elem_id="show-queue")
                q_info = gr.Markdown(elem_id="queue-info")
                queue = gr.Dataframe(data.empty_members(), label="Queue (select a row to open it)", interactive=False,
                                     wrap=True, elem_id="queue", column_widths=MEMBER_WIDTHS)
                with gr.Row():
                    sub_lookup = gr.Textbox(label="Open a submission by its id (as in the file, e.g. R0346)",
                                            elem_id="submission-id", scale=3)
                    open_btn = gr.Button("Open", scale=1, elem_id="open-submission")
                sub_md = gr.HTML(elem_id="submission-text")
                with gr.Row():
                    t_status = gr.Dropdown(label="Status", choices=list(STATUSES), elem_id="triage-status")
                    t_assignee = gr.Textbox(label="Assignee", elem_id="triage-assignee")
                    t_tags = gr.Textbox(label="Tags (comma-separated)", elem_id="triage-tags")
                t_notes = gr.Textbox(label="Notes", lines=2, elem_id="triage-notes")
                t_why = gr.Textbox(label="Reason for the change (kept in the history)")
                save_btn = gr.Button("Save triage", variant="primary", elem_id="save-triage")
                history_table = gr.Dataframe(data.empty_history(), label="History (append-only)", interactive=False,
                                             wrap=True, elem_id="history")
                with gr.Accordion("Review this submission's themes", open=False, elem_id="theme-review"):
                    r_state = gr.Markdown("Open a submission to review its themes.", elem_id="review-state")
                    with gr.Row():
                        r_themes = gr.Dropdown(label="Its themes in this run (none = no theme fits)", choices=[],
                                               multiselect=True, scale=4, elem_id="review-themes")
                        r_position = gr.Dropdown(label="Position", choices=data.REVIEW_POSITIONS, value="keep",
                                                 scale=1, elem_id="review-position")
                    r_save = gr.Button("Save review", variant="primary", elem_id="save-review")
                    learn_btn = gr.Button("Learn from reviews and re-map the rest", elem_id="learn-remap")
                    gr.Markdown("Reviewed submissions keep exactly your themes; the rest move only where your "
                                "reviews change what the model predicts (on a run whose themes were discovered, "
                                "that is rarely: a correction applies to the reviewed submission, not yet to "
                                "similar ones). Takes about 20 seconds; the theme set itself stays as it is (to "
                                "re-map onto edited themes, use the button in Theme detail & review).")
                    r_next_info = gr.Markdown(elem_id="review-next-info")
                    r_next = gr.Dataframe(pd.DataFrame(columns=data.REVIEW_NEXT_COLUMNS),
                                          label="Review next (select one to open it)", interactive=False, wrap=True,
                                          elem_id="review-next", column_widths=["90px", "200px", "70%"])
                with gr.Accordion("Bulk action", open=False):
                    with gr.Row():
                        b_ids = gr.Textbox(label="Submission ids, as in the file (comma or space separated)",
                                           scale=3)
                        b_status = gr.Dropdown(label="Status", choices=[""] + list(STATUSES), value="")
                        b_assignee = gr.Textbox(label="Assignee")
                        b_tag = gr.Textbox(label="Add tag")
                    b_btn = gr.Button("Apply to all")
                    b_info = gr.Markdown()
                with gr.Accordion("Erase this submission (GDPR request, administrators)", open=False,
                                  elem_id="erase"):
                    e_note = gr.Textbox(label="Request reference (logged; no citizen text)")
                    e_confirm = gr.Checkbox(label="I am sure: the text is removed everywhere and cannot come back")
                    e_btn = gr.Button("Erase", variant="stop", elem_id="erase-button")
            with gr.Tab("Export", id="export"):
                exports = gr.HTML("Pick a consultation first.", elem_id="exports")

        timer = gr.Timer(2.0)
        known_lists = gr.State({})
        timer.tick(refresh_jobs, None, [progress, jobs_table]).then(
            refresh_lists, [consultation, run, known_lists], [consultation, run, known_lists])
        demo.load(on_load, None, [header, consultation]).then(refresh_jobs, None, [progress, jobs_table])
        file.upload(on_upload, [file], [upload_id, preview_table, preview_info, text_col, id_col, group_cols,
                                        question_col, again, file])
        start.click(on_start, [upload_id, text_col, id_col, group_cols, question_col, label_lang, again],
                    [progress, jobs_table])
        cancel_btn.click(on_cancel, [resume_id], [progress, jobs_table])
        resume_btn.click(on_resume, [resume_id], [progress, jobs_table])
        consultation.change(on_consultation, [consultation], [run, f_group])
        overview_out = [bars, chart_key, themes_notice, scatter, map_key, themes_table, campaigns]
        run.change(on_run, [consultation, run], overview_out + [theme, merge_with, exports])
        # drawn again whenever the tab opens: a chart updated while its tab was hidden kept its old bars
        themes_tab.select(overview, [consultation, run], overview_out)
        quote_ids, member_ids, queue_ids = gr.State({}), gr.State({}), gr.State({})
        theme_in = [theme, run, f_status, f_lang, f_sent, f_group]
        theme_out = [detail_md, quotes, quote_ids, members, member_ids, label_box, summary_box]
        for trigger in (theme.change, f_status.change, f_lang.submit, f_sent.change, f_group.change):
            trigger(on_theme, theme_in, theme_out)
        review_in = [theme, run, label_box, summary_box, merge_with, split_ids, confirm]
        for button, action in ((rename_btn, "rename"), (summary_btn, "summary"), (merge_btn, "merge"),
                               (split_btn, "split"), (delete_btn, "delete")):
            button.click(review_action(action), review_in, [theme, merge_with]).then(
                on_theme, theme_in, theme_out).then(overview, [consultation, run], overview_out)
        remap_btn.click(on_remap, [run], None)
        t_version, sub_id = gr.State(None), gr.State(None)
        sub_out = [sub_md, t_status, t_assignee, t_tags, t_notes, history_table, t_version, r_themes, r_position,
                   r_state]
        for table, ids in ((quotes, quote_ids), (members, member_ids)):
            table.select(pick_and_go, [ids], [sub_id, tabs]).then(open_submission, [sub_id, run], sub_out)
        queue.select(pick_row, [queue_ids], sub_id).then(open_submission, [sub_id, run], sub_out)
        for trigger in (sub_lookup.submit, open_btn.click):
            trigger(open_by_file_id, [sub_lookup, consultation, run], sub_id).then(
                open_submission, [sub_id, run], sub_out)
        q_in = [consultation, run, q_status, q_assignee, q_tag, q_text, q_unassigned]
        q_out = [queue, queue_ids, q_info, exports]
        # the queue above shows the saved status and assignee at once (issue 17: it still said "new")
        save_btn.click(on_save, [sub_id, run, t_status, t_assignee, t_tags, t_notes, t_why, t_version],
                       sub_out).success(on_queue, q_in, q_out)
        q_btn.click(on_queue, q_in, q_out)
        b_btn.click(on_bulk, [consultation, b_ids, b_status, b_assignee, b_tag], [b_info]).success(
            on_queue, q_in, q_out)
        e_btn.click(on_erase, [sub_id, run, e_note, e_confirm], sub_out)
        next_ids = gr.State({})
        r_save.click(on_review_save, [sub_id, run, r_themes, r_position], sub_out)
        # the opened submission and the Themes tab show where the re-map put things
        learn_btn.click(on_learn, [run], [r_next, next_ids, r_next_info]).success(
            open_submission, [sub_id, run], sub_out).then(overview, [consultation, run], overview_out)
        r_next.select(pick_row, [next_ids], sub_id).then(open_submission, [sub_id, run], sub_out)
    return demo
