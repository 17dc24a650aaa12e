"""The civicai web server: `create_app(settings)` builds the FastAPI app with /api, /health, /docs and the
Gradio apps /staff (login), /chat (public) and /audit (login). `civicai serve` runs it with uvicorn."""
from civicai.api.app import create_app
from civicai.workspace.context import ApiOptions, AppContext

__all__ = ["ApiOptions", "AppContext", "create_app"]
