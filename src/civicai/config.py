"""Settings: built-in defaults, then `civicai.toml`, then `CIVICAI_*` environment variables, then CLI flags.

Later sources win. `get_settings(**overrides)` is the one entry point; CLI flags arrive as overrides.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from civicai.errors import CivicaiError

GeneratorName = Literal["extractive", "llama-cpp", "openai"]
ChatRewrite = Literal["off", "llm"]


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    home: Path = Field(default=Path(".civicai"), description="Folder for the database, caches and runs.")
    cache_dir: Path | None = Field(default=None, description="Model cache (assembled GGUF, checksums); default home/cache.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in `home`.")
    embedder_cluster: str = Field(default="use", description="Embedder for clustering and duplicates.")
    embedder_retrieval: str = Field(default="e5", description="Embedder for climate-plan retrieval.")
    generator: GeneratorName = Field(default="extractive", description="Who writes labels, summaries, answers.")
    llm_model: str = Field(default="qwen2.5-0.5b-instruct", description="Local GGUF model id (models/manifest.toml).")
    chat_rewrite: ChatRewrite = Field(default="off", description="Plan chat: 'llm' also searches for the question "
                                      "as the local LLM translates it into the plan's language (civicai.rag.rewrite).")
    openai_base_url: str | None = Field(default=None, description="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")
    openai_model: str = Field(default="local", description="Model name to ask the OpenAI-compatible server for.")
    openai_api_key: str | None = Field(default=None, description="API key for the OpenAI-compatible server.")
    openai_timeout_s: float = Field(default=60.0, gt=0)
    threads: int = Field(default=2, ge=1, description="CPU threads for models.")
    seed: int = Field(default=0, description="Random seed for every stochastic stage.")
    cluster_address: str | None = Field(default=None, description="Dask scheduler (tcp://host:8786) for the "
                                        "per-text analysis stages; default: run them locally.")
    keep_raw_text: bool = Field(default=False, description="Also store unredacted text (GDPR: off by default).")
    min_group_size: int = Field(default=5, ge=1, description="Groups smaller than this are suppressed in reports.")
    production: bool = Field(default=False, description="Production mode: no default passwords, secure cookies.")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'civicai.db').resolve()}"

    @property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir or self.home / "cache"

    def public_dict(self) -> dict[str, Any]:
        """Settings for a run manifest: secrets removed."""
        data = self.model_dump(mode="json")
        if data.get("openai_api_key"):
            data["openai_api_key"] = "***"
        if data.get("database_url") and "@" in data["database_url"]:
            scheme, rest = data["database_url"].split("://", 1)
            data["database_url"] = f"{scheme}://***@{rest.split('@', 1)[1]}"
        return data


def _config_file() -> Path | None:
    explicit = os.environ.get("CIVICAI_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise CivicaiError(f"config file {path} (from CIVICAI_CONFIG) does not exist",
                               "create it or unset CIVICAI_CONFIG")
        return path
    path = Path("civicai.toml")
    return path if path.is_file() else None


def _from_file() -> dict[str, Any]:
    path = _config_file()
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CivicaiError(f"{path} is not valid TOML: {exc}", "fix the file or remove it") from exc
    return data.get("civicai", data)


def _from_env() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in Settings.model_fields:
        raw = os.environ.get(f"CIVICAI_{name.upper()}")
        if raw is not None and raw != "":
            values[name] = raw
    return values


def get_settings(**overrides: Any) -> Settings:
    """Defaults < civicai.toml < CIVICAI_* env < overrides (CLI flags). None overrides are ignored."""
    merged: dict[str, Any] = {}
    for layer in (_from_file(), _from_env(), {k: v for k, v in overrides.items() if v is not None}):
        merged.update(layer)
    try:
        return Settings(**merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise CivicaiError(f"setting '{field}': {first['msg']} (got {first.get('input')!r})",
                           f"fix it in civicai.toml, CIVICAI_{field.upper()} or the CLI flag") from exc
