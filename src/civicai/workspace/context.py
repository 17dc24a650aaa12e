"""What every request handler and Gradio callback shares: settings, database URL, session signer, limits, jobs."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from civicai.config import Settings
from civicai.workspace.security import DEFAULT_MAX_UPLOAD_BYTES, RateLimit, RateLimiter, SessionSigner


@dataclass
class ApiOptions:
    """Server options that are not analysis settings (kept out of civicai.config on purpose)."""

    bootstrap: bool = True  # first start: analyse the shipped sample, ingest the shipped plan
    start_jobs: bool = True  # run background jobs (tests may turn it off)
    session_max_age_s: int = 8 * 3600
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    # raw uploads are deleted once analysed; any left (never analysed, or a failed analysis) after this many days
    # go at the next start or upload. keep_raw_text keeps them all.
    upload_retention_days: float = 7.0
    max_body_bytes: int = 1024 * 1024  # every other request body (api/limits.py)
    rate_limit: RateLimit = field(default_factory=RateLimit)
    plan_name: str = "rivermouth"  # the plan the residents' chat answers from
    mount_ui: bool = True  # mount the Gradio apps
    warm_chat: bool = True  # load the chat's models in the background at start
    chat_concurrency: int = 2  # answers computed at once (the rest queue); about the number of cores
    chat_queue: int = 8  # questions that may wait for a slot; more get 429 at once (threads stay free)
    chat_wait_s: float = 20.0  # how long a question waits for a slot before 429


@dataclass
class AppContext:
    settings: Settings
    options: ApiOptions
    signer: SessionSigner
    limiter: RateLimiter
    jobs: object = None  # civicai.workspace.jobs.JobManager (set by create_app)
    first_admin_password: str | None = None  # dev mode only, printed once by `civicai serve`
    bootstrap_jobs: list = field(default_factory=list)  # jobs queued on first start

    @property
    def url(self) -> str:
        return self.settings.resolved_database_url

    @property
    def home(self) -> Path:
        return Path(self.settings.home).resolve()

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def secure_cookies(self) -> bool:
        return bool(self.settings.production)
