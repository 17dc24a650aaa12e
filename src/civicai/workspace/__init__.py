"""The rules every door obeys (CLI, /api, the Gradio apps): erasure and retention of citizen text, and the
limits on who may read what. Routers and UI callbacks call these functions; they never re-implement them."""
