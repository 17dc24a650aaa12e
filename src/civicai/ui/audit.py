"""/audit: the auditors' view. Bias reports of every run (JSON and HTML downloads), run manifests, model cards."""
from __future__ import annotations

import json

import gradio as gr
import pandas as pd

from civicai.store.db import session_scope
from civicai.ui.common import esc, friendly, header_html, refuse, who
from civicai.workspace import audits as auditsvc
from civicai.workspace import queries
from civicai.workspace.context import AppContext
from civicai.workspace.users import READERS, STAFF

MANIFEST_SECTIONS = (("models", "Models"), ("civicai_version", "Run"), ("mode", "Run"), ("seed", "Run"),
                     ("started_at", "Run"), ("finished_at", "Run"), ("total_s", "Run"), ("input", "Input"),
                     ("prompts", "Prompts"), ("parameters", "Parameters"), ("counts", "Counts"),
                     ("questions", "Questions"), ("text_sources", "Label and summary sources"),
                     ("review_log", "Review edits"), ("resumed_stages", "Run"), ("timings_s", "Timings (s)"),
                     ("platform", "Platform"))


def _flat(value: object, prefix: str = "") -> list[tuple[str, str]]:
    """('embedder · model_id', 'use-multilingual-v3') pairs: a nested manifest as rows people can read."""
    if isinstance(value, dict):
        if not value:
            return [(prefix, "(none)")] if prefix else []
        return [pair for k, v in value.items() for pair in _flat(v, f"{prefix} · {k}" if prefix else str(k))]
    if isinstance(value, list):
        if not value:
            return [(prefix, "(none)")]
        if all(not isinstance(v, (dict, list)) for v in value):
            return [(prefix, ", ".join(map(str, value)))]
        return [pair for i, v in enumerate(value, 1) for pair in _flat(v, f"{prefix} {i}" if prefix else str(i))]
    if isinstance(value, float):
        return [(prefix, f"{value:.4g}")]
    return [(prefix, "" if value is None else str(value))]


