"""The application layer: every rule and service that the doors (the /api routers, the Gradio apps /staff,
/chat and /audit, the CLI) share, so each rule lives in one place and every door obeys it.

- context: what every call shares (settings, database URL, limits, jobs); security and users: passwords,
  server-side sessions, API tokens, roles, who is calling (`resolve_principal`), login back-off
- queries, review, exporting: the workspace's read side, the theme review loop, exports
- privacy: small groups are refused on every read path; erasure: GDPR erasure and raw-upload retention
- analyses, jobs: uploads, analysis/re-map/ingest jobs; chat: the residents' chat, its budget and answer
  slots; audits: bias audits and model cards

`civicai.api` keeps only HTTP: routers, schemas, FastAPI dependencies, the body-limit middleware, and
`create_app`, which builds the app and mounts the Gradio apps. Nothing here imports `civicai.api` or
`civicai.ui`.
"""
