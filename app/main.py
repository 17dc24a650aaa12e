"""The ASGI app: `uvicorn app.main:app` (what `civicai serve` runs, with its first-start messages).

Settings come from civicai.toml / CIVICAI_* environment variables, as for every civicai command."""
from civicai.api import create_app

app = create_app()