def manifest_html(manifest: dict) -> str:
    """The run manifest as one readable table: a heading row per section (models first: what an auditor asks
    first), every key included, nothing hidden in a collapsed JSON tree (issue 17)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    seen = set()
    for key, section in MANIFEST_SECTIONS:
        if key in manifest:
            seen.add(key)
            value = manifest[key]
            sections.setdefault(section, []).extend(_flat(value) if isinstance(value, (dict, list))
                                                    else [(key, str(value))])
    for key, value in manifest.items():
        if key not in seen:
            sections.setdefault("Other", []).extend(_flat(value, key) if isinstance(value, (dict, list))
                                                    else [(key, str(value))])
    body = "".join(f'<tr><th colspan="2" scope="colgroup" class="section">{esc(section)}</th></tr>'
                   + "".join(f'<tr><th scope="row">{esc(item)}</th><td>{esc(text)}</td></tr>' for item, text in rows)
                   for section, rows in sections.items())
    return (f'<table class="civicai-manifest"><caption>Run manifest: versions, models and checksums, prompts, '
            f'parameters, seed</caption><thead><tr><th scope="col">item</th><th scope="col">value</th></tr>'
            f"</thead><tbody>{body}</tbody></table>")


def _num(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else esc(value)


def build_audit(ctx: AppContext) -> gr.Blocks:
    def on_load(request: gr.Request):
        me = who(ctx, request, READERS)
        with session_scope(ctx.url) as session:
            audits = auditsvc.audit_rows(session)
            runs = queries.run_rows(session)
        audit_table = pd.DataFrame([{"audit": a["id"] or "", "run": a["run_id"], "source": a["source"],
                                     "created": (a["created_at"] or "")[:19], "findings": a["findings"],
                                     "flagged": a["flagged"]} for a in audits],
                                   columns=["audit", "run", "source", "created", "findings", "flagged"])
        run_table = pd.DataFrame([{"run": r["id"], "consultation": r["consultation_id"], "status": r["status"],
                                   "mode": r["mode"], "finished": (r["finished_at"] or r["started_at"] or "")[:19],
                                   "submissions": (r["counts"] or {}).get("input_rows", (r["counts"] or {}).get(
                                       "accepted", ""))} for r in runs],
                                 columns=["run", "consultation", "status", "mode", "finished", "submissions"])
        cards = auditsvc.model_cards()
        return (header_html("civicai · auditors' view", me.username, me.role),
                gr.update(value=audit_table, visible=bool(audits)),  # none yet: the text below says so
                _links(audits), run_table, gr.update(choices=[c["name"] for c in cards],
                                                    value=cards[0]["name"] if cards else None))

    def _links(audits: list[dict]) -> str:
        if not audits:
            return ("<p>No bias report yet. Run <code>civicai audit RUN --group-column district --out DIR</code>, "
                    "or <code>civicai analyse ... --audit</code>.</p>")
        items = []
        for a in audits:
            if a["id"]:
                base = f"/api/audits/{a['id']}/report"
                name = f"Audit {a['id']} (run {a['run_id']})"
            else:
                base = f"/api/runs/{a['run_id']}/bias_report"
                name = f"Report file of run {a['run_id']}"
            items.append(f'<li>{esc(name)}: {a["flagged"]} of {a["findings"]} findings flagged · '
                         f'<a href="{base}.html" target="_blank" rel="noopener">HTML report</a> · '
                         f'<a href="{base}.json" download>JSON</a></li>')
        return "<ul>" + "".join(items) + "</ul>"

    def on_audit(evt: gr.SelectData, request: gr.Request):
        who(ctx, request, READERS)
        row = evt.row_value or []
        if not row or not str(row[0]).isdigit():
            return "This report exists only as a file: use its download links.", ""
        with session_scope(ctx.url) as session:
            report = auditsvc.get_audit(session, int(row[0])).report or {}
        findings = [f for f in report.get("findings", []) if f.get("flagged")]
        lines = [f"- **{esc(f.get('group_column'))} = {esc(f.get('group'))}** · {esc(f.get('stage'))} · "
                 f"{esc(f.get('metric'))}: {_num(f.get('value'))} vs {_num(f.get('reference_value'))} "
                 f"(ratio {_num(f.get('ratio'))}, n={f.get('n')})" for f in findings[:30]]
        icons = {"flag": "**Flag:**", "watch": "*Watch:*", "info": "Info:"}
        verdict = report.get("verdict") or []
        if isinstance(verdict, str):
            verdict = [{"sentence": verdict}]
        text = "\n".join(f"- {icons.get(v.get('severity'), '')} {esc(v.get('sentence'))}" if isinstance(v, dict)
                         else f"- {esc(v)}" for v in verdict[:20])
        leakage = report.get("leakage", {}).get("total") if isinstance(report.get("leakage"), dict) else None
        facts = {"Findings": len(report.get("findings", [])), "Flagged": len(findings),
                 "Group columns": ", ".join(report.get("group_columns") or []),
                 "Generated": (report.get("generated_at") or "")[:19].replace("T", " "),
                 "Citizen text found in outputs (leakage)": leakage}
        summary = "<dl class='civicai-facts'>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>"
                                                        for k, v in facts.items()) + "</dl>"
        return (f"### Audit {row[0]}: verdict\n{text}\n\n**Flagged findings ({len(findings)})**\n\n" +
                ("\n".join(lines) or "None.")), summary

    def on_run(evt: gr.SelectData, request: gr.Request):
        who(ctx, request, READERS)
        row = evt.row_value or []
        if not row:
            return "", "", None
        from civicai.workspace.security import hide_paths

        with session_scope(ctx.url) as session:  # as GET /api/runs/{id}/manifest shows it: no server paths
            manifest = hide_paths(queries.get_run(session, int(row[0])).manifest or {})
        link = (f'<p>Run {int(row[0])}: what it ran with. <a href="/api/runs/{int(row[0])}/manifest" '
                f'download="run{int(row[0])}.json">Download run.json</a> (the same, as JSON)</p>')
        return manifest_html(json.loads(json.dumps(manifest, default=str))), link, int(row[0])

    def on_audit_run(run_id, request: gr.Request):
        me = who(ctx, request, STAFF)
        if not run_id:
            raise refuse("Select a run in the table first.")
        try:
            with session_scope(ctx.url) as session:
                params = auditsvc.audit_job_params(queries.get_run(session, int(run_id)), [], me.username)
            job_id = ctx.jobs.submit("audit", params, owner_id=me.user_id)
        except Exception as exc:
            raise friendly(exc) from exc
        return f"Audit of run {int(run_id)} started (job {job_id}); reload this page when it is done."

    def on_card(name: str | None, request: gr.Request):
        who(ctx, request, READERS)
        if not name:
            return ""
        try:
            return auditsvc.model_card(name)["markdown"]
        except LookupError as exc:
            return str(exc)

    def on_chat_plans(request: gr.Request):
        who(ctx, request, READERS)
        from civicai.plans.repository import list_plans

        with session_scope(ctx.url) as session:
            names = sorted({p.name for p in list_plans(session)})
        return gr.update(choices=names, value=names[0] if names else None)

    def on_chat_audit(plan: str | None, request: gr.Request):
        me = who(ctx, request, STAFF)
        if not plan:
            raise refuse("Choose a plan first.")
        from civicai.bias.chat_audit import ChatAuditOptions, default_question_files, run_chat_audit, summary_rows

        questions, judgements = default_question_files()
        try:  # aggregates only come back: the report never holds a question
            result = run_chat_audit(plan, ChatAuditOptions(out_dir=ctx.home / "chat_audits" / plan,
                                                           questions=questions, judgements=judgements),
                                    settings=ctx.settings)
        except Exception as exc:
            raise friendly(exc) from exc
        report = result.report
        text = "\n".join(f"- {esc(v['sentence'])}" for v in report["verdict"])
        head = (f"### Chat on {esc(plan)}: {report['questions']['n']} questions, run by {esc(me.username)}\n"
                f"Served worse: {esc(', '.join(report['served_worse']) or 'no group')}\n\n")
        return (head + text, gr.update(value=pd.DataFrame(summary_rows(report, "language")), visible=True),
                gr.update(value=pd.DataFrame(summary_rows(report, "audience")), visible=True))

    with gr.Blocks(title="civicai · audit") as demo:
        header = gr.HTML(header_html("civicai · auditors' view"))
        with gr.Tabs(overflow_behavior="wrap"):  # every tab in view on a phone, none behind a "..." menu
            with gr.Tab("Bias reports"):
                audits = gr.Dataframe(label="Bias reports (select one for its flagged findings)", interactive=False,
                                      elem_id="audits", visible=False)
                links = gr.HTML(elem_id="audit-links")
                summary = gr.HTML(elem_id="audit-summary")  # a JSON tree's empty state failed axe
                findings = gr.Markdown()
            with gr.Tab("Run manifests"):
                runs = gr.Dataframe(label="Analysis runs (select one for its manifest)", interactive=False,
                                    elem_id="runs")
                manifest_link = gr.HTML()
                selected_run = gr.State(None)
                with gr.Row():
                    audit_btn = gr.Button("Run the bias audit of the selected run (staff and admins)")
                    audit_info = gr.Markdown()
                manifest = gr.HTML("<p>Select a run above to read its manifest.</p>", elem_id="manifest")
            with gr.Tab("Chat"):
                gr.Markdown("Is the residents' chat as good in every language and for every audience? Asks the "
                            "evaluation questions (refusals, judged citations, guard, latency), compared as in the "
                            "bias reports. Only counts are shown, never a question.")
                chat_plan = gr.Dropdown(label="Plan", choices=[])
                chat_btn = gr.Button("Audit the chat on this plan (staff and admins; a minute or two)")
                chat_verdict = gr.Markdown()
                # shown once the chat audit has run: an empty table would only show "1 2 3"
                chat_languages = gr.Dataframe(label="By question language", interactive=False, visible=False)
                chat_audiences = gr.Dataframe(label="By audience", interactive=False, visible=False)
            with gr.Tab("Model cards"):
                card = gr.Dropdown(label="Model", choices=[])
                card_md = gr.Markdown()
        demo.load(on_load, None, [header, audits, links, runs, card])
        audits.select(on_audit, None, [findings, summary])
        runs.select(on_run, None, [manifest, manifest_link, selected_run])
        audit_btn.click(on_audit_run, [selected_run], [audit_info])
        card.change(on_card, [card], [card_md])
        demo.load(on_chat_plans, None, [chat_plan])
        chat_btn.click(on_chat_audit, [chat_plan], [chat_verdict, chat_languages, chat_audiences])
    return demo
